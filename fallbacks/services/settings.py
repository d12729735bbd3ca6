"""Writes of the configuration's settings, and of the default `*` chains edited beside them."""

from collections.abc import Mapping

from fallbacks import selectors, validation
from fallbacks.domain import DEFAULT_CHAIN_SOURCE
from fallbacks.services.chains import save_chains
from fallbacks.services.recording import Action, ConfigWrite, check_writes_enabled, config_write


def max_fallbacks_set(*, actor: str, max_fallbacks: object) -> int:
    """Set how deep the gateway follows chains (LiteLLM's `max_fallbacks`); returns the config version.

    Setting the value it already has writes nothing.
    """
    check_writes_enabled()
    with config_write(actor=actor) as write:
        _set_max_fallbacks(write, max_fallbacks)
    return write.version


def settings_update(*, actor: str, max_fallbacks: object | None = None) -> int:
    """A `PATCH /fallback_settings`: set the settings given (None: leave as is); returns the config version.

    Nothing given, or nothing different, writes nothing and is not refused in read-only mode.
    """
    if max_fallbacks is None:
        return selectors.config_version()
    return max_fallbacks_set(actor=actor, max_fallbacks=max_fallbacks)


def defaults_save(
    *, actor: str, max_fallbacks: object | None = None, chains: Mapping[str, list[str]] | None = None
) -> int:
    """One save of the defaults page: `max_fallbacks` (when given) and the `*` chains (type -> targets, empty
    deletes), as one config version; returns the config version. Nothing changed, nothing written (and
    nothing refused in read-only mode)."""
    with config_write(actor=actor, summary=Action.DEFAULTS_SAVE) as write:
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
    write.config.max_fallbacks = value
    write.note(Action.MAX_FALLBACKS_SET, "max_fallbacks", {"max_fallbacks": value})
