"""``kenesh demo``: migrate, load the demo programme, print the accounts and serve it as
production does (``kenesh serve``)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kenesh.portal.demo import DEMO_PASSWORD, DemoRefused, demo_load
from kenesh.portal.national import INCIDENTS_PER_YEAR, NationalSummary, national_load

#: Incidents a year of each scale beyond the demo's ten pilots (docs/deployment.md, "Sizing").
SCALES = {"national": INCIDENTS_PER_YEAR, "national-10x": 10 * INCIDENTS_PER_YEAR}


class Command(BaseCommand):
    help = "Migrate the database, load the demo programme (idempotent) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Load, but do not serve.")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument("--addr", default="127.0.0.1", help="Address to serve on.")
        parser.add_argument(
            "--scale",
            choices=["demo", *SCALES],
            default="demo",
            help="demo: the ten pilot municipalities (default); national: every municipality "
            "of the national classifier with ten years of incidents, about 30,000 a year "
            "(PostgreSQL advised); national-10x: ten times that.",
        )
        parser.add_argument(
            "--incidents-per-year",
            type=int,
            help="With a national scale: incidents a year over the whole country.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if options["scale"] != "demo" or options["incidents_per_year"]:
            self._national(options["incidents_per_year"] or SCALES.get(options["scale"], 0))
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
        call_command("serve", addr=options["addr"], port=options["port"])

    def _national(self, incidents_per_year: int) -> None:
        if incidents_per_year < 1:
            raise CommandError("--incidents-per-year must be 1 or more.")
        try:
            found: NationalSummary = national_load(
                incidents_per_year=incidents_per_year,
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"National data set loaded in {found.seconds:.0f} s: {found.municipalities} "
                f"municipalities, {found.working_groups} working groups, {found.users} "
                f"accounts, {found.incidents_total} incidents ({found.incidents_created} new) "
                f"from {found.years[0]} to {found.years[1]}."
            )
        )
        self.stdout.write(
            self.style.WARNING(
                "Populations, centroids and outlines of the municipalities beyond the demo's "
                f"pilots ({found.synthesised} of them) are synthesised: the national classifier "
                "carries neither population nor location. The incidents are synthetic too."
            )
        )
        for username, role, unit in found.user_examples:
            self.stdout.write(f"  {username:<30} {role} — {unit} (and others alike)")
