"""Palo Alto Networks PAN-OS logs, CSV over syslog: TRAFFIC and THREAT.

``Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,012801096514,TRAFFIC,end,...`` (a BSD or
RFC 3339 syslog header, or none, then the CSV record). The CSV positions are PAN-OS's
documented ones, common to TRAFFIC and THREAT up to the action (field 30):

- 6 generated time (the firewall's local time: ``--tz``), 7 source IP, 8 destination IP,
  12 source user, 14 application (App-ID, kept as ``app``), 30 action;
- TRAFFIC: 32 bytes sent (``bytes_out``), 33 bytes received (``bytes_in``);
- THREAT: 31 URL/file name; for subtype ``url`` it is the requested ``host/path``;
  46 user agent.

TRAFFIC and non-URL THREAT records carry no host name, so ``host`` is the destination IP
(it matches catalog IP ranges, or stays a non-AI event). Other log types (SYSTEM, CONFIG,
GLOBALPROTECT, ...) describe no traffic and are skipped.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, LogParser, first_reason, null_if
from shadowscan.sources.normalize import normalize_user, split_url
from shadowscan.sources.textfields import field, map_action, share_matching, split_delimited

#: The CSV record: FUTURE_USE, receive time, serial, type, subtype, ...
_RECORD = r"(\d+,\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2},[^,]*,[A-Z][A-Z0-9-]+,.*)$"
_LINE = rf"^(?:<\d+>)?(?:.*?\s)?{_RECORD}"
_DETECT = re.compile(_LINE)
_TYPES = ("TRAFFIC", "THREAT")
_ALLOWED = ("allow", "alert", "continue", "override")
_BLOCKED = (
    "deny",
    "drop",
    "drop-icmp",
    "drop-all-packets",
    "reset-client",
    "reset-server",
    "reset-both",
    "block-url",
    "block-continue",
    "block-override",
    "override-lockout",
    "block-ip",
    "sinkhole",
    "block",
)


class PanosParser(LogParser):
    """PAN-OS TRAFFIC and THREAT records in syslog CSV form."""

    name = "panos"
    source = "firewall"
    description = "Palo Alto PAN-OS syslog CSV, TRAFFIC and THREAT (url subtype: host + path)"
    fields: ClassVar[tuple[str, ...]] = (
        "user",
        "src_ip",
        "url_path",
        "bytes_out",
        "bytes_in",
        "user_agent",
        "action",
        "app",
    )
    local_time = True

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that carry a PAN-OS CSV record."""
        return share_matching(head, _DETECT)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Cut the syslog header off, split the CSV, pick the documented positions."""
        record = pl.col("raw").str.extract(_LINE, 1)
        p = lines.with_columns(split_delimited(record, ",").alias("_f")).with_columns(
            pl.col("_f").list.len().alias("_n")
        )
        f = pl.col("_f")
        kind = field(f, 3)
        subtype = field(f, 4)
        naive = field(f, 6).str.strptime(pl.Datetime("us"), "%Y/%m/%d %H:%M:%S", strict=False)
        ts = self.local_to_utc(naive)
        is_url = (kind == "THREAT") & (subtype == "url")
        url_host, url_path = split_url(field(f, 31))
        dst = null_if(field(f, 8), "")
        traffic = kind == "TRAFFIC"
        bytes_out = field(f, 32).cast(pl.Int64, strict=False)
        bytes_in = field(f, 33).cast(pl.Int64, strict=False)
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            null_if(field(f, 7), "").alias("src_ip"),
            normalize_user(field(f, 12)).alias("user"),
            pl.when(is_url).then(pl.coalesce(url_host, dst)).otherwise(dst).alias("host"),
            pl.when(is_url).then(url_path).alias("url_path"),
            map_action(field(f, 30), allowed=_ALLOWED, blocked=_BLOCKED).alias("action"),
            pl.when(traffic).then(bytes_out).alias("bytes_out"),
            pl.when(traffic).then(bytes_in).alias("bytes_in"),
            pl.when(kind == "THREAT").then(null_if(field(f, 46), "", "-")).alias("user_agent"),
            null_if(field(f, 14), "", "incomplete", "not-applicable").alias("app"),
            (record.is_not_null() & ~kind.is_in(_TYPES)).alias(SKIP),
            first_reason(
                (record.is_null(), "not a PAN-OS CSV log line"),
                (pl.col("_n") < 34, "PAN-OS record too short (fewer than 34 fields)"),
                (ts.is_null(), "bad generated time"),
                (dst.is_null(), "no destination address"),
                (
                    traffic & (bytes_out.is_null() | bytes_in.is_null()),
                    "bad bytes sent/received",
                ),
            ).alias(REASON),
        )


PARSERS = (PanosParser,)
