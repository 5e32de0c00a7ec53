"""Meeting pages: recording and editing a meeting with its attendance, the list's filters, the
detail page's table, and concerns raised at a meeting. Outsiders and roles without the
permission are the permission sweep's (sweep_meetings.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kenesh.accounts.models import User
from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import (
    ATTENDANCE_FIELDS,
    Concern,
    ConcernChannel,
    ConcernEvent,
    Meeting,
    MeetingKind,
)
from kenesh.consultations.tests.factories import ConcernFactory, MeetingFactory
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory
from kenesh.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("consultations:meetings:create")
LIST = reverse("consultations:meetings:list")


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def town() -> AdministrativeUnit:
    return MunicipalityFactory.create()


@pytest.fixture
def lcpc(town: AdministrativeUnit) -> User:
    return UserFactory.create(role=Role.LCPC_COORDINATOR, unit=town)


def form_data(town: AdministrativeUnit, **overrides: Any) -> dict[str, Any]:
    return {
        "unit": town.pk,
        "held_on": "2025-03-14",
        "kind": MeetingKind.COMMUNITY,
        "title": "Street lighting and the school road",
        "settlement": "",
        "attended_female_18_29": "7",
        "attended_female_60_plus": "3",
        "attended_male_under_18": "2",
        "attended_male_30_59": "11",
        "decisions": "Ask the aiyl okmotu to repair four lamps.",
        "minutes": "Opened by the LCPC coordinator.",
        **overrides,
    }


def detail(meeting: Meeting) -> str:
    return reverse("consultations:meetings:detail", kwargs={"pk": meeting.pk})


# Recording and editing ---------------------------------------------------------------------------


def test_a_coordinator_records_a_meeting_with_its_attendance_and_organisers(
    town: AdministrativeUnit, lcpc: User
) -> None:
    village = SettlementFactory.create(parent=town)
    school = OrganisationFactory.create(unit=town, name_en="School No. 1")
    audits = AuditEntry.objects.count()
    data = form_data(town, settlement=village.pk, organisers=[school.pk])

    response = client_for(lcpc).post(CREATE, data)

    meeting = Meeting.objects.get(unit=town)
    assert response.status_code == 302
    assert response["Location"] == detail(meeting)
    assert (meeting.settlement, meeting.held_on) == (village, dt.date(2025, 3, 14))
    assert meeting.attended_female_18_29 == 7
    assert meeting.attended_male_30_59 == 11
    assert meeting.attended_female_under_18 == 0  # left empty
    assert meeting.attendance == 23
    assert list(meeting.organisers.all()) == [school]
    assert meeting.created_by == lcpc
    entries = AuditEntry.objects.filter(model="meeting", object_id=str(meeting.pk))
    assert {entry.action for entry in entries} == {AuditAction.CREATE, AuditAction.UPDATE}
    assert entries.get(action=AuditAction.UPDATE).changes == {"organisers": [[], [school.pk]]}
    assert AuditEntry.objects.count() == audits + 2


def test_organisers_are_of_the_municipality_or_above_it(town: AdministrativeUnit) -> None:
    admin = UserFactory.create(
        role=Role.ADMINISTRATOR, unit=AdministrativeUnit.objects.get(level="country")
    )
    rayon_police = OrganisationFactory.create(unit=town.parent, name_en="Rayon police")
    elsewhere = OrganisationFactory.create(name_en="Another municipality's NGO")

    refused = client_for(admin).post(CREATE, form_data(town, organisers=[elsewhere.pk]))
    accepted = client_for(admin).post(CREATE, form_data(town, organisers=[rayon_police.pk]))

    assert refused.status_code == 400
    assert "works elsewhere" in str(refused.context["form"].errors["organisers"])
    assert accepted.status_code == 302
    assert list(Meeting.objects.get(unit=town).organisers.all()) == [rayon_police]


def test_a_municipal_user_is_offered_no_organisation_outside_their_area(
    town: AdministrativeUnit, lcpc: User
) -> None:
    own = OrganisationFactory.create(unit=town)
    rayon_police = OrganisationFactory.create(unit=town.parent)

    offered = client_for(lcpc).get(CREATE).context["form"].fields["organisers"].queryset

    assert own in offered
    assert rayon_police not in offered


def test_the_detail_page_shows_attendance_by_sex_and_age_with_totals(lcpc: User) -> None:
    meeting = MeetingFactory.create(
        unit=lcpc.role_assignments.get().unit,
        attended_female_30_59=12,
        attended_male_30_59=9,
        attended_female_under_18=4,
        decisions="Patrols near the bazaar",
    )
    response = client_for(lcpc).get(detail(meeting))

    assert response.status_code == 200
    table = response.context["attendance"]
    assert table["rows"][0]["counts"] == [4, 0, 12, 0]
    assert table["rows"][0]["total"] == 16
    assert table["rows"][1]["total"] == 9
    assert table["columns"] == [4, 0, 21, 0]
    assert table["total"] == 25
    assert "Patrols near the bazaar" in response.content.decode()


def test_the_form_keeps_what_was_typed_when_it_is_refused(
    town: AdministrativeUnit, lcpc: User
) -> None:
    data = form_data(town, held_on="2999-01-01", attended_male_30_59="-3")

    response = client_for(lcpc).post(CREATE, data)

    assert response.status_code == 400
    assert Meeting.objects.filter(unit=town).count() == 0
    form = response.context["form"]
    assert "attended_male_30_59" in form.errors
    page = response.content.decode()
    assert 'value="Street lighting and the school road"' in page
    assert 'value="7"' in page  # another count, as typed
    assert "Ask the aiyl okmotu to repair four lamps." in page


def test_a_future_date_is_refused_with_a_reason(town: AdministrativeUnit, lcpc: User) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=2)

    response = client_for(lcpc).post(CREATE, form_data(town, held_on=tomorrow.isoformat()))

    assert response.status_code == 400
    assert "once it has been held" in str(response.context["form"].errors["held_on"])
    assert not Meeting.objects.filter(unit=town).exists()


def test_a_settlement_of_another_municipality_is_refused(
    town: AdministrativeUnit, lcpc: User
) -> None:
    elsewhere = SettlementFactory.create()

    response = client_for(lcpc).post(CREATE, form_data(town, settlement=elsewhere.pk))

    assert response.status_code == 400
    assert "settlement" in response.context["form"].errors
    assert not Meeting.objects.filter(unit=town).exists()


def test_a_police_officer_reads_meetings_but_cannot_record_one(town: AdministrativeUnit) -> None:
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=town)
    MeetingFactory.create(unit=town)

    assert client_for(police).get(LIST).status_code == 200
    assert client_for(police).post(CREATE, form_data(town)).status_code == 403
    assert Meeting.objects.filter(unit=town).count() == 1


def test_editing_changes_the_attendance_and_audits_only_the_change(
    town: AdministrativeUnit, lcpc: User
) -> None:
    meeting = MeetingFactory.create(unit=town, held_on=dt.date(2025, 3, 14))
    data = {
        **{name: str(getattr(meeting, name)) for name in ATTENDANCE_FIELDS},
        "unit": town.pk,
        "held_on": "2025-03-14",
        "kind": meeting.kind,
        "title": meeting.title,
        "attended_male_30_59": "15",
    }

    response = client_for(lcpc).post(
        reverse("consultations:meetings:edit", kwargs={"pk": meeting.pk}), data
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.attended_male_30_59 == 15
    entry = AuditEntry.objects.filter(
        model="meeting", object_id=str(meeting.pk), action=AuditAction.UPDATE
    ).get()
    assert entry.changes == {"attended_male_30_59": [9, 15]}


# List --------------------------------------------------------------------------------------------


def test_the_list_filters_by_kind_and_dates(town: AdministrativeUnit, lcpc: User) -> None:
    wanted = MeetingFactory.create(
        unit=town, kind=MeetingKind.SCHOOL_FORUM, held_on=dt.date(2024, 5, 2)
    )
    MeetingFactory.create(unit=town, kind=MeetingKind.COMMUNITY, held_on=dt.date(2024, 5, 3))
    MeetingFactory.create(unit=town, kind=MeetingKind.SCHOOL_FORUM, held_on=dt.date(2023, 5, 2))
    MeetingFactory.create(kind=MeetingKind.SCHOOL_FORUM, held_on=dt.date(2024, 5, 2))  # elsewhere

    response = client_for(lcpc).get(
        LIST, {"kind": "school_forum", "from": "2024-01-01", "to": "2024-12-31"}
    )

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [wanted]


def test_an_impossible_filter_is_shown_and_left_out(town: AdministrativeUnit, lcpc: User) -> None:
    MeetingFactory.create(unit=town)

    response = client_for(lcpc).get(LIST, {"from": "2025-02-01", "to": "2025-01-01"})

    assert response.status_code == 200
    assert "to" in response.context["form"].errors
    assert len(response.context["page_obj"]) == 1


# Concerns raised at a meeting --------------------------------------------------------------------


def test_a_concern_raised_at_a_meeting_is_recorded_linked_and_audited(
    town: AdministrativeUnit, lcpc: User
) -> None:
    village = SettlementFactory.create(parent=town)
    meeting = MeetingFactory.create(unit=town, held_on=dt.date(2025, 3, 14))
    url = reverse("consultations:meetings:concern_add", kwargs={"pk": meeting.pk})

    response = client_for(lcpc).post(
        url,
        {
            "concern-text": "No light on the road to the school.",
            "concern-category": "street_lighting",
            "concern-settlement": village.pk,
            "concern-anonymous": "on",
        },
    )

    assert response.status_code == 302
    concern = Concern.objects.get(meeting=meeting)
    assert concern.channel == ConcernChannel.MEETING
    assert (concern.unit, concern.settlement) == (town, village)
    assert concern.category_id == "street_lighting"
    assert concern.anonymous
    assert concern.created_by == lcpc
    assert concern.received_at.date() == dt.date(2025, 3, 14)
    assert ConcernEvent.objects.filter(concern=concern, status="new").count() == 1
    assert AuditEntry.objects.filter(
        model="concern", object_id=str(concern.pk), action=AuditAction.CREATE
    ).exists()
    page = client_for(lcpc).get(detail(meeting)).content.decode()
    assert "No light on the road to the school." in page
    assert concern.display_reference in page


def test_a_refused_concern_keeps_its_text_and_stores_nothing(
    town: AdministrativeUnit, lcpc: User
) -> None:
    meeting = MeetingFactory.create(unit=town)
    elsewhere = SettlementFactory.create()
    concerns = Concern.objects.count()

    response = client_for(lcpc).post(
        reverse("consultations:meetings:concern_add", kwargs={"pk": meeting.pk}),
        {"concern-text": "Stray dogs at the bus stop.", "concern-settlement": elsewhere.pk},
    )

    assert response.status_code == 400
    assert "settlement" in response.context["concern_form"].errors
    assert "Stray dogs at the bus stop." in response.content.decode()
    assert Concern.objects.count() == concerns


def test_concerns_raised_are_listed_only_to_those_who_read_concerns(
    town: AdministrativeUnit,
) -> None:
    meeting = MeetingFactory.create(unit=town)
    ConcernFactory.create(unit=town, meeting=meeting, text="Broken bridge by the river")
    coordinator = UserFactory.create(
        role=Role.PROGRAMME_COORDINATOR, unit=AdministrativeUnit.objects.get(level="country")
    )
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=town)

    assert "Broken bridge by the river" in client_for(police).get(detail(meeting)).content.decode()
    hidden = client_for(coordinator).get(detail(meeting))
    assert hidden.status_code == 200
    assert "Broken bridge by the river" not in hidden.content.decode()
    assert hidden.context["concern_form"] is None


def test_a_concern_link_leads_to_the_concern(town: AdministrativeUnit, lcpc: User) -> None:
    meeting = MeetingFactory.create(unit=town)
    concern = ConcernFactory.create(unit=town, meeting=meeting)

    response = client_for(lcpc).get(detail(meeting))

    assert f'href="/consultations/concerns/{concern.pk}/"' in response.content.decode()


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_the_pages_render_in_kyrgyz_and_russian(
    town: AdministrativeUnit, lcpc: User, language: str
) -> None:
    meeting = MeetingFactory.create(unit=town)
    ConcernFactory.create(unit=town, meeting=meeting)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(lcpc)

    for url in (LIST, CREATE, detail(meeting)):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Language"] == language
