"""The incident register as an export (kenesh.core.exports): its columns, and the selector that
hands the writer scoped, masked rows.

Columns carry the register's own codes (status, context, relationship, prevention categories:
the same values the API and the import use, stable in every language) beside the names of the
municipality, settlement and ICCS category in the reader's language. HXL hashtags follow the
HXL 1.1 dictionary where it has a word (``#adm3``, ``#loc``, ``#geo``, ``#date``, ``#affected``
with ``+f``, ``+m``, ``+children``, ``+adults``, ``+elderly``, and custom age-range attributes
such as ``+age14_17``, as the dictionary suggests); ``#crime`` and ``#offenders`` are Kenesh's
own, for what humanitarian data has no hashtag for (docs/exports.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError as SchemaValidationError

from kenesh.core.exports import (
    ExportColumn,
    ExportKind,
    ExportSelection,
    ExportSpec,
    PointGeometry,
    ValueType,
    columns_for,
    masked_rows,
)
from kenesh.core.masking import fields_needed
from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.selectors import unit_get
from kenesh.incidents.filters import IncidentFilter, incidents_for
from kenesh.incidents.models import (
    AGE_BANDS,
    PEOPLE_FIELDS,
    PEOPLE_ROLES,
    PERSON_SEXES,
    Incident,
    people_fields,
)
from kenesh.incidents.register.forms import BAND_LABELS, ROLE_LABELS, SEX_LABELS
from kenesh.incidents.register.schemas import IncidentFilters

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

T, INT, FLOAT, DATE, BOOL = (
    ValueType.TEXT,
    ValueType.INT,
    ValueType.FLOAT,
    ValueType.DATE,
    ValueType.BOOL,
)

# HXL attributes of the register's sex and age bands. Children are under 18 (the Convention on
# the Rights of the Child); HXL leaves the bounds of +adults and +elderly loose, so each band
# also carries its exact range.
SEX_ATTRIBUTES = {"female": "+f", "male": "+m", "sex_unknown": "+sex_unknown"}
BAND_ATTRIBUTES = {
    "0_13": "+children+age0_13",
    "14_17": "+children+age14_17",
    "18_29": "+adults+age18_29",
    "30_59": "+adults+age30_59",
    "60_plus": "+elderly+age60_plus",
    "age_unknown": "+age_unknown",
}
ROLE_HASHTAGS = {"victims": "#affected+victims", "offenders": "#offenders"}


def _people_columns() -> tuple[ExportColumn, ...]:
    return tuple(
        ExportColumn(
            f"{role}_{sex}_{band}",
            format_lazy("{}: {}, {}", ROLE_LABELS[role], SEX_LABELS[sex], BAND_LABELS[band]),
            f"{ROLE_HASHTAGS[role]}{SEX_ATTRIBUTES[sex]}{BAND_ATTRIBUTES[band]}",
            INT,
        )
        for role in PEOPLE_ROLES
        for sex in PERSON_SEXES
        for band in AGE_BANDS
    )


INCIDENT_EXPORT = ExportSpec(
    kind="incidents",
    label=_("Incident register"),
    sheet_title="incidents",
    point=PointGeometry(lon="longitude", lat="latitude"),
    columns=(
        ExportColumn("id", _("incident"), "#crime+id", INT),
        ExportColumn("external_ref", _("external reference"), "#crime+ref"),
        ExportColumn("unit", _("municipality code"), "#adm3+code"),
        ExportColumn("unit_name", _("municipality"), "#adm3+name"),
        ExportColumn("settlement", _("settlement code"), "#loc+code"),
        ExportColumn("settlement_name", _("settlement"), "#loc+name"),
        ExportColumn("iccs", _("ICCS code"), "#crime+code+iccs"),
        ExportColumn("iccs_name", _("ICCS category"), "#crime+name+iccs"),
        ExportColumn("categories", _("prevention categories"), "#crime+type+prevention"),
        ExportColumn("occurred_on", _("occurred on"), "#date+occurred", DATE),
        ExportColumn("occurred_at", _("time of day"), "#date+time+occurred"),
        ExportColumn("reported_on", _("reported on"), "#date+reported", DATE),
        ExportColumn("latitude", _("latitude"), "#geo+lat", FLOAT),
        ExportColumn("longitude", _("longitude"), "#geo+lon", FLOAT),
        ExportColumn("status", _("status"), "#status+code"),
        ExportColumn("attempted", _("attempted"), "#crime+attempted", BOOL),
        ExportColumn("context", _("situational context"), "#crime+context"),
        ExportColumn("alcohol_or_drugs", _("alcohol or drugs involved"), "#crime+substances", BOOL),
        ExportColumn("relationship", _("victim–offender relationship"), "#crime+relationship"),
        ExportColumn("victims_total", _("victims"), "#affected+victims+total", INT),
        ExportColumn("offenders_total", _("offenders"), "#offenders+total", INT),
        *_people_columns(),
        # Restricted (Incident.restricted_fields): absent for anyone who is not police in scope.
        ExportColumn("narrative", _("narrative"), "#description+narrative"),
        ExportColumn("reporter_name", _("reporter"), "#contact+name+reporter"),
        ExportColumn("reporter_contact", _("reporter's contact"), "#contact+reporter"),
    ),
)

EXPORT = ExportKind(
    kind="incidents",
    label=_("Incident register"),
    resource=Resource.INCIDENTS,
    model="incidents.incident",
    select="kenesh.incidents.register.exports.incident_export_from_params",
    filter_help="(incidents: unit, from, to, iccs, category, status)",
)

FILTER_NAMES = frozenset({"unit", "from", "to", "iccs", "category", "status"})
LANGUAGES = ("ky", "ru", "en")
_NAMED = ("unit", "settlement", "iccs")
_FIELDS = (
    "id",
    "external_ref",
    "unit__code",
    "unit__path",
    "settlement__code",
    "iccs",
    "categories",
    "occurred_on",
    "occurred_at",
    "reported_on",
    "latitude",
    "longitude",
    "status",
    "attempted",
    "context",
    "alcohol_or_drugs",
    "relationship",
    *PEOPLE_FIELDS,
    *(f"{named}__name_{code}" for named in _NAMED for code in LANGUAGES),
)
# Rows are read from the database in batches of this many (a server-side cursor on PostgreSQL).
BATCH = 2000


def _name(row: Mapping[str, Any], prefix: str, language: str) -> str | None:
    """A related object's name in ``language``, falling back as ``localized_name`` does."""
    for code in (language, "ru", "en", "ky"):
        value = row.get(f"{prefix}__name_{code}")
        if value:
            return str(value)
    return None


def _export_rows(values: Iterable[dict[str, Any]], language: str) -> Iterator[dict[str, Any]]:
    victims, offenders = people_fields("victims"), people_fields("offenders")
    for value in values:
        occurred_at = value["occurred_at"]
        row = {name: item for name, item in value.items() if "__" not in name}
        row |= {
            "id": value["id"],
            "external_ref": value["external_ref"],
            "unit": value["unit__code"],
            "unit_name": _name(value, "unit", language),
            "unit_path": value["unit__path"],
            "settlement": value["settlement__code"],
            "settlement_name": _name(value, "settlement", language),
            "iccs": value["iccs"],
            "iccs_name": _name(value, "iccs", language),
            "categories": "; ".join(code for code in value["categories"].split("|") if code),
            "occurred_at": occurred_at.isoformat("seconds") if occurred_at is not None else None,
            "victims_total": sum(value[name] for name in victims),
            "offenders_total": sum(value[name] for name in offenders),
        }
        yield row


def incident_export(
    *, user: User | AnonymousUser | None, filters: IncidentFilter
) -> ExportSelection:
    """The incidents ``user`` may read, narrowed by ``filters``, as export rows: through the
    register's scope (``Incident.objects.visible_to``), newest first, each row masked by
    kenesh.core.masking (restricted fields, and an exact location in a sensitive category for
    anyone but police in scope). Restricted columns are absent for a user who may see them
    nowhere. ``None`` is the trusted operator of the command line: every incident, unmasked.

    The rows are read lazily in batches, so an export of the whole register streams in flat
    memory.
    """
    base = Incident.objects.all() if user is None else incidents_for(user=user, action=Action.READ)
    incidents = filters.apply(base).order_by("-occurred_on", "-pk")
    spec = columns_for(user, INCIDENT_EXPORT, Incident)
    columns = {column.key for column in spec.columns}
    # Restricted values are not even read when the user gets none of their columns; what the
    # masking rules read is, whether a column shows it or not.
    fields = [*_FIELDS, *(name for name in Incident.restricted_fields if name in columns)]
    fields += [name for name in sorted(fields_needed(Incident)) if name not in fields]
    values = incidents.values(*fields).iterator(chunk_size=BATCH)
    rows = masked_rows(
        user, _export_rows(values, get_language() or "ky"), model=Incident, path_key="unit_path"
    )
    return ExportSelection(
        spec=spec,
        rows=rows,
        count=incidents.count(),
        filters=audited_filters(filters),
        unit_path=filters.unit.path if filters.unit is not None else "",
    )


def audited_filters(filters: IncidentFilter) -> dict[str, Any]:
    """The filters as the API names them, only those given: what the audit log records."""
    given = {
        "unit": filters.unit.code if filters.unit is not None else None,
        "from": filters.date_from,
        "to": filters.date_to,
        "iccs": filters.iccs,
        "category": filters.category,
        "status": filters.status,
    }
    return {name: value for name, value in given.items() if value}


def incident_filter(
    *, user: User | AnonymousUser | None, filters: IncidentFilters
) -> IncidentFilter:
    """The API's filter parameters as the register's filter. A unit outside the user's area is
    404, as for the incident list."""
    unit = None
    if filters.unit:
        if user is None:
            unit = AdministrativeUnit.objects.filter(code=filters.unit).first()
            if unit is None:
                raise Http404
        else:
            unit = unit_get(user=user, code=filters.unit)
    return IncidentFilter(
        unit=unit,
        date_from=filters.date_from,
        date_to=filters.date_to,
        iccs=filters.iccs or "",
        category=filters.category or "",
        status=filters.status or "",
    )


def incident_export_from_params(
    *, user: User | AnonymousUser | None, params: Mapping[str, str]
) -> ExportSelection:
    """:func:`incident_export` with the filters given as text (``kenesh export incidents``):
    the API's names and rules; a bad or unknown filter, or a unit that is not in the user's
    area (the same message as for one that does not exist), is a ``ValidationError``."""
    unknown = sorted(set(params) - FILTER_NAMES)
    if unknown:
        raise ValidationError(
            _("Unknown filter %(names)s; the filters are: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(sorted(FILTER_NAMES))}
        )
    try:
        parsed = IncidentFilters.model_validate(dict(params))
    except SchemaValidationError as exc:
        raise ValidationError(
            {
                ".".join(str(part) for part in error["loc"]) or "filters": str(error["msg"])
                for error in exc.errors()
            }
        ) from None
    try:
        filters = incident_filter(user=user, filters=parsed)
    except Http404:
        raise ValidationError({"unit": _("No such unit in your area.")}) from None
    return incident_export(user=user, filters=filters)
