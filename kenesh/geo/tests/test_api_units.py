"""API: administrative units, their filters, pagination, details and children, within scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kenesh.geo.models import AdministrativeUnit, Level, PopulationCount
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

COUNTRY = "41700000000000"
ISSYK_KUL = "41702000000000"
JETI_OGUZ_RAYON = "41702210000000"
AK_DOBO = "41702210805000"  # a neighbouring aiyl aimak in the same rayon
JETI_OGUZ_VILLAGE = "41702210830010"
UNITS = "/api/v1/units"


def jeti_oguz_villages() -> set[str]:
    villages = AdministrativeUnit.objects.filter(parent__code=JETI_OGUZ, level=Level.SETTLEMENT)
    found = set(villages.values_list("code", flat=True))
    assert JETI_OGUZ_VILLAGE in found
    return found


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def assert_error(response: Any, status: int) -> None:
    assert response.status_code == status, response.content
    assert set(response.json()) == {"detail", "errors"}


def test_the_unit_list_answers_401_without_credentials(client: Client) -> None:
    assert_error(client.get(UNITS), 401)


def test_a_municipal_user_lists_their_municipality_its_settlements_and_what_lies_above(
    client_as: Any,
) -> None:
    listed = codes(client_as("lcpc.jetioguz").get(UNITS, {"limit": 500}))

    assert set(listed) == {COUNTRY, ISSYK_KUL, JETI_OGUZ_RAYON, JETI_OGUZ, *jeti_oguz_villages()}
    assert listed == sorted(listed)


def test_the_level_filter_keeps_only_units_at_that_level(client_as: Any) -> None:
    client = client_as("police.jetioguz")

    assert codes(client.get(UNITS, {"level": "municipality"})) == [JETI_OGUZ]
    assert codes(client.get(UNITS, {"level": "rayon"})) == [JETI_OGUZ_RAYON]
    assert set(codes(client.get(UNITS, {"level": "settlement"}))) == jeti_oguz_villages()


def test_an_unknown_level_gets_422(client_as: Any) -> None:
    response = client_as("police.jetioguz").get(UNITS, {"level": "village"})

    assert_error(response, 422)
    assert response.json()["errors"][0]["loc"][-1] == "level"


def test_the_parent_filter_keeps_the_direct_children_in_scope(client_as: Any) -> None:
    client = client_as("civil.jetioguz")

    assert set(codes(client.get(UNITS, {"parent": JETI_OGUZ}))) == jeti_oguz_villages()
    # The rayon is readable, but of its aiyl aimaks only the user's own is listed.
    assert codes(client.get(UNITS, {"parent": JETI_OGUZ_RAYON})) == [JETI_OGUZ]


def test_level_and_parent_filters_combine(client_as: Any) -> None:
    client = client_as("admin")

    listed = codes(client.get(UNITS, {"parent": JETI_OGUZ_RAYON, "level": "municipality"}))

    expected = AdministrativeUnit.objects.filter(
        parent__code=JETI_OGUZ_RAYON, level=Level.MUNICIPALITY
    ).values_list("code", flat=True)
    assert listed == sorted(expected)
    assert AK_DOBO in listed


def test_a_parent_outside_the_users_scope_is_404(client_as: Any) -> None:
    assert_error(client_as("lcpc.jetioguz").get(UNITS, {"parent": KARAKOL}), 404)
    assert_error(client_as("lcpc.jetioguz").get(UNITS, {"parent": AK_DOBO}), 404)


def test_a_parent_that_does_not_exist_is_404(client_as: Any) -> None:
    assert_error(client_as("admin").get(UNITS, {"parent": "41799999999999"}), 404)


def test_the_list_paginates_with_count_limit_and_offset(client_as: Any) -> None:
    client = client_as("admin")
    total = AdministrativeUnit.objects.count()

    first = client.get(UNITS, {"limit": 5}).json()
    second = client.get(UNITS, {"limit": 5, "offset": 5}).json()
    beyond = client.get(UNITS, {"limit": 5, "offset": total}).json()

    assert first["count"] == second["count"] == beyond["count"] == total
    assert len(first["items"]) == len(second["items"]) == 5
    all_codes = sorted(AdministrativeUnit.objects.values_list("code", flat=True))
    assert [item["code"] for item in first["items"]] == all_codes[:5]
    assert [item["code"] for item in second["items"]] == all_codes[5:10]
    assert beyond["items"] == []


def test_the_default_page_holds_fifty_units(client_as: Any) -> None:
    body = client_as("admin").get(UNITS).json()

    assert len(body["items"]) == 50
    assert body["count"] > 50


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"limit": "many"}, {"offset": -1}],
    ids=["limit-zero", "limit-too-big", "limit-not-a-number", "offset-negative"],
)
def test_out_of_range_pagination_gets_422(client_as: Any, params: dict[str, Any]) -> None:
    assert_error(client_as("admin").get(UNITS, params), 422)


def test_a_unit_detail_has_names_parent_centroid_and_denominators(client_as: Any) -> None:
    response = client_as("lcpc.jetioguz").get(f"{UNITS}/{JETI_OGUZ}")

    assert response.status_code == 200
    unit = response.json()
    assert unit["code"] == JETI_OGUZ
    assert unit["level"] == "municipality"
    assert unit["parent"] == JETI_OGUZ_RAYON
    assert unit["name_en"] == "Jeti-Oguz Aiyl Aimak"
    assert unit["name_ru"] and unit["name_ky"] and unit["name"]
    assert unit["latitude"] is not None and unit["longitude"] is not None
    years = [row["year"] for row in unit["population"]]
    assert years == sorted(
        PopulationCount.objects.filter(unit__code=JETI_OGUZ).values_list("year", flat=True)
    )
    assert years
    assert {row["species"] for row in unit["livestock"]} == {
        "cattle",
        "yak",
        "horse",
        "sheep",
        "goat",
    }


def test_the_country_has_no_parent(client_as: Any) -> None:
    assert client_as("admin").get(f"{UNITS}/{COUNTRY}").json()["parent"] is None


@pytest.mark.parametrize("code", [COUNTRY, ISSYK_KUL, JETI_OGUZ_RAYON])
def test_the_units_above_a_users_municipality_are_readable(client_as: Any, code: str) -> None:
    response = client_as("registrar.jetioguz").get(f"{UNITS}/{code}")

    assert response.status_code == 200
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("lcpc.jetioguz", KARAKOL),
        ("lcpc.jetioguz", AK_DOBO),
        ("police.jetioguz", KARAKOL),
        ("localgov.jetioguz", KARAKOL),
        ("civil.jetioguz", KARAKOL),
        ("registrar.jetioguz", KARAKOL),
        ("lcpc.karakol", JETI_OGUZ),
        ("police.karakol", JETI_OGUZ_VILLAGE),
    ],
)
def test_another_municipalitys_unit_is_404_on_detail_and_children(
    client_as: Any, username: str, code: str
) -> None:
    client = client_as(username)

    assert_error(client.get(f"{UNITS}/{code}"), 404)
    assert_error(client.get(f"{UNITS}/{code}/children"), 404)
    assert code not in codes(client.get(UNITS, {"limit": 500}))


def test_an_unknown_or_malformed_code_is_404(client_as: Any) -> None:
    client = client_as("admin")

    assert_error(client.get(f"{UNITS}/41799999999999"), 404)
    assert_error(client.get(f"{UNITS}/not-a-code"), 404)
    assert_error(client.get(f"{UNITS}/417022108300%00"), 404)
    assert_error(client.get(f"{UNITS}/%00/children"), 404)


def test_a_nul_character_in_a_filter_gets_422(client_as: Any) -> None:
    assert_error(client_as("admin").get(UNITS, {"parent": "4170\x00"}), 422)


def test_children_lists_the_units_directly_below_with_pagination(client_as: Any) -> None:
    client = client_as("coordinator")

    body = client.get(f"{UNITS}/{ISSYK_KUL}/children", {"limit": 3}).json()

    expected = sorted(
        AdministrativeUnit.objects.filter(parent__code=ISSYK_KUL).values_list("code", flat=True)
    )
    assert body["count"] == len(expected)
    assert [item["code"] for item in body["items"]] == expected[:3]
    assert all(item["parent"] == ISSYK_KUL for item in body["items"])


def test_children_of_a_readable_ancestor_show_only_the_users_branch(client_as: Any) -> None:
    response = client_as("lcpc.jetioguz").get(f"{UNITS}/{ISSYK_KUL}/children")

    assert codes(response) == [JETI_OGUZ_RAYON]
    assert response.json()["count"] == 1


def test_a_user_without_role_assignments_sees_no_units(client_as: Any) -> None:
    from kenesh.accounts.models import User

    User.objects.create_user("nobody", password="x", is_demo=True)

    body = client_as("nobody").get(UNITS).json()
    assert body == {"count": 0, "items": []}
    assert_error(client_as("nobody").get(f"{UNITS}/{COUNTRY}"), 404)
