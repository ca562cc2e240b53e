"""Apache/nginx combined access-log parser, on the real samples and on lines written here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import write_log as write_lines

from shadowscan.sources import ParseResult
from shadowscan.sources.apache import ApacheCombinedParser
from shadowscan.sources.reader import ReadStats

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

GOOD = (
    '10.0.0.5 - alice [06/May/2024:10:00:01 +0200] "GET http://chat.openai.com/backend-api/'
    'models?token=s3cret HTTP/1.1" 200 5120 "-" "Mozilla/5.0 (X11; Linux x86_64)"'
)
GOOD_2 = (
    '10.0.0.6 - - [06/May/2024:10:00:02 +0200] "CONNECT api.anthropic.com:443 HTTP/1.1" '
    '200 7781 "-" "curl/8.5.0"'
)


@pytest.fixture(scope="module")
def shop(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real nginx origin-server sample (combined + trailing XFF field), parsed whole."""
    return parse_file(
        "apache_combined", realdata / "apache_nginx_access" / "logfile_shop_access_log.0"
    )


@pytest.fixture(scope="module")
def mixed(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real Apache sample mixing combined, vhost_combined, common and error-log lines."""
    return parse_file("apache_combined", realdata / "apache_nginx_access" / "apache2-logs.log")


def test_shop_counts(shop: tuple[ParseResult, ReadStats]) -> None:
    """All 1000 nginx lines are events; none rejected or skipped."""
    result, stats = shop
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (1000, 1000, 0, 0)


def test_shop_first_event(shop: tuple[ParseResult, ReadStats]) -> None:
    """The +0330 local time becomes UTC; an origin-server line has no host and no agent."""
    first = shop[0].events.row(0, named=True)
    expected = {
        "ts": datetime(2019, 1, 22, 0, 26, 14, tzinfo=UTC),
        "src_ip": "54.36.149.41",
        "user": None,
        "host": None,
        "method": "GET",
        "http_status": 200,
        "bytes_in": 30577,
        "bytes_out": None,
        "user_agent": None,  # a visitor's crawler, not staff using AI
    }
    assert {key: first[key] for key in expected} == expected


def test_shop_visitors_agents_are_not_kept(shop: tuple[ParseResult, ReadStats]) -> None:
    """No origin-server line keeps its user agent, so inbound crawlers never match."""
    assert shop[0].events["user_agent"].null_count() == 1000


def test_shop_no_host_anywhere(shop: tuple[ParseResult, ReadStats]) -> None:
    """An origin server's log names no host: every event keeps a null host, none is rejected."""
    assert shop[0].events["host"].null_count() == 1000


def test_mixed_counts(mixed: tuple[ParseResult, ReadStats]) -> None:
    """9 lines: 7 access events; the 2 Apache error-log lines are skipped, not rejected."""
    result, stats = mixed
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (9, 7, 0, 2)
    assert result.events["source_line"].to_list() == [1, 2, 3, 4, 5, 6, 7]


def test_mixed_vhost_is_host(mixed: tuple[ParseResult, ReadStats]) -> None:
    """vhost_combined lines (with or without :port) take the virtual host as host."""
    events = mixed[0].events
    named = events.filter(events["host"].is_not_null()).select("source_line", "host", "src_ip")
    assert named.rows() == [(4, "www.crowdsec.net", "1.2.3.4"), (7, "website.com", "1.2.3.4")]


def test_mixed_common_log_format(mixed: tuple[ParseResult, ReadStats]) -> None:
    """A common-log-format line (no referer, no UA) is an event with a null user agent."""
    line6 = mixed[0].events.row(5, named=True)
    assert (line6["ts"], line6["url_path"], line6["bytes_in"], line6["user_agent"]) == (
        datetime(2021, 3, 5, 8, 1, 38, tzinfo=UTC),
        "/test/lists/sip_30d.txt",
        1513,
        None,
    )


def test_forward_proxy_lines(tmp_path: Path, parse_file: ParseFile) -> None:
    """Full URLs and CONNECT targets give the host; the query string is never kept."""
    result, _ = parse_file("apache_combined", write_lines(tmp_path, GOOD, GOOD_2))
    assert result.events.select("ts", "user", "host", "url_path", "method").rows() == [
        (
            datetime(2024, 5, 6, 8, 0, 1, tzinfo=UTC),
            "alice",
            "chat.openai.com",
            "/backend-api/models",
            "GET",
        ),
        (datetime(2024, 5, 6, 8, 0, 2, tzinfo=UTC), None, "api.anthropic.com", None, "CONNECT"),
    ]


def test_escaped_quote_in_user_agent(tmp_path: Path, parse_file: ParseFile) -> None:
    """A ``\\"`` inside the quoted user agent of a proxy line is a literal quote."""
    line = GOOD.replace('"Mozilla/5.0 (X11; Linux x86_64)"', r'"tool \"beta\" 1.0"')
    result, _ = parse_file("apache_combined", write_lines(tmp_path, line))
    assert result.events["user_agent"].to_list() == ['tool "beta" 1.0']


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage", "not an Apache/nginx access log line"),
        (
            '10.0.0.5 - - [06/May/2024:10:00:01 +0200] "GET / HTTP/1.1"',
            "not an Apache/nginx access log line",
        ),
        (GOOD.replace("06/May/2024", "06/Mai/2024"), "bad timestamp"),
    ],
    ids=["garbage", "truncated", "bad-month"],
)
def test_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, GOOD, bad, GOOD_2)
    result, stats = parse_file("apache_combined", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad)]
    assert result.events.select("source_line", "host").rows() == [
        (1, "chat.openai.com"),
        (3, "api.anthropic.com"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_error_log_alone_is_not_detected() -> None:
    """A file of Apache error-log lines only is not an access log."""
    error = (
        "[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] [pid 10:tid 1] "
        "[client 31.33.58.75:50229] AH01618: user sss not found: /"
    )
    assert ApacheCombinedParser.detect([error, error]) == 0.0


def test_dash_request_is_an_event(tmp_path: Path, parse_file: ParseFile) -> None:
    """A ``"-"`` request (connection closed before a request) is an event without method."""
    line = '10.0.0.5 - - [06/May/2024:10:00:01 +0200] "-" 408 0 "-" "-"'
    result, _ = parse_file("apache_combined", write_lines(tmp_path, line))
    assert result.events.select("host", "method", "url_path", "http_status").rows() == [
        (None, None, None, 408)
    ]
