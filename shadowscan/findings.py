"""Aggregate matched events into findings: one row per (department, service).

Risk is a documented, transparent sum (see README, "Risk score"):

    status        prohibited 45 | unsanctioned 30 | tolerated 10 | sanctioned 0
    data use      trains on inputs by default +15 (unknown +7)
    enterprise    no enterprise tier +10 (unknown +5)
    reach         users: +4 for 2+, +8 for 5+, +12 for 20+
    upload        bytes out: +5 from 1 MB, +10 from 100 MB
    volume        events: +5 from 100
    blocked       every event blocked: halved (the control works)
    sanctioned    capped at 20

clamped to 0..100; severity: critical >= 75, high >= 50, medium >= 25, else low.
``why`` names the factors in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from shadowscan.catalog.model import Catalog
from shadowscan.schema import FINDING_SCHEMA, conform


@dataclass(frozen=True)
class RiskWeights:
    """The weights of the risk formula (module docstring)."""

    prohibited: int = 45
    unsanctioned: int = 30
    tolerated: int = 10
    sanctioned: int = 0
    trains_on_input: int = 15
    no_enterprise_tier: int = 10
    sanctioned_cap: int = 20


def user_key(user: pl.Expr, person: pl.Expr) -> pl.Expr:
    """Who to count: the directory's person, else the logged name without ``DOMAIN\\``."""
    return pl.coalesce(person, user.str.to_lowercase().str.replace(r"^[^\\]*\\", ""))


def _attributes(catalog: Catalog) -> pl.DataFrame:
    def tri(v: bool | None) -> str:
        return "unknown" if v is None else str(v).lower()

    return pl.DataFrame(
        {
            "service_id": [s.id for s in catalog.services],
            "_trains": [tri(s.trains_on_input_default) for s in catalog.services],
            "_enterprise": [tri(s.enterprise_tier) for s in catalog.services],
        }
    )


def _mb(col: str) -> pl.Expr:
    return (pl.col(col) / 1_000_000).round(1)


def aggregate(
    matches: pl.DataFrame, catalog: Catalog, w: RiskWeights | None = None
) -> pl.DataFrame:
    """Findings from enriched matches (which carry ``department``, ``status``, ``person``)."""
    w = w or RiskWeights()
    if matches.is_empty():
        return pl.DataFrame(schema=FINDING_SCHEMA)

    def nullable_sum(col: str) -> pl.Expr:
        return pl.when(pl.col(col).is_not_null().any()).then(pl.col(col).sum()).alias(col)

    grouped = matches.group_by(["department", "service_id"]).agg(
        pl.col("service_name").first(),
        pl.col("vendor").first(),
        pl.col("category").first(),
        pl.col("status").first(),
        pl.col("policy_rule").first(),
        user_key(pl.col("user"), pl.col("person")).drop_nulls().n_unique().alias("users"),
        pl.len().alias("events"),
        pl.col("ts").dt.date().n_unique().alias("active_days"),
        nullable_sum("bytes_out"),
        nullable_sum("bytes_in"),
        (pl.col("action") == "blocked").sum().alias("blocked_events"),
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
        pl.col("source").unique().sort().str.join(",").alias("sources"),
        pl.col("confidence").max(),
    )
    f = grouped.join(_attributes(catalog), on="service_id", how="left")
    status_pts = pl.col("status").replace_strict(
        {
            "prohibited": w.prohibited,
            "unsanctioned": w.unsanctioned,
            "tolerated": w.tolerated,
            "sanctioned": w.sanctioned,
        },
        default=w.unsanctioned,
        return_dtype=pl.Int32,
    )
    trains_pts = pl.col("_trains").replace_strict(
        {"true": w.trains_on_input, "unknown": w.trains_on_input // 2},
        default=0,
        return_dtype=pl.Int32,
    )
    ent_pts = pl.col("_enterprise").replace_strict(
        {"false": w.no_enterprise_tier, "unknown": w.no_enterprise_tier // 2},
        default=0,
        return_dtype=pl.Int32,
    )
    users = pl.col("users")
    reach = (
        pl.when(users >= 20).then(12).when(users >= 5).then(8).when(users >= 2).then(4).otherwise(0)
    )
    bout = pl.col("bytes_out").fill_null(0)
    upload = pl.when(bout >= 100_000_000).then(10).when(bout >= 1_000_000).then(5).otherwise(0)
    volume = pl.when(pl.col("events") >= 100).then(5).otherwise(0)
    raw = status_pts + trains_pts + ent_pts + reach + upload + volume
    all_blocked = pl.col("blocked_events") == pl.col("events")
    raw = pl.when(all_blocked).then(raw // 2).otherwise(raw)
    raw = (
        pl.when(pl.col("status") == "sanctioned").then(raw.clip(0, w.sanctioned_cap)).otherwise(raw)
    )
    score = raw.clip(0, 100).cast(pl.Int32)
    f = f.with_columns(score.alias("risk_score"))
    f = f.with_columns(
        pl.when(pl.col("risk_score") >= 75)
        .then(pl.lit("critical"))
        .when(pl.col("risk_score") >= 50)
        .then(pl.lit("high"))
        .when(pl.col("risk_score") >= 25)
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
        .alias("severity"),
        pl.lit(True).alias("is_new"),  # no baseline in a one-shot scan: everything is new
        _why(all_blocked).alias("why"),
    )
    return conform(f, FINDING_SCHEMA).sort(
        ["risk_score", "events", "department", "service_id"], descending=[True, True, False, False]
    )


def _why(all_blocked: pl.Expr) -> pl.Expr:
    users = pl.col("users")
    plural = pl.when(users == 1).then(pl.lit("")).otherwise(pl.lit("s"))
    who = (
        pl.when(users == 0)
        .then(
            pl.format("{} event(s) in {}, no user logged", pl.col("events"), pl.col("department"))
        )
        .otherwise(pl.format("{} user{} in {}", users, plural, pl.col("department")))
    )
    parts = [
        pl.format("{} service", pl.col("status")),
        who,
        pl.when(pl.col("bytes_out") >= 100_000)
        .then(pl.format("{} MB uploaded", _mb("bytes_out")))
        .otherwise(None),
        pl.when(pl.col("_trains") == "true")
        .then(pl.lit("trains on inputs by default"))
        .otherwise(None),
        pl.when(pl.col("_enterprise") == "false")
        .then(pl.lit("no enterprise tier"))
        .otherwise(None),
        pl.when(all_blocked)
        .then(pl.format("all {} attempts blocked", pl.col("events")))
        .when(pl.col("blocked_events") > 0)
        .then(pl.format("{} of {} events blocked", pl.col("blocked_events"), pl.col("events")))
        .otherwise(None),
        pl.when(pl.col("sources") == "dns").then(pl.lit("DNS evidence only")).otherwise(None),
    ]
    return pl.concat_list(parts).list.drop_nulls().list.join("; ")
