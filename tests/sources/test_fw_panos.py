"""PAN-OS syslog CSV parser (TRAFFIC, THREAT/url), on the real samples and a fixture."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.bind9 import Bind9Parser
from shadowscan.sources.panos import PanosParser
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "logs" / "fwdns" / "panos_url.log"


@pytest.fixture(scope="module")
def traffic(realdata: Path) -> Path:
    """Ten TRAFFIC records behind a BSD syslog header (PA-220, 2018)."""
    return realdata / "panos_csv" / "test-panw-panos-traffic-sample.log"


@pytest.fixture(scope="module")
def threat(realdata: Path) -> Path:
    """Two THREAT/vulnerability records behind an RFC 3339 syslog header."""
    return realdata / "panos_csv" / "palo-alto-threat.log"


def counts(result: ParseResult, stats: ReadStats) -> tuple[int, int, int, int]:
    """(lines read, events, rejected, skipped)."""
    return stats.lines, result.events.height, result.rejects.height, result.skipped


@pytest.mark.parametrize("which", ["traffic", "threat"])
def test_real_samples_detected(which: str, request: pytest.FixtureRequest) -> None:
    """Both real samples are detected as panos with full confidence."""
    path: Path = request.getfixturevalue(which)
    assert detect_format(read_head(path)) == Detection("panos", 1.0)


def test_traffic_counts(traffic: Path, parse_file: ParseFile) -> None:
    """10 lines: 10 events, nothing rejected or skipped."""
    result, stats = parse_file("panos", traffic)
    assert counts(result, stats) == (10, 10, 0, 0)


def test_threat_counts(threat: Path, parse_file: ParseFile) -> None:
    """2 lines: 2 events."""
    result, stats = parse_file("panos", threat)
    assert counts(result, stats) == (2, 2, 0, 0)


def test_traffic_first_event(traffic: Path, parse_file: ParseFile) -> None:
    """The destination IP is the host; bytes sent/received are bytes out/in; App-ID is app."""
    result, _ = parse_file("panos", traffic)
    row = result.events.row(0, named=True)
    got = {k: row[k] for k in ("ts", "src_ip", "host", "action", "bytes_out", "bytes_in", "app")}
    assert got == {
        "ts": datetime(2018, 11, 30, 16, 9, 7, tzinfo=UTC),
        "src_ip": "192.168.15.207",
        "host": "175.16.199.1",
        "action": "allowed",
        "bytes_out": 1758,
        "bytes_in": 5976,
        "app": "apple-maps",
    }


def test_traffic_tz(traffic: Path, parse_file: ParseFile) -> None:
    """The generated time is the firewall's local time: --tz Europe/Paris moves it back 1 h."""
    result, _ = parse_file("panos", traffic, tz="Europe/Paris")
    assert result.events["ts"][0] == datetime(2018, 11, 30, 15, 9, 7, tzinfo=UTC)


def test_threat_reset_is_blocked(threat: Path, parse_file: ParseFile) -> None:
    """reset-both is blocked, alert is allowed; a non-url THREAT keeps the destination IP."""
    result, _ = parse_file("panos", threat)
    assert result.events.select("action", "host", "url_path").rows() == [
        ("blocked", "1.2.3.3", None),
        ("allowed", "1.2.3.7", None),
    ]


def test_threat_has_no_bytes(threat: Path, parse_file: ParseFile) -> None:
    """THREAT records carry no byte counts: null, never 0."""
    result, _ = parse_file("panos", threat)
    assert result.events["bytes_out"].null_count() == 2


def test_url_fixture_counts(parse_file: ParseFile) -> None:
    """6 lines: 2 url events, 1 SYSTEM line skipped, 3 malformed lines rejected."""
    result, stats = parse_file("panos", FIXTURE)
    assert counts(result, stats) == (6, 2, 3, 1)


def test_url_subtype_gives_host_and_path(parse_file: ParseFile) -> None:
    """A THREAT/url record: host and path from the URL field (query dropped), user, UA."""
    result, _ = parse_file("panos", FIXTURE)
    row = result.events.row(0, named=True)
    got = {k: row[k] for k in ("user", "host", "url_path", "action", "user_agent")}
    assert got == {
        "user": "corp\\alice",
        "host": "chatgpt.com",
        "url_path": "/backend-api/conversation",
        "action": "allowed",
        "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    }


def test_block_url_is_blocked(parse_file: ParseFile) -> None:
    """block-url is blocked."""
    result, _ = parse_file("panos", FIXTURE)
    assert result.events.row(1, named=True)["action"] == "blocked"


def test_malformed_lines_rejected_with_reasons(parse_file: ParseFile) -> None:
    """A short record, a bad date and a line without a record are rejected with reasons."""
    result, _ = parse_file("panos", FIXTURE)
    assert result.rejects.select("source_line", "reason").rows() == [
        (4, "PAN-OS record too short (fewer than 34 fields)"),
        (5, "bad generated time"),
        (6, "not a PAN-OS CSV log line"),
    ]


def test_bind9_does_not_claim_panos(traffic: Path) -> None:
    """The BIND9 detector scores a PAN-OS file 0."""
    assert Bind9Parser.detect(read_head(traffic)) == 0.0


def test_panos_does_not_claim_prose() -> None:
    """Lines without a PAN-OS record score 0."""
    assert PanosParser.detect(["hello world", "1,2,3"]) == 0.0
