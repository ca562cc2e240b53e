"""Trends and novelty: this run's findings against a previous run's.

:func:`compare` takes two findings frames, so a store can pass the previous window's
findings as well as ``--baseline DIR`` (a previous scan's output folder, via
:func:`load_baseline`).

* ``is_new``: this department never used this service in the baseline. Without a baseline
  every finding is new (there is nothing to compare with) and the change columns are null.
* ``events_prev``, ``users_prev``: the baseline finding's counts (0 when new).
* ``events_change_pct``: ``(events - events_prev) / events_prev x 100``, rounded to 0.1
  (null when new).
* :func:`new_services`: services no department used in the baseline.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shadowscan.errors import ConfigError
from shadowscan.schema import FINDING_SCHEMA, conform

_KEY = ["department", "service_id"]


def load_baseline(folder: Path) -> pl.DataFrame:
    """The findings of a previous scan output folder (its ``findings.parquet``)."""
    path = folder / "findings.parquet"
    if not path.is_file():
        raise ConfigError(
            "no findings.parquet in the baseline folder",
            path=folder,
            hint="--baseline takes the --out folder of an earlier scan",
        )
    try:
        prev = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"cannot read baseline: {first}", path=path) from None
    missing = [c for c in (*_KEY, "events", "users") if c not in prev.columns]
    if missing:
        raise ConfigError(
            f"baseline findings lack column(s) {', '.join(missing)}",
            path=path,
            hint="use the findings.parquet written by shadowscan scan",
        )
    return prev


def compare(current: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
    """``current`` with ``is_new``, ``events_prev``, ``users_prev``, ``events_change_pct``.

    Order and all other columns of ``current`` are kept. With ``previous`` None every
    finding is new and the change columns are null. When the baseline is given, ``why``
    gains "new in this department" or the change ("events +50% vs baseline").
    """
    if previous is None:
        return current.with_columns(
            pl.lit(True).alias("is_new"),
            pl.lit(None, dtype=pl.UInt32).alias("events_prev"),
            pl.lit(None, dtype=pl.UInt32).alias("users_prev"),
            pl.lit(None, dtype=pl.Float64).alias("events_change_pct"),
        )
    prev = (
        previous.group_by(_KEY)
        .agg(pl.col("events").sum().alias("_ev"), pl.col("users").max().alias("_us"))
        .with_columns(pl.lit(True).alias("_seen"))
    )
    joined = current.drop("events_prev", "users_prev", "events_change_pct", strict=False).join(
        prev, on=_KEY, how="left", maintain_order="left"
    )
    is_new = pl.col("_seen").is_null()
    change = ((pl.col("events") - pl.col("_ev")) / pl.col("_ev") * 100).round(1)
    note = (
        pl.when(is_new)
        .then(pl.lit("new in this department"))
        .when(pl.col("_ev") > 0)
        .then(
            pl.format(
                "events {}{}% vs baseline",
                pl.when(change >= 0).then(pl.lit("+")).otherwise(pl.lit("")),
                change,
            )
        )
        .otherwise(None)
    )
    out = joined.with_columns(
        is_new.alias("is_new"),
        pl.col("_ev").fill_null(0).cast(pl.UInt32).alias("events_prev"),
        pl.col("_us").fill_null(0).cast(pl.UInt32).alias("users_prev"),
        pl.when(is_new | (pl.col("_ev") == 0))
        .then(None)
        .otherwise(change)
        .alias("events_change_pct"),
        pl.when(note.is_null())
        .then(pl.col("why"))
        .otherwise(pl.format("{}; {}", pl.col("why"), note))
        .alias("why"),
    )
    columns = [c for c in current.columns if c in out.columns]
    for c in ("events_prev", "users_prev", "events_change_pct"):
        if c not in columns:
            columns.append(c)
    return out.select(columns)


def new_services(current: pl.DataFrame, previous: pl.DataFrame | None) -> list[str]:
    """Service ids in ``current`` that no department used in ``previous`` (all when None)."""
    now = set(current["service_id"].drop_nulls().to_list())
    if previous is None:
        return sorted(now)
    return sorted(now - set(previous["service_id"].drop_nulls().to_list()))


def conform_findings(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings with exactly the FINDING_SCHEMA columns (after :func:`compare`)."""
    return conform(findings, FINDING_SCHEMA)
