"""Candidates: hosts outside the catalog that look like AI services, for human review.

Signals, on unmatched events only, and their points (``WEIGHTS``):

* ``api_path`` (50): an OpenAI-compatible or Anthropic-style API path
  (``/v1/chat/completions``, ``/v1/messages``, ``/api/generate``...);
* ``sdk_user_agent`` (40): an AI SDK user agent (``OpenAI/Python``, ``anthropic-python``,
  LangChain, LiteLLM...);
* ``model_words`` (20): a host label starting with a model-ish word (``llm``, ``gpt``,
  ``inference``, ``model``, ``ai-gateway``...);
* ``ai_tld`` (15): a ``.ai`` host, and ``post_heavy`` (+15) when at least half of its
  requests are POSTs (prompts go up in POST bodies).

A host's score is the sum, capped at 100; candidates are ranked by score, then events.
Candidates are never counted as findings. A reviewer adds a host to the catalog or to an
ignore list (``--candidate-ignore FILE``, one host per line, or ``candidates: ignore:`` in
the policy file); an ignored host and its subdomains are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import polars as pl

from shadowscan.errors import ConfigError
from shadowscan.frames import Coded, among, distinct_hosts, listed
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
MODEL_WORDS: Final = (
    r"(?:^|[.-])(?:llm|gpt|inference|genai|models?[.-]|ai-?gateway|chatbot|vllm|embeddings?"
    r"|completions?[.-]|copilot)"
)
WEIGHTS: Final = {
    "api_path": 50,
    "sdk_user_agent": 40,
    "model_words": 20,
    "ai_tld": 15,
    "post_heavy": 15,
}
#: A ``.ai`` host is POST-heavy when at least this share of its requests are POSTs.
POST_HEAVY: Final = 0.5
_ROW_SIGNALS: Final = ("api_path", "sdk_user_agent", "model_words", "ai_tld")
#: The event columns a signal row keeps (callers may pass only these).
SIGNAL_COLUMNS: Final = (
    "host",
    "ts",
    "user",
    "src_ip",
    "url_path",
    "method",
    "user_agent",
    "source",
)
_HOST: Final = re.compile(r"^(?:\*\.)?[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$")


def signal_rows(
    unmatched: pl.DataFrame,
    *,
    hosts: pl.Series | None = None,
    exclude: pl.Series | None = None,
    host_codes: Coded | None = None,
) -> pl.DataFrame:
    """The unmatched events that carry at least one AI signal, with the signals flagged.

    ``hosts``: distinct hosts, when already known (any superset of the rows' hosts).
    ``exclude``: rows to leave out (the matched ones, when ``unmatched`` holds every
    event: cheaper than a copy of the others first). ``host_codes``: the rows' hosts
    factorized (``ParseResult.host_codes``), when known.
    """
    # Host signals are tested once per distinct host (hosts repeat far more than rows),
    # and so are user agents (a few hundred distinct ones per million lines).
    flags = distinct_hosts(unmatched, hosts).with_columns(
        pl.col("host").str.contains(MODEL_WORDS).alias("model_words"),
        pl.col("host").str.ends_with(".ai").alias("ai_tld"),
    )
    worded = flags.filter("model_words")["host"].implode()
    flagged_hosts = flags.filter(pl.col("model_words") | pl.col("ai_tld"))["host"]
    agents = unmatched.select(pl.col("user_agent").drop_nulls().unique())
    sdk = agents.filter(pl.col("user_agent").str.contains(SDK_AGENT))["user_agent"].implode()
    api_path = pl.col("url_path").str.contains(API_PATH).fill_null(False)
    sdk_agent = pl.col("user_agent").is_in(sdk).fill_null(False)
    # The few rows with any signal first; the signal columns on those alone.
    flagged = pl.lit(among(unmatched["host"], flagged_hosts, host_codes))
    signal = flagged | api_path | sdk_agent
    rows = unmatched.select(*SIGNAL_COLUMNS).filter(
        signal if exclude is None else signal & ~pl.lit(exclude)
    )
    return rows.with_columns(
        api_path.alias("api_path"),
        sdk_agent.alias("sdk_user_agent"),
        pl.col("host").is_in(worded).fill_null(False).alias("model_words"),
        pl.col("host").str.ends_with(".ai").fill_null(False).alias("ai_tld"),
    )


def load_ignore(path: Path) -> tuple[str, ...]:
    """Read an ignore list: one host per line; ``#`` comments and blank lines skipped."""
    if not path.is_file():
        raise ConfigError("candidate ignore file not found", path=path)
    hosts = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        host = line.split("#", 1)[0].strip().lower().rstrip(".")
        if not host:
            continue
        if not _HOST.match(host):
            raise ConfigError(
                f"'{host}' is not a host name", path=path, line=n, hint="one host per line"
            )
        hosts.append(host.removeprefix("*."))
    return tuple(hosts)


def drop_ignored(rows: pl.DataFrame, ignore: tuple[str, ...]) -> pl.DataFrame:
    """Rows whose host is not an ignored host or one of its subdomains."""
    if not ignore or rows.is_empty():
        return rows
    host = pl.col("host").fill_null("")
    hit = pl.any_horizontal([(host == h) | host.str.ends_with("." + h) for h in ignore])
    return rows.filter(~hit)


def aggregate_candidates(rows: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per host with its signals, a score, counts and an example, best first.

    ``rows`` come from :func:`signal_rows`, optionally attributed (``department``, ``person``);
    in memory or a lazy scan, read with streaming queries (memory follows the hosts).
    """
    lf = rows.lazy()
    columns = lf.collect_schema().names()
    if "department" not in columns:
        lf = lf.with_columns(pl.lit(None, dtype=pl.String).alias("department"))
    who = pl.col("user").str.to_lowercase().str.replace(r"^[^\\]*\\", "")
    if "person" in columns:
        who = pl.coalesce(pl.col("person"), who)
    method = pl.col("method").str.to_uppercase()
    per_host = (
        lf.group_by("host")
        .agg(
            *[pl.col(s).any() for s in _ROW_SIGNALS],
            pl.len().alias("events"),
            who.drop_nulls().n_unique().alias("users"),
            pl.col("src_ip").drop_nulls().n_unique().alias("src_ips"),
            pl.col("ts").min().alias("first_seen"),
            pl.col("ts").max().alias("last_seen"),
            pl.col("url_path").filter(pl.col("api_path")).first().alias("example_path"),
            pl.col("user_agent").drop_nulls().first().alias("example_user_agent"),
            (method == "POST").sum().alias("_posts"),
            method.is_not_null().sum().alias("_methods"),
        )
        .collect(engine="streaming")
    )
    if per_host.is_empty():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    for column, name in (("source", "sources"), ("department", "departments")):
        per_host = per_host.join(
            listed(lf, ["host"], column, name), on="host", how="left"
        ).with_columns(pl.col(name).fill_null(""))
    per_host = per_host.with_columns(
        pl.when(pl.col("_methods") > 0)
        .then(pl.col("_posts") / pl.col("_methods"))
        .alias("post_share")
    )
    per_host = per_host.with_columns(
        (pl.col("ai_tld") & (pl.col("post_share").fill_null(0) >= POST_HEAVY)).alias("post_heavy")
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
        pl.col("post_share").round(3),
    )
    return conform(out, CANDIDATE_SCHEMA).sort(
        ["score", "events", "host"], descending=[True, True, False]
    )
