"""The concerns API (/api/v1/concerns): list with filters, entry, one concern, its steps, the
export; the contact masked from the model's declaration, the reply address never given."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.concerns.services import concern_enter
from kenesh.consultations.models import Concern, ConcernStatus
from kenesh.consultations.tests.factories import ConcernFactory
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/concerns"
CONTACT = "+996 700 123 456"
REPLY = "+996 777 000 111"


def client_of(role: Role, unit: AdministrativeUnit) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory.create(role=role, unit=unit))
    return client


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def unit() -> AdministrativeUnit:
    return MunicipalityFactory.create()


@pytest.fixture
def concern(unit: AdministrativeUnit) -> Concern:
    return ConcernFactory.create(
        unit=unit, contact=CONTACT, reply_channel="sms", reply_address=REPLY
    )


def test_the_list_is_paginated_filtered_and_masked(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    ConcernFactory.create(unit=unit, category_id="stray_dogs", status=ConcernStatus.ACKNOWLEDGED)
    civil = client_of(Role.CIVIL_SOCIETY, unit)
    answer = civil.get(API, {"limit": 1}).json()
    assert answer["count"] == 2 and len(answer["items"]) == 1
    listed = civil.get(API, {"status": "new"}).json()["items"]
    assert [item["reference"] for item in listed] == [concern.display_reference]
    assert listed[0]["contact"] is None
    assert REPLY not in json.dumps(civil.get(API).json())
    assert civil.get(API, {"category": "stray_dogs"}).json()["count"] == 1
    assert civil.get(API, {"from": "2025-13-01"}).status_code == 422


def test_lcpc_and_police_see_the_contact_never_the_reply_address(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    for role in (Role.LCPC_COORDINATOR, Role.POLICE_OFFICER):
        answer = client_of(role, unit).get(f"{API}/{concern.pk}")
        assert answer.json()["contact"] == CONTACT
        assert REPLY not in answer.content.decode() and "reply" not in answer.json()
    assert (
        client_of(Role.LOCAL_GOVERNMENT, unit).get(f"{API}/{concern.pk}").json()["contact"] is None
    )


def test_staff_enter_a_concern_and_a_bad_one_is_refused_with_nothing_stored(
    unit: AdministrativeUnit,
) -> None:
    village = SettlementFactory.create(parent=unit)
    client = client_of(Role.LCPC_COORDINATOR, unit)
    created = post(
        client,
        API,
        {
            "unit": unit.code,
            "text": "Broken lamp",
            "channel": "meeting",
            "settlement": village.code,
            "category": "street_lighting",
            "contact": "+996 555 1",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["channel"], body["settlement"], body["contact"]) == (
        "meeting",
        village.code,
        "+996 555 1",
    )
    count = Concern.objects.count()
    for bad, field in (
        ({"channel": "web"}, "channel"),
        ({"category": "no_such"}, "category"),
        ({"settlement": SettlementFactory.create().code}, "settlement"),
        ({"text": ""}, "text"),
    ):
        answer = post(client, API, {"unit": unit.code, "text": "x", **bad})
        assert answer.status_code == 422, bad
        assert field in json.dumps(answer.json()["errors"])
    assert Concern.objects.count() == count
    assert (
        post(client, API, {"unit": MunicipalityFactory.create().code, "text": "x"}).status_code
        == 404
    )


def test_patch_moves_the_concern_along_and_refuses_a_wrong_step(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    client = client_of(Role.POLICE_OFFICER, unit)
    moved = patch(
        client,
        f"{API}/{concern.pk}",
        {"status": "acknowledged", "category": "juvenile_delinquency"},
    )
    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["category"]) == (
        "acknowledged",
        "juvenile_delinquency",
    )
    refused = patch(client, f"{API}/{concern.pk}", {"status": "not_actionable"})
    assert refused.status_code == 422
    assert "reason" in json.dumps(refused.json()["errors"])
    unpublished = patch(client, f"{API}/{concern.pk}", {"public": True})
    assert unpublished.status_code == 422
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ACKNOWLEDGED and not concern.public
    Concern.objects.filter(pk=concern.pk).update(public_requested=True)
    published = patch(client, f"{API}/{concern.pk}", {"public": True, "public_checked": True})
    assert published.json()["public"] is True
    cleared = patch(client, f"{API}/{concern.pk}", {"category": None})
    assert cleared.json()["category"] is None
    assert patch(client, f"{API}/{concern.pk}", {"status": None}).status_code == 422


def test_patch_refuses_to_publish_a_text_whose_reporter_did_not_agree(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    client = client_of(Role.LCPC_COORDINATOR, unit)
    refused = patch(
        client,
        f"{API}/{concern.pk}",
        {"category": "stray_dogs", "public": True, "public_checked": True},
    )
    assert refused.status_code == 422
    assert "did not agree to publication" in json.dumps(refused.json()["errors"])
    concern.refresh_from_db()
    assert not concern.public and concern.category_id == "street_lighting"


def test_a_failing_step_leaves_the_others_of_the_same_patch_undone(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    client = client_of(Role.LCPC_COORDINATOR, unit)
    answer = patch(
        client, f"{API}/{concern.pk}", {"category": "juvenile_delinquency", "status": "new"}
    )
    assert answer.status_code == 200  # "new" is where it is: no step
    answer = patch(client, f"{API}/{concern.pk}", {"status": "in_plan", "category": "stray_dogs"})
    assert answer.status_code == 422
    concern.refresh_from_db()
    assert (concern.status, concern.category_id) == ("new", "juvenile_delinquency")


def test_the_export_masks_the_contact_for_local_government(
    unit: AdministrativeUnit, concern: Concern
) -> None:
    police = client_of(Role.POLICE_OFFICER, unit).get(f"{API}/export/csv")
    text = police.getvalue().decode("utf-8-sig")
    assert CONTACT in text and REPLY not in text and concern.display_reference in text
    local = client_of(Role.LOCAL_GOVERNMENT, unit).get(f"{API}/export/hxl")
    text = local.getvalue().decode("utf-8-sig")
    assert CONTACT not in text and "#contact" not in text and "#event+concern+ref" in text
    civil = client_of(Role.CIVIL_SOCIETY, unit)
    assert civil.get(f"{API}/export/geojson").status_code == 422
    xlsx = civil.get(f"{API}/export/xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.getvalue())).active
    assert sheet is not None
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row]
    assert concern.display_reference in cells and CONTACT not in cells


def test_entry_checks_the_settlement_whether_given_as_unit_code_or_id(
    unit: AdministrativeUnit,
) -> None:
    village = SettlementFactory.create(parent=unit)
    elsewhere = SettlementFactory.create()
    data = {"unit": unit, "text": "Dark street", "channel": "phone"}
    for given in (village, village.code, village.pk):
        concern = concern_enter(actor=None, data=data | {"settlement": given})
        assert concern.settlement == village
    before = Concern.objects.count()
    for given in (elsewhere, elsewhere.code, elsewhere.pk, unit.code):
        with pytest.raises(ValidationError) as refused:
            concern_enter(actor=None, data=data | {"settlement": given})
        assert set(refused.value.message_dict) == {"settlement"}
    assert Concern.objects.count() == before
