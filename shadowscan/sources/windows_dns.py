"""Windows Server DNS debug log (``%SystemRoot%\\System32\\dns\\dns.log``, packet logging).

``3/14/2025 9:00:01 AM 0E4C PACKET  000000B1C35E4E20 UDP Rcv 10.20.31.77     6c1a   Q
[0001   D   NOERROR] A      (7)chatgpt(3)com(0)``: date, time, thread, context, packet id,
protocol, send/receive, remote IP, xid, ``R`` for a response, opcode, ``[flags chars
rcode]``, question type and the question name in wire form, ``(n)label`` by label.

A query received from a client (``Rcv`` without ``R``) is an event, with the client as
``src_ip``. The server's own traffic (``Snd``: answers to clients and queries to
forwarders; ``Rcv ... R``: answers from forwarders) would count each lookup again and is
skipped, as are the header (``DNS Server log file creation``, ``Log file wrap``, the
``Message logging key`` table) and the extra lines of the "details" option. Other lines
that carry a date but no packet (other contexts) are skipped; anything else is rejected.

Dates follow the server's locale: ``M/D/YYYY h:mm:ss AM/PM`` (en-US, the default),
``M/D/YYYY HH:mm:ss``, ``YYYY/M/D``, ``YYYY-MM-DD`` and ``DD.MM.YYYY`` are read. The
log is in the server's local time: ``--tz``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, LogParser, first_reason
from shadowscan.sources.textfields import share_matching

_DATE = r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}"
_STAMP = rf"({_DATE} \d{{1,2}}:\d{{2}}:\d{{2}}(?: [AP]M)?)"
_PACKET = (
    rf"^{_STAMP}\s+[0-9A-Fa-f]+\s+PACKET\s+[0-9A-Fa-f]+\s+(UDP|TCP)\s+(Snd|Rcv)\s+"
    r"([0-9A-Fa-f:.]+)\s+[0-9A-Fa-f]+\s+(R)?\s*[QNU?]\s+"
    r"\[[0-9A-Fa-f]+\s+(?:[A-Z]{1,4}\s+)?([A-Z]+)\]\s+(\S+)\s+(\S+)\s*$"
)
_HEADER = (
    r"^(?:\s|DNS Server log file|Log file wrap|Message logging key|"
    r"(?:UDP|TCP) (?:question|response) info at|Message:|[A-Z]+ SECTION:)"
)
_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
)
_DETECT_PACKET = re.compile(_PACKET)


class WindowsDnsParser(LogParser):
    """Windows Server DNS debug log, packet lines."""

    name = "windows_dns"
    source = "dns"
    description = "Windows Server DNS debug log (dns.log packet logging)"
    fields: ClassVar[tuple[str, ...]] = ("src_ip",)
    local_time = True

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain on the debug log's own header; else the share of packet lines."""
        if not head:
            return 0.0
        if any(
            line.startswith(("DNS Server log file creation at", "Message logging key (for packets"))
            for line in head
        ):
            return 1.0
        return share_matching(head, _DETECT_PACKET)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Read packet lines; keep queries received from clients."""
        raw = pl.col("raw")
        names = ["stamp", "proto", "direction", "remote", "response", "rcode", "qtype", "qname"]
        g = raw.str.extract_groups(_PACKET).struct.rename_fields(names)
        p = lines.with_columns(g.alias("_g")).unnest("_g")
        stamp = pl.col("stamp")
        naive = pl.coalesce(
            *[stamp.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in _FORMATS]
        )
        ts = self.local_to_utc(naive)
        # (7)chatgpt(3)com(0) -> chatgpt.com
        host = pl.col("qname").str.replace_all(r"\(\d+\)", ".").str.strip_chars(".")
        is_packet = pl.col("direction").is_not_null()
        is_query = (pl.col("direction") == "Rcv") & pl.col("response").is_null()
        dated = raw.str.contains(rf"^{_DATE} ")
        packet_word = raw.str.contains(r"\sPACKET\s")
        header = raw.str.contains(_HEADER)
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            pl.col("remote").alias("src_ip"),
            host.replace("", None).alias("host"),  # one regex pass, not two
            ((is_packet & ~is_query) | header | (dated & ~packet_word)).alias(SKIP),
            first_reason(
                (~dated, "not a Windows DNS debug log line"),
                (~is_packet, "malformed PACKET line"),
                (ts.is_null(), "bad date/time (M/D/YYYY, YYYY-MM-DD or DD.MM.YYYY expected)"),
                (host == "", "empty question name"),
            ).alias(REASON),
        )


PARSERS = (WindowsDnsParser,)
