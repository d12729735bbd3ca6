"""What an import changes, as plain data, so that a dry run never needs to write. No ORM here.

`desired_config()` is the configuration after importing a parsed file in either mode;
`diff_configs()` lists what turns one configuration into another, in a stable order.
"""

from dataclasses import dataclass, field

from fallbacks.config_format.data import (
    GROUP_FIELDS_IN_MODEL_INFO,
    MAX_FALLBACKS_KEY,
    ConfigData,
    GroupData,
    ImportMode,
    ParsedConfig,
)
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, DEFAULT_MAX_FALLBACKS, FALLBACK_TYPES, describe_chain


def desired_config(parsed: ParsedConfig, current: ConfigData, *, mode: ImportMode) -> ConfigData:
    """The configuration after importing `parsed` into `current` (merge: the file wins where it speaks)."""
    merge = mode == ImportMode.MERGE
    groups = dict(current.groups) if merge else {}
    for name, spec in parsed.groups.items():
        before = current.groups.get(name) if merge else None
        existing = current.groups.get(name)
        groups[name] = GroupData(
            created=existing.created if existing else None,  # set once, whatever the mode
            name=name,
            owned_by=spec.fields.get("owned_by", before.owned_by if before else spec.inferred_owned_by),
            description=spec.fields.get("description", before.description if before else ""),
            max_input_tokens=spec.fields.get("max_input_tokens", before.max_input_tokens if before else None),
            deployments=list(spec.deployments),
        )
    chains = dict(current.chains) if merge else {}
    chains.update({key: list(chain.targets) for key, chain in parsed.chains.items()})
    if parsed.max_fallbacks is not None:
        max_fallbacks = parsed.max_fallbacks
    else:
        max_fallbacks = current.max_fallbacks if merge else DEFAULT_MAX_FALLBACKS
    return ConfigData(groups=groups, chains=chains, max_fallbacks=max_fallbacks)


@dataclass(frozen=True)
class Change:
    """One line of an import report: `created model group 'gpt-4o' (2 deployments)`."""

    action: str  # created, changed, removed
    kind: str  # model group, chain, setting
    name: str
    detail: str = ""

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.action} {self.kind} {self.name}{detail}"


@dataclass
class ConfigDiff:
    groups_created: list[str] = field(default_factory=list)
    groups_changed: list[str] = field(default_factory=list)  # fields or deployments differ
    groups_removed: list[str] = field(default_factory=list)
    deployments_replaced: list[str] = field(default_factory=list)  # existing groups whose deployments differ
    chains_created: list[tuple[str, str]] = field(default_factory=list)
    chains_changed: list[tuple[str, str]] = field(default_factory=list)
    chains_removed: list[tuple[str, str]] = field(default_factory=list)
    max_fallbacks: tuple[int, int] | None = None  # (before, after) when it changes
    changes: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def by_action(self, action: str) -> list[Change]:
        return [change for change in self.changes if change.action == action]


def _deployment_count(count: int) -> str:
    return f"{count} deployment{'' if count == 1 else 's'}" if count else "no deployments"


def _chain_order(key: tuple[str, str]) -> tuple:
    source, fallback_type = key
    return (source != DEFAULT_CHAIN_SOURCE, source, FALLBACK_TYPES.order(fallback_type))


def _chain_name(key: tuple[str, str]) -> str:
    return describe_chain(*key)


def diff_configs(current: ConfigData, desired: ConfigData) -> ConfigDiff:
    """What turns `current` into `desired`, in a stable order (groups by name, `*` chains first)."""
    diff = ConfigDiff()
    for name in sorted(desired.groups.keys() | current.groups.keys()):
        before, after = current.groups.get(name), desired.groups.get(name)
        if before is None:
            diff.groups_created.append(name)
            diff.changes.append(Change("created", "model group", repr(name), _deployment_count(len(after.deployments))))
        elif after is None:
            diff.groups_removed.append(name)
            diff.changes.append(Change("removed", "model group", repr(name)))
        else:
            details = [
                f"{field_name}: {getattr(before, field_name)!r} -> {getattr(after, field_name)!r}"
                for field_name in GROUP_FIELDS_IN_MODEL_INFO
                if getattr(before, field_name) != getattr(after, field_name)
            ]
            if before.deployments != after.deployments:
                diff.deployments_replaced.append(name)
                details.append(
                    f"deployments: {_deployment_count(len(before.deployments))} -> "
                    f"{_deployment_count(len(after.deployments))}"
                )
            if details:
                diff.groups_changed.append(name)
                diff.changes.append(Change("changed", "model group", repr(name), "; ".join(details)))
    for key in sorted(desired.chains.keys() | current.chains.keys(), key=_chain_order):
        before, after = current.chains.get(key), desired.chains.get(key)
        if before is None:
            diff.chains_created.append(key)
            diff.changes.append(Change("created", "chain", _chain_name(key), ", ".join(after)))
        elif after is None:
            diff.chains_removed.append(key)
            diff.changes.append(Change("removed", "chain", _chain_name(key), ", ".join(before)))
        elif before != after:
            diff.chains_changed.append(key)
            diff.changes.append(
                Change("changed", "chain", _chain_name(key), f"{', '.join(before)} -> {', '.join(after)}")
            )
    if current.max_fallbacks != desired.max_fallbacks:
        diff.max_fallbacks = (current.max_fallbacks, desired.max_fallbacks)
        diff.changes.append(
            Change("changed", "setting", MAX_FALLBACKS_KEY, f"{current.max_fallbacks} -> {desired.max_fallbacks}")
        )
    return diff
