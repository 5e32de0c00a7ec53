"""Adopting priorities: who may (the LCPC and local government), what is kept (the matrix as a
snapshot, audited), what is refused (leaving nothing behind); the pages and the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import AdoptedPriority
from kenesh.consultations.priorities.services import priorities_adopt
from kenesh.consultations.tests.factories import ConcernFactory, MeetingFactory
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2024, 7, 1), dt.date(2025, 6, 30)


@pytest.fixture
def unit():
    return MunicipalityFactory.create()


def adopt(actor, unit, **kwargs):
    data = {
        "categories": ["street_lighting", "livestock_theft"],
        "adopted_on": dt.date(2025, 7, 10),
        "decision": "Lights first, then livestock.",
        "period_start": START,
        "period_end": END,
        **kwargs,
    }
    return priorities_adopt(actor=actor, unit=unit, **data)


def test_the_lcpc_coordinator_adopts_priorities_in_order_with_the_matrix_kept(unit):
    ConcernFactory.create_batch(5, unit=unit, category_id="street_lighting")
    lcpc = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    meeting = MeetingFactory.create(unit=unit)
    adopted = adopt(lcpc, unit, meeting=meeting)
    assert [(one.category_id, one.rank) for one in adopted] == [
        ("street_lighting", 1),
        ("livestock_theft", 2),
    ]
    first = adopted[0]
    assert first.meeting == meeting and first.adopted_by == lcpc
    assert (first.period_start, first.period_end) == (START, END)
    snapshot = first.components
    assert set(snapshot["components"]) == {
        "concerns_share",
        "survey_share",
        "incident_rate",
        "rate_change",
        "severity",
    }
    assert snapshot["weights"]["severity"] == pytest.approx(0.2)
    assert first.score is not None
    assert AuditEntry.objects.filter(object_id=str(first.pk)).exists()


def test_local_government_may_adopt_and_the_police_may_not(unit):
    adopt(UserFactory.create(role=Role.LOCAL_GOVERNMENT, unit=unit), unit)
    with pytest.raises(PermissionDenied):
        adopt(
            UserFactory.create(role=Role.POLICE_OFFICER, unit=unit),
            unit,
            adopted_on=dt.date(2025, 8, 1),
        )
    assert AdoptedPriority.objects.filter(unit=unit).count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"categories": []}, "categories"),
        ({"categories": ["street_lighting", "street_lighting"]}, "categories"),
        ({"categories": ["no_such_thing"]}, "categories"),
        ({"period_end": dt.date(2024, 1, 1)}, "period_end"),
        # A start in year 1 once reached add_months with year 0 (a 500).
        ({"period_start": dt.date(1, 1, 1)}, "period_start"),
        ({"period_start": dt.date(1, 1, 1), "period_end": dt.date(1, 3, 31)}, "period_start"),
        ({"period_start": dt.date(1991, 1, 1)}, "period_start"),
    ],
)
def test_a_decision_that_cannot_be_recorded_leaves_nothing_behind(unit, kwargs, field):
    lcpc = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    with pytest.raises(ValidationError) as caught:
        adopt(lcpc, unit, **kwargs)
    assert field in caught.value.message_dict
    assert AdoptedPriority.objects.filter(unit=unit).count() == 0


def test_a_meeting_of_another_municipality_and_a_repeated_decision_are_refused(unit):
    lcpc = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    with pytest.raises(ValidationError) as caught:
        adopt(lcpc, unit, meeting=MeetingFactory.create())
    assert "meeting" in caught.value.message_dict
    adopt(lcpc, unit)
    with pytest.raises(ValidationError):
        adopt(lcpc, unit, categories=["livestock_theft"])
    assert AdoptedPriority.objects.filter(unit=unit).count() == 2


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_page_adopts_the_ranked_categories_and_lists_them(unit):
    lcpc = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    client = client_of(lcpc)
    url = reverse("consultations:priorities:adopt", args=[unit.code])
    query = "?date_from=2024-07-01&date_to=2025-06-30"
    assert client.get(url + query).status_code == 200
    response = client.post(
        url + query,
        {
            "rank_stray_dogs": "2",
            "rank_burglary": "1",
            "adopted_on": "2025-07-10",
            "decision": "Burglary first.",
            "period_start": "2024-07-01",
            "period_end": "2025-06-30",
        },
    )
    assert response.status_code == 302
    assert list(AdoptedPriority.objects.filter(unit=unit).values_list("category_id", "rank")) == [
        ("burglary", 1),
        ("stray_dogs", 2),
    ]
    listed = client.get(reverse("consultations:priorities:adopted", args=[unit.code]))
    assert "Burglary first." in listed.content.decode()


def test_the_page_keeps_what_was_typed_when_two_categories_share_a_rank(unit):
    client = client_of(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))
    response = client.post(
        reverse("consultations:priorities:adopt", args=[unit.code]),
        {
            "rank_stray_dogs": "1",
            "rank_burglary": "1",
            "adopted_on": "2025-07-10",
            "decision": "Kept text",
            "period_start": "2024-07-01",
            "period_end": "2025-06-30",
        },
    )
    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert "different rank" in response.content.decode()
    assert AdoptedPriority.objects.filter(unit=unit).count() == 0


def test_police_are_refused_and_an_outsider_finds_nothing_on_the_adopt_page(unit):
    url = reverse("consultations:priorities:adopt", args=[unit.code])
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=unit)
    outsider = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=MunicipalityFactory.create())
    assert client_of(police).get(url).status_code == 403
    assert client_of(outsider).get(url).status_code == 404
    assert client_of(outsider).post(url, {"rank_burglary": "1"}).status_code == 404
    assert AdoptedPriority.objects.filter(unit=unit).count() == 0


def test_the_api_answers_the_matrix_in_its_documented_shape(unit):
    received = timezone.make_aware(dt.datetime(2024, 9, 1, 12))
    ConcernFactory.create_batch(5, unit=unit, category_id="street_lighting", received_at=received)
    client = client_of(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))
    response = client.get(
        "/api/v1/priorities", {"unit": unit.code, "from": "2024-07-01", "to": "2025-06-30"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == {"unit", "from", "to", "weights", "items"}
    assert data["unit"]["code"] == unit.code
    assert (data["from"], data["to"]) == ("2024-07-01", "2025-06-30")
    first = data["items"][0]
    assert first["category"] == "street_lighting" and first["rank"] == 1
    assert first["components"]["concerns_share"] == {"value": 1.0, "n": 5, "status": "ok"}
    assert first["components"]["incident_rate"]["status"] == "not_applicable"
    assert [item["rank"] for item in data["items"]] == list(range(1, len(data["items"]) + 1))


def test_the_api_refuses_a_rayon_and_bad_weights_with_422(unit):
    client = client_of(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))
    assert (
        client.get("/api/v1/priorities", {"unit": unit.code, "w_severity": "-1"}).status_code == 422
    )


def test_the_api_adopts_for_the_lcpc_and_refuses_the_police(unit):
    body = {
        "unit": unit.code,
        "categories": ["fraud"],
        "adopted_on": "2025-07-10",
        "decision": "Fraud.",
        "period_start": "2024-07-01",
        "period_end": "2025-06-30",
    }
    police = client_of(UserFactory.create(role=Role.POLICE_OFFICER, unit=unit))
    refused = police.post(
        "/api/v1/priorities/adopt", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 403
    assert AdoptedPriority.objects.filter(unit=unit).count() == 0
    lcpc = client_of(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))
    done = lcpc.post("/api/v1/priorities/adopt", json.dumps(body), content_type="application/json")
    assert done.status_code == 201, done.content
    assert done.json()[0]["category"] == "fraud"
    outsider = client_of(
        UserFactory.create(role=Role.LCPC_COORDINATOR, unit=MunicipalityFactory.create())
    )
    body["adopted_on"] = "2025-08-01"
    lost = outsider.post(
        "/api/v1/priorities/adopt", json.dumps(body), content_type="application/json"
    )
    assert lost.status_code == 404
    assert AdoptedPriority.objects.filter(unit=unit).count() == 1


def test_the_api_refuses_a_period_longer_than_five_years_with_422(unit):
    client = client_of(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))
    # A far end once made the period before it start in a year before 1 (a 500).
    answer = client.get("/api/v1/priorities", {"unit": unit.code, "to": "6363-07-22"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["query", "from"]


def test_the_api_refuses_to_adopt_over_a_period_longer_than_five_years_and_stores_nothing(unit):
    body = {
        "unit": unit.code,
        "categories": ["fraud"],
        "adopted_on": "2025-07-10",
        "decision": "Fraud.",
        "period_start": "1991-01-01",
        "period_end": "2025-06-30",
    }
    lcpc = client_of(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))
    answer = lcpc.post(
        "/api/v1/priorities/adopt", json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 422, answer.content
    assert "5 years" in answer.content.decode()
    assert AdoptedPriority.objects.filter(unit=unit).count() == 0


def test_the_page_refuses_a_hidden_period_from_year_one_with_a_400_not_a_500(unit):
    client = client_of(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))
    url = reverse("consultations:priorities:adopt", args=[unit.code])
    response = client.post(
        url + "?date_from=2024-07-01&date_to=2025-06-30",
        {
            "rank_burglary": "1",
            "adopted_on": "2025-07-10",
            "decision": "Kept text",
            "period_start": "0001-01-01",
            "period_end": "0001-03-31",
        },
    )
    assert response.status_code == 400
    assert "before 1991" in response.content.decode()
    assert "Kept text" in response.content.decode()
    assert client.get(url + "?date_from=0001-01-01&date_to=0001-03-31").status_code == 400
    assert AdoptedPriority.objects.filter(unit=unit).count() == 0


def test_the_api_refuses_a_meeting_of_another_municipality_and_stores_nothing(unit):
    lcpc = client_of(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))
    body = {
        "unit": unit.code,
        "categories": ["fraud"],
        "adopted_on": "2025-07-10",
        "meeting": MeetingFactory.create().pk,
        "decision": "Fraud.",
        "period_start": "2024-07-01",
        "period_end": "2025-06-30",
    }
    answer = lcpc.post(
        "/api/v1/priorities/adopt", json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["body", "meeting"]
    body["meeting"] = MeetingFactory.create(unit=unit).pk
    done = lcpc.post("/api/v1/priorities/adopt", json.dumps(body), content_type="application/json")
    assert done.status_code == 201, done.content
    assert AdoptedPriority.objects.filter(unit=unit).count() == 1
