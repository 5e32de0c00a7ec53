"""Demo incidents: three years (2023–2025) of synthetic crime in the ten pilot municipalities.

Synthetic but plausible, so every analysis page has something true to show:

- volumes follow population (rates per 10,000 a year per ICCS code, rural and urban), with
  seasonality (livestock theft on the summer pastures May–September, road crime in summer and
  the January holidays, domestic violence a little higher in winter);
- three genuine space–time clusters of livestock theft on summer pastures
  (:data:`PASTURE_CLUSTERS`: a few thefts within about 300 m and two weeks), which the Gi* hot
  spot map and the Knox near-repeat test find;
- an intervention: livestock registration in Jeti-Oguz from :data:`INTERVENTION_START` halves
  livestock theft there, while the other rural pilots stay flat, so the difference in
  differences shows a drop with an interval below 1.

Everything is drawn from one fixed seed on a fixed calendar (2023–2025, :data:`LAST_DAY`), so the
story is the same on every machine. The demo is alive on the day it is loaded
(:class:`DemoCalendar`): the story moves by whole years so that its three years are the last three
complete calendar years, and the current year runs from 1 January up to that day (the same kinds
and rates, the intervention still in force), so "today", "this week" and "the last 12 months"
show something. ``KENESH_DEMO_DATE`` pins the day (the tests pin 2025-12-31: the story as
designed, nothing after it). Loading is idempotent:
incidents are keyed by (municipality, external reference), and a second load adds nothing.
Demo incidents are written in bulk without audit entries (they are generated, nobody wrote
them). Names in narratives and reporter fields are invented placeholders, never real people.

The pilot municipalities get approximate boundaries (:func:`approximate_boundary`) when they
have none: a rough polygon around the demo centroid, **synthetic, not the real outline**, only
so the hot spot map has outlines and the register can check that locations lie inside them.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from kenesh.core.demo_calendar import STORY_LAST_DAY, STORY_YEARS, DemoCalendar
from kenesh.geo.models import AdministrativeUnit, Level, PopulationCount
from kenesh.geo.services import DATA_DIR
from kenesh.incidents.models import (
    Context,
    IccsCategory,
    Incident,
    Relationship,
    Status,
)
from kenesh.incidents.reference import iccs_load

#: The seed of every random draw. Poisson noise on some 35 thefts a year in Jeti-Oguz is about
#: ±6, enough to blur or exaggerate a halving on an unlucky seed; this one was picked among the
#: first 30 because its realised series reads as designed (Jeti-Oguz steady in 2023–2024 and
#: about half in 2025, the comparison units flat). Change it and the tests say whether the
#: story still holds.
SEED = 16
FIRST_DAY = dt.date(STORY_YEARS[0], 1, 1)
LAST_DAY = STORY_LAST_DAY
YEARS = STORY_YEARS

JETI_OGUZ = "41702210830000"
KARAKOL = "41702410000010"
KOCHKOR = "41704235816000"
KARA_KULJA = "41706246820000"

#: Livestock registration in Jeti-Oguz from this date; livestock theft there is multiplied by
#: :data:`INTERVENTION_EFFECT` from then on. The other rural pilots are the comparison units.
INTERVENTION_UNIT = JETI_OGUZ
INTERVENTION_START = dt.date(2025, 1, 1)
INTERVENTION_EFFECT = 0.55

#: Short prefixes of the external references ("JO-2024-000123"), as a police register would.
REF_PREFIX = {
    JETI_OGUZ: "JO",
    KARAKOL: "KK",
    "41703207826000": "AB",
    KOCHKOR: "KC",
    "41705214848000": "AS",
    "41706207814000": "GU",
    KARA_KULJA: "KJ",
    "41707215818000": "KB",
    "41708206812000": "IV",
    "41708222865000": "SK",
}
#: Units of Osh, Jalal-Abad and Batken oblasts, where the few extremism cases are placed.
SOUTHERN = {"41703207826000", "41705214848000", "41706207814000", KARA_KULJA}

#: Radius (km) of the approximate boundary polygon around a unit's centroid.
RADIUS_KM = {KARAKOL: 6.0, JETI_OGUZ: 14.0}
RURAL_RADIUS_KM = 12.0
#: Locations are drawn within this share of the radius, well inside the polygon.
INNER_SHARE = 0.78
KM_PER_DEGREE = 111.32

MONTHS = range(1, 13)
SEASONS: dict[str, tuple[float, ...]] = {
    "flat": (1.0, 0.95, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 1.0, 0.95, 1.0),
    # Flocks go up to the jailoo in May and come down in late September.
    "pasture": (0.35, 0.35, 0.5, 0.8, 1.5, 1.9, 2.1, 2.0, 1.5, 0.7, 0.45, 0.35),
    "winter": (1.3, 1.25, 1.1, 1.0, 0.9, 0.8, 0.8, 0.8, 0.9, 1.0, 1.1, 1.35),
    "summer": (0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.25, 1.25, 1.1, 0.95, 0.85, 0.9),
    "dark": (1.3, 1.2, 1.0, 0.9, 0.8, 0.75, 0.75, 0.8, 0.9, 1.1, 1.2, 1.3),
    # Summer traffic to Issyk-Kul and the pastures, and the January holidays.
    "road": (1.2, 0.7, 0.8, 0.9, 1.1, 1.3, 1.5, 1.5, 1.1, 0.9, 0.8, 1.1),
}


@dataclass(frozen=True)
class Stream:
    """One kind of incident: an ICCS code, its yearly rates per 10,000 and how it happens."""

    code: str
    rural: float
    urban: float
    season: str
    profile: str
    trend: float = 1.0  # yearly multiplier (fraud grows with phone and online fraud)


STREAMS = (
    Stream("05025", 14.0, 1.2, "pasture", "livestock"),
    Stream("04014", 1.2, 0.1, "pasture", "livestock_robbery"),
    Stream("05012", 5.0, 6.0, "dark", "burglary"),
    Stream("05022", 7.0, 9.0, "flat", "theft"),
    Stream("050211", 0.4, 1.0, "flat", "vehicle_theft"),
    Stream("0504", 2.0, 2.0, "flat", "damage"),
    Stream("020112", 4.0, 3.2, "summer", "assault"),
    Stream("020111", 1.2, 0.8, "summer", "assault"),
    Stream("020112", 2.5, 1.8, "winter", "domestic"),
    Stream("020111", 0.6, 0.4, "winter", "domestic"),
    Stream("02012", 1.0, 0.8, "winter", "domestic"),
    Stream("010321", 0.6, 0.5, "road", "road_death"),
    Stream("02072", 3.0, 3.2, "road", "drink_driving"),
    Stream("06011", 1.8, 3.0, "flat", "drugs"),
    Stream("0701", 2.2, 4.0, "flat", "fraud", trend=1.15),
    Stream("0801", 3.0, 3.2, "summer", "public_order"),
    Stream("09061", 0.25, 0.05, "flat", "extremism"),
)
#: Jeti-Oguz was chosen as a pilot for its livestock theft: higher rates before registration.
JETI_OGUZ_RATES = {"05025": 30.0, "04014": 2.5}


@dataclass(frozen=True)
class PastureCluster:
    """A burst of livestock thefts on one summer pasture: ``size`` thefts within about 300 m
    of ``(latitude, longitude)`` and ``days`` days from ``start``."""

    unit_code: str
    latitude: float
    longitude: float
    start: dt.date
    days: int
    size: int
    solved: bool
    name_ru: str


PASTURE_CLUSTERS = (
    PastureCluster(KOCHKOR, 42.161, 75.816, dt.date(2023, 7, 8), 13, 9, True, "Сары-Булак"),
    PastureCluster(KOCHKOR, 42.251, 75.682, dt.date(2025, 6, 20), 12, 7, False, "Кара-Суу"),
    PastureCluster(KARA_KULJA, 40.682, 73.668, dt.date(2024, 8, 3), 14, 8, False, "Алай-Куу"),
)
CLUSTER_SPREAD_M = 100.0
CLUSTER_LIMIT_M = 300.0


@dataclass(frozen=True)
class Profile:
    """How incidents of a kind look: who is hurt, who is caught, when, where."""

    cleared: float  # share in which offenders are identified
    juvenile: float  # share of identified offenders aged under 18
    alcohol: float
    attempted: float
    hours: tuple[int, ...]
    place: str  # "village", "pasture" or "road"
    victims: str
    offenders: tuple[int, int]  # range of the number of offenders when identified
    report_delay: int  # maximum days between occurrence and report


NIGHT = (22, 23, 0, 1, 2, 3, 4, 5)
EVENING = (17, 18, 19, 20, 21, 22, 23)
DAYTIME = tuple(range(9, 20))
PROFILES = {
    "livestock": Profile(0.4, 0.06, 0.05, 0.03, NIGHT, "pasture", "owner", (1, 3), 6),
    "livestock_robbery": Profile(0.55, 0.02, 0.1, 0.05, NIGHT, "pasture", "shepherd", (2, 4), 2),
    "burglary": Profile(0.45, 0.15, 0.05, 0.1, DAYTIME + NIGHT, "village", "adult", (1, 2), 2),
    "theft": Profile(0.5, 0.18, 0.05, 0.05, DAYTIME, "village", "adult", (1, 1), 1),
    "vehicle_theft": Profile(0.5, 0.1, 0.05, 0.1, NIGHT, "village", "driver", (1, 2), 1),
    "damage": Profile(0.5, 0.25, 0.3, 0.0, EVENING, "village", "adult", (1, 2), 2),
    "assault": Profile(0.85, 0.08, 0.45, 0.0, EVENING, "village", "young_man", (1, 2), 1),
    "domestic": Profile(1.0, 0.02, 0.5, 0.0, EVENING, "village", "domestic", (1, 1), 3),
    "road_death": Profile(0.95, 0.0, 0.3, 0.0, DAYTIME + EVENING, "road", "road", (1, 1), 0),
    "drink_driving": Profile(1.0, 0.01, 1.0, 0.0, EVENING + NIGHT, "road", "none", (1, 1), 0),
    "drugs": Profile(1.0, 0.08, 1.0, 0.0, DAYTIME, "village", "none", (1, 1), 0),
    "fraud": Profile(0.3, 0.0, 0.0, 0.15, DAYTIME, "village", "fraud", (1, 1), 14),
    "public_order": Profile(0.95, 0.15, 0.7, 0.0, EVENING, "village", "none", (1, 3), 0),
    "extremism": Profile(0.9, 0.0, 0.0, 0.0, DAYTIME, "village", "none", (1, 2), 5),
}

NARRATIVES = {
    "livestock": "Заявитель сообщил о пропаже {n} голов скота с пастбища {place}.",
    "livestock_robbery": "На пастбище {place} чабану угрожали и угнали {n} голов скота.",
    "burglary": "Проникновение в жилой дом через окно, похищены бытовая техника и деньги.",
    "theft": "Похищен мобильный телефон у заявителя в общественном месте.",
    "vehicle_theft": "Автомашина похищена со двора ночью.",
    "damage": "Повреждены ворота и окна частного дома.",
    "assault": "Драка возле кафе, потерпевший получил телесные повреждения.",
    "domestic": "Семейный конфликт, потерпевшая обратилась за помощью к участковому инспектору.",
    "road_death": "Наезд на пешехода на трассе, водитель остался на месте.",
    "drink_driving": "Водитель остановлен на посту в состоянии опьянения.",
    "drugs": "При досмотре изъято наркотическое вещество растительного происхождения.",
    "fraud": "Звонок от имени родственника, заявитель перевёл деньги на электронный кошелёк.",
    "public_order": "Нарушение общественного порядка в нетрезвом виде.",
    "extremism": "Выявлено распространение материалов запрещённой организации.",
}  # fmt: skip


@dataclass
class DemoIncidents:
    """What a load did: ``created`` new incidents; ``total`` demo incidents now present (new
    and already there), also ``by_unit`` (SOATE code → count); pilot boundaries set."""

    created: int
    total: int
    boundaries_set: int = 0
    by_unit: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Place:
    """A unit's geography for the generator, in km east and north of its centroid."""

    unit: AdministrativeUnit
    population: dict[int, int]
    latitude: float
    longitude: float
    radius_km: float
    settlements: list[tuple[int, float, float]]  # (unit id, x km, y km)
    pastures: list[tuple[float, float]]
    road_angle: float

    def to_degrees(self, x_km: float, y_km: float) -> tuple[float, float]:
        latitude = self.latitude + y_km / KM_PER_DEGREE
        longitude = self.longitude + x_km / (KM_PER_DEGREE * math.cos(math.radians(self.latitude)))
        return round(latitude, 6), round(longitude, 6)

    def to_km(self, latitude: float, longitude: float) -> tuple[float, float]:
        x = (longitude - self.longitude) * KM_PER_DEGREE * math.cos(math.radians(self.latitude))
        return x, (latitude - self.latitude) * KM_PER_DEGREE

    def inside(self, x_km: float, y_km: float) -> tuple[float, float]:
        """The point, pulled towards the centre when it lies beyond the inner radius."""
        limit = INNER_SHARE * self.radius_km
        distance = math.hypot(x_km, y_km)
        if distance <= limit:
            return x_km, y_km
        return x_km * limit / distance, y_km * limit / distance


def pilot_codes() -> list[str]:
    with (DATA_DIR / "pilot_municipalities.csv").open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


def approximate_boundary(
    latitude: float, longitude: float, radius_km: float, rng: random.Random
) -> dict[str, Any]:
    """A rough 16-sided GeoJSON polygon around a centroid, vertices at 88–100 % of the radius.

    Synthetic: the real municipal outlines are not in the demo; this only gives the map an
    outline and the register a boundary to check locations against. Counter-clockwise, closed.
    """
    ring = []
    scale = KM_PER_DEGREE * math.cos(math.radians(latitude))
    for k in range(16):
        angle = 2 * math.pi * k / 16
        reach = radius_km * rng.uniform(0.88, 1.0)
        ring.append(
            [
                round(longitude + reach * math.cos(angle) / scale, 5),
                round(latitude + reach * math.sin(angle) / KM_PER_DEGREE, 5),
            ]
        )
    ring.append(list(ring[0]))
    return {"type": "Polygon", "coordinates": [ring]}


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by inversion (Knuth); means here stay small (a unit-month)."""
    if mean <= 0:
        return 0
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _places(
    units: list[AdministrativeUnit], populations: dict[str, dict[int, int]], rng: random.Random
) -> dict[str, _Place]:
    settlements: dict[int, list[AdministrativeUnit]] = defaultdict(list)
    below = AdministrativeUnit.objects.filter(level=Level.SETTLEMENT, parent__in=units).order_by(
        "code"
    )
    for settlement in below:
        settlements[settlement.parent_id or 0].append(settlement)
    places = {}
    for unit in units:
        assert unit.latitude is not None and unit.longitude is not None
        radius = RADIUS_KM.get(unit.code, RURAL_RADIUS_KM)
        spots = []
        for index, settlement in enumerate(settlements[unit.pk]):
            # The first settlement is the centre of the aiyl aimak; the others around it.
            reach = rng.uniform(0.0, 0.6) if index == 0 else rng.uniform(0.2, 0.55) * radius
            angle = rng.uniform(0, 2 * math.pi)
            spots.append((settlement.pk, reach * math.cos(angle), reach * math.sin(angle)))
        place = _Place(
            unit=unit,
            population=populations[unit.code],
            latitude=unit.latitude,
            longitude=unit.longitude,
            radius_km=radius,
            settlements=spots,
            pastures=[],
            road_angle=rng.uniform(0, math.pi),
        )
        for cluster in PASTURE_CLUSTERS:
            if cluster.unit_code == unit.code:
                place.pastures.append(place.to_km(cluster.latitude, cluster.longitude))
        while len(place.pastures) < 3:
            angle = rng.uniform(0, 2 * math.pi)
            reach = rng.uniform(0.55, 0.72) * radius
            place.pastures.append((reach * math.cos(angle), reach * math.sin(angle)))
        places[unit.code] = place
    return places


def _pick(rng: random.Random, weighted: dict[str, float]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _adult_band(rng: random.Random) -> str:
    return _pick(rng, {"18_29": 0.5, "30_59": 0.45, "60_plus": 0.05})


def _people(
    rng: random.Random, profile: Profile, kind: str, identified: bool
) -> tuple[dict[str, int], str]:
    """Victim and offender counts by sex and age band, and the relationship between them."""
    counts: dict[str, int] = defaultdict(int)
    relationship = _pick(rng, {"unknown": 0.5, "stranger": 0.3, "acquaintance": 0.2})
    offender_sex = "male" if rng.random() < 0.9 else "female"
    victim_sex = "male" if rng.random() < 0.5 else "female"
    victim_band = _adult_band(rng)
    victims = 1
    if profile.victims == "owner":
        victim_sex = "male" if rng.random() < 0.8 else "female"
        victim_band = _pick(rng, {"18_29": 0.15, "30_59": 0.6, "60_plus": 0.25})
    elif profile.victims == "shepherd":
        victim_sex = "male"
        victim_band = _pick(rng, {"14_17": 0.1, "18_29": 0.4, "30_59": 0.5})
        relationship = "stranger"
    elif profile.victims == "young_man":
        victim_sex = "male" if rng.random() < 0.8 else "female"
        victim_band = _pick(rng, {"14_17": 0.1, "18_29": 0.5, "30_59": 0.35, "60_plus": 0.05})
        relationship = _pick(rng, {"acquaintance": 0.5, "stranger": 0.35, "unknown": 0.15})
    elif profile.victims == "domestic":
        relationship = "intimate_partner" if rng.random() < 0.75 else "family"
        if relationship == "intimate_partner":
            victim_sex = "female" if rng.random() < 0.92 else "male"
            offender_sex = "male" if victim_sex == "female" else "female"
            victim_band = _pick(rng, {"18_29": 0.45, "30_59": 0.55})
        else:
            victim_sex = "female" if rng.random() < 0.6 else "male"
            victim_band = _pick(rng, {"0_13": 0.15, "14_17": 0.15, "30_59": 0.3, "60_plus": 0.4})
    elif profile.victims == "road":
        victim_sex = "male" if rng.random() < 0.65 else "female"
        victim_band = _pick(
            rng, {"0_13": 0.15, "14_17": 0.1, "18_29": 0.3, "30_59": 0.3, "60_plus": 0.15}
        )
        victims = 1 if rng.random() < 0.85 else 2
        relationship = "stranger"
    elif profile.victims == "fraud":
        victim_sex = "female" if rng.random() < 0.6 else "male"
        victim_band = _pick(rng, {"18_29": 0.15, "30_59": 0.4, "60_plus": 0.45})
        relationship = "stranger"
    elif profile.victims == "none":
        victims = 0
        relationship = "unknown"
    if victims:
        counts[f"victims_{victim_sex}_{victim_band}"] += victims
    if identified:
        low, high = profile.offenders
        for _ in range(rng.randint(low, high)):
            if rng.random() < profile.juvenile:
                band = "14_17" if rng.random() < 0.85 else "0_13"
            elif kind == "domestic" and relationship == "intimate_partner":
                band = _pick(rng, {"18_29": 0.4, "30_59": 0.6})
            else:
                band = _adult_band(rng)
            counts[f"offenders_{offender_sex}_{band}"] += 1
    return dict(counts), relationship


def _status(
    rng: random.Random, occurred: dt.date, identified: bool, as_of: dt.date = LAST_DAY
) -> str:
    """Older cases are more often finished (age on ``as_of``): solved, referred to court, or
    closed."""
    age = (as_of - occurred).days
    if age < 45:
        return Status.UNDER_INVESTIGATION if rng.random() < 0.6 else Status.REGISTERED
    if identified:
        finished = min(0.95, 0.45 + age / 500)
        if rng.random() > finished:
            return Status.UNDER_INVESTIGATION
        return _pick(rng, {Status.SOLVED: 0.55, Status.REFERRED: 0.3, Status.CLOSED: 0.15})
    closed = min(0.8, 0.2 + age / 900)
    return Status.CLOSED if rng.random() < closed else Status.UNDER_INVESTIGATION


def _location(
    rng: random.Random, place: _Place, profile: Profile
) -> tuple[int | None, float, float]:
    """Settlement (if any) and a point in km from the centroid for one incident."""
    where = profile.place
    if where == "pasture" and rng.random() < 0.2:
        where = "village"  # animals taken from a yard in the village
    if where == "pasture" and place.unit.code != KARAKOL:
        x, y = rng.choice(place.pastures)
        return None, *place.inside(x + rng.gauss(0, 1.5), y + rng.gauss(0, 1.5))
    if where == "road":
        along = rng.uniform(-1, 1) * INNER_SHARE * place.radius_km
        x = along * math.cos(place.road_angle) + rng.gauss(0, 0.08)
        y = along * math.sin(place.road_angle) + rng.gauss(0, 0.08)
        return None, *place.inside(x, y)
    if place.settlements:
        weights = [3.0] + [1.0] * (len(place.settlements) - 1)
        settlement, sx, sy = rng.choices(place.settlements, weights=weights)[0]
        return settlement, *place.inside(sx + rng.gauss(0, 0.5), sy + rng.gauss(0, 0.5))
    # A town without settlement units: around the centre and the bazaar.
    if rng.random() < 0.25:
        return None, *place.inside(1.2 + rng.gauss(0, 0.3), -0.8 + rng.gauss(0, 0.3))
    return None, *place.inside(rng.gauss(0, 1.4), rng.gauss(0, 1.4))


class _Generator:
    def __init__(self, places: dict[str, _Place]) -> None:
        self.places = places
        self.rng = random.Random(SEED)  # noqa: S311 - synthetic demo data, not security
        self.drafts: list[dict[str, Any]] = []
        self.reporters = 0
        #: The day statuses and reports are reckoned on (the end of the generated calendar).
        self.as_of = LAST_DAY

    def run(self) -> list[dict[str, Any]]:
        for code, place in self.places.items():
            population = place.population
            urban = place.unit.kind == "oblast_city"
            for index, stream in enumerate(STREAMS):
                # One stream of random numbers per unit and kind: changing one kind's rates
                # leaves the incidents of all the others as they were.
                self.rng = random.Random(f"{SEED}:{code}:{index}")  # noqa: S311 - demo data
                rate = stream.urban if urban else stream.rural
                if code == INTERVENTION_UNIT:
                    rate = JETI_OGUZ_RATES.get(stream.code, rate)
                if stream.profile == "extremism" and code not in SOUTHERN and not urban:
                    continue
                unit_factor = self.rng.uniform(0.85, 1.15)
                weights = SEASONS[stream.season]
                for year in YEARS:
                    mean = rate * population[year] / 10_000 * unit_factor
                    mean *= stream.trend ** (year - YEARS[0])
                    # The start is a 1 January, so whole years are before or after it.
                    if (
                        code == INTERVENTION_UNIT
                        and stream.code in JETI_OGUZ_RATES
                        and year >= INTERVENTION_START.year
                    ):
                        mean *= INTERVENTION_EFFECT
                    for month in MONTHS:
                        days = calendar.monthrange(year, month)[1]
                        month_mean = mean * weights[month - 1] / sum(weights)
                        for _ in range(_poisson(self.rng, month_mean)):
                            occurred = dt.date(year, month, self.rng.randint(1, days))
                            self.add(place, stream, occurred)
        for index, cluster in enumerate(PASTURE_CLUSTERS):
            self.rng = random.Random(f"{SEED}:cluster:{index}")  # noqa: S311 - demo data
            self.add_cluster(cluster)
        return self.drafts

    def run_current_year(self, until: dt.date) -> list[dict[str, Any]]:
        """The year after the story (on the fixed calendar) from 1 January to ``until``: the
        story's kinds at its last year's rates and trend, the intervention still in force.
        Separate random streams, so the story itself is drawn exactly as designed; the story's
        cases are aged to ``until`` too (a case of last December is no longer brand new)."""
        story = len(self.drafts)
        for number, draft in enumerate(self.drafts):
            rng = random.Random(f"{SEED}:status:{number}")  # noqa: S311 - demo data
            identified = any(value for key, value in draft.items() if key.startswith("offenders_"))
            draft["status"] = _status(rng, draft["occurred_on"], identified, until)
        self.as_of = until
        year = until.year
        for code, place in self.places.items():
            urban = place.unit.kind == "oblast_city"
            for index, stream in enumerate(STREAMS):
                self.rng = random.Random(f"{SEED}:{code}:{index}:{year}")  # noqa: S311 - demo
                rate = stream.urban if urban else stream.rural
                if code == INTERVENTION_UNIT:
                    rate = JETI_OGUZ_RATES.get(stream.code, rate)
                    if stream.code in JETI_OGUZ_RATES:
                        rate *= INTERVENTION_EFFECT
                if stream.profile == "extremism" and code not in SOUTHERN and not urban:
                    continue
                unit_factor = self.rng.uniform(0.85, 1.15)
                weights = SEASONS[stream.season]
                mean = rate * place.population[YEARS[-1]] / 10_000 * unit_factor
                mean *= stream.trend ** (year - YEARS[0])
                for month in range(1, until.month + 1):
                    days = calendar.monthrange(year, month)[1]
                    month_mean = mean * weights[month - 1] / sum(weights)
                    for _ in range(_poisson(self.rng, month_mean)):
                        occurred = dt.date(year, month, self.rng.randint(1, days))
                        if occurred <= until:
                            self.add(place, stream, occurred)
        return self.drafts[story:]

    def add(
        self,
        place: _Place,
        stream: Stream,
        occurred: dt.date,
        *,
        point: tuple[float, float] | None = None,
        cluster: PastureCluster | None = None,
    ) -> None:
        rng = self.rng
        profile = PROFILES[stream.profile]
        identified = cluster.solved if cluster else rng.random() < profile.cleared
        people, relationship = _people(rng, profile, stream.profile, identified)
        if point is None:
            settlement, x, y = _location(rng, place, profile)
            located = rng.random() < 0.93
        else:
            settlement, (x, y), located = None, place.to_km(*point), True
        latitude, longitude = place.to_degrees(x, y) if located else (None, None)
        delay = min(int(rng.expovariate(1.0) * (profile.report_delay + 1) / 2), 30)
        reported = min(occurred + dt.timedelta(days=delay), self.as_of)
        draft: dict[str, Any] = {
            "unit": place.unit,
            "settlement_id": settlement,
            "iccs_id": stream.code,
            "occurred_on": occurred,
            "occurred_at": (
                dt.time(rng.choice(profile.hours), rng.choice((0, 10, 15, 20, 30, 40, 45, 50)))
                if rng.random() < 0.7
                else None
            ),
            "reported_on": reported,
            "latitude": latitude,
            "longitude": longitude,
            "status": _status(rng, occurred, identified, self.as_of),
            "attempted": rng.random() < profile.attempted,
            "context": Context.NONE,
            "alcohol_or_drugs": rng.random() < profile.alcohol,
            "relationship": relationship or Relationship.UNKNOWN,
            **people,
        }
        if stream.profile == "extremism":
            draft["context"] = Context.EXTREMISM
        elif stream.profile == "livestock_robbery" and rng.random() < 0.2:
            draft["context"] = Context.ORGANISED_CRIME
        if cluster is not None and cluster.solved:
            draft["context"] = Context.ORGANISED_CRIME
        if rng.random() < 0.35 or cluster is not None:
            pasture = cluster.name_ru if cluster else "у села"
            draft["narrative"] = NARRATIVES[stream.profile].format(
                n=rng.randint(2, 12), place=pasture
            )
        if rng.random() < 0.25:
            self.reporters += 1
            draft["reporter_name"] = f"Демо-заявитель {self.reporters:04d}"
            draft["reporter_contact"] = f"+996 000 {self.reporters:06d}"
        self.drafts.append(draft)

    def add_cluster(self, cluster: PastureCluster) -> None:
        place = self.places[cluster.unit_code]
        stream = STREAMS[0]  # theft of livestock, 05025
        scale = KM_PER_DEGREE * 1000.0
        for _ in range(cluster.size):
            while True:
                dx, dy = self.rng.gauss(0, CLUSTER_SPREAD_M), self.rng.gauss(0, CLUSTER_SPREAD_M)
                if math.hypot(dx, dy) <= CLUSTER_LIMIT_M:
                    break
            point = (
                cluster.latitude + dy / scale,
                cluster.longitude + dx / (scale * math.cos(math.radians(cluster.latitude))),
            )
            occurred = cluster.start + dt.timedelta(days=self.rng.randint(0, cluster.days))
            self.add(place, stream, occurred, point=point, cluster=cluster)


def _with_references(drafts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number each unit's incidents per year in date order: "JO-2024-000123"."""

    def when(draft: dict[str, Any]) -> tuple[dt.date, dt.time]:
        return draft["occurred_on"], draft["occurred_at"] or dt.time(12, 0)

    by_unit_year: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for draft in drafts:
        by_unit_year[(draft["unit"].code, draft["occurred_on"].year)].append(draft)
    for (code, year), group in by_unit_year.items():
        for number, draft in enumerate(sorted(group, key=when), start=1):
            draft["external_ref"] = f"{REF_PREFIX[code]}-{year}-{number:06d}"
    return drafts


def demo_drafts(
    units: list[AdministrativeUnit],
    populations: dict[str, dict[int, int]],
    demo_calendar: DemoCalendar | None = None,
) -> list[dict[str, Any]]:
    """The demo incidents of ``units`` as field dictionaries, the same on every call for the
    same calendar (by default the story as designed, 2023–2025).

    ``units`` are pilot municipalities with their centroids set; ``populations`` maps each
    unit's code to its population by story year (2023–2025, before any move).
    """
    rng = random.Random(SEED + 1)  # noqa: S311 - synthetic demo data, not security
    places = _places(sorted(units, key=lambda unit: unit.code), populations, rng)
    generator = _Generator(places)
    drafts = generator.run()
    if demo_calendar is not None:
        until = demo_calendar.current_year_until
        if until is not None:
            generator.run_current_year(until)  # appends to the same list
        if demo_calendar.shift:
            for draft in drafts:
                draft["occurred_on"] = demo_calendar.move(draft["occurred_on"])
                draft["reported_on"] = demo_calendar.move(draft["reported_on"])
    return _with_references(drafts)


@transaction.atomic
def demo_incidents_load(today: dt.date | None = None) -> DemoIncidents:
    """Load (or complete) the demo incidents of the pilot municipalities up to ``today``
    (:class:`DemoCalendar`); idempotent for a day, and a load on a later day adds the days
    between.

    Expects the pilots' centroids and populations in place (``demo_load`` sets them first).
    Sets the approximate boundaries of pilots without one. Writes with ``bulk_create``; the
    prevention categories are derived on each instance, since ``bulk_create`` skips ``save()``.
    """
    # The ICCS table comes with a migration; a flushed database (the browser tests' live
    # server) has lost it, so make sure it is there before incidents point at it.
    iccs_load(IccsCategory)
    codes = pilot_codes()
    units = list(AdministrativeUnit.objects.filter(code__in=codes, latitude__isnull=False))
    demo_calendar = DemoCalendar.for_load(today)
    story_year = dict(zip(demo_calendar.years, YEARS, strict=True))
    populations: dict[str, dict[int, int]] = defaultdict(dict)
    for code, year, population in PopulationCount.objects.filter(
        unit__in=units, year__in=demo_calendar.years
    ).values_list("unit__code", "year", "population"):
        populations[code][story_year[year]] = population
    units = sorted(
        (unit for unit in units if all(year in populations[unit.code] for year in YEARS)),
        key=lambda unit: unit.code,
    )

    boundary_rng = random.Random(SEED + 2)  # noqa: S311 - synthetic demo data, not security
    boundaries_set = 0
    for unit in units:
        assert unit.latitude is not None and unit.longitude is not None
        polygon = approximate_boundary(
            unit.latitude, unit.longitude, RADIUS_KM.get(unit.code, RURAL_RADIUS_KM), boundary_rng
        )
        if unit.boundary is None:
            unit.boundary = polygon
            unit.save(update_fields=["boundary"])
            boundaries_set += 1

    existing = set(
        Incident.objects.filter(unit__in=units)
        .exclude(external_ref="")
        .values_list("unit_id", "external_ref")
    )
    new = []
    by_unit: dict[str, int] = defaultdict(int)
    for draft in demo_drafts(units, populations, demo_calendar):
        by_unit[draft["unit"].code] += 1
        if (draft["unit"].pk, draft["external_ref"]) in existing:
            continue
        incident = Incident(**draft)
        incident.derive_categories()
        new.append(incident)
    Incident.objects.bulk_create(new, batch_size=500)
    return DemoIncidents(
        created=len(new),
        total=sum(by_unit.values()),
        boundaries_set=boundaries_set,
        by_unit=dict(by_unit),
    )


def demo_module_load() -> str:
    """The module's demo loader (kenesh.core.modules): loads and says what is there."""
    loaded = demo_incidents_load()
    return f"{loaded.total} incidents"
