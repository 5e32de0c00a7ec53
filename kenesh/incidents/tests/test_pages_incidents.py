"""Incident register pages: list with filters, detail, register and edit, by scope and role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
LIST = "/incidents/"
CREATE = "/incidents/new/"
JETI_OGUZ_VILLAGE = "41702210830010"
YRDYK_VILLAGE = "41702210835010"
NARRATIVE = "Three sheep taken from the summer pasture at night."
AGGREGATE_ONLY = ["coordinator", "civil.jetioguz", "registrar.jetioguz"]
READERS_WITHOUT_RESTRICTED = ["admin", "lcpc.jetioguz", "localgov.jetioguz"]


@pytest.fixture
def client_as(client_as: ClientAs) -> ClientAs:
    """Clients that ask for English, so that the messages asserted below read as written."""

    def make(username: str) -> Client:
        client = client_as(username)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def detail(incident: Incident) -> str:
    return f"/incidents/{incident.pk}/"


def edit(incident: Incident) -> str:
    return f"/incidents/{incident.pk}/edit/"


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit": unit(JETI_OGUZ).pk,
        "settlement": unit(JETI_OGUZ_VILLAGE).pk,
        "iccs": "05025",
        "occurred_on": "2003-08-01",
        "occurred_at": "04:15",
        "reported_on": "2003-08-02",
        "latitude": "42.337",
        "longitude": "78.224",
        "status": "registered",
        "context": "none",
        "relationship": "stranger",
        "external_ref": "PAGE-2003-1",
        "narrative": "Five sheep missing after a night on the jailoo.",
        "reporter_name": "Nurlan Bekov",
        "reporter_contact": "+996 700 123 123",
        **dict.fromkeys(PEOPLE_FIELDS, ""),
        "victims_male_30_59": "1",
        "offenders_male_14_17": "2",
    }
    data.update(overrides)
    return data


def edit_data(incident: Incident, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit": incident.unit_id,
        "settlement": incident.settlement_id or "",
        "iccs": incident.iccs_id,
        "occurred_on": incident.occurred_on.isoformat(),
        "occurred_at": "",
        "reported_on": incident.reported_on.isoformat(),
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "status": incident.status,
        "context": incident.context,
        "relationship": incident.relationship,
        "external_ref": incident.external_ref,
        "narrative": incident.narrative,
        "reporter_name": incident.reporter_name,
        "reporter_contact": incident.reporter_contact,
        **{name: getattr(incident, name) for name in PEOPLE_FIELDS},
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int]:
    return Incident.objects.count(), AuditEntry.objects.count()


def listed(response: Any) -> set[int]:
    assert response.status_code == 200
    return {incident.pk for incident in response.context["page_obj"]}


# Who may see what


def test_an_anonymous_visitor_is_sent_to_the_login_page(jeti_oguz_incident: Incident) -> None:
    for url in (LIST, CREATE, detail(jeti_oguz_incident), edit(jeti_oguz_incident)):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


@pytest.mark.parametrize("username", AGGREGATE_ONLY)
def test_aggregate_only_roles_get_403_on_the_list_and_the_detail(
    client_as: ClientAs, jeti_oguz_incident: Incident, username: str
) -> None:
    client = client_as(username)

    assert client.get(LIST).status_code == 403
    assert client.get(detail(jeti_oguz_incident)).status_code == 403


def test_a_user_of_another_municipality_gets_404_and_never_sees_the_incident(
    karakol_outsider: Client, jeti_oguz_incident: Incident
) -> None:
    assert karakol_outsider.get(detail(jeti_oguz_incident)).status_code == 404
    assert karakol_outsider.get(edit(jeti_oguz_incident)).status_code == 404
    assert karakol_outsider.post(edit(jeti_oguz_incident), {"status": "closed"}).status_code == 404
    response = karakol_outsider.get(LIST, TEST_YEAR)
    if response.status_code == 200:  # the roles that read records in Karakol
        assert jeti_oguz_incident.pk not in listed(response)
        assert f'href="{detail(jeti_oguz_incident)}"' not in response.content.decode()
    else:
        assert response.status_code == 403


def test_an_unknown_incident_gets_404(client_as: ClientAs) -> None:
    assert client_as("police.jetioguz").get("/incidents/999999999/").status_code == 404


# List


def test_the_list_shows_the_incidents_of_ones_municipality_with_their_categories(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    juvenile_fraud = IncidentFactory.create(
        iccs_id="0701", occurred_on=dt.date(2003, 2, 1), offenders_female_14_17=1
    )
    karakol = IncidentFactory.create(
        unit=unit(KARAKOL), occurred_on=dt.date(2003, 2, 1), latitude=None, longitude=None
    )

    response = client_as("lcpc.jetioguz").get(LIST, TEST_YEAR)

    assert listed(response) == {jeti_oguz_incident.pk, juvenile_fraud.pk}
    assert karakol.pk not in listed(response)
    page = response.content.decode()
    # The date links are tap targets (44 px on a phone; kenesh.css), not 19 px lines of text.
    assert f'class="tap-target" href="{detail(jeti_oguz_incident)}"' in page
    assert "livestock theft" in page
    assert "juvenile delinquency" in page
    assert "fraud" in page


def test_the_list_filters_by_each_field(client_as: ClientAs) -> None:
    sheep = IncidentFactory.create(iccs_id="05025", occurred_on=dt.date(2003, 5, 10))
    burglary = IncidentFactory.create(
        iccs_id="0501", occurred_on=dt.date(2003, 3, 1), status="solved"
    )
    assault = IncidentFactory.create(
        iccs_id="0201", relationship="intimate_partner", occurred_on=dt.date(2003, 9, 5)
    )
    karakol = IncidentFactory.create(
        unit=unit(KARAKOL), occurred_on=dt.date(2003, 5, 11), latitude=None, longitude=None
    )
    client = client_as("admin")

    def found(**params: str) -> set[int]:
        return listed(client.get(LIST, {**TEST_YEAR, **params}))

    assert found() == {sheep.pk, burglary.pk, assault.pk, karakol.pk}
    assert found(unit=KARAKOL) == {karakol.pk}
    assert found(unit=JETI_OGUZ) == {sheep.pk, burglary.pk, assault.pk}
    assert found(**{"from": "2003-05-10", "to": "2003-05-31"}) == {sheep.pk, karakol.pk}
    assert found(iccs="05") == {sheep.pk, burglary.pk, karakol.pk}
    assert found(iccs="0501") == {burglary.pk}
    assert found(category="domestic_violence") == {assault.pk}
    assert found(category="livestock_theft") == {sheep.pk, karakol.pk}
    assert found(status="solved") == {burglary.pk}


def test_an_invalid_filter_is_shown_and_left_out(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    response = client_as("police.jetioguz").get(
        LIST, {**TEST_YEAR, "iccs": "05x", "category": "arson", "unit": KARAKOL}
    )

    assert response.status_code == 200
    assert listed(response) == {jeti_oguz_incident.pk}
    form = response.context["form"]
    assert set(form.errors) == {"iccs", "category", "unit"}
    assert "digits only" in response.content.decode()


def test_dates_in_the_wrong_order_are_an_error_on_the_end_date(client_as: ClientAs) -> None:
    response = client_as("police.jetioguz").get(LIST, {"from": "2003-06-01", "to": "2003-05-01"})

    assert response.status_code == 200
    assert "The start date lies after the end date." in response.context["form"].errors["to"]


def test_the_list_page_takes_the_same_number_of_queries_for_few_incidents_and_many(
    client_as: ClientAs,
) -> None:
    client = client_as("police.jetioguz")

    def queries_for(how_many: int) -> int:
        Incident.objects.filter(occurred_on__year=2003).delete()
        for day in range(1, how_many + 1):
            IncidentFactory.create(
                occurred_on=dt.date(2003, 3, day), settlement=unit(JETI_OGUZ_VILLAGE)
            )
        with CaptureQueriesContext(connection) as captured:
            assert len(listed(client.get(LIST, TEST_YEAR))) == how_many
        return len(captured)

    assert queries_for(2) == queries_for(12)


def test_an_htmx_request_gets_the_table_fragment_only(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    response = client_as("police.jetioguz").get(LIST, TEST_YEAR, HTTP_HX_REQUEST="true")

    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment
    assert "<table" in fragment
    assert f'href="{detail(jeti_oguz_incident)}"' in fragment
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_the_register_button_shows_only_to_those_who_may_write(client_as: ClientAs) -> None:
    assert f'href="{CREATE}"' in client_as("police.jetioguz").get(LIST).content.decode()
    for username in READERS_WITHOUT_RESTRICTED:
        assert f'href="{CREATE}"' not in client_as(username).get(LIST).content.decode()


# Detail


def test_police_of_the_municipality_see_every_field_with_the_restricted_ones(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    response = client_as("police.jetioguz").get(detail(jeti_oguz_incident))

    page = response.content.decode()
    assert response.status_code == 200
    assert NARRATIVE in page
    assert "Asel Toktosunova" in page
    assert "+996 555 123 456" in page
    assert "TEST-2003-1" in page
    assert "livestock theft" in page
    assert f'href="{edit(jeti_oguz_incident)}"' in page


@pytest.mark.parametrize("username", READERS_WITHOUT_RESTRICTED)
def test_other_readers_see_the_restricted_fields_masked(
    client_as: ClientAs, jeti_oguz_incident: Incident, username: str
) -> None:
    response = client_as(username).get(detail(jeti_oguz_incident))

    page = response.content.decode()
    assert response.status_code == 200
    assert "TEST-2003-1" in page
    assert NARRATIVE not in page
    assert "Asel Toktosunova" not in page
    assert "+996 555 123 456" not in page
    assert "restricted" in page
    assert f'href="{edit(jeti_oguz_incident)}"' not in page


def test_the_detail_shows_the_people_counts_as_a_table_of_the_rows_with_people(
    client_as: ClientAs,
) -> None:
    incident = IncidentFactory.create(
        iccs_id="0201",
        occurred_on=dt.date(2003, 4, 4),
        victims_female_18_29=2,
        victims_female_60_plus=1,
        victims_sex_unknown_age_unknown=4,
    )

    response = client_as("lcpc.jetioguz").get(detail(incident))

    people = response.context["people"]
    victims, offenders = people
    assert victims["rows"] == [
        {"sex": "female", "counts": [0, 0, 2, 0, 1, 0], "total": 3},
        {"sex": "sex unknown", "counts": [0, 0, 0, 0, 0, 4], "total": 4},
    ]
    assert victims["total"] == incident.people_total("victims") == 7
    assert offenders["rows"] == []
    page = response.content.decode()
    assert "None recorded." in page
    assert page.count("<tr><th") >= 3  # header row, then a row per sex with victims


# Register


@pytest.mark.parametrize(
    "username", ["admin", "lcpc.jetioguz", "localgov.jetioguz", *AGGREGATE_ONLY]
)
def test_only_police_may_register_an_incident(client_as: ClientAs, username: str) -> None:
    client = client_as(username)
    before = counts()

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    assert counts() == before


def test_the_register_form_offers_only_the_municipalities_the_officer_may_write_in(
    client_as: ClientAs,
) -> None:
    form = client_as("police.jetioguz").get(CREATE).context["form"]

    assert [unit.code for unit in form.fields["unit"].queryset] == [JETI_OGUZ]
    settlements = {unit.code for unit in form.fields["settlement"].queryset}
    assert JETI_OGUZ_VILLAGE in settlements
    assert YRDYK_VILLAGE not in settlements
    assert len(form.people_sections) == 2


def test_a_good_post_registers_the_incident_and_audits_it(client_as: ClientAs) -> None:
    response = client_as("police.jetioguz").post(CREATE, form_data())

    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get(external_ref="PAGE-2003-1")
    assert response["Location"] == detail(incident)
    assert incident.settlement_id == unit(JETI_OGUZ_VILLAGE).pk
    assert incident.occurred_at == dt.time(4, 15)
    assert incident.victims_male_30_59 == 1
    assert incident.offenders_male_14_17 == 2
    assert sum(getattr(incident, name) for name in PEOPLE_FIELDS) == 3
    assert incident.category_list == ["livestock_theft", "juvenile_delinquency"]
    entry = AuditEntry.objects.get(model="incident", object_id=str(incident.pk))
    assert entry.action == "create"
    assert entry.actor_username == "police.jetioguz"
    assert entry.changes["offenders_male_14_17"] == [None, 2]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"latitude": "51.5", "longitude": "-0.12"},
            "latitude",
            "A latitude in Kyrgyzstan lies between 39.1 and 43.35 degrees north, not 51.5.",
        ),
        ({"reported_on": "2003-07-01"}, "reported_on", "reported before it occurred"),
        ({"settlement": YRDYK_VILLAGE}, "settlement", "Select a valid choice"),
        ({"iccs": "0999"}, "iccs", "Select a valid choice"),
        ({"unit": KARAKOL}, "unit", "Select a valid choice"),
        ({"victims_female_0_13": "-1"}, "victims_female_0_13", "greater than or equal to 0"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_bad_post_answers_400_keeps_what_was_typed_and_writes_nothing(
    client_as: ClientAs, overrides: dict[str, Any], field: str, message: str
) -> None:
    for name in ("settlement", "unit"):
        if name in overrides:
            overrides[name] = unit(overrides[name]).pk
    before = counts()

    response = client_as("police.jetioguz").post(CREATE, form_data(**overrides))

    assert response.status_code == 400
    assert counts() == before
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    page = response.content.decode()
    assert "Five sheep missing after a night on the jailoo." in page
    assert 'value="PAGE-2003-1"' in page
    assert 'name="offenders_male_14_17" value="2"' in page


def test_a_settlement_of_another_municipality_is_refused_with_the_reason(
    client_as: ClientAs,
) -> None:
    """A police officer of the rayon may write in both municipalities, so both villages are
    offered; the model's rule names the mistake."""
    from kenesh.accounts.models import User
    from kenesh.accounts.services import role_assign
    from kenesh.core.permissions import Role

    officer = User.objects.create_user("police.rayon", is_demo=True)
    role_assign(actor=None, user=officer, role=Role.POLICE_OFFICER, unit=unit("41702210000000"))
    before = counts()

    response = client_as("police.rayon").post(CREATE, form_data(settlement=unit(YRDYK_VILLAGE).pk))

    assert response.status_code == 400
    assert (
        "The settlement must lie in the municipality."
        in response.context["form"].errors["settlement"]
    )
    assert counts() == before


def test_an_external_reference_taken_in_the_municipality_is_a_form_error(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    before = counts()

    response = client_as("police.jetioguz").post(CREATE, form_data(external_ref="TEST-2003-1"))

    assert response.status_code == 400
    assert counts() == before


def test_a_post_without_a_csrf_token_is_rejected(client_as: ClientAs) -> None:
    from kenesh.accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="police.jetioguz"))
    before = counts()

    assert client.post(CREATE, form_data()).status_code == 403
    assert counts() == before


# Edit


@pytest.mark.parametrize(
    "username", ["admin", "lcpc.jetioguz", "localgov.jetioguz", *AGGREGATE_ONLY]
)
def test_only_police_may_edit_an_incident(
    client_as: ClientAs, jeti_oguz_incident: Incident, username: str
) -> None:
    client = client_as(username)
    before = counts()

    assert client.get(edit(jeti_oguz_incident)).status_code == 403
    response = client.post(edit(jeti_oguz_incident), edit_data(jeti_oguz_incident, status="closed"))
    assert response.status_code == 403
    assert counts() == before
    assert Incident.objects.get(pk=jeti_oguz_incident.pk).status == "registered"


def test_a_good_edit_saves_and_audits_only_the_changed_fields(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    response = client_as("police.jetioguz").post(
        edit(jeti_oguz_incident),
        edit_data(
            jeti_oguz_incident,
            status="solved",
            relationship="family",
            iccs="0201",
            victims_female_30_59="1",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
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


def test_an_unchanged_edit_writes_no_audit_entry(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    before = counts()

    response = client_as("police.jetioguz").post(
        edit(jeti_oguz_incident), edit_data(jeti_oguz_incident)
    )

    assert response.status_code == 302
    assert counts() == before


def test_a_bad_edit_answers_400_keeps_what_was_typed_and_changes_nothing(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    before = counts()

    response = client_as("police.jetioguz").post(
        edit(jeti_oguz_incident),
        edit_data(jeti_oguz_incident, reported_on="2003-06-01", narrative="Changed my mind."),
    )

    assert response.status_code == 400
    assert "reported before it occurred" in " ".join(response.context["form"].errors["reported_on"])
    assert "Changed my mind." in response.content.decode()
    assert counts() == before
    stored = Incident.objects.get(pk=jeti_oguz_incident.pk)
    assert (stored.reported_on, stored.narrative) == (
        jeti_oguz_incident.reported_on,
        NARRATIVE,
    )


def test_an_incident_cannot_be_moved_to_another_municipality(
    client_as: ClientAs, jeti_oguz_incident: Incident
) -> None:
    response = client_as("police.jetioguz").post(
        edit(jeti_oguz_incident), edit_data(jeti_oguz_incident, unit=unit(KARAKOL).pk)
    )

    assert response.status_code == 400
    assert Incident.objects.get(pk=jeti_oguz_incident.pk).unit.code == JETI_OGUZ


@pytest.mark.parametrize(
    ("username", "shown"), [("police.jetioguz", True), ("lcpc.jetioguz", False)]
)
def test_the_list_offers_registering_and_importing_to_those_who_may_write(
    client_as: ClientAs, username: str, shown: bool
) -> None:
    page = client_as(username).get("/incidents/").content.decode()
    assert (f'href="{CREATE}"' in page) is shown
    assert ('href="/incidents/import/"' in page) is shown
