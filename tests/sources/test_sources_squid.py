"""Squid native access.log parser, on the real sample and on lines written here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from helpers import assert_block_parses_as_its_lines, assert_same_parse, block_of
from helpers import write_log as write_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.pipeline import coverage_counts
from shadowscan.sources import ParseResult
from shadowscan.sources.base import _normalise_hosts, finish_columns
from shadowscan.sources.normalize import normalize_host, normalize_user, split_url
from shadowscan.sources.reader import Block, ReadStats
from shadowscan.sources.squid import _FIELDS, USERS, SquidNativeParser, _tokens

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]

GOOD = (
    "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 "
    "badeyek DIRECT/175.16.199.115 -"
)
GOOD_2 = (
    "1157689320.327   2864 10.105.21.199 TCP_MISS/200 10182 GET http://www.goonernews.com/ "
    "badeyek DIRECT/175.16.199.61 text/html"
)


@pytest.fixture(scope="module")
def sample(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real Squid sample, parsed whole."""
    return parse_file("squid_native", realdata / "squid_native" / "test-access.log")


def test_sample_counts(sample: tuple[ParseResult, ReadStats]) -> None:
    """All 100 lines of the real sample are events; none rejected or skipped."""
    result, stats = sample
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (100, 100, 0, 0)
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


def test_sample_first_event(sample: tuple[ParseResult, ReadStats]) -> None:
    """The first CONNECT line gives its time, client, host, user, size and status."""
    result, _ = sample
    first = result.events.row(0, named=True)
    expected = {
        "ts": datetime(2006, 9, 8, 4, 21, 52, 49000, tzinfo=UTC),
        "source": "proxy",
        "log_format": "squid_native",
        "source_line": 1,
        "src_ip": "10.105.21.199",
        "host": "login.yahoo.com",
        "method": "CONNECT",
        "url_path": None,
        "bytes_in": 19763,
        "bytes_out": None,
        "user": "badeyek",
        "action": "allowed",
        "http_status": 200,
    }
    assert {key: first[key] for key in expected} == expected


def test_sample_407_is_not_blocked(sample: tuple[ParseResult, ReadStats]) -> None:
    """The 15 TCP_DENIED/407 auth challenges have action null; the other 85 are allowed."""
    result, _ = sample
    challenges = result.events.filter(pl.col("http_status") == 407)
    assert challenges.height == 15
    assert challenges["action"].null_count() == 15
    assert result.events.filter(pl.col("action") == "allowed").height == 85


def test_sample_dash_user_is_null(realdata: Path, sample: tuple[ParseResult, ReadStats]) -> None:
    """Lines whose user field is ``-`` have a null user, and only those."""
    result, _ = sample
    text = (realdata / "squid_native" / "test-access.log").read_text(encoding="utf-8")
    dash_lines = [no for no, line in enumerate(text.splitlines(), 1) if line.split()[7] == "-"]
    null_lines = result.events.filter(pl.col("user").is_null())["source_line"].to_list()
    assert len(dash_lines) == 15
    assert null_lines == dash_lines


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("garbage that is not a squid line", "not a Squid native access.log line"),
        (
            "1157689320.327   2864 10.105.21.199 TCP_MISS/200 10182 GET",
            "not a Squid native access.log line",
        ),
        (
            "11576893xx.327   2864 10.105.21.199 TCP_MISS/200 10182 GET http://a.example/ "
            "badeyek DIRECT/175.16.199.61 text/html",
            "bad timestamp",
        ),
    ],
    ids=["garbage", "truncated", "non-numeric-timestamp"],
)
def test_malformed_line_is_rejected(
    tmp_path: Path, parse_file: ParseFile, bad: str, reason: str
) -> None:
    """A bad line is rejected with reason, line number and raw text; neighbours parse."""
    path = write_lines(tmp_path, GOOD, bad, GOOD_2)
    result, stats = parse_file("squid_native", path)
    assert result.rejects.rows() == [(str(path), 2, reason, bad)]
    assert result.events.select("source_line", "host").rows() == [
        (1, "login.yahoo.com"),
        (3, "www.goonernews.com"),
    ]
    assert result.events.height + result.rejects.height + result.skipped == stats.lines


@pytest.mark.parametrize("stamp", ["nan", "inf", "99999999999999999999"])
def test_non_finite_timestamp_is_rejected(
    tmp_path: Path, parse_file: ParseFile, stamp: str
) -> None:
    """A timestamp that is a float but not a time is a bad timestamp, not a crash."""
    bad = (
        f"{stamp}   2864 10.105.21.199 TCP_MISS/200 10182 GET http://a.example/ "
        "badeyek DIRECT/175.16.199.61 text/html"
    )
    path = write_lines(tmp_path, GOOD, bad, GOOD_2)
    result, _ = parse_file("squid_native", path)
    assert result.rejects.rows() == [(str(path), 2, "bad timestamp", bad)]


def test_user_forms_are_kept(tmp_path: Path, parse_file: ParseFile) -> None:
    """Plain, DOMAIN\\user and UPN users are kept as logged; ``-`` is null."""
    users = ["alice", "CORP\\alice", "alice@corp.example", "-"]
    lines = [
        f"1700000000.{i:03d}    100 10.0.0.5 TCP_MISS/200 512 GET http://example.com/ {user} "
        "HIER_DIRECT/93.184.216.34 text/html"
        for i, user in enumerate(users)
    ]
    result, _ = parse_file("squid_native", write_lines(tmp_path, *lines))
    assert result.events["user"].to_list() == ["alice", "CORP\\alice", "alice@corp.example", None]


def test_full_https_url_drops_query(tmp_path: Path, parse_file: ParseFile) -> None:
    """A full https URL gives host and path, never the query string."""
    line = (
        "1700000000.000    120 10.0.0.5 TCP_MISS/200 4096 POST "
        "https://chat.openai.com/backend-api/conversation?model=gpt-4o&token=s3cret alice "
        "HIER_DIRECT/104.18.32.47 application/json"
    )
    result, _ = parse_file("squid_native", write_lines(tmp_path, line))
    event = result.events.row(0, named=True)
    assert (event["host"], event["url_path"], event["method"]) == (
        "chat.openai.com",
        "/backend-api/conversation",
        "POST",
    )


def test_denied_other_than_407_is_blocked(tmp_path: Path, parse_file: ParseFile) -> None:
    """A TCP_DENIED/403 is a policy block: action blocked."""
    line = (
        "1700000000.000      0 10.0.0.5 TCP_DENIED/403 3900 CONNECT api.openai.com:443 alice "
        "HIER_NONE/- text/html"
    )
    result, _ = parse_file("squid_native", write_lines(tmp_path, line))
    assert result.events.select("host", "action", "http_status").rows() == [
        ("api.openai.com", "blocked", 403)
    ]


def test_error_pseudo_url_is_not_an_event(tmp_path: Path, parse_file: ParseFile) -> None:
    """Squid's ``error:...`` placeholders (no request was made) do not become hosts."""
    lines = [
        "1700000000.000      0 10.0.0.5 NONE_NONE/000 0 - error:transaction-end-before-headers "
        "- HIER_NONE/- -",
        "1700000000.001      0 10.0.0.5 TAG_NONE/400 3900 NONE error:invalid-request - "
        "HIER_NONE/- text/html",
    ]
    result, _ = parse_file("squid_native", write_lines(tmp_path, *lines))
    assert result.events["host"].to_list() == []


@pytest.mark.parametrize(
    ("url", "host", "path"),
    [
        ("http://a.example/x?next=https://b.example/", "a.example", "/x"),
        ("https://a.example", "a.example", None),
        ("https://a.example/", "a.example", "/"),
        ("a.example:443", "a.example", None),
        ("ftp://u:pw@Files.Example.org:21/pub/f.txt?q=1", "files.example.org", "/pub/f.txt"),
        # Non-ASCII before the cut: find() counts bytes, the cut must too.
        ("http://bücher.example/straße?q=ü", "bücher.example", "/straße"),
        ("https://ü.example", "ü.example", None),
        ("bücher.example:443", "bücher.example", None),
        # Logged without a scheme, with one in the query: that one names no host.
        ("a.example/go?u=http://chat.openai.com/x", "a.example", "/go"),
        ("a.example/r/http://chat.openai.com/", "a.example", "/r/http://chat.openai.com/"),
        ("A.Example:8080/x?u=https://claude.ai/", "a.example", "/x"),
        # The query starts at the first "?" wherever it is: no scheme, host or path in it.
        ("a.example?u=http://chat.openai.com/x", "a.example", None),
        ("http://a.example?next=/private/path", "a.example", None),
        ("https://a.example/p?x=/q", "a.example", "/p"),
    ],
)
def test_url_gives_host_and_path(
    tmp_path: Path, parse_file: ParseFile, url: str, host: str, path: str | None
) -> None:
    """The host comes from the authority, the path runs to the first ``?`` (the query is
    never kept: a ``/`` or ``://`` in it is not a path or a scheme)."""
    line = (
        f"1700000000.000    120 10.0.0.5 TCP_MISS/200 4096 GET {url} alice "
        "HIER_DIRECT/93.184.216.34 text/html"
    )
    result, _ = parse_file("squid_native", write_lines(tmp_path, line))
    assert result.events.select("host", "url_path").rows() == [(host, path)]


def test_percent_encoded_users_decoded_on_every_line(tmp_path: Path, parse_file: ParseFile) -> None:
    """Repeated users are decoded once each and every line keeps its own user, in order."""
    users = ["CORP%5Calice", "bob%40corp.example", "CORP%5Calice", "-", "bob%40corp.example"]
    lines = [
        f"1700000000.{i:03d}    100 10.0.0.5 TCP_MISS/200 512 GET http://example.com/ {user} "
        "HIER_DIRECT/93.184.216.34 text/html"
        for i, user in enumerate(users)
    ]
    result, _ = parse_file("squid_native", write_lines(tmp_path, *lines))
    assert result.events["user"].to_list() == [
        "CORP\\alice",
        "bob@corp.example",
        "CORP\\alice",
        None,
        "bob@corp.example",
    ]


HOST_TEXT = st.text(alphabet="aZ09.-_:@/?#[]x ", max_size=16) | st.text(
    alphabet="aZ9.-_:", max_size=8
)


@settings(max_examples=200, deadline=None, database=None)
@given(
    hosts=st.lists(HOST_TEXT | st.sampled_from(["-", "a.b:443", "A.b.", "[::1]:8", ""])),
    rewrites=st.booleans(),
)
def test_host_fast_path_equals_normalize_host(hosts: list[str], rewrites: bool) -> None:
    """Hosts normalised on distinct values (clean ones by one regex) equal normalize_host,
    whichever way they are brought back to the rows."""
    frame = pl.DataFrame({"host": hosts}, schema={"host": pl.String})
    expected = frame.select(normalize_host(pl.col("host")))["host"].to_list()
    out, distinct, codes, _ = _normalise_hosts(frame, rewrites=rewrites)
    assert out["host"].to_list() == expected
    assert distinct is not None
    assert sorted(distinct.to_list()) == sorted({h for h in expected if h is not None})
    if codes is not None:
        assert codes.values.gather(codes.codes).to_list() == expected


def test_host_codes_follow_the_events_past_rejected_and_blank_lines() -> None:
    """The factorized hosts a parse gives (used by matching and signals) are the events'
    hosts, row for row, when lines before, between and after them are dropped."""
    lines = [GOOD, "", "not squid at all", GOOD_2, "  ", GOOD.replace("19763", "x"), GOOD]
    frame = pl.DataFrame({"line_no": range(1, 8), "raw": lines})
    parser = SquidNativeParser(source_file="t.log", head=[GOOD])
    parser.rewrites_hosts = True
    result = parser.parse(frame)
    assert (result.events.height, result.rejects.height, result.skipped) == (3, 2, 2)
    codes = result.host_codes
    assert codes is not None
    rows = codes.values.gather(codes.codes)
    assert rows.to_list() == result.events["host"].to_list()
    assert rows.to_list() == ["login.yahoo.com", "www.goonernews.com", "login.yahoo.com"]


TOKEN = st.text(alphabet="ab1./:-\t\u00a0", min_size=1, max_size=5)  # no space
SPACES = st.sampled_from([" ", " ", "  ", "    ", "\t", " \t"])


@st.composite
def squid_like_lines(draw: st.DrawFn) -> str:
    """Lines of a few to a dozen tokens, most spaced as Squid pads them, some not."""
    tokens = draw(st.lists(TOKEN, min_size=0, max_size=12))
    if draw(st.booleans()) and len(tokens) >= 2:  # Squid's layout: padding after the first
        gaps = [" " * draw(st.integers(1, 6))] + [" "] * (len(tokens) - 2)
    else:
        gaps = [draw(SPACES) for _ in tokens[1:]]
    line = tokens[0] if tokens else ""
    for gap, token in zip(gaps, tokens[1:], strict=True):
        line += gap + token
    return draw(st.sampled_from(["", " ", "\t"])) + line + draw(st.sampled_from(["", " ", "\t "]))


@settings(max_examples=300, deadline=None)
@given(st.lists(squid_like_lines(), min_size=1, max_size=30))
def test_tokens_equal_a_split_on_runs_of_spaces(lines: list[str]) -> None:
    """The usual-line shortcut gives what trimming and splitting every line gives."""
    frame = pl.DataFrame({"line_no": range(len(lines)), "raw": lines})
    got = _tokens(frame.lazy())
    for row, line in zip(got.iter_rows(named=True), lines, strict=True):
        pieces = [p for p in line.strip().split(" ") if p]
        assert row["_n"] == len(pieces)
        assert [row[name] for name in _FIELDS] == (pieces + [None] * 10)[:10]


@pytest.mark.parametrize(
    "line",
    [
        "\t" + GOOD,
        "\u00a0" + GOOD,
        GOOD + "\t",
        GOOD_2 + "\u3000",
        "+" + GOOD,
        GOOD.replace("1157689312.049", "inf"),
        GOOD.replace(" -", " text/\u00e9"),
    ],
    ids=["tab-first", "nbsp-first", "tab-last", "ideographic-space-last", "sign", "inf", "utf8"],
)
def test_lines_with_whitespace_or_odd_edges_are_trimmed(line: str) -> None:
    """Lines are split untrimmed only where they start with a digit and end with printable
    ASCII: the others (whitespace at an edge, a signed or spelled-out time, a last
    character outside ASCII) give what trimming them first gives."""
    got = _tokens(pl.DataFrame({"line_no": [1], "raw": [line]}).lazy())
    pieces = [p for p in line.strip().split(" ") if p]
    assert [got.row(0, named=True)[name] for name in _FIELDS] == pieces[:10]
    assert got["_n"].to_list() == [len(pieces)]


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["http://", "https://", "ftp://", "HTTP://", ""]),
    rest=st.text(alphabet="ab.:/?=-@", min_size=1, max_size=12),
)
def test_url_cut_agrees_with_split_url(scheme: str, rest: str) -> None:
    """The literal cut gives the host and path the URL regex gives (where what precedes a
    ``://`` is a scheme, or no ``://`` comes before the first ``/`` or ``?``)."""
    url = scheme + rest
    if re.match(r"^[^/?]*://", url) and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", url):
        return  # "-:a://b": not a scheme to the regex; the cut takes it as one
    line = f"1700000000.000    120 10.0.0.5 TCP_MISS/200 4096 GET {url} alice DIRECT/- -"
    result = SquidNativeParser(source_file="t.log", head=[]).parse(
        pl.DataFrame({"line_no": [1], "raw": [line]})
    )
    host, path = split_url(pl.lit(url))
    expected = pl.select(host.alias("host"), path.alias("url_path")).row(0)
    got = result.events.select("host", "url_path").rows() or [(None, None)]
    # A URL with no host is a rejected line ("no host"), as split_url's null host says.
    assert got[0] == (expected if expected[0] is not None else (None, None))


def test_usual_lines_keep_their_chunks() -> None:
    """Tokens and parsed fields of usual lines come in the chunks of the lines: a frame
    chunked unlike itself would be copied into one chunk (~8 ms a 48 MiB block)."""
    parts = [pl.DataFrame({"line_no": [n, n + 1], "raw": [GOOD, GOOD_2]}) for n in (1, 3)]
    lines = pl.concat(parts, rechunk=False)
    tokens = _tokens(lines.lazy())
    assert set(tokens.n_chunks("all")) == {2}
    parsed = SquidNativeParser(source_file="t.log", head=[]).read_lines(lines)
    assert set(parsed.n_chunks("all")) == {2}
    assert parsed.equals(
        SquidNativeParser(source_file="t.log", head=[]).read_lines(lines.rechunk())
    )


class _StreamingSquid(SquidNativeParser):
    engine = "streaming"


VARIANTS = st.sampled_from(
    [
        GOOD,
        GOOD_2,
        GOOD.replace("5006", "12345678"),  # elapsed wider than its padding
        GOOD.replace("TCP_MISS/200", "TCP_DENIED/403"),
        GOOD.replace("TCP_MISS/200", "TCP_DENIED/407"),
        GOOD_2.replace("http://www.goonernews.com/", "error:invalid-request"),
        GOOD_2.replace("10182", "-"),
        GOOD + " extra",
        "",
        "   ",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(VARIANTS | squid_like_lines(), max_size=25))
def test_in_memory_engine_equals_streaming(lines: list[str]) -> None:
    """Squid's chunk query runs on polars' in-memory engine (``LogParser.engine``): it gives
    what the default streaming engine gives, events, rejects and skips alike."""
    frame = pl.DataFrame(
        {"line_no": range(1, len(lines) + 1), "raw": lines},
        schema={"line_no": pl.Int64, "raw": pl.String},
    )
    fast = SquidNativeParser(source_file="t.log", head=[]).parse(frame)
    slow = _StreamingSquid(source_file="t.log", head=[]).parse(frame)
    assert SquidNativeParser.engine == "in-memory"
    assert fast.events.equals(slow.events)
    assert fast.rejects.equals(slow.rejects)
    assert fast.skipped == slow.skipped
    assert fast.events.height + fast.rejects.height + fast.skipped == len(lines)


@settings(max_examples=150, deadline=None)
@given(st.lists(VARIANTS | squid_like_lines(), min_size=1, max_size=25))
def test_a_block_parses_as_its_lines_do(lines: list[str]) -> None:
    """A block (whose decoded lines the parser lets go once read, unless a line is
    rejected) gives what parsing its lines gives, counted or not."""
    parser = SquidNativeParser(source_file="t.log", head=[])
    assert_block_parses_as_its_lines(parser, lines, first_no=3)


USER_TEXT = st.text(alphabet="aZ9-._%5Cc@\\ \t\u00a0\u3000!#é", max_size=6) | st.sampled_from(
    ["-", "", " -", "-\t", "%5C", "CORP%5calice", ".x", "#x", "\u00a0-"]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(USER_TEXT | st.none(), max_size=40))
def test_deferred_users_finish_and_count_as_normalize_user(users: list[str | None]) -> None:
    """Squid's user names left as logged (``USERS``) finish as :func:`normalize_user`
    gives them, and count as present exactly where that gives a name."""
    logged = pl.Series("user", users, dtype=pl.String)
    expected = logged.to_frame().select(normalize_user(pl.col("user"))).to_series()
    assert USERS.finish(logged).to_list() == expected.to_list()
    assert USERS.present(logged) == expected.is_not_null().sum()


def test_a_scan_block_leaves_user_names_to_finish(tmp_path: Path) -> None:
    """``scan_block`` gives the events of ``parse_block`` but for the user names, as
    logged until finished; their coverage count is the finished names'."""
    users = ["CORP%5Calice", "-", "bob%40corp.example", "\u00a0carol", "-x", "#h"]
    lines = [
        f"1700000000.{i:03d}    100 10.0.0.5 TCP_MISS/200 512 GET http://example.com/ {user} "
        "HIER_DIRECT/93.184.216.34 text/html"
        for i, user in enumerate(users)
    ]
    path = write_lines(tmp_path, *lines)
    data = path.read_bytes()
    parser = SquidNativeParser(source_file=str(path), head=lines)
    block = Block(data, len(data) - 1, 1, None)
    whole = parser.parse_block(block)
    scanned = parser.scan_block(Block(data, len(data) - 1, 1, None))
    assert scanned.deferred == (USERS,)
    assert scanned.events["user"].to_list() == users
    assert whole.deferred == ()
    assert whole.events["user"].to_list() == [
        "CORP\\alice",
        None,
        "bob@corp.example",
        "carol",
        "-x",
        "#h",
    ]
    assert finish_columns(scanned.events, scanned.deferred).equals(whole.events)
    assert scanned.finished().events.equals(whole.events)
    assert coverage_counts(scanned.events, scanned.deferred) == coverage_counts(whole.events)
    assert coverage_counts(whole.events)["user"] == 5


def test_blocks_after_a_rejected_line_parse_as_their_lines() -> None:
    """A block's lines are let go before its row query unless the block before had a
    rejected line; either way, and whether the block itself has one, a block gives what
    parsing its lines gives."""
    parser = SquidNativeParser(source_file="t.log", head=[GOOD])
    bad = [GOOD, "garbage that is not a squid line", GOOD_2]
    good = [GOOD_2, GOOD]
    for lines in (good, bad, bad, good, good, bad):
        expected = SquidNativeParser(source_file="t.log", head=[GOOD]).parse(
            block_of(lines, 1).frame()
        )
        assert_same_parse(parser.parse_block(block_of(lines, 1)), expected)
