"""Keys and roles (PRODUCT.md section 4): 401 and 403 as JSON in LiteLLM's error shape (3.1), keys stored only as
hashes."""

import pytest
from rest_framework.test import APIClient

from fallbacks import errors
from fallbacks.models import ApiKey, ChangeRecord


def litellm_error(message: str, code: str) -> dict:
    """LiteLLM's ProxyException body, which OpenAI SDKs read."""
    return {"error": {"message": message, "type": "auth_error", "param": "None", "code": code}}


PROTECTED = [
    ("get", "/fallback"),
    ("get", "/fallback/a"),
    ("post", "/fallback"),
    ("delete", "/fallback/a"),
    ("get", "/v1/models"),
    ("get", "/models"),
    ("get", "/v1/models/a"),
    ("get", "/model_groups"),
    ("post", "/model_groups"),
    ("get", "/model_groups/a"),
    ("patch", "/model_groups/a"),
    ("delete", "/model_groups/a"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_missing_key_is_401_json(anonymous, method, path):
    response = getattr(anonymous, method)(path, {}, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == litellm_error(errors.AUTH_NO_KEY, "401")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer wrong", errors.AUTH_INVALID_KEY),
        ("Bearer ", errors.AUTH_MALFORMED_KEY),
        ("Basic abc", errors.AUTH_MALFORMED_KEY),
        ("sk-test-master-key", errors.AUTH_MALFORMED_KEY),
        ("Bearer sk-1234", errors.AUTH_INVALID_KEY),
    ],
)
def test_wrong_key_is_401(db, header, message):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/v1/models")
    assert response.status_code == 401
    assert response.json() == litellm_error(message, "401")
    assert response.json()["error"]["message"]


def test_master_key_is_accepted(db, settings):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {settings.MASTER_KEY}")
    assert client.get("/v1/models").status_code == 200


def test_litellm_header_is_accepted(db, settings):
    client = APIClient()
    client.credentials(HTTP_X_LITELLM_API_KEY=f"Bearer {settings.MASTER_KEY}")
    assert client.get("/v1/models").status_code == 200


def test_read_only_key_reads_but_cannot_write(read_only_api, make_groups):
    make_groups("a", "b")
    assert read_only_api.get("/v1/models").status_code == 200
    assert read_only_api.get("/fallback").status_code == 200
    for method, path, body in [
        ("post", "/fallback", {"model": "a", "fallback_models": ["b"]}),
        ("delete", "/fallback/a", {}),
        ("post", "/model_groups", {"name": "c"}),
        ("patch", "/model_groups/a", {"owned_by": "x"}),
        ("delete", "/model_groups/b", {}),
    ]:
        response = getattr(read_only_api, method)(path, body, format="json")
        assert response.status_code == 403, (method, path)
        assert response.json() == litellm_error("This API key is read-only", "403")
    assert not ChangeRecord.objects.filter(action__startswith="chain").exists()


def test_read_write_key_writes_and_is_named_in_the_record(read_write_api, make_groups):
    make_groups("a", "b")
    response = read_write_api.post("/fallback", {"model": "a", "fallback_models": ["b"]}, format="json")
    assert response.status_code == 200
    assert ChangeRecord.objects.get(action="chain_create").actor == "writer"  # PRODUCT.md 3.3: the key's name


def test_inactive_key_is_refused(db):
    from fallbacks import services

    key, secret = services.api_key_create(actor="t", name="old", can_write=True)
    ApiKey.objects.filter(pk=key.pk).update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/v1/models").status_code == 401
