"""A write acknowledged by one app server is what every other one answers next: the listings each process keeps
(fallbacks.api.listings) are keyed by the configuration stamp read from the database on every request."""

import pytest

LISTS = [
    "/v1/models?include_metadata=true",
    "/v1/models?include_metadata=true&fallback_type=content_policy",
    "/models",
    "/fallback",
    "/fallback?fallback_type=content_policy",
    "/config",
    "/config?format=json",
]


def test_a_write_on_one_server_is_read_on_the_other_at_once(servers):
    writer, reader = servers
    for name in ("a", "b", "c"):
        assert writer.call("POST", "/model_groups", {"name": name}).status == 201
    for path in LISTS:  # the reader builds and keeps every list
        assert reader.call("GET", path).status == 200
        assert reader.call("GET", path).status == 200
    targets = ["b", "c"]
    for round_ in range(10):
        targets = targets[::-1]
        fallback_type = "content_policy" if round_ % 2 else "general"
        written = writer.call(
            "POST", "/fallback", {"model": "a", "fallback_models": targets, "fallback_type": fallback_type}
        )
        assert written.status == 200, written.body
        version = written.headers["X-Config-Version"]
        for path in LISTS:
            answer = reader.call("GET", path)
            assert answer.status == 200
            assert answer.headers["ETag"] == f'"{version}"', path
        models = reader.call("GET", f"/v1/models?include_metadata=true&fallback_type={fallback_type}").json()
        assert {item["id"]: item["metadata"]["fallbacks"] for item in models["data"]}["a"] == targets
        chains = reader.call("GET", f"/fallback?fallback_type={fallback_type}").json()["data"]
        assert chains == [{"model": "a", "fallback_type": fallback_type, "fallback_models": targets}]
        assert f"- a:\n    - {targets[0]}\n    - {targets[1]}\n" in reader.call("GET", "/config").body.decode()


@pytest.mark.parametrize("path", LISTS)
def test_a_poller_of_the_other_server_gets_the_new_list_not_a_304(servers, path):
    writer, reader = servers
    for name in ("first", "second"):
        assert writer.call("POST", "/model_groups", {"name": name}).status == 201
    held = reader.call("GET", path)
    assert reader.call("GET", path, headers={"If-None-Match": held.headers["ETag"]}).status == 304
    assert writer.call("POST", "/model_groups", {"name": "third"}).status == 201  # writes that change every list
    for fallback_type in ("general", "content_policy"):
        chain = {"model": "first", "fallback_models": ["second"], "fallback_type": fallback_type}
        assert writer.call("POST", "/fallback", chain).status == 200
    changed = reader.call("GET", path, headers={"If-None-Match": held.headers["ETag"]})
    assert changed.status == 200
    assert changed.body != held.body
