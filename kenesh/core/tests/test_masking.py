"""Masking declared once: restricted fields and per-row rules, for objects, row dicts, schemas.

The objects are stand-ins with the declarations a model carries, and viewers carry their grants,
so the mechanism is checked without any domain app.
"""

from __future__ import annotations

from typing import Any

import pytest

from kenesh.core.masking import (
    MaskedSchema,
    RowRule,
    declared_restricted,
    fields_needed,
    hidden_fields,
    mask,
    masked_value,
    may_see_restricted,
    restricted_in,
)
from kenesh.core.permissions import Role
from kenesh.core.scope import Grant

JETI_OGUZ = "/41702000000000/41702210000000/41702210830000/"
KARAKOL = "/41702000000000/41702410000010/"


def sensitive(iccs_id: str, categories: str) -> bool:
    return iccs_id.startswith("03") or "|domestic_violence|" in categories


class Unit:
    def __init__(self, path: str) -> None:
        self.path = path


class IncidentLike:
    """A stand-in for a model instance of the incident register."""

    scope_resource = "incidents"
    scope_lookup = "unit"
    restricted_fields = ("narrative",)
    restricted_when = {
        ("latitude", "longitude"): RowRule(needs=("iccs_id", "categories"), test=sensitive)
    }

    def __init__(self, iccs_id: str, categories: str = "|other|", path: str = JETI_OGUZ) -> None:
        self.unit = Unit(path)
        self.iccs_id = iccs_id
        self.categories = categories
        self.narrative = "told by the neighbour"
        self.latitude = 42.3
        self.longitude = 78.1
        self.settlement_name = "Jeti-Oguz"


# Typed as Any: stand-ins for a model and users where the functions expect the real ones.
Case: Any = IncidentLike


class SignedIn:
    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, role: Role, path: str = JETI_OGUZ) -> None:
        self._kenesh_grants = (Grant(role.value, path),)


POLICE: Any = SignedIn(Role.POLICE_OFFICER)
LCPC: Any = SignedIn(Role.LCPC_COORDINATOR)
CIVIL: Any = SignedIn(Role.CIVIL_SOCIETY)
POLICE_ELSEWHERE: Any = SignedIn(Role.POLICE_OFFICER, KARAKOL)
THEFT = Case("0502")
RAPE = Case("0301")
DOMESTIC_ASSAULT = Case("0201", "|domestic_violence|")


def test_the_declaration_names_every_field_that_may_be_restricted() -> None:
    assert declared_restricted(Case) == {"narrative", "latitude", "longitude"}
    assert fields_needed(Case) == {"iccs_id", "categories"}


def test_the_location_is_restricted_only_in_sensitive_rows() -> None:
    assert restricted_in(THEFT) == {"narrative"}
    assert restricted_in(RAPE) == {"narrative", "latitude", "longitude"}
    assert restricted_in(DOMESTIC_ASSAULT) == {"narrative", "latitude", "longitude"}


def test_police_in_scope_see_everything() -> None:
    for case in (THEFT, RAPE, DOMESTIC_ASSAULT):
        assert may_see_restricted(POLICE, case)
        assert hidden_fields(POLICE, case) == frozenset()


@pytest.mark.parametrize("viewer", [LCPC, CIVIL, POLICE_ELSEWHERE, None], ids=repr)
def test_everyone_else_sees_no_point_of_a_sensitive_incident(viewer: Any) -> None:
    assert hidden_fields(viewer, THEFT) == {"narrative"}
    assert hidden_fields(viewer, RAPE) == {"narrative", "latitude", "longitude"}
    assert masked_value(viewer, RAPE, "latitude") is None
    assert masked_value(viewer, THEFT, "latitude") == 42.3
    assert masked_value(viewer, RAPE, "settlement_name") == "Jeti-Oguz"


def test_a_row_dict_is_masked_by_its_model_and_the_path_of_its_unit() -> None:
    row = {"iccs": "0301", "categories": "|other|", "latitude": 42.3, "longitude": 78.1}
    row["narrative"] = "x"
    assert mask(POLICE, row, model=Case, path=JETI_OGUZ) == row
    masked = mask(LCPC, row, model=Case, path=JETI_OGUZ)
    assert masked == {**row, "latitude": None, "longitude": None, "narrative": None}
    # Without the path nobody is known to be allowed: masked, never leaked.
    assert mask(POLICE, row, model=Case)["latitude"] is None


def test_a_row_dict_without_the_fields_a_rule_reads_is_an_error() -> None:
    with pytest.raises(KeyError, match="categories"):
        mask(LCPC, {"iccs_id": "0301", "latitude": 1.0}, model=Case, path=JETI_OGUZ)
    with pytest.raises(TypeError):
        mask(LCPC, {"iccs_id": "0301"})


def test_an_objects_data_is_masked_by_the_object() -> None:
    data = {"narrative": "n", "latitude": 42.3, "longitude": 78.1, "iccs": "0201"}
    assert mask(CIVIL, DOMESTIC_ASSAULT, data) == {
        "narrative": None,
        "latitude": None,
        "longitude": None,
        "iccs": "0201",
    }


class CaseOut(MaskedSchema):
    iccs_id: str
    narrative: str | None
    latitude: float | None
    longitude: float | None
    settlement_name: str

    @staticmethod
    def resolve_narrative(obj: IncidentLike) -> str:
        # A hand-written resolver that forgets masking: the declaration still wins.
        return obj.narrative


class Request:
    def __init__(self, user: Any) -> None:
        self.user = user


def out(case: IncidentLike, viewer: Any) -> dict[str, Any]:
    return CaseOut.model_validate(case, context={"request": Request(viewer)}).model_dump()


def test_a_masked_schema_derives_masking_from_the_declaration() -> None:
    assert out(RAPE, POLICE)["latitude"] == 42.3
    assert out(RAPE, POLICE)["narrative"] == "told by the neighbour"
    assert out(RAPE, LCPC) == {
        "iccs_id": "0301",
        "narrative": None,
        "latitude": None,
        "longitude": None,
        "settlement_name": "Jeti-Oguz",
    }
    assert out(THEFT, LCPC)["latitude"] == 42.3
    assert out(THEFT, LCPC)["narrative"] is None


def test_a_masked_schema_without_a_request_hides_everything_restricted() -> None:
    dumped = CaseOut.model_validate(THEFT).model_dump()
    assert dumped["narrative"] is None
