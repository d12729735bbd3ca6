"""The pure rules, without a database."""

import time

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


# --- the chain limit of PRODUCT.md section 1, and rules linear in the chain's length --------------------------


def test_contract_message_of_the_chain_limit():
    assert errors.CHAIN_TOO_LONG == "fallback_models must contain at most 100 models"


def test_a_chain_of_100_targets_is_a_chain_and_of_101_is_refused():
    targets = [f"t{index}" for index in range(101)]
    assert validation.clean_target_names(targets[:100]) == targets[:100]
    with pytest.raises(DomainError) as refused:
        validation.clean_target_names(targets)
    assert refused.value.message == errors.CHAIN_TOO_LONG
    validation.check_chain(source="m", targets=targets[:100], existing={"m", *targets}, all_names=list)
    problems = validation.chain_problems(source="m", targets=targets, existing={"m", *targets}, all_names=list)
    assert [(problem.message, problem.index) for problem in problems] == [(errors.CHAIN_TOO_LONG, None)]


def test_rules_take_linear_time_in_the_chain_length():
    """The attack: 150,000 unknown names once took a worker minutes (a list searched once per name)."""
    targets = [f"unknown-{index}" for index in range(150_000)]
    started = time.monotonic()
    with pytest.raises(DomainError):
        validation.clean_target_names(targets)
    problems = validation.chain_problems(source="*", targets=targets, existing=set(), all_names=list)
    assert [problem.message for problem in problems] == [errors.CHAIN_TOO_LONG]
    # Within the limit, the unknown names are found with set look-ups too.
    problems = validation.chain_problems(source="*", targets=targets[:100], existing=set(), all_names=list)
    assert len(problems) == 101
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "name",
    ["gpt\u202e4o", "gpt-4o\u200b", "\u200dgpt-4o", "gpt\u20604o", "\ufeffgpt-4o", "gpt\u2028-4o", "gpt\u00ad4o"],
)
def test_names_with_invisible_characters_are_refused(name):
    """Finding 7 of issue 12: an RTL override or a zero-width space made look-alike names that render identically."""
    for clean in (validation.clean_group_name, validation.clean_source_name):
        with pytest.raises(DomainError) as refused:
            clean(name)
        assert refused.value.message == errors.INVISIBLE_CHARACTERS.format(
            field="name" if clean is validation.clean_group_name else "model"
        )
    with pytest.raises(DomainError):
        validation.clean_target_names(["ok", name])


@pytest.mark.parametrize("name", ["gpt-4o", "claude-3.5@anthropic", "модель", "模型-1", "café"])
def test_visible_unicode_names_are_names(name):
    assert validation.clean_group_name(name) == name


def test_a_gateways_fields_are_checked_without_changing_the_callers_dict():
    fields = {"api_key": "os.environ/GATEWAY_KEY"}
    with pytest.raises(DomainError):  # a new gateway needs its name and URL
        validation.clean_gateway_fields(fields, partial=False)
    assert fields == {"api_key": "os.environ/GATEWAY_KEY"}
    assert validation.clean_gateway_fields(fields, partial=True) == {"api_key": "os.environ/GATEWAY_KEY"}
