"""API: meetings listed, read, recorded and changed (/api/v1/meetings). Outsiders and roles
without the permission are the permission sweep's."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Meeting, MeetingAttachment, MeetingKind
from kenesh.consultations.tests.factories import MeetingFactory
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory
from kenesh.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MEETINGS = "/api/v1/meetings"


@pytest.fixture
def town() -> AdministrativeUnit:
    return MunicipalityFactory.create()


@pytest.fixture
def lcpc(town: AdministrativeUnit) -> User:
    return UserFactory.create(role=Role.LCPC_COORDINATOR, unit=town)


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, data: Any) -> Any:
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def new_meeting(town: AdministrativeUnit, **overrides: Any) -> dict[str, Any]:
    return {
        "unit": town.code,
        "held_on": "2025-03-14",
        "kind": "dialogue",
        "title": "Dialogue on the school road",
        "attendance": {"female": {"18_29": 7, "60_plus": 3}, "male": {"30_59": 11}},
        "decisions": "Four lamps to repair.",
        **overrides,
    }


def error_fields(response: Any) -> set[str]:
    return {str(error["loc"][-1]) for error in response.json()["errors"]}


def test_a_meeting_is_recorded_with_nested_attendance_and_organisers(
    town: AdministrativeUnit, lcpc: User
) -> None:
    village = SettlementFactory.create(parent=town)
    school = OrganisationFactory.create(unit=town)

    response = send(
        client_for(lcpc),
        "post",
        MEETINGS,
        new_meeting(town, settlement=village.code, organisers=[school.pk]),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    meeting = Meeting.objects.get(pk=body["id"])
    assert meeting.attended_female_18_29 == 7
    assert meeting.attended_male_30_59 == 11
    assert body["attendance"] == {
        "female": {"under_18": 0, "18_29": 7, "30_59": 0, "60_plus": 3},
        "male": {"under_18": 0, "18_29": 0, "30_59": 11, "60_plus": 0},
        "total": 21,
    }
    assert body["settlement"] == village.code
    assert body["organisers"] == [{"id": school.pk, "name": school.name, "unit": town.code}]
    assert body["attachments"] == []
    assert AuditEntry.objects.filter(
        model="meeting", object_id=str(meeting.pk), action=AuditAction.CREATE
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"held_on": "1980-01-01"}, "held_on"),
        ({"attendance": {"female": {"30_59": -1}}}, "30_59"),
        ({"attendance": {"female": {"40_49": 1}}}, "40_49"),
        ({"kind": "party"}, "kind"),
        ({"organisers": [999_999_999]}, "organisers"),
        ({"settlement": "41799999999999"}, "settlement"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_stored(
    town: AdministrativeUnit, lcpc: User, overrides: dict[str, Any], field: str
) -> None:
    before = (Meeting.objects.count(), AuditEntry.objects.count())

    response = send(client_for(lcpc), "post", MEETINGS, new_meeting(town, **overrides))

    assert response.status_code == 422, response.content
    assert field in error_fields(response)
    assert (Meeting.objects.count(), AuditEntry.objects.count()) == before


def test_a_rayon_is_not_a_meetings_place(town: AdministrativeUnit) -> None:
    admin = UserFactory.create(
        role=Role.ADMINISTRATOR, unit=AdministrativeUnit.objects.get(level="country")
    )
    assert town.parent is not None

    response = send(client_for(admin), "post", MEETINGS, new_meeting(town.parent))

    assert response.status_code == 422
    assert "unit" in error_fields(response)


def test_the_list_filters_by_unit_kind_and_dates(town: AdministrativeUnit, lcpc: User) -> None:
    wanted = MeetingFactory.create(
        unit=town, kind=MeetingKind.WORKING_GROUP, held_on=dt.date(2024, 6, 1)
    )
    MeetingFactory.create(unit=town, kind=MeetingKind.COMMUNITY, held_on=dt.date(2024, 6, 1))
    MeetingFactory.create(unit=town, kind=MeetingKind.WORKING_GROUP, held_on=dt.date(2022, 6, 1))

    response = client_for(lcpc).get(
        MEETINGS,
        {"unit": town.code, "kind": "working_group", "from": "2024-01-01", "to": "2024-12-31"},
    )

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [item["id"] for item in response.json()["items"]] == [wanted.pk]


def test_the_list_refuses_dates_out_of_order(lcpc: User) -> None:
    response = client_for(lcpc).get(MEETINGS, {"from": "2024-02-01", "to": "2024-01-01"})

    assert response.status_code == 422


def test_attachments_are_listed_with_their_download_address(
    town: AdministrativeUnit, lcpc: User
) -> None:
    meeting = MeetingFactory.create(unit=town)
    attachment = MeetingAttachment.objects.create(
        meeting=meeting,
        file="meetings/x",
        name="minutes.pdf",
        content_type="application/pdf",
        size=120,
    )

    body = client_for(lcpc).get(f"{MEETINGS}/{meeting.pk}").json()

    [listed] = body["attachments"]
    assert listed["name"] == "minutes.pdf"
    assert listed["content_type"] == "application/pdf"
    assert listed["size"] == 120
    assert listed["download"] == f"/api/v1/meetings/{meeting.pk}/attachments/{attachment.pk}"


def test_a_change_keeps_what_is_left_out_and_audits_the_change(
    town: AdministrativeUnit, lcpc: User
) -> None:
    meeting = MeetingFactory.create(unit=town, attended_female_30_59=12, attended_male_30_59=9)
    school = OrganisationFactory.create(unit=town)
    meeting_title = meeting.title

    response = send(
        client_for(lcpc),
        "patch",
        f"{MEETINGS}/{meeting.pk}",
        {"title": "Renamed", "attendance": {"male": {"18_29": 4}}, "organisers": [school.pk]},
    )

    assert response.status_code == 200, response.content
    meeting.refresh_from_db()
    assert meeting.title == "Renamed"
    assert meeting.attended_female_30_59 == 12  # the women's counts were left out
    assert (meeting.attended_male_18_29, meeting.attended_male_30_59) == (4, 0)
    assert list(meeting.organisers.all()) == [school]
    fields, organisers = [
        entry.changes
        for entry in AuditEntry.objects.filter(
            model="meeting", object_id=str(meeting.pk), action=AuditAction.UPDATE
        ).order_by("id")
    ]
    assert fields == {
        "title": [meeting_title, "Renamed"],
        "attended_male_18_29": [0, 4],
        "attended_male_30_59": [9, 0],
    }
    assert organisers == {"organisers": [[], [school.pk]]}


def test_a_change_refuses_null_where_a_value_is_needed(
    town: AdministrativeUnit, lcpc: User
) -> None:
    meeting = MeetingFactory.create(unit=town)

    response = send(client_for(lcpc), "patch", f"{MEETINGS}/{meeting.pk}", {"held_on": None})

    assert response.status_code == 422
    assert "held_on" in error_fields(response)


def test_a_police_officer_reads_but_cannot_record(town: AdministrativeUnit) -> None:
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=town)
    meeting = MeetingFactory.create(unit=town)

    assert client_for(police).get(f"{MEETINGS}/{meeting.pk}").status_code == 200
    refused = send(client_for(police), "post", MEETINGS, new_meeting(town))
    assert refused.status_code == 403
    assert Meeting.objects.filter(unit=town).count() == 1
