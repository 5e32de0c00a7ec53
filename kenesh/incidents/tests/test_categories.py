"""Prevention categories derived from ICCS codes and disaggregations (one function)."""

from __future__ import annotations

import itertools

import pytest

from kenesh.incidents.categories import (
    Category,
    decode_categories,
    encode_categories,
    incident_categories,
)

C = Category


def categories(
    code: str, relationship: str = "unknown", context: str = "none", juveniles: int = 0
) -> set[str]:
    return set(
        incident_categories(
            iccs_code=code,
            relationship=relationship,
            context=context,
            juvenile_offenders=juveniles,
        )
    )


@pytest.mark.parametrize("code", ["05025", "04014"])
def test_theft_and_robbery_of_livestock_are_livestock_theft(code: str) -> None:
    assert categories(code) == {C.LIVESTOCK_THEFT}


def test_a_theft_of_personal_property_is_not_livestock_theft() -> None:
    assert categories("05022") == {C.OTHER}


@pytest.mark.parametrize("code", ["0101", "0201", "020111", "0208", "0301", "03011"])
@pytest.mark.parametrize("relationship", ["intimate_partner", "family"])
def test_violence_within_the_family_is_domestic_violence(code: str, relationship: str) -> None:
    assert C.DOMESTIC_VIOLENCE in categories(code, relationship)


@pytest.mark.parametrize("relationship", ["acquaintance", "stranger", "unknown"])
def test_violence_outside_the_family_is_not_domestic_violence(relationship: str) -> None:
    assert C.DOMESTIC_VIOLENCE not in categories("020111", relationship)


def test_a_family_relationship_on_a_property_offence_is_not_domestic_violence() -> None:
    assert categories("05022", "family") == {C.OTHER}


def test_any_offender_under_18_makes_juvenile_delinquency() -> None:
    assert categories("05025", juveniles=1) == {C.LIVESTOCK_THEFT, C.JUVENILE_DELINQUENCY}
    assert C.JUVENILE_DELINQUENCY not in categories("05025", juveniles=0)


@pytest.mark.parametrize(
    ("code", "context"),
    [("09061", "none"), ("09062", "none"), ("0906", "none"), ("0201", "extremism"),
     ("0901", "terrorism")],
)  # fmt: skip
def test_terrorism_codes_and_context_are_violent_extremism(code: str, context: str) -> None:
    assert C.VIOLENT_EXTREMISM in categories(code, context=context)


def test_organised_crime_context_alone_is_not_violent_extremism() -> None:
    assert categories("0905", context="organised_crime") == {C.OTHER}


@pytest.mark.parametrize("code", ["010321", "0207", "02072"])
def test_vehicular_homicide_and_dangerous_acts_are_road_safety(code: str) -> None:
    assert categories(code) == {C.ROAD_SAFETY}


@pytest.mark.parametrize(
    ("code", "expected"),
    [("0501", C.BURGLARY), ("05012", C.BURGLARY), ("07", C.FRAUD), ("0701", C.FRAUD),
     ("0703", C.FRAUD), ("06", C.DRUGS), ("06011", C.DRUGS)],
)  # fmt: skip
def test_burglary_fraud_and_drugs_follow_their_sections(code: str, expected: str) -> None:
    assert categories(code) == {expected}


def test_other_is_given_exactly_when_nothing_else_applies() -> None:
    codes = ["0101", "0201", "0207", "0301", "0401", "04014", "0501", "05025", "06", "07",
             "08", "09061", "10", "11"]  # fmt: skip
    relationships = ["intimate_partner", "family", "stranger", "unknown"]
    contexts = ["none", "organised_crime", "terrorism", "extremism"]
    for code, relationship, context, juveniles in itertools.product(
        codes, relationships, contexts, [0, 2]
    ):
        found = categories(code, relationship, context, juveniles)
        assert found, (code, relationship, context)
        assert (C.OTHER in found) == (found == {C.OTHER})


def test_categories_come_in_a_fixed_order_and_survive_the_stored_form() -> None:
    found = incident_categories(
        iccs_code="05025", relationship="unknown", context="extremism", juvenile_offenders=1
    )
    assert found == [C.LIVESTOCK_THEFT, C.JUVENILE_DELINQUENCY, C.VIOLENT_EXTREMISM]
    stored = encode_categories(found)
    assert stored == "|livestock_theft|juvenile_delinquency|violent_extremism|"
    assert decode_categories(stored) == [str(value) for value in found]
    assert encode_categories([]) == "" and decode_categories("") == []
