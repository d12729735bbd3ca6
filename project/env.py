"""Reading settings from the environment.

A git-ignored `.env` in the project folder (written by `make run` on its first run) is read
first; variables already set in the environment win over it. Without `.env` nothing has a
development default: settings that production needs must be set, or the app refuses to start.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
DOTENV_PATH = BASE_DIR / ".env"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def load_dotenv_file() -> None:
    """Read `.env` (development settings) under the environment's own variables.

    A `.env` left in a production checkout must not turn DEBUG on: when the environment itself configures
    the app (it sets SECRET_KEY) and leaves DEBUG unset, a DEBUG that only `.env` turns on refuses to start.
    """
    configured_by_environment = "SECRET_KEY" in os.environ and "DEBUG" not in os.environ
    path = os.environ.get("FALLBACKS_ENV_FILE", DOTENV_PATH)
    load_dotenv(path, override=False)
    if configured_by_environment and env_bool("DEBUG", False):
        raise ImproperlyConfigured(
            f"{path} turns DEBUG on, but the environment sets SECRET_KEY (a production deployment): remove that "
            "file, or set DEBUG in the environment itself"
        )


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_required(name: str, *, why: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: {why}")
    return value
