"""``kenesh export KIND FMT --out FILE``: any module's export, written to a file and audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kenesh.core.exports import (
    ExportFormat,
    ExportTooLarge,
    export_kinds,
    export_to_file,
    unknown_format_message,
)
from kenesh.core.scope import allowed_anywhere


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CommandError(
                _("Give each filter as NAME=VALUE, not “%(pair)s”.") % {"pair": pair}
            )
        if name in params:
            raise CommandError(_("The filter “%(name)s” is given twice.") % {"name": name})
        params[name] = value
    return params


class Command(BaseCommand):
    help = (
        "Export the records of a module (kinds come from the module registry) as CSV, XLSX, "
        "HXL-tagged CSV or GeoJSON; filters as NAME=VALUE, the same as the API's. Without "
        "--user the operator is trusted with every municipality and every restricted column; "
        "with --user the user's territory and masking apply. Every export is audited."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Filters may follow the options (``--out FILE unit=… from=…``), which plain
        # parse_args does not allow for a positional list once the first positionals are read.
        parser.parse_args = parser.parse_intermixed_args  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = export_kinds()
        parser.add_argument("kind", help="what to export: " + ", ".join(sorted(kinds)))
        parser.add_argument(
            "format", help="file format: " + ", ".join(fmt.value for fmt in ExportFormat)
        )
        parser.add_argument(
            "filters",
            nargs="*",
            metavar="NAME=VALUE",
            help="filters, e.g. unit=41702210805000 from=2024-01-01 "
            + " ".join(str(kind.filter_help) for kind in kinds.values() if kind.filter_help),
        )
        parser.add_argument("--out", required=True, metavar="FILE", help="the file to write")
        parser.add_argument(
            "--user", metavar="USERNAME", help="export as this user, within their territory"
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the column labels and names",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._export(options)

    def _export(self, options: dict[str, Any]) -> None:
        User = get_user_model()

        kinds = export_kinds()
        kind = kinds.get(options["kind"])
        if kind is None:
            raise CommandError(
                _("There is no export “%(kind)s”; use one of: %(kinds)s.")
                % {"kind": options["kind"], "kinds": ", ".join(sorted(kinds))}
            )
        try:
            fmt = ExportFormat(options["format"])
        except ValueError:
            raise CommandError(unknown_format_message(options["format"])) from None
        params = _params(options["filters"])
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("No active user “%(name)s”.") % {"name": options["user"]})
            if not allowed_anywhere(user, kind.action, kind.resource):
                raise CommandError(
                    _("%(name)s may not export these records (their role has aggregates only).")
                    % {"name": user.get_username()}
                )
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": out.parent})
        try:
            selection = kind.selection(user=user, params=params)
            written = export_to_file(actor=user, kind=kind, fmt=fmt, selection=selection, path=out)
        except ValidationError as exc:
            raise CommandError("\n".join(_messages(exc))) from None
        except ExportTooLarge as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            ngettext(
                "%(rows)d row written to %(file)s.", "%(rows)d rows written to %(file)s.", written
            )
            % {"rows": written, "file": out}
        )


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{name}: {message}"
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return list(exc.messages)
