"""Chunks in flight: a parser whose chunks depend on earlier ones still reads them in order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from shadowscan import pipeline
from shadowscan.catalog import load_catalog
from shadowscan.pipeline import Coverage, build_context, process_file

HEADER_A = "#Fields: date time c-ip cs-method cs-host cs-uri-stem sc-status"
HEADER_B = "#Fields: date time cs-host c-ip cs-method cs-uri-stem sc-status"


def _w3c(tmp_path: Path, n: int) -> Path:
    lines = ["#Software: test", "#Version: 1.0", HEADER_A]
    lines += [
        f"2026-11-26 09:00:{i % 60:02d} 10.0.0.{i % 200} GET a{i}.example /x 200" for i in range(n)
    ]
    lines.append(HEADER_B)
    lines += [
        f"2026-11-26 10:00:{i % 60:02d} b{i}.example 10.0.1.{i % 200} GET /y 200" for i in range(n)
    ]
    path = tmp_path / "proxysg.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_header_change_is_honoured_across_many_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With tiny chunks and several in flight, every line is read with the header above it."""
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 2048)
    ctx = build_context(
        load_catalog(), directory=None, subnets=None, policy=None, as_of=date(2026, 11, 30)
    )
    seen: list[pl.DataFrame] = []
    outcome = process_file(
        _w3c(tmp_path, 400), ctx, Coverage(), on_rejects=seen.append, on_events=seen.append
    )
    report = outcome.report
    assert (report.format, report.events, report.rejected, report.skipped) == ("w3c", 800, 0, 4)
    events = pl.concat([f for f in seen if "host" in f.columns])
    assert events.filter(pl.col("source_line") > 404)["host"].str.starts_with("b").all()
    assert events.filter(pl.col("source_line") < 404)["host"].str.starts_with("a").all()
