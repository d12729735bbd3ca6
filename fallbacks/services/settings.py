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

    With `if_match`, no setting may have changed since that version. Setting the value it already
    has writes nothing.
    """
    check_writes_enabled()
    with config_write(actor=actor, via=via) as write:
        write.check_unchanged_since([Key.setting(name) for name in SETTINGS], if_match, what=SETTINGS_WHAT)
        _set_max_fallbacks(write, max_fallbacks)
    return write.version


def settings_update(
    *, actor: str, max_fallbacks: object | None = None, via: Via = Via.COMMAND, if_match: int | None = None
) -> int:
    """A `PATCH /fallback_settings`: set the settings given (None: leave as is); returns the config version.

    Nothing given writes nothing and is not refused in read-only mode.
    """
    if max_fallbacks is None:
        return selectors.config_version()
    return max_fallbacks_set(actor=actor, max_fallbacks=max_fallbacks, via=via, if_match=if_match)


def defaults_save(
    *,
    actor: str,
    max_fallbacks: object | None = None,
    chains: Mapping[str, list[str]] | None = None,
    via: Via = Via.ADMIN,
    unchanged_since: int | None = None,
) -> int:
    """One save of the defaults page: `max_fallbacks` (when given) and the `*` chains (type -> targets, empty
    deletes), as one config version; returns the config version. Nothing changed, nothing written (and
    nothing refused in read-only mode). With `unchanged_since` (the version the page was opened at), the
    settings and the `*` chains must not have changed since, or PreconditionFailed says when they did."""
    with config_write(actor=actor, via=via, summary=Action.DEFAULTS_SAVE) as write:
        write.check_unchanged_since(defaults_scope(), unchanged_since, what="the defaults")
        write.subject = "defaults"
        if max_fallbacks is not None:
            _set_max_fallbacks(write, max_fallbacks)
        save_chains(write, DEFAULT_CHAIN_SOURCE, chains or {})
        if write.parts:
            check_writes_enabled()
    return write.version


def _set_max_fallbacks(write: ConfigWrite, value: object) -> None:
    value = validation.clean_max_fallbacks(value)
    if value == write.config.max_fallbacks:
        return
    write.touch([Key.setting("max_fallbacks")])
    before = write.config.max_fallbacks
    write.config.max_fallbacks = value
    write.note(
        Action.MAX_FALLBACKS_SET,
        "max_fallbacks",
        {"max_fallbacks": value},
        f"set max_fallbacks from {before} to {value}",
    )
