"""Creates a first staff user when there is none, and prints its password once."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser named ADMIN_USERNAME (or --username) with a random password "
        "if no superuser exists."
    )

    def add_arguments(self, parser):
        # Not `admin` in production: a name that must also be guessed (.env.example).
        parser.add_argument("--username", default=None, help="Default: the ADMIN_USERNAME setting.")

    def handle(self, *args, username: str | None, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        username = username or settings.ADMIN_USERNAME
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                "\nCreated the first admin user (shown only this once):\n"
                f"    username: {username}\n    password: {password}\n"
            )
        )
