"""Match events to catalog services: on distinct values, joined back, no Python per row.

Hosts match domains on label boundaries: every suffix of a host (``a.b.c``, ``b.c``, ``c``)
is joined to the domain table and the longest wins, so ``openai.com`` matches
``api.openai.com`` but never ``notopenai.com`` or ``openai.com.evil.example``. URL rules
(host suffix + path prefix) are more specific and win over domains; then SaaS app names;
user-agent patterns come last.
"""

from __future__ import annotations

import polars as pl

from shadowscan.frames import Coded, among, byte_slice, distinct_hosts
from shadowscan.match.compile import KIND_CONFIDENCE, SOURCE_FACTOR, CompiledCatalog
from shadowscan.schema import MATCH_EXTRA_SCHEMA


def host_suffixes(hosts: pl.DataFrame) -> pl.DataFrame:
    """Every label suffix of each distinct ``host``, with its depth (0 = the host itself):
    the host, and what follows each of its dots (the n-th dot gives depth n).

    One query: the byte offsets of every dot, one row per dot, a slice after each. (Built
    level by level instead, a chunk paid three small queries per label of its deepest
    host: 1.7 ms even for a few hundred hosts.)

    >>> host_suffixes(pl.DataFrame({"host": ["a.b.c"]}))["suffix"].to_list()
    ['a.b.c', 'b.c', 'c']
    """
    host, dot = pl.col("host"), pl.col("_dot")
    whole = hosts.lazy().select(
        "host", pl.lit(0, dtype=pl.Int64).alias("depth"), host.alias("suffix")
    )
    after_dots = (
        hosts.lazy()
        .select("host", host.str.find_many(["."], overlapping=True).alias("_dot"))
        .with_columns(pl.int_ranges(1, dot.list.len() + 1, dtype=pl.Int64).alias("depth"))
        .explode(["_dot", "depth"])
        .filter(dot.is_not_null())
        .select("host", "depth", byte_slice(host, dot + 1).alias("suffix"))
    )
    return pl.concat([whole, after_dots]).collect(engine="in-memory")


def _known(suffixes: pl.DataFrame, keys: pl.Series) -> pl.DataFrame:
    """The suffixes that are among ``keys`` (a rule table's hosts): a block's ~60k
    suffixes tested against a hash set of the rules' few thousand keys take ~0.7 ms,
    where the hash join they then go into took 3-4 ms on all of them."""
    return suffixes.filter(pl.col("suffix").is_in(keys.implode()))


def _match_domains(suffixes: pl.DataFrame, cc: CompiledCatalog) -> pl.DataFrame:
    known = _known(suffixes, cc.domains["domain"])
    joined = known.join(cc.domains, left_on="suffix", right_on="domain", how="inner")
    return (
        joined.sort(["host", "depth"])
        .group_by("host", maintain_order=True)
        .first()
        .select("host", pl.col("service_id").alias("_dom"))
    )


def _match_urls(
    events: pl.DataFrame, suffixes: pl.DataFrame, cc: CompiledCatalog, codes: Coded | None
) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"host": pl.String, "url_path": pl.String, "_url": pl.String})
    if cc.urls.is_empty() or events["url_path"].null_count() == events.height:
        return empty  # no rules, or no paths to test them on (DNS, firewall)
    known = _known(suffixes, cc.urls["url_host"])
    rules = known.join(cc.urls, left_on="suffix", right_on="url_host", how="inner")
    if rules.is_empty():
        return empty
    # One query from here (each eager step was a query of its own, ~0.1 ms apiece).
    rows = events.select("host", "url_path").filter(
        among(events["host"], rules["host"].unique(), codes)
    )
    pairs = rows.lazy().drop_nulls().unique()
    hits = pairs.join(rules.lazy(), on="host").filter(
        pl.col("url_path").str.contains(pl.col("path_regex"))
    )
    return (
        hits.sort(["host", "url_path", "path_len", "depth"], descending=[False, False, True, False])
        .group_by(["host", "url_path"], maintain_order=True)
        .first()
        .select("host", "url_path", pl.col("service_id").alias("_url"))
        .collect(engine="in-memory")
    )


def _match_user_agents(events: pl.DataFrame, cc: CompiledCatalog) -> pl.DataFrame:
    agents = events.select(pl.col("user_agent").drop_nulls().unique())
    if cc.user_agents and agents.height:
        # One pass of all patterns as one alternation keeps only the agents that match
        # some pattern (few): the first-pattern-wins chain then runs on those alone.
        agents = agents.filter(pl.col("user_agent").str.contains(cc.any_user_agent))
    if not cc.user_agents or agents.is_empty():
        return pl.DataFrame(schema={"user_agent": pl.String, "_ua": pl.String})
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for pattern, service_id in reversed(cc.user_agents):
        expr = (
            pl.when(pl.col("user_agent").str.contains(pattern))
            .then(pl.lit(service_id))
            .otherwise(expr)
        )
    return agents.with_columns(expr.alias("_ua")).drop_nulls("_ua")


def annotate(
    events: pl.DataFrame, cc: CompiledCatalog, *, hosts: pl.Series | None = None
) -> pl.DataFrame:
    """``events`` with the match columns added (null where nothing matched).

    Rows keep their order and count. ``hosts``: the distinct hosts, when already known
    (any superset of the events' hosts; see ``ParseResult.hosts``).
    """
    dom, url, ua, saas = _rules(events, cc, hosts)
    if url.is_empty() and ua.is_empty() and saas.is_empty():
        return _annotate_domains(events, dom, cc)
    return _annotate_all(events, cc, dom, url, ua, saas)


def matched_rows(
    events: pl.DataFrame,
    cc: CompiledCatalog,
    *,
    hosts: pl.Series | None = None,
    host_codes: Coded | None = None,
) -> tuple[pl.DataFrame, pl.Series]:
    """The rows of ``events`` that match a service, annotated, and which rows those are:
    what ``annotate(events)`` gives for them, without building the match columns of the
    rows that match nothing (most of them). ``hosts`` as for :func:`annotate`;
    ``host_codes``: the events' hosts factorized (``ParseResult.host_codes``), when known.
    """
    dom, url, ua, saas = _rules(events, cc, hosts, host_codes)
    if url.is_empty() and ua.is_empty() and saas.is_empty():
        # Only domains matched: the rows are those of the matched hosts.
        hit = among(events["host"], dom["host"], host_codes)
        return _annotate_domains(events.filter(hit), dom, cc), hit
    annotated = _annotate_all(events, cc, dom, url, ua, saas)
    hit = annotated["service_id"].is_not_null()
    return annotated.filter(hit), hit


def _rules(
    events: pl.DataFrame,
    cc: CompiledCatalog,
    hosts: pl.Series | None,
    codes: Coded | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The matches of the distinct values: hosts (domain rules), hosts and paths (URL
    rules), user agents, SaaS app names (the last empty when no event names an app)."""
    suffixes = host_suffixes(distinct_hosts(events, hosts))
    dom = _match_domains(suffixes, cc)
    url = _match_urls(events, suffixes, cc, codes)
    ua = _match_user_agents(events, cc)
    saas = cc.saas_apps.rename({"service_id": "_saas"})
    if events["app"].null_count() == events.height:  # no app names: nothing to join
        saas = saas.clear()
    return dom, url, ua, saas


def _annotate_all(
    events: pl.DataFrame,
    cc: CompiledCatalog,
    dom: pl.DataFrame,
    url: pl.DataFrame,
    ua: pl.DataFrame,
    saas: pl.DataFrame,
) -> pl.DataFrame:
    """``annotate`` when URL rules, user agents or SaaS apps matched too."""
    out = events.with_columns(pl.col("app").str.to_lowercase().alias("_app_key"))
    # A left join on a table with no rows only adds a null column: skip the row-level
    # join then (most chunks match no URL rule, user agent or SaaS app).
    for table, left_on, right_on, name in (
        (dom, ["host"], ["host"], "_dom"),
        (url, ["host", "url_path"], ["host", "url_path"], "_url"),
        (saas, ["_app_key"], ["app_key"], "_saas"),
        (ua, ["user_agent"], ["user_agent"], "_ua"),
    ):
        if table.is_empty():
            out = out.with_columns(pl.lit(None, dtype=pl.String).alias(name))
        else:
            out = out.join(
                table,
                left_on=left_on,
                right_on=right_on,
                how="left",
                nulls_equal=False,
                maintain_order="left",
            )
    kind = (
        pl.when(pl.col("_url").is_not_null())
        .then(pl.lit("url"))
        .when(pl.col("_dom").is_not_null())
        .then(pl.lit("domain"))
        .when(pl.col("_saas").is_not_null())
        .then(pl.lit("saas_app"))
        .when(pl.col("_ua").is_not_null())
        .then(pl.lit("user_agent"))
    )
    base = kind.replace_strict(KIND_CONFIDENCE, default=None, return_dtype=pl.Float64)
    factor = pl.col("source").replace_strict(SOURCE_FACTOR, default=1.0, return_dtype=pl.Float64)
    out = out.with_columns(
        pl.coalesce("_url", "_dom", "_saas", "_ua").alias("service_id"),
        kind.alias("match_kind"),
        (base * factor).round(3).alias("confidence"),
    ).join(cc.services, on="service_id", how="left", maintain_order="left")
    keep = [c for c in events.columns] + list(MATCH_EXTRA_SCHEMA)
    return out.select(keep)


def _annotate_domains(events: pl.DataFrame, dom: pl.DataFrame, cc: CompiledCatalog) -> pl.DataFrame:
    """``annotate`` when only domain rules matched (most chunks): one join on ``host``.

    The match columns are resolved once per distinct host, then joined to the rows by
    host alone and set beside the events (no copy of the event columns).
    """
    table = dom.lazy().join(cc.services.lazy(), left_on="_dom", right_on="service_id", how="left")
    table = table.select(
        "host",
        pl.col("_dom").alias("service_id"),
        "service_name",
        "vendor",
        "category",
        pl.lit("domain").alias("match_kind"),
        pl.lit(KIND_CONFIDENCE["domain"]).alias("_base"),
    )
    factor = pl.col("source").replace_strict(SOURCE_FACTOR, default=1.0, return_dtype=pl.Float64)
    confidence = (pl.col("_base") * factor).round(3).alias("confidence")
    columns = [c if c != "confidence" else confidence for c in MATCH_EXTRA_SCHEMA]
    source = events["source"]
    if events.height and source.null_count() == 0 and (source == source[0]).all():
        # One source (every parser's chunk): the confidence once per host, not per row.
        table = table.with_columns(pl.lit(source[0]).alias("source")).select("host", *columns)
        extra = (
            events.lazy().select("host").join(table, on="host", how="left", maintain_order="left")
        )
    else:
        extra = (
            events.lazy()
            .select("host", "source")
            .join(table, on="host", how="left", maintain_order="left")
            .select(columns)
        )
    # One query (each eager step was a query of its own).
    return events.hstack(extra.select(list(MATCH_EXTRA_SCHEMA)).collect(engine="in-memory"))
