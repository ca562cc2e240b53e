"""Cisco ASA (and FTD / PIX / FWSM) syslog: connections, ACL denies, URL access.

``Oct 10 2018 12:34:56 fw CiscoASA[999]: %ASA-6-302013: Built outbound TCP connection 11757
for outside:100.66.205.104/80 (100.66.205.104/80) to inside:172.31.98.44/1772 (...)``.

Message ids read (everything else is skipped, counted, never guessed at):

- 302013-302018 TCP/UDP/GRE built/teardown, 302020/302021 ICMP: the foreign (``for``)
  address is ``host`` and the local (``to``/``laddr``) one ``src_ip``; a ``Built inbound``
  connection was opened from outside, so the two swap. ``allowed``.
- 106001, 106006, 106007, 106010, 106014, 106015, 106021, 106023 denies, 106100 ACL hits:
  the destination is ``host``, the source ``src_ip``; a deny is ``blocked``.
- 304001 URL accessed (``allowed``), 304002 URL denied (``blocked``): host and path from
  the URL.

A line names an IP address unless ``names`` are configured on the ASA; either way it is
kept in ``host`` (an IP can still match a catalog IP range). The connection byte count of
teardowns is a total of both directions, so ``bytes_out``/``bytes_in`` stay null. An
identity-firewall user ``(LOCAL\\alice)`` is kept as ``user``. Time stamps with a year
(``Oct 10 2018 12:34:56``) or ISO 8601 are read as they are; a relay's year-less BSD stamp
takes its year from the time the file is read (see ``docs/formats-firewall-dns.md``).
ASA clocks log local time: ``--tz``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.schema import UTC_TS
from shadowscan.sources.base import REASON, SKIP, YearlessSyslogParser, first_reason
from shadowscan.sources.normalize import normalize_user, split_url
from shadowscan.sources.textfields import BSD_TS, is_ip, share_matching

_MSG = r"%(?:ASA|FTD|PIX|FWSM)-\d-(\d{6}):\s*(.*)$"
_DETECT = re.compile(r"^(?:<\d+>)?.{0,120}?" + _MSG)
#: An address with an optional interface (``outside:10.0.0.1``, ``inside:fe80::1``).
_ADDR = r"(?:[A-Za-z][\w.\-]*:)?([^\s/():][^\s/()]*)"

_CONN_IDS = ("302013", "302014", "302015", "302016", "302017", "302018")
_ICMP_IDS = ("302020", "302021")
_DENY_SRC_DST_IDS = ("106010", "106014", "106023")
_DENY_FROM_TO_IDS = ("106001", "106006", "106007", "106015", "106021")
_ACL_IDS = ("106100",)
_URL_IDS = ("304001", "304002")
MAPPED_IDS = (
    *_CONN_IDS,
    *_ICMP_IDS,
    *_DENY_SRC_DST_IDS,
    *_DENY_FROM_TO_IDS,
    *_ACL_IDS,
    *_URL_IDS,
)

_CONN = (
    r"^(Built|Teardown)\s+(?:(inbound|outbound)\s+)?\S+\s+connection\s+\d+\s+for\s+"
    rf"{_ADDR}/\d+.*?\s+to\s+{_ADDR}/\d+"
)
_ICMP = (
    r"^(Built|Teardown)\s+(?:(inbound|outbound)\s+)?ICMP\s+connection\s+(?:\d+\s+)?for\s+"
    r"faddr\s+([^\s/]+)/\d+\S*\s+gaddr\s+\S+\s+laddr\s+([^\s/]+)/\d+"
)
_SRC_DST = rf"^Deny\s+(?:inbound\s+)?\S+\s+src\s+{_ADDR}(?:/\d+)?\S*\s+dst\s+{_ADDR}"
_FROM_TO = rf"\bfrom\s+{_ADDR}(?:/\d+)?\s+to\s+{_ADDR}"
_ACL = (
    r"^access-list\s+\S+\s+(permitted|denied|est-allowed)\s+\S+\s+[^/\s]+/([^\s(]+)\(\d+\)"
    r"\S*\s+->\s+[^/\s]+/([^\s(]+)\(\d+\)"
)
_URL_OK = r"^(?:\S+@)?(\S+)\s+Accessed\s+(?:JAVA\s+)?URL\s+[^\s:]+:(\S+)"
_URL_DENIED = r"^Access denied URL\s+(\S+)\s+SRC\s+(\S+)\s+DEST\s+([^\s:]+)"
_USER = r"\(([^()\s/\\]+\\[^()\s]+)\)"
_YEAR_TS = r"([A-Z][a-z]{2} +\d{1,2} \d{4} \d{2}:\d{2}:\d{2})"
_ISO_TS = r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))"


class CiscoAsaParser(YearlessSyslogParser):
    """Cisco ASA / FTD syslog messages about connections, denies and URLs."""

    name = "cisco_asa"
    source = "firewall"
    description = "Cisco ASA/FTD syslog (302013-302021 connections, 1060xx denies, 304001 URLs)"
    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "url_path", "action")
    local_time = True

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that carry a ``%ASA-n-nnnnnn:`` message."""
        return share_matching(head, _DETECT)

    def _ts(self, prefix: pl.Expr) -> pl.Expr:
        with_year = prefix.str.extract(_YEAR_TS, 1).str.replace_all(r"\s+", " ")
        naive = with_year.str.strptime(pl.Datetime("us"), "%b %d %Y %H:%M:%S", strict=False)
        iso = (
            prefix.str.extract(_ISO_TS, 1)
            .str.replace(r"Z$", "+0000")
            .str.replace(r"([+-]\d{2}):(\d{2})$", "$1$2")
            .str.strptime(UTC_TS, "%Y-%m-%dT%H:%M:%S%.f%z", strict=False)
        )
        bsd = self.syslog_ts(prefix.str.extract(f"({BSD_TS})", 1))
        return (
            pl.when(with_year.is_not_null())
            .then(self.local_to_utc(naive))
            .when(prefix.str.contains(_ISO_TS))
            .then(iso)
            .otherwise(bsd)
        )

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Split the message id off, then read each family of messages with its pattern."""
        raw = pl.col("raw")
        p = lines.with_columns(
            raw.str.extract(_MSG, 1).alias("_id"),
            raw.str.extract(_MSG, 2).alias("_msg"),
            raw.str.extract(r"^(.*?)%(?:ASA|FTD|PIX|FWSM)-", 1).alias("_prefix"),
        )
        msg_id, msg = pl.col("_id"), pl.col("_msg")

        def grp(pattern: str, i: int) -> pl.Expr:
            return msg.str.extract(pattern, i)

        inbound = grp(_CONN, 2).fill_null(grp(_ICMP, 2)) == "inbound"
        conn_foreign = pl.coalesce(grp(_CONN, 3), grp(_ICMP, 3))
        conn_local = pl.coalesce(grp(_CONN, 4), grp(_ICMP, 4))
        conn_src = pl.when(inbound).then(conn_foreign).otherwise(conn_local)
        conn_dst = pl.when(inbound).then(conn_local).otherwise(conn_foreign)
        url_ok_host, url_ok_path = split_url(grp(_URL_OK, 2))
        url_no_host, url_no_path = split_url(grp(_URL_DENIED, 1))
        is_conn = msg_id.is_in([*_CONN_IDS, *_ICMP_IDS])
        src = (
            pl.when(is_conn)
            .then(conn_src)
            .when(msg_id.is_in(_DENY_SRC_DST_IDS))
            .then(grp(_SRC_DST, 1))
            .when(msg_id.is_in(_DENY_FROM_TO_IDS))
            .then(grp(_FROM_TO, 1))
            .when(msg_id.is_in(_ACL_IDS))
            .then(grp(_ACL, 2))
            .when(msg_id == "304001")
            .then(grp(_URL_OK, 1))
            .when(msg_id == "304002")
            .then(grp(_URL_DENIED, 2))
        )
        dst = (
            pl.when(is_conn)
            .then(conn_dst)
            .when(msg_id.is_in(_DENY_SRC_DST_IDS))
            .then(grp(_SRC_DST, 2))
            .when(msg_id.is_in(_DENY_FROM_TO_IDS))
            .then(grp(_FROM_TO, 2))
            .when(msg_id.is_in(_ACL_IDS))
            .then(grp(_ACL, 3))
            .when(msg_id == "304001")
            .then(url_ok_host)
            .when(msg_id == "304002")
            .then(pl.coalesce(url_no_host, grp(_URL_DENIED, 3)))
        )
        path = (
            pl.when(msg_id == "304001").then(url_ok_path).when(msg_id == "304002").then(url_no_path)
        )
        denied = msg_id.is_in([*_DENY_SRC_DST_IDS, *_DENY_FROM_TO_IDS, "304002"]) | (
            msg_id.is_in(_ACL_IDS) & (grp(_ACL, 1) == "denied")
        )
        ts = self._ts(pl.col("_prefix"))
        mapped = msg_id.is_in(MAPPED_IDS)
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            pl.when(is_ip(src)).then(src).alias("src_ip"),
            normalize_user(msg.str.extract(_USER, 1)).alias("user"),
            dst.alias("host"),
            path.alias("url_path"),
            pl.when(denied).then(pl.lit("blocked")).otherwise(pl.lit("allowed")).alias("action"),
            (msg_id.is_not_null() & ~mapped).alias(SKIP),
            first_reason(
                (msg_id.is_null(), "not a Cisco ASA syslog line (no %ASA-n-nnnnnn: tag)"),
                (ts.is_null(), "no or bad time stamp before the %ASA tag"),
                (dst.is_null(), "ASA message without the expected addresses"),
            ).alias(REASON),
        )


PARSERS = (CiscoAsaParser,)
