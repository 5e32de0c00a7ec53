"""Prevention categories of an incident, derived from its ICCS code and disaggregations.

The working group plans by prevention priority (livestock theft, domestic violence, ...), the
police register by ICCS. One function maps the second onto the first, so nothing is typed twice;
an incident stores its categories when saved and every filter and statistic reads them.

The rules follow the ICCS (UNODC 2015): domestic violence has no code of its own but is the
victim–offender relationship "intimate partner or family member" on the acts against the person;
terrorism- and extremism-related context is a situational disaggregation; a juvenile offender
is one aged under 18 (ICCS age status).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    LIVESTOCK_THEFT = "livestock_theft", _("livestock theft")
    DOMESTIC_VIOLENCE = "domestic_violence", _("domestic violence")
    JUVENILE_DELINQUENCY = "juvenile_delinquency", _("juvenile delinquency")
    VIOLENT_EXTREMISM = "violent_extremism", _("violent extremism")
    ROAD_SAFETY = "road_safety", _("road safety")
    BURGLARY = "burglary", _("burglary")
    FRAUD = "fraud", _("fraud")
    DRUGS = "drugs", _("drugs")
    OTHER = "other", _("other")


LIVESTOCK_THEFT_CODES = ("05025", "04014")
DOMESTIC_VIOLENCE_CODES = ("0101", "0201", "0208", "0301")
DOMESTIC_RELATIONSHIPS = frozenset({"intimate_partner", "family"})
EXTREMISM_CODES = ("0906",)
EXTREMISM_CONTEXTS = frozenset({"terrorism", "extremism"})
ROAD_SAFETY_CODES = ("010321", "0207")
BURGLARY_CODES = ("0501",)
FRAUD_CODES = ("07",)
DRUG_CODES = ("06",)


def _under(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def incident_categories(
    *, iccs_code: str, relationship: str, context: str, juvenile_offenders: int
) -> list[Category]:
    """The prevention categories of one incident, in the order of :class:`Category`.

    ``iccs_code`` is the deepest known ICCS code ("05025"); a code belongs to every category
    whose prefix it starts with. ``juvenile_offenders`` counts offenders aged under 18. An
    incident in none of the named categories is "other"; it may be in several (a theft of
    livestock by a 16-year-old is livestock theft and juvenile delinquency).
    """
    found: set[Category] = set()
    if _under(iccs_code, LIVESTOCK_THEFT_CODES):
        found.add(Category.LIVESTOCK_THEFT)
    if _under(iccs_code, DOMESTIC_VIOLENCE_CODES) and relationship in DOMESTIC_RELATIONSHIPS:
        found.add(Category.DOMESTIC_VIOLENCE)
    if juvenile_offenders > 0:
        found.add(Category.JUVENILE_DELINQUENCY)
    if _under(iccs_code, EXTREMISM_CODES) or context in EXTREMISM_CONTEXTS:
        found.add(Category.VIOLENT_EXTREMISM)
    if _under(iccs_code, ROAD_SAFETY_CODES):
        found.add(Category.ROAD_SAFETY)
    if _under(iccs_code, BURGLARY_CODES):
        found.add(Category.BURGLARY)
    if _under(iccs_code, FRAUD_CODES):
        found.add(Category.FRAUD)
    if _under(iccs_code, DRUG_CODES):
        found.add(Category.DRUGS)
    if not found:
        found.add(Category.OTHER)
    return [category for category in Category if category in found]


#: Sensitive categories (docs/privacy.md): domestic violence, and the acts of a sexual nature
#: of ICCS section 03. Their exact locations are restricted to the police, and their monthly
#: counts from 1 to 4 are suppressed for aggregate-only viewers.
SENSITIVE_ICCS_CODES = ("03",)
SENSITIVE_CATEGORIES = frozenset({Category.DOMESTIC_VIOLENCE.value})


def in_sensitive_category(iccs_id: str | None, categories: str | None) -> bool:
    """Whether an incident (its ICCS code and its stored categories, "|a|b|") is sensitive."""
    if _under(iccs_id or "", SENSITIVE_ICCS_CODES):
        return True
    return any(value in SENSITIVE_CATEGORIES for value in decode_categories(categories or ""))


def encode_categories(categories: Iterable[str]) -> str:
    """The stored form: "|livestock_theft|juvenile_delinquency|", so one ``contains`` finds one."""
    values = list(categories)
    return "|" + "|".join(values) + "|" if values else ""


def decode_categories(stored: str) -> list[str]:
    return [value for value in stored.split("|") if value]
