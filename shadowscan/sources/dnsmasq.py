"""dnsmasq query log (``log-queries``), as written by Pi-hole to ``/var/log/pihole.log``.

``Jan 24 00:00:31 dnsmasq[412]: query[A] www.google.com from 192.168.178.42`` is an event
(the client asked for the name). The lines that follow a query (``forwarded``, ``reply``,
``cached``, ``config``) and the daemon's own messages (``started``, ``read``, ``using``...)
are skipped. A query whose answer came from a block list is ``blocked``: Pi-hole logs
``/etc/pihole/gravity.list NAME is IP``, ``gravity blocked NAME is 0.0.0.0``,
``regex blacklisted`` / ``exactly blacklisted`` (``...blocked`` in v5+), and any
``reply``/``cached``/``config`` answer ``0.0.0.0`` or ``::`` is a sinkhole.

The block answer is joined back to the query it answers on columns, not per line: each
line is numbered by the queries of its name seen so far, so an answer belongs to the latest
query of the same name before it (within one read chunk of 32 MiB).

Syslog time stamps carry no year and dnsmasq logs local time (``--tz``); the year is the
one of the time the file is read (UTC), or the year before for a date more than a day
ahead of that moment.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, YearlessSyslogParser, first_reason
from shadowscan.sources.textfields import BSD_TS, share_matching

_HEAD = rf"^(?:<\d+>)?({BSD_TS})\s+(?:\S+\s+)?(?:dnsmasq|pihole-FTL)(?:\[\d+\])?:\s+(.*)$"
_DETECT = re.compile(_HEAD)
_QUERY = r"^query\[([A-Za-z0-9]+)\]\s+(\S+)\s+from\s+(\S+)$"
#: ``<list or verdict> NAME is ANSWER`` where the list/verdict means a block.
_BLOCK_LIST = (
    r"^(?:\S*/(?:gravity|black|blacklist|regex)\.list|gravity blocked|"
    r"(?:regex|exactly) (?:blacklisted|blocked|denied)|special domain)\s+(\S+)\s+is\s"
)
_SINKHOLE = r"^(?:reply|cached|config)\s+(\S+)\s+is\s+(?:0\.0\.0\.0|::)$"


class DnsmasqParser(YearlessSyslogParser):
    """dnsmasq / Pi-hole query log lines."""

    name = "dnsmasq"
    source = "dns"
    description = "dnsmasq / Pi-hole query log (log-queries; block-list answers -> blocked)"
    fields: ClassVar[tuple[str, ...]] = ("src_ip", "action")
    local_time = True

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that are dnsmasq syslog lines."""
        return share_matching(head, _DETECT)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Read query lines; mark them blocked when a block-list answer of the name follows."""
        raw = pl.col("raw")
        msg = pl.col("_msg")
        p = lines.with_columns(
            raw.str.extract(_HEAD, 1).alias("_ts"),
            raw.str.extract(_HEAD, 2).alias("_msg"),
        ).with_columns(
            msg.str.extract(_QUERY, 2).alias("_qname"),
            msg.str.extract(_QUERY, 3).alias("_client"),
            pl.coalesce(msg.str.extract(_BLOCK_LIST, 1), msg.str.extract(_SINKHOLE, 1)).alias(
                "_blocked_name"
            ),
        )
        # Number each line by the queries of its name so far: an answer line gets the
        # number of the query it answers; a block answer then marks that (name, number).
        key = pl.coalesce("_qname", "_blocked_name").str.to_lowercase().alias("_key")
        p = p.with_columns(key).with_columns(
            pl.col("_qname").is_not_null().cast(pl.UInt32).cum_sum().over("_key").alias("_nth")
        )
        blocks = (
            p.filter(pl.col("_blocked_name").is_not_null())
            .select("_key", "_nth", pl.lit(True).alias("_is_blocked"))
            .unique()
        )
        p = p.join(blocks, on=["_key", "_nth"], how="left", maintain_order="left")
        ts = self.syslog_ts(pl.col("_ts"))
        is_query = msg.str.starts_with("query[")
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            pl.col("_client").alias("src_ip"),
            pl.col("_qname").alias("host"),
            pl.when(pl.col("_is_blocked").fill_null(False))
            .then(pl.lit("blocked"))
            .otherwise(pl.lit("allowed"))
            .alias("action"),
            (msg.is_not_null() & ~is_query).alias(SKIP),
            first_reason(
                (msg.is_null(), "not a dnsmasq log line"),
                (pl.col("_qname").is_null(), "malformed query line (query[TYPE] NAME from IP)"),
                (ts.is_null(), "bad time stamp"),
            ).alias(REASON),
        )


PARSERS = (DnsmasqParser,)
