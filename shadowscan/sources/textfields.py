"""Column-wise helpers the firewall and DNS parsers share: CSV fields, key=value pairs,
BSD syslog timestamps without a year, and action vocabularies.

Everything here builds polars expressions; nothing loops over lines.

>>> import polars as pl
>>> df = pl.DataFrame({"raw": ['a,"b,c",,"d ""q"" e"']})
>>> df.select(split_delimited(pl.col("raw"), ","))["raw"].to_list()
[['a', 'b,c', '', 'd "q" e']]
>>> kv = pl.DataFrame({"raw": ['<1>date=2024-08-28 msg="user=x y" user="bob"']})
>>> tokens = kv_tokens(pl.col("raw"))
>>> kv.select(kv_get(tokens, "user"), kv_get(tokens, "date").alias("d")).row(0)
('bob', '2024-08-28')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

import polars as pl

from shadowscan.frames import byte_slice
from shadowscan.schema import UTC_TS

#: A BSD syslog time stamp: ``Jan 23 23:59:11`` (a space-padded day is allowed).
BSD_TS = r"[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}"
#: How far ahead of the reference time a year-less time stamp may be before it is taken to
#: belong to the year before (clocks drift; a log of 31 Dec read on 1 Jan is last year's).
FUTURE_SLACK = timedelta(days=1)


def split_delimited(expr: pl.Expr, delimiter: str, *, quote: str = '"') -> pl.Expr:
    """Split a delimited line into its fields, honouring quoted fields (``""`` escapes).

    A field is quoted when it starts with the quote character; the quotes are removed.
    A field that starts quoted but never closes is read up to the next delimiter as is.
    """
    d = re.escape(delimiter)
    q = re.escape(quote)
    # Every field is preceded by a delimiter (one is prepended), so no match is ever empty:
    # the regex engine skips an empty match right after another match.
    pattern = rf"{d}({q}(?:[^{q}]|{q}{q})*{q}|[^{d}]*)"
    prefixed = expr.str.replace(r"^", delimiter.replace("$", "$$"))
    fields = prefixed.str.extract_all(pattern)
    e = pl.element().str.slice(len(delimiter))
    quoted = e.str.starts_with(quote) & e.str.ends_with(quote) & (e.str.len_chars() >= 2)
    inner = e.str.slice(1, e.str.len_chars() - 2).str.replace_all(quote * 2, quote, literal=True)
    return fields.list.eval(pl.when(quoted).then(inner).otherwise(e))


def share_matching(head: list[str], pattern: re.Pattern[str]) -> float:
    """The share of ``head`` lines that ``pattern`` matches at their start (0 when empty).

    What most ``detect`` methods return: a format is as certain as its lines look like it.

    >>> share_matching(["a1", "b2", "a3", "c"], re.compile("a"))
    0.5
    """
    if not head:
        return 0.0
    return sum(1 for line in head if pattern.match(line)) / len(head)


def field(fields: pl.Expr, index: int) -> pl.Expr:
    """Field ``index`` (0-based) of a split line; null when the line is shorter."""
    return fields.list.get(index, null_on_oob=True)


#: A ``key=value`` token's key, and its value: quoted (``\\"`` escapes inside) or up to
#: white space or a quote.
KV_KEY = r"[A-Za-z_][A-Za-z0-9_.\-]*"
KV_VALUE = r'"(?:[^"\\]|\\.)*"|[^\s"]*'
_KV = rf"{KV_KEY}=(?:{KV_VALUE})"


def kv_tokens(expr: pl.Expr) -> pl.Expr:
    """The ``key=value`` tokens of a line, left to right (a quoted value is one token).

    Scanning left to right keeps ``msg="user=x"`` whole, so keys never match inside values.
    """
    return expr.str.extract_all(_KV)


def kv_get(tokens: pl.Expr, key: str) -> pl.Expr:
    """The value of ``key`` among :func:`kv_tokens`, unquoted; null when absent."""
    prefix = f"{key}="
    e = pl.element()
    value = (
        tokens.list.eval(e.filter(e.str.starts_with(prefix)).str.slice(len(prefix)))
        .list.first()
        .alias(key)
    )
    return unquote(value).alias(key)


def unquote(value: pl.Expr, *, escapes: bool = True) -> pl.Expr:
    """A ``"quoted"`` value without its quotes and backslash escapes; others as they are.

    ``escapes=False`` when the caller knows no value holds a backslash: the escapes are
    then not looked for (the replacement copies every value even where nothing matches).
    """
    size = value.str.len_bytes()
    quoted = value.str.starts_with('"') & value.str.ends_with('"') & (size >= 2)
    inner = byte_slice(value, 1, size - 2)  # cut at ASCII quotes: the rest stays UTF-8
    if escapes:
        inner = inner.str.replace_all(r"\\(.)", "$1")
    return pl.when(quoted).then(inner).otherwise(value)


def zoned_to_utc(naive: pl.Expr, tz: str) -> pl.Expr:
    """A naive datetime read as wall-clock time in ``tz``, converted to UTC.

    An ambiguous time (the hour a clock turns back) is the earlier one; a time that does not
    exist (the hour it skips) is null, so the line is rejected as a bad time stamp.
    """
    return (
        naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .cast(UTC_TS)
    )


def bsd_syslog_ts(text: pl.Expr, reference: datetime, *, tz: str = "UTC") -> pl.Expr:
    """A year-less syslog time stamp (``Jan 23 23:59:11``) as UTC, read in ``tz``.

    The year is the reference's (the time the file is read, UTC), or the year before when
    that would put the time more than :data:`FUTURE_SLACK` after the reference: a log is
    never from the future. The result depends on the reference, never on the machine's
    time zone or a file's modification time.
    """
    norm = text.str.replace_all(r"\s+", " ")

    def in_year(year: int) -> pl.Expr:
        naive = (pl.lit(f"{year} ") + norm).str.strptime(
            pl.Datetime("us"), "%Y %b %d %H:%M:%S%.f", strict=False
        )
        return zoned_to_utc(naive, tz)

    this_year = in_year(reference.year)
    limit = reference + FUTURE_SLACK
    return (
        pl.when(this_year.is_not_null() & (this_year <= pl.lit(limit)))
        .then(this_year)
        .otherwise(in_year(reference.year - 1))
    )


def map_action(
    expr: pl.Expr, *, allowed: Iterable[str] = (), blocked: Iterable[str] = ()
) -> pl.Expr:
    """``allowed`` / ``blocked`` by the (case-insensitive) vocabulary; other values null."""
    key = expr.str.strip_chars().str.to_lowercase()
    return (
        pl.when(key.is_in([v.lower() for v in blocked]))
        .then(pl.lit("blocked"))
        .when(key.is_in([v.lower() for v in allowed]))
        .then(pl.lit("allowed"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def is_ip(expr: pl.Expr) -> pl.Expr:
    """True when ``expr`` looks like an IPv4 or IPv6 address (not a host name)."""
    v4 = expr.str.contains(r"^\d{1,3}(?:\.\d{1,3}){3}$")
    v6 = expr.str.contains(r"^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$")
    return v4 | v6
