"""One file through the pipeline: detect -> parse -> match -> enrich, chunk by chunk.

``scan`` (one-shot) and the store's ``ingest`` both use :func:`process_file`; they differ
only in what they do with each chunk's events and rejects (the sinks).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import polars as pl

from shadowscan.candidates import signal_rows
from shadowscan.catalog import Catalog
from shadowscan.detect import detect_format
from shadowscan.errors import InputError
from shadowscan.frames import kept, most_of
from shadowscan.identity import Directory, Subnets, attribute
from shadowscan.leases import Leases
from shadowscan.match.compile import CompiledCatalog, compile_catalog
from shadowscan.match.matcher import annotate, matched_rows
from shadowscan.policy import Policy
from shadowscan.sources import REGISTRY
from shadowscan.sources.base import Deferred, LogParser, finish_columns
from shadowscan.sources.reader import (
    CHUNK_BYTES,
    Block,
    ContentHash,
    ReadStats,
    compression_of,
    iter_blocks,
    read_head,
)

log = logging.getLogger("shadowscan")

COVERAGE_FIELDS = ("user", "src_ip", "url_path", "bytes_out", "bytes_in", "user_agent", "action")
#: A file whose reject ratio is above this is probably not the format it was read as.
REJECT_RATIO_WARN = 0.05
#: At most this many rejected lines per file are kept; all are counted.
MAX_REJECTS_WRITTEN = 100_000
#: Chunks of one file parsed and matched at the same time (polars releases the GIL, so
#: several chunks keep the cores busy where one chunk's expressions alone do not). Memory
#: stays bounded: at most this many chunks in work plus the one being read. Measured on
#: 2 cores (Squid, 5M lines): 3 x 16 MiB chunks as fast as 2 x 32 MiB, ~25 % less memory;
#: 10M lines, 4 against 3: Squid 4 %, BIND9 5 % less time, +85-120 MiB (every line
#: matched: 1,146 -> 1,261 MiB); 5 against 4 within the machine's noise. The default: a
#: parser may take fewer, bigger blocks (``LogParser.block_scale``, ``blocks_in_flight``),
#: and one chunk fewer is kept in work while chunks mostly match (their matched rows are
#: what they hold on to until taken).
CHUNKS_IN_FLIGHT = 4

Sink = Callable[[pl.DataFrame], None]


@dataclass
class FileReport:
    """The books of one input file (one object of summary.json ``inputs``)."""

    path: str
    format: str
    detect_confidence: float | None = None
    compression: str | None = None
    lines_read: int = 0
    events: int = 0
    rejected: int = 0
    skipped: int = 0
    matched: int = 0
    rejects_written: int = 0
    notes: list[str] = field(default_factory=list)


class Coverage:
    """Per-format share of events that carry each optional field."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}

    def add_counts(self, fmt: str, counts: dict[str, int]) -> None:
        """Add one chunk's :func:`coverage_counts` (or another file's) for ``fmt``."""
        acc = self.counts.setdefault(fmt, dict.fromkeys(("_n", *COVERAGE_FIELDS), 0))
        for k, v in counts.items():
            acc[k] += int(v)

    def merge(self, other: Coverage) -> None:
        """Add another file's counts."""
        for fmt, counts in other.counts.items():
            self.add_counts(fmt, counts)

    def shares(self) -> dict[str, dict[str, float]]:
        """Field -> share of events, per format."""
        return {
            fmt: {f: round(c[f] / c["_n"], 4) if c["_n"] else 0.0 for f in COVERAGE_FIELDS}
            for fmt, c in sorted(self.counts.items())
        }


def coverage_counts(events: pl.DataFrame, deferred: tuple[Deferred, ...] = ()) -> dict[str, int]:
    """The events (``_n``) and, per coverage field, those that carry it (for a deferred
    column, those whose value it finishes as one)."""
    later = {d.column: d for d in deferred}
    counts: dict[str, int] = events.select(
        pl.len().alias("_n"),
        *[pl.col(c).is_not_null().sum() for c in COVERAGE_FIELDS if c not in later],
    ).row(0, named=True)
    for column, d in later.items():
        if column in COVERAGE_FIELDS:
            counts[column] = d.present(events[column])
    return {c: counts[c] for c in ("_n", *COVERAGE_FIELDS)}


@dataclass
class Context:
    """Everything a run loads once: the compiled catalog, identity sources, the policy."""

    cc: CompiledCatalog
    directory: Directory | None
    subnets: Subnets | None
    policy: Policy
    leases: Leases | None = None


#: A context, or what gives it once ready (the scan loads the catalog and identity
#: sources while the first chunks are parsed: parsing needs none of them).
ContextSource = Context | Callable[[], Context]


def _context(ctx: ContextSource) -> Context:
    return ctx if isinstance(ctx, Context) else ctx()


def build_context(
    catalog: Catalog,
    *,
    directory: Path | None,
    subnets: Path | None,
    policy: Path | None,
    leases: list[Path] | None = None,
    as_of: date,
) -> Context:
    """Load the identity sources and the policy once for a run."""
    return Context(
        cc=compile_catalog(catalog),
        directory=Directory.load(directory) if directory else None,
        subnets=Subnets.load(subnets) if subnets else None,
        policy=Policy.load(policy, catalog, as_of=as_of) if policy else Policy(),
        leases=Leases.load(leases) if leases else None,
    )


def enrich(matched: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Add department (identity precedence) and policy status to matched events."""
    enriched = attribute(matched, ctx.directory, ctx.subnets, ctx.leases)
    pairs = enriched.select("department", "service_id", "category").unique()
    decided = ctx.policy.apply(pairs)
    return enriched.join(
        decided, on=["department", "service_id"], how="left", maintain_order="left"
    )


@dataclass(frozen=True)
class FileSlice:
    """Which bytes of a plain file to read (the store ingests appended tails)."""

    offset: int = 0
    first_line: int = 1
    end: int | None = None


@dataclass
class FileOutcome:
    """What one file gave: its books (its rows went to the sinks)."""

    report: FileReport
    #: Where enriched matched batches go, in file order (they are not kept here).
    on_matches: Sink
    #: Where each chunk's candidate signal rows go, in file order.
    on_signals: Sink
    #: Matched rows not enriched yet, and signal rows not handed on yet (see
    #: :func:`_release`).
    pending: list[pl.DataFrame] = field(default_factory=list)
    pending_signals: list[pl.DataFrame] = field(default_factory=list)
    #: The thread batches are enriched and handed on in, and the batch it is on (None: in
    #: the calling thread, at once).
    hand_on: ThreadPoolExecutor | None = None
    handing: Future[None] | None = None


def process_file(
    path: Path,
    ctx: ContextSource,
    coverage: Coverage,
    *,
    on_rejects: Sink,
    on_matches: Sink,
    on_signals: Sink,
    on_events: Sink | None = None,
    log_format: str | None = None,
    tz: str = "UTC",
    mapping: Path | None = None,
    part: FileSlice | None = None,
    tap: ContentHash | None = None,
) -> FileOutcome:
    """Parse, match and enrich one file; hand rejects (and events, matches) to the sinks.

    ``on_rejects`` is called in file order from this thread; ``on_matches`` (enriched
    matched rows) and ``on_signals`` (candidate signal rows), in batches of
    ``BATCH_ROWS``, in file order from one hand-on thread of their own (never two calls
    at once, all done when this returns); ``on_events`` (the annotated events of each
    chunk) from the worker threads, several chunks at a time. ``ctx`` may be a callable
    that gives the context: it is called where the context is first needed, after a
    chunk is parsed, and must be thread-safe (a future's ``result``).
    """
    report = FileReport(path=str(path), format="unknown")
    outcome = FileOutcome(report, on_matches=on_matches, on_signals=on_signals)
    try:
        report.compression = compression_of(path)
        head = read_head(path)
    except InputError as exc:
        report.notes.append(exc.message)
        log.warning("%s", exc)
        return outcome
    fmt = log_format
    if fmt is None:
        detection = detect_format(head)
        fmt, report.detect_confidence = detection.format, detection.confidence
    if fmt is None:
        report.notes.append("unknown format: skipped (force one with --format NAME)")
        log.warning("%s: unknown log format, skipped (see: shadowscan formats)", path)
        return outcome
    report.format = fmt
    try:
        parser = REGISTRY[fmt](source_file=str(path), head=head, tz=tz, mapping=mapping)
    except InputError as exc:  # this file cannot be read as fmt; the others still can
        report.notes.append(exc.message)
        log.warning("%s", exc)
        return outcome
    stats = ReadStats()
    part = part or FileSlice()
    # The parser's bigger blocks are a scan's: an ingest annotates and writes every event
    # in the workers, so its blocks hold more and its time goes to the writing (10M Squid
    # lines in 48 MiB blocks: 9.18 against 9.31 s, 1,230 against 799 MiB).
    if on_events is None:
        scale, in_flight = parser.block_scale, parser.blocks_in_flight or CHUNKS_IN_FLIGHT
    else:
        scale, in_flight = 1, CHUNKS_IN_FLIGHT
    size = None if report.compression else _plain_bytes(path, part)
    # A scan's workers number each block's lines from 1 and the blocks are offset here,
    # in file order, so the reader does not count every block's lines first (its
    # decoding tells). The store's events are written by the workers, and some reasons
    # name lines: counted up front.
    relative = on_events is None and not parser.names_lines
    blocks = iter_blocks(
        path,
        stats,
        chunk_bytes=block_bytes(scale, size, in_flight),
        offset=part.offset,
        first_line=part.first_line,
        end=part.end,
        tap=tap,
        count=not relative,
    )
    before = part.first_line - 1  # lines before the next block taken

    def take(done: _ChunkOut) -> bool:
        """Book ``done``; True when most of its events matched (one chunk fewer is then
        kept in work: matched rows are what a chunk holds on to)."""
        nonlocal before
        stats.latin1_lines += done.latin1_lines
        shift = before if relative else 0
        before += done.lines
        _take(done, _context(ctx), fmt, outcome, coverage, on_rejects, shift=shift)
        return done.matched is not None and most_of(done.matched.height, done.events)

    with (
        ThreadPoolExecutor(1, thread_name_prefix="shadowscan-handon") as outcome.hand_on,
        ThreadPoolExecutor(in_flight, thread_name_prefix="shadowscan-chunk") as pool,
    ):
        # Results are taken in submission order, so line numbers, rejects and kept frames
        # come out exactly as a one-chunk-at-a-time loop would give them. Blocks are
        # decoded (or read straight into columns) in the workers.
        work: deque[Future[_ChunkOut]] = deque()
        dense = False
        for block in blocks:
            reader = parser.for_block(block)  # in file order, before the block is handed out
            work.append(pool.submit(_process_chunk, block, reader, ctx, on_events))
            while len(work) >= (max(in_flight - 1, 1) if dense else in_flight):
                dense = take(work.popleft().result())
        while work:
            take(work.popleft().result())
        _release(outcome, _context(ctx), final=True)
        _handed_on(outcome)
    outcome.hand_on = None
    report.lines_read = before - (part.first_line - 1)  # every block's lines, taken in order
    _notes(report, stats, fmt)
    return outcome


def block_bytes(scale: int, size: int | None, in_flight: int) -> int:
    """The block size for a parser's ``block_scale``: ``CHUNK_BYTES`` times the scale, but
    no less than ``CHUNK_BYTES`` and no more than gives a plain file of ``size`` bytes two
    rounds of ``in_flight`` blocks (a 1M-line Squid file, 142 MB, in three 47 MiB blocks:
    956 MiB peak, and no faster than in 24 MiB ones).

    A compressed file (``size`` None) keeps ``CHUNK_BYTES``: its decompression, in the
    reading thread, sets the pace, and bigger blocks would only hold more (Squid 5M lines
    gzipped: 4.61 against 4.71 s, 824 against 1,199 MiB).

    >>> mib = 1 << 20
    >>> [block_bytes(2, s, 3) // mib for s in (100 * mib, 200 * mib, 10_000 * mib, None)]
    [24, 33, 48, 24]
    """
    if size is None:
        return CHUNK_BYTES
    return max(CHUNK_BYTES, min(CHUNK_BYTES * scale, -(-size // (2 * in_flight))))


def _plain_bytes(path: Path, part: FileSlice) -> int | None:
    """The bytes a plain file's read covers (None when the file cannot be sized)."""
    try:
        end = path.stat().st_size if part.end is None else part.end
    except OSError:
        return None
    return max(end - part.offset, 0)


#: Files up to this size (plain text; compressed ones up to a sixteenth of it) are one
#: chunk, so chunk parallelism cannot keep the cores busy with them: several such files are
#: parsed at a time instead. Larger files go one at a time, their chunks in parallel.
SMALL_FILE_BYTES = CHUNK_BYTES
FILES_IN_FLIGHT = CHUNKS_IN_FLIGHT


def process_files(
    paths: list[Path],
    ctx: ContextSource,
    coverage: Coverage,
    *,
    on_rejects: Sink,
    on_matches: Sink,
    on_signals: Sink,
    progress: Callable[[str], None] | None = None,
    log_format: str | None = None,
    tz: str = "UTC",
    mapping: Path | None = None,
) -> Iterator[FileOutcome]:
    """:func:`process_file` over several files; outcomes and what goes to the sinks come in
    file order.

    Small files are parsed ``FILES_IN_FLIGHT`` at a time (what they give the sinks held
    until their turn); a large file waits for the small ones before it and is parsed alone.
    """
    run = partial(process_file, ctx=ctx, log_format=log_format, tz=tz, mapping=mapping)
    sinks = (on_rejects, on_matches, on_signals)
    pending: deque[tuple[Future[FileOutcome], list[list[pl.DataFrame]], Coverage]] = deque()

    def finish() -> FileOutcome:
        future, held, own = pending.popleft()
        outcome = future.result()
        for sink, frames in zip(sinks, held, strict=True):
            for frame in frames:
                sink(frame)
        coverage.merge(own)
        return outcome

    with ThreadPoolExecutor(FILES_IN_FLIGHT, thread_name_prefix="shadowscan-file") as pool:
        for path in paths:
            if progress:
                progress(str(path))
            if not _small(path):
                while pending:
                    yield finish()
                yield run(
                    path,
                    coverage=coverage,
                    on_rejects=on_rejects,
                    on_matches=on_matches,
                    on_signals=on_signals,
                )
                continue
            held: list[list[pl.DataFrame]] = [[], [], []]
            own = Coverage()
            future = pool.submit(
                run,
                path,
                coverage=own,
                on_rejects=held[0].append,
                on_matches=held[1].append,
                on_signals=held[2].append,
            )
            pending.append((future, held, own))
            if len(pending) >= FILES_IN_FLIGHT:
                yield finish()
        while pending:
            yield finish()


def _small(path: Path) -> bool:
    try:
        size = path.stat().st_size
        compressed = compression_of(path) is not None
    except (OSError, InputError):
        return False  # process_file reports it
    return size <= (SMALL_FILE_BYTES // 16 if compressed else SMALL_FILE_BYTES)


@dataclass
class _ChunkOut:
    """One chunk parsed and matched (the part that may run in a worker thread): what the
    books need of its events, not the events (a chunk done before the one ahead of it is
    taken then lets its rows go at once)."""

    rejects: pl.DataFrame
    skipped: int
    latin1_lines: int = 0
    #: The block's line count.
    lines: int = 0
    #: The events, and their :func:`coverage_counts` (None when there are none).
    events: int = 0
    coverage: dict[str, int] | None = None
    matched: pl.DataFrame | None = None
    signals: pl.DataFrame | None = None


def _process_chunk(
    block: Block, parser: LogParser, source: ContextSource, on_events: Sink | None
) -> _ChunkOut:
    """Parse and match one block; touches nothing shared but read-only state (and the
    thread-safe events sink).

    A scan (no events sink) keeps only the matched and signal rows: the parser may leave
    columns as logged (``LogParser.scan_block``), finished here on those rows alone.
    """
    result = parser.parse_block(block) if on_events is not None else parser.scan_block(block)
    events, hosts, codes, deferred = result.events, result.hosts, result.host_codes, result.deferred
    out = _ChunkOut(
        result.rejects,
        result.skipped,
        latin1_lines=block.latin1_lines,
        lines=block.line_count(),
        events=events.height,
    )
    del result
    block.release()  # matching needs only the events: the block's bytes go now
    if events.is_empty():
        return out
    out.coverage = coverage_counts(events, deferred)
    ctx = _context(source)  # needed from here on (the first chunks may wait for it)
    if on_events is not None:
        annotated = annotate(events, ctx.cc, hosts=hosts)
        # Here, in the worker: writing the events (the store's Parquet) is as parallel as
        # parsing them. The sink must be thread-safe and must not depend on call order.
        on_events(annotated)
        hit = annotated["service_id"].is_not_null()
        matched = annotated.filter(hit)
    else:  # a scan keeps only the matched rows: no match columns for the others
        matched, hit = matched_rows(events, ctx.cc, hosts=hosts, host_codes=codes)
    if matched.height:
        out.matched = kept(finish_columns(matched, deferred), events.height)
    signals = signal_rows(events, hosts=hosts, exclude=hit, host_codes=codes)
    if signals.height:
        out.signals = kept(finish_columns(signals, deferred), events.height)
    return out


def _take(
    done: _ChunkOut,
    ctx: Context,
    fmt: str,
    outcome: FileOutcome,
    coverage: Coverage,
    on_rejects: Sink,
    *,
    shift: int = 0,
) -> None:
    """Book one processed chunk, in file order: counts, rejects, coverage, kept frames.
    ``shift``: the lines before the chunk, added to the line numbers of what is kept."""
    report = outcome.report
    report.events += done.events
    report.rejected += done.rejects.height
    report.skipped += done.skipped
    line = pl.col("source_line") + shift
    if done.rejects.height and report.rejects_written < MAX_REJECTS_WRITTEN:
        kept = done.rejects.head(MAX_REJECTS_WRITTEN - report.rejects_written)
        on_rejects(kept.with_columns(line) if shift else kept)
        report.rejects_written += kept.height
    if done.coverage is None:
        return
    coverage.add_counts(fmt, done.coverage)
    if done.matched is not None:
        report.matched += done.matched.height
        outcome.pending.append(done.matched.with_columns(line) if shift else done.matched)
    if done.signals is not None:
        outcome.pending_signals.append(done.signals)
    _release(outcome, ctx, final=False)


#: Matched rows are enriched (identity and policy joins) and handed on, and signal rows
#: handed on, in batches of at least this many: the joins cost about the same for 100 rows
#: as for 10,000, so once per 16 MiB chunk was mostly fixed cost, and once per file would
#: hold every such row until the end. Since batches are handed on beside the parsing
#: (:func:`_release`), 100,000 rather than 200,000: Squid 5M lines, every one matched,
#: 1,142 -> 950 MiB peak and 6 % less time; 10M lines, 816 -> 760 MiB.
BATCH_ROWS = 100_000


def _release(outcome: FileOutcome, ctx: Context, *, final: bool) -> None:
    """Hand on the held rows when there are enough of them (or at the end): matched rows
    enriched, to ``on_matches``; signal rows to ``on_signals``.

    In the outcome's hand-on thread when it has one: the thread that reads the file and
    hands out blocks goes on meanwhile (done here, a 200,000-row batch's enrichment and
    Parquet write left the workers idle for ~0.3 s). One batch at a time: the one before
    is waited for first, so memory holds at most one batch being handed on.
    """
    matched = _batch(outcome.pending, final=final)
    signals = _batch(outcome.pending_signals, final=final)
    if matched is None and signals is None:
        return
    _handed_on(outcome)

    def hand_on() -> None:
        if matched is not None:
            # A big chunk whose every line matched is one batch of several times
            # BATCH_ROWS: it is enriched and written in parts of at most twice that, so
            # the joins' and the writer's copies stay the size of a batch (Squid's 48 MiB
            # blocks, every line matched: 1,357 -> 1,163 MiB on a 1.39 GB file).
            parts = -(-matched.height // (2 * BATCH_ROWS))
            for part in matched.iter_slices(-(-matched.height // parts)):
                outcome.on_matches(enrich(part, ctx))
        if signals is not None:
            outcome.on_signals(signals)

    if outcome.hand_on is None:
        hand_on()
    else:
        outcome.handing = outcome.hand_on.submit(hand_on)


def _handed_on(outcome: FileOutcome) -> None:
    """Wait for the batch being handed on, if any; its error, if any, is raised here."""
    handing, outcome.handing = outcome.handing, None
    if handing is not None:
        handing.result()


def _batch(held: list[pl.DataFrame], *, final: bool) -> pl.DataFrame | None:
    """The held frames as one, when they hold ``BATCH_ROWS`` rows (any, when ``final``)."""
    rows = sum(f.height for f in held)
    if not rows or (rows < BATCH_ROWS and not final):
        return None
    batch = pl.concat(held)
    held.clear()  # the chunk frames go as soon as the batch holds their rows
    return batch


def _notes(report: FileReport, stats: ReadStats, fmt: str) -> None:
    if stats.truncated:
        report.notes.append(stats.truncated)
        log.warning("%s: %s", report.path, stats.truncated)
    if stats.latin1_lines:
        report.notes.append(f"{stats.latin1_lines} line(s) not UTF-8, read as Latin-1")
    if stats.utf16:
        report.notes.append("UTF-16 text, converted")
    report.notes.extend(stats.notes)
    if report.rejected > report.rejects_written:
        report.notes.append(
            f"{report.rejected - report.rejects_written} rejected line(s) counted but not "
            f"written to rejects (limit {MAX_REJECTS_WRITTEN} per file)"
        )
    parsed = report.events + report.rejected
    if parsed and report.rejected / parsed > REJECT_RATIO_WARN:
        report.notes.append(
            f"{report.rejected / parsed:.0%} of lines rejected: likely not {fmt} "
            "(check the format with --format)"
        )
        log.warning("%s: %s", report.path, report.notes[-1])
