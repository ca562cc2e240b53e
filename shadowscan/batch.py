"""The nightly run: discover new files, ingest them, recompute findings, write a dated report.

``shadowscan run --config shadowscan.toml``; see :func:`load_config` for the file. One run
holds the store's lock from start to end; rerunning a night is harmless (every file is
already ingested, the report and the findings snapshot are rewritten the same).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from shadowscan.catalog import Catalog, load_catalog
from shadowscan.errors import ConfigError
from shadowscan.findings import reaches
from shadowscan.outputs import Evidence, RunFacts, ScanResult, write_outputs
from shadowscan.pipeline import COVERAGE_FIELDS, Context, FileReport, build_context, enrich
from shadowscan.privacy import redact_rejects
from shadowscan.report.files import make_private_dir
from shadowscan.report.tables import write_csv
from shadowscan.schema import ENRICH_SCHEMA, REJECT_SCHEMA, SEVERITIES
from shadowscan.store import Store
from shadowscan.views import write_database

log = logging.getLogger("shadowscan")

_SECTIONS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "inputs": {"paths": list, "format": str, "mapping": str, "tz": str},
    "store": {"path": str, "retention_days": int},
    "identity": {"directory": str, "subnets": str, "leases": list},
    "policy": {"path": str},
    "report": {"dir": str, "window_days": int, "fail_on": str, "signatures": str},
}


@dataclass
class RunConfig:
    """A nightly run's configuration (paths already resolved against the config file)."""

    inputs: list[str]
    store: Path
    report_dir: Path
    log_format: str | None = None
    mapping: Path | None = None
    tz: str = "UTC"
    retention_days: int | None = None
    directory: Path | None = None
    subnets: Path | None = None
    leases: list[Path] = field(default_factory=list)
    policy: Path | None = None
    signatures: Path | None = None
    window_days: int = 7
    fail_on: str | None = None


def _line_of(text: str, needle: str) -> int | None:
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(needle):
            return i
    return None


def load_config(path: Path) -> RunConfig:
    """Read ``shadowscan.toml`` strictly: unknown sections or keys are errors with a line.

    ```toml
    [inputs]
    paths = ["/var/log/squid/access.log*", "/var/log/named/queries.log*"]
    tz = "Europe/Paris"          # for formats that log local time
    [store]
    path = "/srv/shadowscan/store"
    retention_days = 30          # raw events older than this are deleted
    [identity]
    directory = "users.csv"      # relative paths are relative to this file
    subnets = "subnets.csv"
    leases = ["dhcpd.leases"]
    [policy]
    path = "policy.yaml"
    [report]
    dir = "/srv/shadowscan/reports"   # one dated folder per run
    window_days = 7                   # findings over the last N days
    fail_on = "high"                  # exit 3 when a finding is at or above
    ```
    """
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=path) from None
    for section, keys in data.items():
        if section not in _SECTIONS:
            raise ConfigError(
                f"unknown section [{section}]",
                path=path,
                line=_line_of(text, f"[{section}"),
                hint=f"sections: {', '.join(_SECTIONS)}",
            )
        if not isinstance(keys, dict):
            raise ConfigError(f"[{section}] must be a table", path=path)
        for key, value in keys.items():
            want = _SECTIONS[section].get(key)
            if want is None:
                raise ConfigError(
                    f"unknown key '{key}' in [{section}]",
                    path=path,
                    line=_line_of(text, key),
                    hint=f"keys: {', '.join(_SECTIONS[section])}",
                )
            if not isinstance(value, want):
                raise ConfigError(
                    f"'{key}' in [{section}] has the wrong type",
                    path=path,
                    line=_line_of(text, key),
                )
    base = path.parent

    def p(value: str | None) -> Path | None:
        return None if value in (None, "") else (base / str(value)).resolve()

    def need(section: str, key: str) -> Any:
        if key not in data.get(section, {}):
            raise ConfigError(f"missing '{key}' in [{section}]", path=path)
        return data[section][key]

    inputs = [str(base / x) if not os.path.isabs(x) else x for x in need("inputs", "paths")]
    fail_on = data.get("report", {}).get("fail_on")
    if fail_on is not None and fail_on not in SEVERITIES:
        raise ConfigError(
            f"fail_on must be one of {', '.join(SEVERITIES)}",
            path=path,
            line=_line_of(text, "fail_on"),
        )
    log_format = data.get("inputs", {}).get("format") or None
    mapping = p(data.get("inputs", {}).get("mapping"))
    if (log_format == "custom") != (mapping is not None):
        raise ConfigError(
            '[inputs] format = "custom" and mapping go together',
            path=path,
            line=_line_of(text, "mapping") or _line_of(text, "format"),
        )
    ident = data.get("identity", {})
    report = data.get("report", {})
    store_path, report_dir = p(need("store", "path")), p(need("report", "dir"))
    assert store_path is not None and report_dir is not None
    return RunConfig(
        inputs=inputs,
        store=store_path,
        report_dir=report_dir,
        log_format=log_format,
        mapping=mapping,
        tz=data.get("inputs", {}).get("tz", "UTC"),
        retention_days=data.get("store", {}).get("retention_days"),
        directory=p(ident.get("directory")),
        subnets=p(ident.get("subnets")),
        leases=[x for x in (p(v) for v in ident.get("leases", [])) if x is not None],
        policy=p(data.get("policy", {}).get("path")),
        signatures=p(report.get("signatures")),
        window_days=int(report.get("window_days", 7)),
        fail_on=fail_on,
    )


def expand_inputs(patterns: list[str]) -> list[Path]:
    """Files matching the input globs (``**`` allowed), sorted, de-duplicated."""
    seen: dict[str, Path] = {}
    for pattern in patterns:
        for hit in sorted(glob.glob(pattern, recursive=True)):
            path = Path(hit)
            if path.is_file():
                seen.setdefault(str(path.resolve()), path)
            elif path.is_dir():
                for f in sorted(path.rglob("*")):
                    if f.is_file() and not f.name.startswith("."):
                        seen.setdefault(str(f.resolve()), f)
    return list(seen.values())


def window_bounds(as_of: date, days: int) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the ``days`` days ending with ``as_of`` (inclusive)."""
    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)
    return end - timedelta(days=days), end


def store_evidence(
    store: Store, ctx: Context | None, *, start: datetime | None, end: datetime | None
) -> Evidence:
    """Matches and candidate signals of a time window, re-enriched with ``ctx`` when given.

    Matches and signals come batch by batch, as the report stage reads them (never all at
    once).
    """

    def matches() -> Iterator[pl.DataFrame]:
        for frame in store.batches("matches", start=start, end=end):
            if ctx is None:
                yield frame
            else:
                yield enrich(frame.drop([c for c in ENRICH_SCHEMA if c in frame.columns]), ctx)

    return Evidence(
        matches=matches(),
        signals=store.batches("signals", start=start, end=end),
        coverage=_coverage(store, start, end),
    )


def _coverage(
    store: Store, start: datetime | None, end: datetime | None
) -> dict[str, dict[str, float]]:
    """Per-format field coverage of the stored events in the window, computed in DuckDB."""
    files = [str(p) for p in store.files("events")]
    if not files:
        return {}
    counts = ", ".join(f'count("{c}") AS "{c}"' for c in COVERAGE_FIELDS)
    where, params = ["TRUE"], []
    if start is not None:
        where.append("ts >= ?")
        params.append(start)
    if end is not None:
        where.append("ts < ?")
        params.append(end)
    sql = (
        f"SELECT log_format, count(*) AS n, {counts} FROM read_parquet(?, union_by_name=true) "
        f"WHERE {' AND '.join(where)} GROUP BY log_format ORDER BY log_format"
    )
    rows = duckdb.connect().execute(sql, [files, *params]).fetchall()
    return {
        r[0]: {f: round(r[2 + i] / r[1], 4) if r[1] else 0.0 for i, f in enumerate(COVERAGE_FIELDS)}
        for r in rows
    }


def latest_snapshot(store: Store, before: date) -> pl.DataFrame | None:
    """The most recent findings snapshot strictly before ``before``, for trends."""
    folder = store.root / "findings_history"
    if not folder.is_dir():
        return None
    older = sorted(p for p in folder.glob("*.parquet") if p.stem < before.isoformat())
    return pl.read_parquet(older[-1]) if older else None


def save_snapshot(store: Store, day: date, findings: pl.DataFrame) -> Path:
    """Keep this run's findings as the snapshot of ``day`` (atomic replace)."""
    folder = store.root / "findings_history"
    folder.mkdir(exist_ok=True)
    target = folder / f"{day.isoformat()}.parquet"
    tmp = folder / f".{day.isoformat()}.parquet.tmp"
    findings.write_parquet(tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


@dataclass
class RunOutcome:
    """What a nightly run did, and the exit code it asks for."""

    result: ScanResult
    report_dir: Path
    exit_code: int
    log_line: dict[str, Any]


def run_nightly(
    config: RunConfig, *, as_of: date | None = None, pseudonym_key: bytes | None = None
) -> RunOutcome:
    """One nightly run (see the module docstring); raises StoreLocked when one is running."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    as_of = as_of or started.date()
    catalog = load_catalog(config.signatures)
    ctx = build_context(
        catalog,
        directory=config.directory,
        subnets=config.subnets,
        policy=config.policy,
        leases=config.leases,
        as_of=as_of,
    )
    store = Store(config.store, create=True)
    with store.lock():
        before = len(store.manifest()["batches"])
        results = store.ingest(
            expand_inputs(config.inputs),
            ctx,
            log_format=config.log_format,
            tz=config.tz,
            mapping=config.mapping,
        )
        new_batches = store.manifest()["batches"][before:]
        t_ingest = time.perf_counter()
        start, end = window_bounds(as_of, config.window_days)
        evidence = store_evidence(store, ctx, start=start, end=end)
        evidence.reports = [
            r.report for r in results if r.report is not None and r.action != "skipped"
        ]
        out = config.report_dir / as_of.isoformat()
        make_private_dir(out)
        _write_rejects(store, new_batches, out, pseudonymise=pseudonym_key is not None)
        facts = _facts(config, catalog, ctx, as_of, pseudonym_key, results, start, end)
        previous = latest_snapshot(store, as_of)
        result = write_outputs(
            out, evidence, catalog=catalog, ctx=ctx, facts=facts, previous=previous,
            timings={"ingest": round(t_ingest - t0, 3)},
        )  # fmt: skip
        save_snapshot(store, as_of, result.findings)
        pruned = (
            store.prune(keep_days=config.retention_days, today=as_of)
            if config.retention_days is not None
            else 0
        )
        code = 3 if reaches(result.findings, config.fail_on) else 0
        line = {
            "start": started.isoformat(timespec="seconds"),
            "end": datetime.now(UTC).isoformat(timespec="seconds"),
            "as_of": as_of.isoformat(),
            "files": len(results),
            "ingested": sum(1 for r in results if r.action != "skipped"),
            "skipped": sum(1 for r in results if r.action == "skipped"),
            "lines": sum(b["lines_read"] for b in new_batches),
            "rejects": sum(b["rejected"] for b in new_batches),
            "matched": sum(b["matched"] for b in new_batches),
            "findings": result.findings.height,
            "new_findings": int(result.findings["is_new"].sum()) if result.findings.height else 0,
            "pruned_files": pruned,
            "report": str(out),
            "exit_code": code,
        }
        write_database(store)
        with (store.root / "runs.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    return RunOutcome(result=result, report_dir=out, exit_code=code, log_line=line)


def _facts(
    config: RunConfig,
    catalog: Catalog,
    ctx: Context,
    as_of: date,
    pseudonym_key: bytes | None,
    results: list[Any],
    start: datetime,
    end: datetime,
) -> RunFacts:
    return RunFacts(
        as_of=as_of,
        tz=config.tz,
        bundled_catalog=config.signatures is None,
        config={"directory": config.directory, "subnets": config.subnets, "policy": config.policy},
        pseudonym_key=pseudonym_key,
        candidate_ignore=ctx.policy.candidate_ignore,
        extra={
            "run": {
                "store": str(config.store),
                "window": {"start": start.isoformat(), "end": end.isoformat()},
                "skipped_files": [
                    {"path": r.path, "reason": r.reason} for r in results if r.action == "skipped"
                ],
            }
        },
    )


def _write_rejects(
    store: Store, batches: list[dict[str, Any]], out: Path, *, pseudonymise: bool
) -> None:
    files = [store.root / rel for b in batches for rel in b["files"] if rel.startswith("rejects/")]
    rejects = pl.read_parquet(files) if files else pl.DataFrame(schema=REJECT_SCHEMA)
    if pseudonymise:
        rejects = redact_rejects(rejects)
    write_csv(rejects, out / "rejects.csv")


def report_from_store(
    store: Store,
    out: Path,
    *,
    catalog: Catalog,
    ctx: Context,
    reenrich: bool,
    as_of: date,
    since: date | None = None,
    pseudonym_key: bytes | None = None,
) -> ScanResult:
    """Rewrite the report set of a store (all of it, or from ``since``) into ``out``."""
    start = None if since is None else datetime(since.year, since.month, since.day, tzinfo=UTC)
    evidence = store_evidence(store, ctx if reenrich else None, start=start, end=None)
    evidence.reports = [_batch_report(b) for b in store.manifest()["batches"]]
    make_private_dir(out)
    _write_rejects(store, store.manifest()["batches"], out, pseudonymise=pseudonym_key is not None)
    facts = RunFacts(
        as_of=as_of, pseudonym_key=pseudonym_key, candidate_ignore=ctx.policy.candidate_ignore
    )
    return write_outputs(out, evidence, catalog=catalog, ctx=ctx, facts=facts, previous=None)


def _batch_report(batch: dict[str, Any]) -> FileReport:
    return FileReport(
        path=batch["path"],
        format=batch["format"],
        lines_read=batch["lines_read"],
        events=batch["events"],
        rejected=batch["rejected"],
        skipped=batch["skipped"],
        matched=batch["matched"],
        notes=list(batch.get("notes", [])),
    )


__all__ = ["RunConfig", "expand_inputs", "load_config", "report_from_store", "run_nightly"]
