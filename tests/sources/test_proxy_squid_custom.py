"""Squid extended custom logformat parser, on the real sample and on lines written here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import write_log as write_lines

from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats
from shadowscan.sources.squid_custom import SquidCustomParser

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

GOOD = (
    "1773416922.391    104 10.105.21.199 58938 TCP_MISS/200 904 123 364 123 528 GET "
    'http://example.com/ 1.1 badeyek HIER_DIRECT/203.0.113.10 80 text/html - - "-" '
    '"curl/8.14.1" "example.com" "-" 53 -'
)
GOOD_2 = (
    "1773416970.315    315 10.105.21.199 32868 TCP_TUNNEL/200 6907 2034 39 120 - CONNECT "
    'api.github.com:443 1.1 - HIER_DIRECT/198.51.100.20 443 - - - "-" "curl/8.14.1" '
    '"api.github.com:443" "-" 46 -'
)


@pytest.fixture(scope="module")
def sample(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real extended-logformat sample, parsed whole."""
    return parse_file("squid_custom", realdata / "squid_custom" / "test-access-extensive.log")


def test_sample_counts(sample: tuple[ParseResult, ReadStats]) -> None:
    """All 11 lines of the real sample are events; none rejected or skipped."""
    result, stats = sample
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (11, 11, 0, 0)
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_sample_first_event(sample: tuple[ParseResult, ReadStats]) -> None:
    """The first line gives time, client, user, host, path, both sizes, status and UA."""
    first = sample[0].events.row(0, named=True)
    expected = {
        "ts": datetime(2026, 3, 13, 15, 48, 42, 391000, tzinfo=UTC),
        "source": "proxy",
        "log_format": "squid_custom",
        "source_line": 1,
        "src_ip": "10.105.21.199",
        "user": "badeyek",
        "host": "example.com",
        "url_path": "/",
        "method": "GET",
        "http_status": 200,
        "action": "allowed",
        "bytes_out": 123,
        "bytes_in": 904,
        "user_agent": "curl/8.14.1",
    }
    assert {key: first[key] for key in expected} == expected


def test_sample_hosts_and_sizes(sample: tuple[ParseResult, ReadStats]) -> None:
    """Every line's host, request size (out) and reply size (in), in order."""
    rows = sample[0].events.select("host", "bytes_out", "bytes_in").rows()
    assert rows == [
        ("example.com", 123, 904),
        ("www.google.com", 2051, 28854),
        ("httpbin.org", 161, 640),
        ("example.com", 134, 824),
        ("example.com", 123, 905),
        ("example.com", 154, 905),
        ("httpbin.org", 220, 4042),
        ("api.github.com", 2034, 6907),
        ("httpbin.org", 205, 768),
        ("secure.example.com", 1980, 15432),
        ("httpbin.org", 200, 1200),
    ]


def test_sample_quoted_user_agent_kept_whole(sample: tuple[ParseResult, ReadStats]) -> None:
    """A quoted user agent with spaces is one field, without its quotes."""
    assert sample[0].events.row(6, named=True)["user_agent"] == (
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    )


def test_sni_names_a_connect_to_an_address(tmp_path: Path, parse_file: ParseFile) -> None:
    """A CONNECT to an IP address takes its host from the logged TLS server name."""
    line = (
        "1773416971.100    220 10.105.21.199 32890 TCP_TUNNEL/200 15432 1980 39 120 - CONNECT "
        '104.18.32.47:443 1.1 alice HIER_DIRECT/104.18.32.47 443 - - - "-" "curl/8.14.1" '
        '"104.18.32.47:443" "-" "chatgpt.com" 42 -'
    )
    result, _ = parse_file("squid_custom", write_lines(tmp_path, line))
    assert result.events.select("host", "url_path", "user").rows() == [
        ("chatgpt.com", None, "alice")
    ]


@pytest.mark.parametrize(
    ("status", "action"), [("403", "blocked"), ("407", None)], ids=["policy", "auth-challenge"]
)
def test_denied_action(
    tmp_path: Path, parse_file: ParseFile, status: str, action: str | None
) -> None:
    """TCP_DENIED/403 is blocked; TCP_DENIED/407 (credentials asked) has no action."""
    line = GOOD.replace("TCP_MISS/200", f"TCP_DENIED/{status}")
    result, _ = parse_file("squid_custom", write_lines(tmp_path, line))
    assert result.events.select("http_status", "action").rows() == [(int(status), action)]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage", "not a Squid extended logformat line (expected 25 or 26 fields)"),
        (GOOD.rsplit(" ", 3)[0], "not a Squid extended logformat line (expected 25 or 26 fields)"),
        (GOOD.replace("1773416922.391", "17734169xx.391"), "bad timestamp"),
        (GOOD.replace(" 904 123 ", " 904 abc "), "bad size field"),
    ],
    ids=["garbage", "truncated", "non-numeric-timestamp", "non-numeric-size"],
)
def test_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, GOOD, bad, GOOD_2)
    result, stats = parse_file("squid_custom", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad)]
    assert result.events.select("source_line", "host").rows() == [
        (1, "example.com"),
        (3, "api.github.com"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_native_line_is_not_custom() -> None:
    """A Squid native access.log line is not taken for the extended layout."""
    native = (
        "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 "
        "badeyek DIRECT/175.16.199.115 -"
    )
    assert SquidCustomParser.detect([native]) == 0.0
