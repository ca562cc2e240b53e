"""Cisco Umbrella proxy (SWG) CSV parser, on the fixture written from Cisco's field order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from helpers import write_log

from shadowscan.schema import REJECT_RAW_MAX
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head
from shadowscan.sources.umbrella_proxy import UmbrellaProxyParser

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "logs" / "proxy"
LINES = (FIXTURES / "umbrella_proxy.csv").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def fixture_log(parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The Umbrella proxy fixture, parsed whole."""
    return parse_file("umbrella_proxy", FIXTURES / "umbrella_proxy.csv")


write_lines = partial(write_log, name="proxylog.csv")


def test_counts(fixture_log: tuple[ParseResult, ReadStats]) -> None:
    """The 3 fixture lines are events."""
    result, stats = fixture_log
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (3, 3, 0, 0)


def test_events(fixture_log: tuple[ParseResult, ReadStats]) -> None:
    """Cisco's field order gives time, client, host, path, method, status, action and sizes."""
    cols = ["ts", "src_ip", "host", "url_path", "method", "http_status", "action"]
    cols += ["bytes_out", "bytes_in"]
    assert fixture_log[0].events.select(cols).rows() == [
        (
            datetime(2024, 5, 6, 8, 0, 1, tzinfo=UTC),
            "10.20.1.15",
            "chatgpt.com",
            "/backend-api/conversation",
            "POST",
            200,
            "allowed",
            48211,
            3412,
        ),
        (
            datetime(2024, 5, 6, 8, 1, 10, tzinfo=UTC),
            "10.20.2.31",
            "claude.ai",
            "/api/organizations",
            "GET",
            403,
            "blocked",
            1520,
            310,
        ),
        (
            datetime(2024, 5, 6, 8, 2, 0, tzinfo=UTC),
            "10.20.3.7",
            "www.example.org",
            "/index.html",
            "GET",
            200,
            "allowed",
            230,
            5120,
        ),
    ]


def test_users(fixture_log: tuple[ParseResult, ReadStats]) -> None:
    """The user identity: an email in 'Name (email)', a Directory User, none for a network."""
    assert fixture_log[0].events["user"].to_list() == [
        "alice@corp.example",
        "bob@corp.example",
        None,
    ]


def test_space_after_comma(tmp_path: Path, parse_file: ParseFile) -> None:
    """A space after a comma (as in Cisco's own example) does not shift the fields."""
    line = LINES[2].replace('"10.20.3.7","198.51.100.7"', '"10.20.3.7", "198.51.100.7"')
    assert UmbrellaProxyParser.detect([line]) == 1.0
    result, _ = parse_file("umbrella_proxy", write_lines(tmp_path, line))
    assert result.events.select("host", "bytes_in").rows() == [("www.example.org", 5120)]


def test_old_short_export(tmp_path: Path, parse_file: ParseFile) -> None:
    """A record with only the first 13 fields is an event; later fields are null."""
    line = ",".join(LINES[0].split(",")[:14])
    result, _ = parse_file("umbrella_proxy", write_lines(tmp_path, line))
    assert result.events.select("host", "method", "user", "bytes_in").rows() == [
        ("chatgpt.com", None, None, 3412)
    ]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (
            '"2024-05-06 08:00:01","x"',
            "not an Umbrella proxy log line (expected at least 13 fields)",
        ),
        (LINES[0].replace("2024-05-06 08:00:01", "2024-05-06T08:00:01"), "bad timestamp"),
    ],
    ids=["truncated", "bad-timestamp"],
)
def test_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, LINES[0], bad, LINES[1])
    result, stats = parse_file("umbrella_proxy", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad[:REJECT_RAW_MAX])]
    assert result.events.select("source_line", "host").rows() == [
        (1, "chatgpt.com"),
        (3, "claude.ai"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_umbrella_dns_is_not_proxy(realdata: Path) -> None:
    """The Umbrella DNS export (another format) is not taken for the proxy log."""
    head = read_head(realdata / "cisco_umbrella_dns" / "test-umbrella-dnslogs.log")
    assert UmbrellaProxyParser.detect(head) == 0.0
