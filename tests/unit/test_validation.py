"""The pure rules, without a database."""

import pytest

from fallbacks import errors, validation
from fallbacks.domain import FALLBACK_TYPES
from fallbacks.errors import DomainError, NotFound


def test_contract_messages_are_word_for_word():
    assert errors.MODEL_NOT_FOUND.format(model="X") == "Model 'X' not found in router"
    assert errors.INVALID_FALLBACK_MODELS.format(models=["a", "b"]) == "Invalid fallback models: ['a', 'b']"
    assert errors.SELF_FALLBACK.format(model="X") == "Model 'X' cannot be its own fallback"
    assert errors.NOTHING_CONFIGURED.format(fallback_type="general", model="X") == (
        "No general fallbacks configured for model 'X'"
    )
    assert errors.INVALID_FALLBACK_TYPE.format(types=FALLBACK_TYPES.values()) == (
        "Invalid fallback_type. Must be one of: ['general', 'context_window', 'content_policy']"
    )


def test_parse_chain_request_defaults_and_trims():
    parsed = validation.parse_chain_request({"model": " m ", "fallback_models": [" a", "b "]})
    assert parsed == validation.ChainRequest(model="m", fallback_models=["a", "b"], fallback_type="general")


def test_duplicates_after_trimming_are_duplicates():
    with pytest.raises(DomainError, match="must not contain duplicates"):
        validation.parse_chain_request({"model": "m", "fallback_models": ["a", " a"]})


def test_chain_problems_point_at_rows():
    problems = validation.chain_problems(
        source="m", targets=["a", "m", "a", "zz"], existing={"m", "a"}, all_names=lambda: ["a", "m"]
    )
    by_index = {(problem.index, problem.code) for problem in problems}
    assert (None, "invalid_fallback_models") in by_index
    assert (3, "invalid_fallback_models") in by_index
    assert (1, "self_fallback") in by_index
    assert (2, "duplicate_targets") in by_index
    whole = [problem for problem in problems if problem.index is None]
    assert whole[0].extra == {"available_models": ["a", "m"]}


def test_check_chain_reports_source_before_targets():
    with pytest.raises(DomainError) as refused:
        validation.check_chain(source="x", targets=["y"], existing=set(), all_names=lambda: [])
    assert type(refused.value) is NotFound


def test_available_names_are_only_listed_when_needed():
    def explode():
        raise AssertionError("all_names must not be called for a valid chain")

    validation.check_chain(source="m", targets=["a"], existing={"m", "a"}, all_names=explode)


def test_star_chain_has_no_self_rule_and_needs_no_source():
    validation.check_chain(source="*", targets=["a"], existing={"a"}, all_names=list)


@pytest.mark.parametrize("name", ["gpt-4o", "openrouter/gpt-4", "bedrock/anthropic.claude-v2:1", "a@b.c", "x" * 255])
def test_ordinary_names(name):
    assert validation.clean_group_name(name) == name


@pytest.mark.parametrize("name", ["*", "", "  ", None, 3, "x" * 256, "a\nb", "a\x00"])
def test_refused_names(name):
    with pytest.raises(DomainError):
        validation.clean_group_name(name)
