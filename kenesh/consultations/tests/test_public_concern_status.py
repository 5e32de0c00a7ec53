"""The public status page and API of a concern: status and the days it changed, found by the
reference number as typed; never the contact, the reply address, staff names or notes; the
text only once moderation made it public."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.concerns.services import concern_merge
from kenesh.consultations.models import Concern, ConcernStatus
from kenesh.consultations.services import concern_set_status
from kenesh.consultations.tests.factories import ConcernFactory
from kenesh.core.permissions import Role

pytestmark = pytest.mark.django_db

CONTACT = "+996 700 999 888"
REPLY = "telegram:777"
STATUS = "/public/concern/"


@pytest.fixture
def concern() -> Concern:
    concern = ConcernFactory.create(
        contact=CONTACT,
        reply_channel="telegram",
        reply_address=REPLY,
        text="Secret text about Asan's house",
        received_at=timezone.make_aware(dt.datetime(2025, 4, 1, 9)),
    )
    concern.events.create(at=concern.received_at, status=ConcernStatus.NEW)
    staff = UserFactory.create(
        role=Role.LCPC_COORDINATOR, unit=concern.unit, first_name="Staffname"
    )
    concern_set_status(actor=staff, concern=concern, status="acknowledged", reason="Note to staff")
    return concern


def detail(reference: str) -> str:
    return reverse("consultations:public:concern_status_detail", kwargs={"reference": reference})


def test_a_typed_reference_opens_the_status_page(concern: Concern) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    typed = concern.display_reference.lower().replace("-", " ")
    response = client.get(STATUS, {"reference": typed})
    assert response.status_code == 302 and response["Location"] == detail(concern.reference)


def test_the_status_page_shows_status_and_dates_and_no_personal_data(concern: Concern) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(detail(concern.display_reference))
    body = response.content.decode()
    assert response.status_code == 200
    assert ("Acknowledged" in body and "1 Apr 2025" in body) or "2025" in body
    for secret in (CONTACT, REPLY, "Secret text", "Note to staff", "Staffname"):
        assert secret not in body, secret
    steps = [step.status for step in response.context["concern"].history]
    assert steps == ["new", "acknowledged"]


def test_the_text_shows_once_moderation_made_it_public(concern: Concern) -> None:
    Concern.objects.filter(pk=concern.pk).update(public=True)
    body = Client().get(detail(concern.reference)).content.decode()
    assert "Secret text" in body and CONTACT not in body


def test_an_unknown_or_malformed_reference_is_a_clear_4xx(concern: Concern) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    unknown = client.get(STATUS, {"reference": "ABCDE-12345"})
    assert unknown.status_code == 404
    assert "No concern has this reference number" in unknown.content.decode()
    short = client.get(STATUS, {"reference": "ABC"})
    assert short.status_code == 400 and "ABCDE-12345" in short.content.decode()
    assert client.get(detail("ABCDE12345")).status_code == 404
    assert client.get(STATUS).status_code == 200


def test_the_public_api_gives_status_and_dates_only(concern: Concern) -> None:
    answer = Client().get(f"/api/v1/public/concerns/{concern.display_reference}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "acknowledged" and body["text"] is None
    assert [step["status"] for step in body["history"]] == ["new", "acknowledged"]
    assert body["received_on"] == "2025-04-01"
    for secret in (CONTACT, REPLY, "Secret", "Note to staff", "Staffname"):
        assert secret not in answer.content.decode()
    assert Client().get("/api/v1/public/concerns/ABCDE12345").status_code == 404


def test_a_merged_duplicate_shows_where_the_kept_concern_stands_never_its_reference(
    concern: Concern,
) -> None:
    keep = ConcernFactory.create(
        unit=concern.unit,
        text="The kept concern's own words",
        received_at=timezone.make_aware(dt.datetime(2025, 3, 20, 9)),
    )
    keep.events.create(at=keep.received_at, status=ConcernStatus.NEW)
    staff = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=concern.unit)
    concern_set_status(actor=staff, concern=keep, status="acknowledged")
    concern_set_status(actor=staff, concern=keep, status="in_plan")
    with translation.override("en"):
        concern_merge(actor=staff, duplicate=concern, keep=keep)
    concern.refresh_from_db()
    assert concern.merged_into == keep  # the link is kept, for staff
    secrets = (keep.reference, keep.display_reference, "kept concern's own words")
    for secret in secrets:
        assert secret not in concern.status_reason
    assert "another concern about the same problem" in concern.status_reason
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(detail(concern.reference))
    body = response.content.decode()
    for secret in secrets:
        assert secret not in body, secret
    kept = response.context["concern"].kept
    assert kept.status == "in_plan" and kept.received_on == dt.date(2025, 3, 20)
    assert [step.status for step in kept.history] == ["new", "acknowledged", "in_plan"]
    assert "In plan" in body
    answer = Client().get(f"/api/v1/public/concerns/{concern.reference}")
    for secret in secrets:
        assert secret not in answer.content.decode(), secret
    assert answer.json()["kept"]["status"] == "in_plan"
    assert answer.json()["kept"]["received_on"] == "2025-03-20"
    alone = Client().get(f"/api/v1/public/concerns/{keep.reference}").json()
    assert alone["kept"] is None
