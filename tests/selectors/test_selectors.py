"""Selectors: the same answer whichever way they read it."""

from fallbacks import selectors
from fallbacks.models import ModelGroup


def test_chain_map_with_known_names_matches_the_joined_read(make_groups, set_chain):
    make_groups("a", "b/c", "d:e")
    set_chain("a", ["b/c", "d:e"])
    set_chain("*", ["a"], "context_window")
    names = dict(ModelGroup.objects.values_list("id", "name"))
    assert selectors.chain_map(names=names) == selectors.chain_map()
    assert selectors.chain_map(names=names) == {("a", "general"): ["b/c", "d:e"], ("*", "context_window"): ["a"]}


def test_chain_map_reads_names_itself_when_a_group_is_newer_than_the_callers_names(make_groups, set_chain):
    make_groups("a", "b")
    names = dict(ModelGroup.objects.values_list("id", "name"))
    make_groups("late")
    set_chain("a", ["late", "b"])
    assert selectors.chain_map(names=names) == {("a", "general"): ["late", "b"]}
