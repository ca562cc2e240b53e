"""Apache / nginx access logs: common, combined and vhost_combined (forward proxy or origin).

``client ident user [time] "request" status size ["referer" "user-agent"] [extra...]``,
optionally led by the virtual host (``%v`` or ``%v:%p``, Apache's ``vhost_combined``); nginx
adds fields after the user agent (``"$http_x_forwarded_for"``), which are ignored.

A forward proxy (Apache ``mod_proxy``, nginx as a proxy) logs the full target:
``GET http://host/path`` or ``CONNECT host:443``; the host comes from it. An origin server
logs a relative path: the host is then the virtual host when the line has one, else null
(an event without a host, not a bad line), and the user agent is not kept: the client is a
visitor of the site, so a crawler's agent there is not AI use by staff. The time carries
its own UTC offset.

Apache error-log lines (``[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] ...``) found
in an access log are not access records: they are counted as skipped, not rejected.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.schema import UTC_TS
from shadowscan.sources.base import REASON, SKIP, LogParser, first_reason, null_if
from shadowscan.sources.normalize import normalize_user, split_url

_Q = r'"((?:[^"\\]|\\.)*)"'
_LINE = (
    r"^(?:(\S+)\s+)?(\S+)\s+(\S+)\s+(\S+)\s+\[([^\]]+)\]\s+" + _Q + r"\s+(\d{3})\s+(\d+|-)"
    r"(?:\s+" + _Q + r"\s+" + _Q + r")?(?:\s.*)?$"
)
_GROUPS = ("vhost", "client", "ident", "user_", "time_", "request", "status", "size", "ref", "ua")
_ERROR_LOG = r"^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d{1,2} [\d:.]+ \d{4}\] \[[^\]]*\]"
_DETECT = re.compile(_LINE)
_DETECT_ERROR = re.compile(_ERROR_LOG)


class ApacheCombinedParser(LogParser):
    """Apache/nginx common, combined and vhost_combined access logs."""

    name = "apache_combined"
    source = "proxy"
    description = "Apache/nginx access log (common, combined, vhost_combined; proxy or origin)"
    fields: ClassVar[tuple[str, ...]] = (
        "user",
        "src_ip",
        "url_path",
        "bytes_in",
        "user_agent",
        "method",
        "http_status",
    )

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the access-log lines among the first lines (error-log lines aside)."""
        relevant = [line for line in head if not _DETECT_ERROR.match(line)]
        if not relevant:
            return 0.0
        return sum(1 for line in relevant if _DETECT.match(line)) / len(relevant)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """One regex per line for the layout; the request line split into method/target."""
        raw = pl.col("raw")
        groups = raw.str.extract_groups(_LINE)
        p = lines.with_columns(
            *[groups.struct.field(str(i + 1)).alias(name) for i, name in enumerate(_GROUPS)]
        )
        request = pl.col("request").str.split(" ")
        has_request = request.list.len() >= 2
        target = pl.when(has_request).then(request.list.get(1, null_on_oob=True))
        method = pl.when(has_request).then(request.list.get(0, null_on_oob=True))
        absolute = target.str.contains(r"^[A-Za-z][A-Za-z0-9+.\-]*://") | (method == "CONNECT")
        url_host, url_path = split_url(target)
        relative_path = target.str.replace(r"[?#].*$", "")
        vhost = null_if(pl.col("vhost"), "-", "")
        ts = (
            pl.col("time_")
            .str.strptime(pl.Datetime("us"), "%d/%b/%Y:%H:%M:%S %z", strict=False)
            .dt.convert_time_zone("UTC")
            .cast(UTC_TS)
        )
        p = p.with_columns(ts.alias("_ts"))
        return p.select(
            "line_no",
            "raw",
            pl.col("_ts").alias("ts"),
            null_if(pl.col("client"), "-").alias("src_ip"),
            normalize_user(pl.col("user_")).alias("user"),
            pl.when(absolute).then(url_host).otherwise(vhost).alias("host"),
            pl.when(absolute)
            .then(url_path)
            .otherwise(relative_path.replace("", None))  # one regex pass, not two
            .alias("url_path"),
            method.alias("method"),
            pl.col("status").cast(pl.Int32, strict=False).alias("http_status"),
            pl.col("size").cast(pl.Int64, strict=False).alias("bytes_in"),
            # On an origin server the client is a visitor (a crawler such as GPTBot), not
            # staff using AI: its user agent is not evidence of use, so it is not kept.
            pl.when(absolute)
            .then(null_if(pl.col("ua").str.replace_all(r"\"", '"', literal=True), "-", ""))
            .alias("user_agent"),
            raw.str.contains(_ERROR_LOG).alias(SKIP),
            first_reason(
                (pl.col("status").is_null(), "not an Apache/nginx access log line"),
                (pl.col("_ts").is_null(), "bad timestamp"),
            ).alias(REASON),
        )


PARSERS = (ApacheCombinedParser,)
