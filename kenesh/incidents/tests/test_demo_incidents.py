"""Demo incidents: plausible, valid, idempotent, and with the patterns the analyses should find.

The root conftest loads the demo once per test database; these tests read what it wrote.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter

import numpy as np
import pyproj
import pytest
from django.db.models import Count, F
from django.test import override_settings

from kenesh.analytics.evaluation import did
from kenesh.analytics.grid import points_to_cells, queen_weights, utm_epsg
from kenesh.analytics.nearrepeat import knox
from kenesh.analytics.spatial import gi_star, hotspot_classes
from kenesh.core.models import AuditEntry
from kenesh.geo.geometry import point_in_geometry
from kenesh.geo.models import AdministrativeUnit, PopulationCount
from kenesh.incidents.demo import (
    FIRST_DAY,
    INTERVENTION_START,
    INTERVENTION_UNIT,
    JETI_OGUZ,
    KARAKOL,
    KOCHKOR,
    LAST_DAY,
    PASTURE_CLUSTERS,
    demo_incidents_load,
    pilot_codes,
)
from kenesh.incidents.models import Incident, IncidentQuerySet
from kenesh.incidents.spatial.selectors import DEFAULT_SPACE_EDGES_M, DEFAULT_TIME_EDGES_DAYS
from kenesh.portal.demo import demo_load

pytestmark = pytest.mark.django_db

LIVESTOCK = "livestock_theft"
RURAL_COMPARISON = [code for code in pilot_codes() if code not in (JETI_OGUZ, KARAKOL)]


def demo_incidents() -> IncidentQuerySet:
    return Incident.objects.filter(unit__code__in=pilot_codes()).exclude(external_ref="")


def livestock_thefts(codes: list[str]) -> IncidentQuerySet:
    return Incident.objects.in_category(LIVESTOCK).filter(unit__code__in=codes)


def person_years(codes: list[str], years: list[int]) -> int:
    counts = PopulationCount.objects.filter(unit__code__in=codes, year__in=years)
    return sum(counts.values_list("population", flat=True))


def test_loading_the_demo_again_adds_and_changes_nothing() -> None:
    fields = ["id", "external_ref", "occurred_on", "iccs_id", "latitude", "categories", "status"]
    before = list(Incident.objects.order_by("id").values_list(*fields))
    boundaries = dict(AdministrativeUnit.objects.values_list("code", "boundary"))
    audit_entries = AuditEntry.objects.count()

    again = demo_incidents_load()
    demo_load()

    assert again.created == 0
    assert again.total == len(before) > 0
    assert list(Incident.objects.order_by("id").values_list(*fields)) == before
    assert dict(AdministrativeUnit.objects.values_list("code", "boundary")) == boundaries
    assert AuditEntry.objects.count() == audit_entries


def test_a_deleted_demo_incident_comes_back_with_the_same_values() -> None:
    victim = Incident.objects.get(unit__code=JETI_OGUZ, external_ref="JO-2024-000010")
    kept = {field: getattr(victim, field) for field in ("iccs_id", "occurred_on", "latitude")}
    victim.delete()

    assert demo_incidents_load().created == 1
    back = Incident.objects.get(unit__code=JETI_OGUZ, external_ref="JO-2024-000010")
    assert {field: getattr(back, field) for field in kept} == kept


def test_every_demo_incident_passes_model_validation_and_lies_inside_its_boundary() -> None:
    incidents = demo_incidents().select_related("unit", "settlement", "iccs")
    checked = 0
    for incident in incidents:
        # Field, foreign-key and model (clean) validation row by row. The three table
        # constraints are checked for all rows at once below: Django validates each one with a
        # query per row, which would take most of a minute here.
        incident.full_clean(validate_constraints=False)
        if incident.latitude is not None and incident.longitude is not None:
            assert incident.unit.boundary is not None
            assert point_in_geometry(incident.longitude, incident.latitude, incident.unit.boundary)
        checked += 1
    assert checked == incidents.count() > 2000
    assert not incidents.filter(reported_on__lt=F("occurred_on")).exists()
    assert not incidents.filter(latitude=None).exclude(longitude=None).exists()
    assert not incidents.exclude(latitude=None).filter(longitude=None).exists()
    references = incidents.values("unit", "external_ref").annotate(n=Count("id"))
    assert not references.filter(n__gt=1).exists()


def test_the_demo_covers_three_fixed_years_with_plausible_volumes() -> None:
    incidents = demo_incidents()
    dates = incidents.values_list("occurred_on", flat=True)
    assert min(dates) >= FIRST_DAY and max(dates) <= LAST_DAY
    assert all(reported <= LAST_DAY for reported in incidents.values_list("reported_on", flat=True))
    assert 2000 <= incidents.count() <= 5000
    per_year = Counter(incidents.values_list("unit__code", "occurred_on__year"))
    for code in pilot_codes():
        for year in (2023, 2024, 2025):
            population = PopulationCount.objects.get(unit__code=code, year=year).population
            count = per_year[(code, year)]
            if code == KARAKOL:
                assert 200 <= count <= 600, (code, year, count)
            else:  # tens a year: between 20 and 120 per 10,000
                assert 20 * population / 10_000 <= count <= 120 * population / 10_000


def test_the_mix_has_every_prevention_category_and_rural_livestock_theft_prominent() -> None:
    incidents = demo_incidents()
    categories = Counter(
        category
        for stored in incidents.values_list("categories", flat=True)
        for category in stored.strip("|").split("|")
    )
    for category in (
        LIVESTOCK,
        "domestic_violence",
        "juvenile_delinquency",
        "violent_extremism",
        "road_safety",
        "burglary",
        "fraud",
        "drugs",
        "other",
    ):
        assert categories[category] > 0, category
    rural = incidents.exclude(unit__code=KARAKOL)
    assert rural.in_category(LIVESTOCK).count() > 0.15 * rural.count()
    assert incidents.under_iccs("04014").exists()
    statuses = Counter(incidents.values_list("status", flat=True))
    assert len(statuses) == 5
    old = incidents.filter(occurred_on__year=2023)
    recent = incidents.filter(occurred_on__gte=dt.date(2025, 10, 1))
    finished = ("solved", "closed", "referred")
    assert old.filter(status__in=finished).count() / old.count() > (
        recent.filter(status__in=finished).count() / recent.count()
    )


def test_external_references_follow_the_register_format_and_settlements_their_unit() -> None:
    incidents = demo_incidents().select_related("unit", "settlement")
    pattern = re.compile(r"^[A-Z]{2}-(2023|2024|2025)-\d{6}$")
    with_settlement = 0
    for incident in incidents:
        assert pattern.match(incident.external_ref)
        assert incident.external_ref[3:7] == str(incident.occurred_on.year)
        if incident.settlement is not None:
            assert incident.unit.covers(incident.settlement)
            with_settlement += 1
    assert with_settlement > 500


def test_some_incidents_carry_synthetic_restricted_fields_and_people_counts() -> None:
    incidents = demo_incidents()
    assert incidents.exclude(narrative="").count() > 100
    reporters = incidents.exclude(reporter_name="")
    assert reporters.count() > 100
    assert all(
        name.startswith("Демо-заявитель ")
        for name in reporters.values_list("reporter_name", flat=True)
    )
    domestic = list(incidents.in_category("domestic_violence"))
    assert domestic and all(incident.people_total("victims") >= 1 for incident in domestic)
    assert all(incident.people_total("offenders") >= 1 for incident in domestic)


def test_livestock_theft_peaks_on_the_summer_pastures() -> None:
    thefts = livestock_thefts([*RURAL_COMPARISON, JETI_OGUZ])
    summer = thefts.filter(occurred_on__month__in=[6, 7, 8]).count()
    winter = thefts.filter(occurred_on__month__in=[12, 1, 2]).count()
    assert summer > 3 * winter > 0


def test_road_crime_peaks_in_summer_and_domestic_violence_leans_to_winter() -> None:
    incidents = demo_incidents()
    road = incidents.in_category("road_safety")
    assert (
        road.filter(occurred_on__month__in=[6, 7, 8]).count()
        > road.filter(occurred_on__month__in=[3, 4, 10, 11]).count() * 3 / 4
    )
    domestic = incidents.in_category("domestic_violence")
    assert (
        domestic.filter(occurred_on__month__in=[11, 12, 1, 2]).count()
        > domestic.filter(occurred_on__month__in=[5, 6, 7, 8]).count()
    )


def test_difference_in_differences_shows_the_jeti_oguz_drop_with_an_interval_below_one() -> None:
    before = (FIRST_DAY, INTERVENTION_START - dt.timedelta(days=1))
    after = (INTERVENTION_START, LAST_DAY)
    treated, comparison = [INTERVENTION_UNIT], RURAL_COMPARISON

    result = did(
        treated_before=livestock_thefts(treated).filter(occurred_on__range=before).count(),
        treated_after=livestock_thefts(treated).filter(occurred_on__range=after).count(),
        comparison_before=livestock_thefts(comparison).filter(occurred_on__range=before).count(),
        comparison_after=livestock_thefts(comparison).filter(occurred_on__range=after).count(),
        treated_exposure_before=person_years(treated, [2023, 2024]),
        treated_exposure_after=person_years(treated, [2025]),
        comparison_exposure_before=person_years(comparison, [2023, 2024]),
        comparison_exposure_after=person_years(comparison, [2025]),
    )

    assert result.ratio_of_rate_ratios < 0.65
    assert result.ratio_upper < 1
    assert 0.85 < result.comparison_rate_ratio < 1.2  # the comparison units stay flat


def _cluster_incidents(cluster_index: int) -> IncidentQuerySet:
    cluster = PASTURE_CLUSTERS[cluster_index]
    span = (cluster.start, cluster.start + dt.timedelta(days=cluster.days))
    near = 0.006  # degrees: about 670 m north–south, 490 m east–west
    return livestock_thefts([cluster.unit_code]).filter(
        occurred_on__range=span,
        latitude__range=(cluster.latitude - near, cluster.latitude + near),
        longitude__range=(cluster.longitude - near, cluster.longitude + near),
    )


@pytest.mark.parametrize("cluster_index", range(len(PASTURE_CLUSTERS)))
def test_each_pasture_cluster_holds_a_hot_spot_at_95_percent_after_fdr(cluster_index: int) -> None:
    cluster = PASTURE_CLUSTERS[cluster_index]
    located = list(
        livestock_thefts([cluster.unit_code])
        .exclude(latitude=None)
        .values_list("id", "latitude", "longitude")
    )
    in_cluster = set(_cluster_incidents(cluster_index).values_list("id", flat=True))
    assert len(in_cluster) >= cluster.size

    latitude = np.array([row[1] for row in located], dtype=float)
    longitude = np.array([row[2] for row in located], dtype=float)
    grid = points_to_cells(latitude, longitude, 500)
    gi = gi_star(grid.counts.astype(float), queen_weights(grid.grid.n_rows, grid.grid.n_cols))
    classes = hotspot_classes(gi.z, gi.p)

    cluster_cells = {int(grid.cell[i]) for i, row in enumerate(located) if row[0] in in_cluster}
    assert max(int(classes[cell]) for cell in cluster_cells) >= 2


def test_knox_finds_near_repeat_livestock_thefts_in_kochkor() -> None:
    rows = list(
        livestock_thefts([KOCHKOR])
        .exclude(latitude=None)
        .values_list("latitude", "longitude", "occurred_on")
    )
    latitude = np.array([row[0] for row in rows])
    longitude = np.array([row[1] for row in rows])
    to_utm = pyproj.Transformer.from_crs(
        4326, utm_epsg(float(latitude.mean()), float(longitude.mean())), always_xy=True
    )
    x, y = to_utm.transform(longitude, latitude)
    days = np.array([row[2].toordinal() for row in rows])

    # The near-repeat page's default bands: 100 m and 7 days the shortest.
    space, time = DEFAULT_SPACE_EDGES_M, DEFAULT_TIME_EDGES_DAYS
    result = knox(x, y, days, space, time, permutations=999, seed=0)

    assert result.ratio[0, 0] > 2
    assert result.p[0, 0] < 0.05
    # Independent count of the shortest band.
    close = 0
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            near = math.hypot(x[i] - x[j], y[i] - y[j]) < space[1]
            if near and abs(days[i] - days[j]) < time[1]:
                close += 1
    assert result.observed[0, 0] == close


# --- The demo alive on the day it is loaded ----------------------------------------------------


def test_a_load_during_the_next_year_keeps_the_story_and_runs_up_to_that_day() -> None:
    story = Counter(demo_incidents().values_list("occurred_on__year", flat=True))
    day = dt.date(2026, 3, 18)

    loaded = demo_incidents_load(today=day)

    assert loaded.created > 0
    incidents = demo_incidents()
    assert not incidents.filter(occurred_on__gt=day).exists()
    assert not incidents.filter(reported_on__gt=day).exists()
    years = Counter(incidents.values_list("occurred_on__year", flat=True))
    assert {year: years[year] for year in story} == story  # the story itself is untouched
    this_year = incidents.filter(occurred_on__year=2026)
    assert this_year.count() == loaded.created
    # About a quarter of a year at the last year's pace (January to mid-March is low season).
    assert 0.1 * story[2025] < this_year.count() < 0.35 * story[2025]
    last_week = incidents.filter(occurred_on__gt=day - dt.timedelta(days=7))
    assert last_week.count() > 0
    # New cases are open; most cases of two years ago are finished.
    assert last_week.exclude(status__in=["solved", "referred", "closed"]).count() > 0
    # A second load on the same day adds nothing.
    assert demo_incidents_load(today=day).created == 0


def test_a_load_years_later_moves_the_story_whole_and_the_drop_follows_the_intervention() -> None:
    Incident.objects.filter(unit__code__in=pilot_codes()).delete()
    day = dt.date(2028, 7, 1)  # the story's years become 2025–2027

    with override_settings(KENESH_DEMO_DATE=day.isoformat()):
        demo_load()  # populations for the moved years, then every module's demo
    loaded = demo_incidents_load(today=day)

    incidents = demo_incidents()
    assert incidents.count() == loaded.total and loaded.created == 0
    assert incidents.filter(occurred_on__year=2025).exists()
    assert not incidents.filter(occurred_on__year__lt=2025).exists()
    assert not incidents.filter(occurred_on__gt=day).exists()
    # Livestock thefts in Jeti-Oguz: the intervention year (moved to 2027) about halves them.
    before = livestock_thefts([JETI_OGUZ]).filter(occurred_on__year__in=[2025, 2026]).count()
    after = livestock_thefts([JETI_OGUZ]).filter(occurred_on__year=2027).count()
    assert after < 0.75 * before / 2
    # Summer pastures stay in summer.
    months = Counter(
        livestock_thefts(RURAL_COMPARISON).values_list("occurred_on__month", flat=True)
    )
    assert sum(months[m] for m in (6, 7, 8)) > 2 * sum(months[m] for m in (12, 1, 2))
