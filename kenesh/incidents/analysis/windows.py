"""The complete-month windows each municipality's crime figures compare: one home for the rule.

"The last 12 months against the 12 before" is only honest when both windows lie within the
months a municipality has actually entered. A register lags, and lags differently in each
municipality; one incident dated in the future (or far ahead of the others) in one municipality
must not turn every other municipality's "last 12 months" into a year without records. So:

- **Own records.** A municipality's windows end with the last *complete* month up to its own
  latest incident (``occurred_on``; dates after ``today`` count as today): the month holding
  the latest record is taken as complete only when that record is on its last day, since the
  rest of the month may not be entered yet. ``after`` is the 12 complete months ending there,
  ``before`` the 12 months before those.
- **Up to today**, when the reader chooses it explicitly: every municipality's windows end with
  the last complete month before today.
- **Stale.** A municipality whose own end lies more than :data:`STALE_MONTHS` months before the
  reference end is *stale*: flagged with its latest record date, not compared. The reference
  end is the newest end among the compared municipalities (their records), or today's last
  complete month (up to today). A municipality without any record is stale.

Clients: the crime page (per municipality and, for a wider area, per member), the dashboards'
"municipality at a glance" and the programme table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.db.models import OuterRef, Subquery
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kenesh.core.periods import add_months, month_end
from kenesh.core.permissions import Action, Resource, public_allows
from kenesh.geo.evaluation import Window
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import Incident

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

UpTo = Literal["records", "today"]

#: The windows' length in months (the last 12 complete months against the 12 before).
WINDOW_MONTHS = 12
#: A municipality whose own last complete month lies more than this many months before the
#: reference end is stale: flagged, not compared.
STALE_MONTHS = 2


@dataclass(frozen=True)
class RecordWindows:
    """One municipality's windows (see the module docstring for the rule)."""

    unit: AdministrativeUnit
    #: The municipality's latest incident (``occurred_on``) in the user's scope, as recorded
    #: (it may lie after today); None when nothing is recorded.
    latest: dt.date | None
    #: The last day of the last complete month up to ``latest`` (capped at today), or up to
    #: today when that was chosen.
    end: dt.date
    after: Window
    before: Window
    #: Its records stop early (or there are none): flagged, not compared.
    stale: bool
    #: The last day of the last complete month up to the municipality's own latest record
    #: (capped at today); None without records. Equal to ``end`` unless up to today was chosen.
    own_end: dt.date | None = None

    @property
    def comparable(self) -> bool:
        return not self.stale


def last_complete_month_end(day: dt.date) -> dt.date:
    """The last day of the last complete month up to ``day``: ``day`` itself when it is its
    month's last day, else the last day of the month before."""
    if day == month_end(day):
        return day
    return day.replace(day=1) - dt.timedelta(days=1)


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier``'s month to ``later``'s (0 for the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def windows_ending(end: dt.date, months: int = WINDOW_MONTHS) -> tuple[Window, Window]:
    """The ``months`` complete months ending on ``end`` (a month's last day) and the
    ``months`` before them: ``(after, before)``."""
    after_start = add_months(end.replace(day=1), -(months - 1))
    before_start = add_months(after_start, -months)
    return (
        Window(after_start, end),
        Window(before_start, after_start - dt.timedelta(days=1)),
    )


def window_label(window: Window) -> str:
    """ "Sep 2024 – Aug 2025", the months a window covers, in the active language."""
    start, end = date_format(window.start, "M Y"), date_format(window.end, "M Y")
    if start == end:
        return start
    return _("%(start)s – %(end)s") % {"start": start, "end": end}


def comparison_label(after: Window, before: Window) -> str:
    """ "Sep 2024 – Aug 2025 against Sep 2023 – Aug 2024"."""
    return _("%(after)s against %(before)s") % {
        "after": window_label(after),
        "before": window_label(before),
    }


def latest_records(
    *,
    user: User | AnonymousUser,
    municipalities: Sequence[AdministrativeUnit],
    public: bool = False,
) -> dict[int, dt.date | None]:
    """Each municipality's latest incident day the user may aggregate (``public``: at the
    public level, any municipality), in one query.

    One index probe on (unit, occurred_on) per municipality, as a subquery of the units in
    scope, rather than a ``MAX`` grouped over the incidents joined to their scope: PostgreSQL
    reads every incident of the area for the latter (see
    :func:`kenesh.incidents.selectors.recorded_span`)."""
    if not municipalities:
        return {}
    in_unit = Incident.objects.filter(unit=OuterRef("pk")).values("occurred_on")
    if public:
        units = (
            AdministrativeUnit.objects.all()
            if public_allows(Action.AGGREGATE, Resource.INCIDENTS)
            else AdministrativeUnit.objects.none()
        )
    else:
        units = AdministrativeUnit.objects.where_allowed(user, Action.AGGREGATE, Resource.INCIDENTS)
    found = dict(
        units.filter(pk__in=[unit.pk for unit in municipalities])
        .annotate(latest=Subquery(in_unit.order_by("-occurred_on")[:1]))
        .values_list("pk", "latest")
    )
    return {unit.pk: found.get(unit.pk) for unit in municipalities}


def record_windows(
    *,
    user: User | AnonymousUser,
    municipalities: Sequence[AdministrativeUnit],
    today: dt.date,
    up_to: UpTo = "records",
    months: int = WINDOW_MONTHS,
    public: bool = False,
) -> dict[int, RecordWindows]:
    """Every municipality's complete-month windows, keyed by its id (module docstring).

    ``municipalities`` are the ones compared (the area on the page), already limited to the
    user's scope; a municipality outside it counts as one without records. ``public`` reads
    the records at the public level (a rayon beside the user's municipality): the caller shows
    no day of them, only whole months."""
    latest = latest_records(user=user, municipalities=municipalities, public=public)
    today_end = last_complete_month_end(today)
    own_ends: dict[int, dt.date | None] = {
        pk: last_complete_month_end(min(day, today)) if day is not None else None
        for pk, day in latest.items()
    }
    if up_to == "today":
        reference = today_end
    else:
        known = [day for day in own_ends.values() if day is not None]
        reference = max(known) if known else today_end
    found: dict[int, RecordWindows] = {}
    for unit in municipalities:
        own_end = own_ends.get(unit.pk)
        end = reference if up_to == "today" or own_end is None else own_end
        stale = own_end is None or months_between(own_end, reference) > STALE_MONTHS
        after, before = windows_ending(end, months)
        found[unit.pk] = RecordWindows(
            unit=unit,
            latest=latest.get(unit.pk),
            end=end,
            after=after,
            before=before,
            stale=stale,
            own_end=own_end,
        )
    return found


@dataclass(frozen=True)
class AreaWindows:
    """The windows of an area of several municipalities: the comparable ones share one end
    (the earliest of their own ends, so no member's months run past its records), the stale
    ones are left out of the sum and named."""

    members: list[RecordWindows]
    end: dt.date
    after: Window
    before: Window

    @property
    def compared(self) -> list[RecordWindows]:
        return [member for member in self.members if not member.stale]

    @property
    def stale(self) -> list[RecordWindows]:
        return [member for member in self.members if member.stale]


def reference_end(windows: dict[int, RecordWindows], today: dt.date, up_to: UpTo) -> dt.date:
    """The end a page's or an answer's default period runs to: the newest of the municipalities'
    own last complete months (never one incident's day, never a month still being entered), or
    the last complete month before today when up to today was chosen or nothing is recorded."""
    known = [one.own_end for one in windows.values() if one.own_end is not None]
    if up_to == "today" or not known:
        return last_complete_month_end(today)
    return max(known)


def area_windows(
    windows: dict[int, RecordWindows], months: int = WINDOW_MONTHS
) -> AreaWindows | None:
    """One pair of windows for a sum over several municipalities: the earliest end among the
    comparable ones (None when none is comparable)."""
    members = list(windows.values())
    compared = [member for member in members if not member.stale]
    if not compared:
        return None
    end = min(member.end for member in compared)
    after, before = windows_ending(end, months)
    return AreaWindows(members=members, end=end, after=after, before=before)
