"""``kenesh token create USERNAME`` prints a new API token once; list and revoke manage them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kenesh.accounts.models import ApiToken, TokenRevocation, User
from kenesh.accounts.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown only once).")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="A label to recognise the token by.")
        create.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Days the token works (default {settings.TOKEN_LIFETIME_DAYS}, "
            "KENESH_TOKEN_DAYS).",
        )
        listing = sub.add_parser("list", help="List a user's tokens (prefixes only).")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")
        revoke.add_argument("--user", help="The token's owner, if several share the prefix.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "revoke":
            self._revoke(options["prefix"], options.get("user"))
            return
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {options['username']!r}.") from exc
        if action == "create":
            if options["days"] is not None and options["days"] < 1:
                raise CommandError("--days must be 1 or more.")
            token, raw = token_create(
                actor=None, user=user, name=options["name"], days=options["days"]
            )
            # The token alone on standard output, so that scripts can capture it.
            self.stdout.write(raw)
            self.stderr.write(f"Expires {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}.")
            return
        now = timezone.now()
        for token in user.api_tokens.all():
            state = token.state_at(now)
            reason = f" ({token.revoked_reason})" if token.revoked_reason else ""
            created = timezone.localtime(token.created_at)
            expires = timezone.localtime(token.expires_at)
            last_used = (
                f"{timezone.localtime(token.last_used_at):%Y-%m-%d}" if token.last_used_at else "-"
            )
            self.stdout.write(
                f"{token.prefix}  {token.name}  created {created:%Y-%m-%d}"
                f"  expires {expires:%Y-%m-%d}  last used {last_used}  {state}{reason}"
            )

    def _revoke(self, prefix: str, username: str | None) -> None:
        tokens = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True)
        if username:
            tokens = tokens.filter(user__username=username)
        if tokens.count() != 1:
            raise CommandError(f"No single active token with prefix {prefix!r}.")
        token_revoke(actor=None, token=tokens.get(), reason=TokenRevocation.ADMINISTRATOR)
        self.stdout.write(f"Revoked {prefix}")
