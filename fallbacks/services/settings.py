"""Writes of the configuration's settings, and of the default `*` chains edited beside them."""

from collections.abc import Mapping

from fallbacks import selectors, validation
from fallbacks.domain import DEFAULT_CHAIN_SOURCE
from fallbacks.history import SETTINGS, Key, defaults_scope
from fallbacks.models import Via
from fallbacks.services.chains import save_chains
from fallbacks.services.recording import Action, ConfigWrite, check_writes_enabled, config_write

SETTINGS_WHAT = "settings"  # how a precondition failure names them


def max_fallbacks_set(*, actor: str, max_fallbacks: object, via: Via = Via.COMMAND, if_match: int | None = None) -> int:
    """Set how deep the gateway follows chains (LiteLLM's `max_fallbacks`); returns the config version.

    Setting the value it already has writes nothing.
    """
    return settings_update(
        actor=actor, max_fallbacks=validation.clean_max_fallbacks(max_fallbacks), via=via, if_match=if_match
    )


def litellm_version_set(*, actor: str, litellm_version: object, via: Via = Via.COMMAND) -> int:
    """Set the LiteLLM series the gateways run, which every resolving read follows; returns the config version.

    Setting the value it already has writes nothing.
    """
    return settings_update(actor=actor, litellm_version=validation.clean_litellm_version(litellm_version), via=via)


def settings_update(
    *,
    actor: str,
    max_fallbacks: object | None = None,
    litellm_version: object | None = None,
    via: Via = Via.COMMAND,
    if_match: int | None = None,
) -> int:
    """A `PATCH /fallback_settings`: set the settings given (None: leave as is), as one config version;
    returns the config version.

    With `if_match`, no setting may have changed since that version. Nothing given writes nothing and is
    not refused in read-only mode; anything given is refused there, as LiteLLM refuses every write without
    a database. Values it already has write nothing.
    """
    if max_fallbacks is None and litellm_version is None:
        return selectors.config_version()
    check_writes_enabled()
    with config_write(actor=actor, via=via, summary=Action.SETTINGS_UPDATE) as write:
        write.check_unchanged_since([Key.setting(name) for name in SETTINGS], if_match, what=SETTINGS_WHAT)
        write.subject = "settings"
        _set_settings(write, max_fallbacks=max_fallbacks, litellm_version=litellm_version)
    return write.version


def defaults_save(
    *,
    actor: str,
    max_fallbacks: object | None = None,
    litellm_version: object | None = None,
    chains: Mapping[str, list[str]] | None = None,
    via: Via = Via.ADMIN,
    unchanged_since: int | None = None,
) -> int:
    """One save of the defaults page: the settings given (None: leave as is) and the `*` chains (type -> targets,
    empty deletes), as one config version; returns the config version. Nothing changed, nothing written (and
    nothing refused in read-only mode). With `unchanged_since` (the version the page was opened at), the
    settings and the `*` chains must not have changed since, or PreconditionFailed says when they did."""
    with config_write(actor=actor, via=via, summary=Action.DEFAULTS_SAVE) as write:
        write.check_unchanged_since(defaults_scope(), unchanged_since, what="the defaults")
        write.subject = "defaults"
        _set_settings(write, max_fallbacks=max_fallbacks, litellm_version=litellm_version)
        save_chains(write, DEFAULT_CHAIN_SOURCE, chains or {})
        if write.parts:
            check_writes_enabled()
    return write.version


# Each setting a write may change: how its value is cleaned, and the action a change of it is recorded as.
SETTING_RULES = {
    "max_fallbacks": (validation.clean_max_fallbacks, Action.MAX_FALLBACKS_SET),
    "litellm_version": (validation.clean_litellm_version, Action.LITELLM_VERSION_SET),
}


def _set_settings(write: ConfigWrite, **values: object | None) -> None:
    """Within `write`, set each setting given (None: leave it); a value it already has changes nothing."""
    for name, given in values.items():
        if given is None:
            continue
        clean, action = SETTING_RULES[name]
        value, before = clean(given), getattr(write.config, name)
        if value == before:
            continue
        write.touch([Key.setting(name)])
        setattr(write.config, name, value)
        write.note(action, name, {name: value, "before": before}, f"set {name} from {before} to {value}")
