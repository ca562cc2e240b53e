"""The analyst's store: partitioned Parquet, a manifest of ingested files, read-only views.

Layout of a store directory::

    manifest.json                      what was ingested; the only list readers trust
    events/day=YYYY-MM-DD/source=S/    every parsed event (with its match columns)
    matches/day=YYYY-MM-DD/            matched events, enriched at ingest time
    rejects/, signals/                 rejected lines; candidate evidence rows
    findings_history/                  one findings snapshot per nightly run
    runs.jsonl                         one JSON line per nightly run
    .lock                              held by the one writer

Crash safety: a batch (one input file, or its appended tail) is written to ``staging/``,
fsynced, moved into place by rename, and only then recorded in the manifest, itself
replaced atomically. Readers only open files the manifest lists, so a batch killed
half-way is invisible; the next writer deletes its leftovers and ingests the file again.
Files are fingerprinted by their full content (SHA-256): a re-delivered or renamed copy is
skipped; a plain file that grew is ingested from where the last ingest stopped; a file
still being written is read only up to its last newline.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow.parquet as pq

from shadowscan.candidates import signal_rows
from shadowscan.errors import ShadowscanError, StoreLocked
from shadowscan.pipeline import Context, Coverage, FileReport, FileSlice, process_file
from shadowscan.schema import (
    EVENT_SCHEMA,
    MATCH_EXTRA_SCHEMA,
    MATCH_SCHEMA,
    REJECT_SCHEMA,
    conform,
)
from shadowscan.sources.reader import ContentHash, compression_of

if TYPE_CHECKING:
    from hashlib import _Hash

MANIFEST = "manifest.json"
KINDS = ("events", "matches", "rejects", "signals")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@dataclass
class Fingerprint:
    """Where a file's complete lines end, and content hashes at the points that matter."""

    end: int
    sha256: str
    prefixes: dict[int, str] = field(default_factory=dict)


def content_end(path: Path, *, plain: bool) -> int:
    """Where the content a store takes ends: after the last newline of a plain file (a
    last line still being written waits), the whole of a compressed one."""
    size = path.stat().st_size
    return _last_newline_end(path, size) if plain and size else size


def fingerprint(path: Path, *, plain: bool, checkpoints: set[int]) -> Fingerprint:
    """Hash ``path`` up to its last newline (plain files) or whole (compressed).

    ``checkpoints`` are byte offsets (sizes of earlier ingests of this path) at which the
    running hash is also taken, to recognise an append.
    """
    end = content_end(path, plain=plain)
    digest, states = _running_hash(path, end, checkpoints)
    prefixes = {c: state.hexdigest() for c, state in states.items()}
    return Fingerprint(end=end, sha256=digest.hexdigest(), prefixes=prefixes)


def prefix_hashes(path: Path, checkpoints: set[int]) -> dict[int, _Hash]:
    """The running SHA-256 (a hash object) at each checkpoint, reading no further than the
    last one: enough to tell whether a file is an earlier one grown."""
    return _running_hash(path, max(checkpoints, default=0), checkpoints)[1]


def _running_hash(path: Path, end: int, checkpoints: set[int]) -> tuple[_Hash, dict[int, _Hash]]:
    """SHA-256 of ``path``'s bytes ``[0, end)``, and a copy of it at each checkpoint."""
    running = ContentHash(end)
    states: dict[int, _Hash] = {}
    with path.open("rb") as fh:
        for checkpoint in sorted(c for c in checkpoints if 0 < c <= end):
            running.hash_to(fh, checkpoint)
            if running.done == checkpoint:  # a file shorter than that has no such prefix
                states[checkpoint] = running.state()
        running.hash_to(fh, end)
    return running.state(), states


def _last_newline_end(path: Path, size: int) -> int:
    with path.open("rb") as fh:
        pos = size
        while pos > 0:
            step = min(65536, pos)
            fh.seek(pos - step)
            block = fh.read(step)
            cut = block.rfind(b"\n")
            if cut >= 0:
                return pos - step + cut + 1
            pos -= step
    return 0


@dataclass
class IngestResult:
    """What ``ingest`` did with one input file."""

    path: str
    action: str  # ingested | appended | skipped
    reason: str = ""
    report: FileReport | None = None


class Store:
    """A store directory (see the module docstring)."""

    def __init__(self, root: Path, *, create: bool = False) -> None:
        self.root = root
        if create:
            root.mkdir(parents=True, exist_ok=True)
        elif not (root / MANIFEST).is_file():
            raise ShadowscanError(
                "not a shadowscan store (no manifest.json)",
                path=root,
                hint="create one with: shadowscan ingest LOGS --store DIR",
            )
        if not (root / MANIFEST).is_file():
            atomic_write_text(root / MANIFEST, json.dumps({"version": 1, "batches": []}))

    # -- manifest -------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        """The manifest: ``{"version": 1, "batches": [...]}``."""
        data: dict[str, Any] = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        return data

    def _save_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write_text(self.root / MANIFEST, json.dumps(manifest, indent=1) + "\n")

    def files(self, kind: str) -> list[Path]:
        """The published Parquet files of ``kind`` that the manifest lists."""
        return [
            self.root / rel
            for batch in self.manifest()["batches"]
            for rel in batch["files"]
            if rel.startswith(f"{kind}/")
        ]

    def read(
        self, kind: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> pl.DataFrame:
        """The rows of ``kind`` (events, matches, rejects, signals) as one frame; with
        ``start``/``end``, only those with ``start <= ts < end``, reading only the day
        partitions (and Parquet row groups) that can hold them."""
        files = self._window_files(kind, start, end)
        if not files:
            if kind == "signals":
                return signal_rows(pl.DataFrame(schema=_SCHEMAS["events"]))
            return pl.DataFrame(schema=_SCHEMAS.get(kind, {}))
        return pl.scan_parquet(files).filter(_in_window(start, end)).collect()

    def batches(
        self,
        kind: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        rows: int = 200_000,
    ) -> Iterator[pl.DataFrame]:
        """The rows :meth:`read` gives, in the same order, as frames of at most ``rows``
        rows (none empty): a window larger than memory can be gone through."""
        for path in self._window_files(kind, start, end):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
                frame = pl.DataFrame(pl.from_arrow(batch)).filter(_in_window(start, end))
                if frame.height:
                    yield frame

    def _window_files(self, kind: str, start: datetime | None, end: datetime | None) -> list[Path]:
        files = self.files(kind)
        if start is not None or end is not None:
            files = [f for f in files if _day_may_hold(_day_of(str(f)), start, end)]
        return files

    # -- locking and recovery -----------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store for writing; another holder makes this raise StoreLocked."""
        fh = (self.root / ".lock").open("a")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise StoreLocked(
                "the store is in use by another shadowscan run",
                path=self.root,
                hint="wait for it to finish; runs on one store never interleave",
            ) from None
        try:
            self._recover()
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    def _recover(self) -> None:
        """Delete what a killed writer left: staging and files no manifest entry lists."""
        shutil.rmtree(self.root / "staging", ignore_errors=True)
        listed = {str(p) for kind in KINDS for p in self.files(kind)}
        for kind in KINDS:
            base = self.root / kind
            if not base.is_dir():
                continue
            for part in base.rglob("*.parquet"):
                if str(part) not in listed:
                    part.unlink()

    # -- ingest ---------------------------------------------------------------------------

    def ingest(
        self,
        paths: list[Path],
        ctx: Context,
        *,
        log_format: str | None = None,
        tz: str = "UTC",
        mapping: Path | None = None,
    ) -> list[IngestResult]:
        """Ingest files (call inside :meth:`lock`); each is one crash-safe batch."""
        results = []
        for path in paths:
            results.append(self._ingest_one(path, ctx, log_format, tz, mapping))
        return results

    def _ingest_one(
        self, path: Path, ctx: Context, log_format: str | None, tz: str, mapping: Path | None
    ) -> IngestResult:
        manifest = self.manifest()
        batches = manifest["batches"]
        plain = compression_of(path) is None
        same_path = [b for b in batches if b["path"] == str(path)]
        end = content_end(path, plain=plain)
        if end == 0:
            return IngestResult(str(path), "skipped", "no complete line yet")
        part = FileSlice(end=end) if plain else FileSlice()
        action = "ingested"
        tap: ContentHash | None = None
        sha = ""
        if any(b["end"] == end for b in batches):
            # Maybe a copy of an ingested file (same length): the fingerprint decides
            # before anything is parsed.
            fp = fingerprint(path, plain=plain, checkpoints={b["end"] for b in same_path})
            sha = fp.sha256
            for b in batches:
                if b["sha256"] == sha:
                    return IngestResult(str(path), "skipped", f"already ingested as {b['path']}")
            grown = [b for b in same_path if fp.prefixes.get(b["end"]) == b["sha256"]]
            if plain and grown:
                part, _ = _tail_after(grown, end)
                action = "appended"
        elif plain and same_path:
            # Maybe this path grown: hash only up to its earlier ends (the old part is
            # read once, for that); the rest is hashed as it is parsed.
            states = prefix_hashes(path, {b["end"] for b in same_path if b["end"] < end})
            grown = [
                b
                for b in same_path
                if b["end"] in states and states[b["end"]].hexdigest() == b["sha256"]
            ]
            if grown:
                part, last = _tail_after(grown, end)
                action = "appended"
                tap = ContentHash(end, start=(states[last["end"]], last["end"]))
            else:  # the same path, other content: read whole, the prefix hash reused
                top = max(states, default=0)
                tap = ContentHash(end, start=(states[top], top) if top else None)
        else:
            # New content (no batch of this length or path): hashed as it is parsed, so
            # the file is read once.
            tap = ContentHash(end if plain else None)
        # Files are staged under a temporary label: the batch id needs the content hash,
        # which new content has only once it is parsed. They take the id on publish.
        label = f"new-{os.getpid()}-{time.time_ns()}"
        staging = self.root / "staging" / label
        staging.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        counter = [0]
        lock = threading.Lock()

        def put(kind: str, rel_dir: str, frame: pl.DataFrame, name: str | None = None) -> None:
            if name is None:
                with lock:
                    counter[0] += 1
                    name = f"{counter[0]:05d}"
            rel = f"{kind}/{rel_dir}{label}-{name}.parquet"
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(target, compression="zstd")
            _fsync_file(target)
            with lock:
                written.append(rel)

        def put_by_day(kind: str, frame: pl.DataFrame, keys: tuple[str, ...]) -> None:
            # One file per day (and per ``keys``), named by its first line: the names (and
            # the manifest's sorted list) follow line order, whichever chunk finished first.
            columns = ["_day", *keys]
            keyed = frame.with_columns(pl.col("ts").dt.date().alias("_day"))
            single = _single_group(keyed, columns)
            groups = (
                [(single, keyed)]
                if single is not None
                else keyed.group_by(columns, maintain_order=True)
            )
            for values, group in groups:
                folder = "".join(f"{k}={v}/" for k, v in zip(["day", *keys], values, strict=True))
                first = group.select(pl.col("source_line").min()).item()
                put(kind, folder, group.drop("_day"), f"L{first:012d}")

        def on_events(events: pl.DataFrame) -> None:
            # Called from the parse workers, several chunks at once.
            put_by_day("events", events, ("source",))

        def on_rejects(rejects: pl.DataFrame) -> None:
            put("rejects", "", rejects)

        def on_matches(matches: pl.DataFrame) -> None:
            # Each enriched batch as it comes, in file order.
            put_by_day("matches", conform(matches, MATCH_SCHEMA), ())

        def on_signals(signals: pl.DataFrame) -> None:
            put("signals", "", signals)

        outcome = process_file(
            path,
            ctx,
            Coverage(),
            on_rejects=on_rejects,
            on_events=on_events,
            on_matches=on_matches,
            on_signals=on_signals,
            log_format=log_format,
            tz=tz,
            mapping=mapping,
            part=part,
            tap=tap,
        )
        if tap is not None:
            sha = tap.finish(path)
            if any(b["sha256"] == sha for b in batches):  # cannot happen (lengths differ)
                self._drop_staging(staging)
                return IngestResult(str(path), "skipped", "already ingested")
        report = outcome.report
        if report.format == "unknown":
            self._drop_staging(staging)
            return IngestResult(str(path), "skipped", "; ".join(report.notes), report)
        batch_id = f"{sha[:16]}-{part.offset}"
        published = []
        for rel in sorted(written):  # publish: rename into place, then record in the manifest
            final_rel = rel.replace(f"{label}-", f"{batch_id}-", 1)
            final = self.root / final_rel
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, final)
            _fsync_dir(final.parent)
            published.append(final_rel)
        batches.append(
            {
                "batch": batch_id,
                "path": str(path),
                "sha256": sha,
                "offset": part.offset,
                "end": end,
                "first_line": part.first_line,
                "last_line": part.first_line + report.lines_read - 1,
                "format": report.format,
                "lines_read": report.lines_read,
                "events": report.events,
                "rejected": report.rejected,
                "skipped": report.skipped,
                "matched": report.matched,
                "notes": report.notes,
                "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "files": published,
            }
        )
        self._save_manifest(manifest)
        self._drop_staging(staging)
        return IngestResult(str(path), action, report=report)

    @staticmethod
    def _drop_staging(staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging.parent.rmdir()  # only when no other batch is staged

    # -- retention --------------------------------------------------------------------------

    def prune(self, *, keep_days: int, today: date) -> int:
        """Delete raw event partitions older than ``keep_days``; matches and findings stay.

        Returns the number of files deleted. The manifest keeps every batch (so a pruned
        file is still recognised and not ingested again).
        """
        cutoff = (today - timedelta(days=keep_days)).isoformat()
        manifest = self.manifest()
        doomed: list[str] = []
        for batch in manifest["batches"]:
            keep = []
            for rel in batch["files"]:
                day = _day_of(rel)
                if rel.startswith("events/") and day is not None and day < cutoff:
                    doomed.append(rel)
                else:
                    keep.append(rel)
            batch["files"] = keep
        self._save_manifest(manifest)  # first forget the files, then delete them
        for rel in doomed:
            (self.root / rel).unlink(missing_ok=True)
        return len(doomed)


def _single_group(frame: pl.DataFrame, columns: list[str]) -> tuple[Any, ...] | None:
    """The values of ``columns`` when every row has the same ones and none is null (a
    block of one day and source: most of them), else None. Such a frame is its one group:
    no group-by copy of every column.

    >>> _single_group(pl.DataFrame({"a": [1, 1], "b": ["x", "x"]}), ["a", "b"])
    (1, 'x')
    >>> two, nulls = pl.DataFrame({"a": [1, 2]}), pl.DataFrame({"a": [None, None]})
    >>> _single_group(two, ["a"]), _single_group(nulls, ["a"])
    (None, None)
    """
    if frame.is_empty():
        return None
    same = frame.select(
        pl.all_horizontal(
            [(pl.col(c).n_unique() == 1) & (pl.col(c).null_count() == 0) for c in columns]
        )
    ).item()
    return frame.select(columns).row(0) if same else None


def _in_window(start: datetime | None, end: datetime | None) -> pl.Expr:
    """``start <= ts < end``, either end open."""
    within = pl.lit(True)
    if start is not None:
        within = within & (pl.col("ts") >= start)
    if end is not None:
        within = within & (pl.col("ts") < end)
    return within


def _tail_after(grown: list[dict[str, Any]], end: int) -> tuple[FileSlice, dict[str, Any]]:
    """The bytes of a grown file after the latest batch it extends, and that batch."""
    last = max(grown, key=lambda b: b["end"])
    return FileSlice(offset=last["end"], first_line=last["last_line"] + 1, end=end), last


def _day_may_hold(day: str | None, start: datetime | None, end: datetime | None) -> bool:
    """Whether the partition of UTC ``day`` (YYYY-MM-DD; None: not partitioned by day) can
    hold a row with ``start <= ts < end``."""
    if day is None:
        return True
    try:
        first = datetime.fromisoformat(day).replace(tzinfo=UTC)
    except ValueError:
        return True
    after = first + timedelta(days=1)
    return (start is None or after > start) and (end is None or first < end)


def _day_of(rel: str) -> str | None:
    for part in rel.split("/"):
        if part.startswith("day="):
            return part[4:]
    return None


_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "events": {**EVENT_SCHEMA, **MATCH_EXTRA_SCHEMA},
    "matches": MATCH_SCHEMA,
    "rejects": REJECT_SCHEMA,
}
