"""`GET`/`PATCH /fallback_settings`: max_fallbacks, litellm_version, and the version of the configuration."""

import pytest

from fallbacks import errors
from fallbacks.models import ChangeRecord
from tests.factories import database_snapshot


def test_settings_show_the_default_before_any_write(api):
    assert api.get("/fallback_settings").json() == {
        "max_fallbacks": 5,
        "litellm_version": "1.110",
        "config_version": 0,
    }


def test_patch_settings_sets_max_fallbacks_and_bumps_the_version(api, read_write_api):
    response = read_write_api.patch("/fallback_settings", {"max_fallbacks": 2}, format="json")
    assert response.status_code == 200
    assert response.json() == {"max_fallbacks": 2, "litellm_version": "1.110", "config_version": 1}
    assert response.headers["X-Config-Version"] == "1"
    assert api.get("/fallback_settings").json() == {"max_fallbacks": 2, "litellm_version": "1.110", "config_version": 1}


def test_patch_settings_sets_the_litellm_version(api):
    response = api.patch("/fallback_settings", {"litellm_version": "1.109"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"max_fallbacks": 5, "litellm_version": "1.109", "config_version": 1}
    record = ChangeRecord.objects.get(version=1)
    assert (record.action, record.details) == ("litellm_version_set", {"litellm_version": "1.109", "before": "1.110"})
    # The same value again writes nothing.
    again = api.patch("/fallback_settings", {"litellm_version": "1.109"}, format="json")
    assert again.json()["config_version"] == 1


def test_both_settings_in_one_patch_are_one_version(api):
    response = api.patch("/fallback_settings", {"max_fallbacks": 3, "litellm_version": "1.109"}, format="json")
    assert response.json() == {"max_fallbacks": 3, "litellm_version": "1.109", "config_version": 1}
    record = ChangeRecord.objects.get()
    assert record.action == "settings_update"
    assert [part["action"] for part in record.details["parts"]] == ["max_fallbacks_set", "litellm_version_set"]


@pytest.mark.parametrize("value", ["1.111", "1.10", "1.110.2", 1.11, None, ""])
def test_an_unknown_litellm_version_is_a_400_naming_the_supported_ones(api, value):
    before = database_snapshot()
    response = api.patch("/fallback_settings", {"max_fallbacks": 2, "litellm_version": value}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": {"error": errors.INVALID_LITELLM_VERSION.format(versions=["1.110", "1.109"])}}
    assert response.json()["detail"]["error"] == "Invalid litellm_version. Must be one of: ['1.110', '1.109']"
    assert database_snapshot() == before


def test_read_only_keys_cannot_patch_settings(read_only_api):
    before = database_snapshot()
    response = read_only_api.patch("/fallback_settings", {"max_fallbacks": 2}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "auth_error"
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
