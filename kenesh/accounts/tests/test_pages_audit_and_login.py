"""The login page with its lockout, logging out, and the audit log page for administrators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from kenesh.accounts.models import User
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Organisation, OrganisationKind
from kenesh.orgs.services import organisation_create

JETI_OGUZ = "41702210830000"
PASSWORD = "kenesh-demo"

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def translated(message: str, language: str = "ky") -> str:
    with translation.override(language):
        return translation.gettext(message)


def log_in(client: Client, username: str, password: str, **extra: str) -> Any:
    return client.post("/login/", {"username": username, "password": password, **extra})


# Login


def test_the_login_page_renders_with_a_csrf_token() -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="username"' in page and 'type="password"' in page
    assert 'data-testid="language-ky"' in page


def test_the_right_password_logs_in_and_opens_the_dashboard() -> None:
    client = Client()
    response = log_in(client, "lcpc.jetioguz", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_follows_next_but_not_to_another_site() -> None:
    client = Client()
    response = log_in(client, "lcpc.jetioguz", PASSWORD, next="/working-groups/")
    assert response["Location"] == "/working-groups/"
    client = Client()
    response = log_in(client, "lcpc.jetioguz", PASSWORD, next="https://evil.example/")
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_a_wrong_password_shows_an_error_and_keeps_the_username() -> None:
    client = Client()
    response = log_in(client, "lcpc.jetioguz", "wrong-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page
    assert translated("Wrong username or password.") in page
    assert 'value="lcpc.jetioguz"' in page
    assert "wrong-password" not in page
    assert client.get("/").status_code == 302


def test_five_failures_lock_the_account_out_even_with_the_right_password() -> None:
    client = Client()
    for _attempt in range(4):
        assert log_in(client, "lcpc.jetioguz", "wrong-password").status_code == 200
    locked = log_in(client, "lcpc.jetioguz", "wrong-password")
    assert locked.status_code == 429
    assert translated("Too many failed attempts") in locked.content.decode()
    right_password = log_in(client, "lcpc.jetioguz", PASSWORD)
    assert right_password.status_code == 429
    assert client.get("/").status_code == 302


def test_a_lockout_does_not_lock_out_other_users() -> None:
    client = Client()
    for _attempt in range(5):
        log_in(client, "lcpc.jetioguz", "wrong-password")
    assert log_in(Client(), "police.jetioguz", PASSWORD).status_code == 302


def test_a_login_without_a_csrf_token_is_rejected() -> None:
    client = Client(enforce_csrf_checks=True)
    response = log_in(client, "lcpc.jetioguz", PASSWORD)
    assert response.status_code == 403
    assert client.get("/").status_code == 302


def test_a_logged_in_user_visiting_login_goes_to_the_dashboard(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logging_out_takes_a_post_and_ends_the_session(client_as: ClientAs) -> None:
    client = client_as("lcpc.jetioguz")
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


# Audit log


@pytest.fixture
def audited_organisation() -> Organisation:
    return organisation_create(
        actor=User.objects.get(username="lcpc.jetioguz"),
        data={
            "kind": OrganisationKind.NGO,
            "unit": AdministrativeUnit.objects.get(code=JETI_OGUZ),
            "name_ru": "Совет аксакалов Джети-Огуза",
        },
    )


def test_the_administrator_reads_the_audit_log(
    client_as: ClientAs, audited_organisation: Organisation
) -> None:
    response = client_as("admin").get("/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Совет аксакалов Джети-Огуза" in page
    assert "lcpc.jetioguz" in page


def test_nobody_but_the_administrator_reads_the_audit_log(client_as: ClientAs) -> None:
    for username in (
        "coordinator",
        "lcpc.jetioguz",
        "police.jetioguz",
        "localgov.jetioguz",
        "civil.jetioguz",
        "registrar.jetioguz",
        "lcpc.karakol",
    ):
        assert client_as(username).get("/audit/").status_code == 403, username
        response = client_as(username).get("/audit/", HTTP_HX_REQUEST="true")
        assert response.status_code == 403, username


def test_an_anonymous_visitor_is_sent_to_log_in_before_the_audit_log() -> None:
    response = Client().get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_audit_log_filters_by_user_action_type_and_object(
    client_as: ClientAs, audited_organisation: Organisation
) -> None:
    client = client_as("admin")
    by_user = client.get("/audit/?username=lcpc.jetioguz").context["page_obj"]
    assert {entry.actor_username for entry in by_user} == {"lcpc.jetioguz"}
    by_action = client.get("/audit/?action=update").context["page_obj"]
    assert all(entry.action == AuditAction.UPDATE for entry in by_action)
    by_object = client.get(
        f"/audit/?model=organisation&object_id={audited_organisation.pk}"
    ).context["page_obj"]
    assert [entry.object_repr for entry in by_object] == ["Совет аксакалов Джети-Огуза"]


def test_the_audit_log_ignores_malformed_filters(client_as: ClientAs) -> None:
    response = client_as("admin").get("/audit/?action=explode&date_from=yesterday&page=x")
    assert response.status_code == 200
    assert response.context["filters"]["action"] == ""
    assert response.context["filters"]["date_from"] is None


def test_the_audit_log_filters_by_date(
    client_as: ClientAs, audited_organisation: Organisation
) -> None:
    client = client_as("admin")
    assert client.get("/audit/?date_to=2000-01-01").context["page_obj"].paginator.count == 0
    today = timezone.localdate(AuditEntry.objects.latest("at").at).isoformat()
    page = client.get(f"/audit/?date_from={today}&date_to={today}").context["page_obj"]
    assert page.paginator.count >= 1


def test_the_audit_log_pages_keep_the_filters(client_as: ClientAs) -> None:
    response = client_as("admin").get("/audit/?action=create")
    page_obj = response.context["page_obj"]
    assert page_obj.has_next(), "the demo loader writes more than one page of creations"
    assert 'href="?action=create&amp;page=2"' in response.content.decode()


def test_an_htmx_request_gets_the_audit_table_fragment_only(
    client_as: ClientAs, audited_organisation: Organisation
) -> None:
    response = client_as("admin").get("/audit/?model=organisation", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "<table" in fragment
    assert "Совет аксакалов Джети-Огуза" in fragment


def test_the_audit_log_offers_no_way_to_change_entries(client_as: ClientAs) -> None:
    client = client_as("admin")
    before = AuditEntry.objects.count()
    assert client.post("/audit/", {"action": "delete"}).status_code == 405
    assert AuditEntry.objects.count() == before
