"""The incident sheet: columns, the rules a row must pass, and how a batch is written.

Rules live on the model: each row becomes an :class:`Incident` and goes through
``Incident.clean()`` (municipality level, settlement inside it, dates, location); field rules
(choices, lengths, count ranges) are read from the model's fields. What only an import adds:

* ``external_ref`` is required: it is what makes a re-import create nothing (the register's
  key is (municipality, external reference)); a row without it could only be duplicated;
* a row whose (municipality, external reference) is already registered with the same values
  is "unchanged"; with other values it is an error (the register is edited record by record,
  where the change is audited), and the same reference twice in one file is an error on the
  later line;
* with a user, every row's municipality must be one where they may write incidents.

See docs/import.md for the columns as officials see them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kenesh.core.imports import (
    BatchOutcome,
    Column,
    ImportKind,
    ImportSpec,
    InstanceFactory,
    ParsedRow,
    bulk_insert,
    differing_fields,
    existing_keys,
    import_start,
    parse_bool,
    parse_choice,
    parse_date,
    parse_float,
    parse_int,
    parse_text,
    parse_time,
    validation_problems,
)
from kenesh.core.models import ImportJob, ImportMapping
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import (
    JUVENILE_BANDS,
    NARRATIVE_LENGTH,
    PEOPLE_FIELDS,
    Context,
    IccsCategory,
    Incident,
    Relationship,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

KIND = "incidents"
# A settlement code of no unit, read for a user: refused in build() as one outside the area.
UNKNOWN_SETTLEMENT = object()
COUNT_MAX = 32767  # PositiveSmallIntegerField on every database


def _field(name: str) -> Any:
    return Incident._meta.get_field(name)


def _max_length(name: str) -> int:
    return int(_field(name).max_length or 0)


def _choices(name: str) -> list[tuple[Any, Any]]:
    return list(_field(name).choices or [])


class IncidentImport(ImportSpec):
    """Incidents from a sheet, for ``user`` (``None``: a trusted operator at the console).

    ``job`` is the import the rows are written for; a reference repeated in a later batch of
    the file is recognised by it, so every import that writes has one (without one, as for
    templates, a repeat in a later batch would count as already registered).
    """

    kind = KIND
    batch_size = 2000

    def __init__(self, *, user: User | AnonymousUser | None = None, job: ImportJob | None = None):
        self.user = user
        self.job_id = job.pk if job is not None else None
        self._units: dict[str, AdministrativeUnit | None] = {}
        self._writable: dict[str, bool] = {}
        self._iccs: set[str] = set(IccsCategory.objects.values_list("code", flat=True))
        self.columns = self._columns()
        self._new = InstanceFactory(Incident)
        self._categories: dict[tuple[str, str, str, bool], str] = {}
        self._field_column = {column.target: column.key for column in self.columns}
        self._field_column.update({"unit": "municipality", "settlement": "settlement"})

    # Columns ---------------------------------------------------------------------------------

    def _columns(self) -> list[Column]:
        text = parse_text
        count = parse_int(0, COUNT_MAX)
        columns = [
            Column(
                "external_ref",
                text(_max_length("external_ref")),
                required=True,
                example="2024-001",
                description="the police register number; unique in the municipality",
            ),
            Column(
                "municipality",
                self._municipality,
                required=True,
                repeats=True,
                field="unit_id",
                example="41702210830000",
                description="SOATE code of the aiyl aimak or city",
            ),
            Column(
                "settlement",
                self._settlement,
                repeats=True,
                field="settlement_id",
                example="41702210830010",
                description="SOATE code of the village, optional",
            ),
            Column(
                "iccs_code",
                self._iccs_code,
                required=True,
                repeats=True,
                field="iccs_id",
                example="05025",
                description="deepest known ICCS code",
            ),
            Column("occurred_on", parse_date, required=True, repeats=True, example="2024-06-15"),
            Column("occurred_at", parse_time, repeats=True, example="22:30"),
            Column("reported_on", parse_date, required=True, repeats=True, example="2024-06-16"),
            Column("latitude", parse_float(-90, 90), example="42.337"),
            Column("longitude", parse_float(-180, 180), example="78.224"),
            Column(
                "status",
                parse_choice(_choices("status")),
                default="registered",
                repeats=True,
                example="registered",
            ),
            Column("attempted", parse_bool, default=False, repeats=True, example="no"),
            Column(
                "context",
                parse_choice(Context.choices),
                default="none",
                repeats=True,
                example="none",
            ),
            Column("alcohol_or_drugs", parse_bool, default=False, repeats=True, example="no"),
            Column(
                "relationship",
                parse_choice(Relationship.choices),
                default="unknown",
                repeats=True,
                example="stranger",
            ),
            Column("narrative", text(NARRATIVE_LENGTH), default="", example=""),
            Column("reporter_name", text(_max_length("reporter_name")), default="", example=""),
            Column(
                "reporter_contact", text(_max_length("reporter_contact")), default="", example=""
            ),
        ]
        examples = {"victims_male_30_59": "1", "offenders_male_14_17": "1"}
        columns += [
            Column(name, count, default=0, repeats=True, example=examples.get(name, "0"))
            for name in PEOPLE_FIELDS
        ]
        return columns

    # With a user, a code outside their territory and a code of no unit get the same message
    # (as the API's 404): the report must not tell which codes exist elsewhere. The console's
    # trusted operator is told which it is. A settlement is judged in build(), once the row's
    # municipality is known to be theirs: a row outside their territory reports that alone,
    # whatever its settlement code.

    def _municipality(self, code: str) -> AdministrativeUnit:
        unit = self._unit(code)
        if self.user is not None:
            if unit is None or not self._may_write(unit):
                raise ValidationError(_("This municipality is not in your territory."))
        elif unit is None:
            raise ValidationError(_("No municipality has this code."))
        return unit

    def _settlement(self, code: str) -> AdministrativeUnit | object:
        unit = self._unit(code)
        if unit is None:
            if self.user is not None:
                return UNKNOWN_SETTLEMENT
            raise ValidationError(_("No settlement has this code."))
        return unit

    def _may_write(self, unit: AdministrativeUnit) -> bool:
        if unit.path not in self._writable:
            self._writable[unit.path] = allowed(
                self.user, Action.WRITE, Resource.INCIDENTS, unit.path
            )
        return self._writable[unit.path]

    def _unit(self, code: str) -> AdministrativeUnit | None:
        if not (code.isascii() and code.isdigit()):  # SOATE codes are digits
            return None
        if code not in self._units:
            self._units[code] = AdministrativeUnit.objects.filter(code=code).first()
        return self._units[code]

    def _iccs_code(self, code: str) -> str:
        if code in self._iccs:
            return code
        # A spreadsheet that stored "05025" as a number dropped the leading zero.
        if code.isdigit() and "0" + code in self._iccs:
            return "0" + code
        raise ValidationError(_("No ICCS category has this code."))

    # Rows ------------------------------------------------------------------------------------

    def build(self, values: dict[str, Any], present: frozenset[str]) -> tuple[Any, dict[str, str]]:
        unit = values.pop("municipality")
        settlement = values.pop("settlement")
        if settlement is UNKNOWN_SETTLEMENT or (
            settlement is not None and self.user is not None and not self._may_write(settlement)
        ):
            return None, {"settlement": _("The settlement must lie in the municipality.")}
        iccs = values.pop("iccs_code")
        values["unit_id"] = unit.pk
        values["settlement_id"] = settlement.pk if settlement is not None else None
        values["iccs_id"] = iccs
        values["import_job_id"] = self.job_id
        incident: Incident = self._new(values, {"unit": unit, "settlement": settlement})
        try:
            incident.clean()
        except ValidationError as exc:
            return None, validation_problems(exc, self._field_column)
        # derive_categories() depends on these four only; a sheet repeats few combinations.
        key = (incident.iccs_id, incident.relationship, incident.context, juvenile(values) > 0)
        categories = self._categories.get(key)
        if categories is None:
            incident.derive_categories()
            self._categories[key] = incident.categories
        else:
            incident.categories = categories
        return incident, {}

    def write(self, rows: list[ParsedRow], present: frozenset[str]) -> BatchOutcome:
        outcome = BatchOutcome()
        compared = [c.target for c in self.columns if c.key in present and c.key != "external_ref"]
        found = existing_keys(
            Incident,
            ("unit_id", "external_ref"),
            [(r.obj.unit_id, r.obj.external_ref) for r in rows],
        )
        existing: dict[tuple[int, str], Incident] = {}
        if found:
            for registered in Incident.objects.filter(pk__in=found.values()).only(
                "unit_id", "external_ref", "import_job_id", *compared
            ):
                existing[(registered.unit_id, registered.external_ref)] = registered
        new: list[Incident] = []
        seen: set[tuple[int, str]] = set()
        for row in rows:
            incident: Incident = row.obj
            key = (incident.unit_id, incident.external_ref)
            before = existing.get(key)
            if key in seen or (
                before is not None
                and self.job_id is not None
                and before.import_job_id == self.job_id
            ):
                outcome.refused.append(
                    (row, "external_ref", _("This external reference appears earlier in the file."))
                )
            elif before is not None:
                if not differing_fields(before, incident, compared):
                    outcome.unchanged += 1
                else:
                    outcome.refused.append(
                        (
                            row,
                            "external_ref",
                            _(
                                "An incident with this external reference is already registered "
                                "with other values; change it in the register."
                            ),
                        )
                    )
            else:
                new.append(incident)
            seen.add(key)
        outcome.created = bulk_insert(Incident, new)
        return outcome


JUVENILE_OFFENDER_FIELDS = [
    name for name in PEOPLE_FIELDS if name.startswith("offenders") and name.endswith(JUVENILE_BANDS)
]


def juvenile(values: dict[str, Any]) -> int:
    """Offenders aged under 18 among a row's values (as ``Incident.juvenile_offenders``)."""
    return sum([values[name] for name in JUVENILE_OFFENDER_FIELDS])


# -------------------------------------------------------------------------------------------
# Jobs


def incident_import_start(
    *,
    actor: User,
    filename: str,
    content: bytes,
    skip_invalid: bool = False,
    dry_run: bool = False,
    mapping: ImportMapping | None = None,
    language: str = "ky",
    enqueue: Callable[[int], object] | None = None,
) -> ImportJob:
    """Store an uploaded incident sheet as a job and run it in the background once the
    transaction commits (:func:`kenesh.core.imports.import_start` with this kind)."""
    return import_start(
        kind=IMPORT_KIND,
        actor=actor,
        filename=filename,
        content=content,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        mapping=dict(mapping.mapping) if mapping is not None else None,
        language=language,
        enqueue=enqueue,
    )


IMPORT_KIND = ImportKind(
    key=KIND,
    label=gettext_lazy("incidents"),
    title=gettext_lazy("Import incidents"),
    description=gettext_lazy(
        "Upload a CSV or XLSX sheet with one incident per row. Every row is checked first; the "
        "report lists each bad row with its line, column and reason. Rows already registered "
        "(same municipality and external reference) are left as they are, so importing the same "
        "file twice changes nothing."
    ),
    resource=Resource.INCIDENTS,
    build=IncidentImport,
    # The register is corrected record by record, where each change is audited.
    allows_updates=False,
    docs="docs/import.md",
    template_name="incidents-template",
)
