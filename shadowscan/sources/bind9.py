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
from typing import ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, LogParser, first_reason
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
        """Split the client prefix, then read the query name from the message."""
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


PARSERS = (Bind9Parser,)
