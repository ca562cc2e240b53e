"""W3C extended / ELFF parser (IIS real sample, ProxySG fixture, header changes, bad lines)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from helpers import write_log as write_lines

from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats
from shadowscan.sources.w3c import W3cParser

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "logs" / "proxy"
HEADER = (
    "#Fields: date time c-ip cs-username cs-method cs-host cs-uri-path sc-status sc-filter-result"
)
GOOD = "2024-05-06 08:00:01 10.0.0.5 alice POST chatgpt.com /backend-api/conversation 200 OBSERVED"
GOOD_2 = "2024-05-06 08:00:02 10.0.0.6 bob CONNECT claude.ai / 403 DENIED"


@pytest.fixture(scope="module")
def iis(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real IIS 8.5 W3C log (header repeated at every restart), parsed whole."""
    return parse_file("w3c", realdata / "w3c_elff" / "logfile_w3c_big.0")


@pytest.fixture(scope="module")
def proxysg(parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The ProxySG fixture in the default ``main`` ELFF field list, parsed whole."""
    return parse_file("w3c", FIXTURES / "proxysg_main.log")


def test_iis_counts(iis: tuple[ParseResult, ReadStats]) -> None:
    """254 lines: 210 events and 44 directive lines (11 headers of 4 lines) skipped."""
    result, stats = iis
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (254, 210, 0, 44)


def test_iis_first_event(iis: tuple[ParseResult, ReadStats]) -> None:
    """IIS names: s-ip is the host, cs-uri-stem the path; cs-bytes out, sc-bytes in."""
    first = iis[0].events.row(0, named=True)
    expected = {
        "ts": datetime(2015, 1, 13, 0, 32, 17, tzinfo=UTC),
        "source_line": 5,
        "src_ip": "157.55.39.146",
        "user": None,
        "host": "100.79.192.81",
        "url_path": "/robots.txt",
        "method": "GET",
        "http_status": 404,
        "action": None,
        "bytes_out": 242,
        "bytes_in": 1405,
        "user_agent": "Mozilla/5.0+(compatible;+bingbot/2.0;++http://www.bing.com/bingbot.htm)",
    }
    assert {key: first[key] for key in expected} == expected


def test_proxysg_counts(proxysg: tuple[ParseResult, ReadStats]) -> None:
    """10 lines: 6 directives skipped, 4 events."""
    result, stats = proxysg
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (10, 4, 0, 6)


def test_proxysg_events(proxysg: tuple[ParseResult, ReadStats]) -> None:
    """ProxySG names map to user, host, path, method, status, action and both byte counts."""
    cols = ["user", "host", "url_path", "method", "http_status", "action", "bytes_out", "bytes_in"]
    assert proxysg[0].events.select(cols).rows() == [
        ("alice", "chatgpt.com", "/", "CONNECT", 200, "allowed", 1520, 6890),
        ("alice", "chatgpt.com", "/backend-api/conversation", "POST", 200, "allowed", 48211, 3412),
        ("CORP\\bob", "claude.ai", "/", "CONNECT", 403, "blocked", 310, 1520),
        (None, "www.example.org", "/index.html", "GET", 200, "allowed", 230, 5120),
    ]


def test_proxysg_quoted_user_agent(proxysg: tuple[ParseResult, ReadStats]) -> None:
    """A quoted value with spaces is one field, without its quotes."""
    assert proxysg[0].events["user_agent"][3] == "curl/8.5.0"
    assert proxysg[0].events["user_agent"][2] == (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
    )


def test_new_header_mid_file(tmp_path: Path, parse_file: ParseFile) -> None:
    """A new ``#Fields:`` line changes the columns for the lines after it."""
    other = "#Fields: time date cs-method c-ip cs-host sc-status"
    path = write_lines(
        tmp_path, HEADER, GOOD, other, "08:00:03 2024-05-06 GET 10.0.0.7 gemini.google.com 200"
    )
    result, _ = parse_file("w3c", path)
    assert result.events.select("source_line", "src_ip", "host", "method").rows() == [
        (2, "10.0.0.5", "chatgpt.com", "POST"),
        (4, "10.0.0.7", "gemini.google.com", "GET"),
    ]


def test_header_carries_to_next_chunk() -> None:
    """Lines of a later chunk are read with the last header of the chunk before."""
    parser = W3cParser(source_file="x.log", head=[HEADER, GOOD])
    parser.parse(pl.DataFrame({"line_no": [1, 2], "raw": [HEADER, GOOD]}))
    second = parser.parse(pl.DataFrame({"line_no": [3], "raw": [GOOD_2]}))
    assert second.events.select("source_line", "host", "action").rows() == [
        (3, "claude.ai", "blocked")
    ]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage", "expected 9 fields (per the #Fields: header)"),
        (GOOD + " extra", "expected 9 fields (per the #Fields: header)"),
        (GOOD.replace("2024-05-06", "2024-13-06"), "bad date or time"),
    ],
    ids=["garbage", "extra-field", "bad-date"],
)
def test_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, HEADER, GOOD, bad, GOOD_2)
    result, stats = parse_file("w3c", path)
    assert result.rejects.rows() == [(str(path), 3, reason, bad)]
    assert result.events.select("source_line", "host").rows() == [
        (2, "chatgpt.com"),
        (4, "claude.ai"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_line_before_any_header_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A data line with no ``#Fields:`` above it cannot be read: rejected, saying why."""
    path = write_lines(tmp_path, GOOD, HEADER, GOOD_2)
    result, _ = parse_file("w3c", path)
    assert result.rejects.select("source_line", "reason").rows() == [
        (1, "no #Fields: header before this line")
    ]
    assert result.events["source_line"].to_list() == [3]


def test_header_without_date_time(tmp_path: Path, parse_file: ParseFile) -> None:
    """A header naming no date/time fields rejects its lines with that reason."""
    path = write_lines(tmp_path, "#Fields: c-ip cs-host", "10.0.0.5 chatgpt.com")
    result, _ = parse_file("w3c", path)
    assert result.rejects["reason"].to_list() == ["the #Fields: header has no date and time fields"]


def test_zeek_header_is_not_w3c() -> None:
    """Zeek's ``#fields`` (lower case, tab-separated) is not a W3C directive."""
    assert W3cParser.detect(["#separator \\x09", "#fields\tts\tuid\tid.orig_h"]) == 0.0


def test_lines_before_any_fields_header_are_rejected_not_a_crash(
    tmp_path: Path, parse_file: ParseFile
) -> None:
    """--format w3c on a file with no #Fields: line: every line rejected with the reason
    (the host column is all null then; host normalisation used to fail on it)."""
    result, stats = parse_file("w3c", write_lines(tmp_path, GOOD, GOOD_2))
    assert stats.lines == 2
    assert result.events.height == 0
    assert result.rejects["reason"].to_list() == ["no #Fields: header before this line"] * 2


def test_action_and_user_read_per_distinct_value() -> None:
    """The action comes from sc-filter-result where it is logged (DENIED in any case is
    blocked) and from s-action otherwise (any code with DENIED); a line with neither has
    none. User names are normalised ('-' is none, %5C a backslash)."""
    header = "#Fields: date time c-ip cs-username cs-host sc-filter-result s-action"
    lines = [
        "2024-05-06 08:00:01 10.0.0.5 alice a.example denied TCP_NC_MISS",
        "2024-05-06 08:00:02 10.0.0.5 CORP%5Cbob b.example OBSERVED TCP_DENIED",
        "2024-05-06 08:00:03 10.0.0.5 - c.example - tcp_denied",
        "2024-05-06 08:00:04 10.0.0.5 alice d.example - TCP_HIT",
        "2024-05-06 08:00:05 10.0.0.5 alice e.example - -",
    ]
    parser = W3cParser(source_file="x.log", head=[header, *lines])
    frame = pl.DataFrame({"line_no": range(1, 7), "raw": [header, *lines]})
    events = parser.parse(frame).events
    assert events.select("user", "host", "action").rows() == [
        ("alice", "a.example", "blocked"),
        ("CORP\\bob", "b.example", "allowed"),
        (None, "c.example", "blocked"),
        ("alice", "d.example", "allowed"),
        ("alice", "e.example", None),
    ]
