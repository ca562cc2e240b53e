"""Fixtures for the parser tests: where the real samples live, and a whole-file parse."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from helpers import assert_same_parse

from shadowscan.schema import EVENT_SCHEMA, REJECT_SCHEMA
from shadowscan.sources import REGISTRY, ParseResult
from shadowscan.sources.base import LogParser
from shadowscan.sources.reader import ReadStats, iter_blocks, read_head

#: ``parse_file(format_name, path, tz="UTC")`` -> (totals over every chunk, read stats).
ParseFile = Callable[..., tuple[ParseResult, ReadStats]]


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared real log samples: ``$SHADOWSCAN_REALDATA`` or ``<repo>/../shared/realdata``."""
    override = os.environ.get("SHADOWSCAN_REALDATA")
    folder = (
        Path(override)
        if override
        else Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
    )
    if not folder.is_dir():
        pytest.skip(
            f"real log samples not found at {folder} "
            "(set SHADOWSCAN_REALDATA to the shared/realdata folder)"
        )
    return folder


def _parse_whole_file(name: str, path: Path, tz: str) -> tuple[ParseResult, ReadStats]:
    # The same steps as shadowscan.pipeline.process_file: head, parser, then block by
    # block, each parsed as the scan does (BIND9 and Zeek read plain blocks straight from
    # the bytes). Such blocks are also parsed from their decoded lines, which must give
    # the same: so every real sample of those formats checks their fast paths. As in a
    # scan, the reader does not count the lines: each block numbers its own from 1 and is
    # offset by the lines before it.
    head = read_head(path)
    parser = REGISTRY[name](source_file=str(path), head=head, tz=tz)
    stats = ReadStats()
    events = [pl.DataFrame(schema=EVENT_SCHEMA)]
    rejects = [pl.DataFrame(schema=REJECT_SCHEMA)]
    skipped = before = 0
    for block in iter_blocks(path, stats, count=False):
        reader = parser.for_block(block)
        result = reader.parse_block(block)
        if type(reader).parse_block is not LogParser.parse_block:  # a fast path
            assert_same_parse(result, reader.parse(block.frame()))
        stats.latin1_lines += block.latin1_lines
        line = pl.col("source_line") + before
        events.append(result.events.with_columns(line))
        rejects.append(result.rejects.with_columns(line))
        skipped += result.skipped
        before += block.line_count()
    stats.lines = before
    total = ParseResult(events=pl.concat(events), rejects=pl.concat(rejects), skipped=skipped)
    return total, stats


@pytest.fixture(scope="session")
def parse_file() -> ParseFile:
    """Parse a whole file as the scan does; results are cached for the session."""
    cache: dict[tuple[str, str, str], tuple[ParseResult, ReadStats]] = {}

    def parse(name: str, path: Path, tz: str = "UTC") -> tuple[ParseResult, ReadStats]:
        key = (name, str(path), tz)
        if key not in cache:
            cache[key] = _parse_whole_file(name, path, tz)
        return cache[key]

    return parse
