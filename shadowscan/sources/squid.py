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

from shadowscan.frames import by_distinct
from shadowscan.sources.base import (
    REASON,
    SKIP,
    LogParser,
    epoch_to_utc,
    first_reason,
    null_if,
)
from shadowscan.sources.normalize import byte_slice, normalize_user

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

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Split on runs of spaces (no regex per field); lines that do not fit are rejected."""
        # Only the elapsed field is padded (``%6tr``): splitting on single spaces and
        # dropping the empty pieces reads runs of spaces as one, without rewriting lines.
        line = pl.col("raw").str.strip_chars()
        parts = line.str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
        tokens = (
            lines.with_columns(parts.alias("_p"))
            .with_columns(
                pl.col("_p").list.len().alias("_n"),
                *[
                    pl.col("_p").list.get(i, null_on_oob=True).alias(name)
                    for i, name in enumerate(_FIELDS)
                ],
            )
            .drop("_p")
            .collect()
        )
        # "TCP_MISS/200": the status is the three digits after the last "/" (the regex's
        # ``[A-Z_]+/\d{3}``); anything else leaves it null and the line rejected. Result
        # codes and user names repeat: both are read once per distinct value.
        code = pl.col("code")
        by_code = by_distinct(
            tokens["code"],
            [
                pl.when(code.str.slice(-4, 1) == "/")
                .then(code.str.tail(3).cast(pl.Int32, strict=False))
                .alias("_status"),
                code.str.contains("DENIED", literal=True).alias("_denied"),
            ],
        )
        users = by_distinct(tokens["user_"], [normalize_user(pl.col("user_")).alias("_user")])
        p = (
            tokens.hstack(by_code)
            .hstack(users)
            .lazy()
            .with_columns(
                epoch_to_utc(pl.col("ts_")).alias("_ts"),
                pl.col("bytes").cast(pl.Int64, strict=False).alias("_bytes"),
            )
        )
        # URL -> authority and path by literal find + byte slice (no regex, no struct): after
        # the scheme if any, the authority runs to the first "/", the path from there to
        # the first "?" (the query string is never kept). A "://" is a scheme's only where
        # it holds the URL's first "/": further on it is in the path or query of a URL
        # logged without a scheme (example.com/go?u=http://...), which names no host.
        url = pl.col("url")
        scheme = url.str.find("://", literal=True)
        has_scheme = (scheme + 1 == url.str.find("/", literal=True)).fill_null(False)
        after_scheme = pl.when(has_scheme).then(scheme + 3).otherwise(0)
        p = p.with_columns(byte_slice(url, after_scheme).alias("_rest"))
        rest = pl.col("_rest")
        p = p.with_columns(rest.str.find("/", literal=True).alias("_j"))
        slash = pl.col("_j")
        p = p.with_columns(
            byte_slice(rest, 0, slash.fill_null(_TO_END)).alias("_host"),
            byte_slice(rest, slash).alias("_path"),  # null where there is no "/"
        )
        query = pl.col("_path").str.find("?", literal=True)
        host = pl.col("_host")
        path = byte_slice(pl.col("_path"), 0, query.fill_null(_TO_END))
        status = pl.col("_status")
        denied = pl.col("_denied")  # only the code part has letters
        # 407 is the proxy asking for credentials, not a policy block: the client retries.
        action = (
            pl.when(denied & (status == 407))
            .then(None)
            .when(denied)
            .then(pl.lit("blocked"))
            .otherwise(pl.lit("allowed"))
        )
        return p.select(
            "line_no",
            "raw",
            pl.col("_ts").alias("ts"),
            null_if(pl.col("client"), "-").alias("src_ip"),
            pl.col("_user").alias("user"),
            host.alias("host"),
            path.alias("url_path"),
            pl.col("method_").alias("method"),
            status.alias("http_status"),
            action.alias("action"),
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


PARSERS = (SquidNativeParser,)
