"""Squid access.log written with an extended custom ``logformat``.

The layout is the one many deployments define to get request sizes, the client port, the
headers and the TLS server name (it is also what the Elastic Squid integration reads)::

    logformat extended %ts.%03tu %6tr %>a %>p %Ss/%03>Hs %<st %>st %<sh %>sh %<bs %rm %ru
        %rv %[un %Sh/%<a %<p %mt - - "%{Referer}>h" "%{User-Agent}>h" "%{Host}>h"
        "%{X-Forwarded-For}>h" ["%ssl::>sni"] %<tt -

e.g. ``1773416922.391 104 10.105.21.199 58938 TCP_MISS/200 904 123 364 123 528 GET
http://example.com/ 1.1 badeyek HIER_DIRECT/203.0.113.10 80 text/html - - "-"
"curl/8.14.1" "example.com" "-" 53 -``. The reply size (``%<st``) is ``bytes_in`` and the
request size (``%>st``) ``bytes_out``, both headers included. The quoted SNI field is
optional (25 or 26 fields). Squid logs epoch seconds: no time zone applies.
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
from shadowscan.sources.normalize import normalize_host, normalize_user, split_spaced, split_url
from shadowscan.sources.squid import squid_action
from shadowscan.sources.textfields import share_matching

_DETECT = re.compile(
    r"^\d{9,11}(?:\.\d+)?\s+-?\d+\s+\S+\s+\d+\s+[A-Z_]+/\d{3}\s+\d+\s+\d+\s+(?:\d+|-)\s+"
    r"(?:\d+|-)\s+(?:\d+|-)\s+\S+\s+\S+\s+\d(?:\.\d)?\s+\S+\s+\S+/\S+\s+\S+\s+\S+\s+\S+\s+"
    r'\S+\s+"'
)
#: Positions of the fields this parser reads (0-based, whitespace-separated, quotes kept whole).
_POS = {
    "ts_": 0,
    "client": 2,
    "code": 4,
    "reply_size": 5,
    "request_size": 6,
    "method_": 10,
    "url": 11,
    "user_": 13,
    "user_agent_": 20,
    "host_header": 21,
}
_FIELDS_NO_SNI = 25
_FIELDS_SNI = 26
_SNI_POS = 23


class SquidCustomParser(LogParser):
    """Squid access.log in the extended custom layout (sizes both ways, headers, SNI)."""

    name = "squid_custom"
    source = "proxy"
    description = "Squid custom logformat: sizes both ways, referer, UA, Host, XFF, SNI"
    requires_host = True
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

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that have the extended layout (client port, 5 sizes)."""
        return share_matching(head, _DETECT)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Split on whitespace (quoted fields whole), pick fields by position."""
        frame = lines.collect()
        parts = split_spaced(frame["raw"].str.strip_chars())
        p = (
            frame.lazy()
            .with_columns(parts.alias("_p"))
            .with_columns(
                pl.col("_p").list.len().alias("_n"),
                *[pl.col("_p").list.get(i, null_on_oob=True).alias(k) for k, i in _POS.items()],
            )
        )
        n = pl.col("_n")
        sni = pl.when(n == _FIELDS_SNI).then(pl.col("_p").list.get(_SNI_POS, null_on_oob=True))
        code_status = pl.col("code").str.split_exact("/", 1)
        url_host, url_path = split_url(pl.col("url"))
        p = p.with_columns(
            code_status.struct.field("field_0").alias("_code"),
            code_status.struct.field("field_1").cast(pl.Int32, strict=False).alias("_status"),
            epoch_to_utc(pl.col("ts_")).alias("_ts"),
            pl.col("reply_size").cast(pl.Int64, strict=False).alias("_in"),
            pl.col("request_size").cast(pl.Int64, strict=False).alias("_out"),
            normalize_host(null_if(sni, "-", "")).alias("_sni"),
            url_host.alias("_url_host"),
            url_path.alias("_path"),
        )
        status = pl.col("_status")
        action = squid_action(pl.col("_code"), status)
        # The TLS server name is what the client asked for when the URL is only an address
        # (intercepted CONNECT to an IP); it is the best name of the service.
        host = pl.coalesce(
            pl.col("_sni"), pl.col("_url_host"), null_if(pl.col("host_header"), "-", "")
        )
        return p.select(
            "line_no",
            "raw",
            pl.col("_ts").alias("ts"),
            null_if(pl.col("client"), "-").alias("src_ip"),
            normalize_user(pl.col("user_")).alias("user"),
            host.alias("host"),
            pl.col("_path").alias("url_path"),
            pl.col("method_").alias("method"),
            status.alias("http_status"),
            action.alias("action"),
            pl.col("_out").alias("bytes_out"),
            pl.col("_in").alias("bytes_in"),
            null_if(pl.col("user_agent_"), "-", "").alias("user_agent"),
            pl.lit(False).alias(SKIP),
            first_reason(
                (
                    ~n.is_in([_FIELDS_NO_SNI, _FIELDS_SNI]) | status.is_null(),
                    f"not a Squid extended logformat line (expected {_FIELDS_NO_SNI} or "
                    f"{_FIELDS_SNI} fields)",
                ),
                (pl.col("_ts").is_null(), "bad timestamp"),
                (pl.col("_in").is_null() | pl.col("_out").is_null(), "bad size field"),
            ).alias(REASON),
        )


PARSERS = (SquidCustomParser,)
