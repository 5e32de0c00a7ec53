"""Small server-rendered SVG charts: lines over time and grouped bars, with no JavaScript.

A chart is a string of SVG markup, safe to put straight into a page (``{{ chart }}``): the
labels are escaped here. It scales to its container (``viewBox`` and ``width="100%"``), so one
chart serves a phone and a desktop. Text scales with it: a chart of viewBox width *W* with
text of *F* units shows *F × container / W* pixels, so the widths and font sizes here are
chosen to give at least 11 px in the 336 px a 360 px phone leaves a chart
(:data:`MIN_SCREEN_PX`, checked by :func:`rendered_font_px` in the tests and by the browser
tests); the pages cap a chart's width (``.kenesh-chart-figure`` in kenesh.css) so a desktop
does not blow it up.

Several categories over time are drawn as **small multiples** (:func:`small_multiples`): one
small panel per category, on a shared or an own y scale, rather than nine crossing lines in
one plot (Tufte, *Envisioning Information*, 1990, ch. 4).

Accessibility: the ``<svg>`` has ``role="img"`` and is labelled by its ``<title>`` and
``<desc>``; every point and bar carries its own ``<title>`` ("March 2024, livestock theft:
4"), which screen readers and a mouse hover both show; series
differ by colour (Okabe–Ito, safe for colour-blind readers) and by dash pattern, so they stay
apart in greyscale print. Colours are presentation attributes, never ``style=""``, so the
page's Content-Security-Policy (no inline style) holds.

The y axis starts at 0 and ends at a "nice" number (1, 2, 2.5 or 5 × 10ⁿ), following
Heckbert, "Nice numbers for graph labels", *Graphics Gems* (1990).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kenesh.core import formats

#: Okabe and Ito (2008), "Color Universal Design": distinguishable with any colour vision.
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
DASHES = ("", "6 3", "2 3", "8 3 2 3")
FONT_SIZE = 14
MAX_X_LABELS = 12
#: The viewBox width of a chart and of a small-multiples panel, and the panel's text size.
CHART_WIDTH = 400
PANEL_WIDTH = 320
PANEL_FONT_SIZE = 12
#: The narrowest width a chart is drawn at on a 360 px phone (the page's 12 px margins).
MIN_SCREEN_PX = 336


def rendered_font_px(
    font_size: float, view_width: float, screen_px: float = MIN_SCREEN_PX
) -> float:
    """The pixel size text of ``font_size`` units shows at when a chart of viewBox width
    ``view_width`` is drawn ``screen_px`` wide."""
    return font_size * screen_px / view_width


@dataclass(frozen=True)
class Series:
    """One line (or one bar of each group): a label and one value per x position.

    ``None`` is a missing value (no population, say): a line breaks there and a bar is left out.
    """

    label: str
    values: Sequence[float | None]


def format_number(value: float) -> str:
    """A value for a label (:mod:`kenesh.core.formats`): whole numbers without decimals, others
    with one from 10 up and two below."""
    if float(value).is_integer():
        return formats.format_number(int(value))
    return formats.format_number(value, 1 if abs(value) >= 10 else 2)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 × 10ⁿ that is at least ``value`` (1 for 0 or less)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10.0**exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


def y_ticks(maximum: float, *, count: int = 5, integers: bool = False) -> list[float]:
    """Tick values from 0 to a nice top at or above ``maximum``, evenly spaced."""
    step = nice_ceiling(max(maximum, 0.0) / count) if maximum > 0 else 1.0
    if integers:
        step = max(1.0, math.ceil(step))
    top = step * max(1, math.ceil(maximum / step - 1e-12)) if maximum > 0 else step
    n = round(top / step)
    return [round(i * step, 10) for i in range(n + 1)]


@dataclass(frozen=True)
class _Frame:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


def _f(value: float) -> str:
    """A coordinate with one decimal, no trailing zeros: compact markup."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _legend_rows(
    labels: Sequence[str], width: int, left: int, font_size: int = FONT_SIZE
) -> list[list[tuple[int, str]]]:
    """Legend entries laid out in rows that fit the width (an estimate of the text width)."""
    rows: list[list[tuple[int, str]]] = [[]]
    x = left
    for index, label in enumerate(labels):
        entry = 28 + int(len(label) * font_size * 0.6) + 16
        if rows[-1] and x + entry > width:
            rows.append([])
            x = left
        rows[-1].append((index, label))
        x += entry
    return rows


def _chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_label: str,
    kind: str,
    width: int,
    height: int,
    value_format: Callable[[float], str],
    integers: bool,
    x_label: str = "",
    font_size: int = FONT_SIZE,
    y_max: float | None = None,
    label_every_x: bool = False,
) -> SafeString:
    if not x_labels:
        raise ValueError("a chart needs at least one x position")
    for one in series:
        if len(one.values) != len(x_labels):
            raise ValueError(
                f"series {one.label!r} has {len(one.values)} values, not {len(x_labels)}"
            )
    line_height = round(font_size * 1.3)
    # x labels of two lines ("2025" over "(1 Jan – 28 Nov)") when any has a bracketed part.
    label_lines = [_label_lines(label) for label in x_labels]
    x_rows = max(len(lines) for lines in label_lines)
    legend = (
        _legend_rows([one.label for one in series], width, 8, font_size) if len(series) > 1 else []
    )
    left = max(36, int(font_size * 0.62 * _widest_tick(series, integers, value_format, y_max)) + 12)
    legend_height = (line_height + 8) * len(legend)
    frame = _Frame(
        width=width,
        height=height
        + legend_height
        + line_height * (x_rows - 1)
        + (line_height if x_label else 0),
        left=left,
        right=12,
        top=8 + (line_height + 4 if y_label else 0),
        bottom=line_height * x_rows + 12 + (line_height if x_label else 0) + legend_height,
    )
    known = [v for one in series for v in one.values if v is not None and math.isfinite(v)]
    top_known = max(known, default=0.0) if y_max is None else max(y_max, 0.0)
    ticks = y_ticks(top_known, integers=integers)
    top_value = ticks[-1]
    n = len(x_labels)

    def y_of(value: float) -> float:
        return frame.top + frame.plot_height * (1 - value / top_value)

    if kind == "line":
        step = frame.plot_width / max(n - 1, 1)

        def x_of(index: int) -> float:
            return frame.left + (step * index if n > 1 else frame.plot_width / 2)
    else:
        step = frame.plot_width / n

        def x_of(index: int) -> float:
            return frame.left + step * (index + 0.5)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="kenesh-chart" '
        f'viewBox="0 0 {frame.width} {frame.height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'font-family="system-ui, sans-serif" font-size="{font_size}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]
    # Grid lines and y tick labels.
    parts.append('<g class="chart-grid" stroke="#dee2e6" stroke-width="1">')
    for tick in ticks:
        y = _f(y_of(tick))
        parts.append(
            f'<line x1="{frame.left}" y1="{y}" x2="{frame.width - frame.right}" y2="{y}"/>'
        )
    parts.append("</g>")
    parts.append('<g class="chart-y-axis" fill="#495057" text-anchor="end">')
    for tick in ticks:
        parts.append(
            f'<text x="{frame.left - 6}" y="{_f(y_of(tick) + font_size * 0.35)}">'
            f"{escape(value_format(tick))}</text>"
        )
    parts.append("</g>")
    if y_label:
        parts.append(
            f'<text class="chart-y-label" x="4" y="{frame.top - 8}" fill="#495057">'
            f"{escape(y_label)}</text>"
        )
    # Axes.
    bottom = frame.top + frame.plot_height
    parts.append(
        f'<g class="chart-axes" stroke="#6c757d" stroke-width="1">'
        f'<line x1="{frame.left}" y1="{_f(bottom)}" x2="{frame.width - frame.right}" '
        f'y2="{_f(bottom)}"/>'
        f'<line x1="{frame.left}" y1="{frame.top}" x2="{frame.left}" y2="{_f(bottom)}"/></g>'
    )
    # x labels: every one (bars: a few years), or as many as fit side by side (at most
    # MAX_X_LABELS), evenly thinned, always keeping the last.
    label_width = max(len(line) for lines in label_lines for line in lines) * font_size * 0.6 + 8
    if label_every_x:
        shown = list(range(n))
    else:
        fitting = max(2, min(MAX_X_LABELS, int(frame.plot_width // label_width)))
        every = max(1, math.ceil(n / fitting))
        shown = [i for i in range(n) if i % every == 0]
    parts.append('<g class="chart-x-axis" fill="#495057" text-anchor="middle">')
    for index in shown:
        lines = label_lines[index]
        first_y = bottom + line_height
        if len(lines) == 1:
            parts.append(f'<text x="{_f(x_of(index))}" y="{_f(first_y)}">{escape(lines[0])}</text>')
            continue
        x = _f(x_of(index))
        spans = "".join(
            f'<tspan x="{x}" dy="{0 if row == 0 else line_height}">{escape(line)}</tspan>'
            for row, line in enumerate(lines)
        )
        parts.append(
            f'<text x="{x}" y="{_f(first_y)}" aria-label="{escape(x_labels[index])}">{spans}</text>'
        )
    parts.append("</g>")
    if x_label:
        parts.append(
            f'<text class="chart-x-label" x="{_f(frame.left + frame.plot_width / 2)}" '
            f'y="{_f(bottom + line_height * (x_rows + 1) + 2)}" fill="#495057" '
            f'text-anchor="middle">{escape(x_label)}</text>'
        )
    # Data.
    if kind == "line":
        parts.extend(_lines(series, x_labels, x_of, y_of, value_format))
    else:
        parts.extend(_bars(series, x_labels, step, x_of, y_of, bottom, value_format))
    # Legend.
    for row_index, row in enumerate(legend):
        legend_y = frame.height - (line_height + 8) * (len(legend) - row_index) + 6
        legend_x = 8
        for index, label in row:
            colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
            if kind == "line":
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                parts.append(
                    f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 22}" '
                    f'y2="{legend_y}" stroke="{colour}" stroke-width="3"{dash_attr}/>'
                )
            else:
                parts.append(
                    f'<rect x="{legend_x + 4}" y="{legend_y - 7}" width="14" height="14" '
                    f'fill="{colour}"/>'
                )
            parts.append(
                f'<text class="chart-legend" x="{legend_x + 28}" '
                f'y="{_f(legend_y + font_size * 0.35)}" fill="#212529">{escape(label)}</text>'
            )
            legend_x += 28 + int(len(label) * font_size * 0.6) + 16
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped


def _label_lines(label: str) -> list[str]:
    """A label in lines: "2025 (1 Jan – 28 Nov)" as "2025" over "(1 Jan – 28 Nov)"."""
    head, bracket, rest = label.partition(" (")
    return [head, f"({rest}"] if bracket else [label]


def _widest_tick(
    series: Sequence[Series],
    integers: bool,
    value_format: Callable[[float], str],
    y_max: float | None,
) -> int:
    known = [v for one in series for v in one.values if v is not None and math.isfinite(v)]
    top = max(known, default=0.0) if y_max is None else y_max
    return max(len(value_format(tick)) for tick in y_ticks(top, integers=integers))


def _point_title(
    x_label: str, series: Series, value: float, value_format: Callable[[float], str]
) -> str:
    return escape(f"{x_label}, {series.label}: {value_format(value)}")


def _lines(
    series: Sequence[Series],
    x_labels: Sequence[str],
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
    value_format: Callable[[float], str],
) -> list[str]:
    parts: list[str] = []
    for index, one in enumerate(series):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<g class="chart-series" data-series="{index}">')
        segment: list[str] = []
        segments: list[list[str]] = []
        for position, value in enumerate(one.values):
            if value is None or not math.isfinite(value):
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{_f(x_of(position))},{_f(y_of(value))}")
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                    f'stroke-linejoin="round"{dash_attr} points="{" ".join(points)}"/>'
                )
        for position, value in enumerate(one.values):
            if value is None or not math.isfinite(value):
                continue
            parts.append(
                f'<circle class="chart-point" cx="{_f(x_of(position))}" cy="{_f(y_of(value))}" '
                f'r="3.5" fill="{colour}"><title>'
                f"{_point_title(x_labels[position], one, value, value_format)}</title></circle>"
            )
        parts.append("</g>")
    return parts


def _bars(
    series: Sequence[Series],
    x_labels: Sequence[str],
    step: float,
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
    bottom: float,
    value_format: Callable[[float], str],
) -> list[str]:
    parts: list[str] = []
    group_width = step * 0.8
    bar_width = group_width / max(len(series), 1)
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<g class="chart-series" data-series="{index}" fill="{colour}">')
        for position, value in enumerate(one.values):
            if value is None or not math.isfinite(value):
                continue
            x = x_of(position) - group_width / 2 + bar_width * index
            y = y_of(value)
            parts.append(
                f'<rect class="chart-bar" x="{_f(x)}" y="{_f(y)}" width="{_f(bar_width * 0.92)}" '
                f'height="{_f(bottom - y)}"><title>'
                f"{_point_title(x_labels[position], one, value, value_format)}</title></rect>"
            )
        parts.append("</g>")
    return parts


def line_chart(
    *,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_label: str = "",
    chart_id: str = "chart",
    width: int = CHART_WIDTH,
    height: int = 240,
    value_format: Callable[[float], str] = format_number,
    integers: bool = False,
    x_label: str = "",
    font_size: int = FONT_SIZE,
    y_max: float | None = None,
) -> SafeString:
    """One line per series over the x positions (months, years), each value a marked point.

    ``integers`` keeps y ticks whole (counts). ``chart_id`` must be unique on the page: it
    prefixes the ids the ``<title>`` and ``<desc>`` are referred to by. ``y_max`` sets the top
    of the y scale (small multiples on one scale); ``x_label`` names the x axis.
    """
    return _chart(
        x_label=x_label,
        font_size=font_size,
        y_max=y_max,
        chart_id=chart_id,
        title=title,
        description=description,
        x_labels=x_labels,
        series=series,
        y_label=y_label,
        kind="line",
        width=width,
        height=height,
        value_format=value_format,
        integers=integers,
    )


def bar_chart(
    *,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_label: str = "",
    chart_id: str = "chart",
    width: int = CHART_WIDTH,
    height: int = 240,
    value_format: Callable[[float], str] = format_number,
    integers: bool = False,
    x_label: str = "",
) -> SafeString:
    """Grouped bars: one group per x position, one bar per series in each group; every group
    is labelled (a label with a bracketed part, "2025 (1 Jan – 28 Nov)", on two lines)."""
    return _chart(
        x_label=x_label,
        label_every_x=True,
        chart_id=chart_id,
        title=title,
        description=description,
        x_labels=x_labels,
        series=series,
        y_label=y_label,
        kind="bar",
        width=width,
        height=height,
        value_format=value_format,
        integers=integers,
    )


@dataclass(frozen=True)
class Panel:
    """One panel of small multiples: the series it draws and its chart.

    ``total`` adds the values drawn; ``complete`` is False when some are missing (a withheld
    month is a gap, not a zero), and then ``total`` is of the values drawn only, not the
    series' total: a title says so ("7 in published months")."""

    label: str
    chart: SafeString
    total: float
    complete: bool = True


def small_multiples(
    *,
    chart_id: str,
    title: Callable[[Series], str],
    description: Callable[[Series], str],
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_label: str = "",
    x_label: str = "",
    same_scale: bool = False,
    integers: bool = False,
    value_format: Callable[[float], str] = format_number,
) -> list[Panel]:
    """One small line chart per series (a category), for a grid of panels across the page.

    Each panel has its own y scale (the shape of each series reads best), or with
    ``same_scale`` the scale of the largest value of all (sizes compare across panels).
    ``title`` and ``description`` give each panel's accessible name and description."""
    known = [v for one in series for v in one.values if v is not None and math.isfinite(v)]
    shared = max(known, default=0.0) if same_scale else None
    panels = []
    for index, one in enumerate(series):
        chart = _chart(
            chart_id=f"{chart_id}-{index}",
            title=title(one),
            description=description(one),
            x_labels=x_labels,
            series=[one],
            y_label=y_label,
            x_label=x_label,
            kind="line",
            width=PANEL_WIDTH,
            height=190,
            value_format=value_format,
            integers=integers,
            font_size=PANEL_FONT_SIZE,
            y_max=shared,
        )
        drawn = [v for v in one.values if v is not None and math.isfinite(v)]
        panels.append(Panel(one.label, chart, sum(drawn), len(drawn) == len(one.values)))
    return panels
