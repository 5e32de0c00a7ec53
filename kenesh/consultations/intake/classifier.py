"""A keyword classifier for concerns that come by SMS or Telegram: which category a message is
probably about, which municipality (and village) it names, and in which language it is written.

It proposes; staff decide. The proposal is stored as ``Concern.suggested_category`` and shown
on the concern's page for staff to confirm. Words are matched after folding: lower case, ё as е
and the Kyrgyz letters ң, ө, ү as н, о, у (many phones type them so), hyphens as spaces.

A keyword ending in ``*`` matches any word starting with it (``собак*``: собака, собаки,
собаками); without it, the word itself only (``ит``, the Kyrgyz dog, is not ``итог``). A
keyword of several words matches them in a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kenesh.consultations.models import ConcernCategory
from kenesh.geo.models import AdministrativeUnit, Level

_FOLD = str.maketrans({"ё": "е", "ң": "н", "ө": "о", "ү": "у", "һ": "х"})
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """``text`` as the classifier compares it: lower case, ё→е, ң→н, ө→о, ү→у."""
    return text.casefold().translate(_FOLD)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (hyphens and punctuation separate them)."""
    return _WORD.findall(fold(text))


# Words that weigh less: theft in general says little about which kind of theft.
WEAK = 0.5

#: Keywords per concern category code, Kyrgyz, Russian and English together; (keyword, weight).
CATEGORY_KEYWORDS: dict[str, Sequence[str | tuple[str, float]]] = {
    "livestock_theft": (
        # ky
        "мал",
        "малды",
        "малым",
        "малын",
        "малыбыз*",
        "бодо мал*",
        "жылкы*",
        "кой эчки*",
        "койлор*",
        "эчки*",
        "торпок*",
        "уюбуз*",
        "уйлар*",
        # ru
        "скот*",
        "коров*",
        "лошад*",
        "баран*",
        "овец",
        "овц*",
        "угон скота",
        # en
        "livestock",
        "cattle",
        "cow",
        "cows",
        "sheep",
        "horse*",
        "goat*",
    ),
    "street_lighting": (
        "жарык*",
        "чырак*",
        "фонар*",
        "караңгы*",
        "освещ*",
        "свет",
        "света",
        "темно",
        "лампочк*",
        "light*",
        "lamp*",
        "dark",
    ),
    "stray_dogs": (
        "ит",
        "иттер*",
        "иттин",
        "ити",
        "итти",
        "собак*",
        "псов",
        "пес",
        "бродяч*",
        "dog",
        "dogs",
        "stray",
    ),
    "domestic_violence": (
        "үй бүлөлүк зомбулук",
        "аялын ур*",
        "аялымды ур*",
        "күйөөм*",
        "күйөөсү*",
        "семейн* насил*",
        "домашн* насил*",
        "бытов* насил*",
        "избива*",
        "бьет жену",
        "муж бьет",
        "побои",
        "domestic",
        "beats his wife",
        "husband",
    ),
    "violent_extremism": (
        "экстремизм*",
        "экстремист*",
        "радикал*",
        "террор*",
        "вербов*",
        "extremis*",
        "radical*",
        "terror*",
        "recruit*",
    ),
    "juvenile_delinquency": (
        "өспүрүм*",
        "жашы жете элек*",
        "мектеп окуучу*",
        "подрост*",
        "несовершеннолет*",
        "школьник*",
        "teenager*",
        "juvenile*",
        "youth*",
    ),
    "road_safety": (
        "жол кырсык*",
        "авария*",
        "айдоочу*",
        "ылдам*",
        "унаа*",
        "дтп",
        "дорог*",
        "машин*",
        "скорост*",
        "пешеход*",
        "водител*",
        "road*",
        "traffic",
        "speed*",
        "driver*",
        "accident*",
        "crash*",
    ),
    "burglary": (
        "үйгө кирип*",
        "үйүбүзгө кирип*",
        "үйдөн уурда*",
        "кража из дом*",
        "обокра*",
        "взлом*",
        "квартир*",
        "burglar*",
        "break in",
        "broke into",
        ("уурда*", WEAK),
        ("уурдап*", WEAK),
        ("краж*", WEAK),
        ("укра*", WEAK),
        ("theft", WEAK),
        ("stole*", WEAK),
    ),
    "fraud": (
        "алдамч*",
        "алдап*",
        "мошен*",
        "обман*",
        "fraud*",
        "scam*",
    ),
    "drugs": (
        "баңги*",
        "апийим*",
        "кара куурай",
        "наркот*",
        "наркоман*",
        "конопл*",
        "марихуан*",
        "гашиш*",
        "drug*",
        "narcotic*",
        "cannabis",
        "marijuana",
    ),
    "bride_kidnapping": (
        "ала качуу",
        "ала качып*",
        "ала качты",
        "кыз ала*",
        "похищ* невест*",
        "украли невест*",
        "bride kidnap*",
        "kidnap* bride*",
        "bride",
    ),
    "alcohol_to_minors": (
        "балдарга арак",
        "балдарга спирт*",
        "алкоголь детям",
        "алкоголь несовершеннолет*",
        "продают алкоголь подрост*",
        "alcohol to minors",
        "underage drinking",
        "sells alcohol to children",
    ),
    "public_drinking": (
        "арак*",
        "ичкилик*",
        "мас",
        "мастар",
        "пьян*",
        "распива*",
        "алкогол*",
        "drunk*",
        "drinking",
        "alcohol",
    ),
}


@dataclass(frozen=True)
class _Pattern:
    parts: tuple[tuple[str, bool], ...]  # (folded word, prefix?)
    text: str
    weight: float


def _pattern(keyword: str, weight: float = 1.0) -> _Pattern:
    parts = []
    for raw in keyword.split():
        prefix = raw.endswith("*")
        for piece in words(raw.rstrip("*")):
            parts.append((piece, False))
        if prefix and parts:
            parts[-1] = (parts[-1][0], True)
    return _Pattern(tuple(parts), keyword, weight)


def _compile(
    table: dict[str, Sequence[str | tuple[str, float]]],
) -> dict[str, list[_Pattern]]:
    return {
        code: [
            _pattern(entry) if isinstance(entry, str) else _pattern(entry[0], entry[1])
            for entry in entries
        ]
        for code, entries in table.items()
    }


_PATTERNS = _compile(CATEGORY_KEYWORDS)


def _match_at(tokens: Sequence[str], start: int, parts: Sequence[tuple[str, bool]]) -> bool:
    if start + len(parts) > len(tokens):
        return False
    for offset, (word, prefix) in enumerate(parts):
        token = tokens[start + offset]
        if not (token.startswith(word) if prefix else token == word):
            return False
    return True


def _found(tokens: Sequence[str], parts: Sequence[tuple[str, bool]]) -> str | None:
    """The words of ``tokens`` the pattern matches first, or ``None``."""
    if not parts:
        return None
    for start in range(len(tokens)):
        if _match_at(tokens, start, parts):
            return " ".join(tokens[start : start + len(parts)])
    return None


@dataclass(frozen=True)
class CategoryGuess:
    code: str | None
    matched: tuple[str, ...] = ()
    score: float = 0.0


def guess_category(text: str, *, codes: Iterable[str] | None = None) -> CategoryGuess:
    """The category whose keywords weigh most in ``text`` (each keyword counted once), with the
    words that matched; ``code`` is ``None`` when no keyword matched. A tie goes to the
    category listed first in :data:`CATEGORY_KEYWORDS` (the more serious ones come first
    within a kind). ``codes`` limits the answer to categories in use."""
    tokens = words(text)
    allowed = set(codes) if codes is not None else None
    best = CategoryGuess(None)
    for code, patterns in _PATTERNS.items():
        if allowed is not None and code not in allowed:
            continue
        matched: list[str] = []
        score = 0.0
        for pattern in patterns:
            found = _found(tokens, pattern.parts)
            if found is not None:
                matched.append(found)
                score += pattern.weight
        if score > best.score:
            best = CategoryGuess(code, tuple(matched), score)
    return best


# Places ----------------------------------------------------------------------------------------

# Words of a unit's name that say what kind of unit it is, not which: left out when matching.
GENERIC_PLACE_WORDS = frozenset(
    fold(word)
    for word in (
        "айыл",
        "аймагы",
        "аймак",
        "айылный",
        "аильный",
        "аймак",
        "сельский",
        "сельская",
        "округ",
        "управа",
        "шаары",
        "город",
        "поселок",
        "посёлок",
        "село",
        "кыштагы",
        "aiyl",
        "aimak",
        "ayil",
        "okmotu",
        "city",
        "town",
        "village",
        "rural",
        "district",
    )
)
# Russian adjectival endings of municipality names: "Ак-Булунский" names "Ак-Булун".
_ADJECTIVE_ENDINGS = ("ский", "ская", "ское", "ского", "ской", "цкий", "цкая")
# A name's last word matches a word that starts with it and goes on by at most this many
# letters: Kyrgyz and Russian case endings ("Караколдо", "в Караколе"). Short names match
# whole words only.
_ENDING_LETTERS = 5
_SHORTEST_STEM = 4


def _name_words(name: str) -> tuple[str, ...]:
    parts = [word for word in words(name) if word not in GENERIC_PLACE_WORDS]
    if parts:
        last = parts[-1]
        for ending in _ADJECTIVE_ENDINGS:
            if last.endswith(ending) and len(last) - len(ending) >= _SHORTEST_STEM - 1:
                parts[-1] = last[: -len(ending)]
                break
    return tuple(parts)


def _name_matches(tokens: Sequence[str], name: tuple[str, ...]) -> bool:
    if not name:
        return False
    *head, last = name
    for start in range(len(tokens) - len(name) + 1):
        if any(tokens[start + i] != word for i, word in enumerate(head)):
            continue
        token = tokens[start + len(head)]
        if token == last or (
            len(last) >= _SHORTEST_STEM
            and token.startswith(last)
            and len(token) - len(last) <= _ENDING_LETTERS
        ):
            return True
    return False


@dataclass(frozen=True)
class PlaceGuess:
    """The municipality a message names (and the village, when it names one), the words that
    matched, and the municipalities it might mean when it is ambiguous."""

    unit: AdministrativeUnit | None
    settlement: AdministrativeUnit | None = None
    matched: tuple[str, ...] = ()
    candidates: tuple[AdministrativeUnit, ...] = field(default=())


def guess_place(text: str) -> PlaceGuess:
    """The municipality named in ``text``: a municipality's or a village's name in Kyrgyz,
    Russian or English (a village gives its municipality). The longest name found wins; when
    names of equal length point at different municipalities, a rayon's name in the text
    decides, else there is no answer (``candidates`` lists them)."""
    tokens = words(text)
    if not tokens:
        return PlaceGuess(None)
    units = AdministrativeUnit.objects.filter(
        level__in=(Level.MUNICIPALITY, Level.SETTLEMENT)
    ).select_related("parent")
    hits: list[tuple[int, AdministrativeUnit, str]] = []
    for unit in units:
        best = 0
        matched = ""
        for name in {unit.name_ky, unit.name_ru, unit.name_en}:
            if not name:
                continue
            parts = _name_words(name)
            if _name_matches(tokens, parts):
                length = sum(len(part) for part in parts)
                if length > best:
                    best, matched = length, " ".join(parts)
        if best:
            hits.append((best, unit, matched))
    if not hits:
        return PlaceGuess(None)

    def municipality_of(unit: AdministrativeUnit) -> AdministrativeUnit | None:
        if unit.level == Level.MUNICIPALITY:
            return unit
        parent = unit.parent
        return parent if parent is not None and parent.level == Level.MUNICIPALITY else None

    longest = max(length for length, _unit, _words in hits)
    top = [(unit, matched) for length, unit, matched in hits if length == longest]
    municipalities = {m.pk: m for unit, _w in top if (m := municipality_of(unit)) is not None}
    if len(municipalities) > 1:
        rayons = {
            m.parent_id
            for m in municipalities.values()
            if m.parent is not None
            and any(_name_matches(tokens, _name_words(n)) for n in _names(m.parent))
        }
        if len(rayons) == 1:
            municipalities = {pk: m for pk, m in municipalities.items() if m.parent_id in rayons}
    if len(municipalities) != 1:
        return PlaceGuess(None, candidates=tuple(municipalities.values()))
    (unit,) = municipalities.values()
    settlements = [
        place for place, _w in top if place.level == Level.SETTLEMENT and place.parent_id == unit.pk
    ]
    return PlaceGuess(
        unit,
        settlement=settlements[0] if len(settlements) == 1 else None,
        matched=tuple(dict.fromkeys(matched for _u, matched in top)),
    )


def _names(unit: AdministrativeUnit) -> list[str]:
    return [name for name in (unit.name_ky, unit.name_ru, unit.name_en) if name]


# Language ---------------------------------------------------------------------------------------

_KYRGYZ_LETTERS = frozenset("ңөү")
# Frequent short words that tell Kyrgyz from Russian typed without the Kyrgyz letters.
_KYRGYZ_WORDS = frozenset(
    fold(w)
    for w in (
        "жана",
        "бар",
        "жок",
        "биз",
        "биздин",
        "менин",
        "айылда",
        "айылы",
        "көчө",
        "көчөдө",
        "мал",
        "уурдашты",
        "уурдап",
        "кетти",
        "салам",
        "рахмат",
        "эмес",
        "керек",
        "ит",
        "иттер",
        "жарык",
        "түндө",
        "балдар",
        "болот",
        "болуп",
        "жатат",
    )
)
_RUSSIAN_WORDS = frozenset(
    (
        "в",
        "и",
        "на",
        "не",
        "нет",
        "у",
        "нас",
        "что",
        "с",
        "по",
        "это",
        "очень",
        "улице",
        "селе",
        "есть",
        "был",
        "была",
        "были",
        "украли",
        "здравствуйте",
        "спасибо",
        "пожалуйста",
    )
)


def guess_language(text: str, *, hint: str = "") -> str:
    """``"ky"``, ``"ru"`` or ``"en"``: the Kyrgyz letters say Kyrgyz; otherwise frequent words
    decide between Kyrgyz and Russian; Latin letters alone say English. ``hint`` (a Telegram
    user's interface language) decides when the text does not."""
    lowered = text.casefold()
    if any(letter in _KYRGYZ_LETTERS for letter in lowered):
        return "ky"
    tokens = words(text)
    kyrgyz = sum(token in _KYRGYZ_WORDS for token in tokens)
    russian = sum(token in _RUSSIAN_WORDS for token in tokens)
    if kyrgyz > russian:
        return "ky"
    if russian > kyrgyz:
        return "ru"
    hint = hint.split("-")[0].lower()
    if hint in ("ky", "ru", "en"):
        return hint
    cyrillic = sum("а" <= ch <= "я" for ch in lowered)
    latin = sum("a" <= ch <= "z" for ch in lowered)
    if latin > cyrillic:
        return "en"
    return "ky"


@dataclass(frozen=True)
class Suggestion:
    """What the classifier proposes for one message."""

    category: str | None
    category_words: tuple[str, ...]
    unit: AdministrativeUnit | None
    settlement: AdministrativeUnit | None
    place_words: tuple[str, ...]
    language: str


def classify(text: str, *, language_hint: str = "") -> Suggestion:
    """Category, municipality (and village) and language proposed for a message's ``text``."""
    codes = ConcernCategory.objects.filter(active=True).values_list("code", flat=True)
    category = guess_category(text, codes=list(codes))
    place = guess_place(text)
    return Suggestion(
        category=category.code,
        category_words=category.matched,
        unit=place.unit,
        settlement=place.settlement,
        place_words=place.matched,
        language=guess_language(text, hint=language_hint),
    )
