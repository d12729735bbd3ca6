"""The chains of one type as data for the admin's graph page to draw. Pure: no ORM."""

from collections import defaultdict

from fallbacks.domain import DEFAULT_CHAIN_SOURCE
from fallbacks.lint.graph import strongly_connected
from fallbacks.resolution import ChainMap


def fallback_graph(chains: ChainMap, fallback_type: str) -> dict:
    """The chains of one type as a graph to draw: nodes with how many chains point at them, and edges.

    An edge is marked `in_cycle` when both its ends are in one cycle, and `default` when it comes
    from the `*` chain.
    """
    typed = {source: list(targets) for (source, entry_type), targets in chains.items() if entry_type == fallback_type}
    own = {source: targets for source, targets in typed.items() if source != DEFAULT_CHAIN_SOURCE}
    cycle_of = {}
    for number, component in enumerate(strongly_connected(own)):
        if len(component) > 1:
            cycle_of.update(dict.fromkeys(component, number))
    pointed_at: dict[str, int] = defaultdict(int)
    edges = []
    for source, targets in sorted(typed.items()):
        for position, target in enumerate(targets):
            pointed_at[target] += 1
            in_cycle = source in cycle_of and cycle_of.get(target) == cycle_of[source]
            edges.append(
                {
                    "source": source,
                    "target": target,
                    "position": position + 1,
                    "in_cycle": in_cycle,
                    "default": source == DEFAULT_CHAIN_SOURCE,
                }
            )
    names = sorted({*typed, *pointed_at})
    nodes = [
        {
            "id": name,
            "pointed_at": pointed_at.get(name, 0),
            "default": name == DEFAULT_CHAIN_SOURCE,
            "in_cycle": name in cycle_of,
            "has_chain": name in typed,
        }
        for name in names
    ]
    return {"fallback_type": fallback_type, "nodes": nodes, "edges": edges, "cycles": len(set(cycle_of.values()))}
