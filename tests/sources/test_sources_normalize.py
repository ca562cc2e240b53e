"""shadowscan.sources.normalize: hosts, URLs and user names as every parser stores them."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shadowscan.sources.normalize import (
    normalize_host,
    normalize_user,
    split_fields,
    split_spaced,
    split_url,
)


def host_of(value: str) -> str | None:
    """normalize_host applied to one value."""
    out = pl.DataFrame({"v": [value]}, schema={"v": pl.String}).select(normalize_host(pl.col("v")))
    result: str | None = out.item()
    return result


def url_of(value: str) -> tuple[str | None, str | None]:
    """split_url applied to one value: (host, path)."""
    host, path = split_url(pl.col("v"))
    out = pl.DataFrame({"v": [value]}).select(host.alias("host"), path.alias("path"))
    row: tuple[str | None, str | None] = out.row(0)
    return row


def user_of(value: str) -> str | None:
    """normalize_user applied to one value."""
    out = pl.DataFrame({"v": [value]}).select(normalize_user(pl.col("v")))
    result: str | None = out.item()
    return result


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("API.OpenAI.com", "api.openai.com"),
        ("api.openai.com:443", "api.openai.com"),
        ("api.openai.com.", "api.openai.com"),
        ("api.openai.com.:443", "api.openai.com"),
        ("user:secret@Example.org", "example.org"),
        ("[2001:DB8::1]:8443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("https://Chat.OpenAI.com/c/123?x=1", "chat.openai.com"),
        ("http://claude.ai:8080/", "claude.ai"),
        ("  gemini.google.com  ", "gemini.google.com"),
    ],
)
def test_normalize_host(raw: str, expected: str) -> None:
    """Hosts are lower case, without scheme, userinfo, port, path or trailing dot."""
    assert host_of(raw) == expected


@pytest.mark.parametrize("raw", ["-", "", "  ", "."])
def test_normalize_host_placeholder_is_null(raw: str) -> None:
    """Placeholders and empty values become null, not an empty host."""
    assert host_of(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("login.yahoo.com:443", ("login.yahoo.com", None)),
        (
            "https://chat.openai.com/backend-api/conversation?model=gpt-4o&token=abc",
            ("chat.openai.com", "/backend-api/conversation"),
        ),
        ("http://www.goonernews.com/styles.css?v=2", ("www.goonernews.com", "/styles.css")),
        ("http://www.goonernews.com/", ("www.goonernews.com", "/")),
        ("http://example.com", ("example.com", None)),
        ("http://example.com?q=1", ("example.com", None)),
        ("http://example.com/a#frag", ("example.com", "/a")),
    ],
)
def test_split_url(raw: str, expected: tuple[str | None, str | None]) -> None:
    """URLs split into a normalised host and a path; query and fragment are dropped."""
    assert url_of(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("-", None),
        ("", None),
        ("alice", "alice"),
        ("CORP%5Calice", "CORP\\alice"),
        ("CORP%5calice", "CORP\\alice"),
        ("CORP\\alice", "CORP\\alice"),
        ("alice@corp.example", "alice@corp.example"),
        ("alice%40corp.example", "alice@corp.example"),
        (" alice ", "alice"),
    ],
)
def test_normalize_user(raw: str, expected: str | None) -> None:
    """User names are trimmed and URL-decoded; ``-`` and empty are null; forms kept."""
    assert user_of(raw) == expected


LABEL = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
    min_size=1,
    max_size=12,
)
HOST_INPUT = st.builds(
    lambda scheme, userinfo, labels, dot, port, path: (
        f"{scheme}{userinfo}{'.'.join(labels)}{dot}{port}{path}"
    ),
    scheme=st.sampled_from(["", "http://", "HTTPS://", "ftp://"]),
    userinfo=st.sampled_from(["", "alice@", "Alice:Secret@"]),
    labels=st.lists(LABEL, min_size=1, max_size=4),
    dot=st.sampled_from(["", ".", ".."]),
    port=st.one_of(st.just(""), st.integers(0, 65535).map(lambda p: f":{p}"), st.just(":")),
    path=st.sampled_from(["", "/", "/v1/chat?x=1", "?q=2", "#top", "/A/B"]),
)
PORT_AT_END = re.compile(r":\d+$")


@settings(max_examples=200, deadline=None, database=None)
@given(raw=HOST_INPUT)
def test_normalize_host_output_is_clean(raw: str) -> None:
    """No host keeps upper case, a port, a trailing dot, a path or userinfo."""
    host = host_of(raw)
    if host is None:
        return
    assert host == host.lower()
    assert not PORT_AT_END.search(host)
    assert not host.endswith(".")
    assert "/" not in host
    assert "@" not in host


@settings(max_examples=200, deadline=None, database=None)
@given(raw=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_normalize_host_never_keeps_path_userinfo_or_trailing_dot(raw: str) -> None:
    """Whatever ASCII text comes in, the host has no '/', '@', upper case or trailing dot."""
    host = host_of(raw)
    if host is None:
        return
    assert host == host.lower()
    assert not host.endswith(".")
    assert "/" not in host
    assert "@" not in host


_SPACED_TEXT = st.text(alphabet=st.sampled_from(list('ab- "\\\t\x1fé\u00a0\u2003')), max_size=30)
_SPACED_FIELD = st.one_of(
    st.text(alphabet="abc/.-=\u00a0", min_size=1, max_size=6),
    st.text(alphabet="abc /;()-", max_size=8).map(lambda t: f'"{t}"'),
    st.text(alphabet='ab \\"', max_size=8).map(lambda t: f'"{t}"'),
)


@settings(max_examples=500, deadline=None)
@example(
    lines=[
        'a"b c"',
        '"a"b c',
        'x "a"b "c"',
        '"a" b"c d"',
        'x """" y',
        "p  q",
        'x "y\\"z"',
        'é "a"',
        '"a b"\tc',
    ]
)
@given(
    lines=st.lists(
        st.one_of(
            _SPACED_TEXT,
            st.lists(_SPACED_FIELD, max_size=12).map(" ".join),
            st.lists(
                st.tuples(_SPACED_FIELD, st.sampled_from([" ", " ", "  ", ""])), max_size=8
            ).map(lambda pairs: "".join(f + sep for f, sep in pairs)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_split_spaced_equals_split_fields(lines: list[str]) -> None:
    """The fast splitter gives split_fields' fields for any line, usual or odd."""
    series = pl.Series("l", lines).str.strip_chars()
    expected = pl.select(split_fields(pl.lit(series), " ", escape='\\"')).to_series()
    assert split_spaced(series).to_list() == expected.to_list()


@pytest.mark.parametrize(
    "lines",
    [
        ["a b c", "x y", "1 2 3 4"],  # every line unquoted and single-spaced: one split
        ["a b c", "x  y"],  # a double space: not one split (it would give an empty field)
        ["a b c", "x\ty z"],  # a tab
        ["a b c", "x\u00a0y z"],  # white space outside ASCII
        ["a b c", 'x "y z" w'],  # a quoted field among unquoted lines
        ["a b c"] * 1_000 + ['x "y z" w'],  # ... past the first lines
        ["a b c", ""],  # an empty line has no fields
        ["a b c", None],
    ],
)
def test_split_spaced_unquoted_lines(lines: list[str | None]) -> None:
    """Lines without quotes, split at their spaces when all of them allow it, give
    split_fields' fields; a line that does not allow it keeps every line on the other
    paths."""
    series = pl.Series("l", lines, dtype=pl.String)
    expected = pl.select(split_fields(pl.lit(series), " ", escape='\\"')).to_series()
    assert split_spaced(series).to_list() == expected.to_list()


def test_split_spaced_on_real_iis_lines(realdata: Path) -> None:
    """A real IIS log (no quotes: a space in a value is logged as '+'): the fields
    split_fields gives, line for line."""
    text = (realdata / "w3c_elff" / "logfile_w3c_big.0").read_text(encoding="utf-8")
    series = pl.Series("l", text.splitlines()).str.strip_chars()
    assert not series.str.contains('"', literal=True).any()
    expected = pl.select(split_fields(pl.lit(series), " ", escape='\\"')).to_series()
    assert split_spaced(series).to_list() == expected.to_list()
