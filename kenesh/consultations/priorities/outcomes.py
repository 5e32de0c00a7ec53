"""Reads of the public "You said, we did" page of a municipality: aggregates only.

* what people raised: concerns per category over the last 12 complete months, at the public
  level of detail (:mod:`kenesh.core.disclosure`: counts from 1 to 4 withheld, with
  complementary suppression as the total is shown);
* the concerns moderation made public (``Concern.public``): category, settlement, status, the
  month received and the text; never a contact, a reference number or a name;
* what the working group decided: the adopted priorities, latest decision first;
* the survey results published (:func:`kenesh.consultations.results.selectors.published_results`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kenesh.consultations.models import AdoptedPriority, Concern, ConcernCategory
from kenesh.consultations.priorities.selectors import concern_counts, default_period
from kenesh.consultations.results.selectors import PublishedSurvey, published_results
from kenesh.core.disclosure import Published, PublishedSeries, publish_series
from kenesh.core.permissions import Action
from kenesh.geo.models import AdministrativeUnit

#: The most public concerns and decisions the page lists.
PUBLIC_CONCERNS_SHOWN = 20
DECISIONS_SHOWN = 3


@dataclass(frozen=True)
class RaisedRow:
    category: ConcernCategory
    count: Published


@dataclass(frozen=True)
class Decision:
    adopted_on: dt.date
    decision: str
    priorities: list[AdoptedPriority]


@dataclass(frozen=True)
class PublicOutcomes:
    start: dt.date
    end: dt.date
    raised: list[RaisedRow]
    raised_total: Published
    marks: set[str]
    public_concerns: list[Concern]
    decisions: list[Decision]
    results: list[PublishedSurvey] = field(default_factory=list)


def _raised(
    unit: AdministrativeUnit, start: dt.date, end: dt.date
) -> tuple[list[RaisedRow], PublishedSeries]:
    categories = list(ConcernCategory.objects.filter(active=True))
    counts = concern_counts(
        unit=unit,
        codes=[one.code for one in categories],
        start=start,
        end=end,
        concerns=Concern.objects.published(Action.AGGREGATE),
    )
    values = [counts.get(one.code, 0) for one in categories]
    published = publish_series(values, suppress=True)
    rows = [
        RaisedRow(category, count)
        for category, value, count in zip(categories, values, published.counts, strict=True)
        if value
    ]
    return rows, published


def public_outcomes(*, unit: AdministrativeUnit) -> PublicOutcomes:
    """What the public page of ``unit`` shows (module docstring)."""
    start, end = default_period()
    raised, published = _raised(unit, start, end)
    public_concerns = list(
        Concern.objects.filter(unit=unit, public=True, merged_into__isnull=True)
        .select_related("category", "settlement")
        .only(
            "category__code",
            "category__name_ky",
            "category__name_ru",
            "category__name_en",
            "settlement__name_ky",
            "settlement__name_ru",
            "settlement__name_en",
            "status",
            "received_at",
            "text",
        )
        .order_by("-received_at", "-pk")[:PUBLIC_CONCERNS_SHOWN]
    )
    adopted = list(
        AdoptedPriority.objects.filter(unit=unit)
        .select_related("category")
        .order_by("-adopted_on", "rank", "pk")
    )
    decisions: dict[dt.date, Decision] = {}
    for one in adopted:
        if one.adopted_on not in decisions:
            if len(decisions) >= DECISIONS_SHOWN:
                break
            decisions[one.adopted_on] = Decision(one.adopted_on, one.decision, [])
        decisions[one.adopted_on].priorities.append(one)
    return PublicOutcomes(
        start=start,
        end=end,
        raised=raised,
        raised_total=published.total,
        marks=published.marks,
        public_concerns=public_concerns,
        decisions=list(decisions.values()),
        results=_published_results(unit),
    )


def _published_results(unit: AdministrativeUnit) -> list[PublishedSurvey]:
    """The survey results published for ``unit`` (the results feature's selector)."""
    return published_results(unit=unit)
