"""fallbacks.drawing: what the graph page draws. The whole graph up to MAX_DRAWN_NODES, else a neighbourhood."""

from fallbacks import drawing


def ring(count: int) -> dict:
    """`count` groups, each falling back to the next two, and a `*` chain naming the first."""
    chains = {
        (f"m{index:05}", "general"): [f"m{(index + 1) % count:05}", f"m{(index + 2) % count:05}"]
        for index in range(count)
    }
    chains[("*", "general")] = ["m00000"]
    return drawing.fallback_graph(chains, "general")


def test_a_small_graph_is_drawn_whole_and_counts_models_without_the_default_chain():
    drawn = drawing.drawn_graph(ring(10))
    assert drawn["whole"] is True
    assert drawn["model_count"] == 10
    assert drawn["node_count"] == 11
    assert drawn["has_default"] is True
    assert len(drawn["nodes"]) == 11
    assert not any(node["more"] or node["focus"] for node in drawn["nodes"])


def test_a_focus_draws_its_neighbourhood_two_steps_away_either_way():
    drawn = drawing.drawn_graph(ring(10), "m00005")
    assert drawn["whole"] is False
    assert drawn["focus"] == "m00005"
    names = {node["id"] for node in drawn["nodes"]}
    assert names == {"m00001", "m00002", "m00003", "m00004", "m00005", "m00006", "m00007", "m00008", "m00009"}
    assert {node["id"] for node in drawn["nodes"] if node["more"]} == {"m00001", "m00002", "m00008", "m00009"}
    assert all(edge["source"] in names and edge["target"] in names for edge in drawn["edges"])


def test_an_unknown_focus_is_said_and_the_graph_drawn_as_unasked():
    drawn = drawing.drawn_graph(ring(10), "gpt-5")
    assert drawn["focus_missing"] == "gpt-5"
    assert drawn["whole"] is True


def test_at_10000_groups_only_a_neighbourhood_is_ever_drawn():
    graph = ring(10_000)
    for focus in (None, "m04321"):
        drawn = drawing.drawn_graph(graph, focus)
        assert drawn["whole"] is False
        assert len(drawn["nodes"]) <= drawing.MAX_DRAWN_NODES
        assert drawn["model_count"] == 10_000
    assert drawing.drawn_graph(graph)["focus"] == "m00000"  # unasked: the most-used fallback (the `*` chain's)


def test_a_neighbourhood_stops_at_the_limit():
    hub = {(f"m{index:04}", "general"): ["hub"] for index in range(1000)}
    drawn = drawing.neighbourhood(drawing.fallback_graph(hub, "general"), "hub", limit=50)
    assert len(drawn["nodes"]) == 50
    assert next(node for node in drawn["nodes"] if node["id"] == "hub")["more"] is True
