"""``kenesh token create USERNAME`` prints a new API token once; list and revoke manage them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kenesh.accounts.models import ApiToken, User
from kenesh.accounts.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown only once).")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="A label to recognise the token by.")
        listing = sub.add_parser("list", help="List a user's tokens (prefixes only).")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "revoke":
            tokens = ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True)
            if tokens.count() != 1:
                raise CommandError(f"No single active token with prefix {options['prefix']!r}.")
            token_revoke(actor=None, token=tokens.get())
            self.stdout.write(f"Revoked {options['prefix']}")
            return
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {options['username']!r}.") from exc
        if action == "create":
            _token, raw = token_create(actor=None, user=user, name=options["name"])
            self.stdout.write(raw)
        else:
            for token in user.api_tokens.all():
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(
                    f"{token.prefix}  {token.name}  {token.created_at:%Y-%m-%d}  {state}"
                )
