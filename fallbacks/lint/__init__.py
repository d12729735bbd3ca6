"""Fallback lint: findings over plain chain graphs (fallbacks.lint.findings), pure; the graph
algorithms they use live in fallbacks.lint.graph."""

from fallbacks.lint.findings import (
    BEYOND_MAX_FALLBACKS,
    CYCLE,
    ERROR,
    INFO,
    NO_DEPLOYMENTS,
    NO_FALLBACKS_AT_ALL,
    NO_TYPED_FALLBACK,
    SEVERITIES,
    SMALLER_CONTEXT_WINDOW,
    WARNING,
    Finding,
    GroupFacts,
    LintContext,
    LintReport,
    lint,
    lint_chain,
    lint_report,
)

__all__ = [
    "BEYOND_MAX_FALLBACKS",
    "CYCLE",
    "ERROR",
    "INFO",
    "NO_DEPLOYMENTS",
    "NO_FALLBACKS_AT_ALL",
    "NO_TYPED_FALLBACK",
    "SEVERITIES",
    "SMALLER_CONTEXT_WINDOW",
    "WARNING",
    "Finding",
    "GroupFacts",
    "LintContext",
    "LintReport",
    "lint",
    "lint_chain",
    "lint_report",
]
