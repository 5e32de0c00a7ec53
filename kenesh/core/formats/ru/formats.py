"""Russian: Django's formats (dates "02.12.2025", decimal comma), with thousands grouped by a
narrow no-break space as in ky and en."""

THOUSAND_SEPARATOR = "\u202f"
