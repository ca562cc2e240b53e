"""The one-shot scan: files -> events -> matches -> identity -> policy -> findings -> outputs.

Each file is read in bounded chunks; each chunk is parsed, matched and enriched at once,
so memory grows with the matched events (a few per cent of traffic), not with the input.
Rejects are streamed to ``rejects.csv`` as they are found.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shadowscan import __version__
from shadowscan.candidates import aggregate_candidates, signal_rows
from shadowscan.catalog import Catalog, load_catalog
from shadowscan.detect import detect_format
from shadowscan.discover import discover
from shadowscan.errors import InputError
from shadowscan.findings import aggregate
from shadowscan.identity import Directory, Subnets, attribute
from shadowscan.match.compile import CompiledCatalog, compile_catalog
from shadowscan.match.matcher import annotate
from shadowscan.policy import Policy
from shadowscan.report.html import write_report
from shadowscan.report.tables import append_csv, write_csv, write_parquet
from shadowscan.schema import (
    CANDIDATE_SCHEMA,
    MATCH_SCHEMA,
    REJECT_SCHEMA,
    conform,
)
from shadowscan.sources import REGISTRY
from shadowscan.sources.reader import (
    CHUNK_BYTES,
    ReadStats,
    compression_of,
    iter_chunks,
    read_head,
)

log = logging.getLogger("shadowscan")

COVERAGE_FIELDS = ("user", "src_ip", "url_path", "bytes_out", "bytes_in", "user_agent", "action")
#: A file whose reject ratio is above this is probably not the format it was read as.
REJECT_RATIO_WARN = 0.05
#: Whole-file parsers (JSON documents) read at most this much in one piece.
WHOLE_FILE_BYTES = 1 << 40
#: At most this many rejected lines per file go to rejects.csv; all are counted.
MAX_REJECTS_WRITTEN = 100_000


@dataclass
class ScanOptions:
    """What a scan reads and how (the CLI's options, as values)."""

    paths: list[Path]
    out: Path
    directory: Path | None = None
    subnets: Path | None = None
    policy: Path | None = None
    signatures: Path | None = None
    format: str | None = None
    tz: str = "UTC"
    as_of: date | None = None
    mapping: Path | None = None


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


@dataclass
class ScanResult:
    """What a scan produced, for the CLI to summarise and decide the exit code on."""

    findings: pl.DataFrame
    candidates: pl.DataFrame
    summary: dict[str, Any]
    out: Path


class _Coverage:
    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}

    def add(self, fmt: str, events: pl.DataFrame) -> None:
        row = events.select(
            pl.len().alias("_n"), *[pl.col(c).is_not_null().sum() for c in COVERAGE_FIELDS]
        ).row(0, named=True)
        acc = self.counts.setdefault(fmt, dict.fromkeys(("_n", *COVERAGE_FIELDS), 0))
        for k, v in row.items():
            acc[k] += int(v)

    def shares(self) -> dict[str, dict[str, float]]:
        return {
            fmt: {f: round(c[f] / c["_n"], 4) if c["_n"] else 0.0 for f in COVERAGE_FIELDS}
            for fmt, c in sorted(self.counts.items())
        }


@dataclass
class _Context:
    cc: CompiledCatalog
    directory: Directory | None
    subnets: Subnets | None
    policy: Policy


def _enrich(matched: pl.DataFrame, ctx: _Context) -> pl.DataFrame:
    enriched = attribute(matched, ctx.directory, ctx.subnets)
    pairs = enriched.select("department", "service_id", "category").unique()
    decided = ctx.policy.apply(pairs)
    return enriched.join(
        decided, on=["department", "service_id"], how="left", maintain_order="left"
    )


def _scan_file(
    path: Path,
    opts: ScanOptions,
    ctx: _Context,
    rejects_fh: Any,
    state: dict[str, Any],
) -> tuple[FileReport, list[pl.DataFrame], list[pl.DataFrame]]:
    report = FileReport(path=str(path), format="unknown")
    try:
        report.compression = compression_of(path)
        head = read_head(path)
    except InputError as exc:
        report.notes.append(exc.message)
        log.warning("%s", exc)
        return report, [], []
    if opts.format:
        fmt: str | None = opts.format
    else:
        detection = detect_format(head)
        fmt, report.detect_confidence = detection.format, detection.confidence
    if fmt is None:
        report.notes.append("unknown format: skipped (force one with --format NAME)")
        log.warning("%s: unknown log format, skipped (see: shadowscan formats)", path)
        return report, [], []
    report.format = fmt
    parser = REGISTRY[fmt](source_file=str(path), head=head, tz=opts.tz, mapping=opts.mapping)
    stats = ReadStats()
    chunk_bytes = WHOLE_FILE_BYTES if parser.whole_file else CHUNK_BYTES
    matches: list[pl.DataFrame] = []
    signals: list[pl.DataFrame] = []
    for chunk in iter_chunks(path, stats, chunk_bytes=chunk_bytes):
        result = parser.parse(chunk)
        report.events += result.events.height
        report.rejected += result.rejects.height
        report.skipped += result.skipped
        if result.rejects.height and report.rejects_written < MAX_REJECTS_WRITTEN:
            room = MAX_REJECTS_WRITTEN - report.rejects_written
            kept = result.rejects.head(room)
            append_csv(kept, rejects_fh, header=not state["rejects_header_done"])
            state["rejects_header_done"] = True
            report.rejects_written += kept.height
        if result.events.is_empty():
            continue
        state["coverage"].add(fmt, result.events)
        annotated = annotate(result.events, ctx.cc)
        hit = annotated["service_id"].is_not_null()
        matched = annotated.filter(hit)
        if matched.height:
            report.matched += matched.height
            matches.append(_enrich(matched, ctx))
        signals.append(signal_rows(annotated.filter(~hit)))
    report.lines_read = stats.lines
    if stats.truncated:
        report.notes.append(stats.truncated)
        log.warning("%s: %s", path, stats.truncated)
    if stats.latin1_lines:
        report.notes.append(f"{stats.latin1_lines} line(s) not UTF-8, read as Latin-1")
    if stats.utf16:
        report.notes.append("UTF-16 text, converted")
    report.notes.extend(stats.notes)
    if report.rejected > report.rejects_written:
        report.notes.append(
            f"{report.rejected - report.rejects_written} rejected line(s) counted but not "
            f"written to rejects.csv (limit {MAX_REJECTS_WRITTEN} per file)"
        )
    parsed = report.events + report.rejected
    if parsed and report.rejected / parsed > REJECT_RATIO_WARN:
        report.notes.append(
            f"{report.rejected / parsed:.0%} of lines rejected: likely not {fmt} "
            "(check the format with --format)"
        )
        log.warning("%s: %s", path, report.notes[-1])
    return report, matches, signals


def run_scan(opts: ScanOptions, *, progress: Callable[[str], None] | None = None) -> ScanResult:
    """Run a whole scan and write every output into ``opts.out``."""
    t0 = time.perf_counter()
    as_of = opts.as_of or datetime.now(UTC).date()
    if opts.format and opts.format not in REGISTRY:
        raise InputError(
            f"unknown format '{opts.format}'",
            hint=f"one of: {', '.join(sorted(REGISTRY))} (see: shadowscan formats)",
        )
    found = discover(opts.paths)
    directory_path = opts.directory or found.config.get("directory")
    subnets_path = opts.subnets or found.config.get("subnets")
    policy_path = opts.policy or found.config.get("policy")
    catalog = load_catalog(opts.signatures)
    ctx = _Context(
        cc=compile_catalog(catalog),
        directory=Directory.load(directory_path) if directory_path else None,
        subnets=Subnets.load(subnets_path) if subnets_path else None,
        policy=Policy.load(policy_path, catalog, as_of=as_of) if policy_path else Policy(),
    )
    opts.out.mkdir(parents=True, exist_ok=True)
    t_setup = time.perf_counter()
    state: dict[str, Any] = {"rejects_header_done": False, "coverage": _Coverage()}
    reports: list[FileReport] = []
    all_matches: list[pl.DataFrame] = []
    all_signals: list[pl.DataFrame] = []
    with (opts.out / "rejects.csv").open("wb") as rejects_fh:
        for path in found.files:
            if progress:
                progress(str(path))
            report, matches, signals = _scan_file(path, opts, ctx, rejects_fh, state)
            reports.append(report)
            all_matches.extend(matches)
            all_signals.extend(signals)
        if not state["rejects_header_done"]:
            append_csv(pl.DataFrame(schema=REJECT_SCHEMA), rejects_fh, header=True)
    t_parse = time.perf_counter()

    matched = (
        conform(pl.concat(all_matches), MATCH_SCHEMA)
        if all_matches
        else pl.DataFrame(schema=MATCH_SCHEMA)
    ).sort(["ts", "source_file", "source_line"])
    findings = aggregate(matched, catalog)
    candidates = (
        aggregate_candidates(pl.concat(all_signals))
        if all_signals
        else pl.DataFrame(schema=CANDIDATE_SCHEMA)
    )
    t_agg = time.perf_counter()

    summary = _summary(
        opts,
        catalog,
        ctx,
        reports,
        matched,
        findings,
        candidates,
        state["coverage"],
        as_of,
        {"directory": directory_path, "subnets": subnets_path, "policy": policy_path},
    )
    write_csv(findings, opts.out / "findings.csv")
    write_parquet(findings, opts.out / "findings.parquet")
    write_parquet(matched, opts.out / "matches.parquet")
    write_csv(candidates, opts.out / "candidates.csv")
    t_end = time.perf_counter()
    summary["timings_s"] = {
        "setup": round(t_setup - t0, 3),
        "parse_match": round(t_parse - t_setup, 3),
        "aggregate": round(t_agg - t_parse, 3),
        "write": round(t_end - t_agg, 3),
        "total": round(t_end - t0, 3),
    }
    write_report(opts.out / "report.html", findings, candidates, summary)
    (opts.out / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"
    )
    return ScanResult(findings=findings, candidates=candidates, summary=summary, out=opts.out)


def _summary(
    opts: ScanOptions,
    catalog: Catalog,
    ctx: _Context,
    reports: list[FileReport],
    matches: pl.DataFrame,
    findings: pl.DataFrame,
    candidates: pl.DataFrame,
    coverage: _Coverage,
    as_of: date,
    config: dict[str, Path | None],
) -> dict[str, Any]:
    def total(name: str) -> int:
        return sum(int(getattr(r, name)) for r in reports)

    routes = matches["department_source"].value_counts()
    attribution = {str(k): int(v) for k, v in routes.iter_rows()}
    iso = "%Y-%m-%dT%H:%M:%SZ"
    period = matches.select(
        pl.col("ts").min().dt.strftime(iso).alias("first"),
        pl.col("ts").max().dt.strftime(iso).alias("last"),
    ).row(0, named=True)
    return {
        "shadowscan_version": __version__,
        "as_of": as_of.isoformat(),
        "tz": opts.tz,
        "catalog": {
            "version": catalog.version,
            "services": len(catalog),
            "bundled": opts.signatures is None,
        },
        "config": {k: (str(v) if v else None) for k, v in config.items()},
        "inputs": [r.__dict__ for r in reports],
        "lines_read": total("lines_read"),
        "events": total("events"),
        "rejected": total("rejected"),
        "skipped": total("skipped"),
        "matched": total("matched"),
        "unknown_files": sum(1 for r in reports if r.format == "unknown"),
        "findings": findings.height,
        "candidates": candidates.height,
        "period": period,
        "attribution": attribution,
        "coverage_fields": list(COVERAGE_FIELDS),
        "coverage": coverage.shares(),
        "policy": {
            "path": ctx.policy.path,
            "rules": len(ctx.policy.rules),
            "expired": [r.as_dict() for r in ctx.policy.expired],
        },
        "severity_counts": {
            str(k): int(v)
            for k, v in findings["severity"].value_counts().sort("severity").iter_rows()
        },
    }
