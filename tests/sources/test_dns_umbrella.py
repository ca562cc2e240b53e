"""Cisco Umbrella DNS CSV parser, on the real v3-v10 sample and lines written here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head
from shadowscan.sources.umbrella_dns import UmbrellaDnsParser

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]


@pytest.fixture(scope="module")
def sample(realdata: Path) -> Path:
    """15 Umbrella DNS records of several log versions."""
    return realdata / "cisco_umbrella_dns" / "test-umbrella-dnslogs.log"


def test_sample_detected(sample: Path) -> None:
    """The sample is detected as umbrella_dns with full confidence."""
    assert detect_format(read_head(sample)) == Detection("umbrella_dns", 1.0)


def test_sample_counts(sample: Path, parse_file: ParseFile) -> None:
    """15 lines: 15 events (including the one with spaces after commas)."""
    result, stats = parse_file("umbrella_dns", sample)
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (15, 15, 0, 0)


def test_first_record(sample: Path, parse_file: ParseFile) -> None:
    """Timestamp is UTC, the domain loses its trailing dot, internal IP is src_ip."""
    result, _ = parse_file("umbrella_dns", sample)
    row = result.events.row(0, named=True)
    got = {k: row[k] for k in ("ts", "user", "src_ip", "host", "action")}
    assert got == {
        "ts": datetime(2020, 7, 23, 23, 49, 54, tzinfo=UTC),
        "user": "elasticuser",
        "src_ip": "192.168.1.1",
        "host": "www.elastic.co",
        "action": "allowed",
    }


def test_blocked_rows(sample: Path, parse_file: ParseFile) -> None:
    """Rows 2 and 8 are blocked."""
    result, _ = parse_file("umbrella_dns", sample)
    blocked = result.events.filter(result.events["action"] == "blocked")
    assert blocked["source_line"].to_list() == [2, 8]


def test_users_only_for_people(sample: Path, parse_file: ParseFile) -> None:
    """Networks and computers are no user; a 'Name (mail)' identity gives the mail."""
    result, _ = parse_file("umbrella_dns", sample)
    users = result.events["user"].to_list()
    assert users[2:4] == [None, None]  # Roaming Computers, Internal Networks
    assert users[8:11] == [
        "ActiveDirectoryUserName",
        None,  # Mobile Devices
        "Do_redacted.Mc_redacted@example.com",
    ]


def test_ipv6_internal_address(sample: Path, parse_file: ParseFile) -> None:
    """An AAAA query from an IPv6 client keeps the address."""
    result, _ = parse_file("umbrella_dns", sample)
    assert result.events.row(11, named=True)["src_ip"] == "2a02:cf40::1"


def test_malformed_rows_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A short row, a bad timestamp and an empty domain are rejected with reasons."""
    good = '"2024-01-01 00:00:00","u","u","10.0.0.1","1.1.1.1","Allowed","1 (A)","NOERROR",'
    path = tmp_path / "umbrella.csv"
    path.write_text(
        f'{good}"chatgpt.com.","AI"\n'
        '"2024-01-01 00:00:01","u","u","10.0.0.1"\n'
        f'{good.replace("00:00:00", "99:00:00")}"a.example.","x"\n'
        f'{good}"","x"\n',
        encoding="utf-8",
    )
    result, _ = parse_file("umbrella_dns", path)
    assert result.events["host"].to_list() == ["chatgpt.com"]
    assert result.rejects.select("source_line", "reason").rows() == [
        (2, "not an Umbrella DNS record (fewer than 10 quoted fields)"),
        (3, "bad timestamp"),
        (4, "no domain"),
    ]


def test_proxy_csv_is_not_dns() -> None:
    """An Umbrella proxy-style row (no query type after the action) scores 0."""
    row = (
        '"2024-01-01 00:00:00","u","u","10.0.0.1","1.1.1.1","2.2.2.2","text/html",'
        '"ALLOWED","https://chatgpt.com/","","Mozilla/5.0","200"'
    )
    assert UmbrellaDnsParser.detect([row]) == 0.0
