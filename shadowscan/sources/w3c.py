"""W3C extended log format / ELFF: Blue Coat (Symantec) ProxySG access logs and IIS logs.

The columns are named by a ``#Fields:`` directive; a log may restart with a new
``#Fields:`` line mid-file (IIS does at every restart, a ProxySG upload may change format)
and each data line is read with the header that precedes it. Fields are separated by
spaces; a value holding spaces is double-quoted (ProxySG) or has them replaced by ``+``
(IIS, kept as logged); ``-`` is empty.

ProxySG names: ``date time c-ip cs-username cs-host cs-uri-scheme cs-uri-path cs-method
sc-status sc-filter-result s-action cs-bytes sc-bytes cs(User-Agent)``...; IIS names:
``s-ip cs-uri-stem cs(Host)`` (when logged). ``date``/``time`` are UTC in both.
An IIS log without ``cs(Host)`` names its server by address: ``s-ip`` is the host.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import polars as pl

from shadowscan.frames import by_distinct
from shadowscan.sources.base import REASON, SKIP, LogParser, ParseResult, first_reason, null_if
from shadowscan.sources.normalize import normalize_user, split_spaced, split_url

_FIELDS = "#Fields:"
_HDR = "_hdr"
#: For each event column, the W3C fields that can fill it, first present wins.
_HOST = ("cs-host", "cs(Host)", "r-host", "x-cs-host", "r-dns")
_URL = ("cs-uri", "cs-url", "c-uri")
_PATH = ("cs-uri-path", "cs-uri-stem")
#: Fields that only a proxy logs: their presence means ``s-ip`` is the proxy, not the server.
_PROXY_ONLY = ("sc-filter-result", "s-action", "cs-uri-scheme", "x-exception-id", "s-hierarchy")
#: The fields the action is read from, as logged (:func:`_resolved`).
_FILTER, _S_ACTION = "_filter", "_s_action"


def _headers(lines: pl.LazyFrame) -> list[str]:
    """The ``#Fields:`` lines among ``lines``, in order."""
    raw = pl.col("raw")
    found = lines.filter(raw.str.starts_with(_FIELDS)).select(raw.str.strip_chars_end())
    return found.collect()["raw"].to_list()


def _columns(header: str) -> list[str]:
    return header[len(_FIELDS) :].split()


def _first(columns: list[str], names: tuple[str, ...], parts: pl.Expr) -> pl.Expr:
    """The value of the first of ``names`` that the header has, ``-`` as null."""
    for name in names:
        if name in columns:
            value = parts.list.get(columns.index(name), null_on_oob=True)
            return null_if(value, "-", "")
    return pl.lit(None, dtype=pl.String)


def _event_exprs(columns: list[str], parts: pl.Expr) -> dict[str, pl.Expr]:
    """Event columns (and a reason) for lines written under the header ``columns``."""

    def get(*names: str) -> pl.Expr:
        return _first(columns, names, parts)

    url_host, url_path = split_url(get(*_URL))
    # The path as logged up to its "?" or "#"; "" is none (replaced, not tested by a
    # when/then, which would compute the path twice: ~22 against ~42 ms a 48 MiB block).
    path = get(*_PATH).str.replace(r"[?#].*$", "").replace("", None)
    host = pl.coalesce(get(*_HOST), url_host)
    if "s-ip" in columns and not any(name in columns for name in _PROXY_ONLY):
        host = pl.coalesce(host, get("s-ip"))
    date, time = get("date"), get("time")
    ts = (date + pl.lit(" ") + time).str.strptime(
        pl.Datetime("us", "UTC"), "%Y-%m-%d %H:%M:%S%.f", strict=False
    )
    if "date" not in columns or "time" not in columns:
        bad_ts = (pl.lit(True), "the #Fields: header has no date and time fields")
    else:
        bad_ts = (ts.is_null(), "bad date or time")
    n = len(columns)
    return {
        "ts": ts,
        "src_ip": get("c-ip"),
        "user": get("cs-username"),
        "host": host,
        "url_path": pl.coalesce(path, url_path),
        "method": get("cs-method"),
        "http_status": get("sc-status").cast(pl.Int32, strict=False),
        _FILTER: get("sc-filter-result"),
        _S_ACTION: get("s-action"),
        "bytes_out": get("cs-bytes").cast(pl.Int64, strict=False),
        "bytes_in": get("sc-bytes").cast(pl.Int64, strict=False),
        "user_agent": get("cs(User-Agent)"),
        REASON: first_reason(
            (parts.list.len() != n, f"expected {n} fields (per the #Fields: header)"),
            bad_ts,
        ),
    }


def _resolved(out: pl.DataFrame) -> pl.DataFrame:
    """``parse_lines``' output with the user names normalised and the action read from
    the filter result or ``s-action``, once per distinct value (user names and actions
    repeat; per row they cost ~23 and ~25 ms a 48 MiB block of ProxySG lines)."""
    user, filter_result, s_action = pl.col("user"), pl.col(_FILTER), pl.col(_S_ACTION)

    def verdict(denied: pl.Expr) -> pl.Expr:
        return pl.when(denied).then(pl.lit("blocked")).otherwise(pl.lit("allowed"))

    by_filter = verdict(filter_result.str.to_uppercase() == "DENIED")
    by_s_action = verdict(s_action.str.to_uppercase().str.contains("DENIED", literal=True))
    columns = out.select(
        user.cast(pl.String), filter_result.cast(pl.String), s_action.cast(pl.String)
    )
    users = by_distinct(columns["user"], [normalize_user(user)]).to_series()
    filters = by_distinct(columns[_FILTER], [by_filter]).to_series()
    s_actions = by_distinct(columns[_S_ACTION], [by_s_action]).to_series()
    # A null field gives a null action (by_distinct), so the filter result wins where logged.
    resolved = out.with_columns(
        users.alias("user"), pl.coalesce(filters, s_actions).alias("action")
    )
    return resolved.drop(_FILTER, _S_ACTION)


class W3cParser(LogParser):
    """W3C extended / ELFF logs with a ``#Fields:`` header (ProxySG, IIS)."""

    name = "w3c"
    source = "proxy"
    description = "W3C extended / ELFF with #Fields: header (Blue Coat ProxySG, IIS)"
    fields: ClassVar[tuple[str, ...]] = (
        "user",
        "src_ip",
        "url_path",
        "bytes_out",
        "bytes_in",
        "user_agent",
        "action",
        "method",
        "http_status",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The last ``#Fields:`` line seen: it governs the next chunk's first lines.
        self.header: str | None = None

    def finish(self, out: pl.DataFrame) -> ParseResult:
        """:meth:`LogParser.finish` once the user names and actions are read
        (:func:`_resolved`)."""
        return super().finish(_resolved(out))

    def for_chunk(self, lines: pl.DataFrame) -> W3cParser:
        """A copy that reads ``lines`` with the header carried into them; this parser then
        carries the chunk's last ``#Fields:`` line on to the next chunk."""
        reader = copy.copy(self)
        headers = _headers(lines.lazy())
        if headers:
            self.header = headers[-1]
        return reader

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain when a ``#Fields:`` directive names W3C fields (date, time, c-ip...)."""
        for line in head:
            if line.startswith(_FIELDS):
                known = {"date", "time", "c-ip", "cs-method", "cs-uri-stem", "cs-host"}
                return 1.0 if known & set(_columns(line)) else 0.0
        return 0.0

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Each line is read with the nearest ``#Fields:`` above it (from earlier chunks too)."""
        raw = pl.col("raw")
        is_header = raw.str.starts_with(_FIELDS)
        frame = lines.collect()
        headers = _headers(frame.lazy())
        carried = self.header
        known = list(dict.fromkeys([h for h in [carried, *headers] if h is not None]))
        if headers:
            self.header = headers[-1]
        # Which header governs each line, as a small number (compared once per column
        # and header, where comparing the header text itself would cost a string each):
        # set on the header lines (``headers``, in order) and carried down.
        ids = {h: i for i, h in enumerate(known)}
        at = frame.select(is_header).to_series().arg_true()
        hdr = pl.repeat(None, frame.height, dtype=pl.Int32, eager=True).alias(_HDR)
        hdr = hdr.scatter(at, pl.Series([ids[h] for h in headers], dtype=pl.Int32))
        hdr = hdr.forward_fill()
        if carried is not None:
            hdr = hdr.fill_null(ids[carried])
        fields = split_spaced(frame["raw"].str.strip_chars())
        p = frame.with_columns(fields.alias("_p"), hdr).lazy()
        parts = pl.col("_p")
        per_header = {h: _event_exprs(_columns(h), parts) for h in known}
        # Every line under one header (most blocks): its expressions as they are.
        only = known[0] if len(known) == 1 and hdr.null_count() == 0 else None
        names = ["ts", "src_ip", "user", "host", "url_path", "method", "http_status", _FILTER]
        names += [_S_ACTION, "bytes_out", "bytes_in", "user_agent", REASON]
        out = []
        for name in names:
            if only is not None:
                out.append(per_header[only][name].alias(name))
                continue
            expr: pl.Expr = (
                pl.lit("no #Fields: header before this line") if name == REASON else pl.lit(None)
            )
            for h, exprs in per_header.items():
                expr = pl.when(pl.col(_HDR) == ids[h]).then(exprs[name]).otherwise(expr)
            out.append(expr.alias(name))
        return p.select(
            "line_no",
            "raw",
            *out[:-1],
            raw.str.starts_with("#").alias(SKIP),
            out[-1],
        )


PARSERS = (W3cParser,)
