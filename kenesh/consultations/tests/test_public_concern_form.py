"""The public concern form: no login, no JavaScript (plain form posts), a honeypot instead of a
captcha, a generous limit per client address, an unguessable reference number; and the public
API that does the same."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from kenesh.consultations.models import REFERENCE_ALPHABET, Concern, ConcernChannel
from kenesh.consultations.public import limits
from kenesh.core.ratelimit import RateLimit
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, RayonFactory, SettlementFactory

pytestmark = pytest.mark.django_db

_addresses = itertools.count(1)


@pytest.fixture
def visitor() -> Iterator[Client]:
    """A visitor from an address of their own (TEST-NET-2), so the limit of one test does not
    reach another; its count is forgotten afterwards."""
    address = f"198.51.100.{next(_addresses) % 250 + 1}"
    yield Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    forget(address)


def forget(address: str) -> None:
    limits.concern_limit_reset(RequestFactory().get("/", REMOTE_ADDR=address))


@pytest.fixture
def unit() -> AdministrativeUnit:
    return MunicipalityFactory.create()


def form_url(unit: AdministrativeUnit) -> str:
    return reverse("consultations:public:concern_form", kwargs={"code": unit.code})


def data(**overrides: Any) -> dict[str, Any]:
    return {
        "text": "The lamps on the school road are out",
        "contact": "",
        "website": "",
        **overrides,
    }


def test_the_form_opens_without_login_and_lists_the_municipality_and_its_villages(
    visitor: Client, unit: AdministrativeUnit
) -> None:
    village = SettlementFactory.create(parent=unit)
    response = visitor.get(form_url(unit))
    body = response.content.decode()
    assert response.status_code == 200
    assert unit.name in body and village.name in body
    assert 'name="website"' in body  # the honeypot is in the page, hidden from people
    assert "<script" not in body.split("<main")[1]  # the form itself needs no script


def test_a_concern_sent_without_javascript_gets_an_unguessable_reference(
    visitor: Client, unit: AdministrativeUnit
) -> None:
    village = SettlementFactory.create(parent=unit)
    response = visitor.post(
        form_url(unit),
        data(
            settlement=village.pk,
            category="street_lighting",
            contact="+996 555",
            public_requested="on",
        ),
    )
    concern = Concern.objects.get(unit=unit)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "consultations:public:concern_thanks", kwargs={"reference": concern.reference}
    )
    assert (concern.channel, concern.settlement, concern.category_id) == (
        ConcernChannel.WEB,
        village,
        "street_lighting",
    )
    assert concern.contact == "+996 555" and concern.public_requested and not concern.public
    assert concern.language == "en" and concern.created_by is None
    thanks = visitor.get(response["Location"]).content.decode()
    assert concern.display_reference in thanks
    assert (
        reverse(
            "consultations:public:concern_status_detail",
            kwargs={"reference": concern.display_reference},
        )
        in thanks
    )


def test_references_are_random_not_sequential(visitor: Client, unit: AdministrativeUnit) -> None:
    for _ in range(3):
        visitor.post(form_url(unit), data())
    references = list(
        Concern.objects.filter(unit=unit).order_by("pk").values_list("reference", flat=True)
    )
    assert len(set(references)) == 3
    assert all(re.fullmatch(f"[{REFERENCE_ALPHABET}]{{10}}", ref) for ref in references)
    # Consecutive concerns share no common prefix a visitor could count up from.
    assert len({ref[:4] for ref in references}) == 3


def test_an_anonymous_sender_leaves_no_contact(visitor: Client, unit: AdministrativeUnit) -> None:
    visitor.post(form_url(unit), data(anonymous="on", contact="+996 700 000 000"))
    concern = Concern.objects.get(unit=unit)
    assert concern.anonymous and concern.contact == ""


def test_a_refused_form_keeps_what_was_typed(visitor: Client, unit: AdministrativeUnit) -> None:
    other_village = SettlementFactory.create()
    response = visitor.post(
        form_url(unit), data(text="", contact="+996 123", settlement=other_village.pk)
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body and "+996 123" in body
    assert not Concern.objects.filter(unit=unit).exists()


def test_the_honeypot_refuses_a_robot_and_stores_nothing(
    visitor: Client, unit: AdministrativeUnit
) -> None:
    response = visitor.post(form_url(unit), data(website="http://spam.example"))
    assert response.status_code == 400
    assert "Leave the last field empty" in response.content.decode()
    assert not Concern.objects.filter(unit=unit).exists()


def test_an_address_is_limited_after_twenty_concerns_in_ten_minutes(
    visitor: Client, unit: AdministrativeUnit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "CONCERNS", RateLimit("public-concern", 3, 600))
    for _ in range(3):
        assert visitor.post(form_url(unit), data()).status_code == 302
    limited = visitor.post(form_url(unit), data(text="One more"))
    assert limited.status_code == 429
    assert "One more" in limited.content.decode()
    assert Concern.objects.filter(unit=unit).count() == 3
    # Another address (another village) is not held up.
    other = Client(REMOTE_ADDR="203.0.113.77")
    try:
        assert other.post(form_url(unit), data()).status_code == 302
    finally:
        forget("203.0.113.77")


def test_the_default_limit_is_generous() -> None:
    assert limits.CONCERNS.limit >= 20 and limits.CONCERNS.window_s <= 600


def test_a_unit_that_is_not_a_municipality_has_no_form(visitor: Client) -> None:
    assert visitor.get(form_url(RayonFactory.create())).status_code == 404
    assert visitor.get("/public/00000000000000/concern/").status_code == 404


def test_the_public_api_takes_a_concern_and_answers_its_reference(
    visitor: Client, unit: AdministrativeUnit
) -> None:
    answer = visitor.post(
        "/api/v1/public/concerns",
        json.dumps(
            {"unit": unit.code, "text": "Dogs", "category": "stray_dogs", "contact": "x@y.kg"}
        ),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    concern = Concern.objects.get(unit=unit)
    assert answer.json()["reference"] == concern.display_reference
    assert answer.json()["status_url"].startswith("http://testserver/public/concern/")
    assert concern.contact == "x@y.kg" and concern.channel == ConcernChannel.WEB
    for body, status in (
        ({"unit": unit.code, "text": ""}, 422),
        ({"unit": unit.code, "text": "x", "category": "nope"}, 422),
        ({"unit": unit.code, "text": "x", "extra": 1}, 422),
        ({"unit": RayonFactory.create().code, "text": "x"}, 404),
    ):
        refused = visitor.post(
            "/api/v1/public/concerns", json.dumps(body), content_type="application/json"
        )
        assert refused.status_code == status, body
    assert Concern.objects.filter(unit=unit).count() == 1


def test_the_public_api_is_limited_too(
    visitor: Client, unit: AdministrativeUnit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "CONCERNS", RateLimit("public-concern", 1, 600))
    body = json.dumps({"unit": unit.code, "text": "x"})
    assert (
        visitor.post("/api/v1/public/concerns", body, content_type="application/json").status_code
        == 201
    )
    limited = visitor.post("/api/v1/public/concerns", body, content_type="application/json")
    assert limited.status_code == 429 and limited.json()["detail"]
