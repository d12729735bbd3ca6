"""Template tags for the model group page: its attempt plans as small diagrams, and its lint findings.

    {% load fallback_plan %}
    {% attempt_plan_diagrams original %}
    {% lint_findings original %}

Each reads through the selectors (a constant number of queries) and computes with the pure
fallbacks.resolution and fallbacks.lint, so the page shows exactly what the API answers.
"""

from django import template

from fallbacks import selectors
from fallbacks.lint import lint
from fallbacks.resolution import SKIPPED, attempt_plan, describe_chain_ref
from fallbacks.validation import FallbackType

register = template.Library()


def _group_name(group) -> str | None:
    name = getattr(group, "name", group)
    return name or None


@register.inclusion_tag("admin/fallbacks/plan/attempt_plan_diagrams.html")
def attempt_plan_diagrams(group):
    """For each type, what the gateway does when a request to the group fails with an error of that type.

    The diagram is the walk with every model failing (the whole path, skipped hops included), and
    marks the model that answers when only the group itself fails: the first choice failing.
    """
    name = _group_name(group)
    if name is None:  # the add page: nothing to plan yet
        return {"plans": []}
    chains = selectors.chain_map()
    max_fallbacks = selectors.fallback_settings()["max_fallbacks"]
    everything = {name} | {target for targets in chains.values() for target in targets}
    plans = []
    for fallback_type in FallbackType:
        walk = attempt_plan(chains, name, fallback_type.value, everything, max_fallbacks)
        first_choice_fails = attempt_plan(chains, name, fallback_type.value, {name}, max_fallbacks)
        steps = [
            {
                "model": step.model,
                "level": step.level,
                "indent": step.level * 1.5,
                "skipped": step.outcome == SKIPPED,
                "answers": step.model == first_choice_fails.served_by and step.outcome != SKIPPED,
                "why": step.why,
                "via": describe_chain_ref(step.via) if step.via else "",
                "cut": step.then == "max_fallbacks",
                "fallback_depth": step.fallback_depth,
            }
            for step in walk.steps
        ]
        plans.append(
            {
                "fallback_type": fallback_type.value,
                "label": fallback_type.label,
                "steps": steps,
                "served_by": first_choice_fails.served_by,
                "chain_type": walk.chain_type,
                "note": walk.note,
                "has_fallback": len(walk.steps) > 1,
            }
        )
    return {"plans": plans, "group_name": name, "max_fallbacks": max_fallbacks}


@register.inclusion_tag("admin/fallbacks/plan/lint_findings.html")
def lint_findings(group):
    """The lint findings that concern the group (as source, target or requested model), errors first."""
    name = _group_name(group)
    if name is None:
        return {"findings": []}
    findings = [finding for finding in lint(selectors.lint_context()) if finding.concerns(name)]
    return {
        "findings": [finding.as_dict() for finding in findings],
        "group_name": name,
    }
