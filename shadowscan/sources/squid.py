"""Squid native access.log (``logformat squid``).

``time elapsed client code/status bytes method URL user hierarchy/peer type``, e.g.
``1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek
DIRECT/175.16.199.115 -``. Bytes are the reply size (``bytes_in``); the request size is not
logged, so ``bytes_out`` is null. ``CONNECT host:443`` lines carry the host only.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.sources.base import (
    REASON,
    SKIP,
    LogParser,
    epoch_to_utc,
    first_reason,
    null_if,
)
from shadowscan.sources.normalize import normalize_user, split_url

_LINE = (
    r"^(\d{9,11}(?:\.\d+)?)\s+(-?\d+)\s+(\S+)\s+([A-Z_]+)/(\d{3})\s+(\d+)\s+(\S+)\s+(\S+)"
    r"\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$"
)
_DETECT = re.compile(_LINE)


class SquidNativeParser(LogParser):
    """Squid's default native access.log."""

    name = "squid_native"
    source = "proxy"
    description = "Squid native access.log (logformat squid)"
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

    def parse_lines(self, lines: pl.DataFrame) -> pl.DataFrame:
        """Extract the fields with one regex; lines that do not fit are rejected."""
        names = ["ts_", "elapsed", "client", "code", "status", "bytes", "method_", "url"]
        names += ["user_", "hier", "ctype"]
        g = pl.col("raw").str.extract_groups(_LINE).struct.rename_fields(names)
        p = lines.with_columns(g.alias("_g")).unnest("_g")
        host, path = split_url(pl.col("url"))
        status = pl.col("status").cast(pl.Int32, strict=False)
        denied = pl.col("code").str.contains("DENIED")
        # 407 is the proxy asking for credentials, not a policy block: the client retries.
        action = (
            pl.when(denied & (status == 407))
            .then(None)
            .when(denied)
            .then(pl.lit("blocked"))
            .otherwise(pl.lit("allowed"))
        )
        ts = epoch_to_utc(pl.col("ts_"))
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            null_if(pl.col("client"), "-").alias("src_ip"),
            normalize_user(pl.col("user_")).alias("user"),
            host.alias("host"),
            path.alias("url_path"),
            pl.col("method_").alias("method"),
            status.alias("http_status"),
            action.alias("action"),
            pl.col("bytes").cast(pl.Int64, strict=False).alias("bytes_in"),
            pl.lit(False).alias(SKIP),
            first_reason(
                (pl.col("ts_").is_null(), "not a Squid native access.log line"),
                (ts.is_null(), "bad timestamp"),
                (host.is_null(), "no host in URL"),
            ).alias(REASON),
        )
