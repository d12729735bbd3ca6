"""What a LiteLLM gateway does with the chains (PRODUCT.md section 2). Pure: no ORM.

Chains arrive as a mapping `(source, fallback_type) -> [target, ...]`, source `*` being the
default chain, as fallbacks.selectors.chain_map builds it with one query.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, GENERAL

ChainMap = Mapping[tuple[str, str], Sequence[str]]


@dataclass(frozen=True)
class DirectChain:
    targets: list[str]
    inherited_from: str | None = None  # "*" when the chain shown is the default one


def direct_chain(chains: ChainMap, model: str, fallback_type: str) -> DirectChain:
    """M's own chain of the type, else the `*` chain without M itself (the router skips M), else none."""
    own = chains.get((model, fallback_type))
    if own:
        return DirectChain(list(own))
    default = chains.get((DEFAULT_CHAIN_SOURCE, fallback_type))
    if default and model != DEFAULT_CHAIN_SOURCE:
        return DirectChain([name for name in default if name != model], inherited_from=DEFAULT_CHAIN_SOURCE)
    return DirectChain([])


# The attempt plan ------------------------------------------------------------------------------
#
# What follows mirrors LiteLLM 1.109.1's router (`async_function_with_fallbacks_common_utils` in
# router_python_core.py, `run_async_fallback`, `fallback_lookup_groups` and
# `get_fallback_model_group_for_lookup_groups` in router_utils/fallback_event_handlers.py) step for
# step, so that the plan is what the gateway does; tests/conformance checks it against that router.

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
    chain_type: str  # the type whose chains the router uses for that error
    max_fallbacks: int
    steps: list[PlanStep]
    served_by: str | None
    note: str | None = None  # what an operator may not expect about the type rule, when it matters

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
            "note": self.note,
            "steps": [step.as_dict() for step in self.steps],
        }


def chain_type_for_error(chains: ChainMap, fallback_type: str) -> str:
    """The type of chains the router walks after an error of `fallback_type`.

    Context-window and content-policy errors use their own chains as soon as one chain of that
    type exists anywhere (the router's `context_window_fallbacks is not None`); only when there
    is none do they use the general chains.
    """
    if walks_own_chains(fallback_type) and any(entry_type == fallback_type for _, entry_type in chains):
        return fallback_type
    return GENERAL


def applicable_chain(chains: ChainMap, chain_type: str, failed: str, original: str) -> ChainRef | None:
    """The chain the router walks when `failed` fails during a request that named `original`.

    LiteLLM looks the chain up for the failed model, then for the original one, and only when
    neither has one of its own does it use the `*` chain.
    """
    for name in dict.fromkeys((failed, original)):
        if chains.get((name, chain_type)):
            return ChainRef(name, chain_type)
    if chains.get((DEFAULT_CHAIN_SOURCE, chain_type)):
        return ChainRef(DEFAULT_CHAIN_SOURCE, chain_type)
    return None


def describe_chain_ref(ref: ChainRef) -> str:
    if ref.source == DEFAULT_CHAIN_SOURCE:
        return f"the default '*' {ref.fallback_type} chain"
    return f"the {ref.fallback_type} chain of {ref.source}"


def _why_tried(ref: ChainRef, failed: str, original: str) -> str:
    why = f"next in {describe_chain_ref(ref)}"
    if ref.source == failed:
        return why
    if ref.source == original:
        return f"{why}: {failed} has no {ref.fallback_type} chain of its own, and the requested model's comes first"
    return f"{why}: {failed} has no {ref.fallback_type} chain of its own"


def attempt_plan(
    chains: ChainMap, model: str, fallback_type: str, failing: Collection[str], max_fallbacks: int
) -> AttemptPlan:
    """What the gateway does after a request to `model` fails with an error of `fallback_type`.

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
        ref = applicable_chain(chains, chain_type, failed, model)
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
            why = _why_tried(ref, failed, model)
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
        note=type_rule_note(chains, model, fallback_type),
    )


def type_rule_note(chains: ChainMap, model: str, fallback_type: str) -> str | None:
    """Say so when the type rule of PRODUCT.md section 2 decides `model`'s fate for `fallback_type` errors."""
    if not walks_own_chains(fallback_type):
        return None
    chain_type = chain_type_for_error(chains, fallback_type)
    if chain_type != fallback_type:
        return f"No {fallback_type} chain exists at all, so {fallback_type} errors use the general chains."
    if applicable_chain(chains, chain_type, model, model) is None:
        return (
            f"{fallback_type} chains exist, but none applies to {model} (no chain of its own, no '*' chain): "
            f"the gateway does not fall back on a {fallback_type} error, not even to the general chain."
        )
    return None


def _with_then(step: PlanStep, then: str, then_via: ChainRef | None) -> PlanStep:
    return PlanStep(**{**step.__dict__, "then": then, "then_via": then_via})
