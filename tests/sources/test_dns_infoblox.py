"""Infoblox NIOS DNS syslog parser, on the real sample and lines written here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.bind9 import Bind9Parser
from shadowscan.sources.infoblox import InfobloxParser
from shadowscan.sources.reader import ReadStats, iter_chunks, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]


@pytest.fixture(scope="module")
def sample(realdata: Path) -> Path:
    """28 NIOS named lines: queries, responses, RPZ CEF, zone and DNSSEC messages."""
    return realdata / "infoblox_dns" / "test-dns.log"


def test_sample_detected(sample: Path) -> None:
    """The sample is detected as infoblox with full confidence."""
    assert detect_format(read_head(sample)) == Detection("infoblox", 1.0)


def test_bind9_does_not_claim_infoblox(sample: Path) -> None:
    """The BIND9 detector scores the Infoblox syslog 0."""
    assert Bind9Parser.detect(read_head(sample)) == 0.0


def test_infoblox_does_not_claim_bind9(realdata: Path) -> None:
    """The Infoblox detector scores both plain BIND9 query logs 0."""
    for name in ("queries.log", "bind9-logs.log"):
        assert InfobloxParser.detect(read_head(realdata / "bind9_query" / name)) == 0.0


def test_sample_counts(sample: Path, parse_file: ParseFile) -> None:
    """28 lines: 13 query/response/RPZ events, 15 server messages skipped."""
    result, stats = parse_file("infoblox", sample)
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (28, 13, 0, 15)


def test_event_lines_and_actions(sample: Path, parse_file: ParseFile) -> None:
    """REFUSED and RPZ are blocked, other responses allowed, bare queries null."""
    result, _ = parse_file("infoblox", sample)
    got = result.events.select("source_line", "host", "action").rows()
    assert got == [
        (1, "a1.foo.com", "allowed"),
        (2, "test.com", "blocked"),
        (3, "a2.foo.com", "allowed"),
        (4, "non-exist.foo.com", "allowed"),
        (5, "a1.foo.com", "allowed"),
        (7, "config.nos-avg.cz", None),
        (11, "nxd1.com", "blocked"),
        (22, "settings-win.data.microsoft.com", "blocked"),
        (23, "ocsp.digicert.com", None),
        (25, "89.160.20.128.a1.foo.com", "allowed"),
        (26, "settings-win.data.microsoft.com", "allowed"),
        (27, "abugtera.tun.p2.42", None),
        (28, "version.bind", None),
    ]


def test_response_uses_bind_time_stamp(sample: Path, parse_file: ParseFile) -> None:
    """A response line carries its own dated stamp, read in --tz."""
    result, _ = parse_file("infoblox", sample, tz="Europe/Paris")
    row = result.events.row(0, named=True)
    assert (row["ts"], row["src_ip"]) == (
        datetime(2022, 4, 7, 6, 8, 10, 43000, tzinfo=UTC),
        "192.168.0.1",
    )


def test_query_line_uses_syslog_stamp(sample: Path) -> None:
    """A query line without a BIND stamp takes the syslog stamp's year from the reference."""
    parser = InfobloxParser(source_file=str(sample), head=read_head(sample))
    parser.reference = datetime(2022, 12, 1, tzinfo=UTC)
    (chunk,) = list(iter_chunks(sample, ReadStats()))
    events = parser.parse(chunk).events
    row = events.filter(pl.col("source_line") == 23).row(0, named=True)
    assert (row["ts"], row["src_ip"]) == (
        datetime(2022, 4, 14, 16, 16, 5, tzinfo=UTC),
        "192.168.1.90",
    )


def test_rpz_source_address(sample: Path, parse_file: ParseFile) -> None:
    """The RPZ CEF record's src= is the client."""
    result, _ = parse_file("infoblox", sample)
    row = result.events.filter(pl.col("source_line") == 11).row(0, named=True)
    assert row["src_ip"] == "192.168.0.1"


def test_malformed_lines_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A line without a syslog header and a query without its name are rejected."""
    path = tmp_path / "infoblox.log"
    path.write_text(
        "<30>Mar 11 23:51:31 ib named[1]: client 10.0.0.1#5353 (a.example): "
        "query: a.example IN A + (10.0.0.53)\n"
        "named[1]: client 10.0.0.1#5353: query: b.example IN A +\n"
        "<30>Mar 11 23:51:32 ib named[1]: client 10.0.0.1#5353: query:\n"
        "<30>Mar 11 23:51:33 ib dhcpd[9]: DHCPACK on 10.0.0.1 to aa:bb:cc:dd:ee:ff\n",
        encoding="utf-8",
    )
    result, stats = parse_file("infoblox", path)
    assert (stats.lines, result.events.height, result.skipped) == (4, 1, 1)
    assert result.rejects.select("source_line", "reason").rows() == [
        (2, "not a syslog line (no <PRI>Mmm dd hh:mm:ss header)"),
        (3, "malformed query or RPZ message"),
    ]
