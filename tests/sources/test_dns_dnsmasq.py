"""dnsmasq / Pi-hole query log parser, on the real Pi-hole log and lines written here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from helpers import write_log

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.bind9 import Bind9Parser
from shadowscan.sources.dnsmasq import DnsmasqParser
from shadowscan.sources.reader import ReadStats, iter_chunks, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]


@pytest.fixture(scope="module")
def pihole(realdata: Path) -> Path:
    """A real home Pi-hole log, January 2016, 9,503 lines."""
    return realdata / "dnsmasq_pihole" / "pihole.log"


write_lines = partial(write_log, name="pihole.log")


def parse_pinned(path: Path, reference: datetime, tz: str = "UTC") -> ParseResult:
    """Parse ``path`` in one chunk with year-less stamps placed before ``reference``."""
    parser = DnsmasqParser(source_file=str(path), head=read_head(path), tz=tz)
    parser.reference = reference
    (chunk,) = list(iter_chunks(path, ReadStats()))
    return parser.parse(chunk)


def test_pihole_detected(pihole: Path) -> None:
    """The Pi-hole log is detected as dnsmasq with full confidence."""
    assert detect_format(read_head(pihole)) == Detection("dnsmasq", 1.0)


def test_pihole_counts(pihole: Path, parse_file: ParseFile) -> None:
    """9,503 lines: 2,326 queries, 7,177 forwarded/reply/cached/config/daemon lines skipped."""
    result, stats = parse_file("dnsmasq", pihole)
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (9503, 2326, 0, 7177)


def test_pihole_blocked_queries(pihole: Path, parse_file: ParseFile) -> None:
    """The 81 gravity.list answers mark 81 queries blocked; the rest are allowed."""
    result, _ = parse_file("dnsmasq", pihole)
    counts = dict(result.events["action"].value_counts().iter_rows())
    assert counts == {"allowed": 2245, "blocked": 81}


def test_pihole_blocked_query_is_the_one_answered(pihole: Path, parse_file: ParseFile) -> None:
    """Line 1867 asks for settings.crashlytics.com; line 1868 answers from gravity.list."""
    result, _ = parse_file("dnsmasq", pihole)
    row = result.events.filter(pl.col("source_line") == 1867).row(0, named=True)
    assert (row["host"], row["src_ip"], row["action"]) == (
        "settings.crashlytics.com",
        "192.168.178.15",
        "blocked",
    )


def test_pihole_year_from_reference(pihole: Path) -> None:
    """Read in mid-2016, the first query (Jan 23 23:59:11) is in 2016."""
    result = parse_pinned(pihole, datetime(2016, 6, 1, tzinfo=UTC))
    assert result.events["ts"][0] == datetime(2016, 1, 23, 23, 59, 11, tzinfo=UTC)


def test_year_rolls_back_over_new_year(tmp_path: Path) -> None:
    """Read on 2 January, a 31 December stamp is last year's and a 1 January one this year's."""
    path = write_lines(
        tmp_path,
        "Dec 31 23:59:59 dnsmasq[1]: query[A] a.example from 10.0.0.1",
        "Jan  1 00:00:01 dnsmasq[1]: query[A] b.example from 10.0.0.1",
    )
    result = parse_pinned(path, datetime(2025, 1, 2, tzinfo=UTC))
    assert result.events["ts"].to_list() == [
        datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC),
    ]


def test_tz_applies(tmp_path: Path) -> None:
    """dnsmasq logs local time: with --tz Europe/Paris the time moves back one hour."""
    path = write_lines(tmp_path, "Jan 24 10:00:00 dnsmasq[1]: query[A] a.example from 10.0.0.1")
    result = parse_pinned(path, datetime(2016, 6, 1, tzinfo=UTC), tz="Europe/Paris")
    assert result.events["ts"][0] == datetime(2016, 1, 24, 9, 0, 0, tzinfo=UTC)


def test_pihole_v5_block_forms(tmp_path: Path, parse_file: ParseFile) -> None:
    """gravity blocked, regex blacklisted and a 0.0.0.0 reply block their query only."""
    path = write_lines(
        tmp_path,
        "Mar 14 09:00:01 pihole-FTL[77]: query[A] ads.example from 10.0.0.1",
        "Mar 14 09:00:01 pihole-FTL[77]: gravity blocked ads.example is 0.0.0.0",
        "Mar 14 09:00:02 pihole-FTL[77]: query[A] chatgpt.com from 10.0.0.2",
        "Mar 14 09:00:02 pihole-FTL[77]: regex blacklisted chatgpt.com is 0.0.0.0",
        "Mar 14 09:00:03 pihole-FTL[77]: query[AAAA] sink.example from 10.0.0.3",
        "Mar 14 09:00:03 pihole-FTL[77]: reply sink.example is ::",
        "Mar 14 09:00:04 pihole-FTL[77]: query[A] ads.example from 10.0.0.4",
        "Mar 14 09:00:04 pihole-FTL[77]: reply ads.example is 93.184.216.34",
    )
    result, _ = parse_file("dnsmasq", path)
    assert result.events.select("host", "action").rows() == [
        ("ads.example", "blocked"),
        ("chatgpt.com", "blocked"),
        ("sink.example", "blocked"),
        ("ads.example", "allowed"),
    ]


def test_malformed_lines_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A foreign line and a query line without its client are rejected with reasons."""
    path = write_lines(
        tmp_path,
        "Mar 14 09:00:01 dnsmasq[1]: query[A] ok.example from 10.0.0.1",
        "kernel: eth0 link up",
        "Mar 14 09:00:02 dnsmasq[1]: query[A] broken.example",
        "Mar 14 09:00:03 dnsmasq[1]: cached ok.example is 1.2.3.4",
    )
    result, stats = parse_file("dnsmasq", path)
    assert (stats.lines, result.events.height, result.skipped) == (4, 1, 1)
    assert result.rejects.select("source_line", "reason").rows() == [
        (2, "not a dnsmasq log line"),
        (3, "malformed query line (query[TYPE] NAME from IP)"),
    ]


def test_bind9_does_not_claim_pihole(pihole: Path) -> None:
    """The BIND9 detector scores the Pi-hole log 0."""
    assert Bind9Parser.detect(read_head(pihole)) == 0.0
