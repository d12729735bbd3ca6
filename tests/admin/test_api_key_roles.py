"""Finding 4: a staff user holding only `add_apikey` minted a read-write key, and with it changed every chain and
set max_fallbacks to 0. PRODUCT.md 4: issuing a read-write key needs the change permissions it grants."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from fallbacks import selectors, services
from fallbacks.admin.permissions import READ_WRITE_KEY_PERMISSIONS
from fallbacks.models import ApiKey
from tests.factories import form_data

ADD_URL = reverse("admin:fallbacks_apikey_add")


def staff_with(client, *codenames: str) -> User:
    user = User.objects.create_user("issuer", password="a-long-password-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_a_user_who_may_only_issue_keys_issues_read_only_ones(client, anonymous):
    staff_with(client, "add_apikey", "view_apikey")
    page = client.get(ADD_URL).content.decode()
    assert 'name="can_write"' not in page  # the role is shown, not offered

    response = client.post(ADD_URL, {"name": "escalation", "can_write": "on"})  # a hand-made post

    assert response.status_code == 200
    key = ApiKey.objects.get(name="escalation")
    assert not key.can_write
    html = response.content.decode()
    start = html.index('id="api-key-secret"')
    secret = html[html.index(">", start) + 1 : html.index("</code>", start)]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert anonymous.patch("/fallback_settings", {"max_fallbacks": 0}, format="json").status_code == 403
    assert selectors.fallback_settings()["max_fallbacks"] == 5


@pytest.mark.django_db
def test_a_user_holding_the_permissions_a_key_grants_issues_read_write_keys(client):
    codenames = [permission.split(".")[1] for permission in READ_WRITE_KEY_PERMISSIONS]
    staff_with(client, "add_apikey", *codenames)
    assert 'name="can_write"' in client.get(ADD_URL).content.decode()

    assert client.post(ADD_URL, {"name": "deployer", "can_write": "on"}).status_code == 200

    assert ApiKey.objects.get(name="deployer").can_write


@pytest.mark.django_db
def test_a_revoked_read_write_key_is_restored_only_by_a_user_who_could_issue_it(client):
    key, _ = services.api_key_create(actor="tests", name="old-deployer", can_write=True)
    key = services.api_key_set_active(actor="tests", key=key, is_active=False)
    staff_with(client, "change_apikey", "view_apikey")
    url = reverse("admin:fallbacks_apikey_change", args=[key.pk])
    page = client.get(url)
    assert 'name="is_active"' not in page.content.decode()

    data = form_data(page, "apikey_form")
    client.post(url, {**data, "is_active": "on"})  # a hand-made post

    assert not ApiKey.objects.get(pk=key.pk).is_active
