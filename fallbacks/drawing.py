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


# The most model groups the graph page draws at once. Up to this many (the groups in chains of the type, and `*`)
# the whole graph is drawn; beyond, the page draws one model's neighbourhood (the one searched for, else the
# most-used fallback), never the whole graph: a layered drawing of thousands of nodes reads as nothing and takes
# the browser seconds to lay out.
MAX_DRAWN_NODES = 250
FOCUS_RADIUS = 2  # a focused model's neighbourhood: what it falls back to, and what falls back to it, two hops away


def neighbourhood(graph: dict, center: str, *, radius: int = FOCUS_RADIUS, limit: int = MAX_DRAWN_NODES) -> dict:
    """The part of `graph` (as fallback_graph returns it) within `radius` hops of `center`, either way along the
    edges, nearest first, at most `limit` nodes. Nodes with links that are not drawn are marked `more`."""
    links: dict[str, set[str]] = {node["id"]: set() for node in graph["nodes"]}
    for edge in graph["edges"]:
        links[edge["source"]].add(edge["target"])
        links[edge["target"]].add(edge["source"])
    kept = {center: 0}
    layer = [center]
    for depth in range(1, radius + 1):
        following = sorted({name for node in layer for name in links.get(node, ())} - kept.keys())
        for name in following[: max(0, limit - len(kept))]:
            kept[name] = depth
        layer = following
        if len(kept) >= limit:
            break
    nodes = [
        {**node, "focus": node["id"] == center, "more": bool(links[node["id"]] - kept.keys())}
        for node in graph["nodes"]
        if node["id"] in kept
    ]
    edges = [edge for edge in graph["edges"] if edge["source"] in kept and edge["target"] in kept]
    return {**graph, "nodes": nodes, "edges": edges}


def drawn_graph(graph: dict, focus: str | None = None) -> dict:
    """What the graph page draws of `graph`: all of it when it is small enough and nothing is focused, else the
    neighbourhood of `focus` (or, unasked, of the most-used fallback). Says which, and how much there is."""
    names = [node["id"] for node in graph["nodes"]]
    summary = {
        "model_count": sum(1 for name in names if name != DEFAULT_CHAIN_SOURCE),  # `*` is a chain, not a model
        "node_count": len(names),
        "has_default": DEFAULT_CHAIN_SOURCE in names,
        "limit": MAX_DRAWN_NODES,
        "focus": None,
        "focus_missing": None,
        "whole": True,
    }
    if focus is not None and focus not in names:
        summary["focus_missing"] = focus
        focus = None
    if focus is None and len(names) <= MAX_DRAWN_NODES:
        nodes = [{**node, "focus": False, "more": False} for node in graph["nodes"]]
        return {**graph, "nodes": nodes, **summary}
    if focus is None:
        busiest = max(graph["nodes"], key=lambda node: (node["pointed_at"], node["id"] != DEFAULT_CHAIN_SOURCE))
        focus = busiest["id"]
    return {**neighbourhood(graph, focus), **summary, "focus": focus, "whole": False}
