"""Query counts of the reads that matter are pinned, and do not grow with the number of model groups."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import load


def count_queries(client, path: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return len(queries), response


READS = {
    "/v1/models?include_metadata=true": 2,
    "/v1/models?include_metadata=true&fallback_type=content_policy": 2,
    "/v1/models": 1,
    "/fallback": 1,
    "/model_groups": 3,
    "/fallback/model-00000": 2,
}


@pytest.mark.parametrize(("path", "expected"), READS.items())
@pytest.mark.parametrize("groups", [1, 1000])
def test_query_count_is_pinned_and_constant(api, path, expected, groups):
    load(groups)
    queries, response = count_queries(api, path)
    assert queries == expected
    # With one group, model-00000 has no chain (the `*` chain names only itself): a 404 after the same queries.
    assert response.status_code == (404 if groups == 1 and path.startswith("/fallback/") else 200)
    body = response.json()
    if path.startswith("/v1/models") or path == "/model_groups":
        assert len(body["data"]) == groups


def test_api_key_lookup_adds_exactly_one_query(read_only_api):
    load(10)
    queries, _ = count_queries(read_only_api, "/v1/models?include_metadata=true")
    assert queries == READS["/v1/models?include_metadata=true"] + 1
