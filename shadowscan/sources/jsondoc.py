"""JSON exports of SaaS audit logs: records out of NDJSON, arrays, pretty documents, wrappers.

SaaS consoles and APIs export the same records in many layouts: one object per line
(NDJSON), a JSON array, a single pretty-printed object spanning many lines, objects one after
another (``jq .`` output), or a wrapper object (``{"Records": [...]}`` of CloudTrail,
``{"value": [...]}`` of Microsoft Graph, ``{"items": [...]}`` of Google Reports,
``{"entries": [...]}`` of Slack, ``{"events": [{"event.original": "<JSON>"}]}`` of Elastic
test files). :func:`read_records` reads all of them as a sequence of JSON values separated by
whitespace and returns each record with the number of the line it starts on.

Accounting rule (``lines_read = events + rejected + skipped``): a record counts once, on the
line where it starts (an event, or a reject when it is not valid or lacks what the format
needs); every other line (the rest of a pretty-printed record, brackets of a wrapper, blank
lines) is skipped. A line holds at most one reject (what follows a bad value on its line is
part of it). The identity is exact whenever no two records start on one line; a compact
wrapper on one line (``{"Records":[{...},{...}]}``) yields one event per record, so that line
counts once per record.

Invalid JSON is rejected with the decoder's position (``line 12 column 5`` in the file); the
reader then resumes at the next line that starts with ``{`` or ``[`` (the next NDJSON line, or
the next top-level object of a stream), and the lines in between count as skipped.

Records are decoded with Python's ``json``; the field mapping after that is polars
expressions on columns. A file whose first lines are JSON lines (each one whole object,
not a wrapper: :func:`records_by_line`) is read in the engine's blocks like any log, so
memory stays bounded however large the export (a night of CloudTrail NDJSON); every other
layout (a document, an array, objects spanning lines) is read in one piece. A
value spanning lines at a block boundary of a JSON-lines file is then rejected with its
reason rather than read (such files keep each record on its line).
"""

from __future__ import annotations

import array
import bisect
import json
import re
from abc import abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl

from shadowscan.schema import REJECT_RAW_MAX, REJECT_SCHEMA, UTC_TS, conform
from shadowscan.sources.base import REASON, LogParser, ParseResult, first_reason
from shadowscan.sources.normalize import normalize_host

#: Keys whose list value holds the records of a wrapper object.
WRAPPER_KEYS = ("Records", "value", "items", "entries")

_WS = re.compile(r"[ \t\n\r]*")
_KEY = re.compile(r'(?<!\\)"([^"\\]{1,80})"\s*:')
_ESCAPED_KEY = re.compile(r'\\"([^"\\]{1,80})\\"\s*:')


#: ``(line_no, record, raw)``: the line a record starts on, the decoded object, its text.
Record = tuple[int, dict[str, Any], str]


@dataclass
class RecordBatch:
    """The records of one frame of lines, the rejected ones, and the skipped line count."""

    records: list[Record] = field(default_factory=list)
    #: ``(line_no, reason, raw)``.
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    skipped: int = 0


def head_keys(head: list[str]) -> set[str]:
    """Every JSON object key in ``head`` (also the escaped keys of embedded JSON strings).

    Detection of pretty-printed documents works on key names: the head holds only the
    first lines of the first object.

    >>> sorted(head_keys(['{"a": 1, "b": {"c": "{\\\\"d\\\\":2}"}}']))
    ['a', 'b', 'c', 'd']
    """
    text = "\n".join(head)
    return set(_KEY.findall(text)) | set(_ESCAPED_KEY.findall(text))


def compact(text: str) -> str:
    """``text`` on one line, cut for ``rejects.csv``.

    >>> compact('{\\n  "a": 1\\n}')
    '{ "a": 1 }'
    """
    return " ".join(text[: REJECT_RAW_MAX * 4].split())[:REJECT_RAW_MAX]


class _Text:
    """The frame's lines as one string, with a position -> line number map.

    Built by polars and held as two arrays of 8-byte integers (each line's start and
    number), not a Python object per line: a pretty-printed export has a line per key
    (a 228 MB document: 7.3M lines, which took 1.4 GB as Python lists).
    """

    def __init__(self, lines: pl.DataFrame) -> None:
        raw = lines["raw"]
        self.text: str = raw.str.join("\n").item() if raw.len() else ""
        # Positions in the text count characters: each line's start is the sum of the
        # lengths (and newlines) of the lines before it.
        starts = (
            raw.str.len_chars().cast(pl.Int64).cum_sum()
            - raw.str.len_chars()
            + pl.Series(range(raw.len()), dtype=pl.Int64)
        )
        self.starts = _int64s(starts)
        self.line_nos = _int64s(lines["line_no"].cast(pl.Int64))

    def index_of(self, pos: int) -> int:
        return max(bisect.bisect_right(self.starts, pos) - 1, 0)

    def where(self, pos: int) -> str:
        i = self.index_of(pos)
        return f"line {self.line_nos[i]} column {pos - self.starts[i] + 1}"

    def next_top_level(self, after: int) -> int:
        """Start of the first line after line index ``after`` that opens an object/array."""
        if after + 1 >= len(self.starts):
            return len(self.text)
        found = _TOP_LEVEL.search(self.text, self.starts[after + 1])
        return found.start() if found else len(self.text)


#: A line that opens an object or an array.
_TOP_LEVEL = re.compile(r"^[{\[]", re.MULTILINE)


def _int64s(values: pl.Series) -> array.array[int]:
    """A series of integers (no nulls) as a compact array (8 bytes a value)."""
    out = array.array("q")
    if values.len():
        data = values.rechunk().to_arrow()
        start = data.offset * out.itemsize
        buffer = data.buffers()[1]
        assert buffer is not None
        out.frombytes(memoryview(buffer)[start : start + len(data) * out.itemsize])
    return out


def _skip_ws(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _array_items(text: str, pos: int, decoder: json.JSONDecoder) -> Iterator[tuple[int, int, Any]]:
    """``(start, end, value)`` of each element of the (valid) array at ``pos``."""
    pos = _skip_ws(text, pos + 1)
    if text[pos] == "]":
        return
    while True:
        value, end = decoder.raw_decode(text, pos)
        yield pos, end, value
        pos = _skip_ws(text, end)
        if text[pos] == "]":
            return
        pos = _skip_ws(text, pos + 1)  # the comma


def _member_start(text: str, pos: int, wanted: str, decoder: json.JSONDecoder) -> int:
    """Position of the value of key ``wanted`` in the (valid) object at ``pos``."""
    pos = _skip_ws(text, pos + 1)
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # the colon
        if key == wanted:
            return pos
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, pos)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
    raise KeyError(wanted)  # pragma: no cover - the caller saw the key


def _wrapper_key(value: Mapping[str, Any]) -> str | None:
    if len(value) == 1 and isinstance(value.get("events"), list):
        return "events"
    for key in WRAPPER_KEYS:
        if isinstance(value.get(key), list):
            return key
    return None


def _elastic_original(item: Any) -> str | None:
    """The raw record an Elastic test event carries (``event.original``), if any."""
    if not isinstance(item, dict):
        return None
    original = item.get("event.original")
    if original is None and isinstance(item.get("event"), dict):
        original = item["event"].get("original")
    return original if isinstance(original, str) else None


def records_by_line(head: list[str]) -> bool:
    """True when ``head`` is JSON lines: two or more non-blank lines, each starting with
    ``{`` (no line continues a value begun above it), most of them whole JSON objects (a
    bad line among them is rejected on its own, as in a read in one piece).

    >>> records_by_line(['{"a": 1}', '', '{"a": 2}', '{"a": 3']), records_by_line(['{"a": 1}'])
    (True, False)
    >>> records_by_line(['{"a": 1,', '"b": 2}', '{"a": 3}'])
    False
    >>> records_by_line(['{', '  "a": 1', '}']), records_by_line(['[{"a": 1},', '{"a": 2}]'])
    (False, False)
    """
    lines = [line for line in head if line.strip()]
    if len(lines) < 2 or not all(line.startswith("{") for line in lines):
        return False
    whole = 0
    for line in lines:
        try:
            whole += isinstance(json.loads(line), dict)
        except ValueError:
            continue
    return whole * 2 > len(lines)


def read_records(lines: pl.DataFrame) -> RecordBatch:
    """Every JSON record in a frame of ``line_no``/``raw`` lines, in order (see module doc)."""
    batch = RecordBatch()
    batch.records = list(iter_records(lines, batch))
    return batch


def iter_records(lines: pl.DataFrame, batch: RecordBatch) -> Iterator[Record]:
    """Yield each record as it is decoded; rejects and the skip count go to ``batch``.

    A generator, so that a parser keeps only the fields it needs, not every decoded object.
    """
    doc = _Text(lines)
    text, decoder = doc.text, json.JSONDecoder()
    used: set[int] = set()
    rejected: set[int] = set()

    def reject(i: int, reason: str, raw: str, *, item: bool = False) -> None:
        # One reject per line for values at the top: what follows a bad value on its line
        # ('"key": 1,' left of a record cut by a block boundary, "1 2 3") is part of the
        # same bad line. The items of an array count one by one, bad ones too.
        if item or i not in rejected:
            rejected.add(i)
            batch.rejects.append((doc.line_nos[i], reason, raw))

    def add(
        start: int, value: Any, raw: str, *, item: bool = False, elastic: bool = False
    ) -> Record | None:
        i = doc.index_of(start)
        used.add(i)
        line_no = doc.line_nos[i]
        original = _elastic_original(value) if elastic else None
        if original is not None:
            try:
                value, raw = json.loads(original), original
            except json.JSONDecodeError as exc:
                reason = f"invalid JSON in event.original: {exc.msg} at column {exc.colno}"
                reject(i, reason, compact(original), item=item)
                return None
        if isinstance(value, dict):
            return line_no, value, raw
        reject(i, "not a JSON object", compact(raw), item=item)
        return None

    pos = _skip_ws(text, 0)
    while pos < len(text):
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            i = doc.index_of(pos)
            used.add(i)
            resume = doc.next_top_level(i)
            reason = f"invalid JSON: {exc.msg} at {doc.where(exc.pos)}"
            last = doc.index_of(max(resume - 1, pos))
            if last > i:
                reason += f"; lines {doc.line_nos[i]}-{doc.line_nos[last]} not read"
            reject(i, reason, compact(text[pos:resume]))
            pos = _skip_ws(text, resume)
            continue
        key = _wrapper_key(value) if isinstance(value, dict) else None
        if isinstance(value, list) or key is not None:
            at = pos if key is None else _member_start(text, pos, key, decoder)
            for start, stop, item in _array_items(text, at, decoder):
                record = add(start, item, text[start:stop], item=True, elastic=key == "events")
                if record is not None:
                    yield record
        else:
            record = add(pos, value, text[pos:end])
            if record is not None:
                yield record
        pos = _skip_ws(text, end)
    batch.skipped += len(doc.starts) - len(used)


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
    whole_file = True
    #: The raw text fields :meth:`extract` returns, in order.
    columns: ClassVar[tuple[str, ...]]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: JSON lines, read block by block (see the module doc); a parser with its own
        #: :meth:`read` (a CSV export) reads the file in one piece.
        self.by_line = type(self).read is JsonRecordParser.read and records_by_line(self.head)

    def reads_whole_file(self) -> bool:
        """In one piece, unless the file is JSON lines."""
        return not self.by_line

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
        values: dict[str, list[Any]] = {"line_no": [], "raw": []}
        values.update({c: [] for c in self.columns})
        for line_no, record, raw in self.read(lines, batch):
            fields = self.extract(record)
            if isinstance(fields, str):
                batch.rejects.append((line_no, fields, compact(raw)))
                continue
            values["line_no"].append(line_no)
            values["raw"].append(raw)
            for name, value in zip(self.columns, fields, strict=True):
                values[name].append(value)
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
