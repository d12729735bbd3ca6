#!/usr/bin/env python
"""Django's command-line utility; reads the same `.env` as `make run` (project/env.py)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        _ = settings.SECRET_KEY  # reads the settings: a missing or weak production setting is said in one line
    except ImproperlyConfigured as problem:
        sys.exit(f"manage.py: {problem} (see the README's Settings; `make run` writes a development .env)")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
