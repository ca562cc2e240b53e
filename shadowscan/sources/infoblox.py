"""Infoblox NIOS DNS syslog (``named``): query logging, response logging and RPZ hits.

Every line has a syslog header, ``<30>Mar 11 23:51:31 host named[11042]: ...``, then:

- a query (``queries:`` category, BIND layout): ``client @0x7f.. 192.168.1.90#64727
  (ocsp.digicert.com): query: ocsp.digicert.com IN A + (192.168.1.10)``;
- a response (``infoblox-responses:``): ``07-Apr-2022 08:08:10.043 client 192.168.0.1#57398
  UDP: query: a1.foo.com IN A response: NOERROR +ED ...``;
- an RPZ hit in CEF: ``CEF:0|Infoblox|NIOS|8.6.2|RPZ-QNAME|NXDOMAIN|7|... src=192.168.0.1
  ... msg="rpz QNAME NXDOMAIN rewrite nxd1.com [A] via nxd1.com.rpz1.com"``.

Those are events. A ``REFUSED`` response and an RPZ rewrite are ``blocked``, another
response ``allowed``; a query line says nothing of the outcome (null). The server's other
messages (zone transfers, notifies, DNSSEC validation, RPZ reloads, ``query failed``
lines, which repeat a query already logged) are skipped. Lines of other programs in the
same syslog stream are skipped too.

Time: the response layout carries a BIND time stamp with its year, used as is; the others
only have the year-less syslog stamp (its year: see ``docs/formats-firewall-dns.md``).
NIOS logs local time: ``--tz``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, YearlessSyslogParser, first_reason
from shadowscan.sources.textfields import BSD_TS, share_matching

_HEAD = rf"^(?:<\d+>)?\s*({BSD_TS})\s+(.*)$"
_NAMED = r"^(?:.*?\s)?named(?:\[\d+\])?:\s+(.*)$"
_DETECT = re.compile(rf"^(?:<\d+>)?\s*{BSD_TS}\s+(?:.*?\s)?named(?:\[\d+\])?:\s")
_BIND_TS = r"(\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?)"
_QUERY = (
    rf"^(?:[a-z][a-z0-9_-]*:\s+)?(?:{_BIND_TS}\s+)?client\s+(?:@0x[0-9A-Fa-f]+\s+)?"
    r"([0-9A-Fa-f:.]+)#\d+(?:\s+\([^)]*\))?:?\s+(?:view\s+[^:]+:\s+)?(?:(?:UDP|TCP):\s+)?"
    r"query:\s+(\S+)\s+\S+\s+\S+(.*)$"
)
_CEF = r"^CEF:\d+\|Infoblox\|NIOS\|[^|]*\|RPZ-[^|]*\|"


class InfobloxParser(YearlessSyslogParser):
    """Infoblox NIOS named syslog: queries, responses, RPZ hits."""

    name = "infoblox"
    source = "dns"
    description = "Infoblox NIOS DNS syslog (query/response logging, RPZ CEF -> blocked)"
    fields: ClassVar[tuple[str, ...]] = ("src_ip", "action")
    local_time = True

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that are syslog lines of ``named``."""
        return share_matching(head, _DETECT)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Read the syslog header, then the query, response or RPZ message."""
        raw = pl.col("raw")
        rest = raw.str.extract(_HEAD, 2)
        p = lines.with_columns(
            raw.str.extract(_HEAD, 1).alias("_hts"),
            rest.alias("_rest"),
            rest.str.extract(_NAMED, 1).alias("_msg"),
        )
        msg = pl.col("_msg")
        qname = msg.str.extract(_QUERY, 3)
        tail = msg.str.extract(_QUERY, 4)
        rcode = tail.str.extract(r"^\s*response:\s+([A-Z]+)", 1)
        is_rpz = msg.str.contains(_CEF)
        rpz_name = msg.str.extract(r"\brewrite\s+(\S+)\s+\[", 1)
        rpz_src = msg.str.extract(r"\ssrc=([0-9A-Fa-f:.]+)", 1)
        host = pl.when(is_rpz).then(rpz_name).otherwise(qname)
        inner = msg.str.extract(_QUERY, 1).str.strptime(
            pl.Datetime("us"), "%d-%b-%Y %H:%M:%S%.f", strict=False
        )
        ts = pl.coalesce(self.local_to_utc(inner), self.syslog_ts(pl.col("_hts")))
        action = (
            pl.when(is_rpz | (rcode == "REFUSED"))
            .then(pl.lit("blocked"))
            .when(rcode.is_not_null())
            .then(pl.lit("allowed"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        is_query = msg.str.contains(r"(?:^|\s)query:(?:\s|$)")
        event = is_rpz | is_query
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            pl.when(is_rpz).then(rpz_src).otherwise(msg.str.extract(_QUERY, 2)).alias("src_ip"),
            host.alias("host"),
            action.alias("action"),
            (pl.col("_rest").is_not_null() & (msg.is_null() | ~event)).alias(SKIP),
            first_reason(
                (pl.col("_hts").is_null(), "not a syslog line (no <PRI>Mmm dd hh:mm:ss header)"),
                (host.is_null(), "malformed query or RPZ message"),
                (ts.is_null(), "bad time stamp"),
            ).alias(REASON),
        )


PARSERS = (InfobloxParser,)
