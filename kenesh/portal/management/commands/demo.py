"""``kenesh demo``: migrate, load the demo programme, print the accounts and serve."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kenesh.portal.demo import DEMO_PASSWORD, DemoRefused, demo_load


class Command(BaseCommand):
    help = "Migrate the database, load the demo programme (idempotent) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Load, but do not serve.")
        parser.add_argument("--port", default="8000", help="Port to serve on (default 8000).")
        parser.add_argument("--addr", default="127.0.0.1", help="Address to serve on.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        try:
            summary = demo_load()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo programme loaded: {summary.municipalities} municipalities, "
                f"{summary.organisations} organisations, {summary.working_groups} working "
                f"groups, {summary.members} members"
                + "".join(f", {line}" for line in summary.modules)
                + "."
            )
        )
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for username, role, unit in summary.users:
            self.stdout.write(f"  {username:<20} {role} — {unit}")
        if options["no_serve"]:
            return
        address = f"{options['addr']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"Serving Kenesh on http://{address}/ (Ctrl+C stops)"))
        call_command("runserver", address, use_reloader=False)
