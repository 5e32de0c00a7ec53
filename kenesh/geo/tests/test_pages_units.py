"""Pages of administrative units: the list with its filters, and a unit's detail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.orgs.models import WorkingGroup

COUNTRY = "41700000000000"
ISSYK_KUL = "41702000000000"
JETI_OGUZ_RAYON = "41702210000000"
JETI_OGUZ = "41702210830000"
AK_DEBE = "41702210805000"  # a neighbour of Jeti-Oguz in the same rayon, not a pilot
KARAKOL = "41702410000010"

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def test_an_anonymous_visitor_is_sent_to_the_login_page() -> None:
    for url in ("/units/", f"/units/{JETI_OGUZ}/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_list_shows_the_users_municipality_and_the_units_above_it(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get("/units/")
    assert response.status_code == 200
    page = response.content.decode()
    for code in (COUNTRY, ISSYK_KUL, JETI_OGUZ_RAYON, JETI_OGUZ):
        assert f'href="/units/{code}/"' in page


def test_the_list_never_shows_units_of_another_municipality(client_as: ClientAs) -> None:
    page = client_as("lcpc.jetioguz").get("/units/?q=4170").content.decode()
    assert KARAKOL not in page
    assert AK_DEBE not in page
    page = client_as("lcpc.karakol").get("/units/?level=municipality").content.decode()
    assert JETI_OGUZ not in page
    assert KARAKOL in page


def test_the_coordinator_lists_every_unit(client_as: ClientAs) -> None:
    client = client_as("coordinator")
    response = client.get("/units/?level=municipality")
    assert response.context["page_obj"].paginator.count == (
        AdministrativeUnit.objects.filter(level=Level.MUNICIPALITY).count()
    )
    for code in (JETI_OGUZ, KARAKOL, AK_DEBE):
        assert f'href="/units/{code}/"' in client.get(f"/units/?q={code}").content.decode()


def test_the_list_filters_by_level_and_by_name_or_code(client_as: ClientAs) -> None:
    client = client_as("lcpc.jetioguz")
    by_level = client.get("/units/?level=settlement").context["page_obj"]
    assert by_level.paginator.count > 0
    assert {unit.level for unit in by_level} == {Level.SETTLEMENT}
    by_code = client.get(f"/units/?q={JETI_OGUZ}").context["page_obj"]
    assert [unit.code for unit in by_code] == [JETI_OGUZ]
    by_name = client.get("/units/?q=Jeti-Oguz Aiyl").context["page_obj"]
    assert JETI_OGUZ in {unit.code for unit in by_name}


def test_an_unknown_level_filter_is_ignored(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get("/units/?level=galaxy&page=abc")
    assert response.status_code == 200
    assert response.context["level"] == ""


def test_an_htmx_request_gets_the_table_fragment_only(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get("/units/?level=municipality", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "<table" in fragment
    assert f'href="/units/{JETI_OGUZ}/"' in fragment


def test_the_detail_of_ones_municipality_shows_its_figures(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get(f"/units/{JETI_OGUZ}/")
    assert response.status_code == 200
    page = response.content.decode()
    unit = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    assert unit.name_ky in page and unit.name_ru in page and unit.name_en in page
    assert response.context["population"]
    assert response.context["livestock"]
    group = WorkingGroup.objects.get(unit=unit)
    assert f'href="/working-groups/{group.pk}/"' in page
    # The breadcrumb leads up to the country.
    for code in (COUNTRY, ISSYK_KUL, JETI_OGUZ_RAYON):
        assert f'href="/units/{code}/"' in page


def test_a_unit_above_ones_own_is_readable_but_lists_no_neighbours(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get(f"/units/{JETI_OGUZ_RAYON}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert [child.code for child in response.context["children"]] == [JETI_OGUZ]
    assert AK_DEBE not in page
    oblast = client_as("lcpc.jetioguz").get(f"/units/{ISSYK_KUL}/").content.decode()
    assert KARAKOL not in oblast
    karakol_group = WorkingGroup.objects.get(unit__code=KARAKOL)
    assert f'href="/working-groups/{karakol_group.pk}/"' not in oblast


def test_a_user_of_another_municipality_gets_404(client_as: ClientAs) -> None:
    client = client_as("lcpc.karakol")
    assert client.get(f"/units/{JETI_OGUZ}/").status_code == 404
    assert client.get(f"/units/{JETI_OGUZ_RAYON}/").status_code == 404
    assert client.get(f"/units/{JETI_OGUZ}0/").status_code == 404
    assert client_as("police.jetioguz").get(f"/units/{KARAKOL}/").status_code == 404
    assert client_as("police.jetioguz").get(f"/units/{AK_DEBE}/").status_code == 404


def test_an_unknown_code_gets_404(client_as: ClientAs) -> None:
    client = client_as("coordinator")
    assert client.get("/units/41799999999999/").status_code == 404
    assert client.get("/units/not-a-code/").status_code == 404


def test_a_user_without_any_role_gets_403_on_the_list_and_404_on_details(
    client_as: ClientAs,
) -> None:
    User.objects.create_user("no.roles", is_demo=True)
    client = client_as("no.roles")
    assert client.get("/units/").status_code == 403
    assert client.get(f"/units/{JETI_OGUZ}/").status_code == 404


def test_the_links_to_other_pages_keep_the_filters_url_encoded(client_as: ClientAs) -> None:
    response = client_as("coordinator").get("/units/?level=municipality&q=Aiyl Aimak")
    assert response.context["page_obj"].has_next()
    page = response.content.decode()
    assert 'href="?level=municipality&amp;q=Aiyl+Aimak&amp;page=2"' in page
