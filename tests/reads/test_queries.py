"""Query counts of the reads that matter are pinned, and do not grow with the number of model groups."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fallbacks import services
from tests.factories import ACTOR, FIXTURE, dump, export, load, run


def count_queries(client, path: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return len(queries), response


# Every request that presents a key first reads its address's count of failed authentications (one query,
# fallbacks.api.throttling): an address that failed too often is refused before any key is looked at.
KEY_CHECK_QUERIES = 1

# Each list reads the config version first, for its ETag (PRODUCT.md 3.3); a chain reads its own ETag; reads
# that resolve chains read the configured LiteLLM series too (one query on the settings row). The listings kept
# per config version (fallbacks.api.listings) read the version with the series (the stamp), and again after
# building, to keep only bytes no write landed in.
READS = {
    "/v1/models?include_metadata=true": 4,  # the stamp, groups, chains, the version again
    "/v1/models?include_metadata=true&fallback_type=content_policy": 4,
    "/v1/models": 3,  # the stamp, groups, the version again
    "/fallback": 3,  # the stamp, chains, the version again
    "/model_groups": 4,
    "/fallback/model-00000": 4,  # its ETag, the group exists, the series, the chains of its rule keys
    "/v1/models/model-00000?include_metadata=true": 3,
}
# Asked again at the same config version, a kept listing reads only the stamp, whatever the number of groups.
KEPT = ("/v1/models?include_metadata=true", "/v1/models?include_metadata=true&fallback_type=content_policy")
KEPT += ("/v1/models", "/fallback")
KEPT_QUERIES = 1


@pytest.mark.parametrize(("path", "expected"), READS.items())
@pytest.mark.parametrize("groups", [1, 1000])
def test_query_count_is_pinned_and_constant(api, path, expected, groups):
    load(groups)
    queries, response = count_queries(api, path)
    assert queries == expected + KEY_CHECK_QUERIES
    # With one group, model-00000 has no chain (the `*` chain names only itself): a 404 after the same queries.
    assert response.status_code == (404 if groups == 1 and path.startswith("/fallback/") else 200)
    body = response.json()
    if path.split("?")[0] in ("/v1/models", "/model_groups"):
        assert len(body["data"]) == groups
    if path in KEPT:
        again, kept = count_queries(api, path)
        assert again == KEPT_QUERIES + KEY_CHECK_QUERIES
        assert kept.content == response.content


def test_api_key_lookup_adds_exactly_one_query(read_only_api):
    load(10)
    queries, _ = count_queries(read_only_api, "/v1/models?include_metadata=true")
    assert queries == READS["/v1/models?include_metadata=true"] + KEY_CHECK_QUERIES + 1


def load_other_spellings(count: int) -> None:
    """Beside load(count)'s groups, `openai/model-NNNNN` for each (no chains of their own: LiteLLM reads the rule of
    `model-NNNNN` for them), and `ft:gpt-4-NNNNN` with a chain, whose name LiteLLM prefixes with `openai/`."""
    services.config_import(
        actor=ACTOR,
        document=dump(
            {
                "model_list": [
                    {"model_name": name, "litellm_params": {"model": f"openai/{name}"}}
                    for index in range(count)
                    for name in (f"openai/model-{index:05d}", f"ft:gpt-4-{index:05d}", f"openai/ft:gpt-4-{index:05d}")
                ],
                "router_settings": {
                    "fallbacks": [{f"openai/ft:gpt-4-{index:05d}": [f"model-{index:05d}"]} for index in range(count)]
                },
            }
        ),
    )


@pytest.mark.parametrize(("path", "expected"), READS.items())
@pytest.mark.parametrize("groups", [1, 1000])
def test_other_spellings_of_names_cost_no_query_more(api, path, expected, groups):
    load(groups)
    load_other_spellings(groups)
    queries, response = count_queries(api, path)
    assert queries == expected + KEY_CHECK_QUERIES
    stripped, _ = count_queries(api, "/fallback/openai/model-00000")
    prefixed, _ = count_queries(api, "/fallback/ft:gpt-4-00000")
    assert stripped == prefixed == READS["/fallback/model-00000"] + KEY_CHECK_QUERIES
    if path == "/v1/models?include_metadata=true":
        shown = {model["id"]: model["metadata"]["fallbacks"] for model in response.json()["data"]}
        assert len(shown) == groups * 4
        assert shown["ft:gpt-4-00000"] == ["model-00000"]
        if groups > 1:  # (one group's only chain is the `*` one, naming itself)
            assert shown["openai/model-00000"] == shown["model-00000"] == ["model-00001", "model-00002", "model-00003"]


# GET /fallback_lint and GET /fallback_plan/{model} (tests/api/test_plan_and_lint.py) ---------------------------


LINT_QUERIES = 4  # chains, groups with their deployment counts, settings, config version


@pytest.mark.parametrize("path", ["/fallback_lint", "/fallback_lint?litellm_version=1.109"])
@pytest.mark.parametrize("groups", [1, 1000])
def test_lint_query_count_is_constant(api, django_assert_num_queries, groups, path):
    load(groups)
    if groups > 1:
        load_other_spellings(groups)
    with django_assert_num_queries(LINT_QUERIES + KEY_CHECK_QUERIES):
        response = api.get(path)
    assert response.status_code == 200


PLAN_QUERIES = 3  # the names asked about, the chains of two types, the settings row


@pytest.mark.parametrize("series", ["", "&litellm_version=1.109", "&litellm_version=1.110"])
@pytest.mark.parametrize("groups", [1, 1000])
def test_plan_query_count_is_constant(api, django_assert_num_queries, groups, series):
    load(groups)
    path = "/fallback_plan/model-00000?fallback_type=context_window&failing=model-00000" + series
    if groups > 1:
        path += "&failing=model-00001&failing=model-00002"
    with django_assert_num_queries(PLAN_QUERIES + KEY_CHECK_QUERIES):
        response = api.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["chain_type"] == "context_window"
    if groups == 1:
        assert body["attempts"] == ["model-00000"]  # only the `*` chain, which names itself
    else:
        assert body["attempts"][:3] == ["model-00000", "model-00001", "model-00002"]
        assert body["served_by"] == "model-00003"


# The export (tests/commands/test_import_export.py) ----------------------------------------------------------------


def test_the_export_reads_in_a_fixed_number_of_queries(db, django_assert_num_queries):
    run("import_config", str(FIXTURE))
    with django_assert_num_queries(5):
        small = export()
    services.config_import(
        actor=ACTOR,
        document=dump(
            {"model_list": [{"model_name": f"x{i}", "litellm_params": {"model": "o/x"}} for i in range(300)]}
        ),
    )
    with django_assert_num_queries(5):
        large = export()
    assert len(large) > len(small)
