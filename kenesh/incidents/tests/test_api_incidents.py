"""API: the incident register, listed, read, registered and changed within scope and role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kenesh.core.models import AuditEntry
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import PEOPLE_FIELDS, Incident
from kenesh.incidents.tests.conftest import TEST_YEAR
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.orgs.tests.api_support import assert_error, error_fields, ids, send
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents"
JETI_OGUZ_VILLAGE = "41702210830010"
YRDYK_VILLAGE = "41702210835010"  # a village of the neighbouring municipality
RESTRICTED = ("narrative", "reporter_name", "reporter_contact")
AGGREGATE_ONLY = ["coordinator", "civil.jetioguz", "registrar.jetioguz"]
READERS_WITHOUT_RESTRICTED = ["admin", "lcpc.jetioguz", "localgov.jetioguz"]
KARAKOL_USERS = ["police.karakol", "lcpc.karakol"]


@pytest.fixture
def client_as(client_as: Any) -> Any:
    """Clients that ask for English, so that the messages asserted below read as written."""

    def make(username: str) -> Client:
        client: Client = client_as(username)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def new_incident(**overrides: Any) -> dict[str, Any]:
    return {
        "unit": JETI_OGUZ,
        "settlement": JETI_OGUZ_VILLAGE,
        "iccs": "05025",
        "occurred_on": "2003-07-02",
        "occurred_at": "23:30:00",
        "reported_on": "2003-07-03",
        "latitude": 42.337,
        "longitude": 78.224,
        "status": "under_investigation",
        "relationship": "stranger",
        "narrative": "Two horses driven off the pasture.",
        "reporter_name": "Bolot Asanov",
        "reporter_contact": "+996 700 000 111",
        "external_ref": "API-2003-7",
        "victims_male_30_59": 1,
        "offenders_male_14_17": 2,
        **overrides,
    }


def village() -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=JETI_OGUZ_VILLAGE)


def counts() -> tuple[int, int]:
    return Incident.objects.count(), AuditEntry.objects.count()


def url(incident: Incident) -> str:
    return f"{INCIDENTS}/{incident.pk}"


# Reading


def test_incidents_answer_401_without_credentials(
    client: Client, jeti_oguz_incident: Incident
) -> None:
    assert_error(client.get(INCIDENTS), 401)
    assert_error(client.get(url(jeti_oguz_incident)), 401)
    assert_error(send(client, "post", INCIDENTS, new_incident()), 401)
    assert_error(send(client, "patch", url(jeti_oguz_incident), {"status": "solved"}), 401)


def test_police_of_the_municipality_read_every_field_with_the_restricted_ones(
    client_as: Any, jeti_oguz_incident: Incident
) -> None:
    response = client_as("police.jetioguz").get(url(jeti_oguz_incident))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == jeti_oguz_incident.pk
    assert body["unit"] == JETI_OGUZ
    assert body["iccs"] == "05025"
    assert body["iccs_name"] == jeti_oguz_incident.iccs.name_en
    assert body["categories"] == ["livestock_theft"]
    assert body["occurred_on"] == "2003-06-15"
    assert body["narrative"] == "Three sheep taken from the summer pasture at night."
    assert body["reporter_name"] == "Asel Toktosunova"
    assert body["reporter_contact"] == "+996 555 123 456"
    assert {name: body[name] for name in PEOPLE_FIELDS} == dict.fromkeys(PEOPLE_FIELDS, 0)


@pytest.mark.parametrize("username", READERS_WITHOUT_RESTRICTED)
def test_readers_other_than_police_get_the_restricted_fields_as_null(
    client_as: Any, jeti_oguz_incident: Incident, username: str
) -> None:
    client = client_as(username)

    detail = client.get(url(jeti_oguz_incident)).json()
    listed = client.get(INCIDENTS, TEST_YEAR).json()["items"]

    assert detail["id"] == jeti_oguz_incident.pk
    assert detail["external_ref"] == "TEST-2003-1"
    assert [item["id"] for item in listed] == [jeti_oguz_incident.pk]
    for body in (detail, listed[0]):
        assert {name: body[name] for name in RESTRICTED} == dict.fromkeys(RESTRICTED, None)


@pytest.mark.parametrize("username", AGGREGATE_ONLY)
def test_aggregate_only_roles_get_403_on_the_records(
    client_as: Any, jeti_oguz_incident: Incident, username: str
) -> None:
    client = client_as(username)

    assert_error(client.get(INCIDENTS), 403)
    assert_error(client.get(url(jeti_oguz_incident)), 403)


@pytest.mark.parametrize("username", KARAKOL_USERS)
def test_a_user_of_another_municipality_gets_404_and_never_sees_the_incident(
    client_as: Any, jeti_oguz_incident: Incident, username: str
) -> None:
    client = client_as(username)

    assert_error(client.get(url(jeti_oguz_incident)), 404)
    assert jeti_oguz_incident.pk not in ids(client.get(INCIDENTS, {**TEST_YEAR, "limit": "500"}))
    assert_error(client.get(INCIDENTS, {"unit": JETI_OGUZ}), 404)


def test_an_incident_that_does_not_exist_is_404(client_as: Any) -> None:
    assert_error(client_as("police.jetioguz").get(f"{INCIDENTS}/999999999"), 404)


def test_an_id_that_is_not_a_number_is_404_in_the_api_shape(client_as: Any) -> None:
    client = client_as("police.jetioguz")

    for incident_id in ("abc", "-1", "1.5"):
        assert_error(client.get(f"{INCIDENTS}/{incident_id}"), 404)
        assert_error(send(client, "patch", f"{INCIDENTS}/{incident_id}", {}), 404)


def test_a_session_patch_without_csrf_token_is_refused_in_the_api_shape(
    jeti_oguz_incident: Incident,
) -> None:
    from kenesh.accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="police.jetioguz"))

    for address in (url(jeti_oguz_incident), f"{INCIDENTS}/abc"):
        response = send(client, "patch", address, {"status": "closed"})
        assert response["Content-Type"].startswith("application/json"), address
        assert response.status_code in (401, 403, 404), address
    assert Incident.objects.get(pk=jeti_oguz_incident.pk).status == "registered"


def test_the_list_is_paginated_newest_first(client_as: Any) -> None:
    made = [IncidentFactory.create(occurred_on=dt.date(2003, 1, day)) for day in range(1, 8)]
    client = client_as("lcpc.jetioguz")

    first = client.get(INCIDENTS, {**TEST_YEAR, "limit": 3}).json()
    rest = client.get(INCIDENTS, {**TEST_YEAR, "limit": "500", "offset": 3}).json()

    assert first["count"] == rest["count"] == 7
    newest_first = [incident.pk for incident in reversed(made)]
    assert [item["id"] for item in first["items"] + rest["items"]] == newest_first


# Filters: each against the set the test built for it.


@pytest.fixture
def assorted() -> dict[str, Incident]:
    """Incidents of 2003 that differ in one thing each."""
    return {
        "sheep_may": IncidentFactory.create(iccs_id="05025", occurred_on=dt.date(2003, 5, 10)),
        "burglary_march": IncidentFactory.create(iccs_id="0501", occurred_on=dt.date(2003, 3, 1)),
        "assault_family": IncidentFactory.create(
            iccs_id="0201",
            relationship="family",
            occurred_on=dt.date(2003, 9, 5),
            status="solved",
        ),
        "fraud_juvenile": IncidentFactory.create(
            iccs_id="0701", occurred_on=dt.date(2003, 11, 20), offenders_male_14_17=1
        ),
        "karakol_theft": IncidentFactory.create(
            unit=AdministrativeUnit.objects.get(code=KARAKOL),
            iccs_id="05025",
            occurred_on=dt.date(2003, 5, 11),
            latitude=None,
            longitude=None,
        ),
    }


def listed(client: Client, **params: str) -> set[int]:
    response = client.get(INCIDENTS, {**TEST_YEAR, "limit": "500", **params})
    return set(ids(response))


def pks(assorted: dict[str, Incident], *names: str) -> set[int]:
    return {assorted[name].pk for name in names}


def test_the_list_filters_by_unit(client_as: Any, assorted: dict[str, Incident]) -> None:
    lcpc = client_as("admin")

    assert listed(lcpc, unit=KARAKOL) == pks(assorted, "karakol_theft")
    assert listed(lcpc, unit=JETI_OGUZ) == pks(
        assorted, "sheep_may", "burglary_march", "assault_family", "fraud_juvenile"
    )
    assert listed(lcpc, unit="41702000000000") == set(pks(assorted, *assorted))  # the oblast


def test_the_list_filters_by_dates_inclusively(
    client_as: Any, assorted: dict[str, Incident]
) -> None:
    client = client_as("admin")

    found = listed(client, **{"from": "2003-05-10", "to": "2003-09-05"})

    assert found == pks(assorted, "sheep_may", "karakol_theft", "assault_family")


def test_the_list_filters_by_iccs_prefix(client_as: Any, assorted: dict[str, Incident]) -> None:
    client = client_as("admin")

    assert listed(client, iccs="05") == pks(
        assorted, "sheep_may", "burglary_march", "karakol_theft"
    )
    assert listed(client, iccs="0501") == pks(assorted, "burglary_march")
    assert listed(client, iccs="07") == pks(assorted, "fraud_juvenile")


def test_the_list_filters_by_derived_category(
    client_as: Any, assorted: dict[str, Incident]
) -> None:
    client = client_as("admin")

    assert listed(client, category="livestock_theft") == pks(assorted, "sheep_may", "karakol_theft")
    assert listed(client, category="domestic_violence") == pks(assorted, "assault_family")
    assert listed(client, category="juvenile_delinquency") == pks(assorted, "fraud_juvenile")
    assert listed(client, category="fraud") == pks(assorted, "fraud_juvenile")


def test_the_list_filters_by_status(client_as: Any, assorted: dict[str, Incident]) -> None:
    client = client_as("admin")

    assert listed(client, status="solved") == pks(assorted, "assault_family")


def test_the_list_shows_the_categories_of_each_incident(
    client_as: Any, assorted: dict[str, Incident]
) -> None:
    items = client_as("admin").get(INCIDENTS, {**TEST_YEAR, "limit": "500"}).json()["items"]

    by_id = {item["id"]: item["categories"] for item in items}
    assert by_id[assorted["assault_family"].pk] == ["domestic_violence"]
    assert by_id[assorted["fraud_juvenile"].pk] == ["juvenile_delinquency", "fraud"]
    assert by_id[assorted["burglary_march"].pk] == ["burglary"]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2003-13-01"},
        {"to": "yesterday"},
        {"to": "0"},
        {"from": "2003-06-01", "to": "2003-05-01"},
        {"iccs": "05a"},
        {"iccs": "1234567"},
        {"category": "arson"},
        {"status": "lost"},
        {"limit": "0"},
    ],
    ids=str,
)
def test_invalid_filters_get_422(client_as: Any, params: dict[str, str]) -> None:
    assert_error(client_as("police.jetioguz").get(INCIDENTS, params), 422)


def test_an_unknown_unit_filter_gets_404(client_as: Any) -> None:
    assert_error(client_as("police.jetioguz").get(INCIDENTS, {"unit": "41799999999999"}), 404)


# Registering


def test_police_register_an_incident_with_every_field_and_the_audit_log_records_it(
    client_as: Any,
) -> None:
    response = send(client_as("police.jetioguz"), "post", INCIDENTS, new_incident())

    assert response.status_code == 201, response.content
    body = response.json()
    created = Incident.objects.get(pk=body["id"])
    assert body["unit"] == JETI_OGUZ
    assert body["settlement"] == JETI_OGUZ_VILLAGE
    assert body["occurred_at"] == "23:30:00"
    assert body["narrative"] == created.narrative == "Two horses driven off the pasture."
    assert body["categories"] == ["livestock_theft", "juvenile_delinquency"]
    assert body["offenders_total"] == 2
    assert created.victims_male_30_59 == 1
    assert created.offenders_male_14_17 == 2
    assert sum(getattr(created, name) for name in PEOPLE_FIELDS) == 3
    entry = AuditEntry.objects.get(model="incident", object_id=str(created.pk))
    assert entry.action == "create"
    assert entry.actor_username == "police.jetioguz"
    assert entry.unit_path.endswith(f"/{JETI_OGUZ}/")
    assert entry.changes["iccs_id"] == [None, "05025"]
    assert entry.changes["offenders_male_14_17"] == [None, 2]


def test_counts_left_out_are_zero(client_as: Any) -> None:
    minimal = {
        "unit": JETI_OGUZ,
        "iccs": "0501",
        "occurred_on": "2003-02-01",
        "reported_on": "2003-02-01",
        "external_ref": "MIN-1",
    }

    response = send(client_as("police.jetioguz"), "post", INCIDENTS, minimal)

    assert response.status_code == 201, response.content
    body = response.json()
    assert {name: body[name] for name in PEOPLE_FIELDS} == dict.fromkeys(PEOPLE_FIELDS, 0)
    assert body["settlement"] is None
    assert body["status"] == "registered"
    assert body["categories"] == ["burglary"]


@pytest.mark.parametrize(
    "username", ["admin", "lcpc.jetioguz", "localgov.jetioguz", *AGGREGATE_ONLY]
)
def test_roles_other_than_police_cannot_register_an_incident(client_as: Any, username: str) -> None:
    before = counts()

    assert_error(send(client_as(username), "post", INCIDENTS, new_incident()), 403)

    assert counts() == before


def test_police_of_another_municipality_cannot_register_one_in_jeti_oguz(client_as: Any) -> None:
    before = counts()

    assert_error(send(client_as("police.karakol"), "post", INCIDENTS, new_incident()), 404)

    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"latitude": 51.5, "longitude": -0.12}, "latitude", "does not lie in Kyrgyzstan"),
        ({"reported_on": "2003-07-01"}, "reported_on", "reported before it occurred"),
        ({"settlement": YRDYK_VILLAGE}, "settlement", "must lie in the municipality"),
        ({"iccs": "0999"}, "iccs", "Unknown ICCS code"),
        ({"occurred_on": "2999-01-01", "reported_on": "2999-01-01"}, "occurred_on", "future"),
        ({"latitude": 42.3, "longitude": None}, "longitude", "both latitude and longitude"),
        ({"unit": "41702210000000"}, "unit", "Choose a municipality"),
        ({"victims_female_0_13": -1}, "victims_female_0_13", "greater than or equal to 0"),
        ({"status": "lost"}, "status", ""),
        ({"occurred_at": "23:30:00+06:00"}, "occurred_at", "without a time zone"),
        ({"occurred_at": 3600}, "occurred_at", "HH:MM"),
        ({"occurred_on": 0}, "occurred_on", "YYYY-MM-DD"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_an_invalid_incident_gets_422_with_the_reason_and_nothing_is_written(
    client_as: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    before = counts()

    response = send(client_as("police.jetioguz"), "post", INCIDENTS, new_incident(**overrides))

    body = assert_error(response, 422)
    assert field in error_fields(body)
    assert message in " ".join(error["msg"] for error in body["errors"])
    assert counts() == before


def test_a_location_outside_the_municipalitys_boundary_is_refused(client_as: Any) -> None:
    AdministrativeUnit.objects.filter(code=JETI_OGUZ).update(
        boundary={
            "type": "Polygon",
            "coordinates": [[[78.1, 42.2], [78.4, 42.2], [78.4, 42.5], [78.1, 42.5], [78.1, 42.2]]],
        }
    )
    client = client_as("police.jetioguz")
    before = counts()

    outside = send(client, "post", INCIDENTS, new_incident(latitude=42.49, longitude=78.45))
    inside = send(client, "post", INCIDENTS, new_incident(latitude=42.49, longitude=78.39))

    body = assert_error(outside, 422)
    assert body["errors"] == [
        {
            "loc": ["body", "latitude"],
            "msg": "The location lies outside the municipality's boundary.",
            "type": "invalid",
        }
    ]
    assert inside.status_code == 201, inside.content
    assert counts() == (before[0] + 1, before[1] + 1)


TAKEN_MESSAGE = "Another incident of this municipality has the external reference TEST-2003-1."


def test_a_taken_external_reference_gets_409_naming_it(
    client_as: Any, jeti_oguz_incident: Incident
) -> None:
    before = counts()

    response = send(
        client_as("police.jetioguz"), "post", INCIDENTS, new_incident(external_ref="TEST-2003-1")
    )

    body = assert_error(response, 409)
    assert body["errors"] == [
        {
            "loc": ["body", "external_ref"],
            "msg": TAKEN_MESSAGE,
            "type": "duplicate_external_ref",
        }
    ]
    assert counts() == before


def test_a_taken_reference_with_an_invalid_field_gets_422_with_both(
    client_as: Any, jeti_oguz_incident: Incident
) -> None:
    # The client must fix the data first; the conflict is told alongside.
    response = send(
        client_as("police.jetioguz"),
        "post",
        INCIDENTS,
        new_incident(external_ref="TEST-2003-1", reported_on="2003-07-01"),
    )

    assert error_fields(assert_error(response, 422)) == {"external_ref", "reported_on"}


def test_a_change_to_a_taken_external_reference_gets_409(
    client_as: Any, jeti_oguz_incident: Incident
) -> None:
    other = IncidentFactory.create(occurred_on=dt.date(2003, 5, 1), external_ref="TEST-2003-2")
    before = counts()

    response = send(
        client_as("police.jetioguz"), "patch", url(other), {"external_ref": "TEST-2003-1"}
    )

    assert assert_error(response, 409)["errors"][0]["msg"] == TAKEN_MESSAGE
    assert counts() == before
    assert Incident.objects.get(pk=other.pk).external_ref == "TEST-2003-2"


def test_listing_takes_the_same_number_of_queries_for_few_incidents_and_many(
    client_as: Any,
) -> None:
    client = client_as("police.jetioguz")

    def queries_for(how_many: int) -> int:
        Incident.objects.filter(occurred_on__year=2003).delete()
        for day in range(1, how_many + 1):
            IncidentFactory.create(occurred_on=dt.date(2003, 3, day), settlement=village())
        with CaptureQueriesContext(connection) as captured:
            assert len(ids(client.get(INCIDENTS, TEST_YEAR))) == how_many
        return len(captured)

    assert queries_for(2) == queries_for(12)


def test_unknown_fields_are_refused(client_as: Any) -> None:
    response = send(client_as("police.jetioguz"), "post", INCIDENTS, new_incident(victims=3))

    assert "victims" in error_fields(assert_error(response, 422))


# Changing


def test_police_change_an_incident_and_the_audit_log_records_only_what_changed(
    client_as: Any, jeti_oguz_incident: Incident
) -> None:
    response = send(
        client_as("police.jetioguz"),
        "patch",
        url(jeti_oguz_incident),
        {"status": "solved", "relationship": "family", "iccs": "0201", "victims_female_30_59": 1},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "solved"
    assert body["categories"] == ["domestic_violence"]
    assert body["narrative"] == jeti_oguz_incident.narrative
    entry = AuditEntry.objects.get(model="incident", object_id=str(jeti_oguz_incident.pk))
    assert entry.action == "update"
    assert entry.actor_username == "police.jetioguz"
    assert entry.changes == {
        "status": ["registered", "solved"],
        "relationship": ["unknown", "family"],
        "iccs_id": ["05025", "0201"],
        "victims_female_30_59": [0, 1],
        "categories": ["|livestock_theft|", "|domestic_violence|"],
    }


def test_a_change_can_clear_the_location_and_the_settlement(
    client_as: Any, jeti_oguz_incident: Incident
) -> None:
    response = send(
        client_as("police.jetioguz"),
        "patch",
        url(jeti_oguz_incident),
        {"latitude": None, "longitude": None, "settlement": None, "occurred_at": None},
    )

    assert response.status_code == 200, response.content
    jeti_oguz_incident.refresh_from_db()
    assert (jeti_oguz_incident.latitude, jeti_oguz_incident.longitude) == (None, None)
    assert jeti_oguz_incident.settlement_id is None


@pytest.mark.parametrize(
    "field",
    [
        "status",
        "iccs",
        "occurred_on",
        "reported_on",
        "narrative",
        "external_ref",
        "attempted",
        "victims_male_30_59",
    ],
)
def test_a_change_that_nulls_a_required_field_gets_422_naming_it(
    client_as: Any, jeti_oguz_incident: Incident, field: str
) -> None:
    before = counts()

    response = send(client_as("police.jetioguz"), "patch", url(jeti_oguz_incident), {field: None})

    body = assert_error(response, 422)
    assert body["errors"] == [
        {
            "loc": ["body", "payload", field],
            "msg": "This field cannot be null; leave it out to keep its value.",
            "type": "null_not_allowed",
        }
    ]
    assert counts() == before
    stored = Incident.objects.get(pk=jeti_oguz_incident.pk)
    assert stored.updated_at == jeti_oguz_incident.updated_at


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reported_on": "2003-06-01"}, "reported_on"),
        ({"latitude": 55.75, "longitude": 37.62}, "latitude"),
        ({"iccs": "99"}, "iccs"),
        ({"settlement": YRDYK_VILLAGE}, "settlement"),
        ({"unit": KARAKOL}, "unit"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_rejected_change_leaves_the_incident_and_the_log_as_they_were(
    client_as: Any, jeti_oguz_incident: Incident, change: dict[str, Any], field: str
) -> None:
    before = counts()

    response = send(client_as("police.jetioguz"), "patch", url(jeti_oguz_incident), change)

    assert field in error_fields(assert_error(response, 422))
    assert counts() == before
    stored = Incident.objects.get(pk=jeti_oguz_incident.pk)
    assert (stored.reported_on, stored.latitude, stored.iccs_id, stored.settlement_id) == (
        jeti_oguz_incident.reported_on,
        jeti_oguz_incident.latitude,
        jeti_oguz_incident.iccs_id,
        jeti_oguz_incident.settlement_id,
    )


@pytest.mark.parametrize(
    "username", ["admin", "lcpc.jetioguz", "localgov.jetioguz", *AGGREGATE_ONLY]
)
def test_roles_other_than_police_cannot_change_an_incident(
    client_as: Any, jeti_oguz_incident: Incident, username: str
) -> None:
    before = counts()

    response = send(client_as(username), "patch", url(jeti_oguz_incident), {"status": "closed"})

    assert_error(response, 403)
    assert counts() == before
    assert Incident.objects.get(pk=jeti_oguz_incident.pk).status == "registered"


@pytest.mark.parametrize("username", KARAKOL_USERS)
def test_a_user_of_another_municipality_cannot_change_the_incident(
    client_as: Any, jeti_oguz_incident: Incident, username: str
) -> None:
    before = counts()

    response = send(client_as(username), "patch", url(jeti_oguz_incident), {"status": "closed"})

    assert_error(response, 404)
    assert counts() == before
