"""Cisco Umbrella DNS logs, the CSV that Umbrella exports to S3 (log versions v1 to v10).

``"2020-07-23 23:49:54","elasticuser","elasticuser,Elastic Machine","192.168.1.1",
"81.2.69.144","Allowed","1 (A)","NOERROR","www.elastic.co.","Software/Technology,..."``.

Every version starts with the same ten columns: timestamp (UTC), most granular identity,
identities, internal IP, external IP, action, query type, response code, domain,
categories; v2+ add the most granular identity's type (``AD Users``, ``Roaming
Computers``, ``Internal Networks``...), later versions more columns at the end, which are
not needed here. Every field is quoted; exports with a space after the comma are read too.

The most granular identity is the ``user`` unless its type names a machine or a network
(computer, network, site, device, tunnel); an identity written ``Name (mail@corp)`` gives
the mail address, which the directory resolves.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.schema import UTC_TS
from shadowscan.sources.base import REASON, SKIP, LogParser, first_reason, null_if
from shadowscan.sources.normalize import normalize_user
from shadowscan.sources.textfields import field, map_action, share_matching

_Q = r'"(?:[^"]|"")*"'
_DETECT = re.compile(
    r'^"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"' + rf"(?:\s*,\s*{_Q}){{4}}"
    r'\s*,\s*"(?:Allowed|Blocked)"\s*,\s*"\d+ \([A-Za-z0-9*]+\)"'
)
_NOT_A_PERSON = r"(?i)computer|network|site|device|tunnel|chromebook$|roaming client"
_MAIL_IN_PARENS = r"\(([^()\s]+@[^()\s]+)\)\s*$"


class UmbrellaDnsParser(LogParser):
    """Cisco Umbrella DNS log CSV."""

    name = "umbrella_dns"
    source = "dns"
    description = "Cisco Umbrella DNS log CSV (S3 export, v1-v10)"
    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "action")

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that open like an Umbrella DNS record."""
        return share_matching(head, _DETECT)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Take the quoted fields in order (all Umbrella fields are quoted)."""
        quoted = pl.col("raw").str.extract_all(_Q)
        e = pl.element()
        unquoted = quoted.list.eval(
            e.str.slice(1, e.str.len_chars() - 2).str.replace_all('""', '"', literal=True)
        )
        p = lines.with_columns(unquoted.alias("_f")).with_columns(
            pl.col("_f").list.len().alias("_n")
        )
        f = pl.col("_f")
        ts = field(f, 0).str.strptime(UTC_TS, "%Y-%m-%d %H:%M:%S", strict=False)
        identity = null_if(field(f, 1).str.strip_chars(), "")
        kind = field(f, 10)
        mail = identity.str.extract(_MAIL_IN_PARENS, 1)
        person = kind.is_null() | ~kind.str.contains(_NOT_A_PERSON)
        user = pl.coalesce(mail, pl.when(person).then(identity))
        domain = null_if(field(f, 8), "")
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            normalize_user(user).alias("user"),
            null_if(field(f, 3), "").alias("src_ip"),
            domain.alias("host"),
            map_action(field(f, 5), allowed=("allowed",), blocked=("blocked",)).alias("action"),
            pl.lit(False).alias(SKIP),
            first_reason(
                (pl.col("_n") < 10, "not an Umbrella DNS record (fewer than 10 quoted fields)"),
                (ts.is_null(), "bad timestamp"),
                (domain.is_null(), "no domain"),
            ).alias(REASON),
        )


PARSERS = (UmbrellaDnsParser,)
