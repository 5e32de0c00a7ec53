"""English as used in Kyrgyzstan: dates day first ("2 December 2025", "02.12.2025"), 24-hour
time, weeks from Monday; a dot as the decimal separator. Whatever is not here comes from
Django's own English formats."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# Day first, as written in Kyrgyzstan; no month-first forms ("03/04/2025" would be ambiguous).
# ISO (2025-12-02) is always accepted too (Django adds it).
DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # '25.10.2006'
    "%d.%m.%y",  # '25.10.06'
    "%d %B %Y",  # '25 October 2006'
    "%d %b %Y",  # '25 Oct 2006'
]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",  # '25.10.2006 14:30:59'
    "%d.%m.%Y %H:%M",  # '25.10.2006 14:30'
    "%d.%m.%Y",  # '25.10.2006'
]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = "\u202f"  # narrow no-break space, as in ky and ru: "12 345.5"
NUMBER_GROUPING = 3
