import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "In DEBUG only: make sure the development admin user of `.env` exists, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--if-debug", action="store_true", help="Do nothing (and succeed) when DEBUG is off.")

    def handle(self, *args, if_debug: bool, **options):
        if not settings.DEBUG:
            if if_debug:
                return
            raise CommandError("ensure_dev_admin runs only with DEBUG on; use createsuperuser for a real admin")
        username = os.environ.get("DEV_ADMIN_USERNAME", "admin")
        password = os.environ.get("DEV_ADMIN_PASSWORD")
        if not password:
            raise CommandError("DEV_ADMIN_PASSWORD is not set in .env")
        user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": ""})
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            f"Development admin: user '{username}', password '{password}' at http://127.0.0.1:{port}/admin/"
        )
