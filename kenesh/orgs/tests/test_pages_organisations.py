"""Organisation pages: list with filters, detail, create and edit, by scope and role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.core.permissions import Action, Resource, Role, role_allows
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Organisation, OrganisationKind, Person

JETI_OGUZ = "41702210830000"
KARAKOL = "41702410000010"
ISSYK_KUL_OBLAST = "41702000000000"

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def organisation_of(code: str, kind: str = OrganisationKind.POLICE_STATION) -> Organisation:
    return Organisation.objects.get(unit__code=code, kind=kind)


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def new_organisation(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": OrganisationKind.NGO,
        "unit": unit(JETI_OGUZ).pk,
        "name_ky": "Жети-Өгүз аялдар кеңеши",
        "name_ru": "Женский совет Джети-Огуза",
        "name_en": "Jeti-Oguz women's council",
        "address": "с. Джети-Огуз, ул. Ленина 1",
        "phone": "+996 555 123456",
        "email": "council@example.kg",
        "website": "",
    }
    data.update(overrides)
    return data


def edit_data(organisation: Organisation, **overrides: Any) -> dict[str, Any]:
    data = {
        "kind": organisation.kind,
        "unit": organisation.unit_id,
        "name_ky": organisation.name_ky,
        "name_ru": organisation.name_ru,
        "name_en": organisation.name_en,
        "address": organisation.address,
        "phone": organisation.phone,
        "email": organisation.email,
        "website": organisation.website,
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int]:
    return Organisation.objects.count(), AuditEntry.objects.count()


# Lists


def test_an_anonymous_visitor_is_sent_to_the_login_page() -> None:
    jeti_oguz = organisation_of(JETI_OGUZ)
    for url in (
        "/organisations/",
        "/organisations/new/",
        f"/organisations/{jeti_oguz.pk}/",
        f"/organisations/{jeti_oguz.pk}/edit/",
    ):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_the_list_shows_the_organisations_of_ones_municipality(client_as: ClientAs) -> None:
    response = client_as("police.jetioguz").get("/organisations/")
    assert response.status_code == 200
    listed = {organisation.pk for organisation in response.context["page_obj"]}
    assert listed == set(
        Organisation.objects.filter(unit__code=JETI_OGUZ).values_list("pk", flat=True)
    )


def test_the_list_never_shows_organisations_of_another_municipality(
    karakol_outsider: Client,
) -> None:
    jeti_oguz = organisation_of(JETI_OGUZ)
    karakol = organisation_of(KARAKOL)
    response = karakol_outsider.get("/organisations/")
    listed = {organisation.pk for organisation in response.context["page_obj"]}
    assert listed == set(
        Organisation.objects.filter(unit__code=KARAKOL).values_list("pk", flat=True)
    )
    page = response.content.decode()
    assert f'href="/organisations/{jeti_oguz.pk}/"' not in page
    assert jeti_oguz.name not in page
    assert f'href="/organisations/{karakol.pk}/"' in page
    for query in ("?q=Джети", "?q=Jeti", f"?kind={OrganisationKind.SCHOOL}&q=Jeti"):
        assert list(karakol_outsider.get(f"/organisations/{query}").context["page_obj"]) == []
    fragment = karakol_outsider.get("/organisations/?q=Jeti", HTTP_HX_REQUEST="true")
    assert f'href="/organisations/{jeti_oguz.pk}/"' not in fragment.content.decode()


def test_the_list_filters_by_kind_and_name(client_as: ClientAs) -> None:
    client = client_as("coordinator")
    police = client.get("/organisations/?kind=police_station").context["page_obj"]
    assert police.paginator.count == 10
    assert {organisation.kind for organisation in police} == {OrganisationKind.POLICE_STATION}
    found = client.get("/organisations/?q=UNODC").context["page_obj"]
    assert [organisation.kind for organisation in found] == [OrganisationKind.INTERNATIONAL_PARTNER]
    unknown_kind = client.get("/organisations/?kind=spaceship")
    assert unknown_kind.status_code == 200
    assert unknown_kind.context["kind"] == ""


def test_an_htmx_request_gets_the_table_fragment_only(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get("/organisations/?kind=lcpc", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "<table" in fragment
    assert f'href="/organisations/{organisation_of(JETI_OGUZ, "lcpc").pk}/"' in fragment
    assert f'href="/organisations/{organisation_of(JETI_OGUZ).pk}/"' not in fragment


def test_the_create_button_shows_only_to_those_who_may_create(client_as: ClientAs) -> None:
    assert (
        'href="/organisations/new/"'
        in client_as("lcpc.jetioguz").get("/organisations/").content.decode()
    )
    assert (
        'href="/organisations/new/"'
        not in client_as("police.jetioguz").get("/organisations/").content.decode()
    )


def test_a_user_without_any_role_gets_403_on_the_list(client_as: ClientAs) -> None:
    User.objects.create_user("no.roles", is_demo=True)
    assert client_as("no.roles").get("/organisations/").status_code == 403


# Detail


def test_the_detail_shows_the_organisation_and_its_people(client_as: ClientAs) -> None:
    organisation = organisation_of(JETI_OGUZ)
    response = client_as("police.jetioguz").get(f"/organisations/{organisation.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert organisation.name_ru in page and organisation.name_en in page
    assert list(response.context["people"])
    assert f'href="/organisations/{organisation.pk}/edit/"' not in page


def test_the_detail_lists_only_the_people_the_user_may_see(client_as: ClientAs) -> None:
    organisation = organisation_of(JETI_OGUZ)
    # An oblast official attached to the municipal police station: the station is the
    # municipality's, the official is not.
    official = Person.objects.create(
        full_name="Абдраев Нурлан", unit=unit(ISSYK_KUL_OBLAST), organisation=organisation
    )
    local = set(organisation.people.filter(unit__code=JETI_OGUZ).values_list("pk", flat=True))
    assert local

    municipal = client_as("police.jetioguz").get(f"/organisations/{organisation.pk}/")
    national = client_as("coordinator").get(f"/organisations/{organisation.pk}/")

    assert {person.pk for person in municipal.context["people"]} == local
    assert official.full_name not in municipal.content.decode()
    assert {person.pk for person in national.context["people"]} == local | {official.pk}
    assert official.full_name in national.content.decode()


def test_the_detail_offers_edit_to_those_who_may_edit(client_as: ClientAs) -> None:
    organisation = organisation_of(JETI_OGUZ)
    page = client_as("localgov.jetioguz").get(f"/organisations/{organisation.pk}/")
    assert f'href="/organisations/{organisation.pk}/edit/"' in page.content.decode()


def test_a_user_of_another_municipality_gets_404_on_the_detail(karakol_outsider: Client) -> None:
    for organisation in Organisation.objects.filter(unit__code=JETI_OGUZ):
        response = karakol_outsider.get(f"/organisations/{organisation.pk}/")
        assert response.status_code == 404, organisation


def test_a_municipal_user_gets_404_on_a_national_organisation(client_as: ClientAs) -> None:
    country_level = Organisation.objects.get(kind=OrganisationKind.DONOR)
    assert client_as("lcpc.jetioguz").get(f"/organisations/{country_level.pk}/").status_code == 404
    assert client_as("coordinator").get(f"/organisations/{country_level.pk}/").status_code == 200


def test_an_unknown_organisation_gets_404(client_as: ClientAs) -> None:
    assert client_as("admin").get("/organisations/999999/").status_code == 404


# Create


def test_police_may_not_create_an_organisation(client_as: ClientAs) -> None:
    before = counts()
    client = client_as("police.jetioguz")
    assert client.get("/organisations/new/").status_code == 403
    assert client.post("/organisations/new/", new_organisation()).status_code == 403
    assert client_as("civil.jetioguz").get("/organisations/new/").status_code == 403
    assert counts() == before


def test_the_create_form_offers_only_units_the_user_may_write_in(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get("/organisations/new/")
    assert response.status_code == 200
    offered = set(response.context["form"].fields["unit"].queryset.values_list("code", flat=True))
    assert JETI_OGUZ in offered
    assert KARAKOL not in offered
    assert "41702000000000" not in offered  # the oblast above is readable, not writable


def test_a_good_post_creates_the_organisation_and_audits_it(client_as: ClientAs) -> None:
    organisations, entries = counts()
    response = client_as("lcpc.jetioguz").post("/organisations/new/", new_organisation())
    created = Organisation.objects.get(name_ru="Женский совет Джети-Огуза")
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{created.pk}/"
    assert created.unit.code == JETI_OGUZ and created.kind == OrganisationKind.NGO
    assert counts() == (organisations + 1, entries + 1)
    entry = AuditEntry.objects.get(model="organisation", object_id=str(created.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.actor_username == "lcpc.jetioguz"
    assert entry.changes["name_ru"] == [None, "Женский совет Джети-Огуза"]


def test_a_bad_post_answers_400_keeps_what_was_typed_and_writes_nothing(
    client_as: ClientAs,
) -> None:
    before = counts()
    response = client_as("lcpc.jetioguz").post(
        "/organisations/new/",
        new_organisation(name_ru="", email="not an email", website="not a url"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"name_ru", "email", "website"} <= set(form.errors)
    page = response.content.decode()
    assert 'value="Жети-Өгүз аялдар кеңеши"' in page
    assert 'value="not an email"' in page
    assert 'value="с. Джети-Огуз, ул. Ленина 1"' in page
    assert "invalid-feedback" in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_name_ru_error"' in page
    assert 'id="id_name_ru_error"' in page
    assert counts() == before


def test_a_post_into_another_municipality_is_refused_and_writes_nothing(
    client_as: ClientAs,
) -> None:
    before = counts()
    response = client_as("lcpc.jetioguz").post(
        "/organisations/new/", new_organisation(unit=unit(KARAKOL).pk)
    )
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert counts() == before


def test_a_duplicate_name_is_a_form_error_not_a_crash(client_as: ClientAs) -> None:
    existing = organisation_of(JETI_OGUZ)
    before = counts()
    response = client_as("lcpc.jetioguz").post(
        "/organisations/new/",
        new_organisation(kind=existing.kind, name_ru=existing.name_ru),
    )
    assert response.status_code == 400
    assert counts() == before


def test_a_post_without_a_csrf_token_is_rejected(client_as: ClientAs) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="lcpc.jetioguz"))
    before = counts()
    response = client.post("/organisations/new/", new_organisation())
    assert response.status_code == 403
    assert counts() == before


def test_the_form_page_carries_a_csrf_token(client_as: ClientAs) -> None:
    page = client_as("lcpc.jetioguz").get("/organisations/new/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


# Edit


def test_police_may_not_edit_an_organisation_of_their_municipality(client_as: ClientAs) -> None:
    organisation = organisation_of(JETI_OGUZ)
    before = counts()
    client = client_as("police.jetioguz")
    assert client.get(f"/organisations/{organisation.pk}/edit/").status_code == 403
    response = client.post(
        f"/organisations/{organisation.pk}/edit/", edit_data(organisation, phone="+996 1")
    )
    assert response.status_code == 403
    assert counts() == before
    organisation.refresh_from_db()
    assert organisation.phone != "+996 1"


def test_a_user_of_another_municipality_gets_404_on_edit(karakol_outsider: Client) -> None:
    organisation = organisation_of(JETI_OGUZ)
    before = counts()
    assert karakol_outsider.get(f"/organisations/{organisation.pk}/edit/").status_code == 404
    response = karakol_outsider.post(
        f"/organisations/{organisation.pk}/edit/", edit_data(organisation, phone="+996 1")
    )
    assert response.status_code == 404
    assert counts() == before
    assert Organisation.objects.get(pk=organisation.pk).phone == organisation.phone


def test_a_user_of_another_municipality_cannot_create_an_organisation_there(
    karakol_outsider: Client, municipal_role: Role
) -> None:
    before = counts()
    response = karakol_outsider.post("/organisations/new/", new_organisation())
    if role_allows(municipal_role, Action.WRITE, Resource.ORGANISATIONS):
        assert response.status_code == 400  # Jeti-Oguz is not among the units offered
        assert "unit" in response.context["form"].errors
    else:
        assert response.status_code == 403
    assert counts() == before


def test_a_good_edit_saves_and_audits_the_changed_fields(client_as: ClientAs) -> None:
    organisation = organisation_of(JETI_OGUZ)
    old_phone = organisation.phone
    organisations, entries = counts()
    response = client_as("lcpc.jetioguz").post(
        f"/organisations/{organisation.pk}/edit/",
        edit_data(organisation, phone="+996 3946 00000", address="Кызыл-Суу"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{organisation.pk}/"
    organisation.refresh_from_db()
    assert organisation.phone == "+996 3946 00000"
    assert organisation.address == "Кызыл-Суу"
    assert counts() == (organisations, entries + 1)
    entry = AuditEntry.objects.filter(model="organisation", object_id=str(organisation.pk)).first()
    assert entry is not None
    assert entry.action == AuditAction.UPDATE
    assert entry.actor_username == "lcpc.jetioguz"
    assert entry.changes == {
        "phone": [old_phone, "+996 3946 00000"],
        "address": ["", "Кызыл-Суу"],
    }


def test_a_bad_edit_answers_400_keeps_what_was_typed_and_changes_nothing(
    client_as: ClientAs,
) -> None:
    organisation = organisation_of(JETI_OGUZ)
    before = counts()
    response = client_as("lcpc.jetioguz").post(
        f"/organisations/{organisation.pk}/edit/",
        edit_data(organisation, name_ru="", phone="+996 777 777777"),
    )
    assert response.status_code == 400
    assert "name_ru" in response.context["form"].errors
    assert 'value="+996 777 777777"' in response.content.decode()
    assert counts() == before
    unchanged = Organisation.objects.get(pk=organisation.pk)
    assert unchanged.name_ru == organisation.name_ru
    assert unchanged.phone == organisation.phone


def test_an_organisation_cannot_be_moved_to_another_municipality(client_as: ClientAs) -> None:
    organisation = organisation_of(JETI_OGUZ)
    before = counts()
    response = client_as("admin").post(
        f"/organisations/{organisation.pk}/edit/",
        edit_data(organisation, unit=unit(KARAKOL).pk),
    )
    assert response.status_code == 400
    assert counts() == before
    assert Organisation.objects.get(pk=organisation.pk).unit.code == JETI_OGUZ
