"""Quick entry of an incident (/incidents/new/): defaults, coordinates with a decimal comma,
"save and add another", the compact people sections, and the external-reference rule that
keeps hand entry and imports from duplicating each other (page, API and import alike)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from kenesh.core.imports import result_message
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import PEOPLE_FIELDS, Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.incidents.tests.import_support import import_bytes, sheet
from kenesh.orgs.tests.api_support import assert_error, error_fields, send
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
CREATE = "/incidents/new/"
INCIDENTS = "/api/v1/incidents"


ClientIn = Callable[..., Client]


@pytest.fixture
def client_as(client_as: ClientIn) -> ClientIn:
    """Clients asking for English unless told another language."""

    def make(username: str, language: str = "en") -> Client:
        client = client_as(username)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        return client

    return make


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit": unit(JETI_OGUZ).pk,
        "external_ref": "QE-2003-1",
        "iccs": "05025",
        "occurred_on": "2003-08-01",
        "reported_on": "2003-08-02",
        "status": "registered",
        "context": "none",
        "relationship": "stranger",
        **dict.fromkeys(PEOPLE_FIELDS, ""),
        "victims_female_30_59": "1",
    }
    data.update(overrides)
    return data


# Defaults ------------------------------------------------------------------------------------


def test_a_new_form_has_todays_report_date_and_the_officers_municipality(
    client_as: ClientIn,
) -> None:
    page = client_as("police.jetioguz").get(CREATE).content.decode()
    today = timezone.localdate().isoformat()
    assert re.search(rf'<input type="date" name="reported_on" value="{today}"', page)
    assert re.search(r'<input type="date" name="occurred_on"(?![^>]*value=)', page)
    assert f'<option value="{unit(JETI_OGUZ).pk}" selected>' in page


def test_an_edited_incident_keeps_its_own_report_date(client_as: ClientIn) -> None:
    incident = IncidentFactory.create(
        occurred_on=dt.date(2003, 5, 1), reported_on=dt.date(2003, 5, 2), external_ref="E-1"
    )
    page = client_as("police.jetioguz").get(f"/incidents/{incident.pk}/edit/").content.decode()
    assert 'name="reported_on" value="2003-05-02"' in page


# Coordinates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
@pytest.mark.parametrize(("typed", "stored"), [("42,337", 42.337), ("42.337", 42.337)])
def test_a_latitude_with_a_decimal_comma_or_point_is_the_same_number_in_every_language(
    client_as: ClientIn, language: str, typed: str, stored: float
) -> None:
    data = form_data(latitude=typed, longitude=typed.replace("42", "78"))
    response = client_as("police.jetioguz", language).post(CREATE, data)
    assert response.status_code == 302, response.context["form"].errors
    incident = Incident.objects.get(external_ref="QE-2003-1")
    assert (incident.latitude, incident.longitude) == (stored, stored + 36)


def test_a_coordinate_typed_without_its_decimal_mark_is_refused_saying_where_kyrgyzstan_is(
    client_as: ClientIn,
) -> None:
    response = client_as("police.jetioguz").post(
        CREATE, form_data(latitude="423", longitude="78,224")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["latitude"] == [
        "A latitude in Kyrgyzstan lies between 39.1 and 43.35 degrees north, not 423. Type "
        "decimal degrees, such as 42.337."
    ]
    assert not Incident.objects.filter(external_ref="QE-2003-1").exists()
    # What was typed stays in the form.
    assert 'value="423"' in response.content.decode()


def test_a_longitude_outside_kyrgyzstan_is_named_as_the_longitude(client_as: ClientIn) -> None:
    response = client_as("police.jetioguz").post(
        CREATE, form_data(latitude="42,3", longitude="7,82")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "latitude" not in errors
    assert errors["longitude"][0].startswith(
        "A longitude in Kyrgyzstan lies between 69.2 and 80.35 degrees east, not 7.82."
    )


def test_the_range_message_uses_the_languages_decimal_mark(client_as: ClientIn) -> None:
    response = client_as("police.jetioguz", "ru").post(
        CREATE, form_data(latitude="423,5", longitude="78,2")
    )
    assert response.status_code == 400
    assert "423,5" in response.context["form"].errors["latitude"][0]


# Save and add another ------------------------------------------------------------------------


def test_save_and_add_another_returns_to_an_empty_form_with_municipality_and_dates_kept(
    client_as: ClientIn,
) -> None:
    client = client_as("police.jetioguz")
    response = client.post(CREATE, form_data(then="another"))
    assert response.status_code == 302
    incident = Incident.objects.get(external_ref="QE-2003-1")
    assert response["Location"] == (
        f"{CREATE}?unit={incident.unit_id}&occurred_on=2003-08-01&reported_on=2003-08-02"
    )
    following = client.get(response["Location"])
    assert [str(m) for m in get_messages(following.wsgi_request)] == [
        "The incident QE-2003-1 was registered. Enter the next one."
    ]
    page = following.content.decode()
    assert 'name="occurred_on" value="2003-08-01"' in page
    assert 'name="reported_on" value="2003-08-02"' in page
    assert f'<option value="{incident.unit_id}" selected>' in page
    assert re.search(r'name="external_ref"(?![^>]*value=)', page)
    assert 'name="victims_female_30_59" value="1"' not in page
    # The next one is saved the same way.
    response = client.post(CREATE, form_data(external_ref="QE-2003-2", then="another"))
    assert response.status_code == 302
    assert Incident.objects.filter(external_ref__startswith="QE-2003-").count() == 2


def test_plain_save_opens_the_registered_incident(client_as: ClientIn) -> None:
    response = client_as("police.jetioguz").post(CREATE, form_data(then="view"))
    incident = Incident.objects.get(external_ref="QE-2003-1")
    assert response["Location"] == f"/incidents/{incident.pk}/"


def test_a_kept_municipality_outside_the_officers_area_is_not_offered(
    client_as: ClientIn,
) -> None:
    karakol = unit(KARAKOL)
    response = client_as("police.jetioguz").get(
        CREATE,
        {"unit": str(karakol.pk), "occurred_on": "not a date", "reported_on": "2003-13-40"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert karakol.name not in page
    today = timezone.localdate().isoformat()
    assert f'name="reported_on" value="{today}"' in page


def test_the_edit_form_has_no_save_and_add_another(client_as: ClientIn) -> None:
    incident = IncidentFactory.create(occurred_on=dt.date(2003, 5, 1), external_ref="E-2")
    page = client_as("police.jetioguz").get(f"/incidents/{incident.pk}/edit/").content.decode()
    assert "save-and-add-another" not in page
    assert "save-and-add-another" in client_as("police.jetioguz").get(CREATE).content.decode()


# People --------------------------------------------------------------------------------------


def test_people_are_two_sections_of_one_row_per_age_band_with_three_counts(
    client_as: ClientIn,
) -> None:
    page = client_as("police.jetioguz").get(CREATE).content.decode()
    for role in ("victims", "offenders"):
        section = re.search(
            rf'<details[^>]*data-testid="people-{role}"[^>]*>(.*?)</details>', page, re.S
        )
        assert section is not None
        body = section.group(1)
        rows = re.findall(r"<tr><th scope=\"row\".*?</tr>", body, re.S)
        assert len(rows) == 6
        assert all(row.count("<input") == 3 for row in rows)
    assert 'data-testid="people-victims" open' not in page  # empty: closed


def test_a_section_with_counts_or_errors_opens_by_itself(client_as: ClientIn) -> None:
    response = client_as("police.jetioguz").post(
        CREATE, form_data(external_ref="", offenders_male_14_17="-1")
    )
    page = response.content.decode()
    assert 'data-testid="people-victims" open' in page  # holds a count
    assert 'data-testid="people-offenders" open' in page  # holds an error


# The external reference rule -----------------------------------------------------------------


def test_the_form_requires_the_police_journal_number_and_says_why(client_as: ClientIn) -> None:
    response = client_as("police.jetioguz").post(CREATE, form_data(external_ref="  "))
    assert response.status_code == 400
    assert response.context["form"].errors["external_ref"] == ["This field is required."]
    assert not Incident.objects.filter(occurred_on=dt.date(2003, 8, 1)).exists()
    page = response.content.decode()
    assert "police registration journal" in page
    assert "already registered instead of adding it twice" in page


def test_a_journal_number_taken_in_the_municipality_is_a_form_error(client_as: ClientIn) -> None:
    IncidentFactory.create(occurred_on=dt.date(2003, 5, 1), external_ref="QE-2003-1")
    response = client_as("police.jetioguz").post(CREATE, form_data())
    assert response.status_code == 400
    assert response.context["form"].errors["external_ref"] == [
        "Another incident of this municipality has the external reference QE-2003-1."
    ]
    assert Incident.objects.filter(external_ref="QE-2003-1").count() == 1


def test_an_old_incident_without_a_reference_can_still_be_edited_but_a_reference_stays(
    client_as: ClientIn,
) -> None:
    old = IncidentFactory.create(occurred_on=dt.date(2003, 5, 1), external_ref="")
    client = client_as("police.jetioguz")
    form = client.get(f"/incidents/{old.pk}/edit/").context["form"]
    assert form.fields["external_ref"].required is False
    keyed = IncidentFactory.create(occurred_on=dt.date(2003, 5, 1), external_ref="K-9")
    form = client.get(f"/incidents/{keyed.pk}/edit/").context["form"]
    assert form.fields["external_ref"].required is True


def test_an_import_after_hand_entry_of_the_same_number_reports_it_already_registered(
    client_as: ClientIn,
) -> None:
    client = client_as("police.jetioguz")
    assert client.post(CREATE, form_data(external_ref=" JO-77 ")).status_code == 302
    header = ["external_ref", "municipality", "iccs_code", "occurred_on", "reported_on"]
    same = {
        "external_ref": "JO-77",
        "municipality": JETI_OGUZ,
        "iccs_code": "05025",
        "occurred_on": "2003-08-01",
        "reported_on": "2003-08-02",
    }
    from kenesh.accounts.models import User

    police = User.objects.get(username="police.jetioguz")
    result = import_bytes(sheet([same], header=header), user=police)
    assert (result.created, result.unchanged, result.errors) == (0, 1, [])
    from django.utils import translation

    with translation.override("en"):
        assert result_message(result, dry_run=False) == (
            "0 created, 1 already registered, 0 rejected."
        )
    # The same number with other values is refused as already registered, never added.
    result = import_bytes(sheet([{**same, "iccs_code": "0501"}], header=header), user=police)
    assert result.created == 0
    assert "already registered" in result.errors[0].reason
    assert Incident.objects.filter(external_ref="JO-77").count() == 1


def test_the_api_requires_the_journal_number_too(client_as: ClientIn) -> None:
    client = client_as("police.jetioguz")
    payload = {
        "unit": JETI_OGUZ,
        "iccs": "0501",
        "occurred_on": "2003-02-01",
        "reported_on": "2003-02-01",
    }
    for missing in ({}, {"external_ref": ""}, {"external_ref": "   "}):
        response = send(client, "post", INCIDENTS, {**payload, **missing})
        assert error_fields(assert_error(response, 422)) == {"external_ref"}, missing
    response = send(client, "post", INCIDENTS, {**payload, "external_ref": " API-9 "})
    assert response.status_code == 201
    assert response.json()["external_ref"] == "API-9"
    incident = Incident.objects.get(external_ref="API-9")
    response = send(client, "patch", f"{INCIDENTS}/{incident.pk}", {"external_ref": ""})
    assert error_fields(assert_error(response, 422)) == {"external_ref"}
    assert Incident.objects.get(pk=incident.pk).external_ref == "API-9"
