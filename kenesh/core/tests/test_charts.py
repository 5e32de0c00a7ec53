"""The SVG chart builder: well-formed, accessible, one mark per value, labels escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kenesh.core.charts import Series, bar_chart, line_chart, nice_ceiling, y_ticks

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def text_of(root: ET.Element, tag: str) -> str | None:
    found = root.find(f"{SVG}{tag}")
    return None if found is None else found.text


def test_a_line_chart_is_well_formed_svg_with_a_title_and_description() -> None:
    root = parse(
        line_chart(
            title="Thefts",
            description="Thefts per month in 2024",
            x_labels=MONTHS,
            series=[Series("theft", list(range(12)))],
            chart_id="c1",
        )
    )
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert text_of(root, "title") == "Thefts"
    assert text_of(root, "desc") == "Thefts per month in 2024"
    assert root.get("style") is None and "script" not in ET.tostring(root, encoding="unicode")


def test_every_known_value_is_one_point_and_a_missing_one_breaks_the_line() -> None:
    values = [1, 2, None, 4, 5, None, None, 8, 9, 10, 11, 12]
    root = parse(
        line_chart(
            title="t",
            description="d",
            x_labels=MONTHS,
            series=[Series("a", values), Series("b", [0] * 12)],
        )
    )
    assert len(root.findall(f".//{SVG}circle")) == 9 + 12
    first = root.findall(f".//{SVG}g[@class='chart-series']")[0]
    # Segments 1–2, 4–5 and 8–12: three polylines.
    assert len(first.findall(f"{SVG}polyline")) == 3
    titles = [point.findtext(f"{SVG}title") for point in first.findall(f"{SVG}circle")]
    assert titles[0] == "2024-01, a: 1"


def test_points_lie_higher_for_larger_values_and_inside_the_plot() -> None:
    root = parse(
        line_chart(
            title="t", description="d", x_labels=MONTHS, series=[Series("a", list(range(12)))]
        )
    )
    ys = [float(point.get("cy", "nan")) for point in root.findall(f".//{SVG}circle")]
    assert ys == sorted(ys, reverse=True)
    height = float(root.get("viewBox", "").split()[3])
    assert all(0 <= y <= height for y in ys)


def test_a_bar_chart_has_one_bar_per_known_value_and_a_legend() -> None:
    root = parse(
        bar_chart(
            title="Rates",
            description="Before and after",
            x_labels=["before", "after"],
            series=[Series("treated", [3.2, 1.5]), Series("comparison", [2.9, None])],
        )
    )
    assert len(root.findall(f".//{SVG}rect[@class='chart-bar']")) == 3
    legend = [text.text for text in root.findall(f".//{SVG}text[@class='chart-legend']")]
    assert legend == ["treated", "comparison"]


def test_labels_are_escaped() -> None:
    svg = line_chart(
        title='<script>alert("x")</script> & co',
        description="d",
        x_labels=["<b>"],
        series=[Series("a & b", [1])],
    )
    root = parse(svg)
    assert text_of(root, "title") == '<script>alert("x")</script> & co'
    assert "<script>" not in svg


def test_long_series_show_at_most_a_dozen_x_labels() -> None:
    labels = [f"m{i}" for i in range(36)]
    root = parse(
        line_chart(title="t", description="d", x_labels=labels, series=[Series("a", [1] * 36)])
    )
    shown = root.findall(f".//{SVG}g[@class='chart-x-axis']/{SVG}text")
    assert 2 <= len(shown) <= 13
    assert shown[0].text == "m0"


def test_ticks_run_from_zero_to_a_nice_number_at_or_above_the_maximum() -> None:
    assert nice_ceiling(0.37) == pytest.approx(0.5)
    assert nice_ceiling(2.1) == pytest.approx(2.5)
    assert nice_ceiling(70) == pytest.approx(100)
    assert y_ticks(7) == [0, 2, 4, 6, 8]
    assert y_ticks(0) == [0, 1]
    ticks = y_ticks(12, integers=True)
    assert ticks[0] == 0 and ticks[-1] >= 12 and all(float(t).is_integer() for t in ticks)


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="values"):
        line_chart(title="t", description="d", x_labels=MONTHS, series=[Series("a", [1, 2])])


def test_small_multiples_draw_one_panel_per_series_with_one_line_each() -> None:
    from kenesh.core.charts import small_multiples

    series = [Series(f"category {i}", [i * j for j in range(12)]) for i in range(9)]
    panels = small_multiples(
        chart_id="trend",
        title=lambda one: one.label,
        description=lambda one: f"{one.label} per month",
        x_labels=MONTHS,
        series=series,
        y_label="incidents per month",
        integers=True,
    )
    assert [panel.label for panel in panels] == [one.label for one in series]
    ids = set()
    for panel in panels:
        root = parse(panel.chart)
        ids.add(root.get("id"))
        assert len(root.findall(f".//{SVG}g[@class='chart-series']")) == 1
        assert len(root.findall(f".//{SVG}circle")) == 12
    assert len(ids) == 9  # unique ids for the <title> and <desc> references


def y_tick_labels(svg: str) -> list[str]:
    axis = parse(svg).find(f".//{SVG}g[@class='chart-y-axis']")
    assert axis is not None
    return [text.text or "" for text in axis.findall(f"{SVG}text")]


def test_small_multiples_share_one_scale_when_asked() -> None:
    from kenesh.core.charts import small_multiples

    series = [Series("small", [1, 2, 1]), Series("large", [40, 80, 60])]

    def draw(same_scale: bool) -> list[list[str]]:
        panels = small_multiples(
            chart_id="t",
            title=lambda one: one.label,
            description=lambda one: one.label,
            x_labels=["a", "b", "c"],
            series=series,
            same_scale=same_scale,
            integers=True,
        )
        return [y_tick_labels(panel.chart) for panel in panels]

    own = draw(False)
    assert own[0][-1] != own[1][-1]
    shared = draw(True)
    assert shared[0] == shared[1] and shared[0][-1] == "80"


def test_every_year_of_a_bar_chart_is_labelled_a_part_year_on_two_lines() -> None:
    """Issue 9, item 9: the yearly bar chart lacked the middle year's label."""
    years = ["2023", "2024", "2025 (1 Jan – 28 Nov)"]
    root = parse(
        bar_chart(
            title="t",
            description="d",
            x_labels=years,
            series=[Series("Karakol", [1.0, 2.0, 3.0]), Series("Jeti-Oguz rayon", [2, 3, 4])],
        )
    )
    axis = root.find(f".//{SVG}g[@class='chart-x-axis']")
    assert axis is not None
    texts = axis.findall(f"{SVG}text")
    assert len(texts) == 3
    assert [text.text for text in texts[:2]] == ["2023", "2024"]
    assert [span.text for span in texts[2].findall(f"{SVG}tspan")] == ["2025", "(1 Jan – 28 Nov)"]


def test_chart_text_is_at_least_11_px_on_a_360_px_phone() -> None:
    """Issue 9, item 9: axis text was about 8 px on a phone (13 units in a 480-wide viewBox
    drawn about 300 px wide). The viewBox width and font size decide the size on screen."""
    from kenesh.core.charts import MIN_SCREEN_PX, rendered_font_px, small_multiples

    charts = [
        line_chart(title="t", description="d", x_labels=MONTHS, series=[Series("a", [1] * 12)]),
        bar_chart(title="t", description="d", x_labels=["2024"], series=[Series("a", [1])]),
        *(
            panel.chart
            for panel in small_multiples(
                chart_id="p",
                title=lambda one: one.label,
                description=lambda one: one.label,
                x_labels=MONTHS,
                series=[Series("a", [1] * 12)],
            )
        ),
    ]
    for chart in charts:
        root = parse(chart)
        view_width = float((root.get("viewBox") or "").split()[2])
        font_size = float(root.get("font-size") or 0)
        assert rendered_font_px(font_size, view_width, MIN_SCREEN_PX) >= 11
        # No text sets a smaller size of its own.
        assert not [text for text in root.iter(f"{SVG}text") if text.get("font-size")]
