"""Cisco ASA syslog parser, on the real OCSF/Elastic samples and a fixture."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.cisco_asa import CiscoAsaParser
from shadowscan.sources.reader import ReadStats, iter_chunks, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "logs" / "fwdns" / "cisco_asa.log"
SAMPLES = {
    "cisco_asa_106023.raw": (1, 1, 0, 0),
    "cisco_asa_302013.raw": (1, 1, 0, 0),
    "cisco_asa_302014.raw": (1, 1, 0, 0),
    "test-hostnames.log": (2, 2, 0, 0),
}


def counts(result: ParseResult, stats: ReadStats) -> tuple[int, int, int, int]:
    """(lines read, events, rejected, skipped)."""
    return stats.lines, result.events.height, result.rejects.height, result.skipped


def parse_pinned(path: Path, reference: datetime, tz: str = "UTC") -> pl.DataFrame:
    """The events of ``path``, with year-less stamps placed before ``reference``."""
    parser = CiscoAsaParser(source_file=str(path), head=read_head(path), tz=tz)
    parser.reference = reference
    frames = [parser.parse(chunk).events for chunk in iter_chunks(path, ReadStats())]
    return pl.concat(frames)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_real_sample_detected(realdata: Path, name: str) -> None:
    """Each real ASA sample is detected as cisco_asa with full confidence."""
    assert detect_format(read_head(realdata / "cisco_asa" / name)) == Detection("cisco_asa", 1.0)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_real_sample_counts(realdata: Path, parse_file: ParseFile, name: str) -> None:
    """Every line of the real samples is an event."""
    result, stats = parse_file("cisco_asa", realdata / "cisco_asa" / name)
    assert counts(result, stats) == SAMPLES[name]


def test_106023_deny_is_blocked(realdata: Path, parse_file: ParseFile) -> None:
    """An ACL deny: the destination IP is the host, the source the src_ip, blocked."""
    result, _ = parse_file("cisco_asa", realdata / "cisco_asa" / "cisco_asa_106023.raw")
    row = result.events.row(0, named=True)
    assert (row["ts"], row["src_ip"], row["host"], row["action"]) == (
        datetime(2018, 10, 10, 12, 34, 56, tzinfo=UTC),
        "100.66.19.254",
        "172.31.98.44",
        "blocked",
    )


def test_302013_outbound_foreign_is_host(realdata: Path, parse_file: ParseFile) -> None:
    """Built outbound: the outside address is the host, the inside one the source."""
    result, _ = parse_file("cisco_asa", realdata / "cisco_asa" / "cisco_asa_302013.raw")
    row = result.events.row(0, named=True)
    assert (row["src_ip"], row["host"], row["action"]) == (
        "172.31.98.44",
        "100.66.205.104",
        "allowed",
    )


def test_302014_bytes_stay_null(realdata: Path, parse_file: ParseFile) -> None:
    """The teardown byte count mixes both directions: bytes out/in stay null."""
    result, _ = parse_file("cisco_asa", realdata / "cisco_asa" / "cisco_asa_302014.raw")
    row = result.events.row(0, named=True)
    assert (row["bytes_out"], row["bytes_in"]) == (None, None)


def test_302021_hostnames_kept(realdata: Path, parse_file: ParseFile) -> None:
    """A configured name is kept as host; a local name is not an IP, so src_ip is null."""
    result, _ = parse_file("cisco_asa", realdata / "cisco_asa" / "test-hostnames.log")
    assert result.events.select("src_ip", "host").rows() == [
        (None, "target.destination.hostname.local"),
        ("192.168.2.134", "192.168.2.15"),
    ]


def test_fixture_counts(parse_file: ParseFile) -> None:
    """12 lines: 8 events, 1 unmapped message id skipped, 3 malformed lines rejected."""
    result, stats = parse_file("cisco_asa", FIXTURE)
    assert counts(result, stats) == (12, 8, 3, 1)


def test_fixture_hosts_and_actions(parse_file: ParseFile) -> None:
    """Each mapped message id gives its source, host, path and action."""
    result, _ = parse_file("cisco_asa", FIXTURE)
    got = result.events.select("source_line", "src_ip", "host", "url_path", "action").rows()
    assert got == [
        (1, "10.1.2.3", "104.18.32.47", None, "allowed"),
        (2, "198.51.100.9", "10.9.0.5", None, "allowed"),
        (3, "10.1.2.4", "160.79.104.10", None, "blocked"),
        (4, "10.1.2.5", "104.18.33.1", None, "allowed"),
        (5, "10.1.2.6", "chatgpt.com", "/backend-api/conversation", "allowed"),
        (6, "10.1.2.7", "claude.ai", "/login", "blocked"),
        (7, "198.51.100.10", "10.9.0.6", None, "blocked"),
        (8, "10.1.2.3", "104.18.32.47", None, "allowed"),
    ]


def test_identity_firewall_user(parse_file: ParseFile) -> None:
    """An identity-firewall user in parentheses is the event's user."""
    result, _ = parse_file("cisco_asa", FIXTURE)
    assert result.events["user"][0] == "CORP\\alice"


def test_fixture_rejects(parse_file: ParseFile) -> None:
    """Missing addresses, a missing tag and a missing time stamp are rejected with reasons."""
    result, _ = parse_file("cisco_asa", FIXTURE)
    assert result.rejects.select("source_line", "reason").rows() == [
        (10, "ASA message without the expected addresses"),
        (11, "not a Cisco ASA syslog line (no %ASA-n-nnnnnn: tag)"),
        (12, "no or bad time stamp before the %ASA tag"),
    ]


def test_time_stamp_forms() -> None:
    """Year stamps in --tz, ISO 8601 as written, year-less relay stamps before the reference."""
    events = parse_pinned(FIXTURE, datetime(2025, 6, 1, tzinfo=UTC), tz="Europe/Paris")
    by_line = dict(zip(events["source_line"], events["ts"], strict=True))
    assert (by_line[1], by_line[7], by_line[8]) == (
        datetime(2025, 3, 14, 8, 0, 1, tzinfo=UTC),
        datetime(2025, 3, 14, 8, 0, 7, tzinfo=UTC),
        datetime(2025, 3, 14, 9, 0, 8, tzinfo=UTC),
    )


def test_yearless_stamp_after_reference_is_last_year() -> None:
    """A year-less March stamp read in February belongs to the year before."""
    events = parse_pinned(FIXTURE, datetime(2026, 2, 1, tzinfo=UTC))
    row = events.filter(pl.col("source_line") == 7).row(0, named=True)
    assert row["ts"] == datetime(2025, 3, 14, 9, 0, 7, tzinfo=UTC)


def test_prose_is_not_asa() -> None:
    """Lines without a %ASA tag score 0."""
    assert CiscoAsaParser.detect(["Built outbound TCP connection", "ASA-6-302013"]) == 0.0
