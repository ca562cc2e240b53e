"""Trends: is_new, week-over-week change, services new to the organisation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shadowscan.errors import ConfigError
from shadowscan.trends import compare, load_baseline, new_services


def _findings(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "department": pl.String,
            "service_id": pl.String,
            "events": pl.UInt32,
            "users": pl.UInt32,
        },
        orient="row",
    ).with_columns(pl.lit(True).alias("is_new"), pl.lit("x").alias("why"))


CURRENT = _findings(
    [("Legal", "chatgpt", 30, 3), ("Legal", "claude", 5, 1), ("HR", "chatgpt", 4, 2)]
)
PREVIOUS = _findings([("Legal", "chatgpt", 20, 2), ("Sales", "claude", 9, 1)])


def test_is_new_means_first_time_for_this_department() -> None:
    """Legal used chatgpt before; Legal/claude and HR/chatgpt are new (claude was Sales')."""
    out = compare(CURRENT, PREVIOUS)
    assert out.select("department", "service_id", "is_new").rows() == [
        ("Legal", "chatgpt", False),
        ("Legal", "claude", True),
        ("HR", "chatgpt", True),
    ]


def test_change_columns_against_the_baseline() -> None:
    """20 -> 30 events is +50%; a new finding has 0 before and no percentage."""
    out = compare(CURRENT, PREVIOUS)
    assert out.select("events_prev", "users_prev", "events_change_pct").rows() == [
        (20, 2, 50.0),
        (0, 0, None),
        (0, 0, None),
    ]
    assert out["why"].to_list() == [
        "x; events +50.0% vs baseline",
        "x; new in this department",
        "x; new in this department",
    ]


def test_without_baseline_everything_is_new() -> None:
    """No baseline: is_new stays true, change columns are null, why is unchanged."""
    out = compare(CURRENT, None)
    assert out["is_new"].to_list() == [True, True, True]
    assert out["events_prev"].to_list() == [None, None, None]
    assert out["why"].to_list() == ["x", "x", "x"]


def test_services_new_to_the_organisation() -> None:
    """claude was used (by Sales) in the baseline: only services no one used are new."""
    assert new_services(CURRENT, PREVIOUS) == []
    assert new_services(CURRENT, _findings([("Legal", "claude", 1, 1)])) == ["chatgpt"]
    assert new_services(CURRENT, None) == ["chatgpt", "claude"]


def test_load_baseline_reads_a_scan_folder(tmp_path: Path) -> None:
    """--baseline DIR reads DIR/findings.parquet."""
    PREVIOUS.write_parquet(tmp_path / "findings.parquet")
    assert load_baseline(tmp_path).height == 2


def test_baseline_folder_without_findings_is_an_error(tmp_path: Path) -> None:
    """A folder that is not a scan output says what --baseline expects."""
    with pytest.raises(ConfigError, match=r"no findings\.parquet in the baseline folder"):
        load_baseline(tmp_path)
