"""Fixtures of the API tests (the shared ones are in tests/conftest.py)."""

import pytest

from tests.factories import API_GROUPS


@pytest.fixture
def groups(make_groups):
    return make_groups(*API_GROUPS)
