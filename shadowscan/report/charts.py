"""Charts as inline SVG, drawn server-side: they appear without JavaScript and print well.

Each function takes small, already aggregated rows (a few dozen at most) and returns
``Markup`` ready for the template. Every piece of text is escaped here: department, service
and category names come from logs, directories and catalogs, and are untrusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Colours by policy status and by severity (colour-blind friendly enough, print legibly).
STATUS_COLOURS = {
    "prohibited": "#b42318",
    "unsanctioned": "#f79009",
    "tolerated": "#7a5af8",
    "sanctioned": "#12b76a",
}
SEVERITY_COLOURS = {
    "critical": "#7a271a",
    "high": "#d92d20",
    "medium": "#f79009",
    "low": "#12b76a",
}
FONT_PX = 12
CHAR_PX = 6.6  # average glyph width at FONT_PX, to size label columns


def _t(text: object) -> str:
    return str(escape(str(text)))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _svg(width: float, height: float, label: str, body: list[str]) -> Markup:
    # No xmlns: the HTML parser puts <svg> in the SVG namespace, and the report then holds
    # no URL at all.
    w, h = math.ceil(width), math.ceil(height)
    head = (
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{_t(label)}">'
        f"<title>{_t(label)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, content: str, *, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{_t(content)}</text>'


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> list[str]:
    out = []
    for label, colour in items:
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        out.append(_text(x + 14, y, label))
        x += 14 + len(label) * CHAR_PX + 18
    return out


@dataclass(frozen=True)
class StackedRow:
    """One bar of a stacked bar chart: a label and a value per series."""

    label: str
    values: dict[str, int]


def stacked_bars(
    rows: Sequence[StackedRow],
    series: Sequence[tuple[str, str]],
    *,
    label: str,
    unit: str,
    width: int = 900,
) -> Markup:
    """Horizontal stacked bars, one per row, with the total at the end of each bar.

    ``series`` is ``(name, colour)`` in stacking order; a legend names them.
    """
    label_w = min(200, max(60, max((len(r.label) for r in rows), default=4) * CHAR_PX + 10))
    bar_h, gap, top = 20, 6, 24
    total_w = width - label_w - 70
    peak = max((sum(r.values.values()) for r in rows), default=0) or 1
    body = _legend(label_w, 12, series)
    for i, row in enumerate(rows):
        y = top + i * (bar_h + gap)
        body.append(_text(label_w - 8, y + 14, _short(row.label, 28), anchor="end"))
        x = float(label_w)
        for name, colour in series:
            v = row.values.get(name, 0)
            if v <= 0:
                continue
            w = max(1.0, total_w * v / peak)
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                f"<title>{_t(row.label)}: {v} {_t(name)} {_t(unit)}</title></rect>"
            )
            x += w
        body.append(_text(x + 6, y + 14, f"{sum(row.values.values()):,}"))
    height = top + len(rows) * (bar_h + gap)
    return _svg(width, height, label, body)


@dataclass(frozen=True)
class RiskPoint:
    """One service of the risk chart."""

    label: str
    risk: int
    users: int
    events: int
    severity: str


def risk_dots(points: Sequence[RiskPoint], *, label: str, width: int = 900) -> Markup:
    """Services on a 0-100 risk axis, one row each; the dot's area grows with users.

    Background bands mark the severity thresholds (25, 50, 75), so the reader sees where
    each service falls without a legend lookup.
    """
    label_w = min(200, max(60, max((len(p.label) for p in points), default=4) * CHAR_PX + 10))
    row_h, top, right = 24, 26, 110
    axis_w = width - label_w - right
    height = top + len(points) * row_h + 24
    most = max((p.users for p in points), default=0) or 1
    body = []
    for lo, hi, sev in (
        (0, 25, "low"),
        (25, 50, "medium"),
        (50, 75, "high"),
        (75, 100, "critical"),
    ):
        x = label_w + axis_w * lo / 100
        body.append(
            f'<rect x="{x:.1f}" y="{top - 6}" width="{axis_w * (hi - lo) / 100:.1f}" '
            f'height="{len(points) * row_h + 6}" fill="{SEVERITY_COLOURS[sev]}" '
            f'fill-opacity="0.08"/>'
        )
        body.append(_text(x + 4, top - 10, sev, cls="muted"))
    for tick in range(0, 101, 25):
        x = label_w + axis_w * tick / 100
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" '
            f'y2="{top + len(points) * row_h}" class="grid"/>'
        )
        body.append(_text(x, height - 6, str(tick), anchor="middle", cls="muted"))
    for i, p in enumerate(points):
        y = top + i * row_h + row_h / 2
        cx = label_w + axis_w * max(0, min(100, p.risk)) / 100
        r = 4 + 7 * math.sqrt(p.users / most)
        body.append(_text(label_w - 8, y + 4, _short(p.label, 28), anchor="end"))
        body.append(
            f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="{r:.1f}" '
            f'fill="{SEVERITY_COLOURS.get(p.severity, "#667085")}">'
            f"<title>{_t(p.label)}: risk {p.risk}, {p.users} users, {p.events} events</title>"
            f"</circle>"
        )
        body.append(
            _text(width - right + 8, y + 4, f"{p.risk} \u00b7 {p.users} user(s)", cls="muted")
        )
    return _svg(width, height, label, body)


def day_columns(
    days: Sequence[str],
    values: Sequence[dict[str, int]],
    series: Sequence[tuple[str, str]],
    *,
    label: str,
    width: int = 900,
    height: int = 220,
) -> Markup:
    """Vertical stacked columns, one per day (``YYYY-MM-DD``), with a y axis."""
    left, bottom, top = 48, 28, 26
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max((sum(v.values()) for v in values), default=0) or 1
    step = 10 ** max(0, len(str(peak)) - 1)
    ceiling = math.ceil(peak / step) * step
    body = _legend(left, 12, series)
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" class="grid"/>')
        body.append(_text(left - 6, y + 4, f"{round(ceiling * frac):,}", anchor="end", cls="muted"))
    slot = plot_w / max(1, len(days))
    bar_w = max(2.0, min(48.0, slot * 0.7))
    every = max(1, math.ceil(len(days) / 12))
    for i, (day, vals) in enumerate(zip(days, values, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(top + plot_h)
        for name, colour in series:
            v = vals.get(name, 0)
            if v <= 0:
                continue
            h = plot_h * v / ceiling
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{_t(day)}: {v} {_t(name)} events</title></rect>'
            )
        if i % every == 0:
            body.append(_text(x + bar_w / 2, height - 10, day[5:], anchor="middle", cls="muted"))
    return _svg(width, height, label, body)


def heat_map(
    rows: Sequence[str],
    cols: Sequence[str],
    cells: dict[tuple[str, str], int],
    *,
    label: str,
    width: int = 900,
) -> Markup:
    """A rows x columns grid; colour intensity grows with the square root of the value."""
    label_w = min(200, max(60, max((len(r) for r in rows), default=4) * CHAR_PX + 10))
    head_h = min(130, max(40, max((len(c) for c in cols), default=4) * CHAR_PX * 0.72 + 16))
    cell_w = max(28.0, min(70.0, (width - label_w - 10) / max(1, len(cols))))
    cell_h = 24
    peak = max(cells.values(), default=0) or 1
    body = []
    for j, col in enumerate(cols):
        x = label_w + j * cell_w + cell_w / 2
        body.append(
            f'<text x="{x:.1f}" y="{head_h - 6:.1f}" transform="rotate(-40 {x:.1f} '
            f'{head_h - 6:.1f})">{_t(_short(col, 22))}</text>'
        )
    for i, row in enumerate(rows):
        y = head_h + i * cell_h
        body.append(_text(label_w - 8, y + 16, _short(row, 28), anchor="end"))
        for j, col in enumerate(cols):
            v = cells.get((row, col), 0)
            x = label_w + j * cell_w
            share = math.sqrt(v / peak) if v else 0.0
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                f'fill="#b42318" fill-opacity="{0.06 + 0.94 * share:.2f}">'
                f"<title>{_t(row)} \u00d7 {_t(col)}: {v} events</title></rect>"
            )
            if v:
                cls = "on-dark" if share > 0.55 else ""
                body.append(_text(x + (cell_w - 2) / 2, y + 15, f"{v:,}", anchor="middle", cls=cls))
    width_used = label_w + len(cols) * cell_w + head_h  # room for the last slanted label
    return _svg(width_used, head_h + len(rows) * cell_h + 4, label, body)
