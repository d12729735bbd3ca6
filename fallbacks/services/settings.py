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
    return settings_update(actor=actor, max_fallbacks=validation.clean_max_fallbacks(max_fallbacks))


def litellm_version_set(*, actor: str, litellm_version: object) -> int:
    """Set the LiteLLM series the gateways run, which every resolving read follows; returns the config version.

    Setting the value it already has writes nothing.
    """
    return settings_update(actor=actor, litellm_version=validation.clean_litellm_version(litellm_version))


def settings_update(*, actor: str, max_fallbacks: object | None = None, litellm_version: object | None = None) -> int:
    """A `PATCH /fallback_settings`: set the settings given (None: leave as is), as one config version;
    returns the config version.

    Nothing given writes nothing and is not refused in read-only mode; anything given is refused there,
    as LiteLLM refuses every write without a database. Values it already has write nothing.
    """
    if max_fallbacks is None and litellm_version is None:
        return selectors.config_version()
    check_writes_enabled()
    with config_write(actor=actor, summary=Action.SETTINGS_UPDATE) as write:
        write.subject = "settings"
        _set_settings(write, max_fallbacks=max_fallbacks, litellm_version=litellm_version)
    return write.version


def defaults_save(
    *,
    actor: str,
    max_fallbacks: object | None = None,
    litellm_version: object | None = None,
    chains: Mapping[str, list[str]] | None = None,
) -> int:
    """One save of the defaults page: the settings given (None: leave as is) and the `*` chains (type -> targets,
    empty deletes), as one config version; returns the config version. Nothing changed, nothing written (and
    nothing refused in read-only mode)."""
    with config_write(actor=actor, summary=Action.DEFAULTS_SAVE) as write:
        write.subject = "defaults"
        _set_settings(write, max_fallbacks=max_fallbacks, litellm_version=litellm_version)
        save_chains(write, DEFAULT_CHAIN_SOURCE, chains or {})
        if write.parts:
            check_writes_enabled()
    return write.version


def _set_settings(write: ConfigWrite, *, max_fallbacks: object | None, litellm_version: object | None) -> None:
    if max_fallbacks is not None:
        value = validation.clean_max_fallbacks(max_fallbacks)
        if value != write.config.max_fallbacks:
            write.config.max_fallbacks = value
            write.note(Action.MAX_FALLBACKS_SET, "max_fallbacks", {"max_fallbacks": value})
    if litellm_version is not None:
        series = validation.clean_litellm_version(litellm_version)
        if series != write.config.litellm_version:
            write.note(
                Action.LITELLM_VERSION_SET,
                "litellm_version",
                {"litellm_version": series, "before": write.config.litellm_version},
            )
            write.config.litellm_version = series
