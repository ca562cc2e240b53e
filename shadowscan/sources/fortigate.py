"""Fortinet FortiGate key=value syslog (FortiOS 6.x/7.x): traffic and UTM logs.

``<190>date=2024-10-15 time=10:29:59 devname="MYDEV" ... tz="+0200" type="utm"
subtype="app-ctrl" srcip=1.2.3.6 dstip=10.1.2.3 action="pass" hostname="x.example"
url="/path?q" agent="Mozilla/5.0 ..." user="bob"``. Values may be quoted (``\\"`` escapes).

``date`` + ``time`` are read in the offset of ``tz="+0200"`` when the line has one (FortiOS
6.2+), else in ``--tz``. ``host`` is ``hostname`` (web filter, application control), else
the DNS ``qname``, else the destination IP. ``url`` is a path (``/g/collect?...``) or a full
URL; the query string is dropped. ``sentbyte``/``rcvdbyte`` are the session's bytes out/in.
System events (``type="event"``: admin logins, HA, VPN tunnel state) are not traffic and
are skipped.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.frames import byte_slice
from shadowscan.schema import UTC_TS
from shadowscan.sources.base import REASON, SKIP, LogParser, first_reason, null_if
from shadowscan.sources.normalize import normalize_hosts_of, normalize_user, url_parts
from shadowscan.sources.textfields import (
    KV_KEY,
    KV_VALUE,
    kv_tokens,
    map_action,
    share_matching,
    unquote,
)

_DETECT = re.compile(
    r"^(?:<\d+>)?(?:.*?\s)?date=\d{4}-\d{2}-\d{2}\s+time=\d{2}:\d{2}:\d{2}\s.*"
    r"\b(?:devname|devid|logid)=",
)
_KEYS = (
    "date",
    "time",
    "tz",
    "type",
    "srcip",
    "dstip",
    "hostname",
    "qname",
    "url",
    "user",
    "unauthuser",
    "agent",
    "httpmethod",
    "action",
    "utmaction",
    "sentbyte",
    "rcvdbyte",
    "app",
)
_ALLOWED = (
    "accept",
    "pass",
    "passthrough",
    "allow",
    "permit",
    "monitored",
    "close",
    "timeout",
    "server-rst",
    "client-rst",
)
_BLOCKED = ("deny", "block", "blocked", "drop", "dropped", "reset", "reject")


#: Lines :func:`_wanted` tests first: where none of them is plain, it tests no more.
_PEEK = 1_000
#: A line that is nothing but ``key=value`` tokens apart from white space between them
#: (after a syslog priority and words without "=" or a quote, a syslog server's header,
#: if any), no quote or backslash inside a quoted value: its tokens are then told by
#: where a key starts after white space.
_PLAIN = rf'^(?:<\d+>)?\s*(?:[^=\s"]+\s+)*(?:{KV_KEY}=(?:"[^"\\]*"|[^\s"]*)(?:\s+|$))*$'
#: A quoted value that holds `` key=`` of a wanted key (the quotes before it paired up).
_KEY_IN_QUOTES = (
    r'^(?:[^"]*"[^"]*")*[^"]*"[^"]*\s(?:' + "|".join(re.escape(k) for k in _KEYS) + ")="
)


def _wanted(lines: pl.DataFrame) -> pl.DataFrame:
    """The value of each wanted key (``k_<key>``, unquoted; null where absent) of each of
    ``lines``' lines, the first where a key repeats, as :func:`_tokenised` reads them.

    A plain line (:data:`_PLAIN`, no wanted key inside a quoted value) is read key by key
    (:func:`_by_key`): in such a line a token starts exactly where a key follows white
    space, so no token list is needed (1M generated lines, 650 MB: x0.78 end to end). The
    other lines are tokenised. Where none of the first lines is plain, the lines are
    tokenised without testing the others (the two tests cost ~86 ms a 24 MiB block).
    """
    raw = pl.col("raw")
    is_plain = (raw.str.contains(_PLAIN) & ~raw.str.contains(_KEY_IN_QUOTES)).fill_null(False)
    if not lines.head(_PEEK).select(is_plain.any()).item():
        return _tokenised(lines)
    plain = lines.select(is_plain).to_series()
    if plain.all():
        return _by_key(lines)
    if not plain.any():
        return _tokenised(lines)
    # Each kind read on its own lines, then put back in line order.
    read = [_by_key(lines.filter(plain)), _tokenised(lines.filter(~plain))]
    rows = [plain.arg_true(), (~plain).arg_true()]
    parts = [part.with_columns(row.alias("_i")) for part, row in zip(read, rows, strict=True)]
    return pl.concat(parts).sort("_i").drop("_i")


def _by_key(lines: pl.DataFrame) -> pl.DataFrame:
    """:func:`_wanted` for plain lines: one regex per wanted key, at a key that starts the
    line (after its priority) or follows white space. The values are extracted first and
    unquoted after: unquoting inside the same expression ran each regex once per use (642
    against 223 ms a 24 MiB block, one thread)."""
    raw = pl.col("raw")
    names = [f"k_{key}" for key in _KEYS]
    return lines.select(
        raw.str.extract(rf"(?:^(?:<\d+>)?|\s){re.escape(key)}=({KV_VALUE})", 1).alias(name)
        for key, name in zip(_KEYS, names, strict=True)
    ).select(unquote(pl.col(name), escapes=False) for name in names)


def _tokenised(lines: pl.DataFrame) -> pl.DataFrame:
    """:func:`_wanted` by tokenising each line: one explode of every line's pairs, then
    one pass picks the wanted keys (far cheaper than scanning each line's pair list once
    per key). Backslash escapes are undone only when one of the lines has a backslash."""
    escapes = lines.select(pl.col("raw").str.contains("\\", literal=True).any()).item()
    # Each token's key is cut at its first "=" (a key has none) and only the wanted
    # keys' values are cut out, not every token split into key and value (1M lines:
    # x0.988 end to end, peak 930 -> 792 MiB).
    token, equals, key = pl.col("_t"), pl.col("_e"), pl.col("_k")
    pairs = (
        lines.lazy()
        .select("line_no", kv_tokens(pl.col("raw")).alias("_t"))
        .explode("_t")
        .with_columns(token.str.find("=", literal=True).alias("_e"))
        .with_columns(byte_slice(token, 0, equals).alias("_k"))
        .filter(key.is_in(_KEYS))
        .select("line_no", key, byte_slice(token, equals + 1).alias("_v"))
        .with_columns(unquote(pl.col("_v"), escapes=escapes))  # about half
    )
    wide = pairs.group_by("line_no").agg(
        *[pl.col("_v").filter(pl.col("_k") == key).first().alias(f"k_{key}") for key in _KEYS]
    )
    return (
        lines.lazy()
        .select("line_no")
        .join(wide, on="line_no", how="left", maintain_order="left")
        .drop("line_no")
        .collect()
    )


class FortigateParser(LogParser):
    """FortiGate traffic and UTM (web filter, app control, DNS, SSL) key=value logs."""

    name = "fortigate"
    source = "firewall"
    description = "Fortinet FortiGate key=value syslog (traffic, web filter, app control, DNS)"
    fields: ClassVar[tuple[str, ...]] = (
        "user",
        "src_ip",
        "url_path",
        "bytes_out",
        "bytes_in",
        "user_agent",
        "action",
        "method",
        "app",
    )
    local_time = True

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines with FortiOS ``date= time=`` and a device key."""
        return share_matching(head, _DETECT)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Read each wanted key's value (:func:`_wanted`), then the event columns."""
        frame = lines.collect()
        values = _wanted(frame)
        # The URL read once; its hosts normalised once per distinct value.
        p = (
            pl.concat([frame, values], how="horizontal")
            .lazy()
            .with_columns(url_parts(null_if(pl.col("k_url"), "", "N/A")).alias("_url"))
            .with_columns(pl.col("_url").struct.unnest())
        )

        def k(key: str) -> pl.Expr:
            return null_if(pl.col(f"k_{key}"), "", "N/A")

        stamp = k("date") + pl.lit(" ") + k("time")
        offset = k("tz").str.replace(r"^([+-]\d{2}):?(\d{2})$", "$1$2")
        with_offset = (stamp + pl.lit(" ") + offset).str.strptime(
            UTC_TS, "%Y-%m-%d %H:%M:%S %z", strict=False
        )
        naive = stamp.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
        ts = pl.when(offset.is_not_null()).then(with_offset).otherwise(self.local_to_utc(naive))
        # A URL that is a path ("/g/collect?...") has no authority: no host, that path.
        host = pl.coalesce(k("hostname"), normalize_hosts_of("authority"), k("qname"), k("dstip"))
        action = map_action(
            pl.coalesce(k("utmaction"), k("action")), allowed=_ALLOWED, blocked=_BLOCKED
        )
        bytes_out = k("sentbyte").cast(pl.Int64, strict=False)
        bytes_in = k("rcvdbyte").cast(pl.Int64, strict=False)
        is_line = k("date").is_not_null() | k("time").is_not_null()
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            k("srcip").alias("src_ip"),
            normalize_user(pl.coalesce(k("user"), k("unauthuser"))).alias("user"),
            host.alias("host"),
            pl.when(pl.col("path") != "").then(pl.col("path")).alias("url_path"),
            k("httpmethod").str.to_uppercase().alias("method"),
            action.alias("action"),
            bytes_out.alias("bytes_out"),
            bytes_in.alias("bytes_in"),
            k("agent").alias("user_agent"),
            k("app").alias("app"),
            (is_line & (k("type") == "event")).alias(SKIP),
            first_reason(
                (~is_line, "not a FortiGate key=value log line"),
                (ts.is_null(), "bad date/time"),
                (host.is_null(), "no hostname, qname or dstip"),
                (k("sentbyte").is_not_null() & bytes_out.is_null(), "bad sentbyte"),
                (k("rcvdbyte").is_not_null() & bytes_in.is_null(), "bad rcvdbyte"),
            ).alias(REASON),
        )


PARSERS = (FortigateParser,)
