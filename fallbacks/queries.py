"""Reads composed for every door: selectors for the data, resolution and lint for what it means.

The API, the admin, the commands and the templates ask here, so each answer is computed one way.
Each function's number of queries does not depend on how many model groups there are (tests pin
it). A refusal (an unknown model, say) is an error kind of fallbacks.errors, never an HTTP status.
Every read that resolves chains follows the configured LiteLLM series (the setting
`litellm_version`); the plan and the lint may be asked about another one.
"""

import gc
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from fallbacks import drawing, errors, history, selectors, validation
from fallbacks.config_format import ConfigData, ConfigFormat, emit_config
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, DEFAULT_FALLBACK_TYPE, FALLBACK_TYPES, LITELLM_SERIES
from fallbacks.errors import ErrorCode, NotFound
from fallbacks.history import Change, Key
from fallbacks.lint import (
    Finding,
    LintContext,
    LintReport,
    cycle_findings,
    lint,
    lint_chain,
    lint_concerning,
    lint_report,
    upgrade_impact,
)
from fallbacks.models import ModelGroup
from fallbacks.resolution import (
    AttemptPlan,
    ChainMap,
    ChainResolver,
    DirectChain,
    PartialChains,
    attempt_plan,
    direct_chain,
    general_when_no_typed_chain_applies,
    rule_keys,
    series_names,
    walk,
    walks_own_chains,
)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a read builds a few hundred thousand objects (the whole lint at ten
    thousand groups), almost none in a reference cycle: each full collection would walk them all again (a third of
    the lint's time). Reference counting still frees what is dropped; the few cycles wait for the collector's next
    run, once it is on again. The collector is the process's: the requests other threads serve meanwhile run
    without it too (only their cyclic garbage waits), and the pause ends when the thread that began it ends it."""
    was_enabled = gc.isenabled()  # False inside another pause, which re-enables it itself
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Model lists ---------------------------------------------------------------------------------


def model_objects(
    *, name: str | None = None, fallback_type: str | None = None, series: str | None = None
) -> list[dict]:
    """OpenAI model objects of every model group (or of `name`), by name.

    With `fallback_type`, each has `metadata.fallbacks`: its direct chain of that type, for the
    configured LiteLLM series (or `series`: what a gateway of that series reports). Three queries at
    most, whatever the number of groups.
    """
    rows = selectors.model_list_rows(name=name)
    objects = [
        {"id": group_name, "object": "model", "created": created, "owned_by": owner}
        for _, group_name, created, owner in rows
    ]
    if fallback_type is None or not objects:
        return objects
    series = series or selectors.litellm_version()
    chains = (
        selectors.chain_map(fallback_type=fallback_type, names={row[0]: row[1] for row in rows})
        if name is None
        else selectors.chains_of_sources(rule_keys(name, series), fallback_type=fallback_type)
    )
    for item in objects:
        item["metadata"] = {"fallbacks": direct_chain(chains, item["id"], fallback_type, series=series).targets}
    return objects


def model_object(name: str, *, fallback_type: str | None = None) -> dict:
    """One model group's OpenAI model object; NotFound in LiteLLM's words when there is none."""
    objects = model_objects(name=name, fallback_type=fallback_type)
    if not objects:
        raise NotFound(errors.MODEL_NOT_SERVED.format(model=name), code=ErrorCode.MODEL_NOT_SERVED)
    return objects[0]


def reported_chains(series: str) -> tuple[int, dict[str, dict[str, list[str]]]]:
    """What a gateway of `series` running this configuration reports in `/v1/models?include_metadata=true`,
    for each type: `(config version, type -> model -> direct chain)`. The version is read first: never newer
    than the chains."""
    version = selectors.config_version()
    return version, {
        kind: {item["id"]: item["metadata"]["fallbacks"] for item in model_objects(fallback_type=kind, series=series)}
        for kind in FALLBACK_TYPES.values()
    }


def own_rules() -> dict[tuple[str, str], list[str]]:
    """Every chain as the rule it is: `(source or "*", type) -> targets`, what a gateway's `POST /fallback`
    takes. One query."""
    return {key: list(targets) for key, targets in selectors.chain_map().items()}


# Chains --------------------------------------------------------------------------------------


def model_direct_chain(model: str, fallback_type: str) -> DirectChain:
    """`GET /fallback/{model}`: the chain `model` uses (its own, else one named by another spelling of its name,
    else `*`) on the configured LiteLLM series; NotFound when none applies."""
    if model != DEFAULT_CHAIN_SOURCE and not selectors.model_group_exists(model):
        raise validation.model_not_found(model, selectors.model_group_names())
    series = selectors.litellm_version()
    chains = selectors.chains_of_sources(rule_keys(model, series), fallback_type=fallback_type)
    chain = direct_chain(chains, model, fallback_type, series=series)
    if not chain.targets:
        raise NotFound(
            errors.NOTHING_CONFIGURED.format(fallback_type=fallback_type, model=model),
            code=ErrorCode.NOTHING_CONFIGURED,
        )
    return chain


def direct_chains(names: Sequence[str]) -> dict[str, dict[str, DirectChain]]:
    """Each named group's direct chain of every type (`name -> type -> chain`) on the configured series.
    Two queries."""
    series = selectors.litellm_version()
    chains = selectors.chains_of_sources(key for name in names for key in rule_keys(name, series))
    return {
        name: {kind: direct_chain(chains, name, kind, series=series) for kind in FALLBACK_TYPES.values()}
        for name in names
    }


def check_group_deletable(group: ModelGroup) -> None:
    """Conflict, naming the chains, when chains name `group`: what services.group_delete would refuse."""
    validation.check_group_deletable(group.name, selectors.chains_naming(group))


def chain_warnings(source: str, fallback_type: str) -> list[Finding]:
    """The lint findings about a chain just written (for `POST /fallback`'s extra `warnings`): exactly
    `lint_chain` over the whole configuration, computed from the part of the graph they depend on.

    Seven queries, eight for a general chain (one more per hop that a rule read by another spelling of a name adds,
    two more for the candidates a first chain of a type may leave without a fallback), each reading what the chain
    reaches within `max_fallbacks` hops, what reaches it, and the cycles through it, by key, never every group:
    except when a request that walks the `*` chain of the type can reach the chain (every model group is then a
    requester), when the whole configuration is read as before.
    """
    context = chain_lint_context(source, fallback_type)
    if context is None:
        context = selectors.lint_context()
    return lint_chain(context, source, fallback_type)


def _partial_context(chains: dict, looked_up: set[str], facts, max_fallbacks: int, series: str) -> LintContext:
    """The lint's context over part of the graph: `chains` read so far, plus the facts of the groups `looked_up`
    and the chains of every rule key those groups may use."""
    looked_up = looked_up - {DEFAULT_CHAIN_SOURCE}
    groups = selectors.group_facts(looked_up)
    chains.update(selectors.chains_of_sources({key for name in groups for key in rule_keys(name, series)}))
    return LintContext(
        chains=PartialChains(chains, types_present=facts.types_present),
        groups=groups,
        max_fallbacks=max_fallbacks,
        series=series,
        configured_series=series,
        deployments_anywhere=facts.deployments_anywhere,
    )


def chain_lint_context(source: str, fallback_type: str) -> LintContext | None:
    """The part of the configuration `lint_chain(context, source, fallback_type)` looks at, as a LintContext whose
    answer is the whole configuration's; None when that part is every model group.

    What each finding of lint_chain reads (fallbacks.lint.findings): the requesters whose plans may cut the chain
    (`_requesters`: up to `max_fallbacks` hops backwards along chains of the type) and every chain their plans may
    walk (up to `max_fallbacks` hops forwards, by every rule key of each name, the `*` chains, the type's and the
    general ones); the own chains of the type that the chain reaches (a cycle through it is among them); the
    models whose errors of a type get no fallback (`_stranded`: the database finds the candidates); and the facts
    of the chain's source and targets.
    """
    facts = selectors.lint_facts()
    series, max_fallbacks = facts.litellm_version, facts.max_fallbacks
    # The `*` chains and the source's own (every type of both: one read).
    chains = selectors.chains_of_sources({DEFAULT_CHAIN_SOURCE, source})
    written = chains.get((source, fallback_type))
    if written is None:
        return None  # deleted since it was written: whatever the whole configuration says
    defaults = {key: targets for key, targets in chains.items() if key[0] == DEFAULT_CHAIN_SOURCE}

    # _requesters: backwards along the chains of the type, up to max_fallbacks hops; every group is one when a model
    # fewer hops away than that is a target of the type's `*` chain.
    hops = selectors.sources_reaching(source, fallback_type, max_fallbacks)
    reached_by_default = defaults.get((DEFAULT_CHAIN_SOURCE, fallback_type), ())
    if any(hops.get(name, max_fallbacks) < max_fallbacks for name in reached_by_default):
        return None
    requesters = set(hops)

    # Their plans, to the depth max_fallbacks allows. Each requester has a chain of the type of its own (the source
    # included), so every failure in its walk finds a chain of the type (the failed model's, else the requester's):
    # neither the `*` chains nor the general ones (SERIES_RULES) are ever walked.
    chains.update(_chains_within(requesters, {fallback_type}, max_fallbacks, series))
    # Cycles through the chain.
    chains.update(selectors.own_chains_reachable([source], [fallback_type]))

    # The groups whose own facts or lookups a finding reads: the source and targets, and the models that may be
    # left without a fallback of a type (those naming the source by another spelling, when it is a general chain).
    looked_up = {source, *written}
    if fallback_type == DEFAULT_FALLBACK_TYPE and source != DEFAULT_CHAIN_SOURCE:
        looked_up |= selectors.names_spelled_like(source)
    stranded_types = (
        [kind for kind in FALLBACK_TYPES.values() if walks_own_chains(kind)]
        if fallback_type == DEFAULT_FALLBACK_TYPE and source == DEFAULT_CHAIN_SOURCE
        else [fallback_type]
        if walks_own_chains(fallback_type)
        else []
    )
    for kind in stranded_types:
        looked_up |= _stranded_candidates(kind, facts, defaults, series)
    return _partial_context(chains, looked_up, facts, max_fallbacks, series)


def _chains_within(
    names: set[str], fallback_types: set[str], hops: int, series: str, *, with_defaults: bool = False
) -> dict[tuple[str, str], list[str]]:
    """Every chain of `fallback_types` a plan for a request to one of `names` may walk (with `with_defaults`, the `*`
    chains too): those of the rule keys of each model it may try, a model tried at nesting level k being at most k
    hops from the requested one along chains of those types (a failed model's own or the rule of another spelling of
    its name, the requested model's, `*`, each one hop from any model). The walk up to `hops` levels deep looks up
    the chain of models up to `hops` hops away.

    One query when no name it meets is spelled like another group's chain's source; one more per hop that such a
    rule adds.
    """
    chains = selectors.chains_within_hops(names, fallback_types, hops, with_defaults=with_defaults)
    read = {source for source, _ in chains} | set(names)
    for _ in range(hops + 1):
        met = read | {target for targets in chains.values() for target in targets}
        # A name's own chain is read when the walk can reach it: only the other spellings' rules may be missing.
        spellings = {key for name in met for key in series_names(series).other_spellings(name)} - read
        if not spellings:
            break
        read |= spellings
        by_spelling = selectors.chains_of_sources(spellings, fallback_types=fallback_types)
        if not by_spelling:
            break
        # The targets of a rule read by spelling start walks of their own: read those as far as any walk may go.
        onwards = {target for targets in by_spelling.values() for target in targets}
        chains.update(by_spelling)
        chains.update(selectors.chains_within_hops(onwards, fallback_types, hops, with_defaults=False))
        read |= {source for source, _ in chains}
    return chains


def _stranded_candidates(fallback_type: str, facts: selectors.LintFacts, defaults: ChainMap, series: str) -> set[str]:
    """Model groups among which are all those `_stranded(context, fallback_type)` finds over the whole configuration
    (a superset: the lint looks each up). None when the `*` chain of the type applies to every model, or when
    errors of the type walk the general chains anyway."""
    if fallback_type not in facts.types_present or general_when_no_typed_chain_applies(fallback_type, series):
        return set()
    if defaults.get((DEFAULT_CHAIN_SOURCE, fallback_type)):
        return set()
    # A general rule without one of the type: the group's own (or any group, when the `*` general chain exists)...
    with_own_general = not defaults.get((DEFAULT_CHAIN_SOURCE, DEFAULT_FALLBACK_TYPE))
    candidates = set(selectors.groups_without_own_chain(fallback_type, with_own_general=with_own_general))
    # ... or one named by another spelling of its name.
    return candidates | selectors.names_spelled_alike()


def lint_of_groups(names: Collection[str]) -> dict[str, list[Finding]]:
    """For each of `names`, the findings of the whole configuration's lint (configured series) that concern it
    (Finding.concerns), in lint's order: what `lint(lint_context())` filtered by name gives, computed from the part
    of the graph those groups touch. A bounded number of queries (about `max_fallbacks` plus twenty), each the size
    of that part, and when a finding may name every group that walks a `*` chain, the names of those groups (planned
    a few for all: _default_walkers); the whole configuration is read instead only when a requester no chain names
    spells one of the names, or when max_fallbacks is 0.
    """
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    with collector_paused():  # a cycle through the names may span every group (a ring): all of it read at once
        return _lint_of_groups(names, selectors.lint_facts())


def _lint_of_groups(names: list[str], facts: selectors.LintFacts) -> dict[str, list[Finding]]:
    local = _groups_lint_context(names, facts)
    if local is None:
        findings = lint(selectors.lint_context())
        return {name: [finding for finding in findings if finding.concerns(name)] for name in names}
    context, requesters, alike, cycles = local
    return lint_concerning(context, names, requesters=requesters, alike=alike, cycles=cycles)


def _groups_lint_context(
    names: list[str], facts: selectors.LintFacts
) -> tuple[LintContext, set[str], dict[tuple[str, str], list[str]], list[Finding]] | None:
    """The part of the configuration lint_concerning needs for `names`, the requesters it must plan, what some of
    them speak for (lint_concerning's `alike`) and the cycle findings through the names (_cycles_through); None
    when that part is every group.

    Each finding lint_concerning keeps is about a chain of one of the names, a chain naming one, or a model that
    spells one: those chains are read, with the facts and rule keys of the groups they name. A
    `beyond_max_fallbacks` finding about a chain also names every model whose plan cuts that chain: those are found
    backwards, at most max_fallbacks hops along any chain (from a target to the source, and to every model that
    spells the source, whose rule it is), and planned over what their walks reach.
    When a `*` chain is among those chains (every model without a rule walks it), the models that walk it are planned
    as _default_walkers says; the models in no chain as the whole lint plans them, the first for all.
    """
    series, max_fallbacks, all_types = facts.litellm_version, facts.max_fallbacks, set(FALLBACK_TYPES.values())
    if max_fallbacks <= 0:
        return None  # max_fallbacks_zero names every chain: cheaper whole
    defaults = selectors.chain_map(model=DEFAULT_CHAIN_SOURCE)
    # A `*` chain's findings may name every model that walks it.
    through_default = any(name in targets for targets in defaults.values() for name in names)
    spellings = series_names(series)
    linked = selectors.names_spelled_alike()  # every group that spells another group's name (few, or none)

    def spelled(sources: set[str]) -> set[str]:
        return {name for name in linked if any(other in sources for other in spellings.other_spellings(name))}

    naming = selectors.chain_sources_naming(names, None) - {DEFAULT_CHAIN_SOURCE}
    chains: dict[tuple[str, str], list[str]] = dict(defaults)
    chains.update(selectors.chains_of_sources({*names, *naming}))
    cycles = _cycles_through(names, facts)
    in_chains = selectors.names_in_chains(names)
    # A name in no chain: the lint plans the first model in no chain for all of them.
    outsider = selectors.first_group_in_no_chain() if len(in_chains) < len(names) else None
    planned = in_chains | ({outsider} if outsider is not None else set())

    # Who may cut a chain whose finding concerns a name: the chains of the names or naming them, and those the names'
    # own plans cut.
    walked = _chains_within(planned, all_types, max_fallbacks, series, with_defaults=True)
    chains.update(walked)
    resolver = ChainResolver(PartialChains(chains, types_present=facts.types_present), series)
    cut = {
        key
        for name in planned
        for kind in facts.types_present
        for key in walk(resolver, name, kind, None, max_fallbacks).cut
    }
    sources = {source for source, _ in cut} | {source for source, _ in chains if source in naming or source in names}
    through_default |= DEFAULT_CHAIN_SOURCE in sources
    requesters = frontier = (sources | spelled(sources)) - {DEFAULT_CHAIN_SOURCE}
    for _ in range(max_fallbacks):
        found = selectors.chain_sources_naming(frontier, None)
        through_default |= DEFAULT_CHAIN_SOURCE in found
        frontier = (found | spelled(found)) - requesters - {DEFAULT_CHAIN_SOURCE}
        if not frontier:
            break
        requesters = requesters | frontier
    if selectors.names_in_chains(requesters) != requesters:
        return None  # a requester no chain names: the lint plans the first such group for all of them
    alike: dict[tuple[str, str], list[str]] = {}
    if through_default:
        walkers, alike = _default_walkers(defaults, linked, facts)
        requesters = requesters | walkers
        outsider = outsider or selectors.first_group_in_no_chain()  # each model in no chain walks `*`
    if outsider is not None:
        requesters = requesters | {outsider}
    chains.update(_chains_within(requesters, all_types, max_fallbacks, series, with_defaults=True))

    looked_up = {*names, *spelled(set(names)), *naming}
    looked_up |= {target for name in names for kind in all_types for target in chains.get((name, kind), ())}
    context = _partial_context(chains, looked_up, facts, max_fallbacks, series)
    groups = context.groups
    # A name that only inherits the `*` general chain is named, with every other such model, by a finding of the `*`
    # chain: then every candidate is read.
    resolver = context.resolver()
    for kind in facts.types_present:
        if not walks_own_chains(kind) or general_when_no_typed_chain_applies(kind, series):
            continue
        inherits = any(
            resolver.lookup(kind, name, name) is None
            and (resolver.lookup(DEFAULT_FALLBACK_TYPE, name, name) or ("",))[0] == DEFAULT_CHAIN_SOURCE
            for name in names
            if name in groups
        )
        if inherits:
            more = _stranded_candidates(kind, facts, defaults, series) - set(groups)
            more_groups = selectors.group_facts(more)
            chains.update(selectors.chains_of_sources({key for name in more_groups for key in rule_keys(name, series)}))
            context = replace(
                context,
                chains=PartialChains(chains, types_present=facts.types_present),
                groups={**groups, **more_groups},
            )
            groups = context.groups
    if outsider is not None:
        alike.update(_outsiders_alike(context, outsider, facts))
    return context, requesters, alike, cycles


class CycleMemo:
    """The cycle findings through model groups, as far as the group pages have read them, for the configuration's
    latest stamp (its version and when it was written, as fallbacks.api.listings keys the lists), per process.

    A cycle through a group may span every group (a ring), which the rest of its page need not read: the own chains
    its own chains reach, read whole, and their strongly connected components. What one page reads settles every
    group it meets, in each type: the component it lies in, or none. So after the first page of a ring, the other
    pages find their cycles here, and pages of groups in no cycle read only what their chains reach, as before.

    Never stale after a write is acknowledged: every write bumps the version, and a request reads the stamp before
    the chains, so what is kept under a stamp was read at that version or later, and a request that starts after
    the write reads the new stamp, which drops whatever was kept. Thread-safe (gunicorn's threads share it).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._through: dict[str, dict[str, Finding | None]] = {}  # type -> group -> the cycle finding through it

    def clear(self) -> None:
        with self._lock:
            self._stamp, self._through = None, {}

    def known(self, stamp: tuple, names: Collection[str], kinds: Iterable[str]) -> dict[str, list[Finding | None]]:
        """For each of `kinds` in which every one of `names` is settled under `stamp`, the finding through each."""
        with self._lock:
            if stamp != self._stamp:
                return {}
            return {
                kind: [through[name] for name in names]
                for kind in kinds
                if (through := self._through.get(kind)) is not None and all(name in through for name in names)
            }

    def learn(self, stamp: tuple, kind: str, settled: dict[str, Finding | None]) -> None:
        with self._lock:
            if stamp != self._stamp:
                self._stamp, self._through = stamp, {}
            through = self._through.setdefault(kind, {})
            through.update(settled)


CYCLES = CycleMemo()


def _cycles_through(names: list[str], facts: selectors.LintFacts) -> list[Finding]:
    """The whole configuration's cycle findings through `names`, of every type (lint's, the same objects each time
    under one stamp): from CYCLES when it has settled the names, else from every own chain the names' own chains
    reach (one query: on a ring, every chain), which settles every group met."""
    stamp = (facts.config_version, facts.written_at)
    kinds = list(FALLBACK_TYPES.values())
    known = CYCLES.known(stamp, names, kinds)
    unknown = [kind for kind in kinds if kind not in known]
    if unknown:
        chains = selectors.own_chains_reachable(names, unknown)
        found = cycle_findings(chains, unknown)
        for kind in unknown:
            of_kind = [(source, targets) for (source, chain_type), targets in chains.items() if chain_type == kind]
            met = {source for source, _ in of_kind}.union(*(targets for _, targets in of_kind))
            settled: dict[str, Finding | None] = dict.fromkeys([*names, *met])
            for finding in found[kind]:
                settled.update(dict.fromkeys(finding.models, finding))
            CYCLES.learn(stamp, kind, settled)
            known[kind] = [settled[name] for name in names]
    # In type order, as lint finds them (its sort keeps the order of findings about one source).
    through_names = (finding for kind in kinds for finding in known[kind] if finding is not None)
    return list({id(finding): finding for finding in through_names}.values())


def _outsiders_alike(
    context: LintContext, outsider: str, facts: selectors.LintFacts
) -> dict[tuple[str, str], list[str]]:
    """What the first model in no chain speaks for, as the whole lint plans it: every model in no chain, for every
    type (lint_concerning's `alike`); nothing to read when its walks cut no chain (then they make no finding)."""
    resolver = context.resolver()
    if not any(walk(resolver, outsider, kind, None, facts.max_fallbacks).cut for kind in facts.types_present):
        return {}
    outsiders = selectors.groups_in_no_chain()
    return {(outsider, kind): outsiders for kind in facts.types_present}


def _default_walkers(
    defaults: ChainMap, linked: set[str], facts: selectors.LintFacts
) -> tuple[set[str], dict[tuple[str, str], list[str]]]:
    """The models in some chain whose walks may take a `*` chain, as few requesters to plan, and what each of them
    speaks for (lint_concerning's `alike`): `(requesters, (requester, type) -> models)`.

    Such a model has no rule of its own of the chain type its walk for the error type looks up (nor a general one,
    when the walk then looks up the general chains: SERIES_RULES), so every model that fails in its walk finds the
    same chain whoever was requested. The walks of all those that no chain a `*` chain reaches within max_fallbacks
    hops names, and that no other spelling may name, are therefore one walk with the requested model renamed: the
    first of them by name is planned for all. The others are planned each.
    """
    series, max_fallbacks, types = facts.litellm_version, facts.max_fallbacks, facts.types_present
    starts = {target for targets in defaults.values() for target in targets}
    reach = {**defaults, **_chains_within(starts, set(FALLBACK_TYPES.values()), max_fallbacks, series)}
    named = linked | {target for targets in reach.values() for target in targets}
    resolver = ChainResolver(PartialChains(defaults, types_present=types), series)
    rows = selectors.groups_lacking_own_chain()
    requesters: set[str] = set()
    alike: dict[tuple[str, str], list[str]] = {}
    for kind in types:
        chain_type = resolver.chain_type_for_error(kind)
        looked_up = {chain_type}
        if not defaults.get((DEFAULT_CHAIN_SOURCE, chain_type)) and general_when_no_typed_chain_applies(kind, series):
            looked_up.add(DEFAULT_FALLBACK_TYPE)
        walkers = [name for name, own, in_chains in rows if in_chains and not own & looked_up]
        requesters |= {name for name in walkers if name in named}
        alike_walkers = sorted(name for name in walkers if name not in named)
        if alike_walkers:
            requesters.add(alike_walkers[0])
            alike[(alike_walkers[0], kind)] = alike_walkers
    return requesters, alike


# Plans and lint ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanAnswer:
    plan: AttemptPlan
    config_version: int


def fallback_plan(
    model: str, fallback_type: str, failing: Iterable[str], *, litellm_version: str | None = None
) -> PlanAnswer:
    """`GET /fallback_plan/{model}`: what the gateway does when `model` (and every `failing` model) fails,
    on the configured LiteLLM series or on `litellm_version`."""
    failing = list(failing)
    known = selectors.existing_group_names([model, *failing])
    if model not in known:
        raise validation.model_not_found(model, selectors.model_group_names())
    validation.check_failing_models(failing, known, selectors.model_group_names)
    facts = selectors.lint_facts()
    series = litellm_version or facts.litellm_version
    # Only the chains the walk may take: a model tried at nesting level k is at most k hops away, and the walk looks
    # up the chain of models up to max_fallbacks levels deep. The chain types' existence comes from the whole.
    types = {fallback_type, DEFAULT_FALLBACK_TYPE}
    chains = _chains_within({model}, types, facts.max_fallbacks, series, with_defaults=True)
    plan = attempt_plan(
        PartialChains(chains, types_present=facts.types_present),
        model,
        fallback_type,
        set(failing),
        facts.max_fallbacks,
        series=series,
    )
    return PlanAnswer(plan=plan, config_version=facts.config_version)


@dataclass(frozen=True)
class LintAnswer:
    report: LintReport
    config_version: int
    litellm_version: str  # the series the findings follow


def fallback_lint(
    *, model: str | None = None, severity: str | None = None, litellm_version: str | None = None
) -> LintAnswer:
    """The whole configuration's lint on the configured LiteLLM series (or on `litellm_version`), narrowed to
    `model` and `severity`."""
    with collector_paused():  # the configuration read whole, and dropped before the collector runs again
        return _whole_lint(selectors.lint_context(series=litellm_version), model=model, severity=severity)


def _whole_lint(context: LintContext, *, model: str | None, severity: str | None) -> LintAnswer:
    report = lint_report(context, model=model, severity=severity)
    return LintAnswer(report=report, config_version=selectors.config_version(), litellm_version=context.series)


@dataclass(frozen=True)
class SeriesChange:
    """What switching the gateways to another LiteLLM series would change: the upgrade impact findings."""

    litellm_version: str
    label: str
    findings: list[Finding]


def series_changes() -> list[SeriesChange]:
    """For every series but the configured one, the plans a switch to it would change (the settings page)."""
    with collector_paused():  # the configuration read whole, and dropped before the collector runs again
        return _series_changes(selectors.lint_context())


def _series_changes(context: LintContext) -> list[SeriesChange]:
    return [
        SeriesChange(
            litellm_version=series.value,
            label=series.label,
            findings=upgrade_impact(replace(context, series=series.value)),
        )
        for series in LITELLM_SERIES
        if series.value != context.configured_series
    ]


# The admin's pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TypePlans:
    """A group's attempt plans for errors of one type: every model failing, and only the group failing."""

    fallback_type: str
    walk: AttemptPlan  # the whole path the gateway may take
    first_choice_fails: AttemptPlan  # who answers when only the group itself fails


@dataclass(frozen=True)
class GroupPage:
    """Everything a model group's page shows besides its form, read before rendering."""

    name: str
    own: dict[str, list[str]]  # type -> the group's own chain
    defaults: dict[str, list[str]]  # type -> the `*` chain
    reported: dict[str, DirectChain]  # type -> what `/v1/models` metadata reports for the group
    plans: list[TypePlans] = field(default_factory=list)
    max_fallbacks: int = 0
    findings: list[Finding] = field(default_factory=list)
    litellm_version: str = ""  # the configured series, which the plans and findings follow


def default_chains() -> dict[str, list[str]]:
    """The `*` chains by type (only the types that have one). One query."""
    return {kind: targets for (_, kind), targets in selectors.chain_map(model=DEFAULT_CHAIN_SOURCE).items()}


def group_page(name: str) -> GroupPage:
    """A model group's chains, what the API reports for it, its plans for each type and its lint findings.

    Reads only the chains its plans may walk (and lint_of_groups' part of the graph): a bounded number of queries,
    each the size of what the group's chains reach, whatever the number of groups.
    """
    facts = selectors.lint_facts()
    series, max_fallbacks = facts.litellm_version, facts.max_fallbacks
    kinds = list(FALLBACK_TYPES.values())
    chains: ChainMap = PartialChains(
        _chains_within({name}, set(kinds), max_fallbacks, series, with_defaults=True),
        types_present=facts.types_present,
    )
    own = {kind: list(chains.get((name, kind), [])) for kind in kinds}
    defaults = {kind: list(targets) for (source, kind), targets in chains.items() if source == DEFAULT_CHAIN_SOURCE}
    # Every model a walk may try is a target of a chain read: all of them failing is every model failing.
    everything = {name} | {target for targets in chains.values() for target in targets}
    plans = [
        TypePlans(
            fallback_type=kind,
            walk=attempt_plan(chains, name, kind, everything, max_fallbacks, series=series),
            first_choice_fails=attempt_plan(chains, name, kind, {name}, max_fallbacks, series=series),
        )
        for kind in kinds
    ]
    with collector_paused():  # a cycle through the group may span every group (a ring): all of it read at once
        findings = _lint_of_groups([name], facts)[name]
    return GroupPage(
        name=name,
        own=own,
        defaults=defaults,
        reported={kind: direct_chain(chains, name, kind, series=series) for kind in kinds},
        plans=plans,
        max_fallbacks=max_fallbacks,
        findings=findings,
        litellm_version=series,
    )


@dataclass(frozen=True)
class GroupOnGateway:
    """What one registered gateway's last drift check said about one model group (the group page's gateways)."""

    gateway_id: int
    gateway: str
    mode: str
    litellm_version: str
    checked_at: object  # a datetime, or None: never checked
    checked_version: int | None  # the configuration version the check compared with
    error: str | None  # the check could not compare: nothing is known about the group
    missing: bool  # the gateway did not serve the group
    chains: list[dict] = field(default_factory=list)  # the group's chains that differed: fallback_type, expected, live

    @property
    def disagrees(self) -> bool:
        return self.missing or bool(self.chains)

    @property
    def known(self) -> bool:
        return self.checked_at is not None and self.error is None


@dataclass(frozen=True)
class GroupGateways:
    name: str
    config_version: int  # now: a check at an older version may be out of date
    gateways: list[GroupOnGateway] = field(default_factory=list)

    @property
    def disagreeing(self) -> list[GroupOnGateway]:
        return [gateway for gateway in self.gateways if gateway.disagrees]

    @property
    def fallback_types(self) -> list[str]:
        return list(FALLBACK_TYPES.values())


def model_group_id(name: str) -> int | None:
    """The primary key of the group `name` (its admin page's address), None when there is none. One query."""
    group = selectors.model_group(name)
    return group.pk if group is not None else None


def group_gateways(name: str) -> GroupGateways:
    """Which registered gateways disagree about the group `name`, from each gateway's last drift check (stored on
    the gateway: no gateway is called). Two queries, whatever the number of gateways and groups and the size of
    the checks (the database picks the group's part of each)."""
    version = selectors.config_version()
    gateways = [
        GroupOnGateway(
            gateway_id=state.gateway.pk,
            gateway=state.gateway.name,
            mode=state.gateway.mode,
            litellm_version=state.gateway.litellm_version,
            checked_at=state.gateway.last_checked_at,
            checked_version=state.checked_version,
            error=state.error,
            missing=state.missing,
            chains=[
                {key: chain[key] for key in ("fallback_type", "expected", "live")} for chain in state.differing_chains
            ],
        )
        for state in selectors.gateway_states_of_group(name)
    ]
    return GroupGateways(name=name, config_version=version, gateways=gateways)


def fallback_graph(fallback_type: str, *, focus: str | None = None) -> dict:
    """The chains of one type as a graph to draw: all of them, or `focus`'s neighbourhood (always one, past
    drawing.MAX_DRAWN_NODES). One query."""
    graph = drawing.fallback_graph(selectors.chain_map(fallback_type=fallback_type), fallback_type)
    return drawing.drawn_graph(graph, focus)


# The config file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportedConfig:
    text: str
    data: ConfigData

    @property
    def version(self) -> int | None:
        return self.data.version


def exported_config(fmt: ConfigFormat | str = ConfigFormat.YAML) -> ExportedConfig:
    """The whole configuration as the LiteLLM config file `export_config` writes."""
    data = selectors.config_data()
    return ExportedConfig(text=emit_config(data, fmt=fmt), data=data)


# History and ETags ---------------------------------------------------------------------------


def last_changed(keys: Iterable[Key]) -> int:
    """The version that last changed any of these things (a single thing's ETag); 0 if none ever did."""
    return selectors.last_changed(keys)


def chain_versions(source: str) -> dict[str, int]:
    """The version that last changed each chain of `source` (a group or `*`), by type; absent: never changed."""
    return selectors.chain_versions(source)


def change_record(version: int):
    """The record of one version (who, when, through which door, what in a line), or None."""
    return selectors.change_record(version)


def chain_etag(model: str, fallback_type: str) -> int:
    return selectors.last_changed([Key.chain(model, fallback_type)])


def group_etag(name: str) -> int:
    return selectors.last_changed([Key.group(name)])


def settings_etag() -> int:
    return selectors.last_changed([Key.setting(name) for name in history.SETTINGS])


def record_changes(record) -> list[Change]:
    """The changes a record read by selectors.version_records or version_record carries."""
    return [Change(Key(row.kind, row.name, row.fallback_type), row.before, row.after) for row in record.shown_changes]


def version_record(number: int):
    """One version's record with all its changes (`record_changes`); None when there is none. Two queries."""
    return selectors.version_record(number)


def version_document(record, *, changes_shown: int | None = None) -> dict:
    """A version as the API shows it (PRODUCT.md 3.3), from a record with its changes read."""
    changes = [change.as_dict() for change in record_changes(record)]
    document = {
        "version": record.version,
        "created_at": record.created_at.isoformat().replace("+00:00", "Z"),
        "actor": record.actor,
        "via": record.via,
        "summary": record.summary,
        "changes": changes,
    }
    if changes_shown is not None and record.change_count > len(changes):
        document["changes_not_shown"] = record.change_count - len(changes)
    return document


@dataclass(frozen=True)
class VersionPage:
    data: list[dict]
    next: str | None


CHANGES_SHOWN_PER_VERSION = 100  # in a list of versions; `GET /config/versions/{n}` shows them all


def versions(*, limit: int, cursor: int | None = None, **filters) -> VersionPage:
    """Versions newest first, filtered, a page at a time: `next` continues below the last one shown. Two queries."""
    records = selectors.version_records(
        before_version=cursor, limit=limit + 1, changes_shown=CHANGES_SHOWN_PER_VERSION, **filters
    )
    page, more = records[:limit], len(records) > limit
    return VersionPage(
        data=[version_document(record, changes_shown=CHANGES_SHOWN_PER_VERSION) for record in page],
        next=str(page[-1].version) if more else None,
    )


def version(number: int) -> dict:
    """One version with every change; NotFound when there is none."""
    record = selectors.version_record(number)
    if record is None:
        raise NotFound(errors.VERSION_NOT_FOUND.format(version=number), code=ErrorCode.VERSION_NOT_FOUND)
    return version_document(record)


def config_diff(from_version: int, to_version: int) -> list[Change]:
    """The net change from the configuration right after `from_version` to that right after `to_version`.

    Either may be the later one (then the changes run backwards); both must exist (0 is the empty start).
    """
    current = selectors.config_version()
    for number in (from_version, to_version):
        if number > current or (number > 0 and selectors.change_record(number) is None):
            raise NotFound(errors.VERSION_NOT_FOUND.format(version=number), code=ErrorCode.VERSION_NOT_FOUND)
    low, high = sorted((from_version, to_version))
    start = selectors.history_start()
    if low < start:
        raise errors.Conflict(errors.BEFORE_HISTORY.format(version=low, start=start), code=ErrorCode.BEFORE_HISTORY)
    changes = history.net_changes(selectors.changes_after(low, up_to=high))
    return changes if from_version <= to_version else history.reversed_changes(changes)
