"""The page that changes or ends one membership of a working group, by scope and role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.orgs.models import Membership, MemberType, WorkingGroup
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
WRITERS = ["admin", "lcpc.jetioguz", "localgov.jetioguz"]
READERS = ["coordinator", "police.jetioguz", "civil.jetioguz", "registrar.jetioguz"]


def group_of(code: str) -> WorkingGroup:
    return WorkingGroup.objects.get(unit__code=code)


def membership_of(code: str) -> Membership:
    membership = (
        Membership.objects.filter(working_group__unit__code=code, valid_to=None)
        .exclude(valid_from=None)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    assert membership is not None
    return membership


def edit_url(membership: Membership, group: WorkingGroup | None = None) -> str:
    group_id = group.pk if group is not None else membership.working_group_id
    return f"/working-groups/{group_id}/members/{membership.pk}/edit/"


def form_data(membership: Membership, **overrides: Any) -> dict[str, Any]:
    data = {
        "member_type": membership.member_type,
        "role_in_group": membership.role_in_group,
        "valid_from": membership.valid_from.isoformat() if membership.valid_from else "",
        "valid_to": membership.valid_to.isoformat() if membership.valid_to else "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int]:
    return Membership.objects.count(), WorkingGroup.objects.count(), AuditEntry.objects.count()


def as_it_was(membership: Membership) -> tuple[Any, ...]:
    fresh = Membership.objects.get(pk=membership.pk)
    return (
        fresh.working_group_id,
        fresh.person_id,
        fresh.member_type,
        fresh.role_in_group,
        fresh.valid_from,
        fresh.valid_to,
    )


# Who sees the page


def test_an_anonymous_visitor_is_sent_to_the_login_page() -> None:
    membership = membership_of(JETI_OGUZ)
    before = as_it_was(membership)
    for response in (
        Client().get(edit_url(membership)),
        Client().post(edit_url(membership), form_data(membership, valid_to="2024-12-31")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    assert as_it_was(membership) == before


@pytest.mark.parametrize("username", WRITERS)
def test_the_group_page_offers_an_edit_link_per_member_to_those_who_may_write(
    client_as: ClientAs, username: str
) -> None:
    group = group_of(JETI_OGUZ)
    page = client_as(username).get(f"/working-groups/{group.pk}/").content.decode()
    for membership in group.memberships.all():
        assert f'href="{edit_url(membership)}"' in page


@pytest.mark.parametrize("username", READERS)
def test_the_group_page_offers_no_edit_link_to_readers(client_as: ClientAs, username: str) -> None:
    group = group_of(JETI_OGUZ)
    page = client_as(username).get(f"/working-groups/{group.pk}/").content.decode()
    assert f"/working-groups/{group.pk}/members/" not in page


@pytest.mark.parametrize("username", WRITERS)
def test_the_form_shows_the_membership_as_it_is(client_as: ClientAs, username: str) -> None:
    membership = membership_of(JETI_OGUZ)
    response = client_as(username).get(edit_url(membership))
    assert response.status_code == 200
    page = response.content.decode()
    assert membership.person.full_name in page
    assert f'value="{membership.role_in_group}"' in page
    # ISO 8601 in every language, as the browser's date picker reads it.
    assert f'value="{membership.valid_from.isoformat()}"' in page  # type: ignore[union-attr]
    assert f'<option value="{membership.member_type}" selected>' in page
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.parametrize("username", READERS)
def test_a_role_without_write_permission_gets_403_and_changes_nothing(
    client_as: ClientAs, username: str
) -> None:
    membership = membership_of(JETI_OGUZ)
    before, state = counts(), as_it_was(membership)
    client = client_as(username)
    assert client.get(edit_url(membership)).status_code == 403
    response = client.post(edit_url(membership), form_data(membership, valid_to="2024-12-31"))
    assert response.status_code == 403
    assert counts() == before
    assert as_it_was(membership) == state


def test_a_user_of_another_municipality_gets_404_and_changes_nothing(
    karakol_outsider: Client,
) -> None:
    membership = membership_of(JETI_OGUZ)
    before, state = counts(), as_it_was(membership)
    assert karakol_outsider.get(edit_url(membership)).status_code == 404
    response = karakol_outsider.post(
        edit_url(membership), form_data(membership, valid_to="2024-12-31")
    )
    assert response.status_code == 404
    assert counts() == before
    assert as_it_was(membership) == state


def test_a_membership_of_another_group_gets_404_under_this_group(client_as: ClientAs) -> None:
    karakol_membership = membership_of(KARAKOL)
    before, state = counts(), as_it_was(karakol_membership)
    client = client_as("admin")  # sees both groups; the pair still has to match
    url = edit_url(karakol_membership, group=group_of(JETI_OGUZ))
    assert client.get(url).status_code == 404
    response = client.post(url, form_data(karakol_membership, valid_to="2024-12-31"))
    assert response.status_code == 404
    assert counts() == before
    assert as_it_was(karakol_membership) == state


def test_an_unknown_membership_gets_404(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    client = client_as("lcpc.jetioguz")
    assert client.get(f"/working-groups/{group.pk}/members/999999/edit/").status_code == 404
    assert client.get("/working-groups/999999/members/1/edit/").status_code == 404


def test_a_post_without_a_csrf_token_is_rejected(client_as: ClientAs) -> None:
    membership = membership_of(JETI_OGUZ)
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="lcpc.jetioguz"))
    before, state = counts(), as_it_was(membership)
    response = client.post(edit_url(membership), form_data(membership, valid_to="2024-12-31"))
    assert response.status_code == 403
    assert counts() == before
    assert as_it_was(membership) == state


# Saving


@pytest.mark.parametrize("username", WRITERS)
def test_a_good_change_saves_and_audits_before_and_after(
    client_as: ClientAs, username: str
) -> None:
    membership = membership_of(JETI_OGUZ)
    new_type = MemberType.OTHER if membership.member_type != MemberType.OTHER else MemberType.POLICE
    memberships, groups, entries = counts()
    response = client_as(username).post(
        edit_url(membership),
        form_data(membership, member_type=new_type, role_in_group="Секретарь"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/working-groups/{membership.working_group_id}/"
    fresh = Membership.objects.get(pk=membership.pk)
    assert (fresh.member_type, fresh.role_in_group) == (new_type, "Секретарь")
    assert (fresh.person_id, fresh.valid_from) == (membership.person_id, membership.valid_from)
    assert counts() == (memberships, groups, entries + 1)
    entry = AuditEntry.objects.filter(model="membership", object_id=str(membership.pk)).first()
    assert entry is not None
    assert entry.action == AuditAction.UPDATE
    assert entry.actor_username == username
    assert entry.changes == {
        "member_type": [membership.member_type, new_type],
        "role_in_group": [membership.role_in_group, "Секретарь"],
    }


def test_setting_the_end_date_ends_the_membership_and_the_group_page_shows_it(
    client_as: ClientAs,
) -> None:
    membership = membership_of(JETI_OGUZ)
    client = client_as("lcpc.jetioguz")
    response = client.post(edit_url(membership), form_data(membership, valid_to="2024-12-31"))
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).valid_to == dt.date(2024, 12, 31)
    assert not Membership.objects.current().filter(pk=membership.pk).exists()
    entry = AuditEntry.objects.filter(model="membership", object_id=str(membership.pk)).first()
    assert entry is not None
    assert entry.changes == {"valid_to": [None, "2024-12-31"]}
    detail = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert membership in list(detail.context["memberships"])
    assert "31 December 2024" in detail.content.decode()


def test_saving_the_form_unchanged_writes_no_audit_entry(client_as: ClientAs) -> None:
    membership = membership_of(JETI_OGUZ)
    before = counts()
    response = client_as("lcpc.jetioguz").post(edit_url(membership), form_data(membership))
    assert response.status_code == 302
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_to": "2016-12-31"}, "valid_to"),  # before the start, 2017-03-01
        ({"valid_to": "31.02.2025"}, "valid_to"),
        ({"valid_from": "soon"}, "valid_from"),
        ({"member_type": ""}, "member_type"),
        ({"member_type": "chair"}, "member_type"),
        ({"role_in_group": "x" * 101}, "role_in_group"),
    ],
    ids=["end-before-start", "no-such-day", "date", "no-type", "unknown-type", "long-role"],
)
def test_a_bad_change_answers_400_keeps_what_was_typed_and_changes_nothing(
    client_as: ClientAs, overrides: dict[str, Any], field: str
) -> None:
    membership = membership_of(JETI_OGUZ)
    before, state = counts(), as_it_was(membership)
    data = form_data(membership, **{"role_in_group": "Казначей", **overrides})
    response = client_as("lcpc.jetioguz").post(edit_url(membership), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    page = response.content.decode()
    assert f'value="{data["role_in_group"]}"' in page
    assert 'aria-invalid="true"' in page
    assert counts() == before
    assert as_it_was(membership) == state


def test_a_period_that_overlaps_another_membership_of_the_person_is_refused(
    client_as: ClientAs,
) -> None:
    membership = membership_of(JETI_OGUZ)
    earlier = Membership.objects.create(
        working_group=membership.working_group,
        person=membership.person,
        member_type=membership.member_type,
        valid_from=dt.date(2010, 1, 1),
        valid_to=dt.date(2015, 12, 31),
    )
    before, state = counts(), as_it_was(earlier)
    response = client_as("lcpc.jetioguz").post(
        edit_url(earlier), form_data(earlier, valid_to=""), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    page = response.content.decode()
    assert "The person is already a member of this group for these dates." in page
    assert counts() == before
    assert as_it_was(earlier) == state
