"""``kenesh import KIND FILE``: load a CSV or XLSX sheet of a registered import kind
(``kenesh import incidents FILE`` for the incident register)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kenesh.core.imports import (
    ImportKind,
    ImportOptions,
    import_job_create,
    import_kinds,
    job_record_result,
    run_import,
    uploader_unit_path,
    write_template,
)
from kenesh.core.models import ImportMapping

if TYPE_CHECKING:
    from kenesh.accounts.models import User

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX sheet of a registered kind (incidents, ...): all-or-nothing by "
        "default, every bad row reported with line, column and reason. Without --user the "
        "operator is trusted with every municipality; with --user the user's territory applies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(import_kinds()), help="what the sheet holds")
        parser.add_argument("file", nargs="?", help="the CSV or XLSX file to import")
        parser.add_argument(
            "--template",
            metavar="FILE",
            help="write an empty sheet with the default headers and one example row (.csv, .xlsx)",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="write the valid rows; the rejected ones go to the rejects file",
        )
        parser.add_argument(
            "--target",
            type=int,
            metavar="ID",
            help="the record a kind imports into (survey-responses: the survey's id)",
        )
        parser.add_argument(
            "--rejects", metavar="FILE", help="the rejects CSV (default: FILE.rejects.csv)"
        )
        parser.add_argument(
            "--report",
            metavar="FILE",
            help=(
                "write every error (line, column, reason) to this CSV; standard error lists "
                "the first ones"
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--mapping", metavar="NAME", help="a saved header mapping")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=HEADER",
            help="read COLUMN from the file's HEADER (repeatable; overrides --mapping)",
        )
        parser.add_argument(
            "--save-mapping", metavar="NAME", help="save the mapping given by --map as NAME"
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="import as this user, within their territory"
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the report",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["language"]
        kind = import_kinds()[options["kind"]]
        with translation.override(language):
            if options["template"]:
                self._template(kind, Path(options["template"]))
                return
            if not options["file"]:
                raise CommandError(_("Give the file to import, or --template FILE."))
            self._import(kind, Path(options["file"]), options, language)

    def _template(self, kind: ImportKind, path: Path) -> None:
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in {"csv", "xlsx"}:
            raise CommandError(_("The template must be a .csv or .xlsx file."))
        try:
            with path.open("wb") as stream:
                write_template(kind.spec(), fmt, stream)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        self.stdout.write(_("Template written to %s.") % path)

    def _mapping(
        self, kind: ImportKind, options: dict[str, Any], user: User | None
    ) -> dict[str, str]:
        mapping: dict[str, str] = {}
        if options["mapping"]:
            saved = ImportMapping.objects.filter(kind=kind.key, name=options["mapping"]).first()
            if saved is None:
                raise CommandError(_("No saved mapping is called %s.") % options["mapping"])
            mapping.update(saved.mapping)
        for item in options["map"]:
            column, sep, header = item.partition("=")
            if not sep or not column.strip() or not header.strip():
                raise CommandError(_("Write --map as COLUMN=HEADER."))
            mapping[column.strip()] = header.strip()
        if options["save_mapping"]:
            ImportMapping.objects.update_or_create(
                kind=kind.key,
                name=options["save_mapping"],
                defaults={"mapping": mapping, "created_by": user},
            )
        return mapping

    def _import(self, kind: ImportKind, path: Path, options: dict[str, Any], language: str) -> None:
        if not path.is_file():
            raise CommandError(_("No such file: %s") % path)
        rejects_path = Path(options["rejects"] or f"{path}.rejects.csv")
        if options["skip_invalid"] and not rejects_path.parent.is_dir():
            raise CommandError(_("No such folder for the rejected rows: %s") % rejects_path.parent)
        report_path = Path(options["report"]) if options["report"] else None
        if report_path is not None and not report_path.parent.is_dir():
            raise CommandError(_("No such folder for the report: %s") % report_path.parent)
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("No active user is called %s.") % options["user"])
        mapping = self._mapping(kind, options, user)
        spec_user: Any = user
        skip_invalid = options["skip_invalid"]
        job = import_job_create(
            actor=user,
            kind=kind.key,
            filename=path.name,
            content=b"",  # the file stays on the operator's disk; its digest identifies it
            skip_invalid=skip_invalid,
            dry_run=options["dry_run"],
            mapping=mapping,
            language=language,
            unit_path=uploader_unit_path(user, kind.resource) if user is not None else "",
            target=options["target"],
        )
        job.sha256 = _sha256(path)
        spec = kind.spec(user=spec_user, job=job)
        with path.open("rb") as stream:
            rejects = (
                rejects_path.open("w", encoding="utf-8-sig", newline="") if skip_invalid else None
            )
            report = (
                report_path.open("w", encoding="utf-8-sig", newline="") if report_path else None
            )
            try:
                result = run_import(
                    spec,
                    stream,
                    ImportOptions(
                        skip_invalid=skip_invalid,
                        dry_run=options["dry_run"],
                        mapping=mapping,
                        language=language,
                        progress=self._progress,
                        rejects=rejects,
                        report=report,
                    ),
                )
            finally:
                if rejects is not None:
                    rejects.close()
                if report is not None:
                    report.close()
        self.stderr.write("")
        job_record_result(job, result)
        for error in result.errors:
            where = _("line %(line)d") % {"line": error.line}
            if error.column:
                where += ", " + _("column %(column)s") % {"column": error.column}
            self.stderr.write(f"{where}: {error.reason}")
        if result.error_count > len(result.errors):
            more = result.error_count - len(result.errors)
            self.stderr.write(
                ngettext(
                    "… and %(count)d more error: every one is in %(report)s.",
                    "… and %(count)d more errors: every one is in %(report)s.",
                    more,
                )
                % {"count": more, "report": report_path}
                if report_path
                else ngettext(
                    "… and %(count)d more error: give --report FILE to have every one.",
                    "… and %(count)d more errors: give --report FILE to have every one.",
                    more,
                )
                % {"count": more}
            )
        if report_path is not None:
            if result.error_count:
                self.stdout.write(_("Every error written to %s.") % report_path)
            else:
                report_path.unlink(missing_ok=True)
        if skip_invalid and result.rejected:
            self.stdout.write(_("Rejected rows written to %s.") % rejects_path)
        elif rejects_path.exists() and skip_invalid and not result.rejected:
            rejects_path.unlink()
        message = job.message
        if result.errors and not skip_invalid:
            raise CommandError(message)
        self.stdout.write(message)

    def _progress(self, done: int, expected: int) -> None:
        filled = BAR_WIDTH * done // expected if expected else BAR_WIDTH
        percent = 100 * done // expected if expected else 100
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stderr.write(f"\r[{bar}] {percent:3d}% {done}/{expected}", ending="")
        self.stderr.flush()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
