"""Resolve hosts or URLs typed by a person (``signatures match``) with the event matcher."""

from __future__ import annotations

from typing import Any

import polars as pl

from shadowscan.match.compile import CompiledCatalog
from shadowscan.match.matcher import annotate
from shadowscan.schema import EVENT_SCHEMA, conform
from shadowscan.sources.normalize import split_url


def match_inputs(inputs: list[str], cc: CompiledCatalog) -> list[dict[str, Any]]:
    """One result per input, in order: the service it resolves to (None when none).

    Inputs are matched exactly as a proxy event with that host and path would be.
    """
    raw = pl.DataFrame({"input": inputs}, schema={"input": pl.String})
    host, path = split_url(pl.col("input"))
    events = conform(
        raw.with_columns(
            host.alias("host"), path.alias("url_path"), pl.lit("proxy").alias("source")
        ),
        EVENT_SCHEMA,
    )
    out = annotate(events, cc)
    return [
        {
            "input": i,
            "service_id": r["service_id"],
            "match_kind": r["match_kind"],
            "confidence": r["confidence"],
        }
        for i, r in zip(
            inputs,
            out.select("service_id", "match_kind", "confidence").iter_rows(named=True),
            strict=True,
        )
    ]
