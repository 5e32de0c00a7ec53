"""Concerns as an export (kenesh.core.exports): CSV, XLSX and HXL of the list, the reporter's
contact masked as everywhere (absent for a user who may see it nowhere, empty in rows outside
their restricted area), the reply address of SMS and Telegram senders never exported."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError as SchemaValidationError

from kenesh.consultations.concerns.schemas import ConcernFilters
from kenesh.consultations.concerns.selectors import ConcernFilter, concerns_for
from kenesh.consultations.models import Concern, format_reference
from kenesh.core.exports import (
    ExportColumn,
    ExportKind,
    ExportSelection,
    ExportSpec,
    ValueType,
    columns_for,
    masked_rows,
)
from kenesh.core.permissions import Resource
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.selectors import unit_get

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

T, INT, DATETIME, BOOL = ValueType.TEXT, ValueType.INT, ValueType.DATETIME, ValueType.BOOL

CONCERN_EXPORT = ExportSpec(
    kind="concerns",
    label=_("Concerns"),
    sheet_title="concerns",
    columns=(
        ExportColumn("id", _("concern"), "#event+concern+id", INT),
        ExportColumn("reference", _("reference number"), "#event+concern+ref"),
        ExportColumn("unit", _("municipality code"), "#adm3+code"),
        ExportColumn("unit_name", _("municipality"), "#adm3+name"),
        ExportColumn("settlement", _("settlement code"), "#loc+code"),
        ExportColumn("settlement_name", _("settlement"), "#loc+name"),
        ExportColumn("category", _("category code"), "#sector+code"),
        ExportColumn("category_name", _("category"), "#sector+name"),
        ExportColumn("text", _("text"), "#description+concern"),
        ExportColumn("channel", _("channel"), "#meta+channel"),
        ExportColumn("received_at", _("received at"), "#date+received", DATETIME),
        ExportColumn("status", _("status"), "#status+code"),
        ExportColumn("status_changed_at", _("status changed at"), "#date+status", DATETIME),
        ExportColumn("resolved_at", _("resolved at"), "#date+resolved", DATETIME),
        ExportColumn("anonymous", _("anonymous"), "#meta+anonymous", BOOL),
        ExportColumn("public", _("shown publicly"), "#meta+public", BOOL),
        ExportColumn("merged_into", _("duplicate of"), "#event+concern+ref+merged"),
        # Restricted (Concern.restricted_fields): absent for anyone without it somewhere.
        ExportColumn("contact", _("reporter's contact"), "#contact+reporter"),
    ),
)

EXPORT = ExportKind(
    kind="concerns",
    label=_("Concerns"),
    resource=Resource.CONCERNS,
    model="consultations.concern",
    select="kenesh.consultations.concerns.exports.concern_export_from_params",
    filter_help="(concerns: unit, category, status, channel, from, to)",
)

FILTER_NAMES = frozenset({"unit", "category", "status", "channel", "from", "to"})
LANGUAGES = ("ky", "ru", "en")
_NAMED = ("unit", "settlement", "category")
_FIELDS = (
    "id",
    "reference",
    "unit__code",
    "unit__path",
    "settlement__code",
    "category_id",
    "text",
    "channel",
    "received_at",
    "status",
    "status_changed_at",
    "resolved_at",
    "anonymous",
    "public",
    "merged_into__reference",
    *(f"{named}__name_{code}" for named in _NAMED for code in LANGUAGES),
)
BATCH = 2000


def _name(row: Mapping[str, Any], prefix: str, language: str) -> str | None:
    for code in (language, "ru", "en", "ky"):
        value = row.get(f"{prefix}__name_{code}")
        if value:
            return str(value)
    return None


def _export_rows(values: Iterable[dict[str, Any]], language: str) -> Iterator[dict[str, Any]]:
    for value in values:
        merged = value["merged_into__reference"]
        row = {name: item for name, item in value.items() if "__" not in name}
        row |= {
            "reference": format_reference(value["reference"]),
            "unit": value["unit__code"],
            "unit_name": _name(value, "unit", language),
            "unit_path": value["unit__path"],
            "settlement": value["settlement__code"],
            "settlement_name": _name(value, "settlement", language),
            "category": value["category_id"],
            "category_name": _name(value, "category", language),
            "merged_into": format_reference(merged) if merged else None,
        }
        yield row


def concern_export(*, user: User | AnonymousUser | None, filters: ConcernFilter) -> ExportSelection:
    """The concerns ``user`` may read, narrowed by ``filters``, newest first, as masked export
    rows. ``None`` is the trusted operator of the command line: every concern, unmasked (the
    reply address is not a column at all)."""
    base = Concern.objects.all() if user is None else concerns_for(user=user)
    concerns = filters.apply(base).order_by("-received_at", "-pk")
    spec = columns_for(user, CONCERN_EXPORT, Concern)
    columns = {column.key for column in spec.columns}
    fields = [*_FIELDS, *(name for name in ("contact",) if name in columns)]
    values = concerns.values(*fields).iterator(chunk_size=BATCH)
    rows = masked_rows(
        user, _export_rows(values, get_language() or "ky"), model=Concern, path_key="unit_path"
    )
    return ExportSelection(
        spec=spec,
        rows=rows,
        count=concerns.count(),
        filters=filters.audited(),
        unit_path=filters.unit.path if filters.unit is not None else "",
    )


def concern_filter(*, user: User | AnonymousUser | None, filters: ConcernFilters) -> ConcernFilter:
    """The API's filter parameters as the list's filter; a unit outside the user's area is 404."""
    unit = None
    if filters.unit:
        if user is None:
            unit = AdministrativeUnit.objects.filter(code=filters.unit).first()
            if unit is None:
                raise Http404
        else:
            unit = unit_get(user=user, code=filters.unit)
    return ConcernFilter(
        unit=unit,
        category=filters.category or "",
        status=filters.status or "",
        channel=filters.channel or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
    )


def concern_export_from_params(
    *, user: User | AnonymousUser | None, params: Mapping[str, str]
) -> ExportSelection:
    """:func:`concern_export` with the filters given as text (``kenesh export concerns``)."""
    unknown = sorted(set(params) - FILTER_NAMES)
    if unknown:
        raise ValidationError(
            _("Unknown filter %(names)s; the filters are: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(sorted(FILTER_NAMES))}
        )
    try:
        parsed = ConcernFilters.model_validate(dict(params))
    except SchemaValidationError as exc:
        raise ValidationError(
            {
                ".".join(str(part) for part in error["loc"]) or "filters": str(error["msg"])
                for error in exc.errors()
            }
        ) from None
    try:
        filters = concern_filter(user=user, filters=parsed)
    except Http404:
        raise ValidationError({"unit": _("No such unit in your area.")}) from None
    return concern_export(user=user, filters=filters)
