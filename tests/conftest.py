"""Shared fixtures: API clients with each kind of key, and quick ways to make data through the services.

Plain helpers (snapshots, page readers, bulk data) are in tests/factories.py.
"""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from fallbacks import services

# The shared helpers assert too (form_data, ...): pytest rewrites their asserts as it does the tests'.
pytest.register_assert_rewrite("tests.factories")

from tests.factories import ACTOR  # noqa: E402


@pytest.fixture
def api(db) -> APIClient:
    """A client holding the master key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {settings.MASTER_KEY}")
    return client


@pytest.fixture
def anonymous(db) -> APIClient:
    return APIClient()


@pytest.fixture
def read_only_api(db) -> APIClient:
    _, secret = services.api_key_create(actor=ACTOR, name="reader", can_write=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def read_write_api(db) -> APIClient:
    _, secret = services.api_key_create(actor=ACTOR, name="writer", can_write=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def make_groups(db):
    """`make_groups("a", "b")` creates model groups through the service and returns them."""

    def make(*names: str, **fields):
        return [services.group_create(actor=ACTOR, name=name, **fields).group for name in names]

    return make


@pytest.fixture
def set_chain(db):
    """`set_chain("a", ["b", "c"], "general")` writes a chain through the service."""

    def write(source: str, targets: list[str], fallback_type: str = "general"):
        return services.chain_set(actor=ACTOR, source=source, fallback_type=fallback_type, targets=targets)

    return write
