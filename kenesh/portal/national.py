"""The national data set: every municipality of the classifier, ten years of incidents.

``kenesh demo --scale national`` loads the demo programme, then the whole shipped national
classifier (SOATE), and fills the country in so that Kenesh can be measured at the size it is
meant for: about 500 municipalities and ten years of records.

**Synthesised, not real.** The classifier carries neither population nor location. Every
municipality without them gets a *synthesised* population (the oblast's approximate total,
rounded from the National Statistical Committee's figures, shared out at random with cities
weighted up) and a *synthesised* centroid (scattered around an approximate oblast centre) and
outline (a rough polygon, :func:`kenesh.incidents.demo.approximate_boundary`). They place
incidents on a map and give rates a denominator; they are not where anything is.

Incidents follow the demo's kinds (:data:`kenesh.incidents.demo.STREAMS`: ICCS code, rates
per 10,000 rural and urban, seasonality, victim and offender profiles), scaled so the country
registers ``incidents_per_year`` a year (about 30,000 registered crimes a year in Kyrgyzstan;
ten times that models administrative offences and growth), from 2016 to 2025. A municipality
and year that already hold incidents (the pilots' demo years 2023–2025) are left as they are,
so a second load adds nothing. The city districts of Bishkek are rayons with no municipality
below them in the classifier: Bishkek's incidents would have no municipality to belong to, so
only its two villages get any.

Generation is vectorised (numpy, one seed per year) and written with PostgreSQL's ``COPY``;
on SQLite it falls back to ``bulk_create``, which is fine for tests and small sizes only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Value, When
from django.db.models.functions import ExtractYear
from django.utils import timezone

from kenesh.accounts.models import RoleAssignment, User
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit, Level, PopulationCount, UnitKind
from kenesh.geo.services import DATA_DIR, geography_load_file
from kenesh.incidents.categories import encode_categories, incident_categories
from kenesh.incidents.demo import (
    INNER_SHARE,
    KM_PER_DEGREE,
    LAST_DAY,
    NARRATIVES,
    PROFILES,
    RADIUS_KM,
    RURAL_RADIUS_KM,
    SEASONS,
    STREAMS,
    approximate_boundary,
)
from kenesh.incidents.models import PEOPLE_FIELDS, Incident
from kenesh.orgs.models import (
    Membership,
    MemberType,
    Organisation,
    OrganisationKind,
    Person,
    WorkingGroup,
)
from kenesh.portal.demo import DEMO_PASSWORD, demo_load

#: Bump when the generator's output changes: cached benchmark databases record it.
GENERATOR_VERSION = 1
NATIONAL_CLASSIFIER = DATA_DIR / "soate_national.csv"
INCIDENTS_PER_YEAR = 30_000
YEARS = tuple(range(2016, LAST_DAY.year + 1))
SEED = 2016
#: Generated incidents' references start so ("NAT-2019-000123"): a second load finds them.
REFERENCE_PREFIX = "NAT-"
#: The demo's kinds are calibrated on 2023 (fraud grows 15 % a year from there).
TREND_BASE_YEAR = 2023
#: Yearly population growth, used to take the synthesised 2025 populations back to 2016.
POPULATION_GROWTH = 1.018

#: Oblast (SOATE digits 4–5): approximate centre (latitude, longitude), the radius (km) within
#: which its rayons and cities are scattered, and its population on 1 January 2025, rounded.
#: Approximate figures for plausibility only; the municipal shares are synthesised.
OBLASTS: dict[str, tuple[float, float, float, int]] = {
    "02": (42.30, 77.80, 75.0, 540_000),  # Issyk-Kul
    "03": (41.35, 72.75, 70.0, 1_360_000),  # Jalal-Abad
    "04": (41.40, 75.30, 85.0, 310_000),  # Naryn
    "05": (39.95, 71.00, 60.0, 580_000),  # Batken
    "06": (40.15, 73.30, 65.0, 1_400_000),  # Osh oblast
    "07": (42.45, 72.30, 35.0, 280_000),  # Talas
    "08": (42.75, 74.60, 60.0, 1_010_000),  # Chui
    "11": (42.87, 74.59, 10.0, 1_180_000),  # Bishkek (its districts hold no municipality)
    "21": (40.53, 72.80, 6.0, 370_000),  # Osh city
}
#: Bishkek's only municipalities are two villages: they get a village's population.
BISHKEK = "11"
CITY_RADIUS_KM = 5.0
#: How many municipalities in ten get a police officer and an LCPC coordinator account.
MUNICIPAL_USERS_EVERY = 10


@dataclass
class NationalSummary:
    municipalities: int
    synthesised: int  # municipalities given a synthesised population, centroid and outline
    working_groups: int
    users: int
    incidents_created: int
    incidents_total: int
    years: tuple[int, int]
    seconds: float
    user_examples: list[tuple[str, str, str]] = field(default_factory=list)


Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def national_load(
    *,
    incidents_per_year: int = INCIDENTS_PER_YEAR,
    classifier: Path | None = None,
    progress: Progress = _quiet,
) -> NationalSummary:
    """Load the demo programme and fill in the whole country (see the module docstring);
    ``classifier`` is a SOATE file, by default the shipped national one.

    Idempotent: what is there is kept, what is missing is added. Raises
    :class:`kenesh.portal.demo.DemoRefused` on a database with real users.
    """
    started = time.monotonic()
    demo_load()
    progress("demo programme loaded")
    report = geography_load_file(path=classifier or NATIONAL_CLASSIFIER)
    if not report.ok:
        raise ValueError("; ".join(str(error) for error in report.errors))
    progress(f"classifier loaded: {report.created} units created")
    municipalities = list(
        AdministrativeUnit.objects.filter(level=Level.MUNICIPALITY).order_by("code")
    )
    synthesised = _synthesise_places(municipalities)
    progress(f"{synthesised} municipalities given a synthesised population, centroid and outline")
    groups = _working_groups(municipalities)
    users = _users(municipalities)
    progress(f"{groups} working groups, {users} accounts added")
    created = _incidents(municipalities, incidents_per_year, progress)
    return NationalSummary(
        municipalities=len(municipalities),
        synthesised=synthesised,
        working_groups=WorkingGroup.objects.count(),
        users=User.objects.count(),
        incidents_created=created,
        incidents_total=Incident.objects.count(),
        years=(YEARS[0], YEARS[-1]),
        seconds=time.monotonic() - started,
        user_examples=national_accounts(),
    )


# --- Places ----------------------------------------------------------------------------------


def _oblast_digits(unit: AdministrativeUnit) -> str:
    """The oblast's two digits ("02" Issyk-Kul) from the unit's path: Osh city's own code
    (41700000000021) does not carry them."""
    return unit.path.strip("/").split("/")[1][3:5]


def is_urban(unit: AdministrativeUnit) -> bool:
    return unit.kind == UnitKind.OBLAST_CITY


def radius_km(unit: AdministrativeUnit) -> float:
    """The radius of a municipality's synthesised outline and of its incidents' spread."""
    if unit.code in RADIUS_KM:
        return RADIUS_KM[unit.code]
    if is_urban(unit):
        return CITY_RADIUS_KM * (1.6 if _oblast_digits(unit) == "21" else 1.0)
    return RURAL_RADIUS_KM - 4.0 + int(unit.code[-9:-3]) % 7


def _scatter(rng: random.Random, latitude: float, longitude: float, reach_km: float) -> tuple:
    angle = rng.uniform(0, 2 * math.pi)
    reach = reach_km * math.sqrt(rng.random())
    latitude += reach * math.sin(angle) / KM_PER_DEGREE
    longitude += reach * math.cos(angle) / (KM_PER_DEGREE * math.cos(math.radians(latitude)))
    return round(latitude, 5), round(longitude, 5)


def _synthetic_populations(municipalities: list[AdministrativeUnit]) -> dict[str, int]:
    """A 2025 population for every municipality: the oblast's total shared out, cities
    weighted up (about 45,000 residents; Osh city takes its whole total)."""
    rng = random.Random(f"{SEED}:population")  # noqa: S311 - synthetic data, not security
    by_oblast: dict[str, list[AdministrativeUnit]] = defaultdict(list)
    for unit in municipalities:
        by_oblast[_oblast_digits(unit)].append(unit)
    found: dict[str, int] = {}
    for digits, units in by_oblast.items():
        total = OBLASTS.get(digits, (0, 0, 0, 15_000 * len(units)))[3]
        if digits == BISHKEK:
            for unit in units:
                found[unit.code] = int(rng.uniform(9_000, 20_000))
            continue
        cities = [unit for unit in units if is_urban(unit)]
        rural = [unit for unit in units if not is_urban(unit)]
        if not rural:
            share = total / max(len(cities), 1)
            found.update({unit.code: int(share) for unit in cities})
            continue
        for unit in cities:
            found[unit.code] = int(45_000 * rng.lognormvariate(0, 0.5))
        remainder = max(total - sum(found[unit.code] for unit in cities), 2_000 * len(rural))
        weights = [rng.lognormvariate(0, 0.45) for _unit in rural]
        for unit, weight in zip(rural, weights, strict=True):
            found[unit.code] = max(1_500, int(remainder * weight / sum(weights)))
    return found


def _synthetic_centroids(municipalities: list[AdministrativeUnit]) -> dict[str, tuple]:
    """A centroid for every municipality: rayons scattered within their oblast's radius around
    its approximate centre, aiyl aimaks within 25 km of their rayon's, cities within the
    oblast."""
    rng = random.Random(f"{SEED}:centroid")  # noqa: S311 - synthetic data, not security
    centres: dict[str, tuple] = {}
    found: dict[str, tuple] = {}
    for unit in municipalities:
        digits = _oblast_digits(unit)
        latitude, longitude, spread, _population = OBLASTS.get(digits, (41.5, 74.5, 100.0, 0))
        rayon = unit.path.strip("/").split("/")[-2]
        if rayon not in centres:
            centres[rayon] = _scatter(rng, latitude, longitude, spread * 0.8)
        if is_urban(unit) and digits != "21":
            found[unit.code] = _scatter(rng, latitude, longitude, spread * 0.7)
        else:
            base_latitude, base_longitude = centres[rayon]
            reach = 25.0 if digits not in ("11", "21") else 4.0
            found[unit.code] = _scatter(rng, base_latitude, base_longitude, reach)
    return found


def _synthesise_places(municipalities: list[AdministrativeUnit]) -> int:
    """Give every municipality without them a synthesised centroid, outline and population for
    each year (the pilots keep theirs; their missing years are taken back from the earliest
    known count). Returns how many municipalities had no population at all."""
    populations = _synthetic_populations(municipalities)
    centroids = _synthetic_centroids(municipalities)
    known: dict[int, dict[int, int]] = defaultdict(dict)
    for unit_id, year, population in PopulationCount.objects.filter(
        unit__level=Level.MUNICIPALITY
    ).values_list("unit_id", "year", "population"):
        known[unit_id][year] = population
    boundary_rng = random.Random(f"{SEED}:boundary")  # noqa: S311 - synthetic data
    changed = []
    counts = []
    synthesised = 0
    with transaction.atomic():
        for unit in municipalities:
            if unit.latitude is None or unit.longitude is None:
                unit.latitude, unit.longitude = centroids[unit.code]
                changed.append(unit)
            if unit.boundary is None:
                unit.boundary = approximate_boundary(
                    unit.latitude, unit.longitude, radius_km(unit), boundary_rng
                )
                if unit not in changed:
                    changed.append(unit)
            years = known.get(unit.pk, {})
            if not years:
                synthesised += 1
                base_year, base = LAST_DAY.year, populations[unit.code]
            else:
                base_year = min(years)
                base = years[base_year]
            for year in YEARS:
                if year not in years:
                    people = int(base * POPULATION_GROWTH ** (year - base_year))
                    counts.append(PopulationCount(unit=unit, year=year, population=people))
        AdministrativeUnit.objects.bulk_update(
            changed, ["latitude", "longitude", "boundary"], batch_size=500
        )
        PopulationCount.objects.bulk_create(counts, batch_size=2_000)
    return synthesised


# --- Working groups and accounts ------------------------------------------------------------

ORGANISATION_NAMES = {
    OrganisationKind.POLICE_STATION: ("{} милиция бөлүмү", "Отдел милиции {}", "{} police"),
    OrganisationKind.LCPC: (
        "{} укук бузууларды алдын алуу борбору",
        "Общественный пункт профилактики правонарушений {}",
        "{} local crime prevention centre",
    ),
    OrganisationKind.LOCAL_GOVERNMENT: ("{} айыл өкмөтү", "Айыл окмоту {}", "{} local government"),
}
MEMBERS = [
    (MemberType.LOCAL_GOVERNMENT, "Председатель рабочей группы", "male"),
    (MemberType.POLICE, "Участковый инспектор", "male"),
    (MemberType.LCPC, "Координатор ОПП", "female"),
    (MemberType.CIVIL_SOCIETY, "Женский совет", "female"),
    (MemberType.CIVIL_SOCIETY, "Совет аксакалов", "male"),
]


def _short_name(unit: AdministrativeUnit) -> str:
    return unit.name_ru.replace(" айылный аймак", "").replace("г. ", "").strip()


@transaction.atomic
def _working_groups(municipalities: list[AdministrativeUnit]) -> int:
    """A police station, an LCPC, a local government and a working group of five for every
    municipality that has no working group yet. Returns how many groups were added."""
    having = set(WorkingGroup.objects.values_list("unit_id", flat=True))
    missing = [unit for unit in municipalities if unit.pk not in having]
    if not missing:
        return 0
    organisations = []
    for unit in missing:
        short = _short_name(unit)
        for kind, (ky, ru, en) in ORGANISATION_NAMES.items():
            organisations.append(
                Organisation(
                    unit=unit,
                    kind=kind,
                    name_ky=ky.format(short),
                    name_ru=ru.format(short),
                    name_en=en.format(short),
                )
            )
    Organisation.objects.bulk_create(organisations, batch_size=1_000, ignore_conflicts=True)
    lcpcs = dict(
        Organisation.objects.filter(unit__in=missing, kind=OrganisationKind.LCPC).values_list(
            "unit_id", "pk"
        )
    )
    groups = WorkingGroup.objects.bulk_create(
        [
            WorkingGroup(
                unit=unit,
                lcpc_id=lcpcs.get(unit.pk),
                name_ru=f"Рабочая группа по профилактике правонарушений — {unit.name_ru}",
                name_ky=f"{_short_name(unit)}: укук бузууларды алдын алуу боюнча жумушчу топ",
                name_en=f"{_short_name(unit)} crime prevention working group",
                established_on=dt.date(2016, 1, 1),
            )
            for unit in missing
        ],
        batch_size=1_000,
    )
    people = Person.objects.bulk_create(
        [
            Person(
                full_name=f"{position} ({_short_name(group.unit)})",
                sex=sex,
                position=position,
                unit=group.unit,
            )
            for group in groups
            for _type, position, sex in MEMBERS
        ],
        batch_size=2_000,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                working_group=groups[index // len(MEMBERS)],
                person=person,
                member_type=MEMBERS[index % len(MEMBERS)][0],
                role_in_group=MEMBERS[index % len(MEMBERS)][1],
                valid_from=dt.date(2016, 1, 1),
            )
            for index, person in enumerate(people)
        ],
        batch_size=2_000,
    )
    return len(groups)


def municipal_account_units(municipalities: list[AdministrativeUnit]) -> list[AdministrativeUnit]:
    """The municipalities that get a police officer and an LCPC coordinator account: every
    tenth by code."""
    return [unit for index, unit in enumerate(municipalities) if index % MUNICIPAL_USERS_EVERY == 0]


@transaction.atomic
def _users(municipalities: list[AdministrativeUnit]) -> int:
    """Demo accounts beyond the demo's: an oblast police officer per oblast
    (``police.oblast.<SOATE>``) and a police officer and LCPC coordinator in every tenth
    municipality (``police.<SOATE>``, ``lcpc.<SOATE>``), all with the demo password."""
    wanted: list[tuple[str, Role, AdministrativeUnit]] = [
        (f"police.oblast.{oblast.code}", Role.POLICE_OFFICER, oblast)
        for oblast in AdministrativeUnit.objects.filter(level=Level.OBLAST).order_by("code")
    ]
    for unit in municipal_account_units(municipalities):
        wanted.append((f"police.{unit.code}", Role.POLICE_OFFICER, unit))
        wanted.append((f"lcpc.{unit.code}", Role.LCPC_COORDINATOR, unit))
    names = [username for username, _role, _unit in wanted]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new = [item for item in wanted if item[0] not in existing]
    if not new:
        return 0
    password = make_password(DEMO_PASSWORD)  # one hash for all: argon2 takes a while each
    users = User.objects.bulk_create(
        [
            User(username=username, password=password, is_demo=True, last_name=unit.name_ru[:150])
            for username, _role, unit in new
        ],
        batch_size=1_000,
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role=role, unit=unit)
            for user, (_username, role, unit) in zip(users, new, strict=True)
        ],
        batch_size=1_000,
    )
    return len(users)


def national_accounts() -> list[tuple[str, str, str]]:
    """Examples of the national set's accounts: (username, role, unit)."""
    examples = []
    for prefix in ("police.oblast.", "police.4", "lcpc.4"):
        assignment = (
            RoleAssignment.objects.filter(user__username__startswith=prefix)
            .select_related("user", "unit")
            .order_by("user__username")
            .first()
        )
        if assignment is not None:
            examples.append(
                (
                    assignment.user.username,
                    str(Role(assignment.role).label),
                    assignment.unit.name_ru,
                )
            )
    return examples


# --- Incidents -------------------------------------------------------------------------------

MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
MINUTES = np.array([0, 10, 15, 20, 30, 40, 45, 50])
SOUTHERN_OBLASTS = {"03", "05", "06", "21"}
ADULT_BANDS = {"18_29": 0.5, "30_59": 0.45, "60_plus": 0.05}
DEFAULT_RELATIONSHIP = {"unknown": 0.5, "stranger": 0.3, "acquaintance": 0.2}
#: Victims by the demo's profile (kenesh.incidents.demo._people): share male, age bands,
#: relationship and how many victims. "domestic" is drawn apart (partner or family).
VICTIMS: dict[str, tuple[float, dict[str, float], dict[str, float], int]] = {
    "owner": (0.8, {"18_29": 0.15, "30_59": 0.6, "60_plus": 0.25}, DEFAULT_RELATIONSHIP, 1),
    "shepherd": (1.0, {"14_17": 0.1, "18_29": 0.4, "30_59": 0.5}, {"stranger": 1.0}, 1),
    "young_man": (
        0.8,
        {"14_17": 0.1, "18_29": 0.5, "30_59": 0.35, "60_plus": 0.05},
        {"acquaintance": 0.5, "stranger": 0.35, "unknown": 0.15},
        1,
    ),
    "road": (
        0.65,
        {"0_13": 0.15, "14_17": 0.1, "18_29": 0.3, "30_59": 0.3, "60_plus": 0.15},
        {"stranger": 1.0},
        1,
    ),
    "fraud": (0.4, {"18_29": 0.15, "30_59": 0.4, "60_plus": 0.45}, {"stranger": 1.0}, 1),
    "none": (0.5, ADULT_BANDS, {"unknown": 1.0}, 0),
    "adult": (0.5, ADULT_BANDS, DEFAULT_RELATIONSHIP, 1),
    "driver": (0.5, ADULT_BANDS, DEFAULT_RELATIONSHIP, 1),
}
PEOPLE_INDEX = {name: index for index, name in enumerate(PEOPLE_FIELDS)}


@dataclass(frozen=True)
class _Geography:
    """Arrays over the municipalities: centroid, radius, four spots (km from the centroid;
    the first is the centre) with their settlement ids (0: none), and a road's angle."""

    ids: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    radius: np.ndarray
    spot_x: np.ndarray
    spot_y: np.ndarray
    spot_settlement: np.ndarray
    road_angle: np.ndarray
    urban: np.ndarray


def _geography(municipalities: list[AdministrativeUnit]) -> _Geography:
    settlements: dict[int, list[int]] = defaultdict(list)
    for settlement_id, parent_id in (
        AdministrativeUnit.objects.filter(level=Level.SETTLEMENT, parent__in=municipalities)
        .order_by("code")
        .values_list("pk", "parent_id")
    ):
        settlements[parent_id].append(settlement_id)
    n = len(municipalities)
    spot_x, spot_y = np.zeros((n, 4)), np.zeros((n, 4))
    spot_settlement = np.zeros((n, 4), dtype=np.int64)
    road = np.zeros(n)
    for index, unit in enumerate(municipalities):
        rng = random.Random(f"{SEED}:{unit.code}")  # noqa: S311 - synthetic data
        radius = radius_km(unit)
        for spot in range(4):
            reach = rng.uniform(0.0, 0.05) if spot == 0 else rng.uniform(0.2, 0.55)
            angle = rng.uniform(0, 2 * math.pi)
            spot_x[index, spot] = reach * radius * math.cos(angle)
            spot_y[index, spot] = reach * radius * math.sin(angle)
            own = settlements.get(unit.pk, [])
            spot_settlement[index, spot] = own[spot] if spot < len(own) else 0
        road[index] = rng.uniform(0, math.pi)
    return _Geography(
        ids=np.array([unit.pk for unit in municipalities], dtype=np.int64),
        latitude=np.array([unit.latitude for unit in municipalities], dtype=np.float64),
        longitude=np.array([unit.longitude for unit in municipalities], dtype=np.float64),
        radius=np.array([radius_km(unit) for unit in municipalities]),
        spot_x=spot_x,
        spot_y=spot_y,
        spot_settlement=spot_settlement,
        road_angle=road,
        urban=np.array([is_urban(unit) for unit in municipalities]),
    )


def _population_matrix(municipalities: list[AdministrativeUnit]) -> np.ndarray:
    """Population by municipality and year (0 where unknown)."""
    index = {unit.pk: position for position, unit in enumerate(municipalities)}
    matrix = np.zeros((len(municipalities), len(YEARS)))
    for unit_id, year, population in PopulationCount.objects.filter(
        unit_id__in=list(index), year__in=YEARS
    ).values_list("unit_id", "year", "population"):
        matrix[index[unit_id], year - YEARS[0]] = population
    return matrix


def _expected(municipalities: list[AdministrativeUnit], population: np.ndarray) -> np.ndarray:
    """Mean incidents by stream, municipality and year at the demo's rates (unscaled)."""
    urban = np.array([is_urban(unit) for unit in municipalities])
    southern = np.array([_oblast_digits(unit) in SOUTHERN_OBLASTS for unit in municipalities])
    years = np.array(YEARS) - TREND_BASE_YEAR
    rng = np.random.default_rng(SEED)
    means = np.zeros((len(STREAMS), len(municipalities), len(YEARS)))
    for index, stream in enumerate(STREAMS):
        rate = np.where(urban, stream.urban, stream.rural)
        if stream.profile == "extremism":
            rate = np.where(southern | urban, rate, 0.0)
        factor = rng.lognormal(0.0, 0.25, len(municipalities))
        means[index] = (rate * factor)[:, None] * population / 10_000 * stream.trend**years
    return means


def _pick(rng: np.random.Generator, weighted: dict[str, float], size: int) -> np.ndarray:
    keys = list(weighted)
    weights = np.array(list(weighted.values()))
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=weights / weights.sum())]


def _draw(
    rng: np.random.Generator,
    stream_index: int,
    unit_index: np.ndarray,
    occurred: np.ndarray,
    geography: _Geography,
) -> dict[str, Any]:
    """The fields of ``len(unit_index)`` incidents of one stream (arrays, one per column)."""
    stream = STREAMS[stream_index]
    profile = PROFILES[stream.profile]
    n = len(unit_index)
    identified = rng.random(n) < profile.cleared
    victims = np.zeros(n, dtype=np.int64)
    offender_sex = np.where(rng.random(n) < 0.9, "male", "female").astype(object)
    if stream.profile == "domestic":
        partner = rng.random(n) < 0.75
        relationship = np.where(partner, "intimate_partner", "family").astype(object)
        female = np.where(partner, rng.random(n) < 0.92, rng.random(n) < 0.6)
        victim_sex = np.where(female, "female", "male").astype(object)
        offender_sex = np.where(partner & female, "male", offender_sex)
        offender_sex = np.where(partner & ~female, "female", offender_sex)
        band = np.where(
            partner,
            _pick(rng, {"18_29": 0.45, "30_59": 0.55}, n),
            _pick(rng, {"0_13": 0.15, "14_17": 0.15, "30_59": 0.3, "60_plus": 0.4}, n),
        )
        victims[:] = 1
    else:
        male, bands, relationships, count = VICTIMS[profile.victims]
        victim_sex = np.where(rng.random(n) < male, "male", "female").astype(object)
        band = _pick(rng, bands, n)
        relationship = _pick(rng, relationships, n)
        victims[:] = count
        if profile.victims == "road":
            victims += rng.random(n) < 0.15
    victim_field = np.array(
        [f"victims_{sex}_{age}" for sex, age in zip(victim_sex, band, strict=True)], dtype=object
    )
    low, high = profile.offenders
    offenders = np.where(identified, rng.integers(low, high + 1, n), 0)
    juvenile = rng.random(n) < profile.juvenile
    offender_band = np.where(
        juvenile,
        np.where(rng.random(n) < 0.85, "14_17", "0_13"),
        _pick(rng, ADULT_BANDS, n),
    )
    if stream.profile == "domestic":
        offender_band = np.where(
            ~juvenile & (relationship == "intimate_partner"),
            _pick(rng, {"18_29": 0.4, "30_59": 0.6}, n),
            offender_band,
        )
    offender_field = np.array(
        [f"offenders_{sex}_{age}" for sex, age in zip(offender_sex, offender_band, strict=True)],
        dtype=object,
    )
    juvenile_offenders = np.where(np.isin(offender_band, ["0_13", "14_17"]), offenders, 0)

    # When and how it ended, as kenesh.incidents.demo._status.
    age = (np.datetime64(LAST_DAY) - occurred).astype(np.int64)
    recent = age < 45
    finished = np.minimum(0.95, 0.45 + age / 500)
    ended = _pick(rng, {"solved": 0.55, "referred": 0.3, "closed": 0.15}, n)
    status = np.where(
        recent,
        np.where(rng.random(n) < 0.6, "under_investigation", "registered"),
        np.where(
            identified,
            np.where(rng.random(n) > finished, "under_investigation", ended),
            np.where(
                rng.random(n) < np.minimum(0.8, 0.2 + age / 900), "closed", "under_investigation"
            ),
        ),
    )
    delay = np.minimum((rng.exponential(1.0, n) * (profile.report_delay + 1) / 2).astype(int), 30)
    reported = np.minimum(occurred + delay.astype("timedelta64[D]"), np.datetime64(LAST_DAY))
    has_time = rng.random(n) < 0.7
    hours = np.array(profile.hours)[rng.integers(0, len(profile.hours), n)]
    minutes = MINUTES[rng.integers(0, len(MINUTES), n)]

    # Where: around a settlement, on a pasture or along the road (km from the centroid).
    radius = geography.radius[unit_index]
    place = profile.place
    settlement = np.zeros(n, dtype=np.int64)
    if place == "village":
        spot = rng.choice(4, size=n, p=[0.5, 0.5 / 3, 0.5 / 3, 0.5 / 3])
        spread = np.where(geography.urban[unit_index], 1.4, 0.5)
        x = geography.spot_x[unit_index, spot] + rng.normal(0, 1, n) * spread
        y = geography.spot_y[unit_index, spot] + rng.normal(0, 1, n) * spread
        settlement = geography.spot_settlement[unit_index, spot]
    elif place == "pasture":
        angle = rng.uniform(0, 2 * math.pi, n)
        reach = rng.uniform(0.55, 0.72, n) * radius
        x = reach * np.cos(angle) + rng.normal(0, 1.5, n)
        y = reach * np.sin(angle) + rng.normal(0, 1.5, n)
    else:
        along = rng.uniform(-1, 1, n) * INNER_SHARE * radius
        road = geography.road_angle[unit_index]
        x = along * np.cos(road) + rng.normal(0, 0.08, n)
        y = along * np.sin(road) + rng.normal(0, 0.08, n)
    distance = np.hypot(x, y)
    pull = np.where(distance > INNER_SHARE * radius, INNER_SHARE * radius / distance, 1.0)
    x, y = x * pull, y * pull
    centre_latitude = geography.latitude[unit_index]
    latitude = np.round(centre_latitude + y / KM_PER_DEGREE, 6)
    longitude = np.round(
        geography.longitude[unit_index] + x / (KM_PER_DEGREE * np.cos(np.radians(centre_latitude))),
        6,
    )
    located = rng.random(n) < 0.93

    context = np.full(n, "none", dtype=object)
    if stream.profile == "extremism":
        context[:] = "extremism"
    elif stream.profile == "livestock_robbery":
        context = np.where(rng.random(n) < 0.2, "organised_crime", "none").astype(object)
    narrative = np.where(rng.random(n) < 0.35, "narrative", "")
    story = NARRATIVES[stream.profile]
    counts = rng.integers(2, 13, n)
    return {
        "unit_index": unit_index,
        "settlement": settlement,
        "iccs": stream.code,
        "occurred": occurred,
        "reported": reported,
        "has_time": has_time,
        "hours": hours,
        "minutes": minutes,
        "latitude": latitude,
        "longitude": longitude,
        "located": located,
        "status": status,
        "attempted": rng.random(n) < profile.attempted,
        "alcohol": rng.random(n) < profile.alcohol,
        "context": context,
        "relationship": relationship,
        "victims": victims,
        "victim_field": victim_field,
        "offenders": offenders,
        "offender_field": offender_field,
        "juvenile_offenders": juvenile_offenders,
        "narrative": [
            story.format(n=k, place="у села") if wanted else ""
            for wanted, k in zip(narrative, counts.tolist(), strict=True)
        ],
        "reporter": rng.random(n) < 0.25,
    }


def _year_incidents(
    year: int,
    means: np.ndarray,
    skip: np.ndarray,
    geography: _Geography,
) -> dict[str, Any]:
    """Every generated incident of ``year``, as concatenated column arrays in date order."""
    rng = np.random.default_rng([SEED, GENERATOR_VERSION, year])
    year_index = year - YEARS[0]
    days = MONTH_DAYS.copy()
    if year % 4 == 0:
        days[1] = 29
    month_start = np.array(
        [np.datetime64(dt.date(year, month, 1)) for month in range(1, 13)], dtype="datetime64[D]"
    )
    parts = []
    for stream_index, stream in enumerate(STREAMS):
        weights = np.array(SEASONS[stream.season])
        per_month = means[stream_index, :, year_index][:, None] * weights / weights.sum()
        per_month[skip[:, year_index]] = 0.0
        counts = rng.poisson(per_month)  # municipality × month
        unit_index = np.repeat(np.arange(counts.shape[0]), counts.sum(axis=1))
        month = np.concatenate([np.repeat(np.arange(12), row) for row in counts])
        if unit_index.size == 0:
            continue
        day = (rng.random(unit_index.size) * days[month]).astype(int)
        occurred = month_start[month] + day.astype("timedelta64[D]")
        parts.append(_draw(rng, stream_index, unit_index, occurred, geography))
    if not parts:
        return {}
    merged: dict[str, Any] = {}
    for key in parts[0]:
        if key == "iccs":
            merged[key] = np.concatenate(
                [np.full(len(part["unit_index"]), part["iccs"], dtype=object) for part in parts]
            )
        elif key == "narrative":
            merged[key] = np.array(
                [text for part in parts for text in part["narrative"]], dtype=object
            )
        else:
            merged[key] = np.concatenate([part[key] for part in parts])
    # References number each municipality's incidents of the year in date order; the rows are
    # then written in date order, as a register fills up.
    by_unit = np.lexsort((merged["occurred"], merged["unit_index"]))
    number = np.empty(by_unit.size, dtype=np.int64)
    sorted_units = merged["unit_index"][by_unit]
    starts = np.flatnonzero(np.r_[True, sorted_units[1:] != sorted_units[:-1]])
    run = np.arange(by_unit.size) - np.repeat(starts, np.diff(np.r_[starts, by_unit.size]))
    number[by_unit] = run + 1
    merged["number"] = number
    in_order = np.argsort(merged["occurred"], kind="stable")
    return {key: value[in_order] for key, value in merged.items()}


def _existing_years(municipalities: list[AdministrativeUnit]) -> np.ndarray:
    """Municipality × year: True where nothing is to be generated, because the year was
    generated before (it holds generated incidents: a year is written in one transaction) or
    the municipality already records incidents in it (the pilots' demo years)."""
    index = {unit.pk: position for position, unit in enumerate(municipalities)}
    found = np.zeros((len(municipalities), len(YEARS)), dtype=bool)
    rows = (
        Incident.objects.order_by()
        .annotate(
            year=ExtractYear("occurred_on"),
            generated=Case(
                When(external_ref__startswith=REFERENCE_PREFIX, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values_list("unit_id", "year", "generated")
        .distinct()
    )
    for unit_id, year, generated in rows:
        if not YEARS[0] <= year <= YEARS[-1]:
            continue
        if generated:
            found[:, year - YEARS[0]] = True
        elif unit_id in index:
            found[index[unit_id], year - YEARS[0]] = True
    return found


NULL = "\\N"  # COPY's text format for NULL


def _flags(values: np.ndarray) -> list[str]:
    return np.where(values, "t", "f").tolist()


def _located_text(degrees: np.ndarray, located: np.ndarray) -> list[str]:
    pairs = zip(degrees.tolist(), located.tolist(), strict=True)
    return [repr(value) if wanted else NULL for value, wanted in pairs]


def _people_columns(columns: dict[str, Any]) -> list[str]:
    """The 36 counts of :data:`kenesh.incidents.models.PEOPLE_FIELDS` of each incident, as
    one tab-separated text (an incident has at most one victim and one offender column set,
    so a few hundred distinct texts serve every row)."""
    texts: dict[tuple[str, int, str, int], str] = {}
    found = []
    for key in zip(
        columns["victim_field"].tolist(),
        columns["victims"].tolist(),
        columns["offender_field"].tolist(),
        columns["offenders"].tolist(),
        strict=True,
    ):
        text = texts.get(key)
        if text is None:
            victim_field, victims, offender_field, offenders = key
            counts = [0] * len(PEOPLE_FIELDS)
            counts[PEOPLE_INDEX[victim_field]] += victims
            counts[PEOPLE_INDEX[offender_field]] += offenders
            text = texts[key] = "\t".join(map(str, counts))
        found.append(text)
    return found


def _text_columns(columns: dict[str, Any], geography: _Geography, year: int) -> list[list[str]]:
    """The incidents as text columns in COPY's format, in the order of :data:`FIELDS`.

    Text, column by column, because formatting 3 million rows value by value takes minutes;
    the SQLite path parses it back (:func:`_write`)."""
    n = len(columns["unit_index"])
    categories: dict[tuple[str, str, str, bool], str] = {}
    category_texts = []
    for key in zip(
        columns["iccs"].tolist(),
        columns["relationship"].tolist(),
        columns["context"].tolist(),
        (columns["juvenile_offenders"] > 0).tolist(),
        strict=True,
    ):
        text = categories.get(key)
        if text is None:
            iccs, relationship, context, juvenile = key
            text = categories[key] = encode_categories(
                incident_categories(
                    iccs_code=iccs,
                    relationship=relationship,
                    context=context,
                    juvenile_offenders=int(juvenile),
                )
            )
        category_texts.append(text)
    located = columns["located"]
    serials = [f"{year % 100:02d}{position:07d}" for position in range(n)]
    reporters = list(zip(serials, columns["reporter"].tolist(), strict=True))
    now = timezone.now().isoformat()
    return [
        geography.ids[columns["unit_index"]].astype(str).tolist(),
        [str(one) if one else NULL for one in columns["settlement"].tolist()],
        columns["iccs"].tolist(),
        np.datetime_as_string(columns["occurred"]).tolist(),
        [
            f"{hour:02d}:{minute:02d}:00" if wanted else NULL
            for wanted, hour, minute in zip(
                columns["has_time"].tolist(),
                columns["hours"].tolist(),
                columns["minutes"].tolist(),
                strict=True,
            )
        ],
        np.datetime_as_string(columns["reported"]).tolist(),
        _located_text(columns["latitude"], located),
        _located_text(columns["longitude"], located),
        columns["status"].tolist(),
        _flags(columns["attempted"]),
        columns["context"].tolist(),
        _flags(columns["alcohol"]),
        columns["relationship"].tolist(),
        columns["narrative"].tolist(),
        [f"Демо-заявитель {s}" if wanted else "" for s, wanted in reporters],
        [f"+996 000 {s}" if wanted else "" for s, wanted in reporters],
        list(map(f"{REFERENCE_PREFIX}{year}-%06d".__mod__, columns["number"].tolist())),
        category_texts,
        [now] * n,
        [now] * n,
        _people_columns(columns),
    ]


#: The incident fields the generator writes, in the order of :func:`_text_columns` (the last
#: text holds every field of :data:`PEOPLE_FIELDS`).
FIELDS = (
    "unit",
    "settlement",
    "iccs",
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
    "narrative",
    "reporter_name",
    "reporter_contact",
    "external_ref",
    "categories",
    "created_at",
    "updated_at",
    *PEOPLE_FIELDS,
)


def _write(text_columns: list[list[str]]) -> int:
    """Write incidents: ``COPY`` on PostgreSQL; elsewhere the text parsed back into incidents
    and written by ``bulk_create`` (slow, for tests and small sizes)."""
    fields: list[Any] = [Incident._meta.get_field(name) for name in FIELDS]
    rows = zip(*text_columns, strict=True)
    written = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Incident._meta.db_table)
        names = ", ".join(connection.ops.quote_name(one.column) for one in fields)
        with connection.cursor() as cursor:
            raw: Any = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                while batch := list(itertools.islice(rows, 20_000)):
                    copy.write("\n".join(map("\t".join, batch)) + "\n")
                    written += len(batch)
        return written
    batch_size = 2_000
    while batch := list(itertools.islice(rows, batch_size)):
        incidents = []
        for row in batch:
            values = [*row[:-1], *row[-1].split("\t")]
            incidents.append(
                Incident(
                    **{
                        one.attname: None if value == NULL else one.to_python(value)
                        for one, value in zip(fields, values, strict=True)
                    }
                )
            )
        Incident.objects.bulk_create(incidents)
        written += len(incidents)
    return written


def _incidents(
    municipalities: list[AdministrativeUnit], incidents_per_year: int, progress: Progress
) -> int:
    """Generate and write the incidents of every municipality and year that has none, scaled
    so the whole country (every municipality, every year) would register
    ``incidents_per_year`` a year. Returns how many were written."""
    population = _population_matrix(municipalities)
    means = _expected(municipalities, population)
    expected_per_year = means.sum() / len(YEARS)
    if expected_per_year > 0:
        means *= incidents_per_year / expected_per_year
    skip = _existing_years(municipalities)
    geography = _geography(municipalities)
    written = 0
    with transaction.atomic():
        for year in YEARS:
            columns = _year_incidents(year, means, skip, geography)
            if not columns:
                continue
            written += _write(_text_columns(columns, geography, year))
            progress(f"{year}: {written} incidents written")
        if written and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The planner's statistics, so the first queries on the new rows plan well.
                cursor.execute(f"ANALYZE {connection.ops.quote_name(Incident._meta.db_table)}")
    return written
