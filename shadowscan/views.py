"""Read-only DuckDB views over a store, and the sandbox that runs analysts' SQL.

Views: ``events``, ``matches``, ``rejects``, ``findings`` (aggregated from the stored
matches), ``users`` (one row per person or logged name). Only the files the manifest
lists are read. The connection then disables external access and locks its
configuration, and only SELECT-like statements run: writes, ``COPY``, ``ATTACH``,
``INSTALL``/``LOAD`` and file-reading functions are refused with a clear message.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds

from shadowscan.catalog import Catalog
from shadowscan.errors import ShadowscanError
from shadowscan.findings import aggregate, user_key
from shadowscan.schema import MATCH_SCHEMA
from shadowscan.store import Store

ALLOWED = {"SELECT", "EXPLAIN"}


class QueryRefused(ShadowscanError):
    """The SQL tried something the read-only sandbox does not allow."""


def users_table(matches: pl.DataFrame) -> pl.DataFrame:
    """One row per person (or logged name): department, services, events, first/last seen."""
    if matches.is_empty():
        return pl.DataFrame(
            schema={
                "user": pl.String,
                "department": pl.String,
                "services": pl.UInt32,
                "events": pl.UInt32,
                "first_seen": MATCH_SCHEMA["ts"],
                "last_seen": MATCH_SCHEMA["ts"],
            }
        )
    keyed = matches.with_columns(user_key(pl.col("user"), pl.col("person")).alias("_who"))
    return (
        keyed.filter(pl.col("_who").is_not_null())
        .group_by("_who")
        .agg(
            pl.col("department").mode().sort().first().alias("department"),
            pl.col("service_id").n_unique().alias("services"),
            pl.len().alias("events"),
            pl.col("ts").min().alias("first_seen"),
            pl.col("ts").max().alias("last_seen"),
        )
        .rename({"_who": "user"})
        .sort("user")
    )


def _relation(store: Store, kind: str) -> ds.Dataset | pa.Table:
    files = [str(p) for p in store.files(kind)]
    if files:
        return ds.dataset(files, format="parquet")
    return store.read(kind).to_arrow()


def connect(store: Store, catalog: Catalog) -> duckdb.DuckDBPyConnection:
    """An in-memory, locked-down DuckDB connection with the store's views registered."""
    con = duckdb.connect(":memory:")
    for kind in ("events", "matches", "rejects", "signals"):
        con.register(kind, _relation(store, kind))
    matches = store.read("matches")
    con.register("findings", aggregate(matches, catalog).to_arrow())
    con.register("users", users_table(matches).to_arrow())
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    """Run one read-only query; anything but SELECT/EXPLAIN is refused before it runs."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"SQL does not parse: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryRefused(f"one statement at a time, got {len(statements)}")
    kind = statements[0].type.name
    if kind not in ALLOWED:
        raise QueryRefused(
            f"{kind} statements are refused: the store is read-only",
            hint="views: events, matches, rejects, signals, findings, users",
        )
    try:
        relation = con.sql(sql)
        if relation is None:
            return pl.DataFrame()
        result: pl.DataFrame = relation.pl()
        return result
    except duckdb.PermissionException as exc:
        raise QueryRefused(
            f"refused: {str(exc).splitlines()[0]}", hint="only the store's views can be read"
        ) from None
    except duckdb.Error as exc:
        raise ShadowscanError(f"query failed: {str(exc).splitlines()[0]}") from None


DATABASE = "store.duckdb"


def write_database(store: Store) -> Path:
    """(Re)write ``STORE/store.duckdb``: views over the manifest's Parquet files.

    For analysts' own DuckDB sessions (``duckdb -readonly STORE/store.duckdb``): views
    ``events``, ``matches``, ``rejects``, ``signals`` read exactly the published files;
    ``findings`` is the latest findings snapshot of a nightly run (when there is one);
    ``users`` is derived from ``matches``. Written to a temporary file and renamed, so a
    reader never sees half a database.
    """
    target = store.root / DATABASE
    tmp = store.root / f".{DATABASE}.tmp"
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for kind in ("events", "matches", "rejects", "signals"):
            files = [str(p.resolve()) for p in store.files(kind)]
            if files:
                listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
                con.execute(
                    f"CREATE VIEW {kind} AS SELECT * FROM read_parquet([{listed}], "
                    "union_by_name = true)"
                )
            else:
                empty = store.read(kind)
                con.register("_empty", empty.to_arrow())
                con.execute(f"CREATE TABLE {kind} AS SELECT * FROM _empty")
                con.unregister("_empty")
        snapshots = sorted((store.root / "findings_history").glob("*.parquet"))
        if snapshots:
            path = str(snapshots[-1].resolve()).replace("'", "''")
            con.execute(f"CREATE VIEW findings AS SELECT * FROM read_parquet('{path}')")
        # the same person key as findings.user_key: the directory's person, else the
        # logged name in lower case without its DOMAIN\\ prefix
        con.execute(
            "CREATE VIEW users AS SELECT coalesce(person, "
            "regexp_replace(lower(user), '^[^\\\\]*\\\\', '')) AS user, "
            "mode(department) AS department, count(DISTINCT service_id) AS services, "
            "count(*) AS events, min(ts) AS first_seen, max(ts) AS last_seen FROM matches "
            "WHERE coalesce(person, user) IS NOT NULL GROUP BY 1 ORDER BY 1"
        )
    finally:
        con.close()
    os.replace(tmp, target)
    return target
