"""Cisco Umbrella secure web gateway (proxy) logs, as exported to S3 (``proxylogs/*.csv``).

Every field is quoted; the documented order starts::

    timestamp, policy identity label, internal client IP, external client IP, destination IP,
    content type, action, URL, referer, user agent, status code, request size,
    response size, response body size, sha256, categories, AV detections, PUAs,
    AMP disposition, AMP malware name, AMP score, policy identity type, blocked categories,
    identities, identity types, request method, ...

and later schema versions append fields (DLP status, rule ids, data center, server name...),
which are ignored. The timestamp is UTC. The user is the identity whose type is a user
(``AD Users``, ``Directory Users``...), or the policy identity when that one is a user; an
``Name (user@domain)`` label gives ``user@domain``. Umbrella DNS logs are a different format.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, LogParser, first_reason, null_if
from shadowscan.sources.normalize import normalize_host, normalize_user, split_fields, split_url
from shadowscan.sources.textfields import share_matching

_POS = {
    "ts_": 0,
    "label": 1,
    "internal_ip": 2,
    "external_ip": 3,
    "dest_ip": 4,
    "action_": 6,
    "url": 7,
    "ua": 9,
    "status": 10,
    "req_size": 11,
    "resp_size": 12,
    "label_type": 21,
    "identities": 23,
    "identity_types": 24,
    "method_": 25,
}
#: Fields up to the response size are required; the rest may be absent in old exports.
_MIN_FIELDS = 13
_DETECT = re.compile(
    r'^"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"(?:,\s*"[^"]*"){5},\s*"(?:ALLOWED|BLOCKED|WARNED)",'
    r'\s*"[A-Za-z][A-Za-z0-9+.\-]*://',
    re.IGNORECASE,
)
_EMAIL_IN_LABEL = r"\(([^()\s]+@[^()\s]+)\)\s*$"


def _user(label: pl.Expr, label_type: pl.Expr, ids: pl.Expr, types: pl.Expr) -> pl.Expr:
    """The identity that is a user: from the identities list, else the policy identity."""
    id_list = ids.str.split(",").list.eval(pl.element().str.strip_chars())
    type_list = types.str.split(",").list.eval(pl.element().str.strip_chars())
    is_user = type_list.list.eval(pl.element().str.to_lowercase().str.contains("user"))
    first_user = is_user.list.arg_max()
    from_list = pl.when(is_user.list.any()).then(id_list.list.get(first_user, null_on_oob=True))
    from_label = pl.when(label_type.str.to_lowercase().str.contains("user")).then(label)
    name = null_if(pl.coalesce(from_list, from_label), "")
    return normalize_user(pl.coalesce(name.str.extract(_EMAIL_IN_LABEL, 1), name))


class UmbrellaProxyParser(LogParser):
    """Cisco Umbrella SWG / proxy log CSV."""

    name = "umbrella_proxy"
    source = "proxy"
    description = "Cisco Umbrella secure web gateway (proxy) log CSV"
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
        """Share of the first lines that open like a proxy record (time, 5 fields, action, URL)."""
        return share_matching(head, _DETECT)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Split the quoted CSV; pick fields by the documented positions."""
        raw = pl.col("raw")
        # Cisco's own examples put a space after some commas.
        parts = split_fields(raw.str.replace_all(r'",\s+"', '","'), ",")
        p = lines.with_columns(parts.alias("_p")).with_columns(
            pl.col("_p").list.len().alias("_n"),
            *[
                null_if(pl.col("_p").list.get(i, null_on_oob=True), "", "-").alias(k)
                for k, i in _POS.items()
            ],
        )
        url_host, url_path = split_url(pl.col("url"))
        ts = pl.col("ts_").str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%d %H:%M:%S", strict=False)
        action = pl.col("action_").str.to_lowercase()
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            pl.coalesce("internal_ip", "external_ip").alias("src_ip"),
            _user(
                pl.col("label"),
                pl.col("label_type"),
                pl.col("identities"),
                pl.col("identity_types"),
            ).alias("user"),
            pl.coalesce(url_host, normalize_host(pl.col("dest_ip"))).alias("host"),
            url_path.alias("url_path"),
            pl.col("method_").alias("method"),
            pl.col("status").cast(pl.Int32, strict=False).alias("http_status"),
            pl.when(action.is_in(["allowed", "blocked"])).then(action).alias("action"),
            pl.col("req_size").cast(pl.Int64, strict=False).alias("bytes_out"),
            pl.col("resp_size").cast(pl.Int64, strict=False).alias("bytes_in"),
            pl.col("ua").alias("user_agent"),
            pl.lit(False).alias(SKIP),
            first_reason(
                (
                    pl.col("_n") < _MIN_FIELDS,
                    f"not an Umbrella proxy log line (expected at least {_MIN_FIELDS} fields)",
                ),
                (ts.is_null(), "bad timestamp"),
            ).alias(REASON),
        )


PARSERS = (UmbrellaProxyParser,)
