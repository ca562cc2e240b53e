"""BIND9 query log parser, on the real samples and on lines written here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from helpers import write_log

from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

GOOD = (
    "12-Nov-2015 23:34:08.622 client 127.0.0.1#59680 (cnn.com): query: cnn.com IN A + (127.0.0.1)"
)
GOOD_2 = (
    "12-Nov-2015 23:34:09.100 client 127.0.0.1#59681 (chat.openai.com): "
    "query: chat.openai.com IN AAAA + (127.0.0.1)"
)


@pytest.fixture(scope="module")
def queries(realdata: Path) -> Path:
    """The old-layout query log (2015 browser session)."""
    return realdata / "bind9_query" / "queries.log"


@pytest.fixture(scope="module")
def security(realdata: Path) -> Path:
    """The 9.16+ layout log with denied queries and zone transfers."""
    return realdata / "bind9_query" / "bind9-logs.log"


write_lines = partial(write_log, name="queries.log")


def test_queries_counts(queries: Path, parse_file: ParseFile) -> None:
    """1539 lines: 1538 events and the leading blank line skipped."""
    result, stats = parse_file("bind9", queries)
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (1539, 1538, 0, 1)
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_queries_first_event_utc(queries: Path, parse_file: ParseFile) -> None:
    """With the default tz the logged local time is taken as UTC."""
    result, _ = parse_file("bind9", queries)
    first = result.events.row(0, named=True)
    assert (first["ts"], first["src_ip"], first["host"], first["source_line"]) == (
        datetime(2015, 11, 12, 23, 34, 8, 622000, tzinfo=UTC),
        "127.0.0.1",
        "cnn.com",
        2,
    )


def test_queries_tz_converts_local_time(queries: Path, parse_file: ParseFile) -> None:
    """With tz Europe/Paris (CET, UTC+1 in November) the time moves back one hour."""
    result, _ = parse_file("bind9", queries, tz="Europe/Paris")
    assert result.events["ts"][0] == datetime(2015, 11, 12, 22, 34, 8, 622000, tzinfo=UTC)


def test_security_counts(security: Path, parse_file: ParseFile) -> None:
    """13 lines: 6 query events and 7 zone-transfer lines skipped."""
    result, stats = parse_file("bind9", security)
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (13, 6, 0, 7)
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_security_zone_transfers_are_not_events(security: Path, parse_file: ParseFile) -> None:
    """Zone-transfer lines (3-9), with or without a timestamp, are skipped, not events."""
    result, _ = parse_file("bind9", security)
    assert result.events["source_line"].to_list() == [1, 2, 10, 11, 12, 13]


def test_query_line_without_time_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A query line logged with print-time off is rejected with the reason and the fix."""
    log = tmp_path / "q.log"
    log.write_text(
        "12-Nov-2015 23:34:08.622 client 127.0.0.1#59680 (cnn.com): query: cnn.com IN A +\n"
        "client 127.0.0.1#59680 (cnn.com): query: cnn.com IN A +\n",
        encoding="utf-8",
    )
    result, _ = parse_file("bind9", log)
    assert result.rejects["source_line"].to_list() == [2]
    assert result.rejects["reason"][0].startswith("no timestamp")


def test_security_denied_cache_query_blocked(security: Path, parse_file: ParseFile) -> None:
    """``query (cache) 'example.com/ANY/IN' denied`` lines are blocked queries for example.com."""
    result, _ = parse_file("bind9", security)
    denied = result.events.filter(
        pl.col("source_line").is_in([1, 11])  # the two "query (cache) 'example.com/..." lines
    )
    assert denied.select("source_line", "host", "action", "src_ip").rows() == [
        (1, "example.com", "blocked", "192.168.1.1"),
        (11, "example.com", "blocked", "192.168.1.1"),
    ]


def test_security_bad_xfr_is_skipped(security: Path, parse_file: ParseFile) -> None:
    """A bad zone transfer request (line 7) is server traffic: no event."""
    result, _ = parse_file("bind9", security)
    assert result.events.filter(pl.col("source_line") == 7).height == 0


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage that is not a bind line", "not a BIND9 client log line"),
        (
            "12-Nov-2015 23:34:08.622 client 127.0.0.1#59680 (cnn.com): quer",
            "BIND9 client message without a query name",
        ),
        (
            "ab-Nov-2015 23:34:08.622 client 127.0.0.1#59680 (cnn.com): query: cnn.com IN A +",
            "not a BIND9 client log line",
        ),
        (
            "31-Feb-2015 23:34:08.622 client 127.0.0.1#59680 (cnn.com): query: cnn.com IN A +",
            "bad timestamp",
        ),
    ],
    ids=["garbage", "truncated", "non-numeric-timestamp", "impossible-date"],
)
def test_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, GOOD, bad, GOOD_2)
    result, stats = parse_file("bind9", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad)]
    assert result.events.select("source_line", "host").rows() == [
        (1, "cnn.com"),
        (3, "chat.openai.com"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines
