"""The API for a newcomer: UTF-8 JSON that prints Cyrillic as itself, and every message of an
error, ``detail`` and each ``errors[].msg``, in the request's language (Accept-Language), while
``type`` and ``loc`` stay machine-readable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from kenesh.accounts.models import User
from kenesh.core.api import error_message
from kenesh.geo.models import AdministrativeUnit
from kenesh.portal.demo import JETI_OGUZ

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents"


def signed_in(username: str, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(User.objects.get(username=username))
    return client


def test_a_cyrillic_name_is_sent_as_utf8_not_as_escapes() -> None:
    name = AdministrativeUnit.objects.get(code=JETI_OGUZ).name_ky
    assert any("\u0400" <= letter <= "\u04ff" for letter in name)

    response = signed_in("police.jetioguz", "ky").get(f"/api/v1/units/{JETI_OGUZ}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert name.encode() in response.content
    assert b"\\u04" not in response.content
    assert response.json()["name"] == name


def test_an_error_made_outside_the_operations_is_utf8_too() -> None:
    response = signed_in("police.jetioguz", "ru").get("/api/v2/nothing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Не найдено.".encode() in response.content


@pytest.mark.parametrize(
    ("language", "required", "request_not_valid"),
    [
        ("ru", "Обязательное поле.", "Некорректный запрос."),
        ("ky", "Бул талаа керектүү.", "Суроо-талап туура эмес."),
    ],
)
def test_a_422_speaks_the_request_language_in_detail_and_in_every_message(
    language: str, required: str, request_not_valid: str
) -> None:
    response = signed_in("police.jetioguz", language).post(
        INCIDENTS, data=json.dumps({"unit": JETI_OGUZ}), content_type="application/json"
    )

    assert response.status_code == 422
    assert required.encode() in response.content  # raw UTF-8, as the rest
    body = response.json()
    assert body["detail"] == request_not_valid
    missing = [error for error in body["errors"] if error["type"] == "missing"]
    assert missing, body
    assert {error["msg"] for error in missing} == {required}
    assert all(error["loc"][0] == "body" for error in missing)
    assert not any("Field required" in error["msg"] for error in body["errors"])


def test_a_number_out_of_range_names_its_bound_in_the_language() -> None:
    response = signed_in("police.jetioguz", "ru").get(INCIDENTS, {"limit": 0})

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["type"] == "greater_than_equal"
    assert error["loc"] == ["query", "limit"]
    assert error["msg"] == "Убедитесь, что это значение больше либо равно 1."


def test_a_kenesh_validators_own_message_keeps_its_words_without_pydantics_prefix() -> None:
    response = signed_in("police.jetioguz", "en").get(INCIDENTS, {"from": "2024-13-01"})

    assert response.status_code == 422
    messages = [error["msg"] for error in response.json()["errors"]]
    assert messages == ["Give the date as YYYY-MM-DD."]


def test_a_body_that_is_not_json_is_refused_in_the_language() -> None:
    response = signed_in("police.jetioguz", "ru").post(
        INCIDENTS, data="{not json", content_type="application/json"
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error == {"loc": ["body"], "msg": "Введите корректный JSON.", "type": "json_invalid"}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "missing", "msg": "Field required"}, "This field is required."),
        ({"type": "less_than_equal", "ctx": {"le": 90.0}}, "less than or equal to 90."),
        ({"type": "string_too_long", "ctx": {"max_length": 1}}, "Give at most 1 character."),
        ({"type": "too_short", "ctx": {"min_length": 2}}, "Give at least 2 items."),
        ({"type": "value_error", "ctx": {"error": "Our own words."}}, "Our own words."),
        ({"type": "date_order", "msg": "Kenesh's message."}, "Kenesh's message."),
        ({"type": "complex_type", "msg": "Input should be complex"}, "Enter a valid value."),
    ],
)
def test_each_kind_of_error_gets_its_message(error: dict[str, Any], expected: str) -> None:
    with translation.override("en"):
        assert error_message(error).endswith(expected)
