"""How withheld counts read (docs/privacy.md, "Suppressed values"): ``<5`` is said only of a
count from 1 to 4, a total included; a count withheld to protect another reads ``×``."""

from __future__ import annotations

import numpy as np
from django.utils import translation

from kenesh.core.disclosure import (
    SUPPRESSED_TEXT,
    WITHHELD_TEXT,
    Published,
    publish_series,
    publish_table,
)
from kenesh.core.templatetags.disclosure import published


def test_less_than_five_is_said_only_of_a_count_from_one_to_four_totals_included() -> None:
    rng = np.random.default_rng(7)
    complements = 0
    for _ in range(300):
        n_rows, n_cols = int(rng.integers(1, 5)), int(rng.integers(1, 7))
        rows = rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40], size=(n_rows, n_cols)).tolist()
        sensitive = (rng.random(n_rows) < 0.5).tolist()
        public = bool(rng.random() < 0.3)
        table = publish_table(
            rows, suppress_rows=[flag or public for flag in sensitive], suppress_totals=public
        )
        truth = [*rows, [sum(column) for column in zip(*rows, strict=True)]]
        lines = [*table.rows, table.column_totals]
        for line, values in zip(lines, truth, strict=True):
            for one, value in [*zip(line.counts, values, strict=True), (line.total, sum(values))]:
                if str(one) == SUPPRESSED_TEXT:
                    assert 1 <= value <= 4, (rows, sensitive, public)
                if str(one) == WITHHELD_TEXT:
                    complements += 1
    assert complements, "complements were drawn at all"


def test_a_series_marks_the_small_count_and_its_complement_apart() -> None:
    series = publish_series([0, 2, 7, 15], suppress=True)
    assert series.counts[1] == Published(None, True, small=True)
    assert series.counts[2] == Published(None, True, small=False)
    assert series.marks == {"small", "complementary"}


def test_the_template_filter_names_each_mark() -> None:
    with translation.override("en"):
        small = published(Published.withheld(small=True))
        other = published(Published.withheld())
    assert 'data-withheld="small"' in small and "&lt;5</span>" in small
    assert 'aria-label="fewer than 5, withheld so that no one can be singled out"' in small
    assert 'data-withheld="complementary"' in other and ">×</span>" in other
    assert 'title="withheld so that a hidden count cannot be worked out from it"' in other
    assert published(Published(1234)) == published(1234)
