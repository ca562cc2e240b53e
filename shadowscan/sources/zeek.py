"""Zeek dns.log, as TSV (with its ``#fields`` header) or as JSON lines.

TSV: header lines (``#separator``, ``#fields``, ``#types``, ``#close``...) are skipped; the
column positions come from ``#fields``. JSON: one object per line, ``ts`` as epoch seconds
or ISO 8601 (json-streaming-logs). Zeek logs UTC.
"""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, LogParser, epoch_to_utc, first_reason, null_if
from shadowscan.sources.jsonlines import not_an_object, share_of_records, with_json_fields

_WANTED = {"ts": "ts_", "id.orig_h": "src_ip", "query": "query"}


def _header_value(head: list[str], key: str) -> str | None:
    for line in head:
        if line.startswith(f"#{key}"):
            return line[len(key) + 1 :].lstrip(" \t")
    return None


def tsv_layout(head: list[str]) -> tuple[str, list[str]]:
    r"""The separator and the column names of a Zeek TSV log, from its header lines.

    >>> tsv_layout(["#separator \\x09", "#fields\tts\tuid\tquery"])
    ('\t', ['ts', 'uid', 'query'])
    """
    sep = _header_value(head, "separator") or "\\x09"
    sep = sep.encode().decode("unicode_escape") if sep.startswith("\\x") else sep
    fields = _header_value(head, "fields")
    return sep, fields.split(sep) if fields else []


def zeek_ts(text: pl.Expr) -> pl.Expr:
    """A Zeek ``ts``: ISO 8601 UTC (json-streaming-logs) or epoch seconds -> UTC datetime."""
    iso = text.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.fZ", strict=False)
    return pl.coalesce(iso, epoch_to_utc(text))


class ZeekDnsTsvParser(LogParser):
    """Zeek dns.log in Zeek's own tab-separated format."""

    name = "zeek_dns_tsv"
    source = "dns"
    description = "Zeek dns.log, TSV with #fields header"
    fields: ClassVar[tuple[str, ...]] = ("src_ip",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sep, self.columns = tsv_layout(self.head)

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain when the header says ``#path dns`` and names the dns fields."""
        path = _header_value(head, "path")
        fields = _header_value(head, "fields") or ""
        if path is not None and path.strip() == "dns" and "query" in fields:
            return 1.0
        return 0.0

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Split on the separator; pick the columns named in ``#fields``."""
        raw = pl.col("raw")
        parts = raw.str.split(self.sep)
        picks = []
        for field, alias in _WANTED.items():
            if field in self.columns:
                picks.append(
                    parts.list.get(self.columns.index(field), null_on_oob=True).alias(alias)
                )
            else:
                picks.append(pl.lit(None, dtype=pl.String).alias(alias))
        p = lines.with_columns(*picks, parts.list.len().alias("_n"))
        ts = epoch_to_utc(pl.col("ts_"))
        return p.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            null_if(pl.col("src_ip"), "-", "(empty)").alias("src_ip"),
            null_if(pl.col("query"), "-", "(empty)").alias("host"),
            raw.str.starts_with("#").alias(SKIP),
            first_reason(
                (pl.col("_n") != len(self.columns), f"expected {len(self.columns)} fields"),
                (ts.is_null(), "bad timestamp"),
            ).alias(REASON),
        )


class ZeekDnsJsonParser(LogParser):
    """Zeek dns.log written as JSON lines (LogAscii::use_json or json-streaming-logs)."""

    name = "zeek_dns_json"
    source = "dns"
    description = "Zeek dns.log, JSON lines"
    fields: ClassVar[tuple[str, ...]] = ("src_ip",)

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that are JSON objects of a Zeek DNS record."""
        dns_keys = {"id.orig_h", "query", "qtype_name"}
        return share_of_records(
            head, lambda obj: obj.get("_path") == "dns" or dns_keys <= obj.keys()
        )

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Decode ``ts``, ``id.orig_h`` and ``query`` (one JSON parse per line)."""
        paths = {"_ts": ("ts",), "_src": ("id.orig_h",), "_query": ("query",)}
        ts_text = pl.col("_ts")
        ts = zeek_ts(ts_text)
        return with_json_fields(lines, paths).select(
            "line_no",
            "raw",
            ts.alias("ts"),
            pl.col("_src").alias("src_ip"),
            pl.col("_query").alias("host"),
            pl.lit(False).alias(SKIP),
            first_reason(
                not_an_object(),
                (ts_text.is_null(), "invalid JSON or no ts field"),
                (ts.is_null(), "bad timestamp"),
            ).alias(REASON),
        )


PARSERS = (ZeekDnsTsvParser, ZeekDnsJsonParser)
