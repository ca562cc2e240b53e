"""JSON exports of SaaS audit logs: the parser base the SaaS formats share, and helpers.

The records come out of the export by :mod:`shadowscan.sources.jsonrecords` (any layout:
NDJSON, arrays, pretty documents, wrappers), decoded with Python's ``json``; the field
mapping after that is polars expressions on columns. A file whose first lines are JSON
lines (each one whole object: ``records_by_line``) is read block by block, the blocks at the
same time, like any log; any other layout by one reader that goes through the blocks in file
order (:meth:`JsonRecordParser.for_block`, on the reading thread), carrying a record that
goes on from one block to the next (Purview's CSV export likewise, row by row:
``saas_m365``). Either way memory stays bounded however large the export. A value that
spans a block boundary in a JSON-lines file is rejected with its reason rather than read
(such files keep each record on its line).
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

import polars as pl

from shadowscan.schema import REJECT_RAW_MAX, REJECT_SCHEMA, UTC_TS, conform
from shadowscan.sources.base import REASON, LogParser, ParseResult, first_reason
from shadowscan.sources.jsonrecords import (
    JsonText,
    Record,
    RecordBatch,
    RecordReader,
    compact,
    head_keys,
    iter_records,
    records_by_line,
)
from shadowscan.sources.normalize import normalize_host
from shadowscan.sources.reader import Block

__all__ = [
    "JsonRecordParser",
    "Record",
    "RecordBatch",
    "any_ts_to_utc",
    "compact",
    "dig",
    "first_text",
    "head_keys",
    "ip_only",
    "text_of",
]


# Values -------------------------------------------------------------------------------------


def dig(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None where a step is missing or not an object.

    >>> dig({"a": {"b": 1}}, "a", "b"), dig({"a": 1}, "a", "b")
    (1, None)
    """
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def text_of(value: Any) -> str | None:
    """A scalar JSON value as text (numbers as written); None, empty, objects and lists -> None.

    >>> text_of(1583364251067), text_of(""), text_of({"a": 1}), text_of(True)
    ('1583364251067', None, None, 'true')
    """
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    out = str(value).strip()
    return out or None


def first_text(*values: Any) -> str | None:
    """The first of ``values`` that :func:`text_of` turns into text."""
    for value in values:
        out = text_of(value)
        if out is not None:
            return out
    return None


_ISO_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
)


def any_ts_to_utc(text: pl.Expr) -> pl.Expr:
    """ISO 8601 (``Z``, an offset, or none = UTC) or epoch seconds/milliseconds -> UTC.

    Epoch values of 12 digits or more are milliseconds (GitHub ``created_at``); shorter ones
    are seconds (Slack ``date_create``). Anything else -> null.

    >>> df = pl.DataFrame({"t": ["2019-10-18T04:45:48.0729893-05:00", "1583364251067",
    ...                          "1521214343", "2026-01-15T10:23:44", "soon"]})
    >>> [str(v) for v in df.select(any_ts_to_utc(pl.col("t")))["t"].to_list()]
    ['2019-10-18 09:45:48.072989+00:00', '2020-03-04 23:24:11.067000+00:00', \
'2018-03-16 15:32:23+00:00', '2026-01-15 10:23:44+00:00', 'None']
    """
    e = text.str.strip_chars()
    parsed = [e.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in _ISO_FORMATS]
    # An offset (%:z) gives an aware UTC value; the other layouts are naive UTC.
    iso = [
        p.dt.convert_time_zone("UTC") if "%:z" in fmt else p.dt.replace_time_zone("UTC")
        for p, fmt in zip(parsed, _ISO_FORMATS, strict=True)
    ]
    number = e.str.extract(r"^(\d+(?:\.\d+)?)$", 1)
    whole = number.str.extract(r"^(\d+)", 1)
    seconds = number.cast(pl.Float64, strict=False)
    seconds = pl.when(whole.str.len_chars() >= 12).then(seconds / 1000).otherwise(seconds)
    micros = (seconds * 1_000_000).round(0).cast(pl.Int64)
    epoch = micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return pl.coalesce(*iso, epoch).cast(UTC_TS)


def ip_only(expr: pl.Expr) -> pl.Expr:
    """An IP address without a port (``1.2.3.4:5678``, ``[::1]:443``); non-IP text -> null.

    >>> df = pl.DataFrame({"ip": ["1.2.3.4:5678", "[2001:db8::1]:443", "2001:db8::2",
    ...                           "ec2.amazonaws.com", "AWS Internal"]})
    >>> df.select(ip_only(pl.col("ip")))["ip"].to_list()
    ['1.2.3.4', '2001:db8::1', '2001:db8::2', None, None]
    """
    e = expr.str.strip_chars()
    e = e.str.replace(r"^\[([0-9A-Fa-f:.]+)\](?::\d+)?$", "$1")
    e = e.str.replace(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d+$", "$1")
    ipv4 = e.str.contains(r"^\d{1,3}(?:\.\d{1,3}){3}$")
    ipv6 = e.str.contains(r"^[0-9A-Fa-f:.]+$") & e.str.contains(":", literal=True)
    return pl.when(ipv4 | ipv6).then(e)


# The parser base ---------------------------------------------------------------------------


class JsonRecordParser(LogParser):
    """A SaaS audit format read record by record from a JSON export (see module doc).

    Subclasses set ``columns`` (the raw text fields :meth:`extract` returns), and implement
    :meth:`extract` (one decoded record -> those fields, or a reject reason) and
    :meth:`to_events` (polars: raw fields -> event columns + ``_reason``).
    """

    source = "saas"
    names_lines = True  # "invalid JSON: ... at line 12 column 5"
    #: The raw text fields :meth:`extract` returns, in order.
    columns: ClassVar[tuple[str, ...]]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: JSON lines: blocks read on their own, at the same time (see the module doc).
        self.by_line = type(self).read is JsonRecordParser.read and records_by_line(self.head)
        #: Other exports: blocks read in file order, each after what the one before left
        #: (:meth:`read_piece`).
        self._stream = RecordReader()
        self._next_first = 1
        #: A block's records, read in file order, for :meth:`parse_block`.
        self._read: tuple[dict[str, list[Any]], RecordBatch] | None = None

    def for_block(self, block: Block) -> LogParser:
        """JSON lines: this parser. Other exports: the block is read here, in file order
        (:meth:`read_piece`); the copy returned holds its records' fields (not the decoded
        objects) for :meth:`parse_block`."""
        if self.by_line:
            return self
        batch = RecordBatch()
        values = self._values(self.read_piece(block, batch), batch)
        reader = copy.copy(self)
        reader._read = (values, batch)
        return reader

    def read_piece(self, block: Block, batch: RecordBatch) -> Iterator[Record]:
        """The records of the file's next block, after the record the block before left
        going on (JSON by default; the CSV export overrides it)."""
        stream = self._stream
        # Numbered as the block numbers its lines: the carried lines, numbered as the
        # block before numbered its own, move by the difference.
        doc = stream.carry_into(JsonText(block.frame()), block.first_no - self._next_first)
        self._next_first = block.first_no + block.line_count()
        return stream.read(doc, batch, final=block.last)

    def parse_block(self, block: Block) -> ParseResult:
        """The records read by :meth:`for_block`, or the block's lines read now."""
        if self._read is not None:
            return self._result(*self._read)
        return super().parse_block(block)

    @abstractmethod
    def extract(self, record: dict[str, Any]) -> tuple[str | None, ...] | str:
        """The record's raw fields (in ``columns`` order), or why it is not this format."""

    #: Reject reasons for a record without a time, and with one that does not parse.
    missing_time: ClassVar[str]
    bad_time: ClassVar[str]

    def action(self) -> pl.Expr | None:
        """``allowed``/``blocked`` from the raw fields; None when the format logs no decision."""
        return None

    def app(self) -> pl.Expr:
        """The event's ``app`` from the raw fields (the SaaS app the catalog matches)."""
        return pl.col("app")

    def to_events(self, records: pl.LazyFrame) -> pl.LazyFrame:
        """``line_no``, ``raw`` and the event columns of each record, plus ``_reason``.

        The time becomes UTC (ISO or epoch), the IP loses its port, the other raw fields
        named like event columns pass through.
        """
        ts = any_ts_to_utc(pl.col("ts_"))
        passthrough = [c for c in ("user", "user_agent", "host") if c in self.columns]
        action = self.action()
        return records.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            *passthrough,
            ip_only(pl.col("ip")).alias("src_ip"),
            self.app().alias("app"),
            *([action.alias("action")] if action is not None else []),
            first_reason(
                (pl.col("ts_").is_null(), self.missing_time),
                (ts.is_null(), self.bad_time),
            ).alias(REASON),
        )

    def read(self, lines: pl.DataFrame, batch: RecordBatch) -> Iterator[Record]:
        """The records of a frame of lines (JSON by default; the CSV export overrides it)."""
        return iter_records(lines, batch)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Not used: a JSON record can span lines and one line can hold several records."""
        raise TypeError(f"{self.name} is read record by record: call parse(), not parse_lines()")

    def parse(self, lines: pl.DataFrame) -> ParseResult:
        """Decode the records, map them to events with polars, and keep the books."""
        batch = RecordBatch()
        return self._result(self._values(self.read(lines, batch), batch), batch)

    def _values(self, records: Iterator[Record], batch: RecordBatch) -> dict[str, list[Any]]:
        """The raw fields of each record, a list per column (bad records to ``batch``)."""
        values: dict[str, list[Any]] = {"line_no": [], "raw": []}
        values.update({c: [] for c in self.columns})
        for line_no, record, raw in records:
            fields = self.extract(record)
            if isinstance(fields, str):
                batch.rejects.append((line_no, fields, compact(raw)))
                continue
            values["line_no"].append(line_no)
            values["raw"].append(raw)
            for name, value in zip(self.columns, fields, strict=True):
                values[name].append(value)
        return values

    def _result(self, values: dict[str, list[Any]], batch: RecordBatch) -> ParseResult:
        """Events and rejects of the records' raw fields, mapped with polars."""
        schema: dict[str, pl.DataType] = {"line_no": pl.Int64(), "raw": pl.String()}
        schema.update({c: pl.String() for c in self.columns})
        out = self.to_events(pl.DataFrame(values, schema=schema).lazy()).collect()
        if "host" in out.columns:
            out = out.with_columns(normalize_host(pl.col("host")).alias("host"))
        good = out.filter(pl.col(REASON).is_null())
        bad = out.filter(pl.col(REASON).is_not_null()).select(
            pl.col("line_no").alias("source_line"),
            pl.col(REASON).alias("reason"),
            pl.col("raw")
            .str.slice(0, REJECT_RAW_MAX * 4)
            .str.replace_all(r"\s+", " ")
            .str.strip_chars()
            .str.slice(0, REJECT_RAW_MAX)
            .alias("raw"),
        )
        events = self.events_of(good)
        found = pl.DataFrame(
            batch.rejects,
            schema={"source_line": pl.Int64, "reason": pl.String, "raw": pl.String},
            orient="row",
        )
        all_rejects = pl.concat([found, bad], how="vertical_relaxed").sort(
            "source_line", maintain_order=True
        )
        return ParseResult(
            events=events.sort("source_line", maintain_order=True),
            rejects=conform(
                all_rejects.with_columns(pl.lit(self.source_file).alias("source_file")),
                REJECT_SCHEMA,
            ),
            skipped=batch.skipped,
        )
