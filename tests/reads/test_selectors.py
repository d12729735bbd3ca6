"""Selectors: the same answer whichever way they read it."""

import random
from dataclasses import replace

from fallbacks import selectors, services
from fallbacks.lint import GroupFacts
from fallbacks.models import ModelGroup
from fallbacks.resolution import series_names
from tests.factories import RANDOM_SERIES, random_context, store_context


def test_chain_map_with_known_names_matches_the_joined_read(make_groups, set_chain):
    make_groups("a", "b/c", "d:e")
    set_chain("a", ["b/c", "d:e"])
    set_chain("*", ["a"], "context_window")
    names = dict(ModelGroup.objects.values_list("id", "name"))
    assert selectors.chain_map(names=names) == selectors.chain_map()
    assert selectors.chain_map(names=names) == {("a", "general"): ["b/c", "d:e"], ("*", "context_window"): ["a"]}


def test_chain_map_of_no_types_is_empty_without_asking_the_database(make_groups, set_chain, django_assert_num_queries):
    make_groups("a", "b")
    set_chain("a", ["b"])
    names = dict(ModelGroup.objects.values_list("id", "name"))
    with django_assert_num_queries(0):
        assert selectors.chain_map(names=names, fallback_types=[]) == {}


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


# Names LiteLLM may read as another spelling of one another: prefixed, stripped, a provider recurring, a segment
# that only looks like a provider, non-ASCII, empty segments.
SPELLINGS = [
    "gpt-4o",
    "openai/gpt-4o",
    "azure/gpt-4o",
    "azure/azure/gpt-4o",
    "azure/x/azure/gpt-4o",
    "openai/azure/gpt-4o",
    "claude-3-5-sonnet",
    "anthropic/claude-3-5-sonnet",
    "vertex_ai/gemini/gemini-pro",
    "gemini/gemini-pro",
    "gemini-pro",
    "not-a-provider/gpt-4o",
    "modèle-é",
    "ollama/modèle-é",
    "a//b",
    "/b",
    "b",
]


def _stem(name: str) -> str:
    """models.ModelGroup.stem, said in Python: the name with every `<first segment>/` taken out."""
    return name.replace(name[: name.index("/") + 1], "") if "/" in name else name


def test_every_group_a_name_may_spell_is_read_by_key(make_groups):
    """names_spelled_like(n) holds every group X for which LiteLLM reads n as another spelling of X, on both
    series: the rule keyed `n` names X (what the whole-graph scan it replaces found, as a superset)."""
    make_groups(*SPELLINGS)
    assert dict(ModelGroup.objects.values_list("name", "stem")) == {name: _stem(name) for name in SPELLINGS}
    for series in RANDOM_SERIES:
        names = series_names(series)
        for name in SPELLINGS:
            spelled = {other for other in SPELLINGS if name in names.other_spellings(other)}
            found = selectors.names_spelled_like(name)
            assert {name, *spelled} <= found, (series, name)
    assert selectors.names_spelled_like("gpt-4o") == {
        "gpt-4o",
        "openai/gpt-4o",
        "azure/gpt-4o",
        "azure/azure/gpt-4o",
        "not-a-provider/gpt-4o",  # a superset: a segment that is no provider spells nothing, it is looked up
    }
    assert selectors.names_spelled_like("openai/gpt-4o") == {"openai/gpt-4o", "gpt-4o"}
    assert selectors.names_spelled_like("unknown") == set()


def test_the_stem_follows_every_write_of_a_name(make_groups):
    make_groups("openai/gpt-4o")
    services.group_update(actor="someone", group="openai/gpt-4o", changes={"name": "azure/azure/gpt-4o"})
    ModelGroup.objects.bulk_create([ModelGroup(name="bedrock/claude")])
    assert dict(ModelGroup.objects.values_list("name", "stem")) == {
        "azure/azure/gpt-4o": "gpt-4o",
        "bedrock/claude": "claude",
    }
    assert selectors.names_spelled_like("gpt-4o") == {"azure/azure/gpt-4o"}


def test_a_gateways_state_of_one_group_is_its_part_of_the_stored_check(db, django_assert_num_queries):
    """The database narrows each gateway's last drift check to one group: the same as reading it whole and filtering."""
    names = ["a", "it's", "ünï/cödé", 'quo"te', "a2"]
    chains = [
        {"model": model, "fallback_type": kind, "expected": [other, "x"], "live": [] if index % 2 else [other]}
        for index, (model, other) in enumerate(zip(names, reversed(names), strict=True))
        for kind in ("general", "context_window")
    ]
    states = {
        "never": None,
        "failed": {"config_version": 3, "error": "unreachable: GET /v1/models", "in_sync": False},
        "drifted": {"config_version": 4, "error": None, "missing_models": names[1::2], "differing_chains": chains},
        "in-sync": {"config_version": 5, "error": None, "missing_models": [], "differing_chains": [], "in_sync": True},
        "odd": {"config_version": "v6", "error": None},  # a version that is no number reads as none, not a 500
    }
    for name, state in states.items():
        services.gateway_create(actor="tests", name=name, base_url="http://127.0.0.1:9")
        if state is not None:
            services.gateway_record_check(name=name, state=state)
    for group in [*names, "absent"]:
        with django_assert_num_queries(1):
            found = selectors.gateway_states_of_group(group)
        assert [state.gateway.name for state in found] == sorted(states)
        for state in found:
            stored = states[state.gateway.name] or {}
            version = stored.get("config_version")
            assert state.checked_version == (version if isinstance(version, int) else None)
            assert state.error == stored.get("error")
            assert state.missing == (group in stored.get("missing_models", ()))
            assert state.differing_chains == [
                chain for chain in stored.get("differing_chains", ()) if chain["model"] == group
            ]


def test_lint_context_reads_back_the_configuration_stored(db, django_assert_num_queries):
    """The whole lint's read (the groups' facts in plain SQL, groups with the same facts sharing one; the chains by
    their groups' ids) gives back each group's facts, deployments counted, and every chain in order."""
    rng = random.Random(11)
    for _ in range(15):
        context = random_context(rng)
        groups = {
            name: GroupFacts(facts.max_input_tokens, rng.choice([0, 1, 2, 3])) for name, facts in context.groups.items()
        }
        context = replace(context, groups=groups, series=context.configured_series)
        store_context(context)
        with django_assert_num_queries(3):
            read = selectors.lint_context()
        assert read.groups == context.groups
        assert read.chains == context.chains
        assert (read.max_fallbacks, read.series, read.configured_series) == (
            context.max_fallbacks,
            context.series,
            context.configured_series,
        )
