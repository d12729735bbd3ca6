"""The database refuses what validation refuses, even when a caller skips the services."""

import pytest
from django.db import IntegrityError, connection, transaction

from fallbacks.models import FallbackEntry, ModelGroup


@pytest.fixture
def abc(make_groups):
    return make_groups("a", "b", "c")


def create_checked(**fields) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The position constraint is deferred to commit there; check it now, as a commit would.
            connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        FallbackEntry.objects.create(**fields)


def refused(**fields):
    with pytest.raises(IntegrityError):
        create_checked(**fields)


def test_no_self_fallback(abc):
    a, _, _ = abc
    refused(source=a, fallback_type="general", position=0, target=a)


def test_unique_position_and_unique_target(abc):
    a, b, c = abc
    FallbackEntry.objects.create(source=a, fallback_type="general", position=0, target=b)
    refused(source=a, fallback_type="general", position=0, target=c)
    refused(source=a, fallback_type="general", position=1, target=b)
    FallbackEntry.objects.create(source=a, fallback_type="context_window", position=0, target=b)  # another type


def test_default_chain_constraints_hold_despite_null_source(abc):
    a, b, _ = abc
    FallbackEntry.objects.create(source=None, fallback_type="general", position=0, target=a)
    refused(source=None, fallback_type="general", position=0, target=b)
    refused(source=None, fallback_type="general", position=1, target=a)


def test_unknown_type_is_refused(abc):
    a, b, _ = abc
    refused(source=a, fallback_type="sometimes", position=0, target=b)


def test_star_and_empty_names_are_refused(db):
    for name in ("*", ""):
        with pytest.raises(IntegrityError), transaction.atomic():
            ModelGroup.objects.create(name=name)


def test_referenced_groups_are_protected(abc):
    from django.db.models import ProtectedError

    a, b, _ = abc
    FallbackEntry.objects.create(source=a, fallback_type="general", position=0, target=b)
    with pytest.raises(ProtectedError):
        b.delete()
