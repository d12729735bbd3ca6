"""What a LiteLLM gateway does with the chains (PRODUCT.md section 2), for each LiteLLM series. Pure: no ORM.

Chains arrive as a mapping `(source, fallback_type) -> [target, ...]`, source `*` being the
default chain, as fallbacks.selectors.chain_map builds it with one query. Every function that
resolves takes the series (`"1.110"`, `"1.109"`: fallbacks.domain.LITELLM_SERIES) as a parameter.
The series' routers differ in one rule, said once, in SERIES_RULES below, and in the provider names
each release reads (its generated data, fallbacks/litellm_names); nowhere else.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, GENERAL, LITELLM_SERIES
from fallbacks.litellm_names import ProviderNames, provider_names

ChainMap = Mapping[tuple[str, str], Sequence[str]]


# Where the series differ -------------------------------------------------------------------------
#
# Everything else in this module is what both routers do alike (measured: tests/conformance runs the
# same random graphs through LiteLLM 1.109.1 and 1.110.2). A new series is one entry here, one in
# fallbacks.domain.LITELLM_SERIES, and its release's names data (README, "LiteLLM releases").


@dataclass(frozen=True)
class SeriesRules:
    """How one series' router differs from the others when it picks the chain a failure walks."""

    # LiteLLM errors (FallbackType.error) that, when chains of their own type exist but none applies
    # to the failed model, walk that model's general chain instead; the others get no fallback at all.
    general_when_no_typed_chain_applies: frozenset[str]


SERIES_RULES: Mapping[str, SeriesRules] = {
    "1.109": SeriesRules(general_when_no_typed_chain_applies=frozenset()),
    # The Rust router core: a context-window error now falls back to the general chain; a
    # content-policy error still raises (measured on 1.110.2; PRODUCT.md's table says both fall back).
    "1.110": SeriesRules(general_when_no_typed_chain_applies=frozenset({"ContextWindowExceededError"})),
}


def series_rules(series: str) -> SeriesRules:
    return SERIES_RULES[series]


def series_names(series: str) -> ProviderNames:
    """The provider names of the release the series is proven with (fallbacks/litellm_names)."""
    return provider_names(LITELLM_SERIES[series].release)


def general_when_no_typed_chain_applies(fallback_type: str, series: str) -> bool:
    """Whether errors of `fallback_type` walk the general chain when typed chains exist but none applies."""
    error = FALLBACK_TYPES[fallback_type].error
    return error is not None and error in series_rules(series).general_when_no_typed_chain_applies


# Which rule names a model ------------------------------------------------------------------------


def rule_naming(chains: ChainMap, name: str, chain_type: str, series: str) -> str | None:
    """The key of the rule that names `name` itself (`*` aside): its own, else one keyed with another
    spelling of it (the provider prefix stripped or added: LiteLLM's `get_fallback_model_group`)."""
    if chains.get((name, chain_type)):
        return name
    if name == DEFAULT_CHAIN_SOURCE:
        return None
    return next(
        (other for other in series_names(series).other_spellings(name) if chains.get((other, chain_type))), None
    )


def rule_keys(model: str, series: str) -> list[str]:
    """Every rule key that may name `model`, in the order they are tried: `model`, its other spellings, `*`."""
    if model == DEFAULT_CHAIN_SOURCE:
        return [DEFAULT_CHAIN_SOURCE]
    return [model, *series_names(series).other_spellings(model), DEFAULT_CHAIN_SOURCE]


@dataclass(frozen=True)
class DirectChain:
    targets: list[str]
    inherited_from: str | None = None  # "*", or the model group whose rule names the model by another spelling


def direct_chain(chains: ChainMap, model: str, fallback_type: str, *, series: str) -> DirectChain:
    """M's own chain of the type, else the chain of a rule keyed with another spelling of M, else the `*`
    chain, else none. An inherited chain is shown without M itself, which the router skips."""
    key = rule_naming(chains, model, fallback_type, series)
    if key == model:
        return DirectChain(list(chains[(model, fallback_type)]))
    if key is None and model != DEFAULT_CHAIN_SOURCE and chains.get((DEFAULT_CHAIN_SOURCE, fallback_type)):
        key = DEFAULT_CHAIN_SOURCE
    if key is None:
        return DirectChain([])
    return DirectChain([name for name in chains[(key, fallback_type)] if name != model], inherited_from=key)


# The attempt plan ------------------------------------------------------------------------------
#
# What follows mirrors LiteLLM 1.109.1's router (`async_function_with_fallbacks_common_utils` in
# router_python_core.py, `run_async_fallback`, `fallback_lookup_groups` and
# `get_fallback_model_group_for_lookup_groups` in router_utils/fallback_event_handlers.py) step for
# step, and 1.110.2's Rust core, which walks the same way but where SERIES_RULES says; tests/conformance
# checks it against both routers.

ANSWERED = "answered"
FAILED = "failed"
SKIPPED = "skipped"

# Why a failed attempt led nowhere further, or where it led.
THEN_CHAIN = "chain"  # its chain was walked
THEN_NO_CHAIN = "no_chain"  # no chain applies to it
THEN_MAX_FALLBACKS = "max_fallbacks"  # its chain applies but the count had reached max_fallbacks


def walks_own_chains(fallback_type: str) -> bool:
    """Whether errors of `fallback_type` may walk chains of their own type (context window, content policy)."""
    return FALLBACK_TYPES[fallback_type].own_chains_when_any


@dataclass(frozen=True)
class ChainRef:
    """Which chain a step came from: its source (`*` for the default chain) and type."""

    source: str
    fallback_type: str


@dataclass(frozen=True)
class PlanStep:
    """One entry met while walking chains: tried (answered or failed) or skipped."""

    model: str
    outcome: str  # ANSWERED, FAILED or SKIPPED
    level: int  # 0 the requested model, 1 its chain's targets, 2 the targets of a target's chain, ...
    fallback_depth: int | None  # the router's count once this model is tried (None when skipped)
    via: ChainRef | None  # the chain the step came from; None for the requested model
    why: str
    then: str | None = None  # for a failed step: THEN_CHAIN, THEN_NO_CHAIN or THEN_MAX_FALLBACKS
    then_via: ChainRef | None = None  # the chain walked (or cut short) after this step failed

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "outcome": self.outcome,
            "level": self.level,
            "fallback_depth": self.fallback_depth,
            "via": self.via.__dict__ if self.via else None,
            "why": self.why,
            "then": self.then,
            "then_via": self.then_via.__dict__ if self.then_via else None,
        }


@dataclass(frozen=True)
class AttemptPlan:
    model: str
    fallback_type: str  # the type of the error the requested model (and every failing model) raises
    chain_type: str  # the type whose chains the router uses first for that error (`via` says which it did)
    max_fallbacks: int
    steps: list[PlanStep]
    served_by: str | None
    note: str | None = None  # what an operator may not expect about the type rule, when it matters
    litellm_version: str = ""  # the series whose router the plan follows

    @property
    def attempts(self) -> list[str]:
        """The models the gateway calls, in order, the requested one first."""
        return [step.model for step in self.steps if step.outcome != SKIPPED]

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "fallback_type": self.fallback_type,
            "attempts": self.attempts,
            "served_by": self.served_by,
            "chain_type": self.chain_type,
            "max_fallbacks": self.max_fallbacks,
            "litellm_version": self.litellm_version,
            "note": self.note,
            "steps": [step.as_dict() for step in self.steps],
        }


class PartialChains(dict):
    """Some of a configuration's chains (those a read needs), knowing which types have a chain anywhere.

    A read that looks at part of the graph (a plan, the lint of a chain just written) passes one of these
    where a whole ChainMap would go: every function here answers alike as long as the chains it is asked
    about are in it, since the only thing they ask of the whole configuration is which types have chains.
    """

    def __init__(self, chains: Mapping[tuple[str, str], Sequence[str]], *, types_present: Collection[str]):
        super().__init__(chains)
        self.types_present = frozenset(types_present)


def types_present(chains: ChainMap) -> frozenset[str]:
    """The types that have a chain anywhere in the configuration."""
    if isinstance(chains, PartialChains):
        return chains.types_present
    return frozenset(entry_type for _, entry_type in chains)


def chain_type_for_error(chains: ChainMap, fallback_type: str) -> str:
    """The type of chains the router walks after an error of `fallback_type`.

    Context-window and content-policy errors use their own chains as soon as one chain of that
    type exists anywhere (the router's `context_window_fallbacks is not None`); only when there
    is none do they use the general chains.
    """
    if not walks_own_chains(fallback_type):
        return GENERAL
    if isinstance(chains, PartialChains):
        return fallback_type if fallback_type in chains.types_present else GENERAL
    if any(entry_type == fallback_type for _, entry_type in chains):
        return fallback_type
    return GENERAL


def lookup_chain(chains: ChainMap, chain_type: str, failed: str, original: str, series: str) -> ChainRef | None:
    """The chain of `chain_type` LiteLLM's `get_fallback_model_group_for_lookup_groups` finds for (failed,
    original): the first with a rule naming it (its own or by another spelling), and only when neither
    has one, the `*` chain. For one model, pass it as both."""
    for name in dict.fromkeys((failed, original)):
        key = rule_naming(chains, name, chain_type, series)
        if key is not None:
            return ChainRef(key, chain_type)
    if chains.get((DEFAULT_CHAIN_SOURCE, chain_type)):
        return ChainRef(DEFAULT_CHAIN_SOURCE, chain_type)
    return None


def applicable_chain(
    chains: ChainMap, fallback_type: str, failed: str, original: str, *, series: str
) -> ChainRef | None:
    """The chain the router walks when `failed` fails with an error of `fallback_type`, during a request
    that named `original`.

    LiteLLM looks the chain up for the failed model, then for the original one, and only when
    neither has one (of its own or by another spelling of its name) does it use the `*` chain. The
    type of chains looked up is chain_type_for_error's; when no chain of that type applies, the
    series decides whether the general chains are looked up instead (SERIES_RULES).
    """
    chain_type = chain_type_for_error(chains, fallback_type)
    ref = lookup_chain(chains, chain_type, failed, original, series)
    if ref is None and chain_type != GENERAL and general_when_no_typed_chain_applies(fallback_type, series):
        ref = lookup_chain(chains, GENERAL, failed, original, series)
    return ref


def describe_chain_ref(ref: ChainRef) -> str:
    if ref.source == DEFAULT_CHAIN_SOURCE:
        return f"the default '*' {ref.fallback_type} chain"
    return f"the {ref.fallback_type} chain of {ref.source}"


def _why_tried(ref: ChainRef, chain_type: str, failed: str, original: str, series: str) -> str:
    reasons = []
    if ref.fallback_type != chain_type:
        reasons.append(f"no {chain_type} chain applies to {failed}, so LiteLLM {series} walks a general one")
    if ref.source == DEFAULT_CHAIN_SOURCE:
        reasons.append(f"{failed} has no {ref.fallback_type} chain of its own")
    elif ref.source in rule_keys(failed, series):
        if ref.source != failed:
            reasons.append(f"LiteLLM reads the rule of {ref.source} for {failed}, another spelling of its name")
    else:
        reason = f"{failed} has no {ref.fallback_type} chain of its own, and the requested model's comes first"
        if ref.source != original:
            reason += f" (the rule of {ref.source}, another spelling of {original})"
        reasons.append(reason)
    why = f"next in {describe_chain_ref(ref)}"
    return f"{why}: {'; '.join(reasons)}" if reasons else why


def attempt_plan(
    chains: ChainMap, model: str, fallback_type: str, failing: Collection[str], max_fallbacks: int, *, series: str
) -> AttemptPlan:
    """What the gateway of `series` does after a request to `model` fails with an error of `fallback_type`.

    Every model in `failing` fails too (with an error of the same type); every other model
    answers. The requested model is the first attempt and always fails.
    """
    chain_type = chain_type_for_error(chains, fallback_type)
    steps: list[PlanStep] = [
        PlanStep(model=model, outcome=FAILED, level=0, fallback_depth=0, via=None, why="the requested model")
    ]
    # One set for the whole request, as the router's AttemptedFallbackTargets: a model tried in
    # one branch is never tried again in another, which is what keeps cycles finite.
    attempted: set[str] = set()

    def follow(failed_index: int, failed: str, depth: int, level: int) -> str | None:
        """Walk the chain that applies to `failed` (whose step is `failed_index`); the model that answers."""
        ref = applicable_chain(chains, fallback_type, failed, model, series=series)
        if ref is None:
            steps[failed_index] = _with_then(steps[failed_index], THEN_NO_CHAIN, None)
            return None
        # run_async_fallback's base case: a walk that starts with the count at the limit tries nothing.
        if depth >= max_fallbacks:
            steps[failed_index] = _with_then(steps[failed_index], THEN_MAX_FALLBACKS, ref)
            return None
        steps[failed_index] = _with_then(steps[failed_index], THEN_CHAIN, ref)
        attempted.add(failed)
        for target in chains[(ref.source, ref.fallback_type)]:
            if target == failed:
                steps.append(
                    PlanStep(target, SKIPPED, level, None, ref, f"it is the model that just failed ({failed})")
                )
                continue
            if target in attempted:
                steps.append(PlanStep(target, SKIPPED, level, None, ref, "already attempted in this request"))
                continue
            attempted.add(target)
            # The count rises with every target tried at this level, and the nested walk inherits it.
            depth += 1
            why = _why_tried(ref, chain_type, failed, model, series)
            if target not in failing:
                steps.append(PlanStep(target, ANSWERED, level, depth, ref, why))
                return target
            steps.append(PlanStep(target, FAILED, level, depth, ref, why))
            served_by = follow(len(steps) - 1, target, depth, level + 1)
            if served_by is not None:
                return served_by
        return None

    served_by = follow(0, model, 0, 1)
    return AttemptPlan(
        model=model,
        fallback_type=fallback_type,
        chain_type=chain_type,
        max_fallbacks=max_fallbacks,
        steps=steps,
        served_by=served_by,
        note=type_rule_note(chains, model, fallback_type, series=series),
        litellm_version=series,
    )


def type_rule_note(chains: ChainMap, model: str, fallback_type: str, *, series: str) -> str | None:
    """Say so when the type rule of PRODUCT.md section 2 decides `model`'s fate for `fallback_type` errors."""
    if not walks_own_chains(fallback_type):
        return None
    chain_type = chain_type_for_error(chains, fallback_type)
    if chain_type != fallback_type:
        return f"No {fallback_type} chain exists at all, so {fallback_type} errors use the general chains."
    if lookup_chain(chains, chain_type, model, model, series) is not None:
        return None
    if general_when_no_typed_chain_applies(fallback_type, series):
        return (
            f"{fallback_type} chains exist, but none applies to {model} (no chain of its own, none by another "
            f"spelling of its name, no '*' chain): LiteLLM {series} then walks its general chain instead."
        )
    return (
        f"{fallback_type} chains exist, but none applies to {model} (no chain of its own, none by another "
        f"spelling of its name, no '*' chain): a LiteLLM {series} gateway does not fall back on a "
        f"{fallback_type} error, not even to the general chain."
    )


def _with_then(step: PlanStep, then: str, then_via: ChainRef | None) -> PlanStep:
    return PlanStep(**{**step.__dict__, "then": then, "then_via": then_via})


# Many plans over one chain map -------------------------------------------------------------------
#
# The lint walks a request for every model group over the same chains, and asks the same lookups
# thousands of times. ChainResolver remembers each answer, and `walk` follows attempt_plan step for
# step without writing down why (tests/unit/test_resolution.py holds both to the same answers on
# random graphs). Chains are named by their keys, `(source, type)`, as in the chain map.


_UNKNOWN = object()


class ChainResolver:
    """applicable_chain's answers for one chain map and series, each computed once."""

    def __init__(self, chains: ChainMap, series: str):
        self.chains = chains
        self.series = series
        self._names = series_names(series)
        self._types = types_present(chains)
        self._rules: dict[tuple[str, str], str | None] = {}

    def chain_type_for_error(self, fallback_type: str) -> str:
        return fallback_type if walks_own_chains(fallback_type) and fallback_type in self._types else GENERAL

    def rule_naming(self, name: str, chain_type: str) -> str | None:
        """fallbacks.resolution.rule_naming."""
        key = (name, chain_type)
        found = self._rules.get(key, _UNKNOWN)
        if found is not _UNKNOWN:
            return found
        chains = self.chains
        if chains.get(key):
            found = name
        elif name == DEFAULT_CHAIN_SOURCE:
            found = None
        else:
            found = next(
                (other for other in self._names.other_spellings(name) if chains.get((other, chain_type))), None
            )
        self._rules[key] = found
        return found

    def lookup(self, chain_type: str, failed: str, original: str) -> tuple[str, str] | None:
        """fallbacks.resolution.lookup_chain, as a chain key."""
        source = self.rule_naming(failed, chain_type)
        if source is None and original != failed:
            source = self.rule_naming(original, chain_type)
        if source is not None:
            return (source, chain_type)
        if self.chains.get((DEFAULT_CHAIN_SOURCE, chain_type)):
            return (DEFAULT_CHAIN_SOURCE, chain_type)
        return None

    def applicable(self, fallback_type: str, failed: str, original: str) -> tuple[str, str] | None:
        """fallbacks.resolution.applicable_chain, as a chain key."""
        chain_type = self.chain_type_for_error(fallback_type)
        key = self.lookup(chain_type, failed, original)
        if key is None and chain_type != GENERAL and general_when_no_typed_chain_applies(fallback_type, self.series):
            key = self.lookup(GENERAL, failed, original)
        return key


@dataclass(frozen=True)
class Walk:
    """What attempt_plan finds, without the steps: the models called in order, the model that answers, and the
    chains that applied to a failed model but were not walked because the count had reached max_fallbacks."""

    attempts: list[str]
    served_by: str | None
    cut: list[tuple[str, str]]  # chain keys, in the order of the steps they follow


def walk(
    resolver: ChainResolver, model: str, fallback_type: str, failing: Collection[str] | None, max_fallbacks: int
) -> Walk:
    """attempt_plan's attempts, served_by and max_fallbacks cuts; `failing` None: every model fails."""
    chains = resolver.chains
    rule = resolver.rule_naming
    chain_type = resolver.chain_type_for_error(fallback_type)
    general_too = chain_type != GENERAL and general_when_no_typed_chain_applies(fallback_type, resolver.series)
    # applicable_chain for (failed, model), with what does not depend on `failed` looked up once.
    original_rule = rule(model, chain_type)
    default = (DEFAULT_CHAIN_SOURCE, chain_type) if chains.get((DEFAULT_CHAIN_SOURCE, chain_type)) else None
    original_general = rule(model, GENERAL) if general_too else None
    default_general = (
        (DEFAULT_CHAIN_SOURCE, GENERAL) if general_too and chains.get((DEFAULT_CHAIN_SOURCE, GENERAL)) else None
    )

    def applicable(failed: str) -> tuple[str, str] | None:
        source = rule(failed, chain_type) or original_rule
        if source is not None:
            return (source, chain_type)
        if default is not None or not general_too:
            return default
        source = rule(failed, GENERAL) or original_general
        return (source, GENERAL) if source is not None else default_general

    attempts = [model]
    cut: list[tuple[str, str]] = []
    attempted: set[str] = set()

    def follow(failed: str, depth: int) -> str | None:
        key = applicable(failed)
        if key is None:
            return None
        if depth >= max_fallbacks:
            cut.append(key)
            return None
        attempted.add(failed)
        for target in chains[key]:
            if target == failed or target in attempted:
                continue
            attempted.add(target)
            depth += 1
            attempts.append(target)
            if failing is not None and target not in failing:
                return target
            served_by = follow(target, depth)
            if served_by is not None:
                return served_by
        return None

    served_by = follow(model, 0)
    return Walk(attempts=attempts, served_by=served_by, cut=cut)
