"""The admin's pages to import and export LiteLLM proxy configs: preview, apply, download, and who may.

The commands: tests/commands/test_import_export.py; the service under both: tests/services/test_config_import.py.
"""

import json
from datetime import timedelta
from io import BytesIO

import pytest
import yaml
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fallbacks import config_format as cf
from fallbacks import services
from fallbacks.admin.views import config as admin_config
from fallbacks.models import ChangeRecord, ImportPreview, ModelGroup
from tests.factories import ACTOR, DEEP_FILES, FIXTURE, database_snapshot, dump, export


def upload(client, text: str | bytes, *, mode: str = "merge", name: str = "config.yaml"):
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("admin:fallbacks_config_import"),
        {"action": "preview", "mode": mode, "config_file": SimpleUploadedFile(name, content)},
    )


def apply(client, preview_response):
    return client.post(
        reverse("admin:fallbacks_config_import"), {"action": "apply", "digest": preview_response.context["digest"]}
    )


def staff_with(*codenames: str) -> User:
    user = User.objects.create_user("-".join(codenames), password="operator-password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="fallbacks", codename__in=codenames))
    return user


def test_the_admin_previews_then_applies_a_file(existing, admin_client):
    before = database_snapshot()

    preview = upload(admin_client, FIXTURE.read_text())

    assert preview.status_code == 200
    assert database_snapshot() == before
    html = preview.content.decode()
    assert "Preview of config.yaml (merge): 20 created, 3 changed, 0 removed" in html
    assert "created model group &#x27;openrouter/gpt-4&#x27; (1 deployment)" in html
    assert "litellm_settings.drop_params" in html

    applied = apply(admin_client, preview)

    assert applied.status_code == 302
    assert ModelGroup.objects.filter(name="openrouter/gpt-4").exists()
    assert ChangeRecord.objects.filter(action="config_import").count() == 1
    page = admin_client.get(applied.url)
    assert "Imported config.yaml (merge): 20 created, 3 changed, 0 removed; config version 7." in page.content.decode()


def test_the_admin_lists_every_problem_and_changes_nothing(existing, admin_client):
    document = yaml.safe_load(FIXTURE.read_text())
    document["model_list"][0]["litellm_params"]["api_key"] = "sk-plain"
    document["router_settings"]["fallbacks"][3] = {"llama3:70b": ["gpt-5"]}
    before = database_snapshot()

    response = upload(admin_client, dump(document))

    assert response.status_code == 400
    assert response.context["problems"] == [
        "model_list[0].litellm_params.api_key: plain-text secret, use os.environ/NAME",
        "router_settings.fallbacks[3]: unknown model 'gpt-5'",
    ]
    assert "router_settings.fallbacks[3]: unknown model &#x27;gpt-5&#x27;" in response.content.decode()
    assert admin_config.PENDING_IMPORT not in admin_client.session
    assert database_snapshot() == before


@pytest.mark.parametrize("kind", DEEP_FILES)
def test_the_admin_refuses_a_file_nested_too_deeply(existing, admin_client, kind):
    text, where = DEEP_FILES[kind]
    before = database_snapshot()

    response = upload(admin_client, text)

    assert response.status_code == 400
    assert response.context["problems"] == ["file: " + cf.DOCUMENT_TOO_DEEP.format(where=where)]
    assert database_snapshot() == before
    assert previews() == []


def test_the_admin_refuses_a_file_too_large(existing, admin_client):
    response = upload(admin_client, b"model_list: []\n" + b"#" * cf.MAX_DOCUMENT_BYTES)

    assert response.status_code == 400
    assert response.context["form"].errors["config_file"] == ["The file is larger than 10 MB."]
    assert "Files up to 10 MB." in response.content.decode()
    assert previews() == []


def previews() -> list[ImportPreview]:
    return list(ImportPreview.objects.order_by("pk"))


def test_the_previewed_file_waits_in_the_database_not_in_the_session(existing, admin_client):
    text = FIXTURE.read_text().replace("\n", "\r\n")  # kept byte for byte
    preview = upload(admin_client, text)

    [kept] = previews()
    assert bytes(kept.document) == text.encode()
    assert kept.user.username == "admin"
    pending = admin_client.session[admin_config.PENDING_IMPORT]
    assert text not in json.dumps(pending)  # the session holds what applying needs, not the file
    assert pending["digest"] == preview.context["digest"]
    assert pending["token"] == kept.token

    second = upload(admin_client, FIXTURE.read_text(), mode="replace")  # a new preview replaces the earlier one
    assert [row.token for row in previews()] != [kept.token]
    assert len(previews()) == 1
    assert apply(admin_client, second).status_code == 302
    assert previews() == []
    assert admin_config.PENDING_IMPORT not in admin_client.session
    assert ModelGroup.objects.filter(name="openrouter/gpt-4").exists()


def test_a_preview_whose_file_is_gone_is_not_applied(existing, admin_client):
    preview = upload(admin_client, FIXTURE.read_text())
    ImportPreview.objects.all().delete()  # cleaned up after a day
    before = database_snapshot()

    response = apply(admin_client, preview)

    assert response.status_code == 302
    assert admin_config.NOTHING_PENDING in [
        str(message) for message in admin_client.get(response.url).context["messages"]
    ]
    assert database_snapshot() == before


def test_previews_nobody_applied_are_deleted_after_a_day(existing, admin_client, client):
    preview = upload(admin_client, FIXTURE.read_text())
    [old] = previews()
    a_day_ago = timezone.now() - admin_config.PENDING_LIFETIME - timedelta(seconds=60)
    ImportPreview.objects.filter(pk=old.pk).update(created_at=a_day_ago)
    before = database_snapshot()
    assert apply(admin_client, preview).status_code == 302  # too old to apply, even before it is deleted
    assert database_snapshot() == before
    client.force_login(User.objects.create_user("other", is_staff=True, is_superuser=True))

    upload(client, FIXTURE.read_text())

    assert old.token not in [row.token for row in previews()]
    assert len(previews()) == 1


def test_only_the_user_who_previewed_applies_the_file(existing, admin_client, client):
    """A token copied into another user's session names nothing there."""
    preview = upload(admin_client, FIXTURE.read_text())
    client.force_login(User.objects.create_user("other", is_staff=True, is_superuser=True))
    session = client.session
    session[admin_config.PENDING_IMPORT] = admin_client.session[admin_config.PENDING_IMPORT]
    session.save()
    before = database_snapshot()

    assert apply(client, preview).status_code == 302

    assert database_snapshot() == before
    assert len(previews()) == 1


def test_the_admin_does_not_apply_a_preview_the_configuration_has_moved_on_from(existing, admin_client):
    preview = upload(admin_client, FIXTURE.read_text(), mode="replace")
    services.group_create(actor=ACTOR, name="meanwhile")
    before = database_snapshot()

    response = apply(admin_client, preview)

    assert response.status_code == 200
    assert response.context["notice"] == admin_config.MOVED_ON
    assert "removed model group &#x27;meanwhile&#x27;" in response.content.decode()
    assert database_snapshot() == before
    assert apply(admin_client, response).status_code == 302  # the new preview applies
    assert not ModelGroup.objects.filter(name="meanwhile").exists()


def test_the_admin_applies_only_the_previewed_file(existing, admin_client):
    upload(admin_client, FIXTURE.read_text())
    before = database_snapshot()

    response = admin_client.post(
        reverse("admin:fallbacks_config_import"), {"action": "apply", "digest": "not-the-preview"}
    )

    assert response.status_code == 302
    assert database_snapshot() == before


def test_the_admin_export_downloads_the_same_file_as_the_command(existing, admin_client):
    yaml_response = admin_client.get(reverse("admin:fallbacks_config_export"))
    json_response = admin_client.get(reverse("admin:fallbacks_config_export"), {"format": "json"})

    assert yaml_response.status_code == 200
    assert yaml_response["Content-Disposition"] == 'attachment; filename="litellm_config.yaml"'
    assert yaml_response["X-Config-Version"] == "6"
    assert yaml_response.content.decode() == export()
    assert json_response["Content-Type"] == "application/json; charset=utf-8"
    assert json_response.content.decode() == export("json")
    assert admin_client.get(reverse("admin:fallbacks_config_export"), {"format": "toml"}).status_code == 400


def test_the_admin_pages_need_the_model_permissions(existing, client):
    viewer = staff_with("view_modelgroup", "view_fallbackentry")
    client.force_login(viewer)
    before = database_snapshot()

    assert client.get(reverse("admin:fallbacks_config_export")).status_code == 200
    assert client.get(reverse("admin:fallbacks_config_import")).status_code == 403
    assert upload(client, FIXTURE.read_text()).status_code == 403

    merger = staff_with("add_modelgroup", "change_modelgroup", "add_fallbackentry", "change_fallbackentry")
    viewer.delete()
    client.force_login(merger)
    assert client.get(reverse("admin:fallbacks_config_import")).status_code == 200
    assert upload(client, FIXTURE.read_text(), mode="replace").status_code == 403  # replace deletes: needs delete
    assert upload(client, FIXTURE.read_text(), mode="merge").status_code == 200
    assert database_snapshot() == before


def test_the_admin_pages_need_a_staff_login(existing, client):
    for url in (reverse("admin:fallbacks_config_import"), reverse("admin:fallbacks_config_export")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_the_upload_form_reports_a_missing_file(admin_client):
    response = admin_client.post(reverse("admin:fallbacks_config_import"), {"action": "preview", "mode": "merge"})

    assert response.status_code == 400
    assert response.context["form"].errors["config_file"]


def test_the_admin_reports_a_file_that_is_not_utf8(admin_client):
    response = upload(admin_client, BytesIO(b"\xff\xfe").getvalue())

    assert response.context["problems"] == ["file: " + cf.NOT_UTF8]
