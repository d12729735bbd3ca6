"""Write the git-ignored `.env` of development defaults, once: `make run` calls this.

Standard library only, since it runs before anything is installed. An existing `.env` is
left as it is, so a developer's own changes survive.
"""

import secrets
import sys
from pathlib import Path

path = Path(__file__).resolve().parent.parent / ".env"
if path.exists():
    sys.exit(0)
path.write_text(
    "# Development settings written by `make run`; not for production. Variables set in the\n"
    "# environment win over these. Delete this file to get new ones.\n"
    "DEBUG=True\n"
    f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    "FALLBACKS_MASTER_KEY=sk-1234\n"
    "DEV_ADMIN_USERNAME=admin\n"
    f"DEV_ADMIN_PASSWORD={secrets.token_urlsafe(12)}\n"
)
path.chmod(0o600)
print(f"Wrote development settings to {path}")
