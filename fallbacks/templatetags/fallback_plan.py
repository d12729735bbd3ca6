"""Template tags for the model group page: its attempt plans as small diagrams, and its lint findings.

    {% load fallback_plan %}
    {% attempt_plan_diagrams group_page %}
    {% lint_findings group_page %}

`group_page` is what fallbacks.queries.group_page read before the page rendered: these tags only
format it, and read nothing from the database.
"""

from django import template

from fallbacks.domain import FALLBACK_TYPES
from fallbacks.resolution import SKIPPED, THEN_MAX_FALLBACKS, describe_chain_ref

register = template.Library()

# Deeper steps are drawn at this level's indent: the page's styles are a static file (no inline styles, for the
# admin's Content-Security-Policy), with one rule per level.
MAX_DRAWN_LEVEL = 12


@register.inclusion_tag("admin/fallbacks/plan/attempt_plan_diagrams.html")
def attempt_plan_diagrams(page):
    """For each type, what the gateway does when a request to the group fails with an error of that type.

    The diagram is the walk with every model failing (the whole path, skipped hops included), and
    marks the model that answers when only the group itself fails: the first choice failing.
    """
    if page is None:  # the add page: nothing to plan yet
        return {"plans": []}
    plans = []
    for plans_of_type in page.plans:
        walk, served_by = plans_of_type.walk, plans_of_type.first_choice_fails.served_by
        steps = [
            {
                "model": step.model,
                "level": step.level,
                "indent_class": f"fallback-level-{min(step.level, MAX_DRAWN_LEVEL)}",
                "skipped": step.outcome == SKIPPED,
                "answers": step.model == served_by and step.outcome != SKIPPED,
                "why": step.why,
                "via": describe_chain_ref(step.via) if step.via else "",
                "cut": step.then == THEN_MAX_FALLBACKS,
                "fallback_depth": step.fallback_depth,
            }
            for step in walk.steps
        ]
        plans.append(
            {
                "fallback_type": plans_of_type.fallback_type,
                "label": FALLBACK_TYPES[plans_of_type.fallback_type].label,
                "steps": steps,
                "served_by": served_by,
                "chain_type": walk.chain_type,
                "note": walk.note,
                "has_fallback": len(walk.steps) > 1,
            }
        )
    return {
        "plans": plans,
        "group_name": page.name,
        "max_fallbacks": page.max_fallbacks,
        "litellm_version": page.litellm_version,
    }


@register.inclusion_tag("admin/fallbacks/plan/lint_findings.html")
def lint_findings(page):
    """The lint findings that concern the group (as source, target or requested model), errors first."""
    if page is None:
        return {"findings": []}
    return {"findings": [finding.as_dict() for finding in page.findings], "group_name": page.name}
