"""The analyst's questions over stored matches: filtered findings, user and service drill-downs.

Filters are polars expressions over values, never SQL built from strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import polars as pl

from shadowscan.catalog import Catalog
from shadowscan.errors import ShadowscanError
from shadowscan.findings import aggregate, user_key
from shadowscan.identity import identity_keys
from shadowscan.schema import SEVERITIES


def filter_findings(
    matches: pl.DataFrame,
    catalog: Catalog,
    *,
    departments: Sequence[str] = (),
    services: Sequence[str] = (),
    categories: Sequence[str] = (),
    statuses: Sequence[str] = (),
    since: date | None = None,
    min_severity: str | None = None,
) -> pl.DataFrame:
    """Findings aggregated from ``matches`` (from ``since`` on), then filtered."""
    if since is not None:
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        matches = matches.filter(pl.col("ts") >= start)
    f = aggregate(matches, catalog)
    for col, wanted in (
        ("department", departments),
        ("service_id", services),
        ("category", categories),
        ("status", statuses),
    ):
        if wanted:
            f = f.filter(pl.col(col).is_in(list(wanted)))
    if min_severity is not None:
        allowed = list(SEVERITIES[SEVERITIES.index(min_severity) :])
        f = f.filter(pl.col("severity").is_in(allowed))
    return f


#: The findings columns a terminal table shows (csv/json carry every column).
TABLE_COLUMNS = (
    "department", "service_id", "status", "severity", "risk_score", "users", "events",
    "blocked_events", "bytes_out", "last_seen", "why",
)  # fmt: skip


def _bytes_out() -> pl.Expr:
    """Sum of bytes out, null (not 0) when no event logged it."""
    col = pl.col("bytes_out")
    return pl.when(col.is_not_null().any()).then(col.sum()).alias("bytes_out")


def _evidence(rows: pl.DataFrame, n: int) -> pl.DataFrame:
    return rows.sort("ts", descending=True).head(n).select(
        "ts", "user", "department", "service_id", "host", "url_path", "action",
        "source_file", "source_line",
    )  # fmt: skip


def _timeline(rows: pl.DataFrame, by: str) -> pl.DataFrame:
    return (
        rows.group_by(pl.col("ts").dt.date().alias("day"), by)
        .agg(pl.len().alias("events"), _bytes_out())
        .sort("day", by)
    )


def user_detail(matches: pl.DataFrame, name: str, *, evidence: int = 20) -> dict[str, pl.DataFrame]:
    """Everything the store knows about one person's AI use."""
    k1, k2, k3 = (
        pl.DataFrame({"n": [name]})
        .select(*[k.alias(f"k{i}") for i, k in enumerate(identity_keys(pl.col("n")))])
        .row(0)
    )
    who = user_key(pl.col("user"), pl.col("person")).str.to_lowercase()
    rows = matches.filter(
        who.is_in([k1, k2, k3]) | pl.col("person").str.to_lowercase().is_in([k1, k2, k3])
    )
    if rows.is_empty():
        raise ShadowscanError(
            f"no matched events for user '{name}' in the store",
            hint="try the directory name, the email or DOMAIN\\name",
        )
    services = (
        rows.group_by("service_id", "service_name", "category", "status")
        .agg(
            pl.len().alias("events"),
            _bytes_out(),
            pl.col("ts").min().alias("first_seen"),
            pl.col("ts").max().alias("last_seen"),
        )
        .sort("events", "service_id", descending=[True, False])
    )
    summary = rows.select(
        pl.lit(name).alias("query"),
        pl.col("person").drop_nulls().unique().sort().str.join(",").alias("person"),
        pl.col("user").drop_nulls().unique().sort().str.join(",").alias("logged_as"),
        pl.col("department").unique().sort().str.join(",").alias("departments"),
        pl.col("service_id").n_unique().alias("services"),
        pl.len().alias("events"),
        _bytes_out(),
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
    )
    return {
        "user": summary,
        "services": services,
        "timeline": _timeline(rows, "service_id"),
        "evidence": _evidence(rows, evidence),
    }


def service_detail(
    matches: pl.DataFrame, service_id: str, *, evidence: int = 20
) -> dict[str, pl.DataFrame]:
    """Who uses one service, where, how much, since when, with evidence lines."""
    rows = matches.filter(pl.col("service_id") == service_id)
    if rows.is_empty():
        raise ShadowscanError(
            f"no matched events for service '{service_id}' in the store",
            hint="see: shadowscan query --store DIR 'select distinct service_id from matches'",
        )
    departments = (
        rows.group_by("department", "status")
        .agg(
            user_key(pl.col("user"), pl.col("person")).drop_nulls().n_unique().alias("users"),
            pl.len().alias("events"),
            _bytes_out(),
            pl.col("ts").min().alias("first_seen"),
            pl.col("ts").max().alias("last_seen"),
        )
        .sort("events", "department", descending=[True, False])
    )
    users = (
        rows.with_columns(user_key(pl.col("user"), pl.col("person")).alias("who"))
        .filter(pl.col("who").is_not_null())
        .group_by("who", "department")
        .agg(
            pl.len().alias("events"),
            _bytes_out(),
            pl.col("ts").max().alias("last_seen"),
        )
        .sort("events", "who", descending=[True, False])
        .rename({"who": "user"})
    )
    return {
        "departments": departments,
        "users": users,
        "timeline": _timeline(rows, "department"),
        "evidence": _evidence(rows, evidence),
    }
