"""manage.py create_token NAME [--scope read|write|editor] [--user USERNAME]: print a new API token once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients import services
from clients.models import TokenScope


class Command(BaseCommand):
    help = "Create an API token for a client and print it (only its hash is stored; it is shown this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="who or what uses the token")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--user", help="the username the token's editorial decisions are credited to")

    def handle(self, *args, name: str, scope: str, user: str | None, **options) -> None:
        if not name.strip():
            raise CommandError("NAME must not be empty")
        owner = None
        if user:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"no user named {user!r}")
        new = services.create_token(name.strip()[:200], scope, owner)
        self.stderr.write(f"Token {new.token.prefix}… ({scope}) for {new.token.name!r}; it is not shown again:")
        self.stdout.write(new.plaintext)
