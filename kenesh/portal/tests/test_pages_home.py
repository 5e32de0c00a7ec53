"""The home dashboard, the page shell every page shares, the language switch and /healthz."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation

from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import WorkingGroup

JETI_OGUZ = "41702210830000"
KARAKOL = "41702410000010"

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def unit_name(code: str, language: str = "ky") -> str:
    with translation.override(language):
        return AdministrativeUnit.objects.get(code=code).name


def translated(message: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def test_an_anonymous_visitor_is_sent_to_the_login_page() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/")


def test_a_municipal_user_sees_the_dashboard_of_their_municipality(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert unit_name(JETI_OGUZ) in page
    assert unit_name(KARAKOL) not in page
    group = WorkingGroup.objects.get(unit__code=JETI_OGUZ)
    assert f'href="/working-groups/{group.pk}/"' in page
    dashboard = response.context["dashboard"]
    assert dashboard.single is not None
    assert dashboard.single.unit.code == JETI_OGUZ
    assert dashboard.single.members == group.memberships.count()


def test_the_coordinator_sees_the_programme_table_of_ten_municipalities(
    client_as: ClientAs,
) -> None:
    response = client_as("coordinator").get("/")
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.single is None
    codes = [row.unit.code for row in dashboard.municipalities]
    assert len(codes) == 10
    assert set(codes) == set(WorkingGroup.objects.values_list("unit__code", flat=True))
    page = response.content.decode()
    assert len(re.findall(r'href="/working-groups/\d+/"', page)) == 10
    for code in codes:
        assert f'href="/units/{code}/"' in page


def test_a_user_of_another_municipality_sees_only_their_own(client_as: ClientAs) -> None:
    response = client_as("lcpc.karakol").get("/")
    page = response.content.decode()
    assert response.context["dashboard"].single.unit.code == KARAKOL
    assert unit_name(JETI_OGUZ) not in page
    jeti_oguz_group = WorkingGroup.objects.get(unit__code=JETI_OGUZ)
    assert f'href="/working-groups/{jeti_oguz_group.pk}/"' not in page


def test_a_user_without_any_role_sees_an_empty_dashboard(client_as: ClientAs) -> None:
    from kenesh.accounts.models import User

    User.objects.create_user("no.roles", is_demo=True)
    response = client_as("no.roles").get("/")
    assert response.status_code == 200
    assert response.context["dashboard"].municipalities == []
    assert 'href="/working-groups/' not in response.content.decode()


def test_the_navigation_shows_what_the_role_opens(client_as: ClientAs) -> None:
    admin_page = client_as("admin").get("/").content.decode()
    assert 'href="/audit/"' in admin_page
    assert 'href="/admin/"' in admin_page
    lcpc_page = client_as("lcpc.jetioguz").get("/").content.decode()
    assert 'href="/organisations/"' in lcpc_page
    assert 'href="/working-groups/"' in lcpc_page
    assert 'href="/audit/"' not in lcpc_page
    assert 'href="/admin/"' not in lcpc_page
    assert 'href="/incidents/"' in lcpc_page
    assert 'href="/analysis/hotspots/"' in lcpc_page


def test_aggregate_only_roles_see_the_analysis_but_not_the_register(
    client_as: ClientAs,
) -> None:
    for username in ("coordinator", "civil.jetioguz", "registrar.jetioguz"):
        page = client_as(username).get("/").content.decode()
        assert 'href="/incidents/"' not in page, username
        for address in ("/analysis/crime/", "/analysis/hotspots/", "/analysis/near-repeat/",
                        "/analysis/evaluation/"):  # fmt: skip
            assert f'href="{address}"' in page, (username, address)


def test_pages_carry_no_inline_script_and_a_strict_content_security_policy(
    client_as: ClientAs,
) -> None:
    response = client_as("lcpc.jetioguz").get("/")
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src is not None
    assert "'unsafe-inline'" not in script_src.group(1)
    assert "'unsafe-eval'" not in script_src.group(1)
    page = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts, "htmx and Bootstrap are loaded"
    for tag in scripts:
        assert 'src="/static/' in tag, tag
    assert re.search(r"<script\b[^>]*>(?!</script>)", page) is None, "no inline script body"
    assert re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page) is None, "no inline event handler"
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page


def test_the_language_defaults_to_kyrgyz(client_as: ClientAs) -> None:
    page = client_as("lcpc.jetioguz").get("/").content.decode()
    assert '<html lang="ky">' in page


def test_switching_to_russian_renders_the_dashboard_in_russian(client_as: ClientAs) -> None:
    client = client_as("lcpc.jetioguz")
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert '<html lang="ru">' in page
    russian = translated("Dashboard", "ru")
    assert russian != "Dashboard", (
        "no Russian translation of 'Dashboard': write locale/ru and run "
        "`KENESH_DEBUG=1 kenesh compilemessages --ignore .venv`"
    )
    assert f"<title>{russian} · Kenesh</title>" in page
    assert unit_name(JETI_OGUZ, "ru") in page


def test_switching_back_to_english_renders_english(client_as: ClientAs) -> None:
    client = client_as("lcpc.jetioguz")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "<title>Dashboard · Kenesh</title>" in page


def test_the_language_switch_refuses_a_redirect_to_another_site(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").post(
        "/i18n/setlang/", {"language": "ru", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_healthz_answers_without_login_and_is_never_cached() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_accepts_only_get() -> None:
    assert Client().post("/healthz").status_code == 405
