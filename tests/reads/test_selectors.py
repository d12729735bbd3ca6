"""Selectors: the same answer whichever way they read it."""

from fallbacks import selectors, services
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


def test_an_export_reads_again_when_a_write_lands_between_its_queries(existing, monkeypatch):
    read_once = selectors._config_data_once
    reads = []

    def read_while_someone_writes(max_fallbacks):
        data = read_once(max_fallbacks)
        if not reads:
            services.group_create(actor="someone else", name="meanwhile")
        reads.append(data)
        return data

    monkeypatch.setattr(selectors, "_config_data_once", read_while_someone_writes)

    data = selectors.config_data()

    assert len(reads) == 2
    assert "meanwhile" not in reads[0].groups
    assert "meanwhile" in data.groups
    assert data.version == selectors.config_version()


def test_the_groups_lacking_a_chain_of_their_own_and_those_in_no_chain(
    make_groups, set_chain, django_assert_num_queries
):
    make_groups("a", "b", "c", "alone", "also-alone")
    set_chain("a", ["b"])
    set_chain("a", ["b"], "context_window")
    set_chain("a", ["c"], "content_policy")
    set_chain("b", ["c"], "context_window")
    with django_assert_num_queries(1):
        lacking = selectors.groups_lacking_own_chain()
    assert sorted(lacking) == [
        ("alone", frozenset(), False),
        ("also-alone", frozenset(), False),
        ("b", frozenset({"context_window"}), True),
        ("c", frozenset(), True),  # named as a target only
    ]
    with django_assert_num_queries(1):
        assert selectors.groups_in_no_chain() == ["alone", "also-alone"]
