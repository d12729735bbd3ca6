"""`GET /config` (PRODUCT.md 3.4): the export over HTTP, with the config version as ETag and 304 to pollers."""

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from fallbacks import errors, selectors


def exported(fmt: str = "yaml") -> str:
    out = StringIO()
    call_command("export_config", "--format", fmt, stdout=out)
    return out.getvalue()


class TestConfigFeed:
    @pytest.mark.parametrize("fmt", ["yaml", "json"])
    def test_is_exactly_what_export_config_writes(self, api, groups, set_chain, fmt):
        set_chain("gpt-4o", ["claude-3-haiku"])
        set_chain("*", ["gpt-4o"], "content_policy")
        response = api.get(f"/config?format={fmt}")
        assert response.status_code == 200
        assert response.content.decode() == exported(fmt)
        assert response["Content-Type"] == f"application/{fmt}; charset=utf-8"
        version = selectors.config_version()
        assert (response["ETag"], response["X-Config-Version"]) == (f'"{version}"', str(version))
        data = yaml.safe_load(response.content) if fmt == "yaml" else json.loads(response.content)
        assert data["router_settings"]["fallbacks"] == [{"gpt-4o": ["claude-3-haiku"]}]

    def test_yaml_is_the_default_and_litellm_version_changes_nothing(self, api, groups):
        plain = api.get("/config")
        assert plain["Content-Type"] == "application/yaml; charset=utf-8"
        assert api.get("/config?format=yaml&litellm_version=1.109").content == plain.content
        assert api.get("/config?litellm_version=9.9").status_code == 400

    def test_304_while_the_config_version_is_the_same(self, api, groups, set_chain):
        etag = api.get("/config")["ETag"]
        unchanged = api.get("/config?format=json", HTTP_IF_NONE_MATCH=etag)
        assert (unchanged.status_code, unchanged.content, unchanged["ETag"]) == (304, b"", etag)
        set_chain("gpt-4o", ["claude-3-haiku"])
        changed = api.get("/config", HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed["ETag"] != etag

    def test_a_304_costs_the_key_check_and_one_version_read(self, api, groups, django_assert_num_queries):
        etag = api.get("/config")["ETag"]
        with django_assert_num_queries(2):  # the address's failure count and the version
            assert api.get("/config", HTTP_IF_NONE_MATCH=etag).status_code == 304

    def test_read_only_keys_read_it_and_nobody_else(self, read_only_api, anonymous, groups):
        assert read_only_api.get("/config").status_code == 200
        assert anonymous.get("/config").status_code == 401

    def test_an_unknown_format_is_a_400_naming_the_formats(self, api, groups):
        response = api.get("/config?format=xml")
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": errors.INVALID_CONFIG_FORMAT.format(formats=["yaml", "json"])}}
