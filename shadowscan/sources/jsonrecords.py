"""Records out of JSON text: NDJSON, arrays, pretty documents, wrappers; whole or in pieces.

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

A file is read in the engine's blocks, never whole (:class:`RecordReader`): JSON lines
(:func:`records_by_line`) block by block, each on its own; any other layout by one reader
that goes through the blocks in order and carries a value that goes on from one block to
the next, reading a long array or wrapper item by item.
"""

from __future__ import annotations

import array
import bisect
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from shadowscan.schema import REJECT_RAW_MAX

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


class JsonText:
    """The frame's lines as one string, with a position -> line number map.

    Built by polars and held as two arrays of 8-byte integers (each line's start and
    number), not a Python object per line: a pretty-printed export has a line per key
    (a 228 MB document: 7.3M lines, which took 1.4 GB as Python lists).
    """

    text: str
    starts: array.array[int]
    line_nos: array.array[int]

    @classmethod
    def of(cls, text: str, starts: array.array[int], line_nos: array.array[int]) -> JsonText:
        """The text with its lines' starts and numbers already known."""
        doc = cls.__new__(cls)
        doc.text, doc.starts, doc.line_nos = text, starts, line_nos
        return doc

    def __init__(self, lines: pl.DataFrame) -> None:
        raw = lines["raw"]
        self.text: str = raw.str.join("\n").item() if raw.len() else ""
        # Positions in the text count characters: each line's start is the sum of the
        # lengths (and newlines) of the lines before it.
        lengths = raw.str.len_chars().cast(pl.Int64)
        starts = lengths.cum_sum() - lengths + pl.Series(range(raw.len()), dtype=pl.Int64)
        self.starts = _int64s(starts)
        self.line_nos = _int64s(lines["line_no"].cast(pl.Int64))

    def index_of(self, pos: int) -> int:
        return max(bisect.bisect_right(self.starts, pos) - 1, 0)

    def where(self, pos: int) -> str:
        i = self.index_of(pos)
        return f"line {self.line_nos[i]} column {pos - self.starts[i] + 1}"


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
    return RecordReader().read(JsonText(lines), batch, final=True)


#: Reject excerpts are cut from at most this much text (see :func:`compact`).
_RAW_TEXT = REJECT_RAW_MAX * 4


@dataclass
class _Pending:
    """A bad value whose reject waits for the line the reader resumes at."""

    line_no: int
    reason: str
    #: The text from the bad value, up to the piece's end (``at``: where it starts in
    #: the piece being read; None once the piece is read).
    raw: str
    at: int | None
    #: The last line passed over so far (``lines a-b not read``).
    last_no: int
    #: Its line holds a top-level reject already: this one is part of it.
    drop: bool


@dataclass
class _Carried:
    """The text a piece leaves to the next one: from the start of the line where the
    reader stopped, with those lines' numbers (in the piece's numbering)."""

    text: str
    starts: array.array[int]
    line_nos: array.array[int]
    #: Where to go on in ``text``; whether its first line already holds a record or a
    #: reject (so it is not counted again, and holds one top-level reject at most).
    pos: int
    used: bool
    rejected: bool


class _Piece:
    """One piece being read: its text and which of its lines hold what."""

    def __init__(self, doc: JsonText, batch: RecordBatch, carried: _Carried | None) -> None:
        self.doc, self.text, self.batch = doc, doc.text, batch
        self.used: set[int] = set()
        self.rejected: set[int] = set()
        #: The first line carried on to the next piece (past the last: none).
        self.carried_from = len(doc.starts)
        if carried is not None:
            if carried.used:
                self.used.add(0)
            if carried.rejected:
                self.rejected.add(0)

    def reject(self, i: int, reason: str, raw: str, *, item: bool = False) -> None:
        # One reject per line for values at the top: what follows a bad value on its line
        # ('"key": 1,' left of a record cut short, "1 2 3") is part of the same bad line.
        # The items of an array count one by one, bad ones too.
        self.used.add(i)
        if item or i not in self.rejected:
            self.rejected.add(i)
            self.batch.rejects.append((self.doc.line_nos[i], reason, raw))

    def add(
        self, start: int, value: Any, raw: str, *, item: bool = False, elastic: bool = False
    ) -> Record | None:
        i = self.doc.index_of(start)
        self.used.add(i)
        original = _elastic_original(value) if elastic else None
        if original is not None:
            try:
                value, raw = json.loads(original), original
            except json.JSONDecodeError as exc:
                reason = f"invalid JSON in event.original: {exc.msg} at column {exc.colno}"
                self.reject(i, reason, compact(original), item=item)
                return None
        if isinstance(value, dict):
            return self.doc.line_nos[i], value, raw
        self.reject(i, "not a JSON object", compact(raw), item=item)
        return None


class RecordReader:
    """Reads records out of JSON text that comes in pieces (blocks of a file, in order).

    Each piece is read as far as it can be; what is left is a value that goes on in the
    next piece (never a token: pieces end at line ends, and JSON tokens hold no newline),
    carried over with its lines. Such a value is read whole once the next pieces complete
    it, except an array or a wrapper (``{"Records": [...]}``, see :meth:`_open`): those
    are read item by item, so memory follows the largest record, not the document. An
    item that is not valid JSON then ends the array: it is rejected and the reader
    resumes at the next line that opens an object or an array, the items before it kept.
    Read in one piece (``final`` at once), this is the reader of the module doc, exactly.
    """

    def __init__(self) -> None:
        #: "top": between values; "items"/"next": in a streamed array, before an item /
        #: after one; "rest": the members after a streamed wrapper's array; "skip": after a
        #: bad value, up to the next line that opens an object or an array.
        self.state = "top"
        self.elastic = False
        self.wrapper = False
        self.pending: _Pending | None = None
        self.carried: _Carried | None = None
        self._decoder = json.JSONDecoder()

    def carry_into(self, doc: JsonText, shift: int) -> JsonText:
        """``doc`` after the text carried from the last piece; ``shift`` is added to the
        carried lines' numbers (to number them as ``doc`` does)."""
        carried = self.carried
        if carried is None:
            return doc
        offset = len(carried.text) + 1
        starts = array.array("q", carried.starts)
        starts.extend(start + offset for start in doc.starts)
        nos = array.array("q", (n + shift for n in carried.line_nos))
        nos.extend(doc.line_nos)
        text = carried.text + "\n" + doc.text if doc.starts else carried.text
        return JsonText.of(text, starts, nos)

    def read(self, doc: JsonText, batch: RecordBatch, *, final: bool) -> Iterator[Record]:
        """The records of ``doc`` (a piece, after what the last one carried: see
        :meth:`carry_into`); rejects and skipped lines go to ``batch``. Unless ``final``,
        what goes on in the next piece is carried."""
        text, decoder = doc.text, self._decoder
        carried, self.carried = self.carried, None
        piece = _Piece(doc, batch, carried)
        pos = carried.pos if carried is not None else 0
        while True:
            if self.state == "skip":
                found = _TOP_LEVEL.search(text, pos) if pos < len(text) else None
                if found is None:
                    self._pass_over(doc, pos)
                    if final:
                        self._resume(batch, None, 0)
                    break
                pos = found.start()
                self._resume(batch, doc, pos)
                self.state = "top"
                continue
            pos = _skip_ws(text, pos)
            if pos >= len(text):
                if final and self.state != "top":  # a streamed document ends unclosed
                    ends = json.JSONDecodeError("Expecting ',' delimiter", text, len(text))
                    pos = self._bad(piece, max(len(text) - 1, 0), ends)
                    continue
                break
            if self.state == "top":
                try:
                    value, end = decoder.raw_decode(text, pos)
                except json.JSONDecodeError as exc:
                    if not final and exc.pos >= len(text):  # goes on in the next piece
                        opened = self._open(text, pos)
                        if opened is None:
                            self._stop(piece, pos)
                            break
                        self.state, pos = "items", opened
                        continue
                    pos = self._bad(piece, pos, exc)
                    continue
                key = _wrapper_key(value) if isinstance(value, dict) else None
                if isinstance(value, list) or key is not None:
                    at = pos if key is None else _member_start(text, pos, key, decoder)
                    for start, stop, item in _array_items(text, at, decoder):
                        elastic = key == "events"
                        record = piece.add(
                            start, item, text[start:stop], item=True, elastic=elastic
                        )
                        if record is not None:
                            yield record
                else:
                    record = piece.add(pos, value, text[pos:end])
                    if record is not None:
                        yield record
                pos = end
            elif self.state in ("items", "next"):
                if text[pos] == "]":
                    self.state, pos = ("rest" if self.wrapper else "top"), pos + 1
                    continue
                at = pos
                if self.state == "next":
                    if text[pos] != ",":
                        comma = json.JSONDecodeError("Expecting ',' delimiter", text, pos)
                        pos = self._bad(piece, pos, comma)
                        continue
                    at = _skip_ws(text, pos + 1)
                try:
                    item, end = decoder.raw_decode(text, at)
                except json.JSONDecodeError as exc:
                    if not final and exc.pos >= len(text):
                        self._stop(piece, pos)
                        break
                    pos = self._bad(piece, at, exc)
                    continue
                record = piece.add(at, item, text[at:end], item=True, elastic=self.elastic)
                if record is not None:
                    yield record
                self.state, pos = "next", end
            else:  # "rest": the members after a streamed wrapper's array, up to its "}"
                if text[pos] == "}":
                    self.state, pos = "top", pos + 1
                    continue
                try:
                    pos = self._member(text, pos)
                except json.JSONDecodeError as exc:
                    if not final and exc.pos >= len(text):
                        self._stop(piece, pos)
                        break
                    pos = self._bad(piece, pos, exc)
        decided = piece.carried_from  # the lines before it are booked in this piece
        batch.skipped += decided - len([i for i in piece.used if i < decided])

    def _open(self, text: str, pos: int) -> int | None:
        """Where the items start of the array, or the wrapper's array, that opens at
        ``pos`` and goes on past ``text`` (None when the value there is neither: it is
        then read whole).

        A wrapper is an object whose records array comes under a wrapper key, after any
        number of other members (``{"@odata.context": "...", "value": [...]}``); an
        Elastic ``{"events": [...]}`` only as its first member.
        """
        if text[pos] == "[":
            self.wrapper = self.elastic = False
            return pos + 1
        at, first = _skip_ws(text, pos + 1), True
        try:
            while text[at : at + 1] == '"':
                key, at = self._decoder.raw_decode(text, at)
                at = _skip_ws(text, at)
                if text[at : at + 1] != ":":
                    return None
                at = _skip_ws(text, at + 1)
                opens = text[at : at + 1] == "["
                if opens and (key in WRAPPER_KEYS or (key == "events" and first)):
                    self.wrapper, self.elastic = True, key == "events"
                    return at + 1
                _, at = self._decoder.raw_decode(text, at)
                at = _skip_ws(text, at)
                if text[at : at + 1] != ",":
                    return None
                at, first = _skip_ws(text, at + 1), False
        except json.JSONDecodeError:
            return None  # a member that goes on, or is not valid: read whole
        return None

    def _member(self, text: str, pos: int) -> int:
        """Past one more member (``, "key": value``) of a wrapper after its array."""
        if text[pos] != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
        key, at = self._decoder.raw_decode(text, _skip_ws(text, pos + 1))
        if not isinstance(key, str):
            raise json.JSONDecodeError(
                "Expecting property name enclosed in double quotes", text, pos
            )
        at = _skip_ws(text, at)
        if text[at : at + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        return int(self._decoder.raw_decode(text, _skip_ws(text, at + 1))[1])

    def _bad(self, piece: _Piece, at: int, exc: json.JSONDecodeError) -> int:
        """A value that is not valid JSON at ``at``: its reject waits for the next line
        that opens an object or an array (where the reader resumes); returns where to
        look for that line."""
        doc = piece.doc
        i = doc.index_of(at)
        piece.used.add(i)
        drop = i in piece.rejected
        piece.rejected.add(i)
        self.pending = _Pending(
            doc.line_nos[i],
            f"invalid JSON: {exc.msg} at {doc.where(exc.pos)}",
            "",
            at,
            doc.line_nos[i],
            drop,
        )
        self.state = "skip"
        return doc.starts[i + 1] if i + 1 < len(doc.starts) else len(piece.text)

    def _excerpt(self, text: str, end: int) -> None:
        """Add the piece's text before ``end`` to the pending reject's excerpt."""
        pending = self.pending
        assert pending is not None
        start = 0 if pending.at is None else pending.at
        if len(pending.raw) < _RAW_TEXT:
            joined = "\n" if pending.at is None else ""
            pending.raw = (pending.raw + joined + text[start:end])[:_RAW_TEXT]
        pending.at = None

    def _pass_over(self, doc: JsonText, pos: int) -> None:
        """Every line of the piece from ``pos`` is passed over, still looking for where to
        resume: they extend the pending reject."""
        pending = self.pending
        assert pending is not None
        if doc.starts and (pos < len(doc.text) or pending.at is not None):
            pending.last_no = max(pending.last_no, doc.line_nos[len(doc.starts) - 1])
        self._excerpt(doc.text, len(doc.text))

    def _resume(self, batch: RecordBatch, doc: JsonText | None, at: int) -> None:
        """The pending reject, now that the reader goes on at ``at`` in ``doc`` (or at the
        end of the input: ``doc`` None)."""
        pending = self.pending
        assert pending is not None
        if doc is not None:
            self._excerpt(doc.text, at)
            if at > 0:
                pending.last_no = max(pending.last_no, doc.line_nos[doc.index_of(at - 1)])
        self.pending = None
        if pending.drop:
            return
        reason = pending.reason
        if pending.last_no > pending.line_no:
            reason += f"; lines {pending.line_no}-{pending.last_no} not read"
        batch.rejects.append((pending.line_no, reason, compact(pending.raw)))

    def _stop(self, piece: _Piece, at: int) -> None:
        """Carry the text from the line of ``at`` on to the next piece."""
        doc = piece.doc
        i = doc.index_of(at)
        first = doc.starts[i]
        piece.carried_from = i
        self.carried = _Carried(
            piece.text[first:],
            array.array("q", (start - first for start in doc.starts[i:])),
            doc.line_nos[i:],
            at - first,
            i in piece.used,
            i in piece.rejected,
        )
