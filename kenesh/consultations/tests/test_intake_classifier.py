"""The keyword classifier: category, municipality and language of a message, in ky, ru and en."""

from __future__ import annotations

import pytest

from kenesh.consultations.intake.classifier import (
    classify,
    guess_category,
    guess_language,
    guess_place,
)
from kenesh.consultations.models import ConcernCategory
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Kyrgyz
        ("Малды уурдап кетишти, үч уй жок", "livestock_theft"),
        ("Көчөдө жарык жок, түндө караңгы", "street_lighting"),
        ("Ээсиз иттер балдарга кол салып жатат", "stray_dogs"),
        ("Кошунам аялын урат, үй-бүлөлүк зомбулук", "domestic_violence"),
        ("Мектептин жанында баңгизат сатышат", "drugs"),
        ("Кызды ала качуу болду", "bride_kidnapping"),
        # Russian
        ("Украли скот с пастбища, угон скота", "livestock_theft"),
        ("Нет уличного освещения, фонари не горят", "street_lighting"),
        ("Бродячие собаки у школы", "stray_dogs"),
        ("Подростки распивают алкоголь у магазина ночью", "public_drinking"),
        ("Машины едут на большой скорости мимо школы", "road_safety"),
        ("Мошенники звонят пенсионерам", "fraud"),
        # English
        ("Someone stole three cows last night", "livestock_theft"),
        ("The street lamps are broken and it is dark", "street_lighting"),
        ("Stray dogs near the school", "stray_dogs"),
        ("People selling drugs near the bus stop", "drugs"),
    ],
)
def test_the_category_is_found_in_each_language(text: str, category: str) -> None:
    assert guess_category(text).code == category


def test_words_of_theft_alone_weigh_less_than_what_was_stolen() -> None:
    found = guess_category("Кража скота: украли двух коров")
    assert found.code == "livestock_theft"
    assert "скота" in found.matched and "коров" in found.matched


def test_a_message_without_keywords_has_no_category() -> None:
    assert guess_category("Салам, рахмат").code is None


def test_a_short_keyword_matches_the_word_itself_only() -> None:
    assert guess_category("итог собрания").code is None  # "ит" is a dog, "итог" is not


def test_only_categories_in_use_are_proposed() -> None:
    ConcernCategory.objects.filter(code="stray_dogs").update(active=False)
    assert classify("Бродячие собаки").category is None


def places() -> tuple[object, object]:
    municipality = MunicipalityFactory.create(
        name_ky="Тестжай айыл аймагы",
        name_ru="Тестжайский айылный аймак",
        name_en="Testjai Aiyl Aimak",
    )
    settlement = SettlementFactory.create(
        parent=municipality, name_ky="Көк-Сынак", name_ru="Кок-Сынак", name_en="Kok-Synak"
    )
    return municipality, settlement


@pytest.mark.parametrize(
    "text",
    [
        "Көк-Сынакта жарык жок",  # Kyrgyz, with a case ending
        "В селе Кок-Сынак нет света",  # Russian
        "No lights in Kok-Synak",  # English
        "кок сынак жарык жок",  # no Kyrgyz letters, no hyphen
    ],
)
def test_a_village_gives_its_municipality_in_each_language(text: str) -> None:
    municipality, settlement = places()
    found = guess_place(text)
    assert found.unit == municipality
    assert found.settlement == settlement


def test_a_municipality_named_in_russian_adjective_form_is_found() -> None:
    municipality, _settlement = places()
    found = guess_place("Тестжайский аймак, у нас воруют скот")
    assert found.unit == municipality and found.settlement is None


def test_a_village_name_shared_by_two_municipalities_gives_no_answer_unless_the_rayon_decides() -> (
    None
):
    first = MunicipalityFactory.create(name_ru="Первый-Тест")
    second = MunicipalityFactory.create(name_ru="Второй-Тест")
    for municipality in (first, second):
        SettlementFactory.create(parent=municipality, name_ky="", name_ru="Жаңы-Сынак", name_en="")
    ambiguous = guess_place("В Жаны-Сынак украли скот")
    assert ambiguous.unit is None
    assert set(ambiguous.candidates) == {first, second}
    rayon = second.parent
    assert rayon is not None
    found = guess_place(f"В Жаны-Сынак ({rayon.name_ru}) украли скот")
    assert found.unit == second


def test_a_message_naming_no_place_has_no_municipality() -> None:
    places()
    assert guess_place("Ночью собаки лают").unit is None


@pytest.mark.parametrize(
    ("text", "hint", "language"),
    [
        ("Көчөдө жарык жок", "", "ky"),
        ("Малды уурдап кетти, жардам керек", "", "ky"),  # without ң, ө, ү
        ("У нас украли скот, помогите пожалуйста", "", "ru"),
        ("Stray dogs near the school", "", "en"),
        ("Кок-Сынак", "ru", "ru"),  # the text does not tell: the Telegram user's language does
        ("Кок-Сынак", "", "ky"),
    ],
)
def test_the_language_is_guessed(text: str, hint: str, language: str) -> None:
    assert guess_language(text, hint=hint) == language


def test_classify_gives_everything_with_the_matched_words() -> None:
    municipality, settlement = places()
    suggestion = classify("Көк-Сынакта малды уурдашты")
    assert suggestion.category == "livestock_theft"
    assert suggestion.category_words == ("малды",)
    assert (suggestion.unit, suggestion.settlement) == (municipality, settlement)
    assert suggestion.place_words == ("кок сынак",)
    assert suggestion.language == "ky"
