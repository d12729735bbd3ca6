"""LiteLLM's provider names per pinned release (fallbacks.litellm_names), the data its fallback lookup reads.

The data files are generated from the pinned wheels (scripts/generate_litellm_names.py; tests/conformance
checks that they are current); these tests pin what the lookup of PRODUCT.md section 2 makes of them.
"""

import pytest

from fallbacks.domain import DEFAULT_LITELLM_VERSION, LITELLM_SERIES
from fallbacks.litellm_names import ProviderNames, data_file, provider_names

RELEASES = [series.release for series in LITELLM_SERIES]


def test_every_series_names_a_release_with_its_data_and_1_110_is_the_default():
    assert LITELLM_SERIES.values() == ["1.110", "1.109"]
    assert DEFAULT_LITELLM_VERSION == "1.110"
    for series in LITELLM_SERIES:
        assert series.release.startswith(series.value + ".")
        assert data_file(series.release).exists()
        assert provider_names(series.release).release == series.release


@pytest.mark.parametrize("release", RELEASES)
def test_a_provider_prefix_is_stripped_for_every_provider_of_the_release(release):
    names = provider_names(release)
    assert {"openai", "anthropic", "azure", "openrouter", "bedrock"} <= set(names.providers)
    assert names.stripped("openai/gpt-4o") == ("gpt-4o",)
    assert names.stripped("azure/gpt-4o") == ("gpt-4o",)
    assert names.stripped("openrouter/openai/gpt-4o-mini") == ("openai/gpt-4o-mini",)
    # LiteLLM's str.replace removes the prefix wherever it occurs once the name starts with it
    assert names.stripped("openai/m/openai/x") == ("m/x",)
    assert names.stripped("lab/model-1:v1") == ()  # `lab` is no provider
    assert names.stripped("gpt-4o") == ()


@pytest.mark.parametrize("release", RELEASES)
def test_a_bare_name_is_prefixed_with_the_provider_litellm_infers(release):
    names = provider_names(release)
    assert names.prefixed("gpt-4o") == "openai/gpt-4o"
    assert names.prefixed("claude-haiku-4-5") == "anthropic/claude-haiku-4-5"
    assert names.prefixed("claude-3-haiku") is None  # the wheel's cost map knows this one, with no provider
    assert names.prefixed("claude-sonnet-9-1") == "anthropic/claude-sonnet-9-1"  # the cost map's routing rule
    assert names.prefixed("ft:gpt-4o:acme::x1") == "openai/ft:gpt-4o:acme::x1"  # a rule in LiteLLM's code
    assert names.prefixed("m1") is None  # nothing LiteLLM can place
    assert names.prefixed("openai/gpt-4o") is None  # only bare names are prefixed
    assert names.other_spellings("gpt-4o") == ("openai/gpt-4o",)
    assert names.other_spellings("openai/gpt-4o") == ("gpt-4o",)
    assert names.other_spellings("m1") == ()


def test_the_releases_differ_where_their_wheels_do():
    older, newer = provider_names("1.109.1"), provider_names("1.110.2")
    assert set(newer.providers) - set(older.providers) == {"parallel_ai", "empiriolabs", "wally"}
    assert older.stripped("wally/x") == ()
    assert newer.stripped("wally/x") == ("x",)


def test_code_rules_follow_litellm_s_order():
    version_id = "a" * 64
    names = ProviderNames.from_document(
        {
            "release": "test",
            "providers": ["openai"],
            "known_models": {"gpt-4o": "openai", "mistral": None},
            "code_rules": [
                {"kind": "prefix", "text": "gpt-image", "provider": "openai"},
                {"kind": "replicate_version", "length": 64, "provider": "replicate"},
                {"kind": "prefix", "text": "amazon_nova", "provider": "amazon_nova"},
            ],
            "routing_rules": [{"pattern": "^claude-", "provider": "anthropic"}],
        }
    )
    assert names.inferred_provider("mistral") is None  # known, and LiteLLM places it nowhere
    assert names.inferred_provider("gpt-image-2") == "openai"
    assert names.inferred_provider(f"owner-model:{version_id}") == "replicate"
    # A long name with `:` ends the code rules even when its version is not an id; the routing rules still run.
    assert names.inferred_provider(f"amazon_nova-{'x' * 70}:short") is None
    assert names.inferred_provider(f"claude-{'x' * 70}:short") == "anthropic"
    assert names.inferred_provider("amazon_nova-pro") == "amazon_nova"
    assert names.inferred_provider("CLAUDE-X") == "anthropic"  # the routing rules ignore case
