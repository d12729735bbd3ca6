"""`GET`/`PATCH /fallback_settings`: max_fallbacks, and the version of the configuration."""

import pytest

from tests.factories import database_snapshot


def test_settings_show_the_default_before_any_write(api):
    assert api.get("/fallback_settings").json() == {"max_fallbacks": 5, "config_version": 0}


def test_patch_settings_sets_max_fallbacks_and_bumps_the_version(api, read_write_api):
    response = read_write_api.patch("/fallback_settings", {"max_fallbacks": 2}, format="json")
    assert response.status_code == 200
    assert response.json() == {"max_fallbacks": 2, "config_version": 1}
    assert response.headers["X-Config-Version"] == "1"
    assert api.get("/fallback_settings").json() == {"max_fallbacks": 2, "config_version": 1}


def test_read_only_keys_cannot_patch_settings(read_only_api):
    before = database_snapshot()
    response = read_only_api.patch("/fallback_settings", {"max_fallbacks": 2}, format="json")
    assert response.status_code == 403
    assert "error" in response.json()["detail"]
    assert database_snapshot() == before


@pytest.mark.parametrize(
    "body",
    [{"max_fallbacks": -1}, {"max_fallbacks": 101}, {"max_fallbacks": "3"}, {"max_fallbacks": True}, {"depth": 3}, [3]],
)
def test_bad_settings_are_a_400_and_change_nothing(api, body):
    before = database_snapshot()
    response = api.patch("/fallback_settings", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]["error"]
    assert database_snapshot() == before


def test_settings_need_a_key(anonymous):
    assert anonymous.get("/fallback_settings").status_code == 401
