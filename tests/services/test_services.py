"""The services: what each guarantees, and that a refused call writes nothing at all."""

import re

import pytest
from django.db import IntegrityError, transaction

from fallbacks import errors, selectors, services
from fallbacks.errors import Conflict, DomainError, Invalid, NotFound
from fallbacks.models import ChangeRecord, Configuration, FallbackEntry
from fallbacks.selectors import chain_map, config_version
from tests.factories import ACTOR, database_snapshot


@pytest.fixture
def abc(make_groups):
    return make_groups("a", "b", "c")


def test_chain_set_writes_positions_in_order_and_reports_created(abc):
    first = services.chain_set(actor=ACTOR, source="a", fallback_type="general", targets=["c", "b"])
    assert first.created
    rows = list(FallbackEntry.objects.filter(source__name="a").values_list("position", "target__name"))
    assert rows == [(0, "c"), (1, "b")]
    second = services.chain_set(actor=ACTOR, source="a", fallback_type="general", targets=["b"])
    assert not second.created
    assert chain_map() == {("a", "general"): ["b"]}
    assert second.version == first.version + 1


def test_star_chain_is_stored_with_no_source(abc):
    services.chain_set(actor=ACTOR, source="*", fallback_type="context_window", targets=["a", "b"])
    assert FallbackEntry.objects.filter(source__isnull=True, fallback_type="context_window").count() == 2
    assert chain_map() == {("*", "context_window"): ["a", "b"]}


@pytest.mark.parametrize(
    ("source", "targets", "kind", "message"),
    [
        ("zzz", ["a"], NotFound, "Model 'zzz' not found in router"),
        ("a", ["b", "nope"], Invalid, "Invalid fallback models: ['nope']"),
        ("a", ["b", "a"], Invalid, "Model 'a' cannot be its own fallback"),
        ("a", ["b", "b"], Invalid, errors.DUPLICATE_TARGETS),
        ("a", [], Invalid, errors.EMPTY_CHAIN),
    ],
)
def test_refused_chain_leaves_everything_as_it_was(abc, set_chain, source, targets, kind, message):
    set_chain("a", ["c"])
    before = database_snapshot()
    with pytest.raises(DomainError) as refused:
        services.chain_set(actor=ACTOR, source=source, fallback_type="general", targets=targets)
    assert type(refused.value) is kind
    assert refused.value.message == message
    assert database_snapshot() == before


def test_read_only_mode_refuses_every_write(abc, set_chain, settings):
    set_chain("a", ["b"])
    settings.STORE_MODEL_IN_DB = False
    before = database_snapshot()
    attempts = [
        lambda: services.chain_set(actor=ACTOR, source="b", fallback_type="general", targets=["c"]),
        lambda: services.chain_delete(actor=ACTOR, source="a", fallback_type="general"),
        lambda: services.group_create(actor=ACTOR, name="d"),
        lambda: services.group_update(actor=ACTOR, group=abc[2], changes={"owned_by": "x"}),
        lambda: services.group_delete(actor=ACTOR, group=abc[2]),
        lambda: services.max_fallbacks_set(actor=ACTOR, max_fallbacks=3),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError, match="Database storage not enabled"):
            attempt()
    assert database_snapshot() == before


def test_each_write_bumps_the_version_once_and_records_it(abc):
    start = config_version()
    services.chain_set(actor="alice", source="a", fallback_type="general", targets=["b"])
    services.chain_delete(actor="bob", source="a", fallback_type="general")
    services.max_fallbacks_set(actor="carol", max_fallbacks=2)
    assert config_version() == start + 3
    records = list(
        ChangeRecord.objects.filter(version__gt=start).order_by("version").values_list("version", "actor", "action")
    )
    assert records == [
        (start + 1, "alice", "chain_create"),
        (start + 2, "bob", "chain_delete"),
        (start + 3, "carol", "max_fallbacks_set"),
    ]
    assert Configuration.objects.get().max_fallbacks == 2


def test_chain_delete_without_a_chain_is_404_and_writes_nothing(abc):
    before = database_snapshot()
    with pytest.raises(DomainError) as refused:
        services.chain_delete(actor=ACTOR, source="a", fallback_type="general")
    assert type(refused.value) is NotFound
    assert refused.value.message == "No general fallbacks configured for model 'a'"
    assert database_snapshot() == before


def test_group_create_trims_and_refuses_duplicates_and_star(db):
    group = services.group_create(actor=ACTOR, name="  gpt-4o ", owned_by="openai").group
    assert group.name == "gpt-4o"
    before = database_snapshot()
    for name, kind in [("gpt-4o", Conflict), ("*", Invalid), ("", Invalid), ("x" * 256, Invalid), ("a\x00b", Invalid)]:
        with pytest.raises(DomainError) as refused:
            services.group_create(actor=ACTOR, name=name)
        assert type(refused.value) is kind, name
    assert database_snapshot() == before


def test_group_delete_refuses_while_named_by_a_chain(abc, set_chain):
    set_chain("a", ["b"])
    before = database_snapshot()
    for group in abc[:2]:
        with pytest.raises(DomainError) as refused:
            services.group_delete(actor=ACTOR, group=group)
        assert type(refused.value) is Conflict
        assert refused.value.extra == {"chains": ["a (general)"]}
    assert database_snapshot() == before
    services.group_delete(actor=ACTOR, group=abc[2])
    assert not FallbackEntry.objects.filter(target__name="c").exists()


@pytest.mark.parametrize("value", [-1, 101, "3", 2.5, None, True])
def test_max_fallbacks_must_be_a_small_integer(db, value):
    before = database_snapshot()
    with pytest.raises(DomainError):
        services.max_fallbacks_set(actor=ACTOR, max_fallbacks=value)
    assert database_snapshot() == before


@pytest.mark.parametrize("value", ["1.111", "1.110.2", "", None, 1.11, "1.110 "])
def test_litellm_version_must_be_a_supported_series(db, value):
    before = database_snapshot()
    with pytest.raises(Invalid, match=re.escape("Must be one of: ['1.110', '1.109']")):
        services.litellm_version_set(actor=ACTOR, litellm_version=value)
    assert database_snapshot() == before


def test_litellm_version_set_writes_once_and_only_a_change(db):
    assert selectors.configuration().litellm_version == "1.110"
    version = services.litellm_version_set(actor=ACTOR, litellm_version="1.109")
    assert selectors.configuration().litellm_version == "1.109"
    assert services.litellm_version_set(actor=ACTOR, litellm_version="1.109") == version
    assert ChangeRecord.objects.filter(action="litellm_version_set").count() == 1


def test_the_database_refuses_an_unknown_litellm_version(db):
    services.max_fallbacks_set(actor=ACTOR, max_fallbacks=4)  # the configuration row exists
    with pytest.raises(IntegrityError), transaction.atomic():
        Configuration.objects.update(litellm_version="1.111")


@pytest.mark.parametrize("value", [0, -3, 2**31, True, "100"])
def test_services_refuse_a_bad_max_input_tokens_whatever_the_door(make_groups, value):
    (group,) = make_groups("a")
    before = database_snapshot()
    with pytest.raises(DomainError, match="max_input_tokens must be null or an integer"):
        services.group_create(actor=ACTOR, name="b", max_input_tokens=value)
    with pytest.raises(DomainError, match="max_input_tokens must be null or an integer"):
        services.group_update(actor=ACTOR, group=group, changes={"max_input_tokens": value})
    assert database_snapshot() == before


@pytest.mark.parametrize("value", ["", "   ", "open\x01ai", "o" * 256, 5])
def test_services_refuse_a_bad_owned_by_whatever_the_door(make_groups, value):
    (group,) = make_groups("a")
    before = database_snapshot()
    with pytest.raises(DomainError, match="owned_by must be"):
        services.group_create(actor=ACTOR, name="b", owned_by=value)
    with pytest.raises(DomainError, match="owned_by must be"):
        services.group_update(actor=ACTOR, group=group, changes={"owned_by": value})
    assert database_snapshot() == before


def test_owned_by_is_trimmed_and_defaults_to_openai(db):
    assert services.group_create(actor=ACTOR, name="a").group.owned_by == "openai"
    assert services.group_create(actor=ACTOR, name="b", owned_by=" anthropic ").group.owned_by == "anthropic"
