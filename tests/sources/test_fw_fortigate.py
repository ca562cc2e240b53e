"""FortiGate key=value parser, on the real FortiOS 7.2 sample and a fixture."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.fortigate import FortigateParser, _tokenised, _wanted
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "logs" / "fwdns" / "fortigate.log"


@pytest.fixture(scope="module")
def sample(realdata: Path) -> Path:
    """Two FortiOS 7.2 UTM lines (ssl anomaly, app-ctrl), no trailing newline."""
    return realdata / "fortigate" / "test-fortinet-7-2.log"


def counts(result: ParseResult, stats: ReadStats) -> tuple[int, int, int, int]:
    """(lines read, events, rejected, skipped)."""
    return stats.lines, result.events.height, result.rejects.height, result.skipped


def test_sample_detected(sample: Path) -> None:
    """The real sample is detected as fortigate with full confidence."""
    assert detect_format(read_head(sample)) == Detection("fortigate", 1.0)


def test_sample_counts(sample: Path, parse_file: ParseFile) -> None:
    """2 lines: 2 events."""
    result, stats = parse_file("fortigate", sample)
    assert counts(result, stats) == (2, 2, 0, 0)


def test_sample_app_ctrl_event(sample: Path, parse_file: ParseFile) -> None:
    """hostname, url path (query dropped), agent, method; tz=+0200 gives UTC."""
    result, _ = parse_file("fortigate", sample)
    row = result.events.row(1, named=True)
    got = {k: row[k] for k in ("ts", "src_ip", "host", "url_path", "method", "action", "app")}
    assert got == {
        "ts": datetime(2024, 10, 15, 8, 29, 59, tzinfo=UTC),
        "src_ip": "1.2.3.6",
        "host": "region1.google-analytics.com",
        "url_path": "/g/collect",
        "method": "POST",
        "action": "allowed",
        "app": "HTTP.BROWSER_Chrome",
    }
    assert row["user_agent"].startswith("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")


def test_sample_without_hostname_keeps_dstip(sample: Path, parse_file: ParseFile) -> None:
    """The SSL anomaly line names no host: the destination IP is kept, with the user."""
    result, _ = parse_file("fortigate", sample)
    row = result.events.row(0, named=True)
    assert (row["host"], row["user"], row["action"]) == ("10.3.2.1", "usr.1@mydom.tld", None)


def test_fixture_counts(parse_file: ParseFile) -> None:
    """7 lines: 3 events, 1 system event skipped, 3 malformed lines rejected."""
    result, stats = parse_file("fortigate", FIXTURE)
    assert counts(result, stats) == (7, 3, 3, 1)


def test_traffic_bytes(parse_file: ParseFile) -> None:
    """sentbyte/rcvdbyte are bytes out/in; a closed session was allowed."""
    result, _ = parse_file("fortigate", FIXTURE)
    row = result.events.row(0, named=True)
    assert (row["host"], row["bytes_out"], row["bytes_in"], row["action"]) == (
        "chatgpt.com",
        48213,
        912345,
        "allowed",
    )


def test_webfilter_block(parse_file: ParseFile) -> None:
    """A blocked web filter line: full URL split, unauthuser as user, tz=+01:00 read."""
    result, _ = parse_file("fortigate", FIXTURE)
    row = result.events.row(1, named=True)
    got = {k: row[k] for k in ("ts", "user", "host", "url_path", "action", "method")}
    assert got == {
        "ts": datetime(2025, 3, 14, 8, 0, 5, tzinfo=UTC),
        "user": "bob",
        "host": "claude.ai",
        "url_path": "/api/append_message",
        "action": "blocked",
        "method": "POST",
    }


def test_dns_qname_is_host_in_tz(parse_file: ParseFile) -> None:
    """A DNS line names the host in qname; without tz= the line is read in --tz."""
    result, _ = parse_file("fortigate", FIXTURE, tz="Europe/Paris")
    row = result.events.row(2, named=True)
    assert (row["host"], row["ts"]) == (
        "api.mistral.ai",
        datetime(2025, 3, 14, 8, 0, 6, tzinfo=UTC),
    )


def test_malformed_lines_rejected(parse_file: ParseFile) -> None:
    """No date, a bad time and a bad byte count are rejected with reasons."""
    result, _ = parse_file("fortigate", FIXTURE)
    assert result.rejects.select("source_line", "reason").rows() == [
        (5, "not a FortiGate key=value log line"),
        (6, "bad date/time"),
        (7, "bad sentbyte"),
    ]


def test_key_inside_quoted_value_is_not_read(tmp_path: Path, parse_file: ParseFile) -> None:
    """hostname= inside a quoted msg is part of the message, not the host."""
    path = tmp_path / "fgt.log"
    path.write_text(
        'date=2025-03-14 time=09:00:01 devid="FG1" type="traffic" srcip=10.0.0.1 '
        'msg="redirect hostname=evil.example" dstip=9.9.9.9\n',
        encoding="utf-8",
    )
    result, _ = parse_file("fortigate", path)
    assert result.events["host"].to_list() == ["9.9.9.9"]


def test_prose_is_not_fortigate() -> None:
    """Lines without date= time= and a device key score 0."""
    assert FortigateParser.detect(["date=today time=now", "a=b c=d"]) == 0.0


_KEY_NAMES = st.sampled_from(["user", "hostname", "url", "srcip", "date", "x.user", "msg", "a-b"])
_VALUE = st.one_of(
    st.text(alphabet="ab=/.?\\-", max_size=6),  # unquoted (a "=" or "\\" inside too)
    st.text(alphabet="ab =/\\", max_size=8).map(lambda t: f'"{t}"'),  # quoted
    st.lists(_KEY_NAMES, max_size=2).map(lambda ks: '"x ' + " ".join(f"{k}=v" for k in ks) + '"'),
)
_TOKEN = st.tuples(_KEY_NAMES, _VALUE).map(lambda kv: f"{kv[0]}={kv[1]}")
_LINE = st.tuples(
    st.sampled_from(["", "<190>", "Oct 15 fw01 ", "<1> "]),
    st.lists(st.tuples(_TOKEN, st.sampled_from([" ", "  ", "\t", ""])), max_size=6),
).map(lambda p: p[0] + "".join(t + sep for t, sep in p[1]))


@settings(max_examples=300, deadline=None)
@example(lines=['date=1 msg="a user=evil" user=bob', '<190>user="x y" user=z', 'a="x"user=bob'])
@given(lines=st.lists(_LINE, min_size=1, max_size=12))
def test_wanted_values_equal_the_tokenised_ones(lines: list[str]) -> None:
    """Plain lines read key by key give what tokenising every line gives: a key inside a
    quoted value, a repeated key, escapes, a priority or syslog prefix, odd spacing."""
    frame = pl.DataFrame({"line_no": range(1, len(lines) + 1), "raw": lines})
    assert _wanted(frame).equals(_tokenised(frame))
