"""Fallback lint: the chains that are legal but will not do what an operator expects. Pure: no ORM.

Severities, chosen so that `manage.py lint_fallbacks` can gate a deployment pipeline on errors:
- **error**: the gateway certainly cannot do what the chain says. A target model group with no
  deployments while other groups have some (the exported `model_list` lacks it, so that hop
  always fails; when no group has deployments they live in the gateway's own config and this
  check is off); `max_fallbacks` at 0 while chains exist (no chain is ever walked).
- **warning**: the chain works, but part of it never will. Targets a request can never reach
  because `max_fallbacks` is used up first; context-window or content-policy errors of a model
  with general fallbacks that get no fallback at all, because chains of that type exist only for
  other models (on the series whose router does that: fallbacks.resolution.SERIES_RULES); a
  context-window target that accepts no more input tokens than its source.

Every finding is computed for one LiteLLM series (LintContext.series), with the rules of
fallbacks.resolution for that series.
  A chain a model inherits (the `*` one, or one named by another spelling of its name) that names
  only that model: the router skips the model that just failed, so its errors of that type get no
  fallback at all, and its general chain is not used for them either. Upgrade impact, when the lint
  is asked about another series than the configured one: each model group whose plan for an error
  type differs between the two series, with both plans.
- **info**: worth seeing, harmless. A cycle (the router never tries a model twice in a request).

Findings are about one chain (its source, `*` for the default chain, and its type) and name the
model groups they concern, so a group's page can show its own.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from fallbacks.domain import CONTEXT_WINDOW, DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, GENERAL, SEVERITIES
from fallbacks.lint.compact import CutWalks, NumberedChains
from fallbacks.lint.graph import cycle_path, cycles
from fallbacks.resolution import (
    ChainMap,
    ChainRef,
    ChainResolver,
    describe_chain_ref,
    general_when_no_typed_chain_applies,
    series_names,
    types_present,
    walk,
    walks_own_chains,
)

ERROR, WARNING, INFO = SEVERITIES

CYCLE = "cycle"
BEYOND_MAX_FALLBACKS = "beyond_max_fallbacks"
NO_FALLBACKS_AT_ALL = "max_fallbacks_zero"
NO_TYPED_FALLBACK = "no_typed_fallback"
SMALLER_CONTEXT_WINDOW = "smaller_context_window"
NO_DEPLOYMENTS = "target_without_deployments"
INHERITED_CHAIN_ONLY_ITSELF = "inherited_chain_only_itself"
UPGRADE_IMPACT = "upgrade_impact"

MAX_NAMES_SHOWN = 5


@dataclass(frozen=True)
class GroupFacts:
    """What the lint needs to know about one model group besides its chains."""

    max_input_tokens: int | None = None
    deployments: int = 0


@dataclass(frozen=True)
class LintContext:
    chains: ChainMap
    groups: Mapping[str, GroupFacts]
    max_fallbacks: int
    series: str  # the LiteLLM series whose router the findings follow
    # The series the gateways run (the setting): when it is not `series`, the lint also says which plans change.
    configured_series: str | None = None
    # Whether any group of the whole configuration has deployments, when `groups` holds only some of them (the lint
    # of part of the graph, fallbacks.queries); None: `groups` is every group, ask them.
    deployments_anywhere: bool | None = None

    @cached_property
    def _resolvers(self) -> dict[str, ChainResolver]:
        return {}

    @cached_property
    def graphs(self) -> dict[str, dict[str, Sequence[str]]]:
        """The chains of each type as a graph, `source -> targets` (`*` for the default chain), those with targets."""
        return _graphs(self.chains)

    def resolver(self, series: str | None = None) -> ChainResolver:
        """The chains' lookups on `series` (the lint's own by default), remembered for this context."""
        series = series or self.series
        if series not in self._resolvers:
            self._resolvers[series] = ChainResolver(self.chains, series)
        return self._resolvers[series]


def _graphs(chains: ChainMap) -> dict[str, dict[str, Sequence[str]]]:
    graphs: dict[str, dict[str, Sequence[str]]] = defaultdict(dict)
    for (source, chain_type), targets in chains.items():
        if targets:
            graphs[chain_type][source] = targets
    return graphs


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    source: str  # the chain the finding is about: its source (`*` for the default chain) ...
    fallback_type: str  # ... and its type
    models: tuple[str, ...] = field(default=())  # every model group the finding concerns
    plans: tuple[dict, ...] = field(default=())  # an upgrade impact's plan on each series (SeriesPlan.as_dict)

    def as_dict(self) -> dict:
        found = {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "model": self.source,
            "fallback_type": self.fallback_type,
            "models": list(self.models),
        }
        if self.plans:
            found["plans"] = [dict(plan) for plan in self.plans]
        return found

    def concerns(self, model: str) -> bool:
        return model == self.source or model in self.models


def _names(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(names[:MAX_NAMES_SHOWN])
    return shown if len(names) <= MAX_NAMES_SHOWN else f"{shown} and {len(names) - MAX_NAMES_SHOWN} more"


_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def _severity_order(finding: Finding) -> tuple:
    return (_SEVERITY_RANK[finding.severity], finding.source != DEFAULT_CHAIN_SOURCE, finding.source, finding.code)


def lint(context: LintContext) -> list[Finding]:
    """Every finding about the configuration, errors first."""
    findings = [
        *_max_fallbacks_zero(context),
        *_cycles(context),
        *_beyond_max_fallbacks(context, sources=None),
        *_no_typed_fallback(context),
        *_inherited_chains_only_itself(context),
        *_smaller_context_windows(context),
        *_targets_without_deployments(context),
        *upgrade_impact(context),
    ]
    return sorted(findings, key=_severity_order)


@dataclass(frozen=True)
class LintReport:
    findings: list[Finding]
    counts: dict[str, int]  # per severity, of the findings about `model` before `severity` filtered them

    def as_dict(self) -> dict:
        return {"findings": [finding.as_dict() for finding in self.findings], "counts": self.counts}


def lint_report(context: LintContext, *, model: str | None = None, severity: str | None = None) -> LintReport:
    """`lint`, narrowed to the findings that concern `model` and then to one `severity`."""
    findings = lint(context)
    if model is not None:
        findings = [finding for finding in findings if finding.concerns(model)]
    counts = {name: sum(finding.severity == name for finding in findings) for name in SEVERITIES}
    if severity is not None:
        findings = [finding for finding in findings if finding.severity == severity]
    return LintReport(findings=findings, counts=counts)


def lint_concerning(
    context: LintContext,
    names: Collection[str],
    *,
    requesters: Collection[str],
    alike: Mapping[tuple[str, str], Collection[str]] | None = None,
    cycles: Sequence[Finding] | None = None,
) -> dict[str, list[Finding]]:
    """For each of `names`, the findings of `lint` that concern it (Finding.concerns), in lint's order, from a
    context that holds the part of the configuration they depend on (fallbacks.queries.lint_of_groups): every chain
    of the names, naming them, or that the walks of `requesters` may take; the facts and rule keys of the groups
    these name; and as `requesters`, every model whose plan may cut a chain whose finding concerns one of `names`,
    or one that speaks for it: `alike` maps `(requester, type)` to every model whose walk for errors of that type
    the lint takes to be the requester's (the models that walk the `*` chain alike, those in no chain). `cycles`,
    when given, are the cycle findings through the names (cycle_findings' of a part of the graph that holds them
    whole); else the cycles are looked for in the context's chains.
    """
    findings = [
        *_max_fallbacks_zero(context),
        *(_cycles(context) if cycles is None else cycles),
        *_beyond_max_fallbacks(context, sources=None, planned=requesters, alike=alike),
        *_no_typed_fallback(context),
        *_inherited_chains_only_itself(context),
        *_smaller_context_windows(context),
        *_targets_without_deployments(context),
        *upgrade_impact(context),
    ]
    findings.sort(key=_severity_order)
    by_name: dict[str, list[Finding]] = {name: [] for name in names}
    for finding in findings:
        for name in by_name.keys() & {finding.source, *finding.models}:  # Finding.concerns, for every name at once
            by_name[name].append(finding)
    return by_name


def lint_chain(context: LintContext, source: str, fallback_type: str) -> list[Finding]:
    """The findings that matter to someone who has just written the chain `source` of `fallback_type`.

    The findings about that chain, the cycles it is part of, and, for a context-window or
    content-policy chain, the models it leaves without a fallback of that type (writing the first
    chain of a type takes the general fallback away from every model without one of its own).
    """
    own = [
        finding
        for finding in (
            *_beyond_max_fallbacks(context, sources={source}, types=[fallback_type]),
            *_no_typed_fallback(context, only=source),
            *_inherited_chains_only_itself(context, only=(source, fallback_type)),
            *_smaller_context_windows(context, only=(source, fallback_type)),
            *_targets_without_deployments(context, only=(source, fallback_type)),
        )
        if (finding.source, finding.fallback_type) == (source, fallback_type)
    ]
    cycles = [
        finding
        for finding in _cycles(context, types=[fallback_type])
        if source in finding.models and finding.fallback_type == fallback_type
    ]
    left_without: list[Finding] = []
    if walks_own_chains(fallback_type):
        own_general, inheritors = _stranded(context, fallback_type)
        stranded = [model for model, _ in own_general] + inheritors
        if stranded:
            left_without.append(
                Finding(
                    WARNING,
                    NO_TYPED_FALLBACK,
                    f"Since {fallback_type} chains exist, {fallback_type} errors use only those: "
                    f"{_names(stranded)} have general fallbacks but no {fallback_type} chain "
                    f"(nor a '*' one), so their {fallback_type} errors get no fallback at all.",
                    source,
                    fallback_type,
                    tuple(stranded),
                )
            )
    return sorted([*own, *cycles, *left_without], key=_severity_order)


def _max_fallbacks_zero(context: LintContext) -> list[Finding]:
    if context.max_fallbacks > 0 or not types_present(context.chains):
        return []
    return [
        Finding(
            ERROR,
            NO_FALLBACKS_AT_ALL,
            f"max_fallbacks is 0: {describe_chain_ref(ChainRef(source, fallback_type))} (and every other chain) "
            "is never walked.",
            source,
            fallback_type,
            (source,) if source != DEFAULT_CHAIN_SOURCE else (),
        )
        for source, fallback_type in sorted(context.chains)
    ]


def _cycles(context: LintContext, types: Collection[str] | None = None) -> list[Finding]:
    """One finding per cycle through models' own chains of one type (a strongly connected component)."""
    return [finding for findings in _cycle_findings(context.graphs, types).values() for finding in findings]


def cycle_findings(chains: ChainMap, types: Collection[str]) -> dict[str, list[Finding]]:
    """For each of `types`, the cycle findings of `chains`: one per strongly connected component of the models' own
    chains of the type. The whole configuration's findings about every component that `chains` meets when `chains`
    holds every own chain its own chains of the type reach (fallbacks.selectors.own_chains_reachable): such a
    component lies whole inside them."""
    return _cycle_findings(_graphs(chains), types)


def _cycle_findings(
    graphs: Mapping[str, Mapping[str, Sequence[str]]], types: Collection[str] | None
) -> dict[str, list[Finding]]:
    """Each type's cycle findings in `graphs` (_graphs' shape), every type's when `types` is None; a graph's cycles
    are looked for once for the types that share it."""
    findings: dict[str, list[Finding]] = {}
    found: list[tuple[Mapping[str, Sequence[str]], list[set[str]]]] = []  # each graph's cycles, once for a graph
    for fallback_type in FALLBACK_TYPES.values() if types is None else types:
        graph = {
            source: targets
            for source, targets in graphs.get(fallback_type, {}).items()
            if source != DEFAULT_CHAIN_SOURCE
        }
        components = next((components for earlier, components in found if earlier == graph), None)
        if components is None:
            components = cycles(graph)
            found.append((graph, components))
        findings[fallback_type] = []
        for component in components:
            path = cycle_path(graph, component)
            findings[fallback_type].append(
                Finding(
                    INFO,
                    CYCLE,
                    f"The {fallback_type} chains form a cycle: {' -> '.join([*path, path[0]])}. The router never "
                    "tries a model twice in one request, so it ends, but the models in it back each other up.",
                    path[0],
                    fallback_type,
                    tuple(sorted(component)),
                )
            )
    return findings


def _requesters(context: LintContext, fallback_type: str, sources: Collection[str]) -> set[str]:
    """The models whose requests may walk a chain of `sources`: a superset, found by walking edges backwards.

    Every hop raises the router's count by at least one, and a chain is walked only while the
    count is below `max_fallbacks`, so nothing further than that many hops away reaches them.
    """
    chains = context.chains
    own = {name for (name, entry_type) in chains if entry_type == fallback_type}
    backwards: dict[str, set[str]] = defaultdict(set)
    for (source, entry_type), targets in chains.items():
        if entry_type != fallback_type:
            continue
        # A `*` chain is walked for any model without a chain of its own, so each of them leads to its targets.
        predecessors = (
            [name for name in context.groups if name not in own] if source == DEFAULT_CHAIN_SOURCE else [source]
        )
        for target in targets:
            backwards[target].update(predecessors)
    found = set(sources)
    frontier = set(sources)
    for _ in range(context.max_fallbacks):
        frontier = {name for node in frontier for name in backwards.get(node, ())} - found
        if not frontier:
            break
        found |= frontier
    return found - {DEFAULT_CHAIN_SOURCE}


def _beyond_max_fallbacks(
    context: LintContext,
    *,
    sources: Collection[str] | None,
    types: Collection[str] | None = None,
    planned: Collection[str] | None = None,
    alike: Mapping[tuple[str, str], Collection[str]] | None = None,
) -> list[Finding]:
    """Chains with targets that some request never reaches, because the count reaches `max_fallbacks` first.

    The router tries every target of the chain it walks; what `max_fallbacks` cuts is the walk of a
    failed target's own chain. For each model a request may name, the plan with every model
    failing (the longest one) shows which chains it cuts and which of their targets it never tries.
    """
    chains = context.chains
    if context.max_fallbacks <= 0:
        return []
    in_chains = {name for (name, _) in chains if name != DEFAULT_CHAIN_SOURCE}.union(*chains.values())
    present = types_present(chains)
    walked = [kind for kind in (FALLBACK_TYPES.values() if types is None else types) if kind in present]
    if planned is None and sources is not None:
        walkers = {kind: _walkers(_requesters(context, kind, sources), in_chains) for kind in walked}
    else:  # the same for every type; `planned`: the lint of part of the graph, whose caller knows who cuts its chains
        every_type = (
            _walkers(set(context.groups), in_chains) if planned is None else {name: (name,) for name in planned}
        )
        # `alike`: a requester of part of the graph speaks for the models whose walks are its own (lint_concerning).
        # Without it every type shares the one mapping, which also tells _unreached_by_type at once that they do.
        walkers = {
            kind: every_type
            if alike is None
            else {name: alike.get((name, kind), stands_for) for name, stands_for in every_type.items()}
            for kind in walked
        }
    # The chains walks cut, with the targets they never tried and the requesters whose walks cut them. A chain cut
    # may be a general one during the walk of a typed error, on a series that walks the general chain when no chain
    # of the error's type applies (SERIES_RULES): it is reported with the general chain's own findings.
    if sources is None and planned is None:  # the whole lint: every model walks, on the numbered graph
        unreached = _unreached_on_numbered_graph(context, walkers)
    else:  # the models whose walks may cut the chains asked about, few: each walked on its own
        unreached = _unreached_walking_each(context, walkers)
    # In type order, and by source within a type: each type's (source, cut) pairs sorted on their own, compared as
    # tuples (their sources differ) rather than through a key function (9 ms, not 11, for 12,003 chains).
    by_type: dict[str, list[tuple[str, Cut]]] = {kind: [] for kind in FALLBACK_TYPES.values()}
    for (source, chain_type), cut in unreached.items():
        if sources is None or source in sources:
            by_type[chain_type].append((source, cut))
    findings = []
    # The words of each cut, once for a source's chains that share it: the types whose walks are alike (one graph,
    # the same requesters) cut each source's chains of every such type alike, and a finding costs mostly its words.
    described: dict[tuple[str, Cut], tuple[str, str, tuple[str, ...]]] = {}
    for chain_type, pairs in by_type.items():
        for source, cut in sorted(pairs):
            words = described.get((source, cut))
            if words is None:
                targets, requesters = cut
                words = described[(source, cut)] = (
                    _names(targets),
                    _names(requesters),
                    tuple(dict.fromkeys([source, *targets, *requesters])),
                )
            targets_named, requesters_named, models = words
            findings.append(
                Finding(
                    WARNING,
                    BEYOND_MAX_FALLBACKS,
                    f"{targets_named} in the {chain_type} chain of {source} can never be tried for requests "
                    f"to {requesters_named}: max_fallbacks ({context.max_fallbacks}) is used up before "
                    "the walk gets there.",
                    source,
                    chain_type,
                    models,
                )
            )
    return findings


# What the walks leave of one chain they cut: the targets never tried and the requesters whose walks cut it, each
# sorted by name.
Cut = tuple[tuple[str, ...], tuple[str, ...]]
Unreached = dict[tuple[str, str], Cut]  # chain key -> its cut


def _cut(missed: Iterable[str], requesters: Iterable[str]) -> Cut:
    return tuple(sorted(missed)), tuple(sorted(requesters))


def _unreached_walking_each(context: LintContext, walkers: Mapping[str, Mapping[str, Collection[str]]]) -> Unreached:
    """What the walk from each of the `walkers` of each type (fallbacks.resolution.walk, every model failing) leaves
    unreached of the chains it cuts."""
    unreached: dict[tuple[str, str], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    resolver = context.resolver()
    for fallback_type, requesters in walkers.items():
        for requester, stands_for in requesters.items():
            plan = walk(resolver, requester, fallback_type, None, context.max_fallbacks)
            attempted = set(plan.attempts)
            for key in plan.cut:
                missed = [target for target in context.chains[key] if target not in attempted]
                if missed:
                    unreached[key][0].update(missed)
                    unreached[key][1].update(stands_for)
    return {key: _cut(missed, requesters) for key, (missed, requesters) in unreached.items()}


def _unreached_on_numbered_graph(
    context: LintContext, walkers: Mapping[str, Mapping[str, Collection[str]]]
) -> Unreached:
    """_unreached_walking_each's answer for many walkers at once: every walk on one numbered graph
    (fallbacks.lint.compact), each type's walks once for the types that share a graph, and each of their cuts named
    once for all the chains that share it."""
    graph = NumberedChains(context.chains, [*context.groups, *(name for each in walkers.values() for name in each)])
    unreached: dict[int, tuple[set[int], set[str]]] = {}
    for found in _unreached_by_type(context, graph, walkers):
        for chain, pair in found.items():
            if chain in unreached:  # a general chain cut by the walks of another type too: a pair of its own
                pair = (unreached[chain][0] | pair[0], unreached[chain][1] | pair[1])
            unreached[chain] = pair
    names = graph.names
    # The chains of types walked alike hold the very same pair (_unreached_by_type), named once here. Keyed by the
    # pair's identity, which is safe: every pair stays alive in `unreached` meanwhile, so no id is reused.
    cuts: dict[int, Cut] = {}
    named: Unreached = {}
    for chain, pair in unreached.items():
        cut = cuts.get(id(pair))
        if cut is None:
            missed, requesters = pair
            cut = cuts[id(pair)] = _cut([names[target] for target in missed], requesters)
        named[graph.keys[chain]] = cut
    return named


def _unreached_by_type(
    context: LintContext, graph: NumberedChains, walkers: Mapping[str, Mapping[str, Collection[str]]]
) -> Iterator[dict[int, tuple[set[int], set[str]]]]:
    """For each type, what the walks from its `walkers` leave unreached (CutWalks.unreached: chain -> targets never
    tried, requesters). Every model a chain names fails (the longest plan). A type whose chains are the same graph
    as an earlier type's, walked from the same models the same way, leaves the same targets of its own chains."""
    graphs = context.graphs
    walked: list[tuple[CutWalks, Mapping[str, Collection[str]], dict[int, tuple[set[int], set[str]]]]] = []
    for fallback_type, requesters in walkers.items():
        walks = CutWalks(graph, context.resolver(), fallback_type, context.max_fallbacks)
        alike = next(
            (
                (earlier, found)
                for earlier, earlier_requesters, found in walked
                if earlier.walks_general == walks.walks_general
                and (earlier_requesters is requesters or earlier_requesters == requesters)
                and graphs.get(earlier.chain_type) == graphs.get(walks.chain_type)
            ),
            None,
        )
        if alike is None:
            found: dict[int, tuple[set[int], set[str]]] = {}
            walks.unreached({graph.number[name]: stands_for for name, stands_for in requesters.items()}, found)
        else:
            earlier, earlier_found = alike
            found = {
                graph.chain((graph.keys[chain][0], walks.chain_type))
                if graph.keys[chain][1] == earlier.chain_type
                else chain: cut
                for chain, cut in earlier_found.items()
            }
        walked.append((walks, requesters, found))
        yield found


def _walkers(requesters: set[str], in_chains: set[str]) -> dict[str, Collection[str]]:
    """The models _beyond_max_fallbacks walks from for `requesters`, each with the requesters it stands for."""
    walkers: dict[str, Collection[str]] = {requester: (requester,) for requester in requesters & in_chains}
    # Models named in no chain all walk the `*` chain alike, so one of them speaks for all.
    outsiders = requesters - in_chains
    if outsiders:
        walkers[min(outsiders)] = outsiders
    return walkers


def _stranded(context: LintContext, fallback_type: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Models whose `fallback_type` errors get no fallback although their general errors get one.

    Returns `(model, the key of its general rule)` for those with a general rule naming them (their own,
    or by another spelling of the name), and the names of those that only inherit the `*` general chain.
    Empty unless chains of the type exist (else general chains serve), none applies to the model, and the
    series does not then walk the general chain (SERIES_RULES).
    """
    resolver = context.resolver()
    if resolver.chain_type_for_error(fallback_type) != fallback_type:
        return [], []
    if general_when_no_typed_chain_applies(fallback_type, context.series):
        return [], []
    own, inheritors = [], []
    with_own_chain = context.graphs.get(fallback_type, {})  # a chain of the type applies to them: not stranded
    for name in sorted(name for name in context.groups if name not in with_own_chain):
        if resolver.lookup(fallback_type, name, name) is not None:
            continue
        general = resolver.lookup(GENERAL, name, name)
        if general is None:
            continue
        if general[0] == DEFAULT_CHAIN_SOURCE:
            inheritors.append(name)
        else:
            own.append((name, general[0]))
    return own, inheritors


def _no_typed_fallback(context: LintContext, only: str | None = None) -> list[Finding]:
    """Models with general fallbacks whose context-window or content-policy errors get none.

    The finding is about the general chain that names the model (its own, or by another spelling of
    its name), or about the `*` general chain for the models that only inherit that one.
    """
    findings = []
    for fallback_type in (kind for kind in FALLBACK_TYPES.values() if walks_own_chains(kind)):
        own, inheritors = _stranded(context, fallback_type)
        for model, source in own:
            if only is not None and source != only:
                continue
            chain = "a general chain" if source == model else f"a general chain (the rule of {source})"
            findings.append(
                Finding(
                    WARNING,
                    NO_TYPED_FALLBACK,
                    f"{model} has {chain} but no {fallback_type} chain, and {fallback_type} chains exist "
                    f"for other models: its {fallback_type} errors get no fallback at all (the router uses the "
                    "general chains for them only when no chain of that type exists anywhere).",
                    source,
                    GENERAL,
                    (model,),
                )
            )
        if inheritors and only in (None, DEFAULT_CHAIN_SOURCE):
            findings.append(
                Finding(
                    WARNING,
                    NO_TYPED_FALLBACK,
                    f"Models that fall back through the default '*' general chain but have no {fallback_type} "
                    f"chain ({_names(inheritors)}) get no fallback at all on {fallback_type} errors, since "
                    f"{fallback_type} chains exist for other models.",
                    DEFAULT_CHAIN_SOURCE,
                    GENERAL,
                    tuple(inheritors),
                )
            )
    return findings


def _inherited_chains_only_itself(context: LintContext, only: tuple[str, str] | None = None) -> list[Finding]:
    """Models with a general chain of their own whose context-window or content-policy errors walk a chain they
    inherit (`*`, or one named by another spelling of their name) that names only themselves.

    The router skips the model that just failed, so nothing is tried; and since a chain of the type applies,
    the model's general chain is not walked instead (measured on both series). A model without a general
    chain of its own is left alone: a default chain's last resort having nowhere further to go is expected.
    """
    resolver = context.resolver()
    findings = []

    def names_only_another(source: str, fallback_type: str, targets: Sequence[str]) -> bool:
        return fallback_type != GENERAL and len(targets) == 1 and targets[0] != source

    typed = [kind for kind in FALLBACK_TYPES.values() if kind != GENERAL]
    for (source, fallback_type), targets in _chains(context, only, names_only_another, typed):
        (model,) = targets
        if resolver.applicable(fallback_type, model, model) != (source, fallback_type):
            continue  # the model has a chain of the type of its own (or one that comes first): not this one
        general = resolver.lookup(GENERAL, model, model)
        if general is None or general[0] == DEFAULT_CHAIN_SOURCE:
            continue
        general = ChainRef(*general)
        findings.append(
            Finding(
                WARNING,
                INHERITED_CHAIN_ONLY_ITSELF,
                f"{_capitalised(describe_chain_ref(ChainRef(source, fallback_type)))} names only {model}, which has "
                f"no {fallback_type} chain of its own: the router skips the model that just failed, so {model}'s "
                f"{fallback_type} errors get no fallback at all, and its general chain ({describe_chain_ref(general)}) "
                f"is not used for them either, since a {fallback_type} chain applies.",
                source,
                fallback_type,
                (model,),
            )
        )
    return findings


@dataclass(frozen=True)
class SeriesPlan:
    """What one series' gateway does for an error of one type: the order it tries models when each fails
    in turn, and the model that answers when only the requested one fails."""

    litellm_version: str
    attempts: list[str]
    served_by: str | None

    def as_dict(self) -> dict:
        return {"litellm_version": self.litellm_version, "attempts": self.attempts, "served_by": self.served_by}


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def series_plan(
    context: LintContext, model: str, fallback_type: str, series: str, targets: Collection[str]
) -> SeriesPlan:
    """`model`'s plan for errors of `fallback_type` on `series`, as an upgrade impact shows it (`targets`: every
    model the chains name, all failing in the walk)."""
    resolver = context.resolver(series)
    every_failing = walk(resolver, model, fallback_type, targets, context.max_fallbacks)
    first = walk(resolver, model, fallback_type, {model}, context.max_fallbacks)
    return SeriesPlan(litellm_version=series, attempts=every_failing.attempts, served_by=first.served_by)


def _targets(chains: ChainMap) -> set[str]:
    return {target for targets in chains.values() for target in targets}


def _describe_outcome(plan: SeriesPlan) -> str:
    return f"is served by {plan.served_by}" if plan.served_by else "gets no fallback"


def _may_differ(context: LintContext, fallback_type: str, spelled_alike: bool) -> list[str]:
    """The model groups whose plans for `fallback_type` can differ between the two series.

    When both series spell every name alike, they differ only in SERIES_RULES: what an error does when
    chains of its type exist but none applies. That never happens while no chain of the type exists (both
    walk the general chains), nor for a model a chain of the type applies to (the walk then always finds
    one: the failed model's, else the requested model's). So only the others need planning, which spares
    planning every group twice for each type (seconds at 10,000 groups).
    """
    if not spelled_alike:
        return sorted(context.groups)
    resolver = context.resolver(context.configured_series)
    chain_type = resolver.chain_type_for_error(fallback_type)
    if chain_type == GENERAL:
        return []
    with_own_chain = context.graphs.get(chain_type, {})  # a chain of the type applies to them
    return sorted(
        model
        for model in context.groups
        if model not in with_own_chain and resolver.lookup(chain_type, model, model) is None
    )


def upgrade_impact(context: LintContext) -> list[Finding]:
    """Every model group whose plan for an error type differs between the configured series and `series`.

    A plan with every model failing shows every chain the walk uses, and a plan with fewer models
    failing is its beginning, up to the first model that answers: so when the walks agree, every plan
    agrees.
    """
    before, after = context.configured_series, context.series
    if before is None or before == after:
        return []
    # Plans can differ only where the series do: in SERIES_RULES for a type, or in how a name is spelled.
    names = {*context.groups, *_targets(context.chains)}
    spelled_alike = all(
        series_names(before).other_spellings(name) == series_names(after).other_spellings(name) for name in names
    )
    types = [
        kind
        for kind in FALLBACK_TYPES.values()
        if not spelled_alike
        or general_when_no_typed_chain_applies(kind, before) != general_when_no_typed_chain_applies(kind, after)
    ]
    findings = []
    targets = _targets(context.chains)
    pairs = sorted(
        (
            (model, fallback_type)
            for fallback_type in types
            for model in _may_differ(context, fallback_type, spelled_alike)
        ),
        key=lambda pair: (pair[0], types.index(pair[1])),
    )
    for model, fallback_type in pairs:
        old = series_plan(context, model, fallback_type, before, targets)
        new = series_plan(context, model, fallback_type, after, targets)
        if old == SeriesPlan(before, new.attempts, new.served_by):
            continue
        if old.served_by != new.served_by:
            change = f"{_describe_outcome(new)} ({before}: {_describe_outcome(old)})"
        else:
            change = (
                f"{_describe_outcome(new)} as on {before}, but the models tried when they fail too change: "
                f"{' -> '.join(old.attempts)} ({before}), {' -> '.join(new.attempts)} ({after})"
            )
        findings.append(
            Finding(
                WARNING,
                UPGRADE_IMPACT,
                f"Switching the gateways from LiteLLM {before} to {after} changes what a {fallback_type} error of "
                f"{model} does: on {after} it {change}.",
                model,
                fallback_type,
                (model,),
                plans=(old.as_dict(), new.as_dict()),
            )
        )
    return findings


def _chains(
    context: LintContext,
    only: tuple[str, str] | None,
    keep: Callable[[str, str, Sequence[str]], bool],
    types: Iterable[str] = FALLBACK_TYPES.values(),
) -> list[tuple[tuple[str, str], Sequence[str]]]:
    """The chains of `types` with targets that `keep(source, fallback_type, targets)` accepts, in order; of those,
    only the one `only` names when it is given. Chosen before they are sorted: most checks keep few of thousands."""
    if only is not None:
        chosen = [(only, context.chains[only])] if only in context.chains and only[1] in types else []
    else:
        chosen = [
            ((source, kind), targets) for kind in types for source, targets in context.graphs.get(kind, {}).items()
        ]
    return sorted((key, targets) for key, targets in chosen if keep(*key, targets))


_NO_FACTS = GroupFacts()  # what a name that is no model group is taken to have (one, not one per chain looked at)


def _smaller_context_windows(context: LintContext, only: tuple[str, str] | None = None) -> list[Finding]:
    def tokens(name: str) -> int | None:
        return context.groups.get(name, _NO_FACTS).max_input_tokens

    def with_a_window(source: str, fallback_type: str, _targets: Sequence[str]) -> bool:
        return fallback_type == CONTEXT_WINDOW and source != DEFAULT_CHAIN_SOURCE and tokens(source) is not None

    findings = []
    for (source, fallback_type), targets in _chains(context, only, with_a_window, [CONTEXT_WINDOW]):
        source_tokens = tokens(source)
        for target in targets:
            target_tokens = tokens(target)
            if target_tokens is None or target_tokens > source_tokens:
                continue
            findings.append(
                Finding(
                    WARNING,
                    SMALLER_CONTEXT_WINDOW,
                    f"{target} takes at most {target_tokens} input tokens, "
                    f"{'fewer than' if target_tokens < source_tokens else 'as many as'} {source} ({source_tokens}): "
                    "a request too long for the source is too long for this context-window fallback too.",
                    source,
                    fallback_type,
                    (source, target),
                )
            )
    return findings


def _targets_without_deployments(context: LintContext, only: tuple[str, str] | None = None) -> list[Finding]:
    # When no group has deployments, they live in the gateway's own config and this service cannot tell.
    anywhere = context.deployments_anywhere
    if not (any(facts.deployments for facts in context.groups.values()) if anywhere is None else anywhere):
        return []
    without = {name for name, facts in context.groups.items() if not facts.deployments}

    def naming_one(_source: str, _fallback_type: str, targets: Sequence[str]) -> bool:
        return any(target in without for target in targets)

    findings = []
    for (source, fallback_type), targets in _chains(context, only, naming_one) if without else []:
        for target in targets:
            if target not in without:
                continue
            findings.append(
                Finding(
                    ERROR,
                    NO_DEPLOYMENTS,
                    f"{target} has no deployments, so the exported config cannot serve it: this fallback always "
                    "fails and the gateway moves on to the next one.",
                    source,
                    fallback_type,
                    tuple(dict.fromkeys([*(() if source == DEFAULT_CHAIN_SOURCE else (source,)), target])),
                )
            )
    return findings
