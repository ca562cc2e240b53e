"""Squid native access.log (``logformat squid``).

``time elapsed client code/status bytes method URL user hierarchy/peer type``, e.g.
``1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek
DIRECT/175.16.199.115 -``. Bytes are the reply size (``bytes_in``); the request size is not
logged, so ``bytes_out`` is null. ``CONNECT host:443`` lines carry the host only.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar

import polars as pl

from shadowscan.frames import aligned, by_distinct, byte_slice
from shadowscan.sources.base import (
    REASON,
    SKIP,
    Deferred,
    LogParser,
    ParseResult,
    epoch_to_utc,
    first_reason,
    null_if,
)
from shadowscan.sources.normalize import normalize_user
from shadowscan.sources.reader import Block

_LINE = (
    r"^(\d{9,11}(?:\.\d+)?)\s+(-?\d+)\s+(\S+)\s+([A-Z_]+)/(\d{3})\s+(\d+)\s+(\S+)\s+(\S+)"
    r"\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$"
)
_DETECT = re.compile(_LINE)
#: A byte length past the end of any line: "slice to the end" without a when/then.
_TO_END = 1 << 30
_FIELDS = ("ts_", "elapsed", "client", "code", "bytes", "method_", "url", "user_", "hier", "ctype")


class SquidNativeParser(LogParser):
    """Squid's default native access.log."""

    name = "squid_native"
    source = "proxy"
    description = "Squid native access.log (logformat squid)"
    requires_host = True
    skips_blank_lines = True
    engine = "in-memory"
    # 48 MiB blocks, three at a time, instead of 24 MiB, four at a time: 10M lines x0.924
    # wall and CPU (interleaved, n=6), peak 857 -> 1,190 MiB; every line matched, 5M lines,
    # 825 -> 1,138-1,176 MiB (bench/README.md). Blocks over 32 MiB need the allocator
    # setting in cli/_runtime.py, else each read is a fresh mapping of the block.
    block_scale = 2
    blocks_in_flight = 3
    fields: ClassVar[tuple[str, ...]] = (
        "user",
        "src_ip",
        "url_path",
        "bytes_in",
        "action",
        "method",
        "http_status",
    )

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that have the native layout."""
        if not head:
            return 0.0
        hits = sum(1 for line in head if _DETECT.match(line))
        return hits / len(head)

    #: Whether the last block had a rejected line (a hint for the next block: see
    #: :meth:`scan_block`; the result is the same either way).
    _keep_lines: bool = False

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Split on runs of spaces (no regex per field); lines that do not fit are rejected."""
        return self._fields(_tokens(lines))

    def _fields(self, tokens: pl.DataFrame) -> pl.LazyFrame:
        """The event columns from :func:`_tokens`' frame (its ``raw``, if any, passed on)."""
        # "TCP_MISS/200": the status is the three digits after the last "/" (the regex's
        # ``[A-Z_]+/\d{3}``); anything else leaves it null and the line rejected. Result
        # codes repeat: read once per distinct value (the status and action of a code,
        # 1 against 5 ms a 48 MiB block for the action per row). User names are left as
        # logged here (:data:`USERS`, finished in :meth:`finish`).
        code = pl.col("code")
        code_status = pl.when(code.str.slice(-4, 1) == "/").then(
            code.str.tail(3).cast(pl.Int32, strict=False)
        )
        code_action = squid_action(code, code_status)
        by_code = by_distinct(
            tokens["code"], [code_status.alias("_status"), code_action.alias("_action")]
        )
        p = (
            tokens.hstack(by_code)
            .lazy()
            .with_columns(
                epoch_to_utc(pl.col("ts_")).alias("_ts"),
                pl.col("bytes").cast(pl.Int64, strict=False).alias("_bytes"),
            )
        )
        # URL -> authority and path by literal find + byte slice (no regex, no struct): the
        # query string goes first (never kept; the authority and path end at its "?"),
        # then the scheme if any; the authority runs to the first "/", the path from there.
        # A "://" is a scheme's only where it holds the URL's first "/" and comes before any
        # "?": elsewhere it is in the path or query of a URL logged without a scheme
        # (example.com/go?u=http://...), which names no host.
        # Each find is a column of its own: polars' common-subexpression pass does not
        # share them inside the when/then (they were computed 6 times, not 3).
        url = pl.col("url")
        p = p.with_columns(
            url.str.find("?", literal=True).alias("_q"),
            url.str.find("://", literal=True).alias("_s"),
            url.str.find("/", literal=True).alias("_f"),
        )
        query, scheme = pl.col("_q"), pl.col("_s")
        has_scheme = (
            (scheme + 1 == pl.col("_f")) & (query.is_null() | (scheme < query))
        ).fill_null(False)
        after_scheme = pl.when(has_scheme).then(scheme + 3).otherwise(0)
        p = p.with_columns(after_scheme.alias("_a")).with_columns(
            byte_slice(url, pl.col("_a"), query.fill_null(_TO_END) - pl.col("_a")).alias("_rest")
        )
        rest = pl.col("_rest")
        p = p.with_columns(rest.str.find("/", literal=True).alias("_j"))
        slash = pl.col("_j")
        host = byte_slice(rest, 0, slash.fill_null(_TO_END))
        path = byte_slice(rest, slash)  # null where there is no "/"
        status = pl.col("_status")
        return p.select(
            "line_no",
            *(["raw"] if "raw" in tokens.columns else []),
            pl.col("_ts").alias("ts"),
            null_if(pl.col("client"), "-").alias("src_ip"),
            pl.col("user_").alias("user"),
            host.alias("host"),
            path.alias("url_path"),
            pl.col("method_").alias("method"),
            status.alias("http_status"),
            pl.col("_action").alias("action"),
            pl.col("_bytes").alias("bytes_in"),
            # Blank: nothing left once the line is trimmed (what parse() tests otherwise).
            (pl.col("_n") == 0).alias(SKIP),
            first_reason(
                (
                    ~pl.col("_n").is_between(10, 11) | status.is_null(),
                    "not a Squid native access.log line",
                ),
                (pl.col("_ts").is_null(), "bad timestamp"),
                (pl.col("_bytes").is_null(), "bad size field"),
                (url.str.starts_with("error:"), "no request: Squid logged a transaction error"),
            ).alias(REASON),
        )

    def finish(self, out: pl.DataFrame) -> ParseResult:
        """:meth:`LogParser.finish`, the user names normalised."""
        return self._unfinished(out).finished()

    def parse_block(self, block: Block) -> ParseResult:
        """:meth:`parse` on the block's lines (see :meth:`scan_block`)."""
        return self.scan_block(block).finished()

    def scan_block(self, block: Block) -> ParseResult:
        """The block's events with the user names as logged (:data:`USERS`: a scan
        normalises those of the rows it keeps, a few per cent, and counts the others).

        The block's decoded lines are let go once split (the tokens are copies of their
        own), before the row query: a rejected line's text, which goes to rejects.csv,
        is then decoded again. Where the block before had a rejected line, the lines are
        kept to the end instead (a file with bad lines throughout decodes each block
        once). Host normalisation, matching and signals hold the block's fields, not a
        second copy of its text.
        """
        tokens = _tokens(block.frame().lazy())
        if not self._keep_lines:
            tokens = tokens.drop("raw")
            block.forget_lines()
        out = aligned(self._fields(tokens).collect(engine=self.engine))
        del tokens
        rejected = out[REASON].null_count() != out.height
        self._keep_lines = rejected
        if rejected and "raw" not in out.columns:
            out = out.with_columns(block.frame()["raw"])
        elif not rejected and "raw" in out.columns:
            out = out.drop("raw")
        block.forget_lines()
        return self._unfinished(out)

    def _unfinished(self, out: pl.DataFrame) -> ParseResult:
        return replace(super().finish(out), deferred=(USERS,))


def _finish_users(users: pl.Series) -> pl.Series:
    """Logged user names normalised (:func:`normalize_user`), once per distinct name."""
    return by_distinct(users, [normalize_user(pl.col(users.name))]).to_series()


def _users_present(users: pl.Series) -> int:
    """How many logged user names :func:`normalize_user` makes a name, not null, read
    without normalising most of them: a name that starts with printable ASCII from ``.``
    on (letters, digits, ``\\``, ``_``: told by byte order, from the bytes a string holds
    beside its pointer) keeps that character; the others (``-``, and names that start
    with other punctuation, whitespace or a character outside ASCII) are ``-`` or are
    normalised. Reading every name's bytes instead (a per-distinct normalisation, or any
    per-row test) costs ~8-14 ms a 48 MiB block, against ~2 ms.

    >>> _users_present(pl.Series(["alice", "-", "", " -\t", "-x", "\u00a0bob", None]))
    3
    """
    name = pl.col(users.name)
    plain = (name >= ".") & (name < "\x7f")
    first = users.to_frame().select(plain.fill_null(False)).to_series()
    count = int(first.sum())
    others = (~first & users.ne("-")).fill_null(False)
    if others.any():
        normalised = users.filter(others).to_frame().select(normalize_user(name).is_not_null())
        count += int(normalised.to_series().sum())
    return count


#: Squid's user names, finished (normalised) only for the rows a scan keeps.
USERS = Deferred("user", _finish_users, _users_present)


def squid_action(code: pl.Expr, status: pl.Expr) -> pl.Expr:
    """A Squid result's action from its code (``TCP_DENIED/403``) and status: blocked
    where the code says DENIED, allowed otherwise, and null for a DENIED 407, the proxy
    asking for credentials rather than a policy block (the client retries).

    >>> codes = pl.DataFrame({"c": ["TCP_MISS/200", "TCP_DENIED/403", "TCP_DENIED/407"]})
    >>> status = pl.col("c").str.tail(3).cast(pl.Int32)
    >>> codes.select(squid_action(pl.col("c"), status)).to_series().to_list()
    ['allowed', 'blocked', None]
    """
    denied = code.str.contains("DENIED", literal=True)  # only the code part has letters
    return (
        pl.when(denied & (status == 407))
        .then(None)
        .when(denied)
        .then(pl.lit("blocked"))
        .otherwise(pl.lit("allowed"))
    )


def _tokens(lines: pl.LazyFrame) -> pl.DataFrame:
    """``lines`` with the count of space-separated tokens (``_n``) and the first ten
    (``_FIELDS``, null past the last), as splitting each trimmed line on runs of spaces
    gives them.

    Only the elapsed field is padded (``%6tr``): in the usual line the tokens are the first
    piece of a split on single spaces and the last nine, every piece between them empty
    (told by the lengths: the ten add up to the line less its single spaces). The other
    lines (blank, short, more tokens, other runs of spaces) are split again, dropping the
    empty pieces, and put in their places.

    The lines are split as they are, not trimmed first (a copy of every line, ~10 ms of a
    48 MiB block's ~115): trimming changes only a line that starts or ends with
    whitespace, and a usual line starts with a digit (its time stamp) and ends with
    printable ASCII (its content type), which no whitespace is. A line that does not is
    redone, trimmed, with the others.
    """
    line = pl.col("raw")
    pieces = pl.col("_p")
    width = len(_FIELDS)
    picks = [pieces.list.get(0, null_on_oob=True).alias(_FIELDS[0])] + [
        pieces.list.get(i - width, null_on_oob=True).alias(name)
        for i, name in enumerate(_FIELDS)
        if i
    ]
    sizes = [pl.col(name).str.len_bytes() for name in _FIELDS]
    # Byte order: first >= "0" and < ":" is a first byte 0-9; the last character between
    # "!" and "~" is printable ASCII (a multi-byte character's first byte is above "~").
    first, last = pl.col(_FIELDS[0]), pl.col(_FIELDS[-1]).str.tail(1)
    usual = (
        (pl.col("_n") >= width)
        & (pl.sum_horizontal(sizes) + pl.col("_n") - 1 == line.str.len_bytes())
        & pl.all_horizontal([size > 0 for size in sizes])
        & (first >= "0")
        & (first < ":")
        & (last >= "!")
        & (last <= "~")
    ).fill_null(False)
    out = (
        lines.with_columns(line.str.split(" ").alias("_p"))
        .with_columns(pieces.list.len().alias("_n"), *picks)
        .with_columns(usual.alias("_usual"))
        .drop("_p")
        .collect()
    )
    # The streaming engine cuts the columns it makes into chunks of its own: an eager
    # operation on the frame would first copy every column into one chunk (~8 ms a
    # 48 MiB block), so the frame is put together again from its columns, in one layout.
    columns = {name: out[name] for name in out.columns if name != "_usual"}
    columns["_n"] = pl.repeat(width, out.height, dtype=pl.UInt32, eager=True).alias("_n")
    others = out["_usual"].not_().arg_true()
    if others.len():
        trimmed = line.str.strip_chars().str.split(" ")
        kept = trimmed.list.eval(pl.element().filter(pl.element() != ""))
        redone = (
            out["raw"]
            .gather(others)
            .to_frame()
            .lazy()
            .select(kept.alias("_p"))
            .select(
                pieces.list.len().alias("_n"),
                *[pieces.list.get(i, null_on_oob=True).alias(n) for i, n in enumerate(_FIELDS)],
            )
            .collect()
        )
        for name in redone.columns:
            columns[name] = columns[name].scatter(others, redone[name])
    return aligned(pl.DataFrame(list(columns.values())))


PARSERS = (SquidNativeParser,)
