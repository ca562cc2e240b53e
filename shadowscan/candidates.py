"""Candidates: hosts outside the catalog that look like AI services, for human review.

Signals, on unmatched events only: an AI API path (``/v1/chat/completions``,
``/v1/messages``, ``/api/generate``...), an AI SDK user agent (``OpenAI/Python``,
``anthropic-python``, LangChain...), and a ``.ai`` host (stronger with an API path).
Candidates are never counted as findings.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from shadowscan.psl import registered_domain
from shadowscan.schema import CANDIDATE_SCHEMA, conform

API_PATH: Final = (
    r"^/(?:v\d+(?:beta|alpha)?|openai(?:/v\d+)?|api(?:/v\d+)?)/"
    r"(?:chat/completions|completions|messages|embeddings|responses|assistants|threads"
    r"|images/generations|audio/(?:speech|transcriptions)|models/[^/]+:(?:generate|stream)\w*"
    r"|generate|chat)(?:[/?;]|$)"
)
SDK_AGENT: Final = (
    r"(?i)(?:^openai/|openai-python|openai-node|^anthropic/|anthropic-(?:python|typescript)"
    r"|langchain|llama[-_]?index|litellm|ollama|^google-genai|cohere-(?:python|ts))"
)
WEIGHTS: Final = {"api_path": 50, "sdk_user_agent": 40, "ai_tld": 15}
_COLUMNS: Final = ("host", "ts", "user", "src_ip", "url_path", "user_agent", "source")


def signal_rows(unmatched: pl.DataFrame) -> pl.DataFrame:
    """The unmatched events that carry at least one AI signal, with the signals flagged."""
    flagged = unmatched.select(*_COLUMNS).with_columns(
        pl.col("url_path").str.contains(API_PATH).fill_null(False).alias("api_path"),
        pl.col("user_agent").str.contains(SDK_AGENT).fill_null(False).alias("sdk_user_agent"),
        pl.col("host").str.ends_with(".ai").fill_null(False).alias("ai_tld"),
    )
    return flagged.filter(pl.any_horizontal("api_path", "sdk_user_agent", "ai_tld"))


def aggregate_candidates(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per host with its signals, a score, counts and an example, best first."""
    if rows.is_empty():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    per_host = rows.group_by("host").agg(
        *[pl.col(s).any() for s in WEIGHTS],
        pl.len().alias("events"),
        pl.col("user").drop_nulls().n_unique().alias("users"),
        pl.col("src_ip").drop_nulls().n_unique().alias("src_ips"),
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
        pl.col("url_path").filter(pl.col("api_path")).first().alias("example_path"),
        pl.col("user_agent").drop_nulls().first().alias("example_user_agent"),
        pl.col("source").unique().sort().str.join(",").alias("sources"),
    )
    score = sum(pl.col(s).cast(pl.Int32) * weight for s, weight in WEIGHTS.items())
    signals = (
        pl.concat_list([pl.when(pl.col(s)).then(pl.lit(s)).otherwise(None) for s in WEIGHTS])
        .list.drop_nulls()
        .list.join(",")
    )
    domains = {h: registered_domain(h) for h in per_host["host"].to_list()}
    out = per_host.with_columns(
        pl.min_horizontal(pl.lit(100), score).alias("score"),
        signals.alias("signals"),
        pl.col("host").replace_strict(domains, return_dtype=pl.String).alias("registered_domain"),
    )
    return conform(out, CANDIDATE_SCHEMA).sort(
        ["score", "events", "host"], descending=[True, True, False]
    )
