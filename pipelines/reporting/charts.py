"""Inline SVG charts for the KPI report: no JavaScript, no network, nothing to vendor.

Each function returns one `<svg>` element as `markupsafe.Markup`. Every chart carries
`data-chart="<id>"`, its title written visibly at the top (class `chart-title`, and as `<title>` for
screen readers), axis labels (class `axis-title`), and every data mark (a line point, a bar, a
heat-map cell) has the class `mark`, so a test can prove that a chart was drawn with data. A chart
without data draws a short "no data" note instead of marks (`data-empty="true"`).

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
beyond its eight colours a series is drawn dashed, so no two series look the same.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from markupsafe import Markup, escape

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, sky blue,
# reddish purple, yellow, black.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK = PALETTE
GREY = "#8c8c8c"
TITLE_HEIGHT = 26


def series_style(index: int) -> tuple[str, bool]:
    """(colour, dashed) of the index-th series: the palette, then the palette again dashed, ..."""
    return PALETTE[index % len(PALETTE)], (index // len(PALETTE)) % 2 == 1
FONT = "font-family='system-ui, -apple-system, Segoe UI, Noto Sans, sans-serif'"
Formatter = Callable[[float], str]


def percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def amount(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.2f}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:,.0f}k"
    return f"{value:,.0f}"


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    color: str | None = None
    dashed: bool = False


def _axis(value: float, ticks: int = 4) -> tuple[float, float]:
    """A round axis top and tick step (1, 2, 2.5 or 5 x 10^n) for values up to `value`."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / ticks
    exponent = math.floor(math.log10(raw))
    step = next(m * 10 ** exponent for m in (1, 2, 2.5, 5, 10) if m * 10 ** exponent >= raw - 1e-12)
    return step * math.ceil(value / step - 1e-9), step


def _legend(parts: list[str], series: Sequence["Series"], left: int, top: int, width: int) -> None:
    """Legend entries left to right, wrapping to a new row at the chart's right edge."""
    x, y = left, top
    for s_index, s in enumerate(series):
        entry = 26 + 7 * len(s.name)
        if x + entry > width and x > left:
            x, y = left, y + 16
        color, dashed = _style(s, s_index)
        if dashed:
            parts.append(f"<line x1='{x}' x2='{x + 14}' y1='{y - 3}' y2='{y - 3}' stroke='{color}' stroke-width='2.5'"
                         f" stroke-dasharray='4 2'/>")
        else:
            parts.append(f"<rect x='{x}' y='{y - 9}' width='12' height='12' fill='{color}'/>")
        parts.append(f"<text x='{x + 18}' y='{y + 1}' font-size='11' fill='#212529'>{escape(s.name)}</text>")
        x += entry


def _legend_rows(series: Sequence["Series"], left: int, width: int) -> int:
    rows, x = 1, left
    for s in series:
        entry = 26 + 7 * len(s.name)
        if x + entry > width and x > left:
            rows, x = rows + 1, left
        x += entry
    return rows


def _style(s: "Series", index: int) -> tuple[str, bool]:
    color, dashed = series_style(index)
    return (s.color or color), (s.dashed if s.color else dashed or s.dashed)


def _open(chart_id: str, title: str, width: int, height: int, empty: bool = False) -> list[str]:
    """The svg element with the title written at its top; the chart below draws in a group moved
    down by TITLE_HEIGHT (close it with _close)."""
    empty_flag = " data-empty='true'" if empty else ""
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' data-chart='{escape(chart_id)}'{empty_flag}"
        f" viewBox='0 0 {width} {height + TITLE_HEIGHT}' width='100%'"
        f" role='img' aria-label='{escape(title)}' {FONT}>",
        f"<title>{escape(title)}</title>",
        f"<text class='chart-title' x='0' y='16' font-size='14' font-weight='600' fill='#212529'>{escape(title)}</text>",
        f"<g transform='translate(0 {TITLE_HEIGHT})'>",
    ]


def _close(parts: list[str]) -> Markup:
    parts.append("</g></svg>")
    return Markup("".join(parts))


def _y_title(parts: list[str], text: str, top: float, plot_h: float) -> None:
    if text:
        cy = top + plot_h / 2
        parts.append(f"<text class='axis-title' x='12' y='{cy:.1f}' text-anchor='middle' font-size='11' fill='#495057'"
                     f" transform='rotate(-90 12 {cy:.1f})'>{escape(text)}</text>")


def _x_title(parts: list[str], text: str, cx: float, y: float) -> None:
    if text:
        parts.append(f"<text class='axis-title' x='{cx:.1f}' y='{y:.1f}' text-anchor='middle' font-size='11'"
                     f" fill='#495057'>{escape(text)}</text>")


def _empty(chart_id: str, title: str, width: int, height: int, note: str) -> Markup:
    parts = _open(chart_id, title, width, height, empty=True)
    parts.append(f"<rect x='0.5' y='0.5' width='{width - 1}' height='{height - 1}' fill='#f8f9fa' stroke='#dee2e6'/>")
    parts.append(f"<text x='{width / 2}' y='{height / 2}' text-anchor='middle' font-size='13' fill='#6c757d'>"
                 f"{escape(note)}</text>")
    return _close(parts)


def line_chart(chart_id: str, title: str, x_labels: Sequence[str], series: Sequence[Series],
               y_format: Formatter = percent, width: int = 640, height: int = 260,
               y_max: float | None = None, no_data: str = "no data yet", x_title: str = "",
               y_title: str = "") -> Markup:
    """Lines over categorical x positions; a point (class `mark`) per non-null value."""
    values = [v for s in series for v in s.values if v is not None]
    if not values or not x_labels:
        return _empty(chart_id, title, width, height, no_data)
    legend_rows = _legend_rows(series, 64, width)
    height += 16 * (legend_rows - 1) + 14
    left, right, top, bottom = 64, 28, 10, 56 + 16 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = _axis(max(values)) if y_max is None else (y_max, y_max / 4)
    n = len(x_labels)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return top + plot_h - plot_h * max(0.0, min(v, top_value)) / top_value

    parts = _open(chart_id, title, width, height)
    for k in range(round(top_value / step) + 1):
        tick = step * k
        parts.append(f"<line x1='{left}' x2='{left + plot_w}' y1='{y(tick):.1f}' y2='{y(tick):.1f}' stroke='#e9ecef'/>")
        parts.append(f"<text x='{left - 6}' y='{y(tick) + 4:.1f}' text-anchor='end' font-size='11' fill='#495057'>"
                     f"{escape(y_format(tick))}</text>")
    step = max(1, math.ceil(n / 10))
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == n - 1:
            parts.append(f"<text x='{x(i):.1f}' y='{top + plot_h + 16}' text-anchor='middle' font-size='11'"
                         f" fill='#495057'>{escape(label)}</text>")
    for s_index, s in enumerate(series):
        color, dashed = _style(s, s_index)
        points = [(x(i), y(v), v, x_labels[i]) for i, v in enumerate(s.values) if v is not None and i < n]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            dash = " stroke-dasharray='5 4'" if dashed else ""
            parts.append(f"<polyline points='{path}' fill='none' stroke='{color}' stroke-width='2'{dash}/>")
        for px, py, v, label in points:
            parts.append(f"<circle class='mark' cx='{px:.1f}' cy='{py:.1f}' r='3.5' fill='{color}'>"
                         f"<title>{escape(s.name)} {escape(label)}: {escape(y_format(v))}</title></circle>")
    _y_title(parts, y_title, top, plot_h)
    _x_title(parts, x_title, left + plot_w / 2, top + plot_h + 32)
    _legend(parts, series, left, top + plot_h + 54, width)
    return _close(parts)


def bar_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float],
              value_format: Formatter = amount, width: int = 640, bar_height: int = 20,
              colors: Sequence[str] | None = None, no_data: str = "no data yet", value_title: str = "",
              label_title: str = "") -> Markup:
    """Horizontal bars, one per label (class `mark`), with the value written at the end;
    `value_title` names the bars' measure (under them), `label_title` the categories (above them)."""
    if not labels:
        return _empty(chart_id, title, width, 80, no_data)
    label_w = min(220, 12 + 7 * max(len(str(label)) for label in labels))
    left, right, top = label_w, 80, 8 + (16 if label_title else 0)
    height = top + len(labels) * (bar_height + 6) + 8 + (18 if value_title else 0)
    top_value = max([abs(v) for v in values] + [1e-9])
    plot_w = width - left - right
    parts = _open(chart_id, title, width, height)
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top + i * (bar_height + 6)
        w = max(1.0, plot_w * abs(value) / top_value) if value else 0.0
        color = colors[i] if colors else PALETTE[0]
        parts.append(f"<text x='{left - 6}' y='{y + bar_height * 0.7:.1f}' text-anchor='end' font-size='12'"
                     f" fill='#212529'>{escape(label)}</text>")
        parts.append(f"<rect class='mark' x='{left}' y='{y}' width='{w:.1f}' height='{bar_height}' fill='{color}'>"
                     f"<title>{escape(label)}: {escape(value_format(value))}</title></rect>")
        parts.append(f"<text x='{left + w + 4:.1f}' y='{y + bar_height * 0.7:.1f}' font-size='12' fill='#212529'>"
                     f"{escape(value_format(value))}</text>")
    if label_title:
        parts.append(f"<text class='axis-title' x='4' y='12' font-size='11' fill='#495057'>{escape(label_title)}</text>")
    _x_title(parts, value_title, left + plot_w / 2, height - 6)
    return _close(parts)


def grouped_bar_chart(chart_id: str, title: str, groups: Sequence[str], series: Sequence[Series],
                      value_format: Formatter = percent, width: int = 640, height: int = 260,
                      no_data: str = "no data yet", x_title: str = "", y_title: str = "") -> Markup:
    """Vertical bars: per group one bar for each series (e.g. champion and challenger)."""
    values = [v for s in series for v in s.values if v is not None]
    if not groups or not values:
        return _empty(chart_id, title, width, height, no_data)
    legend_rows = _legend_rows(series, 64, width)
    # category labels slant instead of overlapping when they are wider than their group
    rotate = 6.5 * max(len(g) for g in groups) > (width - 80) / len(groups) - 4
    label_room = 12 + 6 * max(len(g) for g in groups) if rotate else 0
    height += 16 * (legend_rows - 1) + label_room + 14
    left, right, top, bottom = 64, 16, 10, 70 + 16 * legend_rows + label_room
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = _axis(max(values))
    group_w = plot_w / len(groups)
    bar_w = max(4.0, min(28.0, (group_w - 12) / max(1, len(series))))
    parts = _open(chart_id, title, width, height)
    for k in range(round(top_value / step) + 1):
        tick = step * k
        ty = top + plot_h - plot_h * tick / top_value
        parts.append(f"<line x1='{left}' x2='{left + plot_w}' y1='{ty:.1f}' y2='{ty:.1f}' stroke='#e9ecef'/>")
        parts.append(f"<text x='{left - 6}' y='{ty + 4:.1f}' text-anchor='end' font-size='11' fill='#495057'>"
                     f"{escape(value_format(tick))}</text>")
    for g, group in enumerate(groups):
        start = left + g * group_w + (group_w - bar_w * len(series)) / 2
        for s_index, s in enumerate(series):
            v = s.values[g] if g < len(s.values) else None
            if v is None:
                continue
            h = plot_h * max(0.0, v) / top_value
            color, _ = _style(s, s_index)
            parts.append(f"<rect class='mark' x='{start + s_index * bar_w:.1f}' y='{top + plot_h - h:.1f}'"
                         f" width='{bar_w - 2:.1f}' height='{max(h, 1):.1f}' fill='{color}'>"
                         f"<title>{escape(group)} {escape(s.name)}: {escape(value_format(v))}</title></rect>")
        cx, cy = left + g * group_w + group_w / 2, top + plot_h + 14
        if rotate:
            parts.append(f"<text x='{cx:.1f}' y='{cy}' text-anchor='end' font-size='10' fill='#495057'"
                         f" transform='rotate(-35 {cx:.1f} {cy})'>{escape(group)}</text>")
        else:
            parts.append(f"<text x='{cx:.1f}' y='{cy}' text-anchor='middle' font-size='10' fill='#495057'>"
                         f"{escape(group)}</text>")
    _y_title(parts, y_title, top, plot_h)
    _x_title(parts, x_title, left + plot_w / 2, top + plot_h + 32 + label_room)
    _legend(parts, series, left, top + plot_h + 54 + label_room, width)
    return _close(parts)


def heat_map(chart_id: str, title: str, rows: Sequence[str], columns: Sequence[str],
             cells: dict[tuple[str, str], tuple[float, int]], row_title: str = "from",
             column_title: str = "to", width: int = 640, no_data: str = "no data yet",
             worse: Callable[[str, str], bool] = lambda row, column: False) -> Markup:
    """A matrix of shares: cells[(row, column)] = (share 0..1, count). Cells with a count are
    marks; the colour deepens with the share (red where `worse(row, column)`, else blue), the
    diagonal is outlined."""
    if not rows or not columns or not cells:
        return _empty(chart_id, title, width, 120, no_data)
    left, top = 78, 44
    cell_w = min(78.0, (width - left - 10) / len(columns))
    cell_h = 34
    height = top + cell_h * len(rows) + 10
    parts = _open(chart_id, title, width, height)
    parts.append(f"<text class='axis-title' x='4' y='14' font-size='11' fill='#495057'>rows: {escape(row_title)} ↓"
                 f" · columns: {escape(column_title)} →</text>")
    for c, column in enumerate(columns):
        parts.append(f"<text x='{left + c * cell_w + cell_w / 2:.1f}' y='{top - 8}' text-anchor='middle' font-size='11'"
                     f" fill='#212529'>{escape(column)}</text>")
    for r, row in enumerate(rows):
        y = top + r * cell_h
        parts.append(f"<text x='{left - 6}' y='{y + cell_h / 2 + 4:.1f}' text-anchor='end' font-size='11'"
                     f" fill='#212529'>{escape(row)}</text>")
        for c, column in enumerate(columns):
            x = left + c * cell_w
            share, count = cells.get((row, column), (None, 0))
            if not count:
                parts.append(f"<rect x='{x:.1f}' y='{y}' width='{cell_w - 2:.1f}' height='{cell_h - 2}' fill='#f8f9fa'/>")
                continue
            intensity = max(0.0, min(1.0, share or 0.0))
            fill = _blend("#ffffff", VERMILLION if worse(row, column) else BLUE, 0.12 + 0.88 * intensity)
            text_color = "#ffffff" if intensity > 0.55 else "#212529"
            outline = " stroke='#212529' stroke-width='1.5'" if row == column else ""
            parts.append(f"<rect class='mark' x='{x:.1f}' y='{y}' width='{cell_w - 2:.1f}' height='{cell_h - 2}'"
                         f" fill='{fill}'{outline}><title>{escape(row)} → {escape(column)}: {escape(percent(share))}"
                         f" ({count:,} loans)</title></rect>")
            parts.append(f"<text x='{x + cell_w / 2 - 1:.1f}' y='{y + cell_h / 2 + 4:.1f}' text-anchor='middle'"
                         f" font-size='11' fill='{text_color}'>{escape(percent(share, 0 if (share or 0) >= 0.1 else 1))}</text>")
    return _close(parts)


def _blend(low: str, high: str, t: float) -> str:
    a = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))
