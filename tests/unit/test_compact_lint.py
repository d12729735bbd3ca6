"""The whole lint on a numbered graph (fallbacks.lint.compact: walks from every model, cycles after peeling, chains
chosen before sorting, types with the same graph done once) finds exactly what the lint found before, on random
graphs of both LiteLLM series.

The references below are the honest definitions: a chain cut short is what attempt_plan shows for a request with
every model failing (THEN_MAX_FALLBACKS), a cycle is a strongly connected component of a type's own chains (Tarjan,
fallbacks.lint.graph.strongly_connected, over every model), and the checks of one chain at a time say of each target
what PRODUCT.md's finding says, chain by chain in order.
"""

import random
from collections import defaultdict
from dataclasses import replace

import pytest

from fallbacks.domain import CONTEXT_WINDOW, DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, GENERAL
from fallbacks.lint import BEYOND_MAX_FALLBACKS, CYCLE, WARNING, Finding, GroupFacts, LintContext, lint
from fallbacks.lint import findings as checks
from fallbacks.lint.compact import NONE, NumberedChains
from fallbacks.lint.graph import cycle_path, cycles, strongly_connected
from fallbacks.resolution import (
    THEN_MAX_FALLBACKS,
    ChainRef,
    applicable_chain,
    attempt_plan,
    chain_type_for_error,
    general_when_no_typed_chain_applies,
    lookup_chain,
    types_present,
    walks_own_chains,
)
from tests.factories import RANDOM_NAMES, RANDOM_SERIES, random_chains, random_context


def planned_cuts(context: LintContext) -> list[Finding]:
    """beyond_max_fallbacks from attempt_plan: for each type with chains, a request to each model a chain names, and
    one to the first of the models no chain names speaking for all of them (they all walk the `*` chain alike),
    every model failing; each chain a step could not walk (the count at max_fallbacks), with its targets that plan
    never tried."""
    if context.max_fallbacks <= 0:
        return []
    chains = context.chains
    in_chains = {source for source, _ in chains if source != DEFAULT_CHAIN_SOURCE} | {
        target for targets in chains.values() for target in targets
    }
    every_name = in_chains | set(context.groups)
    outsiders = sorted(set(context.groups) - in_chains)
    walkers = [(name, [name]) for name in sorted(set(context.groups) & in_chains)] + [
        (outsider, outsiders) for outsider in outsiders[:1]
    ]
    unreached: dict[tuple[str, str], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for fallback_type in FALLBACK_TYPES.values():
        if fallback_type not in types_present(chains):
            continue
        for requester, stands_for in walkers:
            plan = attempt_plan(
                chains, requester, fallback_type, every_name, context.max_fallbacks, series=context.series
            )
            for step in plan.steps:
                if step.then != THEN_MAX_FALLBACKS:
                    continue
                key = (step.then_via.source, step.then_via.fallback_type)
                missed = [target for target in chains[key] if target not in plan.attempts]
                if missed:
                    unreached[key][0].update(missed)
                    unreached[key][1].update(stands_for)
    order = FALLBACK_TYPES.values()
    return [
        Finding(
            WARNING,
            BEYOND_MAX_FALLBACKS,
            f"{checks._names(sorted(targets))} in the {chain_type} chain of {source} can never be tried for requests "
            f"to {checks._names(sorted(requesters))}: max_fallbacks ({context.max_fallbacks}) is used up before "
            "the walk gets there.",
            source,
            chain_type,
            tuple(dict.fromkeys([source, *sorted(targets), *sorted(requesters)])),
        )
        for (source, chain_type), (targets, requesters) in sorted(
            unreached.items(), key=lambda item: (order.index(item[0][1]), item[0][0])
        )
    ]


def components_found(context: LintContext) -> list[tuple[str, str, tuple[str, ...], str]]:
    """Per strongly connected component of more than one model of each type's own chains, in the lint's order: its
    first model, its type, its models and its shortest cycle from the first model."""
    found = []
    for fallback_type in FALLBACK_TYPES.values():
        graph = {
            source: list(targets)
            for (source, entry_type), targets in context.chains.items()
            if entry_type == fallback_type and source != DEFAULT_CHAIN_SOURCE
        }
        for component in strongly_connected(graph):
            if len(component) > 1:
                path = cycle_path(graph, component)
                found.append((path[0], fallback_type, tuple(sorted(component)), " -> ".join([*path, path[0]])))
    return sorted(found, key=lambda cycle: cycle[0])  # stable: by type for one model


def stranded_one_by_one(context: LintContext, fallback_type: str) -> tuple[list, list]:
    """_stranded's definition from lookup_chain: when chains of the type exist and the series does not walk the general
    chain instead, every group no chain of the type applies to whose general errors find a chain, in order."""
    chains, series = context.chains, context.series
    if chain_type_for_error(chains, fallback_type) != fallback_type:
        return [], []
    if general_when_no_typed_chain_applies(fallback_type, series):
        return [], []
    general = {
        name: lookup_chain(chains, GENERAL, name, name, series)
        for name in sorted(context.groups)
        if lookup_chain(chains, fallback_type, name, name, series) is None
    }
    own = [(name, ref.source) for name, ref in general.items() if ref and ref.source != DEFAULT_CHAIN_SOURCE]
    return own, [name for name, ref in general.items() if ref and ref.source == DEFAULT_CHAIN_SOURCE]


def names_only_one_it_inherits(context: LintContext, source: str, fallback_type: str, target: str) -> bool:
    """inherited_chain_only_itself: a typed chain naming only `target`, the chain its errors of the type walk, while
    its general errors walk a rule of its own (or of another spelling of it)."""
    chains, series = context.chains, context.series
    general = lookup_chain(chains, GENERAL, target, target, series)
    return (
        fallback_type != GENERAL
        and chains[(source, fallback_type)] == [target] != [source]
        and applicable_chain(chains, fallback_type, target, target, series=series) == ChainRef(source, fallback_type)
        and general is not None
        and general.source != DEFAULT_CHAIN_SOURCE
    )


def no_larger_window(context: LintContext, source: str, fallback_type: str, target: str) -> bool:
    """smaller_context_window: a context-window target that takes no more input tokens than its source (both known)."""
    source_tokens, target_tokens = (
        context.groups[name].max_input_tokens if name in context.groups else None for name in (source, target)
    )
    return (
        fallback_type == CONTEXT_WINDOW
        and None not in (source_tokens, target_tokens)
        and target_tokens <= source_tokens
    )


def without_deployments(context: LintContext, source: str, fallback_type: str, target: str) -> bool:
    """target_without_deployments: a target group with no deployments, when some group has them."""
    return (
        any(facts.deployments for facts in context.groups.values())
        and context.groups.get(target, GroupFacts(deployments=1)).deployments == 0
    )


CHAIN_BY_CHAIN = {
    checks._inherited_chains_only_itself: names_only_one_it_inherits,
    checks._smaller_context_windows: no_larger_window,
    checks._targets_without_deployments: without_deployments,
}


def same_graph_for_every_type(rng: random.Random, chains: dict) -> dict:
    """One type's chains given to every type (some types left out, one chain sometimes shortened, the general chains
    sometimes kept): the types whose graphs are the same are walked, and searched for cycles, once."""
    kinds = list(FALLBACK_TYPES.values())
    picked = rng.choice(kinds)
    copied = {
        (source, kind): list(targets)
        for kind in kinds
        if kind == picked or rng.random() < 0.85
        for (source, entry_type), targets in chains.items()
        if entry_type == picked
    }
    if copied and rng.random() < 0.3:
        key = rng.choice(sorted(copied))
        copied[key] = copied[key][:1]
    if rng.random() < 0.5:  # the typed types alike, the general chains their own (walked on 1.110 for some errors)
        copied = {key: targets for key, targets in copied.items() if key[1] != GENERAL}
        copied.update({key: targets for key, targets in chains.items() if key[1] == GENERAL})
    return copied


def random_lint_context(rng: random.Random, series: str) -> LintContext:
    context = random_context(rng, default_chance=rng.choice([0.0, 0.15, 0.5]))
    if rng.random() < 0.3:  # more models than the names that have other spellings, most in chains
        names = [f"m{index}" for index in range(rng.randint(5, 30))] + rng.sample(RANDOM_NAMES, 5)
        groups = {
            name: GroupFacts(rng.choice([None, 1000, 2000]), rng.randint(0, 1)) for name in names if rng.random() < 0.9
        }
        context = replace(context, chains=random_chains(rng, names, 0.3), groups=groups)
    if rng.random() < 0.3:
        context = replace(context, chains=same_graph_for_every_type(rng, context.chains))
    return replace(context, series=series, max_fallbacks=rng.choice([0, 1, 2, 3, 5]))


@pytest.mark.parametrize("series", RANDOM_SERIES)
def test_the_whole_lint_finds_what_the_plans_and_the_components_say(series):
    rng = random.Random(13)
    seen = defaultdict(int)
    for _ in range(1500):
        context = random_lint_context(rng, series)
        found = lint(context)
        assert [finding for finding in found if finding.code == BEYOND_MAX_FALLBACKS] == sorted(
            planned_cuts(context), key=checks._severity_order
        ), context
        cycles_found = [finding for finding in found if finding.code == CYCLE]
        assert [(finding.source, finding.fallback_type, finding.models) for finding in cycles_found] == [
            cycle[:3] for cycle in components_found(context)
        ], context
        assert all(
            f"form a cycle: {cycle[3]}." in finding.message
            for finding, cycle in zip(cycles_found, components_found(context), strict=True)
        )
        for check, expected in CHAIN_BY_CHAIN.items():
            assert [(finding.source, finding.fallback_type, finding.models[-1]) for finding in check(context)] == [
                (source, fallback_type, target)
                for (source, fallback_type), targets in sorted(context.chains.items())
                for target in targets
                if expected(context, source, fallback_type, target)
            ], check
        for fallback_type in filter(walks_own_chains, FALLBACK_TYPES.values()):
            assert checks._stranded(context, fallback_type) == stranded_one_by_one(context, fallback_type)
        for finding in found:
            seen[finding.code] += 1
    # The random graphs do meet what is being compared.
    assert seen[BEYOND_MAX_FALLBACKS] > 300
    assert seen[CYCLE] > 100
    assert (
        min(seen[code] for code in ("inherited_chain_only_itself", "smaller_context_window", "no_typed_fallback")) > 20
    )


def test_cycles_after_peeling_are_the_components_of_more_than_one_model():
    rng = random.Random(7)
    for _ in range(300):
        names = [f"m{index}" for index in range(rng.randint(2, 40))]
        graph = {
            source: rng.sample([name for name in names if name != source], k=rng.randint(0, min(3, len(names) - 1)))
            for source in names
            if rng.random() < 0.7
        }
        expected = sorted(sorted(component) for component in strongly_connected(graph) if len(component) > 1)
        assert sorted(sorted(component) for component in cycles(graph)) == expected


@pytest.mark.parametrize("series", RANDOM_SERIES)
def test_a_fleet_whose_types_share_their_chains_is_linted_as_its_plans_say(series):
    # The benchmark's shape (scripts/bench_plan.py `fleet`): families of ten, each model falling back to the next
    # three of its family in every type, `*` chains naming the first model; and two models in no chain.
    names = [f"fleet-{index:03d}" for index in range(60)]
    chains = {
        (name, kind): names[index + 1 : min(index + 4, (index // 10 + 1) * 10)]
        for kind in FALLBACK_TYPES.values()
        for index, name in enumerate(names[:57])
    }
    chains = {key: targets for key, targets in chains.items() if targets}
    chains.update({(DEFAULT_CHAIN_SOURCE, kind): [names[0]] for kind in FALLBACK_TYPES.values()})
    context = LintContext(
        chains=chains,
        groups={name: GroupFacts(deployments=1) for name in [*names, "lone-a", "lone-b"]},
        max_fallbacks=3,
        series=series,
        configured_series=series,
    )
    found = lint(context)
    assert found == sorted(planned_cuts(context), key=checks._severity_order)
    assert len(found) > 50
    assert any("lone-a" in finding.models for finding in found)


def test_the_numbered_graph_numbers_the_names_given_then_sources_then_targets_once_each():
    chains = {
        ("b", GENERAL): ["c", "a", "d"],
        ("*", GENERAL): ["e"],
        ("c", CONTEXT_WINDOW): ["d", "b"],
        ("d", GENERAL): [],  # no targets: left out, as the router does
    }
    graph = NumberedChains(chains, ["a", "b", "a"])
    assert graph.names == ["a", "b", "*", "c", "d", "e"]
    assert graph.number == {name: number for number, name in enumerate(graph.names)}
    assert graph.keys == [("b", GENERAL), ("*", GENERAL), ("c", CONTEXT_WINDOW)]
    assert [[graph.names[target] for target in targets] for targets in graph.targets] == [
        ["c", "a", "d"],
        ["e"],
        ["d", "b"],
    ]
    assert graph.chain(("c", CONTEXT_WINDOW)) == 2
    assert graph.chain(("d", GENERAL)) == NONE
    with pytest.raises(KeyError):  # looking a name up after numbering numbers nothing more
        graph.number["f"]
    assert len(graph.names) == 6
