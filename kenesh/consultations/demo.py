"""Demo consultations: the standard survey in two rounds, community meetings, citizens'
concerns from every channel and the priorities the working groups adopted, in three pilots.

Synthetic but plausible, and consistent with the demo incidents' story:

- **Jeti-Oguz** (livestock registration from 2025) and two comparison pilots, **Kochkor** and
  **Kara-Kulja**, each ask the standard survey (:mod:`kenesh.consultations.standard`) in a
  baseline round (February–March 2024, closed) and a follow-up round (November–December 2025;
  open on the demo's last day, closed after it). The share of respondents feeling a bit or very
  unsafe walking alone after dark falls in Jeti-Oguz from :data:`UNSAFE_AFTER_DARK` 50 % to
  30 % (drawn as exact quotas, so the fall does not depend on luck) and stays about flat
  elsewhere;
- "the three most serious problems" are drawn from weights in which the programme's seed
  priorities (violent extremism, domestic violence, juvenile delinquency, livestock theft,
  road safety) lead: livestock theft in the north, violent extremism in Kara-Kulja;
- meetings (a results meeting, the working-group session that adopted the priorities, a
  school forum or dialogue platform, a community meeting on the main problem and a year's
  review) with attendance by sex and age band and their decisions;
- about 200 concerns from every channel, dated across 2024–2025, with their dated steps
  through the loop (new, acknowledged, in plan, resolved, not actionable with a reason); some
  of the web form's are shown publicly (the reporter agreed and moderation approved);
- the five seed priorities adopted by each working group at its May 2024 session, ranked by the
  priority matrix (:mod:`kenesh.analytics.priorities`) on the shares of the baseline survey
  and of the concerns, and the severity weights.

Dates follow the demo calendar (:class:`kenesh.core.demo_calendar.DemoCalendar`): the story
is written on 2024–2025 and moves by whole years; a load after the story's last year goes on
receiving concerns up to its day, as the incidents draw their current year. Every draw comes
from a random generator seeded by the pilot and the part, so a part skipped on a second load
does not change the others. Loading is idempotent: surveys are keyed by (municipality, series,
round), meetings by (municipality, title), concerns by their reference (drawn from the seed),
priorities by municipality. The surveys and their questions are created by
:func:`~kenesh.consultations.standard.create_standard_survey` (audited, as anyone creating
one); everything else is written in bulk without audit entries (generated, nobody wrote it).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from kenesh.accounts.models import User
from kenesh.analytics.priorities import DEFAULT_WEIGHTS, priority_scores
from kenesh.consultations.models import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    AdoptedPriority,
    Answer,
    Concern,
    ConcernCategory,
    ConcernChannel,
    ConcernEvent,
    ConcernStatus,
    Meeting,
    MeetingKind,
    Question,
    Response,
    ResponseChannel,
    Survey,
    SurveyRound,
    SurveyStatus,
)
from kenesh.consultations.standard import (
    CATEGORIES_FILE,
    STANDARD_SERIES,
    create_standard_survey,
)
from kenesh.core.demo_calendar import DemoCalendar
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Organisation, OrganisationKind, Programme

SEED = 2024

JETI_OGUZ = "41702210830000"
KOCHKOR = "41704235816000"
KARA_KULJA = "41706246820000"
PILOTS = (JETI_OGUZ, KOCHKOR, KARA_KULJA)
#: The demo user who enters Jeti-Oguz's paper questionnaires and handles its concerns.
STAFF_USERNAME = {JETI_OGUZ: "lcpc.jetioguz"}

#: The programme's seed priorities (docs: PRODUCT.md), adopted by every working group.
SEED_PRIORITIES = (
    "violent_extremism",
    "domestic_violence",
    "juvenile_delinquency",
    "livestock_theft",
    "road_safety",
)

#: The rounds of the standard survey, on the story's calendar: (opens, closes, status while
#: open). The follow-up is open on the demo's last day and closed after it.
ROUNDS = {
    SurveyRound.BASELINE: (dt.date(2024, 2, 5), dt.date(2024, 3, 29)),
    SurveyRound.FOLLOW_UP: (dt.date(2025, 11, 3), dt.date(2025, 12, 31)),
}
#: Responses per round.
RESPONSES = {JETI_OGUZ: 320, KOCHKOR: 240, KARA_KULJA: 240}
#: Share feeling a bit or very unsafe walking alone after dark, (baseline, follow-up).
UNSAFE_AFTER_DARK = {JETI_OGUZ: (0.50, 0.30), KOCHKOR: (0.38, 0.37), KARA_KULJA: (0.44, 0.43)}
#: Questions whose results are published on the municipality's public page.
PUBLISHED_QUESTIONS = ("safe_after_dark", "serious_problems", "police_doing_good_job", "aware_lcpc")

#: Weights of "the most serious problems" per pilot (the concern categories not named get 1).
PROBLEM_WEIGHTS: dict[str, dict[str, float]] = {
    JETI_OGUZ: {
        "livestock_theft": 30,
        "domestic_violence": 17,
        "juvenile_delinquency": 14,
        "road_safety": 14,
        "violent_extremism": 8,
        "public_drinking": 5,
        "street_lighting": 5,
        "burglary": 4,
        "stray_dogs": 3,
    },
    KOCHKOR: {
        "livestock_theft": 22,
        "domestic_violence": 18,
        "road_safety": 16,
        "juvenile_delinquency": 14,
        "violent_extremism": 8,
        "public_drinking": 5,
        "street_lighting": 4,
        "burglary": 4,
        "drugs": 3,
    },
    KARA_KULJA: {
        "violent_extremism": 24,
        "domestic_violence": 16,
        "juvenile_delinquency": 15,
        "livestock_theft": 15,
        "road_safety": 10,
        "bride_kidnapping": 5,
        "drugs": 4,
        "street_lighting": 4,
        "stray_dogs": 3,
    },
}
#: Concerns per pilot (about 200 in all).
CONCERNS = {JETI_OGUZ: 90, KOCHKOR: 60, KARA_KULJA: 50}
#: Concerns are more everyday than the survey's problems: these are added to the weights.
CONCERN_EXTRA = {"street_lighting": 8, "stray_dogs": 5, "public_drinking": 3, "other": 2}
CHANNEL_WEIGHTS: dict[str, float] = {
    ConcernChannel.WEB: 20,
    ConcernChannel.MEETING: 14,
    ConcernChannel.SURVEY: 10,
    ConcernChannel.SMS: 20,
    ConcernChannel.TELEGRAM: 12,
    ConcernChannel.PHONE: 10,
    ConcernChannel.STAFF: 14,
}
CONCERNS_FROM = dt.date(2024, 1, 15)
CONCERNS_TO = dt.date(2025, 12, 29)

#: Victimisation in the last 12 months (share answering yes) and the share reported to the
#: police; livestock theft falls in Jeti-Oguz after registration (the incidents' story).
VICTIMISATION = {
    "livestock_theft": (0.10, 0.60),
    "burglary": (0.05, 0.55),
    "personal_theft": (0.08, 0.35),
    "robbery": (0.02, 0.50),
    "assault": (0.04, 0.30),
    "fraud": (0.07, 0.15),
}
JETI_OGUZ_LIVESTOCK = (0.16, 0.08)


def _rng(*parts: object) -> random.Random:
    """A generator of its own for one part of one pilot: skipping a part skips only its draws."""
    return random.Random("-".join(str(part) for part in (SEED, *parts)))  # noqa: S311 - demo data


@dataclass
class Loaded:
    surveys: int = 0
    responses: int = 0
    meetings: int = 0
    concerns: int = 0
    priorities: int = 0

    def __str__(self) -> str:
        return (
            f"{self.surveys} surveys with {self.responses} responses, {self.meetings} meetings, "
            f"{self.concerns} concerns, {self.priorities} adopted priorities"
        )


class _Clock:
    """Story dates and times where this load puts them (Asia/Bishkek)."""

    def __init__(self, calendar: DemoCalendar) -> None:
        self.calendar = calendar
        self.zone = timezone.get_default_timezone()

    def day(self, story_day: dt.date) -> dt.date:
        return self.calendar.move(story_day)

    def at(self, story_day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        moved = self.calendar.move(story_day)
        return dt.datetime.combine(moved, dt.time(hour, minute), tzinfo=self.zone)

    @property
    def now(self) -> dt.datetime:
        """The end of the load's day: nothing is dated after it."""
        return dt.datetime.combine(self.calendar.today, dt.time(23, 59), tzinfo=self.zone)


def _ensure_categories() -> None:
    """The concern categories, which a flushed database (the browser tests') has lost."""
    existing = set(ConcernCategory.objects.values_list("code", flat=True))
    with CATEGORIES_FILE.open(encoding="utf-8", newline="") as handle:
        missing = [row for row in csv.DictReader(handle) if row["code"] not in existing]
    ConcernCategory.objects.bulk_create(
        [
            ConcernCategory(
                code=row["code"],
                incident_category=row["incident_category"],
                severity=Decimal(row["severity"]),
                order=int(row["order"]),
                name_ky=row["name_ky"],
                name_ru=row["name_ru"],
                name_en=row["name_en"],
            )
            for row in missing
        ]
    )


def _weighted_sample(rng: random.Random, weights: Mapping[str, float], k: int) -> list[str]:
    """``k`` distinct keys drawn with probability proportional to their weights."""
    pool = dict(weights)
    chosen: list[str] = []
    for _ in range(min(k, len(pool))):
        key = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.append(key)
        del pool[key]
    return chosen


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _problem_weights(code: str, categories: Sequence[str]) -> dict[str, float]:
    own = PROBLEM_WEIGHTS[code]
    return {category: float(own.get(category, 1)) for category in categories}


# Surveys -----------------------------------------------------------------------------------------


def _safe_after_dark_quota(rng: random.Random, count: int, unsafe: float) -> list[str]:
    """Exactly ``round(unsafe·count)`` a bit or very unsafe, 3 % who never go out, 2 % who do
    not know, the rest fairly or very safe; shuffled."""
    n_unsafe = round(unsafe * count)
    n_very_unsafe = round(n_unsafe * 0.38)
    n_never = round(0.03 * count)
    n_unknown = round(0.02 * count)
    n_safe = count - n_unsafe - n_never - n_unknown
    n_very_safe = round(n_safe * 0.4)
    answers = (
        ["very_unsafe"] * n_very_unsafe
        + ["a_bit_unsafe"] * (n_unsafe - n_very_unsafe)
        + ["never_go_out"] * n_never
        + ["dont_know"] * n_unknown
        + ["very_safe"] * n_very_safe
        + ["fairly_safe"] * (n_safe - n_very_safe)
    )
    rng.shuffle(answers)
    return answers


COMMENTS = {
    "ru": [
        "Нужно больше освещения на улицах.",
        "Участковый редко бывает в нашем селе.",
        "Спасибо ОПП за работу с молодёжью.",
        "Скот надо регистрировать, тогда воровать перестанут.",
        "Водители слишком быстро ездят возле школы.",
        "Хорошо бы чаще проводить сходы жителей.",
    ],
    "ky": [
        "Көчөлөргө көбүрөөк жарык керек.",
        "Участкалык инспектор айылыбызга сейрек келет.",
        "Жаштар менен иштегени үчүн ОППга рахмат.",
        "Малды каттоо керек, ошондо уурдоо токтойт.",
        "Айдоочулар мектептин жанында өтө ылдам айдашат.",
        "Эл чогулуштарын көбүрөөк өткөрүү керек.",
    ],
}

_SEXES = {"female": 51, "male": 47, "not_said": 2}
_AGES = {"14_17": 7, "18_29": 24, "30_44": 29, "45_59": 24, "60_plus": 14, "not_said": 2}
_POLICE_JOB = ("very_good", "fairly_good", "fairly_poor", "very_poor", "dont_know")


def _survey_answers(
    rng: random.Random, code: str, round_: str, categories: Sequence[str], safe: str
) -> dict[str, Any]:
    """One respondent's answers by question code (option codes, or a text for comments)."""
    improved = code == JETI_OGUZ and round_ == SurveyRound.FOLLOW_UP
    answers: dict[str, Any] = {"safe_after_dark": safe}
    how_many = rng.choices((3, 2, 1), weights=(70, 20, 10))[0]
    answers["serious_problems"] = _weighted_sample(
        rng, _problem_weights(code, categories), how_many
    )
    for kind, (share, reported) in VICTIMISATION.items():
        if kind == "livestock_theft" and code == JETI_OGUZ:
            share = JETI_OGUZ_LIVESTOCK[1 if improved else 0]
        victim = rng.random() < share
        answers[f"victim_{kind}"] = "yes" if victim else "no"
        if victim:
            answers[f"reported_{kind}"] = "yes" if rng.random() < reported else "no"
    job = (10, 38, 30, 14, 8) if not improved else (16, 46, 22, 8, 8)
    answers["police_doing_good_job"] = rng.choices(_POLICE_JOB, weights=job)[0]
    trust = (12, 20, 34, 24, 10) if not improved else (7, 15, 32, 31, 15)
    answers["trust_police"] = rng.choices(("1", "2", "3", "4", "5"), weights=trust)[0]
    aware = 0.42 if not improved else 0.71
    answers["aware_lcpc"] = "yes" if rng.random() < aware else "no"
    attended = 0.12 if not improved else 0.24
    answers["attended_meeting"] = "yes" if rng.random() < attended else "no"
    if rng.random() < 0.12:
        answers["comments"] = rng.choice(COMMENTS[rng.choice(("ru", "ky"))])
    return answers


def _load_survey(
    *,
    unit: AdministrativeUnit,
    round_: str,
    clock: _Clock,
    categories: Sequence[str],
    settlements: Sequence[AdministrativeUnit],
    staff: User | None,
    programme: Programme | None,
) -> tuple[Survey, list[Response]]:
    rng = _rng(unit.code, "survey", round_)
    opens, closes = ROUNDS[SurveyRound(round_)]
    closes_on = clock.day(closes)
    status = SurveyStatus.OPEN if clock.calendar.today <= closes_on else SurveyStatus.CLOSED
    survey = create_standard_survey(
        unit=unit,
        round=round_,
        opens_on=clock.day(opens),
        closes_on=closes_on,
        actor=staff,
        programme=programme,
        status=status,
    )
    Question.objects.filter(survey=survey, code__in=PUBLISHED_QUESTIONS).update(published=True)
    questions = {q.code: q for q in survey.questions.prefetch_related("options")}
    options = {
        (q.code, option.code): option for q in questions.values() for option in q.options.all()
    }
    count = RESPONSES[unit.code]
    round_index = 0 if round_ == SurveyRound.BASELINE else 1
    safe = _safe_after_dark_quota(rng, count, UNSAFE_AFTER_DARK[unit.code][round_index])
    channels: dict[str, float] = (
        {ResponseChannel.PAPER: 55, ResponseChannel.IMPORT: 30, ResponseChannel.ONLINE: 15}
        if round_ == SurveyRound.BASELINE
        else {ResponseChannel.PAPER: 40, ResponseChannel.IMPORT: 30, ResponseChannel.ONLINE: 30}
    )
    days = (closes - opens).days - 10  # the last answers come in ten days before it closes
    responses: list[Response] = []
    drawn: list[dict[str, Any]] = []
    for index in range(count):
        channel = _pick(rng, channels)
        day = opens + dt.timedelta(days=rng.randrange(days))
        responses.append(
            Response(
                survey=survey,
                sex=_pick(rng, _SEXES),
                age_band=_pick(rng, _AGES),
                settlement=rng.choice(settlements) if settlements else None,
                channel=channel,
                submitted_at=clock.at(day, rng.randint(9, 19), rng.randrange(60)),
                external_id=(
                    f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
                    if channel == ResponseChannel.IMPORT
                    else ""
                ),
                entered_by=staff if channel == ResponseChannel.PAPER else None,
            )
        )
        drawn.append(_survey_answers(rng, unit.code, round_, categories, safe[index]))
    Response.objects.bulk_create(responses, batch_size=500)
    rows: list[tuple[int, int, int | None, str]] = []
    for response, given in zip(responses, drawn, strict=True):
        for code, value in given.items():
            question = questions[code]
            if code == "comments":
                rows.append((response.pk, question.pk, None, value))
                continue
            for option_code in value if isinstance(value, list) else [value]:
                rows.append((response.pk, question.pk, options[(code, option_code)].pk, ""))
    _insert_answers(rows)
    return survey, responses


def _insert_answers(rows: Sequence[tuple[int, int, int | None, str]], batch: int = 1000) -> None:
    """Insert answers (response, question, option, text), ``batch`` rows a statement (one
    statement of arrays on PostgreSQL): some
    twenty thousand of them, which ``bulk_create`` builds as model instances several times
    slower. The rows are the demo's own, checked by its tests (an option of the question,
    once)."""
    columns = ", ".join(
        connection.ops.quote_name(name)
        for name in ("response_id", "question_id", "option_id", "text")
    )
    table = connection.ops.quote_name(Answer._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # four arrays: one statement, four parameters
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM "  # noqa: S608 - no user input
                "UNNEST(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[])",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608 - no user input
                [value for row in chunk for value in row],
            )


# Meetings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingPlan:
    day: dt.date
    kind: str
    title: str
    decisions: str
    # Attendance by field suffix (sex_band): a typical count, drawn ±30 %.
    attendance: dict[str, int]
    #: What this meeting is: "results", "priorities", "review" or "" (the others).
    role: str = ""


_ADULTS = {"female_18_29": 6, "female_30_59": 14, "female_60_plus": 5}
_ADULTS |= {"male_18_29": 5, "male_30_59": 12, "male_60_plus": 7}
_GROUP = {"female_30_59": 4, "male_30_59": 6, "male_60_plus": 1, "female_18_29": 1}
_YOUNG = {"female_under_18": 28, "male_under_18": 31, "female_30_59": 4, "male_30_59": 3}

_MAIN_PROBLEM = {
    JETI_OGUZ: (
        dt.date(2025, 3, 14),
        MeetingKind.COMMUNITY,
        "Сход жителей: кража скота и регистрация животных",
        "Начать регистрацию скота с марта; чабанам на джайлоо выдать рации; "
        "участковому проводить совместные рейды с дружинниками в летний сезон.",
    ),
    KOCHKOR: (
        dt.date(2025, 4, 11),
        MeetingKind.COMMUNITY,
        "Сход жителей: безопасность на дорогах",
        "Просить районную администрацию установить «лежачих полицейских» и переход у школы; "
        "провести с ГАИ рейды против вождения в нетрезвом виде.",
    ),
    KARA_KULJA: (
        dt.date(2025, 2, 21),
        MeetingKind.DIALOGUE,
        "Диалоговая площадка по профилактике насильственного экстремизма",
        "Провести встречи имамов, родителей и молодёжи в каждом селе; открыть спортивные "
        "секции в клубе; обучить учителей распознавать признаки вербовки.",
    ),
}


def _meeting_plans(code: str) -> list[MeetingPlan]:
    main_day, main_kind, main_title, main_decisions = _MAIN_PROBLEM[code]
    youth_kind = MeetingKind.SCHOOL_FORUM
    youth_title = "Школьный форум «Безопасная школа — безопасное село»"
    return [
        MeetingPlan(
            dt.date(2024, 4, 12),
            MeetingKind.COMMUNITY,
            "Сход жителей: итоги опроса о безопасности",
            "Представить итоги опроса в каждом селе; собрать предложения жителей к плану "
            "профилактики до конца апреля.",
            _ADULTS,
            role="results",
        ),
        MeetingPlan(
            dt.date(2024, 5, 17),
            MeetingKind.WORKING_GROUP,
            "Заседание рабочей группы: утверждение приоритетов",
            "Утвердить пять приоритетов профилактики на 2024–2025 годы по матрице приоритетов; "
            "поручить координатору ОПП подготовить проект плана.",
            _GROUP,
            role="priorities",
        ),
        MeetingPlan(
            dt.date(2024, 10, 18),
            youth_kind,
            youth_title,
            "Создать школьный совет профилактики; провести форум-театр о травле и насилии; "
            "инспектору по делам несовершеннолетних встречаться с классами ежемесячно.",
            _YOUNG,
        ),
        MeetingPlan(main_day, main_kind, main_title, main_decisions, _ADULTS),
        MeetingPlan(
            dt.date(2025, 12, 5),
            MeetingKind.COMMUNITY,
            "Сход жителей: итоги года и повторный опрос",
            "Отчитаться о выполнении плана; пригласить жителей ответить на повторный опрос до "
            "конца декабря.",
            _ADULTS,
            role="review",
        ),
    ]


def _load_meetings(
    unit: AdministrativeUnit, clock: _Clock, settlements: Sequence[AdministrativeUnit]
) -> list[Meeting]:
    rng = _rng(unit.code, "meetings")
    existing = set(Meeting.objects.filter(unit=unit).values_list("title", flat=True))
    plans = [plan for plan in _meeting_plans(unit.code) if plan.title not in existing]
    plans = [plan for plan in plans if clock.day(plan.day) <= clock.calendar.today]
    meetings = []
    for plan in plans:
        attendance = {
            f"attended_{key}": max(0, round(value * rng.uniform(0.7, 1.3)))
            for key, value in plan.attendance.items()
        }
        meetings.append(
            Meeting(
                unit=unit,
                settlement=settlements[0] if settlements else None,
                held_on=clock.day(plan.day),
                kind=plan.kind,
                title=plan.title,
                decisions=plan.decisions,
                **attendance,
            )
        )
    Meeting.objects.bulk_create(meetings)
    organisers = list(
        Organisation.objects.filter(
            unit=unit, kind__in=[OrganisationKind.LCPC, OrganisationKind.LOCAL_GOVERNMENT]
        )
    )
    through = Meeting.organisers.through
    through.objects.bulk_create(
        [
            through(meeting_id=meeting.pk, organisation_id=organisation.pk)
            for meeting in meetings
            for organisation in organisers
        ]
    )
    return meetings


# Concerns ----------------------------------------------------------------------------------------

TEXTS: dict[str, dict[str, list[str]]] = {
    "livestock_theft": {
        "ru": [
            "Ночью с пастбища пропали три овцы, просим усилить патрулирование.",
            "На джайлоо снова угоняют скот, чабаны боятся оставаться одни.",
        ],
        "ky": [
            "Түнкүсүн жайытта үч кой жоголду, күзөттү күчөтүүнү суранабыз.",
            "Жайлоодо малды кайрадан уурдап жатышат, чабандар жалгыз калгандан коркушат.",
        ],
    },
    "domestic_violence": {
        "ru": [
            "Соседка часто ходит с синяками, муж пьёт. Просим провести профилактическую беседу.",
            "В селе нужен телефон доверия или кризисный центр для женщин.",
        ],
        "ky": [
            "Коңшу аял көп учурда көгала болуп жүрөт, күйөөсү ичет. Маек өткөрүүнү суранабыз.",
            "Айылыбызда аялдар үчүн ишеним телефону же кризистик борбор керек.",
        ],
    },
    "juvenile_delinquency": {
        "ru": [
            "Подростки по вечерам собираются у школы, курят, пьют и бьют стёкла.",
            "Нет кружков и спортивных секций для детей, они болтаются без дела.",
        ],
        "ky": [
            "Кечинде өспүрүмдөр мектептин жанына чогулуп, тамеки тартып, айнек сындырышат.",
            "Балдар үчүн ийримдер жана спорт секциялары жок, алар бош жүрүшөт.",
        ],
    },
    "road_safety": {
        "ru": [
            "Машины гоняют мимо школы, нужны «лежачий полицейский» и пешеходный переход.",
            "На въезде в село нет освещения и знаков, часто бывают аварии.",
        ],
        "ky": [
            "Мектептин жанынан машиналар катуу айдашат, жасалма тоскоол жана өтмөк керек.",
            "Айылга кире бериште жарык жана белгилер жок, кырсыктар көп болот.",
        ],
    },
    "violent_extremism": {
        "ru": [
            "Молодёжи в соцсетях рассылают призывы вербовщиков, родители не знают, что делать.",
            "Просим провести встречу имама с родителями о профилактике экстремизма.",
        ],
        "ky": [
            "Социалдык тармактарда жаштарга жалдоочулардын чакырыктары таралып жатат.",
            "Экстремизмдин алдын алуу боюнча имам менен ата-энелердин жолугушуусун суранабыз.",
        ],
    },
    "burglary": {
        "ru": ["Пока мы были на джайлоо, в дом залезли и унесли технику."],
        "ky": ["Жайлоодо жүргөнүбүздө үйгө кирип, техниканы алып кетишиптир."],
    },
    "fraud": {
        "ru": ["Пожилым звонят мошенники от имени банка и выманивают деньги."],
        "ky": ["Карыяларга банктын атынан алдамчылар чалып, акча алдап алышууда."],
    },
    "drugs": {
        "ru": ["У реки растёт дикая конопля, её собирают приезжие."],
        "ky": ["Дарыянын боюнда жапайы кара куурай өсөт, аны сырттан келгендер чогултушат."],
    },
    "bride_kidnapping": {
        "ru": ["Говорят, готовят похищение девушки из нашего села, просим вмешаться."],
        "ky": ["Айылыбыздагы бир кызды ала качууга даярданып жатышат деген кеп бар."],
    },
    "alcohol_to_minors": {
        "ru": ["Магазин у остановки продаёт водку школьникам."],
        "ky": ["Аялдаманын жанындагы дүкөн мектеп окуучуларына арак сатат."],
    },
    "public_drinking": {
        "ru": ["У клуба каждый вечер распивают спиртное и шумят."],
        "ky": ["Клубдун жанында ар кечте ичкилик ичип, ызы-чуу салышат."],
    },
    "street_lighting": {
        "ru": ["На нашей улице два месяца не горят фонари, вечером страшно ходить."],
        "ky": ["Биздин көчөдө эки айдан бери чырак күйбөйт, кечинде басканга коркунучтуу."],
    },
    "stray_dogs": {
        "ru": ["Стая бродячих собак у школы бросается на детей."],
        "ky": ["Мектептин жанындагы ээсиз иттер балдарга кол салып жатат."],
    },
    "other": {
        "ru": ["Просим поставить камеру видеонаблюдения на центральной площади."],
        "ky": ["Борбордук аянтка видеокамера орнотууну суранабыз."],
    },
}
#: Moderation shows none of these publicly (a victim could be recognised, or a rumour spread).
NEVER_PUBLIC = frozenset({"domestic_violence", "bride_kidnapping", "violent_extremism", "drugs"})
NOT_ACTIONABLE_REASONS = (
    "Вопрос не относится к ведению рабочей группы; заявителю объяснено, куда обратиться.",
    "Повторяет обращение, уже принятое в работу.",
    "Недостаточно сведений: не указано место, связаться с заявителем не удалось.",
)
RESOLVED_NOTES = (
    "Проведён рейд совместно с дружинниками.",
    "Айыл окмоту выполнил работы.",
    "Проведена профилактическая беседа.",
    "",
)


def _reference(rng: random.Random) -> str:
    return "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _steps(rng: random.Random, status: str) -> list[tuple[str, str]]:
    """The statuses a concern went through to reach ``status``, with each step's note."""
    path: list[tuple[str, str]]
    if status == ConcernStatus.NEW:
        return [("new", "")]
    if status == ConcernStatus.NOT_ACTIONABLE:
        path = [(ConcernStatus.NEW, "")]
        if rng.random() < 0.5:
            path.append((ConcernStatus.ACKNOWLEDGED, ""))
        return [*path, ("not_actionable", rng.choice(NOT_ACTIONABLE_REASONS))]
    path = [(ConcernStatus.NEW, ""), (ConcernStatus.ACKNOWLEDGED, "")]
    if status == ConcernStatus.ACKNOWLEDGED:
        return path
    if status == ConcernStatus.IN_PLAN or rng.random() < 0.5:
        path.append((ConcernStatus.IN_PLAN, ""))
    if status == ConcernStatus.RESOLVED:
        path.append((ConcernStatus.RESOLVED, rng.choice(RESOLVED_NOTES)))
    return path


def _status_for_age(rng: random.Random, days_old: int) -> str:
    if days_old < 10:
        weights = {"new": 55, "acknowledged": 35, "not_actionable": 10}
    elif days_old < 60:
        weights = {"new": 10, "acknowledged": 35, "in_plan": 25, "resolved": 20}
        weights["not_actionable"] = 10
    else:
        weights = {"new": 3, "acknowledged": 12, "in_plan": 25, "resolved": 45}
        weights["not_actionable"] = 15
    return _pick(rng, weights)


def _load_concerns(
    *,
    unit: AdministrativeUnit,
    clock: _Clock,
    categories: Sequence[str],
    settlements: Sequence[AdministrativeUnit],
    staff: User | None,
    meetings: Sequence[Meeting],
    responses: Sequence[Response],
) -> list[Concern]:
    rng = _rng(unit.code, "concerns")
    # A load after the story's last year goes on receiving concerns up to its day, at the
    # story's pace, so that the dashboard has new concerns to answer and the matrix's last 12
    # months have theirs (the incidents draw their current year the same way).
    until = clock.calendar.current_year_until
    last = CONCERNS_TO if until is None else max(CONCERNS_TO, until - dt.timedelta(days=1))
    span = (last - CONCERNS_FROM).days
    count = round(CONCERNS[unit.code] * span / (CONCERNS_TO - CONCERNS_FROM).days)
    references = [_reference(rng) for _ in range(count)]
    existing = set(
        Concern.objects.filter(reference__in=references).values_list("reference", flat=True)
    )
    if existing:  # loaded before (the references are the seed's)
        return []
    weights = _problem_weights(unit.code, categories)
    for category, extra in CONCERN_EXTRA.items():
        weights[category] = weights.get(category, 0) + extra
    # Every channel and every status at least once, then as they come.
    channels = list(ConcernChannel.values) + [
        _pick(rng, CHANNEL_WEIGHTS) for _ in range(count - len(ConcernChannel.values))
    ]
    rng.shuffle(channels)
    past_meetings = [meeting for meeting in meetings if meeting.held_on <= clock.calendar.today]
    concerns: list[Concern] = []
    paths: list[list[tuple[str, str, dt.datetime]]] = []
    forced = iter(ConcernStatus.values)
    for index, (reference, channel) in enumerate(zip(references, channels, strict=True)):
        received = clock.at(
            CONCERNS_FROM + dt.timedelta(days=rng.randrange(span)),
            rng.randint(8, 21),
            rng.randrange(60),
        )
        meeting = None
        response = None
        if channel == ConcernChannel.MEETING and past_meetings:
            meeting = rng.choice(past_meetings)
            received = dt.datetime.combine(meeting.held_on, dt.time(17, 30), tzinfo=clock.zone)
        elif channel == ConcernChannel.SURVEY and responses:
            response = rng.choice(responses)
            received = response.submitted_at
        received = min(received, clock.now - dt.timedelta(hours=2))
        category = _pick(rng, weights)
        days_old = (clock.now - received).days
        status = next(forced, None) if index % 9 == 0 else None
        if status is None or (days_old < 10 and status == ConcernStatus.RESOLVED):
            status = _status_for_age(rng, days_old)
        moment = received
        path: list[tuple[str, str, dt.datetime]] = []
        for step, note in _steps(rng, status):
            if path:
                moment = min(moment + dt.timedelta(hours=rng.randint(6, 24 * 12)), clock.now)
            path.append((step, note, moment))
        final, reason, changed = path[-1]
        language = rng.choice(("ru", "ky"))
        messenger = channel in (ConcernChannel.SMS, ConcernChannel.TELEGRAM)
        anonymous = rng.random() < (0.6 if messenger else 0.35 if channel == "web" else 0.1)
        contact = "" if anonymous else f"+996 70{rng.randint(0, 9)} {rng.randint(100000, 999999)}"
        reply_address = ""
        if messenger and anonymous and final not in (ConcernStatus.RESOLVED, "not_actionable"):
            reply_address = (
                f"+99655{rng.randint(1000000, 9999999)}"
                if channel == ConcernChannel.SMS
                else str(rng.randint(100_000_000, 999_999_999))
            )
        public_requested = channel == ConcernChannel.WEB and rng.random() < 0.6
        located = channel == ConcernChannel.WEB and unit.latitude is not None and rng.random() < 0.4
        entered = staff if channel in ("meeting", "phone", "staff", "survey") else None
        concerns.append(
            Concern(
                reference=reference,
                unit=unit,
                settlement=rng.choice(settlements) if settlements else None,
                latitude=(unit.latitude or 0) + rng.uniform(-0.03, 0.03) if located else None,
                longitude=(unit.longitude or 0) + rng.uniform(-0.04, 0.04) if located else None,
                # New messages from SMS and Telegram wait for staff to confirm the suggestion.
                category_id=None if messenger and final == ConcernStatus.NEW else category,
                suggested_category_id=category if messenger else None,
                text=rng.choice(TEXTS[category][language]),
                channel=channel,
                received_at=received,
                anonymous=anonymous,
                contact=contact,
                reply_channel=channel if reply_address else "",
                reply_address=reply_address,
                language=language,
                public_requested=public_requested,
                public=(
                    public_requested
                    and final != ConcernStatus.NEW
                    and category not in NEVER_PUBLIC
                    and rng.random() < 0.7
                ),
                status=final,
                status_reason=reason if final == ConcernStatus.NOT_ACTIONABLE else "",
                status_changed_at=changed,
                resolved_at=changed if final == ConcernStatus.RESOLVED else None,
                meeting=meeting,
                response=response,
                created_by=entered,
            )
        )
        paths.append(path)
    Concern.objects.bulk_create(concerns)
    ConcernEvent.objects.bulk_create(
        [
            ConcernEvent(
                concern=concern,
                at=at,
                status=step,
                note=note,
                actor=concern.created_by if step == ConcernStatus.NEW else staff,
            )
            for concern, path in zip(concerns, paths, strict=True)
            for step, note, at in path
        ]
    )
    return concerns


# Priorities --------------------------------------------------------------------------------------


def _load_priorities(
    *,
    unit: AdministrativeUnit,
    clock: _Clock,
    categories: Sequence[str],
    meeting: Meeting | None,
    baseline: Survey | None,
    staff: User | None,
) -> list[AdoptedPriority]:
    """The five seed priorities, ranked by the matrix on the baseline survey's and the
    concerns' shares of the twelve months before the session, and the severity weights."""
    if AdoptedPriority.objects.filter(unit=unit).exists():
        return []
    adopted_on = clock.day(dt.date(2024, 5, 17))
    if adopted_on > clock.calendar.today:
        return []
    period_end = adopted_on - dt.timedelta(days=1)
    period_start = clock.day(dt.date(2023, 5, 17))
    named: Counter[str | None] = Counter()
    respondents = 0
    if baseline is not None:
        respondents = baseline.responses.count()
        named.update(
            Answer.objects.filter(
                response__survey=baseline, question__code="serious_problems"
            ).values_list("option__code", flat=True)
        )
    raised: Counter[str] = Counter(
        str(code)
        for code in Concern.objects.filter(
            unit=unit,
            received_at__date__gte=period_start,
            received_at__date__lte=period_end,
            category__isnull=False,
        ).values_list("category_id", flat=True)
    )
    total_raised = sum(raised.values())
    severity = dict(ConcernCategory.objects.values_list("code", "severity"))
    components = ("concerns_share", "survey_share", "severity")
    values = {
        category: {
            "concerns_share": raised[category] / total_raised if total_raised else float("nan"),
            "survey_share": named[category] / respondents if respondents else float("nan"),
            "severity": float(severity.get(category, 1)),
        }
        for category in categories
    }
    matrix = np.array([[values[c][name] for name in components] for c in categories])
    weights = {name: DEFAULT_WEIGHTS[name] for name in components}
    scores = priority_scores(matrix, weights, components=components)
    score = {category: float(scores.scores[i]) for i, category in enumerate(categories)}
    ranked = sorted(SEED_PRIORITIES, key=lambda category: -score[category])
    names = dict(ConcernCategory.objects.values_list("code", "name_ru"))
    priorities = [
        AdoptedPriority(
            unit=unit,
            category_id=category,
            rank=rank,
            adopted_on=adopted_on,
            meeting=meeting,
            decision=(
                f"Рабочая группа утвердила приоритет № {rank} «{names.get(category, category)}» "
                f"на 2024–2025 годы (протокол заседания от {adopted_on:%d.%m.%Y})."
            ),
            period_start=period_start,
            period_end=period_end,
            score=round(score[category], 4),
            components={
                name: (None if np.isnan(value) else round(value, 4))
                for name, value in values[category].items()
            },
            adopted_by=staff,
        )
        for rank, category in enumerate(ranked, start=1)
    ]
    AdoptedPriority.objects.bulk_create(priorities)
    return priorities


# The loader --------------------------------------------------------------------------------------


@transaction.atomic
def demo_consultations_load(today: dt.date | None = None) -> Loaded:
    """Load (or complete) the consultations of the three pilots; idempotent.

    Expects the demo programme in place (``kenesh.portal.demo.demo_load`` runs it after the
    pilots, their organisations and users); a pilot missing from the database is skipped.
    """
    _ensure_categories()
    clock = _Clock(DemoCalendar.for_load(today))
    with CATEGORIES_FILE.open(encoding="utf-8", newline="") as handle:
        categories = [row["code"] for row in csv.DictReader(handle)]
    loaded = Loaded()
    units = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=PILOTS)}
    staff_users = {
        user.username: user
        for user in User.objects.filter(username__in=list(STAFF_USERNAME.values()))
    }
    children: dict[int, list[AdministrativeUnit]] = defaultdict(list)
    for settlement in AdministrativeUnit.objects.filter(parent__in=list(units.values())).order_by(
        "code"
    ):
        assert settlement.parent_id is not None
        children[settlement.parent_id].append(settlement)
    for code in PILOTS:
        unit = units.get(code)
        if unit is None:
            continue
        staff = staff_users.get(STAFF_USERNAME.get(code, ""))
        settlements = children[unit.pk]
        programme = Programme.objects.filter(municipalities=unit).order_by("pk").first()

        surveys: dict[str, Survey] = {}
        responses: list[Response] = []
        existing = {
            survey.round: survey
            for survey in Survey.objects.filter(unit=unit, series=STANDARD_SERIES)
        }
        for round_ in ROUNDS:
            if round_ in existing:
                surveys[round_] = existing[round_]
                continue
            if clock.day(ROUNDS[round_][0]) > clock.calendar.today:
                continue
            survey, created = _load_survey(
                unit=unit,
                round_=round_,
                clock=clock,
                categories=categories,
                settlements=settlements,
                staff=staff,
                programme=programme,
            )
            surveys[round_] = survey
            responses.extend(created)
            loaded.surveys += 1
            loaded.responses += len(created)

        new_meetings = _load_meetings(unit, clock, settlements)
        loaded.meetings += len(new_meetings)
        meetings = list(Meeting.objects.filter(unit=unit).order_by("held_on", "pk"))

        concerns = _load_concerns(
            unit=unit,
            clock=clock,
            categories=categories,
            settlements=settlements,
            staff=staff,
            meetings=meetings,
            responses=responses
            or list(Response.objects.filter(survey__in=list(surveys.values())).order_by("pk")[:50]),
        )
        loaded.concerns += len(concerns)

        session = next(
            (m for m in meetings if m.title == _meeting_plans(code)[1].title),
            None,
        )
        loaded.priorities += len(
            _load_priorities(
                unit=unit,
                clock=clock,
                categories=categories,
                meeting=session,
                baseline=surveys.get(SurveyRound.BASELINE),
                staff=staff,
            )
        )
    return loaded


def demo_module_load(*, stdout: Callable[[str], None] | None = None) -> str:
    """The module's demo loader (kenesh.core.modules): loads and says what it added."""
    started = time.perf_counter()
    loaded = demo_consultations_load()
    message = f"{loaded} ({time.perf_counter() - started:.1f} s)"
    if stdout is not None:
        stdout(message)
    return message
