"""BIND9 query log (``querylog yes``), old and 9.16+ layouts.

Old: ``12-Nov-2015 23:34:08.622 client 127.0.0.1#59680 (cnn.com): query: cnn.com IN A +``
9.16+: ``... client @0x7f65100ee4d8 192.168.1.1#3076 (example.com): query: ...`` and the
denied forms ``query (cache) 'example.com/ANY/IN' denied`` (action ``blocked``). BIND logs
local time: ``--tz`` says which zone. A query line without a timestamp (``print-time no``)
cannot be placed in time and is rejected with that reason. Zone transfers, dynamic updates
and notifies are server traffic about a zone, not a person's lookup: skipped and counted.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar, cast

import polars as pl

from shadowscan.frames import byte_slice
from shadowscan.sources.base import BLANK, REASON, SKIP, LogParser, ParseResult, first_reason
from shadowscan.sources.reader import Block
from shadowscan.sources.textfields import share_matching

_TS = r"(\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?)"
_LINE = (
    rf"^(?:{_TS}\s+)?(?:[a-z0-9_-]+:\s+)*client\s+(?:@0x[0-9a-fA-F]+\s+)?"
    r"([0-9A-Fa-f:.]+)#\d+(?:\s+\(([^)]*)\))?:\s+(?:view\s+[^:]+:\s+)?(.*)$"
)
_QUERY = r"^query:\s+(\S+)\s+\S+\s+(\S+)"
_DENIED = r"^query(?: \(cache\))?\s+'([^/']+)/([^/']+)/[^']*'\s+denied"
#: Server-to-server and admin messages (zone transfers, dynamic updates, notifies) name a
#: zone, not a lookup a person made: they are skipped (counted), never events.
_ADMIN = r"^(?:zone transfer|update|bad zone transfer request|notify|transfer of)\b"
_DETECT = re.compile(_LINE)


class Bind9Parser(LogParser):
    """BIND9 query and denied-request log lines."""

    name = "bind9"
    source = "dns"
    description = "BIND9 query log (querylog; old and 9.16+ layouts, denied queries)"
    fields: ClassVar[tuple[str, ...]] = ("src_ip", "action")
    local_time = True

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that are BIND9 client lines."""
        return share_matching(head, _DETECT)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Plain query lines by splitting on spaces; any other line by the full regex.

        Nearly every line of a busy resolver is ``DATE TIME client [@0x..] IP#PORT (NAME):
        query: NAME CLASS TYPE ...``: those are read by position after one split, every
        token checked so that they give exactly what the regex would. The rest (denied
        queries, categories, views, zone transfers, odd spacing) go through the regex.
        """
        frame = lines.collect()
        # Materialised once: polars would otherwise split the line again for every token.
        split = frame.with_columns(pl.col("raw").str.split(" ").alias("_t")).with_columns(
            pl.col("_t").list.get(3, null_on_oob=True).str.starts_with("@0x").alias("_at")
        )
        # A server logs the @0x token on every line or on none: the tokens are then read
        # at constant positions (faster than at a per-line offset).
        at = split["_at"].fill_null(False)
        offset: int | pl.Expr = 1 if at.all() else 0 if not at.any() else _at_offset()
        plain = self._read_plain(
            split.lazy().with_columns(_plain_tokens(offset)), ["line_no", "raw"]
        )
        return self._patch(plain, frame).lazy()

    def _patch(self, plain: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
        """``plain`` (from :meth:`_read_plain`) with the rows that are not plain query
        lines read by the regex from ``frame``'s lines instead, and ``_ok`` dropped."""
        ok = plain["_ok"]
        plain = plain.drop("_ok")
        if ok.all():
            return plain
        rows = (~ok).arg_true()
        # Blank lines are skipped (``parse`` marks them; a plain line is never blank).
        slow = self._parse_regex(frame[rows].lazy()).with_columns(pl.col(SKIP) | BLANK).collect()
        columns = [c for c in plain.columns if c not in ("line_no", "raw")]
        return plain.with_columns([plain[c].scatter(rows, slow[c]) for c in columns])

    def parse_block(self, block: Block) -> ParseResult:
        """A block of plain query lines straight from its bytes, else :meth:`parse`."""
        plain = self._plain_block(block)
        return plain if plain is not None else super().parse_block(block)

    def _plain_block(self, block: Block) -> ParseResult | None:
        """The block read by the CSV reader (one pass, no string per line) when its lines
        have one layout; None for any other block.

        Its fields are the tokens :meth:`parse_lines` splits (both split on single
        spaces) and are checked the same way; the lines that are not plain query lines
        (denied queries, views, blank lines...) are decoded and read by the regex, as
        there. The result is what :meth:`parse` gives.
        """
        fields = block.fields(" ", 10)
        if fields is None:
            return None
        # The layout of the client lines (the others are not plain query lines anyway).
        at = fields.filter(pl.col("c2") == "client")["c3"].str.starts_with("@0x")
        offset = 1 if at.all() else 0 if not at.any() else None
        if offset is None:  # both layouts in one block: the line path sorts them out
            return None
        tokens = fields.lazy().select(
            block.line_no(),
            pl.lit(offset == 1).alias("_at"),
            *[pl.col(f"c{i}").alias(name) for i, name in enumerate(_LEAD)],
            *[pl.col(f"c{3 + offset + i}").alias(name) for i, name in enumerate(_AFTER_AT)],
        )
        plain = self._read_plain(tokens, ["line_no"], _one_date(fields["c0"]))
        if plain["_ok"].all():
            return self.finish(plain.drop("_ok"))
        frame = block.frame()  # the other lines' text, for the regex (and rejects)
        return self.finish(self._patch(plain.with_columns(frame["raw"]), frame))

    def _read_plain(
        self, tokens: pl.LazyFrame, keep: list[str], date: datetime | None = None
    ) -> pl.DataFrame:
        """Events from the tokens of plain query lines (``_plain_tokens``), with ``_ok``:
        whether each line is one (the other lines' values are to be replaced)."""
        return (
            tokens.with_columns(_plain_naive_ts(date).alias("_naive"))
            .select(
                *keep,
                self.local_to_utc(pl.col("_naive")).alias("ts"),
                byte_slice(
                    pl.col("_ipport"), 0, pl.col("_ipport").str.find("#", literal=True)
                ).alias("src_ip"),
                pl.col("_qname").alias("host"),
                pl.lit(None, dtype=pl.String).alias("action"),
                pl.lit(False).alias(SKIP),
                pl.lit(None, dtype=pl.String).alias(REASON),
                _plain_ok(date_checked=date is not None).alias("_ok"),
            )
            .collect()
        )

    def _parse_regex(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Any BIND9 line: split the client prefix, then read the query name."""
        names = ["ts_", "client", "view_name", "msg"]
        g = pl.col("raw").str.extract_groups(_LINE).struct.rename_fields(names)
        p = lines.with_columns(g.alias("_g")).unnest("_g")
        msg = pl.col("msg")
        query_name = msg.str.extract(_QUERY, 1)
        denied_name = msg.str.extract(_DENIED, 1)
        name = pl.coalesce(query_name, denied_name)
        naive = pl.col("ts_").str.strptime(pl.Datetime("us"), "%d-%b-%Y %H:%M:%S%.f", strict=False)
        ts = self.local_to_utc(naive)
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            pl.col("client").alias("src_ip"),
            name.alias("host"),
            pl.when(denied_name.is_not_null())
            .then(pl.lit("blocked"))
            .otherwise(None)
            .alias("action"),
            (pl.col("client").is_not_null() & msg.str.contains(_ADMIN)).alias(SKIP),
            first_reason(
                (pl.col("client").is_null(), "not a BIND9 client log line"),
                (pl.col("ts_").is_null(), "no timestamp (set print-time yes in BIND logging)"),
                (ts.is_null(), "bad timestamp"),
                (name.is_null(), "BIND9 client message without a query name"),
            ).alias(REASON),
        )


def _at_offset() -> pl.Expr:
    """1 on lines with the ``@0x`` token, else 0: where the tokens after it are."""
    return pl.col("_at").fill_null(False).cast(pl.Int64)


#: A plain query line's first tokens, and those after the ``@0x`` token (or where it
#: would be).
_LEAD = ("_date", "_clock", "_client", "_t3")
_AFTER_AT = ("_ipport", "_paren", "_query", "_qname", "_class", "_type")


def _plain_tokens(offset: int | pl.Expr) -> list[pl.Expr]:
    """The tokens of a plain query line; those after ``@0x`` at ``offset`` past the
    position they have without it."""
    t = pl.col("_t")
    return [
        *[t.list.get(i, null_on_oob=True).alias(name) for i, name in enumerate(_LEAD)],
        *[
            t.list.get(offset + 3 + i, null_on_oob=True).alias(name)
            for i, name in enumerate(_AFTER_AT)
        ],
    ]


def _plain_naive_ts(date: datetime | None = None) -> pl.Expr:
    """A plain line's stamp, exactly ``DD-Mon-YYYY HH:MM:SS.fff``: seconds and milliseconds
    apart, because the seconds repeat (strptime caches them) and whole stamps do not.

    ``date``: the day every line of the chunk logs (:func:`_one_date`), so only the clock
    is read. Where both read a stamp they agree; a leap second (``23:59:60``), which only
    the whole-stamp form reads, leaves the line to the regex.
    """
    clock = pl.col("_clock")
    if date is None:
        seconds = (pl.col("_date") + pl.lit(" ") + clock.str.slice(0, 8)).str.strptime(
            pl.Datetime("us"), "%d-%b-%Y %H:%M:%S", strict=False
        )
    else:
        time_of_day = clock.str.slice(0, 8).str.strptime(pl.Time, "%H:%M:%S", strict=False)
        seconds = pl.lit(date, dtype=pl.Datetime("us")) + time_of_day.cast(pl.Duration("us"))
    return seconds + pl.duration(milliseconds=clock.str.slice(9).cast(pl.Int64, strict=False))


_DATE = r"^\d{2}-[A-Za-z]{3}-\d{4}$"


def _one_date(dates: pl.Series) -> datetime | None:
    """The day of ``dates`` when they are all one valid ``DD-Mon-YYYY`` token (a chunk of a
    day's log), else None."""
    if dates.is_empty() or not (dates == dates[0]).all() or not re.match(_DATE, dates[0]):
        return None
    day = pl.Series([dates[0]]).str.strptime(pl.Datetime("us"), "%d-%b-%Y", strict=False)[0]
    return cast(datetime | None, day)


def _name_in_parens(token: pl.Expr) -> pl.Expr:
    r"""``^\([^)]*\):$`` without a regex: "(", then no ")" until the closing "):" at the end
    (a byte search and two ends; ")" is ASCII, so byte offsets are exact)."""
    first_close = token.str.find(")", literal=True)
    return (
        token.str.starts_with("(")
        & token.str.ends_with("):")
        & (first_close == token.str.len_bytes().cast(pl.Int64) - 2)
    )


def _plain_ok(date_checked: bool = False) -> pl.Expr:
    """True where every token of a plain query line is what the full regex would accept
    (``date_checked``: the chunk's one date token already was)."""
    date_ok = pl.lit(True) if date_checked else pl.col("_date").str.contains(_DATE)
    ok = (
        date_ok
        & pl.col("_clock").str.contains(r"^\d{2}:\d{2}:\d{2}\.\d{3}$")
        & (pl.col("_client") == "client")
        & (~pl.col("_at") | pl.col("_t3").str.contains(r"^@0x[0-9a-fA-F]+$"))
        & pl.col("_ipport").str.contains(r"^[0-9A-Fa-f:.]+#\d+$")
        & _name_in_parens(pl.col("_paren"))
        & (pl.col("_query") == "query:")
        & (pl.col("_qname").str.len_bytes() > 0)
        & (pl.col("_class").str.len_bytes() > 0)
        & (pl.col("_type").str.len_bytes() > 0)
        & pl.col("_naive").is_not_null()
    )
    return ok.fill_null(False)


PARSERS = (Bind9Parser,)
