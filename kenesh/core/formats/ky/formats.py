"""Kyrgyz: Django's formats (dates "02.12.2025", "2 декабрь 2025 ж."), but with a decimal comma
as Kyrgyz is written (Django's ky module has a dot) and thousands grouped by a narrow no-break
space as in ru and en. Dates typed into forms are accepted as in Russian."""

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u202f"
NUMBER_GROUPING = 3
