"""Zscaler NSS web parsers: the JSON feed (real sample) and the default CSV feed (fixture)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from helpers import write_log

from shadowscan.schema import REJECT_RAW_MAX
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats
from shadowscan.sources.zscaler import ZscalerNssCsvParser, ZscalerNssJsonParser

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "logs" / "proxy"
JSON_GOOD = (
    '{"sourcetype":"zscalernss-web","event":{"time":"Mon May 06 08:00:01 2024",'
    '"login":"alice@corp.example","eurl":"chatgpt.com/backend-api/conversation",'
    '"action":"Allowed","appname":"ChatGPT","reqsize":"48211","respsize":"3412",'
    '"cip":"10.20.1.15","reqmethod":"POST","respcode":"200","ua":"curl/8.5.0"}}'
)
JSON_GOOD_2 = JSON_GOOD.replace("chatgpt.com/backend-api/conversation", "claude.ai/")
CSV_LINES = (FIXTURES / "zscaler_nss_web.csv").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def sample(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real NSS JSON feed sample (HEC-wrapped), parsed whole."""
    return parse_file("zscaler_nss_json", realdata / "zscaler_nss_web" / "test-web.log")


@pytest.fixture(scope="module")
def csv_feed(parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The default CSV feed fixture, parsed whole."""
    return parse_file("zscaler_nss_csv", FIXTURES / "zscaler_nss_web.csv")


write_lines = partial(write_log, name="nss.log")


def test_json_sample_counts(sample: tuple[ParseResult, ReadStats]) -> None:
    """All 6 records of the real JSON sample are events."""
    result, stats = sample
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (6, 6, 0, 0)


def test_json_sample_first_event(sample: tuple[ParseResult, ReadStats]) -> None:
    """login, cip, eurl, method, status, action, both sizes, ua and appname are read."""
    first = sample[0].events.row(0, named=True)
    expected = {
        "ts": datetime(2021, 12, 31, 7, 7, 7, tzinfo=UTC),
        "source": "proxy",
        "user": "test@example.com",
        "src_ip": "81.2.69.193",
        "host": "www.example.com",
        "url_path": None,
        "method": "CONNECT",
        "http_status": 200,
        "action": "blocked",
        "bytes_out": 600,
        "bytes_in": 65,
        "user_agent": "Windows Microsoft Windows 10 Pro ZTunnel/1.0",
        "app": "General Browsing",
    }
    assert {key: first[key] for key in expected} == expected


def test_json_sample_paths_and_ports(sample: tuple[ParseResult, ReadStats]) -> None:
    """eurl gives host and path (query dropped); a host:port loses its port."""
    rows = sample[0].events.select("host", "url_path", "action").rows()
    assert rows == [
        ("www.example.com", None, "blocked"),
        ("www.example.com.com", "/join/", "blocked"),
        ("www.example.com", None, "blocked"),
        ("www.example.com", None, "blocked"),
        ("www.example.com.com", "/params", "blocked"),
        ("www.example.com", None, "allowed"),
    ]


def test_json_weekday_not_trusted(sample: tuple[ParseResult, ReadStats]) -> None:
    """'Thu Aug 29 2022' (a Monday) is read by its date; the weekday is ignored."""
    assert sample[0].events["ts"][5] == datetime(2022, 8, 29, 9, 20, 35, tzinfo=UTC)


def test_json_tz_applies(realdata: Path, parse_file: ParseFile) -> None:
    """The feed's local time is converted with --tz (Paris is UTC+1 in December)."""
    result, _ = parse_file(
        "zscaler_nss_json", realdata / "zscaler_nss_web" / "test-web.log", tz="Europe/Paris"
    )
    assert result.events["ts"][0] == datetime(2021, 12, 31, 6, 7, 7, tzinfo=UTC)


def test_json_bare_object(tmp_path: Path, parse_file: ParseFile) -> None:
    """A feed of bare NSS objects (no HEC wrapper) is read the same way."""
    bare = JSON_GOOD.split('"event":', 1)[1][:-1]
    path = write_lines(tmp_path, bare)
    assert ZscalerNssJsonParser.detect([bare]) == 1.0
    result, _ = parse_file("zscaler_nss_json", path)
    assert result.events.select("user", "host", "url_path", "app").rows() == [
        ("alice@corp.example", "chatgpt.com", "/backend-api/conversation", "ChatGPT")
    ]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage", "not a JSON object"),
        (JSON_GOOD[:60], "invalid JSON or no time"),
        (JSON_GOOD.replace('"time":"Mon May 06 08:00:01 2024",', ""), "invalid JSON or no time"),
        (JSON_GOOD.replace("Mon May 06", "Mon Mai 06"), "bad time"),
    ],
    ids=["garbage", "truncated", "no-time", "bad-month"],
)
def test_json_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad JSON line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, JSON_GOOD, bad, JSON_GOOD_2)
    result, stats = parse_file("zscaler_nss_json", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad[:REJECT_RAW_MAX])]
    assert result.events.select("source_line", "host").rows() == [
        (1, "chatgpt.com"),
        (3, "claude.ai"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_csv_counts(csv_feed: tuple[ParseResult, ReadStats]) -> None:
    """The 3 fixture lines (one with an extra trailing field) are events."""
    result, stats = csv_feed
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (3, 3, 0, 0)


def test_csv_events(csv_feed: tuple[ParseResult, ReadStats]) -> None:
    """The default CSV positions give user, host, path, action, sizes and app."""
    cols = ["ts", "user", "src_ip", "host", "url_path", "action", "bytes_out", "bytes_in", "app"]
    assert csv_feed[0].events.select(cols).rows() == [
        (
            datetime(2024, 5, 6, 8, 0, 1, tzinfo=UTC),
            "alice@corp.example",
            "10.20.1.15",
            "chatgpt.com",
            "/backend-api/conversation",
            "allowed",
            48211,
            3412,
            "ChatGPT",
        ),
        (
            datetime(2024, 5, 6, 8, 1, 10, tzinfo=UTC),
            "bob@corp.example",
            "10.20.2.31",
            "claude.ai",
            "/api/organizations",
            "blocked",
            1520,
            310,
            "Claude",
        ),
        (
            datetime(2024, 5, 6, 8, 2, 0, tzinfo=UTC),
            "carol@corp.example",
            "10.20.3.7",
            "www.example.org",
            "/index.html",
            "allowed",
            230,
            5120,
            "General Browsing",
        ),
    ]


def test_csv_quoted_comma_stays_in_field(csv_feed: tuple[ParseResult, ReadStats]) -> None:
    """A comma inside a quoted value (location 'Branch, Lyon') does not shift the fields."""
    assert csv_feed[0].events.row(2, named=True)["user_agent"] == "curl/8.5.0"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (
            '"Mon May 06 08:00:01 2024","alice"',
            "not a Zscaler NSS web CSV line (expected at least 33 fields)",
        ),
        (CSV_LINES[0].replace("Mon May 06", "Mon Mai 06"), "bad time"),
    ],
    ids=["truncated", "bad-month"],
)
def test_csv_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad CSV line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, CSV_LINES[0], bad, CSV_LINES[1])
    result, stats = parse_file("zscaler_nss_csv", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad[:REJECT_RAW_MAX])]
    assert result.events.select("source_line", "host").rows() == [
        (1, "chatgpt.com"),
        (3, "claude.ai"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_feeds_do_not_cross_detect() -> None:
    """A CSV feed line is not JSON, and a JSON feed line is not the CSV layout."""
    assert ZscalerNssJsonParser.detect(CSV_LINES) == 0.0
    assert ZscalerNssCsvParser.detect([JSON_GOOD]) == 0.0
