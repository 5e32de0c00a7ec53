"""``kenesh load-geography FILE.csv``: load the national classifier of territorial units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kenesh.geo.services import geography_load_file


class Command(BaseCommand):
    help = (
        "Load administrative units from a SOATE CSV (code,name_ru,kind,parent_code and "
        "optional name_ky,name_en). All or nothing: any bad row and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate only.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            report = geography_load_file(path=path, dry_run=options["dry_run"])
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text: {exc}") from exc
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} bad row(s); nothing was written.")
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{report.created} units {verb} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
