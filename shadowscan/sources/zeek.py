"""Zeek dns.log, as TSV (with its ``#fields`` header) or as JSON lines.

TSV: header lines (``#separator``, ``#fields``, ``#types``, ``#close``...) are skipped; the
column positions come from ``#fields``. JSON: one object per line, ``ts`` as epoch seconds
or ISO 8601 (json-streaming-logs). Zeek logs UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import polars as pl

from shadowscan.sources.base import (
    REASON,
    SKIP,
    LogParser,
    ParseResult,
    epoch_to_utc,
    first_reason,
    null_if,
)
from shadowscan.sources.jsonlines import not_an_object, share_of_records, with_json_fields
from shadowscan.sources.reader import Block, split_edges

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
        #: Where ``#fields`` puts each field the parser picks (absent ones are left out).
        self.positions = {
            alias: self.columns.index(field)
            for field, alias in _WANTED.items()
            if field in self.columns
        }

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
        picks = self._picks(lambda i: parts.list.get(i, null_on_oob=True))
        p = lines.with_columns(*picks, parts.list.len().alias("_n"))
        return self._events(p, ["line_no", "raw"], raw)

    def _picks(self, field_at: Callable[[int], pl.Expr]) -> list[pl.Expr]:
        """The picked fields (``ts_``, ``src_ip``, ``query``), each ``field_at`` its
        position; null where ``#fields`` does not name it."""
        return [
            (
                field_at(self.positions[alias])
                if alias in self.positions
                else pl.lit(None, dtype=pl.String)
            ).alias(alias)
            for alias in _WANTED.values()
        ]

    def parse_block(self, block: Block) -> ParseResult:
        """The records of a block straight from its bytes, else :meth:`parse`; header
        lines at its top (``#fields``...) or bottom (``#close``) by :meth:`parse`."""
        head, body, tail = split_edges(block, b"#")
        if body is block:
            return self._parse_records(block)
        parts = []
        for piece in (head, body, tail):
            if piece is not None:
                parts.append(
                    self._parse_records(piece) if piece is body else super().parse_block(piece)
                )
        block.latin1_lines = sum(p.latin1_lines for p in (head, body, tail) if p is not None)
        return ParseResult.joined(parts)

    def _parse_records(self, block: Block) -> ParseResult:
        fields = self._record_fields(block)
        if fields is None:
            return super().parse_block(block)
        n = len(self.columns)
        p = fields.lazy().select(
            block.line_no(),
            "c0",
            *self._picks(lambda i: pl.col(f"c{i}")),
            pl.lit(n).alias("_n"),
        )
        # A line's first field starts it: it starts with "#" when the line does.
        out = self._events(p, ["line_no"], pl.col("c0")).collect()
        if out[REASON].is_not_null().any():  # rejects keep their line: decode them
            out = out.with_columns(block.frame()["raw"])
        return self.finish(out)

    def _record_fields(self, block: Block) -> pl.DataFrame | None:
        """The fields :meth:`parse_lines` picks, read by polars' CSV reader, when every line
        of the block has exactly the ``#fields`` count of fields; else None.

        Each line whose last field is not empty has at least that many separators; when
        the block holds exactly that many per line, each line has exactly that many.
        """
        n = len(self.columns)
        if len(self.sep.encode()) != 1 or n == 0:
            return None
        wanted = sorted({0, n - 1, *self.positions.values()})
        fields = block.fields(self.sep, n, select=wanted)
        if fields is None or (fields[f"c{n - 1}"] == "").any():
            return None
        if block.data.count(self.sep.encode(), 0, block.end) != (n - 1) * block.line_count():
            return None
        return fields

    def _events(self, p: pl.LazyFrame, keep: list[str], first: pl.Expr) -> pl.LazyFrame:
        """Events from the picked fields (``ts_``, ``src_ip``, ``query``, ``_n``); a line
        is a header when ``first`` (the line, or its first field) starts with "#"."""
        ts = epoch_to_utc(pl.col("ts_"))
        return p.select(
            *keep,
            ts.alias("ts"),
            null_if(pl.col("src_ip"), "-", "(empty)").alias("src_ip"),
            null_if(pl.col("query"), "-", "(empty)").alias("host"),
            first.str.starts_with("#").alias(SKIP),
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
