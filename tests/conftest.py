"""Shared fixtures: API clients with each kind of key, quick ways to make data through the services,
and the data several layers' tests start from (`group`, `existing`).

Plain helpers (snapshots, page readers, bulk data, ...) are in tests/factories.py; fixtures that only
one folder uses are in its own conftest.py (tests/api/conftest.py, tests/browser/, tests/conformance/).
"""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from fallbacks import services
from fallbacks.models import ModelGroup

# The shared helpers assert too (form_data, ...): pytest rewrites their asserts as it does the tests'.
pytest.register_assert_rewrite("tests.factories")

from tests.factories import ACTOR, forget_kept  # noqa: E402


@pytest.fixture(autouse=True)
def _forget_kept():
    """What each process keeps per configuration stamp (the listings, the cycles of the group pages) is keyed by the
    config version and when it was written, which a test's rollback brings back."""
    forget_kept()
    yield
    forget_kept()


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


@pytest.fixture
def group(make_groups) -> ModelGroup:
    """gpt-4o, with a max_input_tokens of 128000: the model group of the deployment rules' tests."""
    (gpt,) = make_groups("gpt-4o", max_input_tokens=128000)
    return gpt


@pytest.fixture
def existing(db, make_groups, set_chain):
    """A configuration made through the API's services: groups with no deployments, chains, a setting."""
    make_groups("keep-me", "gpt-4o", owned_by="azure")
    make_groups("lonely", description="only through the API", max_input_tokens=4096)
    set_chain("keep-me", ["gpt-4o"])
    set_chain("*", ["keep-me"], "context_window")
    services.max_fallbacks_set(actor=ACTOR, max_fallbacks=4)
