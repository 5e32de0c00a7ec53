"""Members are listed as officials list a working group: local government (the chair) first."""

from __future__ import annotations

import pytest

from kenesh.orgs.models import MemberType, WorkingGroup
from kenesh.orgs.selectors import membership_list

pytestmark = pytest.mark.django_db


def test_members_are_listed_by_member_type_then_name() -> None:
    group = WorkingGroup.objects.get(unit__code="41702210830000")
    members = list(membership_list(working_group=group))
    keys = [(MemberType.values.index(m.member_type), m.person.full_name) for m in members]
    assert keys == sorted(keys)
    assert members[0].member_type == MemberType.LOCAL_GOVERNMENT
    assert len(members) == group.memberships.count()
