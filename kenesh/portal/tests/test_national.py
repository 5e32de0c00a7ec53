"""The national data set at a small size: Talas oblast of the shipped classifier beside the
demo's pilots, 500 incidents a year."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from kenesh.accounts.models import RoleAssignment, User
from kenesh.core.permissions import Role
from kenesh.geo.geometry import in_kyrgyzstan_extent
from kenesh.geo.models import AdministrativeUnit, Level, PopulationCount
from kenesh.incidents.models import Incident
from kenesh.orgs.models import WorkingGroup
from kenesh.portal import national
from kenesh.portal.demo import DEMO_PASSWORD, JETI_OGUZ
from kenesh.portal.national import YEARS, national_load

pytestmark = pytest.mark.django_db
TALAS = "41707000000000"
PER_YEAR = 500


@pytest.fixture
def talas_classifier(tmp_path: Path) -> Path:
    """The shipped national classifier's rows of Talas oblast, as a file of its own."""
    with national.NATIONAL_CLASSIFIER.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["code"].startswith("41707")]
        fields = reader.fieldnames or []
    path = tmp_path / "talas.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _talas_municipalities() -> list[AdministrativeUnit]:
    talas = AdministrativeUnit.objects.get(code=TALAS)
    return list(
        AdministrativeUnit.objects.filter(level=Level.MUNICIPALITY, path__startswith=talas.path)
    )


def test_every_municipality_gets_a_place_people_a_working_group_and_ten_years_of_incidents(
    talas_classifier: Path,
) -> None:
    pilot_demo_years = Incident.objects.filter(unit__code=JETI_OGUZ, occurred_on__year__gte=2023)
    pilot_demo_incidents = pilot_demo_years.count()
    found = national_load(incidents_per_year=PER_YEAR, classifier=talas_classifier)

    municipalities = _talas_municipalities()
    assert len(municipalities) >= 30
    for unit in municipalities:
        assert unit.latitude is not None and unit.longitude is not None
        assert in_kyrgyzstan_extent(unit.latitude, unit.longitude)
        assert unit.boundary is not None
        years = set(PopulationCount.objects.filter(unit=unit).values_list("year", flat=True))
        assert set(YEARS) <= years
        assert WorkingGroup.objects.filter(unit=unit).exists()

    generated = Incident.objects.filter(external_ref__startswith="NAT-")
    assert found.incidents_created == generated.count()
    # 2016 has no demo incidents, so every municipality's year is generated: Poisson noise on
    # 500 is about 22.
    assert PER_YEAR * 0.8 <= generated.filter(occurred_on__year=YEARS[0]).count() <= PER_YEAR * 1.2
    for year in YEARS:
        assert generated.filter(occurred_on__year=year).exists()
    assert generated.filter(unit__in=municipalities).values("unit").distinct().count() >= 25

    # The pilots keep the demo's incidents of 2023-2025 and get the years before.
    assert pilot_demo_years.count() == pilot_demo_incidents
    assert not pilot_demo_years.filter(external_ref__startswith="NAT-").exists()
    assert generated.filter(unit__code=JETI_OGUZ, occurred_on__year=2020).exists()

    located = 0
    for incident in generated.order_by("?")[:200]:
        incident.full_clean()  # dates, the location inside the municipality's outline
        stored = incident.categories
        incident.derive_categories()
        assert incident.categories == stored
        assert incident.occurred_on <= incident.reported_on <= dt.date(2025, 12, 31)
        located += incident.latitude is not None
    assert 150 <= located < 200  # about 93 % carry a point

    oblast = User.objects.get(username=f"police.oblast.{TALAS}")
    assert oblast.is_demo and oblast.check_password(DEMO_PASSWORD)
    assert RoleAssignment.objects.filter(
        user=oblast, role=Role.POLICE_OFFICER, unit__code=TALAS
    ).exists()
    municipal = RoleAssignment.objects.filter(user__username__startswith="lcpc.4")
    assert municipal.exists()
    assert all(one.unit.level == Level.MUNICIPALITY for one in municipal)


def test_a_second_load_adds_nothing(talas_classifier: Path) -> None:
    national_load(incidents_per_year=PER_YEAR, classifier=talas_classifier)
    models = [AdministrativeUnit, PopulationCount, WorkingGroup, User, RoleAssignment, Incident]
    before = [model.objects.count() for model in models]  # type: ignore[attr-defined]
    again = national_load(incidents_per_year=PER_YEAR, classifier=talas_classifier)
    assert again.incidents_created == 0
    assert [model.objects.count() for model in models] == before  # type: ignore[attr-defined]


def test_the_command_says_what_is_synthesised(
    talas_classifier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(national, "NATIONAL_CLASSIFIER", talas_classifier)
    out = io.StringIO()
    call_command("demo", "--no-serve", "--incidents-per-year", "200", stdout=out)
    text = out.getvalue()
    assert "synthesised" in text
    assert "national classifier carries neither population nor location" in text
    assert Incident.objects.filter(external_ref__startswith="NAT-").count() > 1_000
