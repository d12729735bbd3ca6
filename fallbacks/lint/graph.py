"""Graph algorithms over chains drawn as `source -> [targets]` adjacency lists. Pure, iterative."""

from collections import defaultdict
from collections.abc import Mapping, Sequence


def strongly_connected(graph: Mapping[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative so that a long chain of chains cannot exhaust the stack."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = lowlink[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            successors = graph.get(node, [])
            if child < len(successors):
                work.append((node, child + 1))
                successor = successors[child]
                if successor not in index:
                    work.append((successor, 0))
                elif successor in on_stack:
                    lowlink[node] = min(lowlink[node], index[successor])
                continue
            if lowlink[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
    return components


def cycles(graph: Mapping[str, Sequence[str]]) -> list[set[str]]:
    """The strongly connected components of more than one node (strongly_connected's, in no particular order).

    Models that reach no cycle are peeled off first (the sinks, then whatever points only at peeled models), in one
    pass over the edges: no cycle is broken by that, and what remains, often nothing, is all Tarjan's algorithm sees.
    """
    if not set().union(*graph.values()) - {source for source, targets in graph.items() if targets}:
        return [component for component in strongly_connected(graph) if len(component) > 1]  # no sink: nothing peels
    pointed_from: dict[str, list[str]] = defaultdict(list)
    unpeeled = {}  # model -> how many of its edges lead to models not peeled yet
    for source, targets in graph.items():
        unpeeled[source] = len(targets)
        for target in targets:
            pointed_from[target].append(source)
    peeled = [name for name in pointed_from if not unpeeled.get(name)]
    while peeled:
        for source in pointed_from.get(peeled.pop(), ()):
            unpeeled[source] -= 1
            if not unpeeled[source]:
                peeled.append(source)
    remaining = {
        source: [target for target in targets if unpeeled.get(target)]
        for source, targets in graph.items()
        if unpeeled[source]
    }
    return [component for component in strongly_connected(remaining) if len(component) > 1]


def cycle_path(graph: Mapping[str, Sequence[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first member, found breadth first."""
    start = min(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        next_frontier = []
        for node in frontier:
            for successor in graph.get(node, []):
                if successor not in component:
                    continue
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if successor not in previous:
                    previous[successor] = node
                    next_frontier.append(successor)
        frontier = next_frontier
    return sorted(component)  # unreachable for a strongly connected component
