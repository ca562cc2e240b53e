"""Aggregate matched events into findings: one row per (department, service).

Risk is a documented, transparent sum (docs/findings.md, "Risk score"); every weight is a
field of :class:`RiskWeights`, set in the policy file's ``risk:`` section:

    status        prohibited 45 | unsanctioned 30 | tolerated 10 | sanctioned 0
    data use      trains on inputs by default +15 (unknown: half, +7)
    enterprise    no enterprise tier +10 (unknown: half, +5)
    reach         users: +4 for 2+, +8 for 5+, +12 for 20+
    upload        bytes out: +5 from 1 MB, +10 from 100 MB
    volume        events: +5 from 100
    sensitivity   + the department's points (``sensitivity: {Legal: 10}``; none by default)
    country       + the service's HQ country points (``country: {CN: 10}``; none by default)
    blocked       every event blocked: halved (the control works)
    sanctioned    capped at 20

clamped to 0..100; severity: critical >= 75, high >= 50, medium >= 25, else low.
``why`` names the factors in one sentence.

Repeated DNS queries from one client for one service, each within ``dns_repeat_window_s`` of
the previous one, count as one event (the rows stay in matches.parquet).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import polars as pl

from shadowscan.catalog.model import Catalog
from shadowscan.frames import byte_slice, listed
from shadowscan.schema import FINDING_SCHEMA, SEVERITIES, UNATTRIBUTED, conform

MB = 1_000_000

#: Matched rows, in memory or a lazy scan (``matches.parquet``): the report functions take
#: either and read them with streaming queries.
Frame = pl.DataFrame | pl.LazyFrame


@dataclass(frozen=True)
class RiskWeights:
    """The weights of the risk formula (module docstring); the policy's ``risk:`` keys."""

    prohibited: int = 45
    unsanctioned: int = 30
    tolerated: int = 10
    sanctioned: int = 0
    trains_on_input: int = 15
    no_enterprise_tier: int = 10
    users_2: int = 4
    users_5: int = 8
    users_20: int = 12
    upload_1mb: int = 5
    upload_100mb: int = 10
    events_100: int = 5
    sanctioned_cap: int = 20
    sensitivity: dict[str, int] = field(default_factory=dict)
    country: dict[str, int] = field(default_factory=dict)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The names the policy's ``risk:`` section accepts."""
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class Behaviour:
    """How events are counted and uploads judged; the policy's ``behaviour:`` keys."""

    #: DNS queries from one client for one service closer than this count once (0: off).
    dns_repeat_window_s: int = 60
    #: A user is an upload outlier above max(factor x the department median, min bytes).
    outlier_factor: float = 3.0
    outlier_min_mb: float = 10.0

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The names the policy's ``behaviour:`` section accepts."""
        return tuple(f.name for f in fields(cls))


OUTLIER_SCHEMA: dict[str, pl.DataType] = {
    "department": pl.String(),
    "user": pl.String(),
    "bytes_out": pl.Int64(),
    "department_median": pl.Float64(),
    "department_users": pl.UInt32(),
    "ratio": pl.Float64(),
    "threshold": pl.Float64(),
    "services": pl.String(),
    "events": pl.UInt32(),
}


def user_key(user: pl.Expr, person: pl.Expr) -> pl.Expr:
    """Who to count: the directory's person, else the logged name without ``DOMAIN\\``
    (up to its first backslash), in lower case.

    The cut is a literal find and a byte slice, not a regex replacement (299k matched
    rows: 16.5 against 22 ms); the name is cut before it is lowered, where the find was
    made (lowering may change a character's byte length).
    """
    domain_end = user.str.find("\\", literal=True).fill_null(-1)
    return pl.coalesce(person, byte_slice(user, domain_end + 1).str.to_lowercase())


#: DNS rows the repeat window holds at once; more are worked through in parts, by client
#: (a part of 1M rows takes some 150-250 MB while it is sorted).
REPEAT_PART_ROWS = 1_000_000
_CELL = ["department", "service_id"]


def dns_repeats(
    matches: pl.LazyFrame, window_s: int, *, part_rows: int = REPEAT_PART_ROWS
) -> pl.DataFrame:
    """Per (department, service_id): the DNS queries that do not count (``_repeats``) and
    the blocked ones among them (``_blocked_repeats``). A DNS query repeats when the same
    client's previous DNS query for the same service (same department) is at most
    ``window_s`` seconds earlier; rows may come in any order (ties in time keep it).

    Memory follows ``part_rows``, not the input: the DNS rows are read (a streaming scan)
    and worked through in parts of clients, each part holding at most about that many
    rows. Every query of a client is in one part, so the parts add up to the whole.
    """
    out = pl.DataFrame(
        schema={
            **dict.fromkeys(_CELL, pl.String),
            "_repeats": pl.UInt32,
            "_blocked_repeats": pl.UInt32,
        }
    )
    if window_s <= 0:
        return out
    client = pl.coalesce(pl.col("src_ip"), pl.col("user"), pl.lit(""))
    dns = matches.filter(pl.col("source") == "dns").select(
        *_CELL,
        client.alias("_client"),
        "ts",
        (pl.col("action") == "blocked").fill_null(False).alias("_blocked"),
    )
    total = dns.select(pl.len()).collect(engine="streaming").item()
    parts = -(-total // part_rows)
    found = [out]
    for part in range(parts):
        rows = dns if parts == 1 else dns.filter(pl.col("_client").hash(seed=0) % parts == part)
        # The keys as categoricals (4 bytes a row instead of the strings), in time order.
        keyed = (
            rows.with_row_index("_i")
            .with_columns(
                *[
                    pl.col(c).fill_null("").cast(pl.Categorical).alias(k)
                    for c, k in zip(_CELL, _WINDOW_KEYS[:2], strict=True)
                ],
                pl.col("_client").cast(pl.Categorical).alias(_WINDOW_KEYS[2]),
            )
            .drop("_client")
            .sort("ts", maintain_order=True)
            .collect(engine="streaming")
        )
        gap_us = (pl.col("ts") - pl.col("_prev")).dt.total_microseconds()
        repeat = (gap_us <= window_s * 1_000_000).fill_null(False)  # a first query counts
        found.append(
            _previous_query(keyed, keep=[*_CELL, "_blocked"])
            .filter(repeat)
            .group_by(_CELL)
            .agg(pl.len().alias("_repeats"), pl.col("_blocked").sum().alias("_blocked_repeats"))
        )
    return pl.concat(found).group_by(_CELL).agg(pl.col("_repeats", "_blocked_repeats").sum())


#: What makes queries repeats of each other: department, service and client.
_WINDOW_KEYS = ("_kd", "_ks", "_kc")


def _previous_query(
    dns: pl.DataFrame, *, pack: bool = True, keep: list[str] | None = None
) -> pl.DataFrame:
    """``_i``, ``ts``, ``keep`` and ``_prev``: the time of the same key's previous query;
    ``dns`` in time order (ties in row order).

    The three categorical keys are packed into one integer when their codes fit in 64 bits:
    a stable sort by that key puts each key's queries together, still in time order, so
    the previous row is the previous query (a window ``shift().over(keys)`` costs per
    group: 221 ms against 15 ms for 300k DNS rows of 10M BIND9 lines). Otherwise (or
    with ``pack=False``) that window.
    """
    keep = keep or []
    codes = [pl.col(c).to_physical().cast(pl.UInt64).fill_null(0) for c in _WINDOW_KEYS]
    maxima = dns.select([code.max().alias(c) for code, c in zip(codes, _WINDOW_KEYS, strict=True)])
    bits = [max(int(v or 0).bit_length(), 1) for v in maxima.row(0)]
    if not pack or sum(bits) > 64:
        previous = pl.col("ts").shift(1).over(_WINDOW_KEYS)
        return dns.select("_i", "ts", *keep, previous.alias("_prev"))
    key = codes[0] * (1 << (bits[1] + bits[2])) + codes[1] * (1 << bits[2]) + codes[2]
    ordered = dns.select("_i", "ts", *keep, key.alias("_k")).sort("_k", maintain_order=True)
    same = pl.col("_k") == pl.col("_k").shift(1)
    return ordered.select(
        "_i", "ts", *keep, pl.when(same).then(pl.col("ts").shift(1)).alias("_prev")
    )


def upload_outliers(matches: Frame, b: Behaviour | None = None) -> pl.DataFrame:
    """Users whose bytes out to AI services are far above their department's median.

    Per department, over the users with logged ``bytes_out`` (Unattributed excluded): a user
    is an outlier when their total > max(``outlier_factor`` x the median user total,
    ``outlier_min_mb`` MB). Sorted by department, then bytes (largest first).
    """
    b = b or Behaviour()
    rows = (
        matches.lazy()
        .filter(pl.col("bytes_out").is_not_null() & (pl.col("department") != UNATTRIBUTED))
        .with_columns(user_key(pl.col("user"), pl.col("person")).alias("_who"))
        .filter(pl.col("_who").is_not_null())
    )
    keys = ["department", "_who"]
    per_user = (
        rows.group_by(keys)
        .agg(pl.col("bytes_out").sum(), pl.len().alias("events"))
        .collect(engine="streaming")
    )
    if per_user.is_empty():
        return pl.DataFrame(schema=OUTLIER_SCHEMA)
    services = listed(rows, keys, "service_id", "services")
    per_user = per_user.join(services, on=keys, how="left")
    per_user = per_user.with_columns(
        pl.col("bytes_out").median().over("department").alias("department_median"),
        pl.len().over("department").alias("department_users"),
    ).with_columns(
        pl.max_horizontal(
            pl.col("department_median") * b.outlier_factor, pl.lit(b.outlier_min_mb * MB)
        ).alias("threshold"),
        (pl.col("bytes_out") / pl.col("department_median")).round(1).alias("ratio"),
    )
    out = per_user.filter(pl.col("bytes_out") > pl.col("threshold")).rename({"_who": "user"})
    return conform(out, OUTLIER_SCHEMA).sort(
        ["department", "bytes_out", "user"], descending=[False, True, False]
    )


def _attributes(catalog: Catalog) -> pl.DataFrame:
    def tri(v: bool | None) -> str:
        return "unknown" if v is None else str(v).lower()

    return pl.DataFrame(
        {
            "service_id": [s.id for s in catalog.services],
            "_trains": [tri(s.trains_on_input_default) for s in catalog.services],
            "_enterprise": [tri(s.enterprise_tier) for s in catalog.services],
            "_country": [s.hq_country for s in catalog.services],
        },
        schema={
            "service_id": pl.String,
            "_trains": pl.String,
            "_enterprise": pl.String,
            "_country": pl.String,
        },
    )


def _mb(col: str) -> pl.Expr:
    return (pl.col(col) / MB).round(1)


def aggregate(
    matches: Frame,
    catalog: Catalog,
    w: RiskWeights | None = None,
    *,
    behaviour: Behaviour | None = None,
    outliers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Findings from enriched matches (which carry ``department``, ``status``, ``person``).

    ``outliers`` (from :func:`upload_outliers`) names, in ``why``, the outlier users of
    each finding; computed from ``matches`` when not given. ``matches`` may be lazy (a
    scan of ``matches.parquet``): it is read with streaming queries, never held whole.
    """
    w = w or RiskWeights()
    b = behaviour or Behaviour()
    if outliers is None:
        outliers = upload_outliers(matches, b)

    def nullable_sum(col: str) -> pl.Expr:
        return pl.when(pl.col(col).is_not_null().any()).then(pl.col(col).sum()).alias(col)

    who = user_key(pl.col("user"), pl.col("person")).alias("_who")
    rows = matches.lazy().with_columns(who)
    per_cell = rows.group_by(_CELL).agg(
        pl.col("service_name").first(),
        pl.col("vendor").first(),
        pl.col("category").first(),
        pl.col("status").first(),
        pl.col("policy_rule").first(),
        pl.col("_who").drop_nulls().n_unique().alias("users"),
        pl.len().alias("events"),
        pl.col("ts").dt.date().n_unique().alias("active_days"),
        nullable_sum("bytes_out"),
        nullable_sum("bytes_in"),
        (pl.col("action") == "blocked").sum().alias("blocked_events"),
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
        pl.col("confidence").max(),
    )
    grouped = per_cell.collect(engine="streaming")
    if grouped.is_empty():
        return pl.DataFrame(schema=FINDING_SCHEMA)
    # Repeated DNS queries do not count (as events, nor as blocked ones).
    repeats = dns_repeats(matches.lazy(), b.dns_repeat_window_s)
    grouped = grouped.join(repeats, on=_CELL, how="left", nulls_equal=True).with_columns(
        pl.col("events") - pl.col("_repeats").fill_null(0),
        pl.col("blocked_events") - pl.col("_blocked_repeats").fill_null(0),
    )
    grouped = grouped.join(listed(matches.lazy(), _CELL, "source", "sources"), on=_CELL, how="left")
    grouped = grouped.join(_outlier_names(rows, outliers), on=_CELL, how="left")
    f = grouped.join(_attributes(catalog), on="service_id", how="left")
    f = f.with_columns(
        pl.col("department")
        .str.to_lowercase()
        .replace_strict(
            {k.lower(): v for k, v in w.sensitivity.items()}, default=0, return_dtype=pl.Int32
        )
        .alias("_sensitivity"),
        pl.col("_country")
        .replace_strict(w.country, default=0, return_dtype=pl.Int32)
        .alias("_country_pts"),
    )
    score = _score(w)
    f = f.with_columns(score.alias("risk_score"))
    all_blocked = pl.col("blocked_events") == pl.col("events")
    f = f.with_columns(
        pl.when(pl.col("risk_score") >= 75)
        .then(pl.lit("critical"))
        .when(pl.col("risk_score") >= 50)
        .then(pl.lit("high"))
        .when(pl.col("risk_score") >= 25)
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
        .alias("severity"),
        pl.lit(True).alias("is_new"),  # until trends.compare says otherwise
        pl.col("_outliers").list.len().fill_null(0).alias("outlier_users"),
        _why(all_blocked).alias("why"),
    )
    return conform(f, FINDING_SCHEMA).sort(
        ["risk_score", "events", "department", "service_id"], descending=[True, True, False, False]
    )


def _score(w: RiskWeights) -> pl.Expr:
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
        pl.when(users >= 20)
        .then(w.users_20)
        .when(users >= 5)
        .then(w.users_5)
        .when(users >= 2)
        .then(w.users_2)
        .otherwise(0)
    )
    bout = pl.col("bytes_out").fill_null(0)
    upload = (
        pl.when(bout >= 100 * MB)
        .then(w.upload_100mb)
        .when(bout >= MB)
        .then(w.upload_1mb)
        .otherwise(0)
    )
    volume = pl.when(pl.col("events") >= 100).then(w.events_100).otherwise(0)
    raw = (
        status_pts
        + trains_pts
        + ent_pts
        + reach
        + upload
        + volume
        + pl.col("_sensitivity")
        + pl.col("_country_pts")
    )
    all_blocked = pl.col("blocked_events") == pl.col("events")
    raw = pl.when(all_blocked).then(raw // 2).otherwise(raw)
    raw = (
        pl.when(pl.col("status") == "sanctioned").then(raw.clip(0, w.sanctioned_cap)).otherwise(raw)
    )
    return raw.clip(0, 100).cast(pl.Int32)


def _outlier_names(rows: pl.LazyFrame, outliers: pl.DataFrame) -> pl.DataFrame:
    """(department, service_id) -> ``_outliers``: "name 45.0 MB" of outliers who used it."""
    schema: dict[str, pl.DataType] = {
        "department": pl.String(),
        "service_id": pl.String(),
        "_outliers": pl.List(pl.String()),
    }
    if outliers.is_empty():
        return pl.DataFrame(schema=schema)
    used = (
        rows.select("department", "service_id", pl.col("_who").alias("user"))
        .unique()
        .collect(engine="streaming")
    )
    hit = used.join(outliers.select("department", "user", "bytes_out"), on=["department", "user"])
    return (
        hit.sort("bytes_out", "user", descending=[True, False])
        .group_by("department", "service_id", maintain_order=True)
        .agg(pl.format("{} {} MB", pl.col("user"), _mb("bytes_out")).alias("_outliers"))
    )


def _why(all_blocked: pl.Expr) -> pl.Expr:
    users = pl.col("users")
    plural = pl.when(users == 1).then(pl.lit("")).otherwise(pl.lit("s"))
    sensitive = (
        pl.when(pl.col("_sensitivity") > 0).then(pl.lit(" (sensitive)")).otherwise(pl.lit(""))
    )
    who = (
        pl.when(users == 0)
        .then(
            pl.format(
                "{} event(s) in {}{}, no user logged",
                pl.col("events"),
                pl.col("department"),
                sensitive,
            )
        )
        .otherwise(pl.format("{} user{} in {}{}", users, plural, pl.col("department"), sensitive))
    )
    parts = [
        pl.format("{} service", pl.col("status")),
        who,
        pl.when(pl.col("bytes_out") >= 100_000)
        .then(pl.format("{} MB uploaded", _mb("bytes_out")))
        .otherwise(None),
        pl.when(pl.col("_outliers").list.len() > 0)
        .then(pl.format("upload outlier(s): {}", pl.col("_outliers").list.join(", ")))
        .otherwise(None),
        pl.when(pl.col("_trains") == "true")
        .then(pl.lit("trains on inputs by default"))
        .otherwise(None),
        pl.when(pl.col("_enterprise") == "false")
        .then(pl.lit("no enterprise tier"))
        .otherwise(None),
        pl.when(pl.col("_country_pts") > 0)
        .then(pl.format("based in {}", pl.col("_country")))
        .otherwise(None),
        pl.when(all_blocked)
        .then(pl.format("all {} attempts blocked (control working)", pl.col("events")))
        .when(pl.col("blocked_events") > 0)
        .then(pl.format("{} of {} events blocked", pl.col("blocked_events"), pl.col("events")))
        .otherwise(None),
        pl.when(pl.col("sources") == "dns").then(pl.lit("DNS evidence only")).otherwise(None),
    ]
    return pl.concat_list(parts).list.drop_nulls().list.join("; ")


def summary_facts(
    attribution: dict[str, int],
    findings: pl.DataFrame,
    outliers: pl.DataFrame,
    *,
    leases: tuple[str, ...] = (),
    lease_records: int = 0,
    baseline: str | None = None,
    new_services: list[str] | None = None,
) -> dict[str, object]:
    """The summary.json facts of this module: attribution shares (from the matched rows per
    attribution route, ``attribution``), leases, trends, outliers."""
    n = sum(attribution.values())
    shares = {
        route: round(attribution.get(route, 0) / n, 4) if n else 0.0
        for route in ("directory", "lease", "subnet", "none")
    }
    return {
        "attribution_share": shares,
        "leases": {"files": list(leases), "records": lease_records},
        "trends": {
            "baseline": baseline,
            "new_findings": int(findings["is_new"].sum()) if findings.height else 0,
            "new_services": new_services or [],
        },
        "outliers": outliers.height,
    }


def reaches(findings: pl.DataFrame, severity: str | None) -> bool:
    """True when a finding is at or above ``severity`` (``--fail-on``); never for None.

    >>> reaches(pl.DataFrame({"severity": ["low", "high"]}), "high")
    True
    >>> reaches(pl.DataFrame({"severity": ["medium"]}), "critical")
    False
    """
    if severity is None:
        return False
    allowed = list(SEVERITIES[SEVERITIES.index(severity) :])
    return bool(findings["severity"].is_in(allowed).any())
