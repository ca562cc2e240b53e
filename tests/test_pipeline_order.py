"""Chunks in flight: a parser whose chunks depend on earlier ones still reads them in order."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from helpers import write_log

from shadowscan import pipeline
from shadowscan.catalog import load_catalog
from shadowscan.pipeline import (
    Coverage,
    FileOutcome,
    FileReport,
    Sink,
    build_context,
    process_file,
)
from shadowscan.schema import MATCH_SCHEMA, REJECT_SCHEMA
from shadowscan.sources import REGISTRY
from shadowscan.sources.reader import Block, read_head


def _context() -> pipeline.Context:
    """The bundled catalog's context, no identity sources, a fixed day."""
    return build_context(
        load_catalog(), directory=None, subnets=None, policy=None, as_of=date(2026, 11, 30)
    )


HEADER_A = "#Fields: date time c-ip cs-method cs-host cs-uri-stem sc-status"
HEADER_B = "#Fields: date time cs-host c-ip cs-method cs-uri-stem sc-status"


def _w3c(tmp_path: Path, n: int) -> Path:
    lines = ["#Software: test", "#Version: 1.0", HEADER_A]
    lines += [
        f"2026-11-26 09:00:{i % 60:02d} 10.0.0.{i % 200} GET a{i}.example /x 200" for i in range(n)
    ]
    lines.append(HEADER_B)
    lines += [
        f"2026-11-26 10:00:{i % 60:02d} b{i}.example 10.0.1.{i % 200} GET /y 200" for i in range(n)
    ]
    return write_log(tmp_path, *lines, name="proxysg.log")


def test_header_change_is_honoured_across_many_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With tiny chunks and several in flight, every line is read with the header above it."""
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 2048)
    ctx = _context()
    seen: list[pl.DataFrame] = []
    outcome = process_file(
        _w3c(tmp_path, 400),
        ctx,
        Coverage(),
        on_rejects=seen.append,
        on_matches=lambda _: None,
        on_signals=lambda _: None,
        on_events=seen.append,
    )
    report = outcome.report
    assert (report.format, report.events, report.rejected, report.skipped) == ("w3c", 800, 0, 4)
    events = pl.concat([f for f in seen if "host" in f.columns])
    assert events.filter(pl.col("source_line") > 404)["host"].str.starts_with("b").all()
    assert events.filter(pl.col("source_line") < 404)["host"].str.starts_with("a").all()


def _squid_files(tmp_path: Path, count: int) -> list[Path]:
    paths = []
    for f in range(count):
        lines = [
            f"1795651200.{i:03d}    120 10.0.{f}.{i} TCP_MISS/200 512 GET "
            f"https://chatgpt.com/c/{f}-{i} user{f} HIER_DIRECT/203.0.113.9 text/html"
            for i in range(1, 4 + f)
        ]
        lines.insert(1, f"not a squid line of file {f}")
        lines.append(  # an unknown host that looks like AI: a candidate signal row
            f"1795651201.000    120 10.0.{f}.9 TCP_MISS/200 512 POST "
            f"https://llm{f}.corp.example/v1/chat/completions user{f} HIER_DIRECT/203.0.113.9 -"
        )
        paths.append(write_log(tmp_path, *lines, name=f"access{f:02d}.log"))
    return paths


@pytest.mark.parametrize("in_flight", [1, 3])
def test_small_files_in_parallel_come_out_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_flight: int
) -> None:
    """Several small files at a time: outcomes, rejects, matched rows, signal rows and
    coverage as if one by one."""
    monkeypatch.setattr(pipeline, "FILES_IN_FLIGHT", in_flight)
    ctx = _context()
    paths = _squid_files(tmp_path, 7)
    rejects: list[pl.DataFrame] = []
    matches: list[pl.DataFrame] = []
    signals: list[pl.DataFrame] = []
    coverage = Coverage()
    seen: list[str] = []
    outcomes = list(
        pipeline.process_files(
            paths,
            ctx,
            coverage,
            on_rejects=rejects.append,
            on_matches=matches.append,
            on_signals=signals.append,
            progress=seen.append,
        )
    )
    assert [o.report.path for o in outcomes] == [str(p) for p in paths] == seen
    assert [o.report.events for o in outcomes] == [4 + f for f in range(7)]
    assert [o.report.matched for o in outcomes] == [3 + f for f in range(7)]
    assert [r["source_file"][0] for r in rejects] == [str(p) for p in paths]
    rows = pl.concat(matches).select("source_file", "source_line").rows()
    assert rows == [(str(p), n) for f, p in enumerate(paths) for n in [1, *range(3, 5 + f)]]
    hosts = pl.concat(signals)["host"].to_list()
    assert hosts == [f"llm{f}.corp.example" for f in range(7)]
    assert coverage.counts["squid_native"]["_n"] == sum(4 + f for f in range(7))


def _process(path: Path, *, events: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, FileReport]:
    """The matched rows, the rejects and the books of one file through the pipeline, with
    the events handed out (the store's way: lines counted by the reader) or not (a scan's:
    each block numbered from 1 and offset in order)."""
    ctx = _context()
    rejects: list[pl.DataFrame] = [pl.DataFrame(schema=REJECT_SCHEMA)]
    matches: list[pl.DataFrame] = []
    outcome = process_file(
        path,
        ctx,
        Coverage(),
        on_rejects=rejects.append,
        on_matches=matches.append,
        on_signals=lambda _: None,
        on_events=(lambda _: None) if events else None,
    )
    matched = pl.concat(matches) if matches else pl.DataFrame(schema=MATCH_SCHEMA)
    return matched, pl.concat(rejects), outcome.report


def _scan_rows(path: Path, *, events: bool) -> tuple[list[tuple[int, str]], list[int], int]:
    """(source_line, host) of the matched rows, the rejected lines and the lines read."""
    matched, rejects, report = _process(path, events=events)
    rows = matched.select("source_line", "host").rows()
    return rows, rejects["source_line"].to_list(), report.lines_read


@pytest.mark.parametrize("chunk_bytes", [1024, 4096, 1 << 24])
@pytest.mark.parametrize("crlf", [False, True])
def test_line_numbers_of_a_scan_do_not_depend_on_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int, crlf: bool
) -> None:
    """Matched and rejected rows keep their file line numbers whatever the block size,
    whether the reader counted the lines or the blocks' decoding did."""
    lines = []
    for i in range(1, 301):
        if i % 37 == 0:
            lines.append("")  # blank: skipped
        elif i % 23 == 0:
            lines.append(f"not a squid line {i}")
        else:
            host = "chatgpt.com" if i % 5 == 0 else f"site{i}.example"
            lines.append(
                f"1795651200.{i:03d}    120 10.0.0.{i % 200} TCP_MISS/200 512 GET "
                f"https://{host}/p{i} user{i % 7} HIER_DIRECT/203.0.113.9 text/html"
            )
    newline = "\r\n" if crlf else "\n"
    path = tmp_path / "access.log"
    path.write_bytes((newline.join(lines) + newline).encode())
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", chunk_bytes)
    matched, bad, read = _scan_rows(path, events=False)
    assert read == 300
    assert matched == [(i, "chatgpt.com") for i in range(5, 301, 5) if i % 37 and i % 23]
    assert bad == [i for i in range(23, 301, 23) if i % 37]
    assert _scan_rows(path, events=True) == (matched, bad, read)


def _cloudtrail(i: int, source: str) -> str:
    record = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "userName": f"user{i % 7}"},
        "eventTime": f"2026-11-26T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "eventSource": source,
        "eventName": "InvokeModel",
        "sourceIPAddress": f"10.0.0.{i % 200}",
        "userAgent": "aws-cli/2.22.4",
    }
    return json.dumps(record)


def _scan_books(path: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]], FileReport]:
    """(source_line, app) of the matched rows, (source_line, reason) of the rejects, books."""
    matched, rejects, report = _process(path)
    rows = matched.select("source_line", "app").rows()
    return rows, rejects.select("source_line", "reason").rows(), report


def _block_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the blocks the pipeline reads from now on (filled as it reads)."""
    sizes: list[int] = []
    real_blocks = pipeline.iter_blocks

    def counted(*args: Any, **kwargs: Any) -> Iterator[Block]:
        for block in real_blocks(*args, **kwargs):
            sizes.append(len(block.data))
            yield block

    monkeypatch.setattr(pipeline, "iter_blocks", counted)
    return sizes


@pytest.mark.parametrize("chunk_bytes", [700, 4096, 1 << 24])
def test_json_lines_are_read_in_blocks_with_the_same_books(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    """A JSON-lines SaaS export is read block by block (memory bounded by the block, not
    the file) and gives the records, rejects and line numbers of a read in one piece."""
    lines = []
    for i in range(1, 201):
        if i % 41 == 0:
            lines.append("")  # blank: skipped
        elif i % 29 == 0:
            lines.append('{"eventSource": "s3.amazonaws.com", "eventTime": ')  # cut short
        elif i % 31 == 0:
            lines.append('{"eventTime": "2026-11-26T00:00:00Z", "userIdentity": {}}')
        else:
            source = "bedrock.amazonaws.com" if i % 5 == 0 else "s3.amazonaws.com"
            lines.append(_cloudtrail(i, source))
    path = write_log(tmp_path, *lines, name="trail.json")
    head = read_head(path)
    assert REGISTRY["cloudtrail"](source_file=str(path), head=head).by_line  # type: ignore[attr-defined]
    blocks = _block_sizes(monkeypatch)
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", chunk_bytes)
    matched, bad, report = _scan_books(path)
    assert (len(blocks) > 1) == (chunk_bytes < path.stat().st_size)
    assert max(blocks) <= max(chunk_bytes, 1024) + 1024  # one line past a block at most
    assert report.lines_read == 200
    assert report.lines_read == report.events + report.rejected + report.skipped
    assert matched == [
        (i, "bedrock.amazonaws.com") for i in range(5, 201, 5) if i % 41 and i % 29 and i % 31
    ]
    assert [n for n, _ in bad] == sorted(
        [i for i in range(29, 201, 29) if i % 41] + [i for i in range(31, 201, 31) if i % 41]
    )
    assert {reason.split(":")[0] for _, reason in bad} == {
        "invalid JSON",
        "no eventSource",
    }
    # Reasons that name a line name the file's line, whatever block it was read in (the
    # line cut short, or one of the next two, which the decoder read on into).
    named = [(n, int(r.split(" at line ")[1].split()[0])) for n, r in bad if " at line " in r]
    assert named and all(n <= at <= n + 2 for n, at in named)


@pytest.mark.parametrize(
    ("text", "by_line"),
    [
        ('{"eventSource": "a"}\n{"eventSource": "b"}\n', True),
        ('{"Records": [{"eventSource": "a"}]}\n{"Records": []}\n', True),  # a line each
        ('{\n  "eventSource": "a"\n}\n', False),  # a pretty document
        ('[{"eventSource": "a"},\n{"eventSource": "b"}]\n', False),  # an array
        ('{"eventSource": "a"}\n', False),  # one line: nothing to split
    ],
)
def test_json_lines_or_a_document_reader(tmp_path: Path, text: str, by_line: bool) -> None:
    """JSON lines are read block by block, each on its own; documents, arrays and wrappers
    by one reader in file order. Neither needs the whole file at once."""
    path = tmp_path / "trail.json"
    path.write_text(text)
    parser = REGISTRY["cloudtrail"](source_file=str(path), head=read_head(path))
    assert parser.by_line is by_line  # type: ignore[attr-defined]


def test_a_record_across_a_block_boundary_is_rejected_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pretty record in a JSON-lines file, cut by a block boundary: rejected with its
    reason, and every line still counted once."""
    lines = [_cloudtrail(i, "s3.amazonaws.com") for i in range(1, 41)]  # the head: JSON lines
    pretty = json.dumps(json.loads(_cloudtrail(41, "bedrock.amazonaws.com")), indent=2)
    lines += pretty.split("\n") + [_cloudtrail(i, "s3.amazonaws.com") for i in range(42, 60)]
    path = tmp_path / "trail.json"
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    # The first block ends a few lines into the pretty record.
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", text.index("\n{\n") + 40)
    _, bad, report = _scan_books(path)
    assert report.lines_read == len(lines)
    assert report.lines_read == report.events + report.rejected + report.skipped
    # The record's first lines, up to the block's end, and the rest in the next block.
    assert bad[0][0] == 41 and bad[0][1].startswith("invalid JSON")
    assert [reason for _, reason in bad[1:]] == ["not a JSON object"]
    assert report.events == 58  # every record on its own line is read


@pytest.mark.parametrize("chunk_bytes", [300, 1500, 1 << 24])
def test_a_csv_export_is_read_through_its_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    """Purview's CSV export, its AuditData quoted over several lines, read block by block
    (the last row of a block read again with the next) gives the rows of a read in one
    piece: the same events, rejects and books, whatever the block size."""
    audit = {
        "CreationTime": "2026-03-02T09:15:02",
        "Operation": "CopilotInteraction",
        "UserId": "alice@corp.example",
        "Workload": "Copilot",
        "CopilotEventData": {"AppHost": "Word"},
    }
    pretty = json.dumps(audit, indent=1).replace('"', '""')
    rows = ["CreationDate,UserIds,Operations,AuditData"]
    for i in range(40):
        if i % 9 == 4:
            rows.append(f'2026-03-02T09:15:{i:02d}Z,bob@corp.example,X,"{{not json"')
        elif i % 7 == 3:
            rows.append("")
        else:
            rows.append(
                f'2026-03-02T09:15:{i:02d}Z,alice@corp.example,CopilotInteraction,"{pretty}"'
            )
    path = write_log(tmp_path, *rows, name="audit.csv")
    lines = path.read_text().splitlines()
    blocks = _block_sizes(monkeypatch)
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", chunk_bytes)
    _, rejects, report = _process(path)
    assert (len(blocks) > 1) == (chunk_bytes < path.stat().st_size)
    whole = REGISTRY["m365_ual_csv"](source_file=str(path), head=read_head(path)).parse(
        pl.DataFrame(
            {"line_no": range(1, len(lines) + 1), "raw": lines},
            schema={"line_no": pl.Int64, "raw": pl.String},
        )
    )
    assert report.lines_read == len(lines)
    assert report.lines_read == report.events + report.rejected + report.skipped
    assert (report.events, report.rejected, report.skipped) == (
        whole.events.height,
        whole.rejects.height,
        whole.skipped,
    )
    assert rejects.select("source_line", "reason").equals(
        whole.rejects.select("source_line", "reason")
    )
    assert report.events == 31 and rejects.height == 4


def _many_matches(tmp_path: Path, n: int) -> Path:
    lines = [
        f"1795651200.{i % 1000:03d}    120 10.0.0.{i % 200} TCP_MISS/200 512 GET "
        f"https://chatgpt.com/c/{i} user{i % 7} HIER_DIRECT/203.0.113.9 text/html"
        for i in range(n)
    ]
    return write_log(tmp_path, *lines)


def _hand_on(path: Path, on_matches: Sink) -> FileOutcome:
    """``path`` through the pipeline with its matched batches handed to ``on_matches``,
    the other sinks idle."""
    return process_file(
        path,
        _context(),
        Coverage(),
        on_rejects=lambda _: None,
        on_matches=on_matches,
        on_signals=lambda _: None,
    )


def test_batches_are_handed_on_one_at_a_time_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matched and signal batches go to their sinks from one thread other than the
    reading one, one call at a time, in line order, all of them before the file's
    outcome comes back."""
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 2048)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 7)
    busy = threading.Lock()
    threads: set[int] = set()
    batches: list[pl.DataFrame] = []

    def on_matches(batch: pl.DataFrame) -> None:
        assert busy.acquire(blocking=False), "two batches handed on at once"
        try:
            threads.add(threading.get_ident())
            time.sleep(0.002)  # long enough for the reading thread to get ahead
            batches.append(batch)
        finally:
            busy.release()

    outcome = _hand_on(_many_matches(tmp_path, 600), on_matches)
    assert outcome.report.matched == 600
    assert len(batches) > 10
    assert threads and threading.get_ident() not in threads
    lines = pl.concat(batches)["source_line"].to_list()
    assert lines == list(range(1, 601))


def test_an_error_handing_on_a_batch_is_raised_by_process_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sink that fails in the hand-on thread (a full disk) fails the file, not silently."""
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 2048)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 7)

    def full(_: pl.DataFrame) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        _hand_on(_many_matches(tmp_path, 100), full)


def test_a_dense_chunk_is_handed_on_in_parts_of_at_most_two_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk whose every line matched is one batch of many times ``BATCH_ROWS``: it is
    enriched and written in equal parts of at most twice that, in line order."""
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 1 << 20)  # the whole file is one chunk
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 25)
    batches: list[pl.DataFrame] = []
    outcome = _hand_on(_many_matches(tmp_path, 600), batches.append)
    assert outcome.report.matched == 600
    assert [b.height for b in batches] == [50] * 12
    assert pl.concat(batches)["source_line"].to_list() == list(range(1, 601))


def _in_work(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The chunks in work as each block is read, once a first chunk was taken (filled as
    the pipeline reads)."""
    seen: list[int] = []
    counts = {"read": 0, "taken": 0}
    real_blocks, real_take = pipeline.iter_blocks, pipeline._take

    def read(*args: Any, **kwargs: Any) -> Iterator[Block]:
        for block in real_blocks(*args, **kwargs):
            counts["read"] += 1
            if counts["taken"]:
                seen.append(counts["read"] - counts["taken"])
            yield block

    def take(*args: Any, **kwargs: Any) -> None:
        counts["taken"] += 1
        real_take(*args, **kwargs)

    monkeypatch.setattr(pipeline, "iter_blocks", read)
    monkeypatch.setattr(pipeline, "_take", take)
    return seen


@pytest.mark.parametrize("dense", [True, False])
def test_one_chunk_fewer_is_in_work_while_chunks_mostly_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dense: bool
) -> None:
    """Matched rows are what a finished chunk holds on to until it is taken: after a chunk
    whose events mostly matched, one chunk fewer than the format's number is in work."""
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 2048)
    in_work = _in_work(monkeypatch)
    host = "chatgpt.com" if dense else "intranet.example"
    lines = [
        f"1795651200.{i % 1000:03d}    120 10.0.0.{i % 200} TCP_MISS/200 512 GET "
        f"https://{host}/c/{i} user{i % 7} HIER_DIRECT/203.0.113.9 text/html"
        for i in range(600)
    ]
    outcome = _hand_on(write_log(tmp_path, *lines), lambda _: None)
    assert outcome.report.events == 600
    squid = REGISTRY["squid_native"].blocks_in_flight
    assert squid is not None and len(in_work) > 5
    assert max(in_work) == (squid - 1 if dense else squid)


def test_squid_blocks_are_its_scale_of_the_chunk_size_on_a_big_enough_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Squid's blocks are ``block_scale`` chunks where the file keeps its blocks in
    flight busy, and one chunk where it is too small for that."""
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 2048)
    scale = REGISTRY["squid_native"].block_scale
    assert scale > 1
    for lines, biggest in ((600, 2048 * scale), (40, 2048)):
        sizes = _block_sizes(monkeypatch)
        _hand_on(_many_matches(tmp_path, lines), lambda _: None)
        assert biggest - 200 < max(sizes) <= biggest


@pytest.mark.parametrize("with_events", [False, True])
def test_users_a_scan_keeps_are_normalised_and_all_are_counted(
    tmp_path: Path, with_events: bool
) -> None:
    """A scan (no events sink) leaves Squid's user names as logged until it keeps the
    rows: the matched and signal rows it hands on carry normalised names, and the
    coverage counts every event's, as when every event is finished (an ingest)."""
    users = ["CORP%5Calice", "-", "bob%40corp.example", "\u00a0carol", "-", "dave"]
    hosts = ["chatgpt.com", "example.com", "llm.unknown-example.net"]
    lines = [
        f"1795651200.{i:03d}    120 10.0.0.{i} TCP_MISS/200 512 GET https://{hosts[i % 3]}/x "
        f"{users[i % 6]} HIER_DIRECT/203.0.113.9 text/html"
        for i in range(60)
    ]
    path = write_log(tmp_path, *lines)
    matched: list[pl.DataFrame] = []
    signals: list[pl.DataFrame] = []
    events: list[pl.DataFrame] = []
    coverage = Coverage()
    process_file(
        path,
        _context(),
        coverage,
        on_rejects=lambda _: None,
        on_matches=matched.append,
        on_signals=signals.append,
        on_events=events.append if with_events else None,
    )
    normal = ["CORP\\alice", None, "bob@corp.example", "carol", None, "dave"]
    rows = pl.concat(matched)
    assert rows["user"].to_list() == [normal[i % 6] for i in range(0, 60, 3)]
    flagged = pl.concat(signals)
    assert flagged["user"].to_list() == [normal[i % 6] for i in range(2, 60, 3)]
    assert coverage.counts["squid_native"]["user"] == 40
    assert coverage.counts["squid_native"]["_n"] == 60
