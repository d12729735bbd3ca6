"""The history's plain data: what one thing was before and after a write, and how changes add up. Pure: no ORM.

The configuration is seen as things keyed by name: chains `(source, type)`, model groups (their
fields with their deployments) and settings. A change is one thing's value before and after; a
value of None means the thing does not exist. Replaying every change forward from nothing rebuilds
the configuration; the value a thing had right after version N is the `before` of its first change
after N (or its current value when nothing changed it since).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fallbacks.config_format import ConfigData, DeploymentData, GroupData
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES

CHAIN = "chain"
MODEL_GROUP = "model_group"
SETTING = "setting"
KINDS = (MODEL_GROUP, CHAIN, SETTING)  # the order changes are listed in: groups, then chains, then settings
SETTINGS = ("max_fallbacks", "litellm_version")  # the configuration's settings the history follows


@dataclass(frozen=True, order=True)
class Key:
    """What a change is about: a chain (`name` its source, with its type), a model group or a setting."""

    kind: str
    name: str
    fallback_type: str = ""

    @classmethod
    def chain(cls, source: str, fallback_type: str) -> "Key":
        return cls(CHAIN, source, fallback_type)

    @classmethod
    def group(cls, name: str) -> "Key":
        return cls(MODEL_GROUP, name)

    @classmethod
    def setting(cls, name: str) -> "Key":
        return cls(SETTING, name)

    def describe(self) -> str:
        """How messages name it: `chain gpt-4o (general)`, `model group gpt-4o`, `setting max_fallbacks`."""
        if self.kind == CHAIN:
            return f"chain {self.name} ({self.fallback_type})"
        return f"{self.kind.replace('_', ' ')} {self.name}"


def group_scope(name: str) -> list[Key]:
    """What a model group's page edits: the group (with its deployments) and its chains of every type."""
    return [Key.group(name), *(Key.chain(name, kind) for kind in FALLBACK_TYPES.values())]


def defaults_scope() -> list[Key]:
    """What the defaults page edits: the settings and the `*` chains of every type."""
    return [
        *(Key.setting(name) for name in SETTINGS),
        *(Key.chain(DEFAULT_CHAIN_SOURCE, kind) for kind in FALLBACK_TYPES.values()),
    ]


def display_order(key: Key) -> tuple:
    """Groups by name, then chains (`*` first, by source, by type), then settings."""
    type_order = FALLBACK_TYPES.order(key.fallback_type) if key.kind == CHAIN and key.fallback_type else 0
    return (KINDS.index(key.kind), key.kind == CHAIN and key.name != DEFAULT_CHAIN_SOURCE, key.name, type_order)


@dataclass(frozen=True)
class Change:
    key: Key
    before: object
    after: object

    def as_dict(self) -> dict:
        """The contract's shape (PRODUCT.md 3.3)."""
        if self.key.kind == CHAIN:
            return {
                "kind": CHAIN,
                "model": self.key.name,
                "fallback_type": self.key.fallback_type,
                "before": self.before,
                "after": self.after,
            }
        return {"kind": self.key.kind, "name": self.key.name, "before": self.before, "after": self.after}


def changes_between(before: Mapping[Key, object], after: Mapping[Key, object]) -> list[Change]:
    """The things whose value differs between two states (each a mapping of some keys to values), in display order."""
    keys = sorted(before.keys() | after.keys(), key=display_order)
    return [Change(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


def net_changes(changes: Iterable[Change]) -> list[Change]:
    """Changes in version order, added up: each thing from its first `before` to its last `after`.

    Things that end as they began are left out."""
    first_before: dict[Key, object] = {}
    last_after: dict[Key, object] = {}
    for change in changes:
        first_before.setdefault(change.key, change.before)
        last_after[change.key] = change.after
    return [
        Change(key, first_before[key], last_after[key])
        for key in sorted(first_before, key=display_order)
        if first_before[key] != last_after[key]
    ]


def reversed_changes(changes: Iterable[Change]) -> list[Change]:
    return [Change(change.key, change.after, change.before) for change in changes]


# The configuration as values by key ------------------------------------------------------------------


def group_value(group: GroupData) -> dict:
    """A model group as the history keeps it: its fields and its deployments, in order."""
    return {
        "name": group.name,
        "owned_by": group.owned_by,
        "description": group.description,
        "max_input_tokens": group.max_input_tokens,
        "created": group.created,
        "deployments": [
            {"litellm_params": deployment.litellm_params, "model_info": deployment.model_info}
            for deployment in group.deployments
        ],
    }


def group_data(value: Mapping) -> GroupData:
    return GroupData(
        name=value["name"],
        owned_by=value["owned_by"],
        description=value["description"],
        max_input_tokens=value["max_input_tokens"],
        created=value.get("created"),
        deployments=[DeploymentData(item["litellm_params"], item["model_info"]) for item in value["deployments"]],
    )


def config_values(data: ConfigData) -> dict[Key, object]:
    """Every thing of a configuration with its value."""
    values: dict[Key, object] = {Key.group(name): group_value(group) for name, group in data.groups.items()}
    values.update({Key.chain(source, kind): list(targets) for (source, kind), targets in data.chains.items()})
    values[Key.setting("max_fallbacks")] = data.max_fallbacks
    return values


def with_values(data: ConfigData, values: Mapping[Key, object]) -> ConfigData:
    """`data` with the given things set to the given values (None: removed)."""
    groups, chains, max_fallbacks = dict(data.groups), dict(data.chains), data.max_fallbacks
    for key, value in values.items():
        if key.kind == MODEL_GROUP:
            if value is None:
                groups.pop(key.name, None)
            else:
                groups[key.name] = group_data(value)
        elif key.kind == CHAIN:
            if value is None:
                chains.pop((key.name, key.fallback_type), None)
            else:
                chains[(key.name, key.fallback_type)] = list(value)
        elif key.name == "max_fallbacks" and value is not None:
            max_fallbacks = value
    return ConfigData(groups=groups, chains=chains, max_fallbacks=max_fallbacks)


def values_before(changes_after: Iterable[Change]) -> dict[Key, object]:
    """What each thing changed after a version was right after it: the `before` of its first later change."""
    values: dict[Key, object] = {}
    for change in changes_after:
        values.setdefault(change.key, change.before)
    return values
