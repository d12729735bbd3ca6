"""Issue 11: the API docs page's "Try it out" works for a logged-in admin, with their session and Django's CSRF
check, on the page's own requests only; keys keep working, and a cross-site write with the session is refused."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from fallbacks import selectors
from fallbacks.api.authentication import API_DOCS_HEADER
from fallbacks.domain import READ_WRITE_KEY_PERMISSIONS
from fallbacks.models import ChangeRecord, ModelGroup
from tests.factories import database_snapshot

FROM_DOCS = {"headers": {API_DOCS_HEADER: "1"}}
PASSWORD = "a-long-operator-password"


def logged_in(user: User) -> tuple[Client, str]:
    """A browser of `user` that opened the docs page: its session, and the CSRF token the page hands Swagger UI."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/docs").status_code == 200
    script = client.get("/api/docs?script")  # the page's script: Swagger UI, handed the CSRF token for its writes
    token = client.cookies["csrftoken"].value
    assert script.status_code == 200
    return client, token


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_superuser("operator", "operator@example.com", PASSWORD)


def post_group(client: Client, name: str, **headers) -> object:
    return client.post("/model_groups", {"name": name}, content_type="application/json", headers=headers)


def test_the_docs_pages_reads_use_the_session(operator, make_groups):
    make_groups("gpt-4o")
    client, _ = logged_in(operator)
    response = client.get("/v1/models", **FROM_DOCS)
    assert response.status_code == 200
    assert [model["id"] for model in response.json()["data"]] == ["gpt-4o"]


def test_the_session_alone_authenticates_nothing(operator):
    client, token = logged_in(operator)
    assert client.get("/v1/models").status_code == 401
    assert post_group(client, "gpt-4o", **{"X-CSRFToken": token}).status_code == 401
    assert not ModelGroup.objects.exists()


def test_the_docs_pages_writes_use_the_session_with_its_csrf_token(operator):
    client, token = logged_in(operator)
    response = post_group(client, "gpt-4o", **{API_DOCS_HEADER: "1", "X-CSRFToken": token})
    assert response.status_code == 201, response.content
    assert selectors.model_group_names() == ["gpt-4o"]
    assert ChangeRecord.objects.get(version=selectors.config_version()).actor == "operator"


@pytest.mark.parametrize(
    "headers",
    [
        {API_DOCS_HEADER: "1"},  # no token
        {API_DOCS_HEADER: "1", "X-CSRFToken": "x" * 32},  # a wrong one
        {API_DOCS_HEADER: "1", "Origin": "https://evil.example"},  # a cross-site page's post, no token
    ],
)
def test_a_write_without_the_pages_csrf_token_is_refused(operator, headers):
    client, _ = logged_in(operator)
    before = database_snapshot()
    response = post_group(client, "gpt-4o", **headers)
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert database_snapshot() == before


def test_a_cross_site_post_with_the_token_is_still_refused(operator):
    client, token = logged_in(operator)
    before = database_snapshot()
    headers = {API_DOCS_HEADER: "1", "X-CSRFToken": token, "Origin": "https://evil.example"}
    assert post_group(client, "gpt-4o", **headers).status_code == 403
    assert database_snapshot() == before


def test_a_staff_user_without_the_write_permissions_only_reads(db):
    viewer = User.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client, token = logged_in(viewer)
    assert client.get("/fallback", **FROM_DOCS).status_code == 200
    assert post_group(client, "gpt-4o", **{API_DOCS_HEADER: "1", "X-CSRFToken": token}).status_code == 403
    assert not ModelGroup.objects.exists()
    codenames = [permission.split(".")[1] for permission in READ_WRITE_KEY_PERMISSIONS]
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    viewer = User.objects.get(pk=viewer.pk)  # permissions are cached per user object
    client, token = logged_in(viewer)
    assert post_group(client, "gpt-4o", **{API_DOCS_HEADER: "1", "X-CSRFToken": token}).status_code == 201


def test_a_staff_user_who_may_not_see_the_configuration_in_the_admin_reads_nothing(db, make_groups):
    make_groups("gpt-4o")
    user = User.objects.create_user("keys-only", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_apikey", "view_modelgroup"]))
    client, _ = logged_in(user)
    assert client.get("/v1/models", **FROM_DOCS).status_code == 401  # the groups, but not the chains
    user.user_permissions.add(Permission.objects.get(codename="view_fallbackentry"))
    client, _ = logged_in(User.objects.get(pk=user.pk))  # permissions are cached per user object
    assert client.get("/v1/models", **FROM_DOCS).status_code == 200


def test_a_user_who_is_not_staff_gets_nothing(db):
    user = User.objects.create_user("someone", password=PASSWORD)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/v1/models", **FROM_DOCS).status_code == 401


def test_keys_keep_working_and_win_over_the_session(operator, read_only_api):
    client, token = logged_in(operator)
    read_only_key = read_only_api._credentials["HTTP_AUTHORIZATION"]
    response = post_group(
        client, "gpt-4o", **{API_DOCS_HEADER: "1", "X-CSRFToken": token, "Authorization": read_only_key}
    )
    assert response.status_code == 403  # the read-only key, not the operator's session
    assert read_only_api.get("/v1/models").status_code == 200
