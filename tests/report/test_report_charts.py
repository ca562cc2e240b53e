"""Server-side SVG charts: geometry and escaping."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from shadowscan.report import charts

NS = ""  # inline SVG in HTML carries no xmlns


def test_stacked_bars_scale_to_the_longest_row() -> None:
    """The longest bar spans the plot; a half-size row gets half the width."""
    svg = charts.stacked_bars(
        [charts.StackedRow("A", {"x": 10}), charts.StackedRow("B", {"x": 5})],
        [("x", "#000")],
        label="t",
        unit="events",
        width=500,
    )
    rects = ElementTree.fromstring(svg).findall(f"{NS}rect")[1:]  # the first is the legend
    widths = [float(r.get("width", "0")) for r in rects]
    assert widths[0] == 2 * widths[1]


def test_labels_are_escaped() -> None:
    """A label with markup stays text: the SVG parses and the text is intact."""
    svg = charts.heat_map(["<b>&"], ["c"], {("<b>&", "c"): 3}, label="<x>")
    tree = ElementTree.fromstring(svg)
    assert [t.text for t in tree.iter(f"{NS}text")] == ["c", "<b>&", "3"]
    assert tree.get("aria-label") == "<x>"


def test_risk_dots_place_services_on_the_axis() -> None:
    """Risk 0 sits at the axis start and risk 100 at its end."""
    svg = charts.risk_dots(
        [charts.RiskPoint("a", 0, 1, 1, "low"), charts.RiskPoint("b", 100, 4, 9, "critical")],
        label="r",
        width=400,
    )
    xs = [float(c.get("cx", "0")) for c in ElementTree.fromstring(svg).iter(f"{NS}circle")]
    assert xs[1] - xs[0] == 400 - 60 - 110  # width - label column - right margin


def test_day_columns_label_every_day_up_to_twelve() -> None:
    """Three days: three columns and three MM-DD labels."""
    svg = charts.day_columns(
        ["2026-11-01", "2026-11-02", "2026-11-03"],
        [{"s": 1}, {"s": 2}, {"s": 3}],
        [("s", "#000")],
        label="d",
    )
    assert re.findall(r">(\d\d-\d\d)</text>", svg) == ["11-01", "11-02", "11-03"]
