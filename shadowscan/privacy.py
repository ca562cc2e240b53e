"""Privacy by design: keyed pseudonyms for people, small-cell suppression for board outputs.

Pseudonyms are ``p-`` + the first 16 hex digits of HMAC-SHA256(key, identity), where the
identity is the directory's canonical person when the logged name resolves to one, else the
logged name normalised as findings count users (lower case, without ``DOMAIN\\``). So
``CORP\\alice``, ``alice@corp.example`` and ``Alice`` get one pseudonym, and the same person
gets the same pseudonym in every run made with the same key. Re-identification needs the
key: :func:`reveal` recomputes the HMAC over every identity of a directory.

Small-cell suppression: a finding (one department x service cell) seen from fewer than
``k`` users could single a person out. Such cells are merged into one ``Other`` cell per
service, re-aggregated from the matched events (sums, first/last seen and users recounted);
an ``Other`` cell still under ``k`` users is dropped. ``Unattributed`` cells are kept: they
name no group of people.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from shadowscan.errors import ConfigError
from shadowscan.findings import Frame, user_key
from shadowscan.identity import Directory
from shadowscan.schema import STATUSES, UNATTRIBUTED

KEY_ENV: Final = "SHADOWSCAN_PSEUDONYM_KEY"
#: A shorter key is refused: pseudonyms of a small staff could be brute-forced.
MIN_KEY_BYTES: Final = 32
PREFIX: Final = "p-"
OTHER: Final = "Other"
REDACTED: Final = "[redacted: --pseudonymize]"


def load_key(environ: Mapping[str, str] | None = None) -> bytes:
    """The pseudonym key from ``SHADOWSCAN_PSEUDONYM_KEY``; at least 32 bytes, else an error.

    >>> load_key({"SHADOWSCAN_PSEUDONYM_KEY": "k" * 32})[:3]
    b'kkk'
    """
    env = os.environ if environ is None else environ
    value = env.get(KEY_ENV, "")
    key = value.encode("utf-8")
    if not value.strip():
        raise ConfigError(
            f"pseudonymising needs a key in the environment variable {KEY_ENV}",
            hint=f"set {KEY_ENV} to a secret of at least {MIN_KEY_BYTES} characters, "
            'e.g. export SHADOWSCAN_PSEUDONYM_KEY="$(openssl rand -hex 32)"',
        )
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"{KEY_ENV} is {len(key)} bytes long; at least {MIN_KEY_BYTES} are needed",
            hint='use a longer secret, e.g. "$(openssl rand -hex 32)"',
        )
    return key


def pseudonym(key: bytes, identity: str) -> str:
    """The pseudonym of one identity (already canonical: see the module docstring).

    >>> pseudonym(b"k" * 32, "alice")
    'p-6664a42048c6d6d7'
    """
    digest = hmac.new(key, identity.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:16]


def _mapping(key: bytes, identities: pl.Series) -> pl.DataFrame:
    """Distinct identities -> pseudonyms (a loop over distinct values, never over events)."""
    distinct = identities.drop_nulls().unique().sort()
    return pl.DataFrame(
        {
            "_identity": distinct,
            "_pseudonym": [pseudonym(key, v) for v in distinct.to_list()],
        },
        schema={"_identity": pl.String, "_pseudonym": pl.String},
    )


def pseudonymise_people(df: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """Replace ``user`` (and ``person``) with the pseudonym of who they are.

    ``user`` becomes the pseudonym of the person (or of the normalised name when the
    directory does not know it), so distinct pseudonyms count exactly the users findings
    count; ``person`` becomes the same pseudonym where it was set.
    """
    person = pl.col("person") if "person" in df.columns else pl.lit(None, dtype=pl.String)
    ident = df.select(user_key(pl.col("user"), person).alias("_identity"))["_identity"]
    table = _mapping(key, ident)
    out = (
        df.with_columns(ident)
        .join(table, on="_identity", how="left", maintain_order="left")
        .with_columns(pl.col("_pseudonym").alias("user"))
    )
    if "person" in df.columns:
        out = out.with_columns(
            pl.when(pl.col("person").is_not_null()).then(pl.col("_pseudonym")).alias("person")
        )
    return out.drop("_identity", "_pseudonym")


def redact_rejects(rejects: pl.DataFrame) -> pl.DataFrame:
    """Rejected lines without their raw text: an unparsed line may name anyone."""
    return rejects.with_columns(pl.lit(REDACTED).alias("raw"))


_SEVERITY_OF_STATUS: Final = {s: i for i, s in enumerate(STATUSES)}


@dataclass(frozen=True)
class Suppression:
    """What small-cell suppression did, for summary.json and the report."""

    min_cell_users: int
    merged_cells: int
    merged_into: int
    suppressed_cells: int
    suppressed_events: int
    suppressed_services: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view, with a sentence for people."""
        note = (
            f"{self.merged_cells} department cell(s) with fewer than {self.min_cell_users} "
            f"users merged into {self.merged_into} '{OTHER}' cell(s)"
        )
        if self.suppressed_cells:
            note += (
                f"; {self.suppressed_cells} '{OTHER}' cell(s) still under "
                f"{self.min_cell_users} users suppressed ({self.suppressed_events} events: "
                f"{', '.join(self.suppressed_services)})"
            )
        return {
            "min_cell_users": self.min_cell_users,
            "merged_cells": self.merged_cells,
            "merged_into": self.merged_into,
            "suppressed_cells": self.suppressed_cells,
            "suppressed_events": self.suppressed_events,
            "suppressed_services": list(self.suppressed_services),
            "note": note,
        }


Aggregate = Callable[[Frame], pl.DataFrame]


def suppress_small_cells(
    findings: pl.DataFrame, matches: Frame, findings_of: Aggregate, k: int
) -> tuple[pl.DataFrame, Suppression]:
    """Board findings: cells under ``k`` users merged into ``Other``, re-aggregated honestly.

    ``findings_of`` turns matches into findings exactly as the run did (same weights,
    baseline); it is re-run on the matches with small cells relabelled ``Other``. The
    merged cell takes the strictest status of the cells it holds (prohibited before
    unsanctioned, ...) and that cell's policy rule, so merging never softens a verdict.
    """
    small = findings.filter((pl.col("users") < k) & (pl.col("department") != UNATTRIBUTED)).select(
        "department", "service_id"
    )
    if small.is_empty():
        return findings, Suppression(k, 0, 0, 0, 0)
    flagged = (
        matches.lazy()
        .join(
            small.with_columns(pl.lit(True).alias("_small")).lazy(),
            on=["department", "service_id"],
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("_small").fill_null(False))
    )
    rank = pl.col("status").replace_strict(
        _SEVERITY_OF_STATUS, default=_SEVERITY_OF_STATUS["unsanctioned"], return_dtype=pl.Int8
    )
    strictest = (
        flagged.filter("_small")
        .with_columns(rank.alias("_rank"))
        .sort(["service_id", "_rank", "policy_rule"], descending=[False, True, False])
        .group_by("service_id", maintain_order=True)
        .agg(pl.col("status").first().alias("_st"), pl.col("policy_rule").first().alias("_rule"))
        .collect()  # one row per service
    )
    small_only = pl.col("_small")
    relabelled = (
        flagged.join(strictest.lazy(), on="service_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(small_only).then(pl.lit(OTHER)).otherwise("department").alias("department"),
            pl.when(small_only).then("_st").otherwise("status").alias("status"),
            pl.when(small_only).then("_rule").otherwise("policy_rule").alias("policy_rule"),
        )
        .drop("_small", "_st", "_rule")
    )
    merged = findings_of(relabelled)
    still_small = (pl.col("department") == OTHER) & (pl.col("users") < k)
    dropped = merged.filter(still_small)
    return merged.filter(~still_small), Suppression(
        min_cell_users=k,
        merged_cells=small.height,
        merged_into=merged.filter(pl.col("department") == OTHER).height,
        suppressed_cells=dropped.height,
        suppressed_events=int(dropped["events"].sum()),
        suppressed_services=tuple(dropped["service_id"].unique().sort().to_list()),
    )


def board_findings(
    findings: pl.DataFrame,
    matches: Frame,
    findings_of: Aggregate,
    *,
    pseudonymized: bool,
    min_cell_users: int | None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The findings the board gets, and the ``privacy`` facts of summary.json.

    Suppression (``min_cell_users`` of 2 or more) applies to findings only: matches are the
    analyst's evidence. Pseudonymising happens before, on the matches
    (:func:`pseudonymise_people`), so every output built from them carries pseudonyms.
    """
    facts: dict[str, Any] = {"pseudonymized": pseudonymized, "small_cells": None}
    if pseudonymized:
        facts["pseudonym"] = "p- + HMAC-SHA256(key, directory person or normalised name)[:16]"
        facts["rejects_raw"] = "redacted"
    if min_cell_users is not None and min_cell_users > 1:
        findings, done = suppress_small_cells(findings, matches, findings_of, min_cell_users)
        facts["small_cells"] = done.as_dict()
    return findings, facts


def reveal(
    pseudonyms: list[str],
    directory: Directory | None,
    key: bytes,
    *,
    logged: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Who each pseudonym is, by recomputing the HMAC over every known identity.

    Identities come from ``directory`` (people, aliases, emails) and from ``logged``
    (a store's matches: ``user``, ``person``, ``department``, as logged). Rows come back
    in the order asked: ``pseudonym, user, department, via`` where ``via`` is the identity
    that matched; ``user`` is null when no identity matches.
    """
    parts = []
    people = pl.DataFrame(schema={"user": pl.String, "department": pl.String})
    if directory is not None:
        people = directory.people.select("user", "department")
        parts += [
            people.select(pl.col("user").alias("_identity"), "user"),
            directory.keys.select(pl.col("key").alias("_identity"), "user"),
        ]
    if logged is not None and logged.height:
        seen = (
            logged.with_columns(user_key(pl.col("user"), pl.col("person")).alias("_identity"))
            .filter(pl.col("_identity").is_not_null())
            .group_by("_identity")
            .agg(
                pl.coalesce("person", "_identity").first().alias("user"),
                pl.col("department").mode().sort().first().alias("department"),
            )
        )
        parts.append(seen.select("_identity", "user"))
        people = pl.concat([people, seen.select("user", "department")]).unique(
            "user", keep="first", maintain_order=True
        )
    if not parts:
        raise ValueError("reveal needs a directory or a store's matches")
    candidates = pl.concat(parts).unique("_identity", keep="first", maintain_order=True)
    table = _mapping(key, candidates["_identity"]).join(candidates, on="_identity")
    asked = pl.DataFrame({"pseudonym": pseudonyms}, schema={"pseudonym": pl.String})
    return (
        asked.join(
            table.rename({"_pseudonym": "pseudonym", "_identity": "via"}),
            on="pseudonym",
            how="left",
            maintain_order="left",
        )
        .unique("pseudonym", keep="first", maintain_order=True)
        .join(people, on="user", how="left", maintain_order="left")
        .select("pseudonym", "user", "department", "via")
    )
