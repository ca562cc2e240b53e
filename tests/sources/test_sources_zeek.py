"""Zeek dns.log parsers (TSV and JSON lines), on the real samples and on lines written here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from helpers import write_log

from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

FIRST_TS = datetime(2018, 3, 24, 17, 15, 20, 865716, tzinfo=UTC)

TSV_HEADER = [
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\tdns",
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name",
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring",
]
TSV_GOOD = "1521911720.865716\tCq1\t10.47.1.100\t41772\t10.0.0.100\t53\tudp\tise.wrccdc.org\tA"
TSV_GOOD_2 = "1521911721.000000\tCq2\t10.47.1.101\t41773\t10.0.0.100\t53\tudp\tChat.OpenAI.com.\tA"

JSON_GOOD = (
    '{"_path":"dns","ts":"2018-03-24T17:15:20.865716Z","id.orig_h":"10.47.1.100",'
    '"query":"ise.wrccdc.org","qtype_name":"A"}'
)
JSON_GOOD_2 = '{"ts":1521911721.0,"id.orig_h":"10.47.1.101","query":"Chat.OpenAI.com."}'


@pytest.fixture(scope="module")
def tsv(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real Zeek 6.2 dns.log (TSV, gzip), parsed whole."""
    return parse_file("zeek_dns_tsv", realdata / "zeek_tsv" / "dns.log.gz")


@pytest.fixture(scope="module")
def ndjson(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The same traffic as JSON lines (json-streaming-logs, ISO ts, gzip), parsed whole."""
    return parse_file("zeek_dns_json", realdata / "zeek_json" / "dns.json.gz")


write_lines = partial(write_log, name="dns.log")


def test_tsv_counts(tsv: tuple[ParseResult, ReadStats]) -> None:
    """53624 lines: 53615 events and 9 header/#close lines skipped."""
    result, stats = tsv
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (53624, 53615, 0, 9)
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_tsv_first_event(tsv: tuple[ParseResult, ReadStats]) -> None:
    """The first record (line 9, after the 8 header lines) gives time, client and query."""
    result, _ = tsv
    first = result.events.row(0, named=True)
    assert (first["ts"], first["src_ip"], first["host"], first["source_line"]) == (
        FIRST_TS,
        "10.47.1.100",
        "ise.wrccdc.org",
        9,
    )


def test_json_counts(ndjson: tuple[ParseResult, ReadStats]) -> None:
    """53615 lines, all events."""
    result, stats = ndjson
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (53615, 53615, 0, 0)
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_json_first_event_matches_tsv(
    tsv: tuple[ParseResult, ReadStats], ndjson: tuple[ParseResult, ReadStats]
) -> None:
    """The JSON and TSV exports of the same traffic give the same first event."""
    picked = ["ts", "src_ip", "host"]
    json_first = ndjson[0].events.select(picked).row(0)
    assert json_first == (FIRST_TS, "10.47.1.100", "ise.wrccdc.org")
    assert json_first == tsv[0].events.select(picked).row(0)


def test_tsv_header_lines_skipped(tmp_path: Path, parse_file: ParseFile) -> None:
    """Header lines and #close are skipped, and the host is normalised."""
    path = write_lines(tmp_path, *TSV_HEADER, TSV_GOOD, TSV_GOOD_2, "#close\t2024-04-12-19-34-07")
    result, stats = parse_file("zeek_dns_tsv", path)
    assert (stats.lines, result.skipped, result.rejects.height) == (10, 8, 0)
    assert result.events.select("source_line", "src_ip", "host").rows() == [
        (8, "10.47.1.100", "ise.wrccdc.org"),
        (9, "10.47.1.101", "chat.openai.com"),
    ]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage", "expected 9 fields"),
        ("1521911720.9\tCq3\t10.47.1.100\t41772", "expected 9 fields"),
        (TSV_GOOD + "\tF", "expected 9 fields"),
        (
            "15219117xx.9\tCq3\t10.47.1.100\t41772\t10.0.0.100\t53\tudp\ta.example\tA",
            "bad timestamp",
        ),
    ],
    ids=["garbage", "truncated", "extra-field", "non-numeric-timestamp"],
)
def test_tsv_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad TSV row is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, *TSV_HEADER, TSV_GOOD, bad, TSV_GOOD_2)
    result, stats = parse_file("zeek_dns_tsv", path)
    assert result.rejects.rows() == [(str(path), 9, reason, bad)]
    assert result.events.select("source_line", "host").rows() == [
        (8, "ise.wrccdc.org"),
        (10, "chat.openai.com"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage", "not a JSON object"),
        ('{"ts":1521911720.9,"id.orig_h":"10.47.1.100","query":', "invalid JSON or no ts field"),
        ("{not json at all}", "invalid JSON or no ts field"),
        ('["ts", 1521911720.9]', "not a JSON object"),
        ('{"ts":"yesterday","id.orig_h":"10.47.1.100","query":"a.example"}', "bad timestamp"),
        ('{"id.orig_h":"10.47.1.100","query":"a.example"}', "invalid JSON or no ts field"),
    ],
    ids=["garbage", "truncated", "invalid-json", "array", "non-numeric-timestamp", "no-ts"],
)
def test_json_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad JSON line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, JSON_GOOD, bad, JSON_GOOD_2)
    result, stats = parse_file("zeek_dns_json", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad)]
    assert result.events.select("source_line", "ts", "src_ip", "host").rows() == [
        (1, FIRST_TS, "10.47.1.100", "ise.wrccdc.org"),
        (3, datetime(2018, 3, 24, 17, 15, 21, tzinfo=UTC), "10.47.1.101", "chat.openai.com"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


@pytest.mark.parametrize("stamp", ["nan", "inf", "99999999999999999999"])
def test_tsv_non_finite_timestamp_is_rejected(
    tmp_path: Path, parse_file: ParseFile, stamp: str
) -> None:
    """A TSV ts that is a float but not a time is a bad timestamp, not a crash."""
    bad = f"{stamp}\tCq3\t10.47.1.100\t41772\t10.0.0.100\t53\tudp\ta.example\tA"
    path = write_lines(tmp_path, *TSV_HEADER, TSV_GOOD, bad, TSV_GOOD_2)
    result, _ = parse_file("zeek_dns_tsv", path)
    assert result.rejects.rows() == [(str(path), 9, "bad timestamp", bad)]


@pytest.mark.parametrize("stamp", ['"nan"', "1e300"])
def test_json_non_finite_timestamp_is_rejected(
    tmp_path: Path, parse_file: ParseFile, stamp: str
) -> None:
    """A JSON ts that is a float but not a time is a bad timestamp, not a crash."""
    bad = f'{{"ts":{stamp},"id.orig_h":"10.47.1.100","query":"a.example"}}'
    path = write_lines(tmp_path, JSON_GOOD, bad, JSON_GOOD_2)
    result, _ = parse_file("zeek_dns_json", path)
    assert result.rejects.rows() == [(str(path), 2, "bad timestamp", bad)]
