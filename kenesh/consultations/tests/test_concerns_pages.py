"""Staff pages of concerns: the list and its counts-only variant, a concern's page with the
contact masked, entry for a citizen, and the steps of the loop (status, category, publication,
merge). Outsider and wrong-role answers come from the permission sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.concerns.selectors import merge_target
from kenesh.consultations.concerns.services import concern_merge
from kenesh.consultations.models import Concern, ConcernChannel, ConcernEvent, ConcernStatus
from kenesh.consultations.tests.factories import ConcernFactory
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory, country

pytestmark = pytest.mark.django_db

CONTACT = "+996 700 123 456"
REPLY = "telegram:5550001"


def client_of(role: Role | None, unit: AdministrativeUnit | None = None) -> Client:
    where = country() if role in (Role.ADMINISTRATOR, Role.PROGRAMME_COORDINATOR) else unit
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory.create(role=role, unit=where))
    return client


@pytest.fixture
def unit() -> AdministrativeUnit:
    return MunicipalityFactory.create()


@pytest.fixture
def concern(unit: AdministrativeUnit) -> Concern:
    return ConcernFactory.create(
        unit=unit, contact=CONTACT, reply_channel="telegram", reply_address=REPLY
    )


def url(name: str, concern: Concern) -> str:
    return reverse(f"consultations:concerns:{name}", kwargs={"pk": concern.pk})


LIST = "/consultations/concerns/"


def test_the_list_shows_the_concerns_of_ones_municipality_and_filters_them(
    unit: AdministrativeUnit,
) -> None:
    lighting = ConcernFactory.create(unit=unit, text="Lamps are out on Lenin street")
    dogs = ConcernFactory.create(unit=unit, category_id="stray_dogs", text="Stray dogs near school")
    ConcernFactory.create(text="Elsewhere")  # another municipality
    client = client_of(Role.CIVIL_SOCIETY, unit)
    page = client.get(LIST).content.decode()
    assert lighting.display_reference in page and dogs.display_reference in page
    assert "Elsewhere" not in page
    filtered = client.get(LIST, {"category": "stray_dogs"}).content.decode()
    assert dogs.display_reference in filtered and lighting.display_reference not in filtered


def test_a_bad_filter_is_shown_and_left_out(unit: AdministrativeUnit) -> None:
    ConcernFactory.create(unit=unit)
    response = client_of(Role.LCPC_COORDINATOR, unit).get(
        LIST, {"from": "2025-05-01", "to": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "The start date lies after the end date." in response.content.decode()
    assert response.context["page_obj"].paginator.count == 1


def test_the_programme_coordinator_gets_counts_with_small_ones_withheld(
    unit: AdministrativeUnit,
) -> None:
    ConcernFactory.create_batch(6, unit=unit, category_id="stray_dogs")
    ConcernFactory.create_batch(2, unit=unit, category_id="street_lighting")
    response = client_of(Role.PROGRAMME_COORDINATOR).get(LIST, {"unit": unit.code})
    assert response.status_code == 200
    assert "page_obj" not in response.context
    counts = response.context["counts"]
    new = counts.statuses.index(ConcernStatus.NEW)
    cells = [row.counts[new] for _name, row in counts.rows]
    # The 2 street lighting concerns read <5; the 6 stray dogs are published or withheld as
    # its complement (the column's total, 8, would give the 2 back); nothing else is counted.
    assert [cell.small for cell in cells].count(True) == 1
    assert {cell.value for cell in cells if not cell.suppressed} <= {0, 6}
    assert counts.table.column_totals.counts[new].value == 8
    body = response.content.decode()
    assert "<5" in body or "&lt;5" in body
    assert "Lamps" not in body


def test_the_programme_coordinator_counts_whole_months_so_a_day_more_or_less_changes_nothing(
    unit: AdministrativeUnit,
) -> None:
    for day, n in ((1, 5), (15, 6), (30, 7)):
        ConcernFactory.create_batch(
            n, unit=unit, received_at=timezone.make_aware(dt.datetime(2025, 4, day, 12))
        )
    client = client_of(Role.PROGRAMME_COORDINATOR)

    def total(start: str, end: str) -> int | None:
        response = client.get(LIST, {"unit": unit.code, "from": start, "to": end})
        assert "Counts are for whole months" in response.content.decode()
        value: int | None = response.context["counts"].table.column_totals.total.value
        return value

    assert total("2025-04-01", "2025-04-29") == total("2025-04-02", "2025-04-29") == 18
    assert total("2025-04-02", "2025-04-15") == total("2025-04-02", "2025-04-14") == 18


def test_counts_leave_out_merged_duplicates_as_the_public_page_and_the_matrix_do(
    unit: AdministrativeUnit,
) -> None:
    kept, *others = ConcernFactory.create_batch(7, unit=unit, category_id="stray_dogs")
    staff = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    for duplicate in others[:2]:
        concern_merge(actor=staff, duplicate=duplicate, keep=kept)
    response = client_of(Role.PROGRAMME_COORDINATOR).get(LIST, {"unit": unit.code})
    counts = response.context["counts"]
    assert counts.table.column_totals.total.value == 5
    closed = counts.statuses.index(ConcernStatus.NOT_ACTIONABLE)
    assert counts.table.column_totals.counts[closed].value == 0


def test_contact_is_shown_to_lcpc_and_police_and_masked_for_others_reply_address_never(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    for role in (Role.LCPC_COORDINATOR, Role.POLICE_OFFICER):
        body = client_of(role, unit).get(url("detail", concern)).content.decode()
        assert CONTACT in body and REPLY not in body, role
    for role in (Role.LOCAL_GOVERNMENT, Role.CIVIL_SOCIETY, Role.ADMINISTRATOR):
        response = client_of(role, unit).get(url("detail", concern))
        body = response.content.decode()
        assert response.status_code == 200
        assert CONTACT not in body and REPLY not in body, role
        assert "restricted" in body


def test_the_detail_shows_the_suggested_category_to_confirm(unit: AdministrativeUnit) -> None:
    concern = ConcernFactory.create(unit=unit, category_id=None, suggested_category_id="stray_dogs")
    response = client_of(Role.LCPC_COORDINATOR, unit).get(url("detail", concern))
    assert "Suggested from the words of the message" in response.content.decode()
    assert response.context["categorise_form"].initial["category"] == "stray_dogs"


def test_local_government_reads_but_gets_no_forms(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    response = client_of(Role.LOCAL_GOVERNMENT, unit).get(url("detail", concern))
    assert "status_form" not in response.context
    denied = client_of(Role.LOCAL_GOVERNMENT, unit).post(
        url("status", concern), {"status": "acknowledged"}
    )
    assert denied.status_code == 403
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.NEW


def create_data(unit: AdministrativeUnit, **overrides: Any) -> dict[str, Any]:
    return {
        "unit": unit.pk,
        "text": "Youths drink by the bus stop every evening",
        "category": "",
        "settlement": "",
        "channel": ConcernChannel.PHONE,
        "received_on": "",
        "contact": "+996 555 111 222",
        **overrides,
    }


def test_staff_record_a_concern_for_a_citizen(unit: AdministrativeUnit) -> None:
    village = SettlementFactory.create(parent=unit)
    client = client_of(Role.POLICE_OFFICER, unit)
    response = client.post(
        reverse("consultations:concerns:create"),
        create_data(
            unit, settlement=village.pk, category="juvenile_delinquency", received_on="2025-03-02"
        ),
    )
    concern = Concern.objects.get(unit=unit)
    assert response.status_code == 302 and response["Location"] == url("detail", concern)
    assert (concern.channel, concern.settlement, concern.category_id) == (
        "phone",
        village,
        "juvenile_delinquency",
    )
    assert concern.received_at.date().isoformat() == "2025-03-02"
    assert concern.contact == "+996 555 111 222"
    assert concern.events.get().status == ConcernStatus.NEW
    assert AuditEntry.objects.filter(model="concern", object_id=str(concern.pk)).exists()


def test_an_anonymous_concern_keeps_no_contact(unit: AdministrativeUnit) -> None:
    client_of(Role.CIVIL_SOCIETY, unit).post(
        reverse("consultations:concerns:create"), create_data(unit, anonymous="on")
    )
    assert Concern.objects.get(unit=unit).contact == ""


def test_a_refused_entry_keeps_what_was_typed_and_stores_nothing(unit: AdministrativeUnit) -> None:
    elsewhere = SettlementFactory.create()
    response = client_of(Role.LCPC_COORDINATOR, unit).post(
        reverse("consultations:concerns:create"),
        create_data(unit, settlement=elsewhere.pk, received_on="2999-01-01"),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Youths drink by the bus stop every evening" in body
    assert "The date lies in the future." in body
    assert not Concern.objects.filter(unit=unit).exists()


def test_status_steps_are_dated_audited_and_a_wrong_one_is_refused(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    client = client_of(Role.LCPC_COORDINATOR, unit)
    response = client.post(url("status", concern), {"status": "acknowledged"})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ACKNOWLEDGED
    assert list(concern.events.values_list("status", flat=True)) == ["acknowledged"]
    refused = client.post(url("status", concern), {"status": "new"})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    events = concern.events.count()
    no_reason = client.post(url("status", concern), {"status": "not_actionable", "reason": " "})
    assert no_reason.status_code == 400
    assert "Say why the concern is not actionable." in no_reason.content.decode()
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ACKNOWLEDGED and concern.events.count() == events


def test_a_step_address_opened_with_get_goes_to_the_concern(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    response = client_of(Role.LCPC_COORDINATOR, unit).get(url("merge", concern))
    assert response.status_code == 302 and response["Location"] == url("detail", concern)


def test_categorising_confirms_the_suggestion_and_records_a_step(unit: AdministrativeUnit) -> None:
    concern = ConcernFactory.create(unit=unit, category_id=None, suggested_category_id="stray_dogs")
    client = client_of(Role.CIVIL_SOCIETY, unit)
    client.post(url("categorise", concern), {"category": "stray_dogs"})
    concern.refresh_from_db()
    assert concern.category_id == "stray_dogs"
    assert concern.events.filter(note__startswith="Category").exists()
    bad = client.post(url("categorise", concern), {"category": "no_such"})
    assert bad.status_code == 400


def test_publication_needs_the_staff_check(unit: AdministrativeUnit, concern: Concern) -> None:
    Concern.objects.filter(pk=concern.pk).update(public_requested=True)
    concern.refresh_from_db()
    client = client_of(Role.LCPC_COORDINATOR, unit)
    refused = client.post(url("moderate", concern), {"public": "on"})
    assert refused.status_code == 400
    assert "names no one" in refused.content.decode()
    concern.refresh_from_db()
    assert not concern.public
    client.post(url("moderate", concern), {"public": "on", "checked": "on"})
    concern.refresh_from_db()
    assert concern.public
    client.post(url("moderate", concern), {})
    concern.refresh_from_db()
    assert not concern.public


def test_a_text_whose_reporter_did_not_agree_is_never_shown_publicly(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    assert not concern.public_requested
    client = client_of(Role.LCPC_COORDINATOR, unit)
    page = client.get(url("detail", concern)).content.decode()
    assert 'name="public"' not in page
    assert "did not agree to publication" in page
    events = ConcernEvent.objects.count()
    refused = client.post(url("moderate", concern), {"public": "on", "checked": "on"})
    assert refused.status_code == 400
    assert "did not agree to publication" in refused.content.decode()
    concern.refresh_from_db()
    assert not concern.public
    assert ConcernEvent.objects.count() == events


def test_merging_closes_the_duplicate_and_keeps_its_history(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    keep = ConcernFactory.create(unit=unit)
    client = client_of(Role.POLICE_OFFICER, unit)
    response = client.post(url("merge", concern), {"keep": keep.display_reference.lower()})
    assert response.status_code == 302 and response["Location"] == url("detail", keep)
    concern.refresh_from_db()
    assert concern.merged_into == keep
    assert concern.status == ConcernStatus.NOT_ACTIONABLE
    assert concern.status_reason == "Merged with another concern about the same problem."
    assert list(concern.events.values_list("status", flat=True)) == ["not_actionable"]
    assert keep.events.filter(note__contains=concern.display_reference).exists()
    assert AuditEntry.objects.filter(model="concern", object_id=str(concern.pk)).count() >= 2


def test_the_concern_to_keep_is_found_by_its_reference_as_typed_in_the_same_municipality(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    keep = ConcernFactory.create(unit=unit)
    elsewhere = ConcernFactory.create()
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    typed = keep.display_reference.lower().replace("-", " ")
    assert merge_target(user=user, duplicate=concern, reference=typed) == keep
    assert merge_target(user=user, duplicate=concern, reference=elsewhere.reference) is None
    reader = UserFactory.create(role=Role.LOCAL_GOVERNMENT, unit=unit)
    assert merge_target(user=reader, duplicate=concern, reference=keep.reference) is None


def test_a_merge_across_municipalities_or_into_itself_is_refused(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    other = ConcernFactory.create(unit=MunicipalityFactory.create(parent=unit.parent))
    client = client_of(Role.LCPC_COORDINATOR, unit)
    for keep in (other.reference, concern.reference, "ZZZZZ-ZZZZZ"):
        events = ConcernEvent.objects.count()
        response = client.post(url("merge", concern), {"keep": keep})
        assert response.status_code == 400, keep
        assert ConcernEvent.objects.count() == events
    concern.refresh_from_db()
    assert concern.merged_into is None and concern.status == ConcernStatus.NEW


def test_the_menu_offers_concerns_to_the_coordinator_but_not_the_registrar() -> None:
    coordinator = client_of(Role.PROGRAMME_COORDINATOR).get("/").content.decode()
    assert LIST in coordinator
    registrar = client_of(Role.LIVESTOCK_REGISTRAR, MunicipalityFactory.create()).get("/")
    assert LIST not in registrar.content.decode()
