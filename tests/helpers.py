"""Builders shared by tests: event and match frames with the full schema, blocks of lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shadowscan.schema import EVENT_SCHEMA, MATCH_SCHEMA, conform
from shadowscan.sources.base import LogParser, ParseResult
from shadowscan.sources.reader import Block


def ts(text: str) -> datetime:
    """A UTC datetime from ``YYYY-MM-DD HH:MM``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def events(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """An events frame; unspecified columns are null, ``source`` defaults to proxy."""
    base = {"source": "proxy", "log_format": "squid_native", "source_file": "t.log"}
    filled = [{**base, "source_line": i + 1, **r} for i, r in enumerate(rows)]
    return conform(pl.DataFrame(filled, infer_schema_length=None), EVENT_SCHEMA)


def matches(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """An enriched matches frame (as findings aggregation receives it)."""
    base = {
        "source": "proxy",
        "service_id": "chatgpt",
        "service_name": "ChatGPT",
        "vendor": "OpenAI",
        "category": "chat-assistant",
        "match_kind": "domain",
        "confidence": 0.9,
        "department": "Legal",
        "department_source": "directory",
        "status": "unsanctioned",
    }
    filled = [{**base, "source_line": i + 1, **r} for i, r in enumerate(rows)]
    return conform(pl.DataFrame(filled, infer_schema_length=None), MATCH_SCHEMA)


def write_log(tmp_path: Path, *lines: str, name: str = "access.log") -> Path:
    """A log file in ``tmp_path`` made of ``lines``, each ending with a newline."""
    path = tmp_path / name
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def block_of(lines: list[str], first_no: int = 1) -> Block:
    """The lines joined as one block of bytes (no newline after the last)."""
    data = "\n".join(lines).encode()
    return Block(data, len(data), first_no=first_no, lines=len(lines))


def assert_block_parses_as_its_lines(parser: LogParser, lines: list[str], first_no: int) -> None:
    """``parse_block`` on the lines' block gives what ``parse`` gives on its decoded lines,
    whether the reader counted the block's lines or not (a scan's reader does not), and
    the uncounted block then knows its line count."""
    expected = parser.parse(block_of(lines, first_no).frame())
    assert_same_parse(parser.parse_block(block_of(lines, first_no)), expected)
    uncounted = block_of(lines, first_no)
    uncounted.lines = None  # as a scan's reader hands it out
    assert_same_parse(parser.parse_block(uncounted), expected)
    assert uncounted.line_count() == len(lines)


def assert_same_parse(a: ParseResult, b: ParseResult) -> None:
    """Two parses of the same lines booked them the same way (hosts in any order)."""
    assert a.events.equals(b.events)
    assert a.rejects.equals(b.rejects)
    assert a.skipped == b.skipped
    if a.hosts is not None or b.hosts is not None:
        assert a.hosts is not None and b.hosts is not None
        assert sorted(a.hosts.to_list()) == sorted(b.hosts.to_list())
