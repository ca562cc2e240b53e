"""Zeek http.log, ssl.log and conn.log parsers (TSV and JSON), on real samples and lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from helpers import write_log

from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

HTTP_HEADER = [
    "#separator \\x09",
    "#path\thttp",
    "#fields\tts\tuid\tid.orig_h\tid.resp_h\tmethod\thost\turi\tuser_agent\trequest_body_len"
    "\tresponse_body_len\tstatus_code\tusername",
    "#types\ttime\tstring\taddr\taddr\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring",
]
HTTP_GOOD = (
    "1700000000.5\tC1\t10.0.0.5\t104.18.32.47\tPOST\tchatgpt.com\t/backend-api/conversation?x=1"
    "\tcurl/8.5.0\t4096\t512\t200\talice"
)
HTTP_GOOD_2 = "1700000001.0\tC2\t10.0.0.6\t160.79.104.10\tGET\tclaude.ai\t/\t-\t0\t900\t200\t-"
JSON_GOOD = (
    '{"ts":1700000000.5,"id.orig_h":"10.0.0.5","id.resp_h":"104.18.32.47","trans_depth":1,'
    '"method":"POST","host":"chatgpt.com","uri":"/backend-api/conversation",'
    '"request_body_len":4096,"response_body_len":512,"status_code":200,"username":"alice"}'
)
JSON_GOOD_2 = JSON_GOOD.replace('"chatgpt.com"', '"claude.ai"')


@pytest.mark.parametrize(
    ("fmt", "relpath", "counts"),
    [
        ("zeek_http_tsv", "zeek_tsv/logfile_bro_http.log.0", (206, 197, 0, 9)),
        ("zeek_ssl_tsv", "zeek_tsv/ssl.log.gz", (49483, 49474, 0, 9)),
        ("zeek_conn_tsv", "zeek_tsv/logfile_bro_conn.log.0", (101, 92, 0, 9)),
        ("zeek_http_json", "zeek_json/http.log", (222, 222, 0, 0)),
        ("zeek_conn_json", "zeek_json/conn.log", (1250, 1250, 0, 0)),
    ],
)
def test_sample_counts(
    realdata: Path, parse_file: ParseFile, fmt: str, relpath: str, counts: tuple[int, ...]
) -> None:
    """Each real sample: lines read, events, rejects and skipped header lines."""
    result, stats = parse_file(fmt, realdata / relpath)
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == counts


write_lines = partial(write_log, name="zeek.log")


def test_http_tsv_first_event(realdata: Path, parse_file: ParseFile) -> None:
    """http.log: Host header, uri path, method, status, UA and body lengths both ways."""
    result, _ = parse_file("zeek_http_tsv", realdata / "zeek_tsv" / "logfile_bro_http.log.0")
    first = result.events.row(0, named=True)
    expected = {
        "ts": datetime(2011, 11, 3, 0, 19, 26, 452687, tzinfo=UTC),
        "source": "proxy",
        "source_line": 9,
        "src_ip": "192.168.2.76",
        "host": "www.reddit.com",
        "url_path": "/",
        "method": "GET",
        "http_status": 200,
        "bytes_out": 0,
        "bytes_in": 109978,
        "user": None,
        "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.6; rv:7.0.1) Gecko/20100101 "
        "Firefox/7.0.1",
    }
    assert {key: first[key] for key in expected} == expected


def test_ssl_sni_is_host(realdata: Path, parse_file: ParseFile) -> None:
    """ssl.log: the SNI is the host; a session without SNI keeps the responder address."""
    result, _ = parse_file("zeek_ssl_tsv", realdata / "zeek_tsv" / "ssl.log.gz")
    rows = result.events.filter(pl.col("source_line").is_in([9, 17]))
    assert rows.select("source_line", "src_ip", "host", "source").rows() == [
        (9, "10.164.94.120", "10.47.3.200", "proxy"),
        (17, "10.47.1.100", "ise.wrccdc.org", "proxy"),
    ]


def test_ssl_sni_share(realdata: Path, parse_file: ParseFile) -> None:
    """11642 sessions get a DNS name from their SNI (15070 carry one, 3428 of them an IP)."""
    result, _ = parse_file("zeek_ssl_tsv", realdata / "zeek_tsv" / "ssl.log.gz")
    named = result.events.filter(~pl.col("host").str.contains(r"^[\d.]+$|:"))
    assert named.height == 11642


def test_conn_tsv_first_event(realdata: Path, parse_file: ParseFile) -> None:
    """conn.log: firewall source, responder IP as host, orig/resp bytes as out/in."""
    result, _ = parse_file("zeek_conn_tsv", realdata / "zeek_tsv" / "logfile_bro_conn.log.0")
    first = result.events.row(0, named=True)
    assert (
        first["source"],
        first["src_ip"],
        first["host"],
        first["bytes_out"],
        first["bytes_in"],
    ) == ("firewall", "192.168.2.76", "208.85.42.28", 0, 1092421)


def test_conn_json_absent_bytes_are_null(realdata: Path, parse_file: ParseFile) -> None:
    """conn.log JSON: records without orig_bytes/resp_bytes have null bytes, not 0."""
    result, _ = parse_file("zeek_conn_json", realdata / "zeek_json" / "conn.log")
    events = result.events
    assert (events["bytes_out"].null_count(), events["bytes_in"].null_count()) == (215, 215)
    assert events.row(0, named=True)["host"] == "8.8.8.8"


def test_http_json_without_host_keeps_address(realdata: Path, parse_file: ParseFile) -> None:
    """http.log JSON: a request without a Host header keeps the server address as host."""
    result, _ = parse_file("zeek_http_json", realdata / "zeek_json" / "http.log")
    first = result.events.row(0, named=True)
    assert (first["host"], first["url_path"], first["http_status"], first["bytes_in"]) == (
        "131.243.1.10",
        "/cgi-bin/formmail.pl",
        None,
        323,
    )


@pytest.mark.parametrize(
    ("fmt", "lines"),
    [
        ("zeek_http_tsv", [*HTTP_HEADER, HTTP_GOOD]),
        ("zeek_http_json", [JSON_GOOD]),
    ],
    ids=["tsv", "json"],
)
def test_http_username_and_query(
    tmp_path: Path, parse_file: ParseFile, fmt: str, lines: list[str]
) -> None:
    """A logged username is the user; the uri's query string is dropped."""
    result, _ = parse_file(fmt, write_lines(tmp_path, *lines))
    cols = ["user", "host", "url_path", "method", "bytes_out", "bytes_in", "http_status"]
    assert result.events.select(cols).rows() == [
        ("alice", "chatgpt.com", "/backend-api/conversation", "POST", 4096, 512, 200)
    ]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage", "expected 12 fields (per the #fields header)"),
        (HTTP_GOOD + "\tF", "expected 12 fields (per the #fields header)"),
        (HTTP_GOOD.replace("1700000000.5", "17000000xx.5"), "bad timestamp"),
    ],
    ids=["garbage", "extra-field", "non-numeric-timestamp"],
)
def test_tsv_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad TSV row is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, *HTTP_HEADER, HTTP_GOOD, bad, HTTP_GOOD_2)
    result, stats = parse_file("zeek_http_tsv", path)
    assert result.rejects.rows() == [(str(path), 6, reason, bad)]
    assert result.events.select("source_line", "host").rows() == [
        (5, "chatgpt.com"),
        (7, "claude.ai"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage", "not a JSON object"),
        (JSON_GOOD[:40], "invalid JSON or no ts field"),
        (JSON_GOOD.replace('"ts":1700000000.5,', ""), "invalid JSON or no ts field"),
        (JSON_GOOD.replace("1700000000.5", '"yesterday"'), "bad timestamp"),
    ],
    ids=["garbage", "truncated", "no-ts", "non-numeric-timestamp"],
)
def test_json_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad JSON line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, JSON_GOOD, bad, JSON_GOOD_2)
    result, stats = parse_file("zeek_http_json", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad)]
    assert result.events.select("source_line", "host").rows() == [
        (1, "chatgpt.com"),
        (3, "claude.ai"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_tsv_without_header_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A headerless file forced to a Zeek TSV format rejects its rows, saying why."""
    result, _ = parse_file("zeek_conn_tsv", write_lines(tmp_path, HTTP_GOOD))
    assert result.rejects.select("source_line", "reason").rows() == [
        (1, "no #fields header at the top of the file")
    ]
