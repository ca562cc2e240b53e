"""The column names and types of every stage, in one place.

Events are what parsers produce (one schema for every source); matches are events that
resolved to a catalog service, enriched with department and status; findings are one row
per (department, service).
"""

from __future__ import annotations

from typing import Final

import polars as pl

UTC_TS: Final = pl.Datetime("us", "UTC")

#: Normalised event, produced by every parser in ``shadowscan.sources``.
EVENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "ts": UTC_TS,
    "source": pl.String(),  # proxy | dns | saas | firewall
    "log_format": pl.String(),
    "source_file": pl.String(),
    "source_line": pl.Int64(),  # 1-based, in the decompressed file
    "user": pl.String(),
    "src_ip": pl.String(),
    "host": pl.String(),  # lower case, no port, no trailing dot, no userinfo
    "url_path": pl.String(),  # path only; the query string is never kept
    "method": pl.String(),
    "http_status": pl.Int32(),
    "action": pl.String(),  # allowed | blocked | null
    "bytes_out": pl.Int64(),
    "bytes_in": pl.Int64(),
    "user_agent": pl.String(),
    "app": pl.String(),  # SaaS app name / OAuth client id (SaaS audit logs)
}
EVENT_COLUMNS: Final = list(EVENT_SCHEMA)

#: Columns the matcher adds to an event.
MATCH_EXTRA_SCHEMA: Final[dict[str, pl.DataType]] = {
    "service_id": pl.String(),
    "service_name": pl.String(),
    "vendor": pl.String(),
    "category": pl.String(),
    "match_kind": pl.String(),  # domain | url | user_agent | saas_app
    "confidence": pl.Float64(),
}

#: Columns identity and policy add.
ENRICH_SCHEMA: Final[dict[str, pl.DataType]] = {
    "department": pl.String(),
    "department_source": pl.String(),  # directory | lease | subnet | none
    "person": pl.String(),  # the directory's canonical user, when resolved
    "site": pl.String(),
    "status": pl.String(),
    "policy_rule": pl.String(),  # file:line of the deciding rule; null = default
    "lease_user": pl.String(),  # user of the DHCP/VPN lease valid at ts (as logged there)
}

MATCH_SCHEMA: Final[dict[str, pl.DataType]] = {
    **EVENT_SCHEMA,
    **MATCH_EXTRA_SCHEMA,
    **ENRICH_SCHEMA,
}

FINDING_SCHEMA: Final[dict[str, pl.DataType]] = {
    "department": pl.String(),
    "service_id": pl.String(),
    "service_name": pl.String(),
    "vendor": pl.String(),
    "category": pl.String(),
    "status": pl.String(),
    "risk_score": pl.Int32(),
    "severity": pl.String(),
    "users": pl.UInt32(),
    "events": pl.UInt32(),
    "active_days": pl.UInt32(),
    "bytes_out": pl.Int64(),
    "bytes_in": pl.Int64(),
    "blocked_events": pl.UInt32(),
    "first_seen": UTC_TS,
    "last_seen": UTC_TS,
    "sources": pl.String(),
    "confidence": pl.Float64(),
    "is_new": pl.Boolean(),
    "why": pl.String(),
    "policy_rule": pl.String(),
    "outlier_users": pl.UInt32(),  # users of this finding flagged in outliers.csv
    "events_prev": pl.UInt32(),  # in the baseline (null without one; 0 when new)
    "users_prev": pl.UInt32(),
    "events_change_pct": pl.Float64(),  # vs events_prev; null when new or no baseline
}

REJECT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "source_file": pl.String(),
    "source_line": pl.Int64(),
    "reason": pl.String(),
    "raw": pl.String(),
}

#: Raw lines longer than this are cut in ``rejects.csv``.
REJECT_RAW_MAX: Final = 500

CANDIDATE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "host": pl.String(),
    "registered_domain": pl.String(),
    "score": pl.Int32(),
    "signals": pl.String(),
    "events": pl.UInt32(),
    "users": pl.UInt32(),
    "src_ips": pl.UInt32(),
    "first_seen": UTC_TS,
    "last_seen": UTC_TS,
    "example_path": pl.String(),
    "example_user_agent": pl.String(),
    "sources": pl.String(),
    "departments": pl.String(),  # comma-separated, attributed like matches
    "post_share": pl.Float64(),  # share of events that are POSTs (null: no method logged)
}

UNATTRIBUTED: Final = "Unattributed"

STATUSES: Final = ("sanctioned", "tolerated", "unsanctioned", "prohibited")
SEVERITIES: Final = ("low", "medium", "high", "critical")
SOURCES: Final = ("proxy", "dns", "saas", "firewall")


def conform(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Return ``df`` with exactly ``schema``'s columns, in order: missing ones null, types cast.

    >>> conform(pl.DataFrame({"b": [1]}), {"a": pl.String(), "b": pl.Int64()}).columns
    ['a', 'b']
    """
    if df.width == 0:  # literals alone would make one row
        return pl.DataFrame(schema=schema)
    exprs = [
        (pl.col(name).cast(dtype) if name in df.columns else pl.lit(None, dtype=dtype)).alias(name)
        for name, dtype in schema.items()
    ]
    return df.select(exprs)
