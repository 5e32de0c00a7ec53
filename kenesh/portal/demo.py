"""The demo programme: ten pilot municipalities, their organisations, working groups and users.

Synthetic but plausible. Loading is idempotent (a second run changes nothing) and refuses a
database that holds anyone but demo users, so production data never gets demo accounts.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from kenesh.accounts.models import User
from kenesh.accounts.services import role_assign
from kenesh.core.demo_calendar import STORY_YEARS, DemoCalendar
from kenesh.core.modules import modules, resolve
from kenesh.core.permissions import Role
from kenesh.core.services import model_create
from kenesh.geo.models import AdministrativeUnit, Species
from kenesh.geo.services import (
    COUNTRY_CODE,
    DATA_DIR,
    DEMO_GEOGRAPHY,
    geography_load_file,
    livestock_count_set,
    population_set,
)
from kenesh.orgs.models import (
    Membership,
    MemberType,
    Organisation,
    OrganisationKind,
    Person,
    Programme,
    WorkingGroup,
)

DEMO_PASSWORD = "kenesh-demo"
#: The demo programme's ten pilots started with their working groups.
PROGRAMME_START = dt.date(2017, 3, 1)
JETI_OGUZ = "41702210830000"
KARAKOL = "41702410000010"

# (username, role, SOATE code of the unit, first name, last name)
DEMO_USERS: list[tuple[str, Role, str, str, str]] = [
    ("admin", Role.ADMINISTRATOR, COUNTRY_CODE, "Айгуль", "Администратор"),
    ("coordinator", Role.PROGRAMME_COORDINATOR, COUNTRY_CODE, "Нурлан", "Асанов"),
    ("lcpc.jetioguz", Role.LCPC_COORDINATOR, JETI_OGUZ, "Гулзат", "Токтогулова"),
    ("police.jetioguz", Role.POLICE_OFFICER, JETI_OGUZ, "Бакыт", "Жумабеков"),
    ("localgov.jetioguz", Role.LOCAL_GOVERNMENT, JETI_OGUZ, "Алмаз", "Сыдыков"),
    ("civil.jetioguz", Role.CIVIL_SOCIETY, JETI_OGUZ, "Жылдыз", "Усенова"),
    ("registrar.jetioguz", Role.LIVESTOCK_REGISTRAR, JETI_OGUZ, "Таалай", "Мамытов"),
    ("lcpc.karakol", Role.LCPC_COORDINATOR, KARAKOL, "Айпери", "Абдыраева"),
    ("police.karakol", Role.POLICE_OFFICER, KARAKOL, "Эрлан", "Кадыров"),
]

# Approximate centres of the pilot municipalities (latitude, longitude).
CENTROIDS = {
    JETI_OGUZ: (42.337, 78.224),
    KARAKOL: (42.490, 78.395),
    "41703207826000": (41.333, 72.940),
    "41704235816000": (42.215, 75.755),
    "41705214848000": (39.980, 70.560),
    "41706207814000": (40.318, 73.442),
    "41706246820000": (40.628, 73.621),
    "41707215818000": (42.620, 71.580),
    "41708206812000": (42.888, 75.083),
    "41708222865000": (42.865, 74.300),
}

FIRST_NAMES = {
    "female": ["Айгерим", "Бермет", "Гулнара", "Динара", "Жаныл", "Нургуль", "Самара", "Чолпон"],
    "male": ["Азамат", "Бекболот", "Данияр", "Жыргалбек", "Канат", "Мирлан", "Нурбек", "Улан"],
}
LAST_NAMES = {
    "female": ["Алиева", "Бакирова", "Касымова", "Мамбетова", "Осмонова", "Сагынбаева"],
    "male": ["Алиев", "Бакиров", "Касымов", "Мамбетов", "Осмонов", "Сагынбаев"],
}
MEMBER_PLAN = [
    (MemberType.LOCAL_GOVERNMENT, "Председатель рабочей группы"),
    (MemberType.POLICE, "Участковый инспектор"),
    (MemberType.POLICE, "Инспектор по делам несовершеннолетних"),
    (MemberType.LCPC, "Координатор ОПП"),
    (MemberType.LCPC, "Член ОПП"),
    (MemberType.CIVIL_SOCIETY, "Представитель НКО"),
    (MemberType.CIVIL_SOCIETY, "Совет аксакалов"),
    (MemberType.CIVIL_SOCIETY, "Женский совет"),
    (MemberType.OTHER, "Директор школы"),
]


class DemoRefused(Exception):
    """The database holds real users: the demo must not be loaded into it."""


@dataclass
class DemoSummary:
    municipalities: int
    organisations: int
    working_groups: int
    members: int
    users: list[tuple[str, str, str]]
    # What each module's demo loader reported ("3086 incidents"), in registry order.
    modules: list[str] = field(default_factory=list)


def _ensure(model: type[models.Model], lookup: dict[str, Any], **defaults: Any) -> Any:
    """The object matching ``lookup``, created (and audited) only when it is missing."""
    found = model._default_manager.filter(**lookup).first()
    if found is not None:
        return found
    return model_create(model=model, actor=None, data={**lookup, **defaults})


def _pilot_rows() -> list[dict[str, str]]:
    with (DATA_DIR / "pilot_municipalities.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _person_name(rng: random.Random, sex: str) -> str:
    return f"{rng.choice(LAST_NAMES[sex])} {rng.choice(FIRST_NAMES[sex])}"


def _organisations(unit: AdministrativeUnit) -> dict[str, Organisation]:
    short_ru = unit.name_ru.replace(" айылный аймак", "").replace("г. ", "")
    short_ky = unit.name_ky.replace(" айыл аймагы", "").replace(" шаары", "")
    short_en = unit.name_en.replace(" Aiyl Aimak", "").replace(" City", "")
    specs = {
        OrganisationKind.POLICE_STATION: (
            f"{short_ky} милиция бөлүмү",
            f"Отдел милиции {short_ru}",
            f"{short_en} police station",
        ),
        OrganisationKind.LCPC: (
            f"{short_ky} укук бузууларды алдын алуу борбору",
            f"Общественный пункт профилактики правонарушений {short_ru}",
            f"{short_en} local crime prevention centre",
        ),
        OrganisationKind.LOCAL_GOVERNMENT: (
            f"{short_ky} айыл өкмөтү"
            if unit.kind != "oblast_city"
            else f"{short_ky} шаардык мэриясы",
            f"Айыл окмоту {short_ru}" if unit.kind != "oblast_city" else f"Мэрия города {short_ru}",
            f"{short_en} local government",
        ),
        OrganisationKind.SCHOOL: (
            f"{short_ky} №1 орто мектеби",
            f"Средняя школа №1 {short_ru}",
            f"{short_en} secondary school No. 1",
        ),
    }
    return {
        kind: _ensure(
            Organisation,
            {"unit": unit, "kind": kind, "name_ru": ru},
            name_ky=ky,
            name_en=en,
            phone=f"+996 3922 {5 + i}{unit.code[-6:-3]}",
        )
        for i, (kind, (ky, ru, en)) in enumerate(specs.items())
    }


@transaction.atomic
def demo_load() -> DemoSummary:
    """Load (or complete) the demo programme. Raises :class:`DemoRefused` on real data."""
    if User.objects.filter(is_demo=False).exists():
        raise DemoRefused(
            "This database holds users that are not demo accounts; the demo is not loaded "
            "into real data."
        )
    report = geography_load_file(path=DEMO_GEOGRAPHY)
    if not report.ok:  # the shipped file is checked by tests; this guards edits to it
        raise ValueError("; ".join(str(error) for error in report.errors))

    country = AdministrativeUnit.objects.get(code=COUNTRY_CODE)
    _ensure(
        Organisation,
        {
            "unit": country,
            "kind": OrganisationKind.MINISTRY,
            "name_ru": "Министерство внутренних дел",
        },
        name_ky="Ички иштер министрлиги",
        name_en="Ministry of Internal Affairs",
    )
    partner = _ensure(
        Organisation,
        {
            "unit": country,
            "kind": OrganisationKind.INTERNATIONAL_PARTNER,
            "name_ru": "Управление ООН по наркотикам и преступности (УНП ООН)",
        },
        name_ky="БУУнун Баңгизат жана кылмыштуулук боюнча башкармалыгы",
        name_en="United Nations Office on Drugs and Crime (UNODC)",
    )
    donor = _ensure(
        Organisation,
        {
            "unit": country,
            "kind": OrganisationKind.DONOR,
            "name_ru": (
                "Бюро по международным делам в области наркотиков "
                "и правоохранительной деятельности (INL)"
            ),
        },
        name_ky="Баңгизат жана укук коргоо боюнча эл аралык иштер бюросу (INL)",
        name_en="Bureau of International Narcotics and Law Enforcement Affairs (INL)",
    )

    # The story's years as this load places them (kenesh.core.demo_calendar).
    demo_calendar = DemoCalendar.for_load()
    rng = random.Random(2017)  # noqa: S311 - synthetic demo data, not security
    members = 0
    pilots = _pilot_rows()
    for row in pilots:
        unit = AdministrativeUnit.objects.get(code=row["code"])
        if unit.latitude is None and row["code"] in CENTROIDS:
            unit.latitude, unit.longitude = CENTROIDS[row["code"]]
            unit.save(update_fields=["latitude", "longitude"])
        for story_year, year in zip(STORY_YEARS, demo_calendar.years, strict=True):
            population_set(
                actor=None, unit=unit, year=year, population=int(row[f"population_{story_year}"])
            )
        people_per_head = {"cattle": 0.55, "yak": 0.05, "horse": 0.25, "sheep": 2.4, "goat": 0.6}
        if unit.kind == "oblast_city":
            people_per_head = {k: v / 20 for k, v in people_per_head.items()}
        base = int(row["population_2023"])
        for step, year in enumerate(demo_calendar.years):
            for species in Species.values:
                heads = int(base * people_per_head[species] * (1 + 0.03 * step))
                livestock_count_set(actor=None, unit=unit, year=year, species=species, heads=heads)

        organisations = _organisations(unit)
        group = _ensure(
            WorkingGroup,
            {"unit": unit},
            name_ru=f"Рабочая группа по профилактике правонарушений — {unit.name_ru}",
            name_ky=f"{unit.name_ky}: укук бузууларды алдын алуу боюнча жумушчу топ",
            name_en=f"{unit.name_en} crime prevention working group",
            lcpc=organisations[OrganisationKind.LCPC],
            established_on=PROGRAMME_START,
        )
        if not group.memberships.exists():
            for member_type, role_in_group in MEMBER_PLAN:
                sex = rng.choice(["female", "male"])
                organisation = {
                    MemberType.POLICE: organisations[OrganisationKind.POLICE_STATION],
                    MemberType.LCPC: organisations[OrganisationKind.LCPC],
                    MemberType.LOCAL_GOVERNMENT: organisations[OrganisationKind.LOCAL_GOVERNMENT],
                    MemberType.OTHER: organisations[OrganisationKind.SCHOOL],
                }.get(member_type)
                person = model_create(
                    model=Person,
                    actor=None,
                    data={
                        "full_name": _person_name(rng, sex),
                        "sex": sex,
                        "phone": f"+996 70{rng.randint(0, 9)} {rng.randint(100000, 999999)}",
                        "position": role_in_group,
                        "organisation": organisation,
                        "unit": unit,
                    },
                )
                model_create(
                    model=Membership,
                    actor=None,
                    data={
                        "working_group": group,
                        "person": person,
                        "member_type": member_type,
                        "role_in_group": role_in_group,
                        "valid_from": dt.date(2017, 3, 1),
                    },
                )
        members += group.memberships.count()

    programme = _ensure(
        Programme,
        {"name_ru": "Общественная профилактика правонарушений в Кыргызской Республике (пилот)"},
        name_ky="Кыргыз Республикасында укук бузууларды коомчулук менен алдын алуу (пилот)",
        name_en="Community-based crime prevention in the Kyrgyz Republic (pilot)",
        donor=donor,
        partner=partner,
        start=PROGRAMME_START,
    )
    programme.municipalities.add(
        *AdministrativeUnit.objects.filter(code__in=[row["code"] for row in pilots])
    )

    users = []
    for username, role, code, first_name, last_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                is_demo=True,
                is_staff=role is Role.ADMINISTRATOR,
                is_superuser=role is Role.ADMINISTRATOR,
            )
        unit = AdministrativeUnit.objects.get(code=code)
        role_assign(actor=None, user=user, role=role, unit=unit)
        users.append((username, str(role.label), unit.name_en or unit.name_ru))

    loaded = [resolve(module.demo_loader)() for module in modules() if module.demo_loader]

    return DemoSummary(
        municipalities=len(pilots),
        organisations=Organisation.objects.count(),
        working_groups=WorkingGroup.objects.count(),
        members=members,
        users=users,
        modules=loaded,
    )
