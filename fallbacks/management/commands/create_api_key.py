from django.core.management.base import BaseCommand, CommandError

from fallbacks import services
from fallbacks.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API key. Its secret is printed once and stored only as a hash."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A name to recognise the key by, e.g. the script or team using it.")
        access = parser.add_mutually_exclusive_group()
        access.add_argument("--read-only", dest="can_write", action="store_false", help="Reads only (the default).")
        access.add_argument("--read-write", dest="can_write", action="store_true", help="Reads and writes.")
        parser.set_defaults(can_write=False)

    def handle(self, *args, name, can_write, **options):
        try:
            key, secret = services.api_key_create(actor="manage.py create_api_key", name=name, can_write=can_write)
        except DomainError as error:
            raise CommandError(error.message) from None
        access = "read-write" if key.can_write else "read-only"
        self.stderr.write(f"Issued {access} key '{key.name}'. Copy the secret now: it is not shown again.")
        self.stdout.write(secret)
