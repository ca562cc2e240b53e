"""Fields of JSON-lines logs, decoded once per line instead of once per field.

``str.json_path_match`` parses a line again for every path it reads; a parser that needs
ten fields parses every line ten times. :func:`json_fields` decodes each line once with
``str.json_decode`` and a struct of only the wanted fields, and reads each field as
``json_path_match`` would: the value as text (numbers and booleans as JSON writes them),
null when the line is not a JSON object, is invalid JSON or lacks the field.

``json_decode`` keeps the first of two equal keys where ``json_path_match`` keeps the last:
a line in which a wanted key may be repeated is read path by path (so is a fraction in an
integer field: see :func:`json_fields`).

``json_decode`` fails a whole column on one bad line (invalid JSON, or an object or array
where a field's text was expected). The lines are then split in halves and each half
decoded again, down to slices of :data:`SMALL` lines, which are read with
``json_path_match`` path by path: a bad line costs a few small slices, never the chunk, and
reads exactly as it did before.

>>> raw = pl.Series("raw", ['{"ts": 1.5, "id.orig_h": "10.0.0.1", "ev": {"q": "a.com"}}',
...                         '{"ts": 2, "ev": {"q": ["a"]}}', '{"ts": 3', 'not json',
...                         '{"ts": 4, "ts": 5}'])
>>> json_fields(raw, {"ts": ("ts",), "src": ("id.orig_h",), "q": ("ev", "q")}).rows()
[('1.5', '10.0.0.1', 'a.com'), ('2', None, '["a"]'), (None, None, None), (None, None, None), \
('5', None, None)]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import polars as pl

#: A slice of at most this many lines that does not decode as a whole is read path by path.
SMALL = 256


def json_path(path: Sequence[str]) -> str:
    """The JSONPath of a key path, in bracket form so that keys may hold dots.

    >>> json_path(("event", "id.orig_h"))
    "$['event']['id.orig_h']"
    """
    return "$" + "".join(f"['{key}']" for key in path)


def share_of_records(head: list[str], is_record: Callable[[dict[str, Any]], bool]) -> float:
    """The share of ``head`` lines that are JSON objects ``is_record`` accepts (0 when empty).

    >>> share_of_records(['{"_path": "dns"}', '{"a": 1}', 'x', '[1]'], lambda o: "_path" in o)
    0.25
    """
    if not head:
        return 0.0
    hits = 0
    for line in head:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        hits += isinstance(obj, dict) and is_record(obj)
    return hits / len(head)


def with_json_fields(
    lines: pl.LazyFrame, paths: Mapping[str, Sequence[str]], *, integers: Collection[str] = ()
) -> pl.LazyFrame:
    """``lines`` (``line_no``, ``raw``) with the :func:`json_fields` of ``raw`` beside them."""
    frame = lines.collect()
    fields = json_fields(frame["raw"], paths, integers=integers)
    return pl.concat([frame, fields], how="horizontal").lazy()


def not_an_object() -> tuple[pl.Expr, str]:
    """The reject check of a line that is not a JSON object (for :func:`first_reason`)."""
    return ~pl.col("raw").str.strip_chars_start().str.starts_with("{"), "not a JSON object"


def json_fields(
    raw: pl.Series, paths: Mapping[str, Sequence[str]], *, integers: Collection[str] = ()
) -> pl.DataFrame:
    """One text column per ``paths`` entry (name -> key path), aligned with ``raw``.

    A line counts only when it starts (after blanks) with ``{``; others read as null.
    ``integers`` names the fields the caller casts to an integer: ``json_decode`` writes
    ``1.0`` as ``1`` where ``json_path_match`` keeps ``1.0`` (not an integer), so a line
    with a fraction or exponent in one of them is read path by path.
    """
    for name, path in paths.items():
        if not path or any("'" in key for key in path):
            raise ValueError(f"bad JSON key path for {name!r}: {path!r}")
    line = pl.col("raw")
    is_object = line.str.strip_chars_start().str.starts_with("{")
    # json_decode keeps the first of two equal keys, json_path_match (and Python's json)
    # the last: a line that may repeat a wanted key is read path by path, as is one with a
    # non-integral number in an integer field.
    keys = sorted({key for path in paths.values() for key in path})
    repeats = pl.any_horizontal(
        *[line.str.count_matches(f'"{re.escape(k)}"\\s*:') > 1 for k in keys],
        *[line.str.contains(f'"{re.escape(paths[n][-1])}"\\s*:\\s*-?\\d+[.eE]') for n in integers],
    )
    split = raw.to_frame("raw").select(
        pl.when(is_object & ~repeats).then(line).alias("fast"),
        pl.when(is_object & repeats).then(line).alias("slow"),
    )
    dtype = _struct_of([tuple(p) for p in paths.values()])
    fast = _decode(split["fast"], dtype, paths)
    if split["slow"].null_count() == split.height:
        return fast
    slow = _path_match(split["slow"], paths)
    return fast.select(pl.coalesce(pl.col(name), slow[name]).alias(name) for name in paths)


def _struct_of(paths: list[tuple[str, ...]]) -> pl.Struct:
    """The nested struct dtype holding every path, each leaf a string."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for key in path[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise ValueError(f"key path {path!r} runs through the leaf {key!r}")
            node = child
        if isinstance(node.get(path[-1]), dict):
            raise ValueError(f"key path {path!r} is also a prefix of another path")
        node[path[-1]] = pl.String

    def build(node: dict[str, Any]) -> pl.Struct:
        return pl.Struct(
            {k: build(v) if isinstance(v, dict) else pl.String() for k, v in node.items()}
        )

    return build(tree)


def _path_match(raw: pl.Series, paths: Mapping[str, Sequence[str]]) -> pl.DataFrame:
    """The fields read path by path: one JSON parse per field (the slow, exact way)."""
    return raw.to_frame("raw").select(
        pl.col("raw").str.json_path_match(json_path(path)).alias(name)
        for name, path in paths.items()
    )


def _decode(raw: pl.Series, dtype: pl.Struct, paths: Mapping[str, Sequence[str]]) -> pl.DataFrame:
    try:
        decoded = raw.str.json_decode(dtype)
    except pl.exceptions.ComputeError:
        if raw.len() <= SMALL:
            return _path_match(raw, paths)
        mid = raw.len() // 2
        return pl.concat([_decode(raw[:mid], dtype, paths), _decode(raw[mid:], dtype, paths)])
    columns = []
    for name, path in paths.items():
        leaf = pl.col("json")
        for key in path:
            leaf = leaf.struct.field(key)
        columns.append(leaf.alias(name))
    return decoded.to_frame("json").select(columns)
