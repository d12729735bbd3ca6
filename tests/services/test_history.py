"""Every write is one version whose changes are exactly the difference it made (PRODUCT.md 3.3).

Random sequences of writes through every service (API-like writes, admin saves, imports, rollbacks):
after each, the version's recorded changes equal the difference between the configuration before and
after; replaying every change forward from nothing rebuilds the configuration; and rolling back to any
version N rebuilds the configuration as it was right after N (then rolling forward again restores it).
"""

import random

import pytest

from fallbacks import history, selectors, services
from fallbacks.domain import FALLBACK_TYPES
from fallbacks.errors import Conflict, DomainError, Invalid, NotFound, PreconditionFailed
from fallbacks.history import Change, Key
from fallbacks.models import ChangeRecord, ConfigChange, ModelGroup, SecurityEvent
from tests.factories import ACTOR, database_snapshot

NAMES = ["a", "b", "c", "d", "openai/e", "f:1"]


def config_now() -> dict[Key, object]:
    """The whole configuration as the history sees it: the file format's data, and the LiteLLM series."""
    return {
        **history.config_values(selectors.config_data()),
        **selectors.current_values([Key.setting("litellm_version")]),
    }


def recorded_changes(version: int) -> list[Change]:
    return [
        Change(Key(row.kind, row.name, row.fallback_type), row.before, row.after)
        for row in ConfigChange.objects.filter(version=version).order_by("position")
    ]


def replay(changes: list[Change]) -> dict[Key, object]:
    state: dict[Key, object] = {Key.setting("max_fallbacks"): 5, Key.setting("litellm_version"): "1.110"}
    for change in changes:
        assert state.get(change.key) == change.before, change  # each change starts where the last one left it
        if change.after is None:
            state.pop(change.key, None)
        else:
            state[change.key] = change.after
    return state


def random_write(rng: random.Random, snapshots: dict[int, dict]) -> None:
    """One write of a random kind through a service; refusals (a taken name, a group in use) are part of the game."""
    groups = list(ModelGroup.objects.values_list("name", flat=True))
    kind = rng.choice(list(FALLBACK_TYPES.values()))
    pick = rng.choice(
        ["create", "create", "chain", "chain", "chain", "delete_chain", "rename", "update", "delete_group",
         "deployments", "max_fallbacks", "litellm_version", "group_save", "defaults_save", "import", "rollback",
         "rollback_chain"]
    )  # fmt: skip
    if pick == "create" or not groups:
        services.group_create(actor=ACTOR, name=rng.choice(NAMES) + rng.choice(["", "-x"]))
    elif pick == "chain":
        source = rng.choice([*groups, "*"])
        targets = rng.sample([name for name in groups if name != source], k=min(len(groups) - 1, rng.randint(1, 3)))
        services.chain_set(actor=ACTOR, source=source, fallback_type=kind, targets=targets or [source])
    elif pick == "delete_chain":
        services.chain_delete(actor=ACTOR, source=rng.choice([*groups, "*"]), fallback_type=kind)
    elif pick == "rename":
        group = ModelGroup.objects.get(name=rng.choice(groups))
        services.group_update(actor=ACTOR, group=group, changes={"name": rng.choice(NAMES) + "-renamed"})
    elif pick == "update":
        group = ModelGroup.objects.get(name=rng.choice(groups))
        services.group_update(
            actor=ACTOR, group=group, changes={"owned_by": rng.choice(["openai", "anthropic"]), "description": "d"}
        )
    elif pick == "delete_group":
        services.group_delete(actor=ACTOR, group=ModelGroup.objects.get(name=rng.choice(groups)))
    elif pick == "deployments":
        group = ModelGroup.objects.get(name=rng.choice(groups))
        deployments = [{"litellm_params": {"model": f"openai/{group.name}", "rpm": rng.randint(1, 9)}}]
        services.deployments_set(actor=ACTOR, group=group, deployments=deployments * rng.randint(0, 2))
    elif pick == "max_fallbacks":
        services.max_fallbacks_set(actor=ACTOR, max_fallbacks=rng.randint(0, 6))
    elif pick == "litellm_version":
        services.litellm_version_set(actor=ACTOR, litellm_version=rng.choice(["1.109", "1.110"]))
    elif pick == "group_save":
        group = ModelGroup.objects.get(name=rng.choice(groups))
        others = [name for name in groups if name != group.name]
        services.group_save(
            actor=ACTOR,
            group=group,
            fields={"max_input_tokens": rng.choice([None, 8000])},
            deployments=[{"litellm_params": {"model": "openai/x"}}],
            chains={kind: rng.sample(others, k=min(1, len(others)))},
        )
    elif pick == "defaults_save":
        services.defaults_save(actor=ACTOR, max_fallbacks=rng.randint(1, 5), chains={kind: rng.sample(groups, k=1)})
    elif pick == "import":
        name = rng.choice(NAMES) + "-imported"
        document = (
            f"model_list:\n- model_name: {name}\n  litellm_params: {{model: openai/{name}}}\n"
            f"router_settings:\n  max_fallbacks: {rng.randint(1, 4)}\n"
            f"  {FALLBACK_TYPES[kind].config_key}:\n  - {name}: [{rng.choice(groups)}]\n"
        )
        services.config_import(actor=ACTOR, document=document, mode=rng.choice(["merge", "merge", "replace"]))
    elif pick == "rollback":
        services.config_rollback(actor=ACTOR, to_version=rng.choice(list(snapshots)))
    else:
        services.config_rollback(
            actor=ACTOR, to_version=rng.choice(list(snapshots)), model=rng.choice([*groups, "*"]), fallback_type=kind
        )


@pytest.mark.parametrize("seed", range(8))
def test_versions_record_exactly_what_changed_and_rebuild_any_state(db, seed):
    rng = random.Random(seed)
    snapshots = {0: config_now()}
    for _ in range(45):
        before_version, before = selectors.config_version(), config_now()
        try:
            random_write(rng, snapshots)
        except DomainError:
            assert selectors.config_version() == before_version  # a refused write leaves no version behind
            assert config_now() == before
            continue
        version, after = selectors.config_version(), config_now()
        if version == before_version:  # nothing to do (a no-op rollback, an unchanged setting)
            assert after == before
            continue
        assert version == before_version + 1
        assert recorded_changes(version) == history.changes_between(before, after)
        snapshots[version] = after

    everything = [change for version in sorted(snapshots)[1:] for change in recorded_changes(version)]
    assert replay(everything) == {key: value for key, value in config_now().items() if value is not None}

    final_version, final = selectors.config_version(), config_now()
    for target in rng.sample(sorted(snapshots), k=min(4, len(snapshots))):
        services.config_rollback(actor=ACTOR, to_version=target)
        assert config_now() == snapshots[target], target
        services.config_rollback(actor=ACTOR, to_version=final_version)
        assert config_now() == final


def test_a_rollback_to_the_current_state_writes_nothing(db, make_groups, set_chain):
    make_groups("a", "b")
    written = set_chain("a", ["b"])
    before = database_snapshot()

    result = services.config_rollback(actor=ACTOR, to_version=written.version)

    assert (result.version, result.changes) == (written.version, [])
    assert database_snapshot() == before


def test_a_dry_run_shows_the_changes_and_writes_nothing(db, make_groups, set_chain):
    make_groups("a", "b", "c")
    first = set_chain("a", ["b"])
    set_chain("a", ["c", "b"])
    before = database_snapshot()

    result = services.config_rollback(actor=ACTOR, to_version=first.version, dry_run=True)

    assert result.dry_run
    assert [change.as_dict() for change in result.changes] == [
        {"kind": "chain", "model": "a", "fallback_type": "general", "before": ["c", "b"], "after": ["b"]}
    ]
    assert database_snapshot() == before


def test_a_chain_rollback_naming_a_deleted_group_is_a_conflict_naming_it(db, make_groups, set_chain):
    make_groups("a", "b", "c")
    old = set_chain("a", ["b", "c"])
    set_chain("a", ["c"])
    services.group_delete(actor=ACTOR, group=ModelGroup.objects.get(name="b"))
    before = database_snapshot()

    with pytest.raises(Conflict) as refused:
        services.config_rollback(actor=ACTOR, to_version=old.version, model="a", fallback_type="general")

    assert refused.value.extra == {"missing_models": ["b"]}
    assert "b" in refused.value.message
    assert database_snapshot() == before
    # The whole configuration's rollback brings the group back, with the chain.
    services.config_rollback(actor=ACTOR, to_version=old.version)
    assert selectors.chain_map(model="a") == {("a", "general"): ["b", "c"]}


def test_a_chain_rollback_changes_only_that_chain(db, make_groups, set_chain):
    make_groups("a", "b", "c")
    old = set_chain("a", ["b"])
    set_chain("a", ["c"])
    set_chain("b", ["c"])

    result = services.config_rollback(actor=ACTOR, to_version=old.version, model="a", fallback_type="general")

    assert selectors.chain_map() == {("a", "general"): ["b"], ("b", "general"): ["c"]}
    record = ChangeRecord.objects.get(version=result.version)
    assert (record.via, record.action, record.summary) == (
        "rollback",
        "rollback",
        f"rolled back chain a (general) to version {old.version}",
    )
    assert [change.key for change in result.changes] == [Key.chain("a", "general")]


def test_rollback_refuses_unknown_versions_and_half_a_chain(db, make_groups):
    make_groups("a")
    with pytest.raises(NotFound):
        services.config_rollback(actor=ACTOR, to_version=99)
    with pytest.raises(Invalid):
        services.config_rollback(actor=ACTOR, to_version=1, model="a")


def test_one_change_is_stored_for_a_one_chain_write_whatever_the_size(db, make_groups, set_chain):
    make_groups(*[f"g{number}" for number in range(50)])
    written = set_chain("g1", ["g2"])

    assert ConfigChange.objects.filter(version=written.version).count() == 1


def test_a_rename_records_the_group_and_every_chain_naming_it_under_the_new_name(db, make_groups, set_chain):
    make_groups("a", "b")
    set_chain("a", ["b"])
    set_chain("b", ["a"], "context_window")

    written = services.group_update(actor=ACTOR, group=ModelGroup.objects.get(name="a"), changes={"name": "z"})

    assert {change.key for change in recorded_changes(written.version)} == {
        Key.group("a"),
        Key.group("z"),
        Key.chain("a", "general"),
        Key.chain("z", "general"),
        Key.chain("b", "context_window"),
    }


def test_if_match_refuses_a_write_to_something_changed_since(db, make_groups, set_chain):
    make_groups("a", "b", "c")
    first = set_chain("a", ["b"])
    set_chain("a", ["c"])
    before = database_snapshot()

    with pytest.raises(PreconditionFailed) as refused:
        services.chain_set(actor=ACTOR, source="a", fallback_type="general", targets=["b"], if_match=first.version)

    assert refused.value.message == f"Precondition failed: chain a (general) changed at version {first.version + 1}"
    assert refused.value.extra == {"current_version": first.version + 1}
    assert database_snapshot() == before


def test_api_key_events_are_security_events_not_versions(db):
    version = selectors.config_version()
    key, _ = services.api_key_create(actor=ACTOR, name="bot", can_write=True)
    services.api_key_set_active(actor=ACTOR, key=key, is_active=False)

    assert selectors.config_version() == version
    assert not ChangeRecord.objects.exists()
    assert list(SecurityEvent.objects.order_by("id").values_list("action", "subject")) == [
        ("api_key_create", "bot"),
        ("api_key_revoke", "bot"),
    ]
