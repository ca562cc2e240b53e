"""Okta System Log events: the ``/api/v1/logs`` JSON (an array, NDJSON, or one pretty event).

``actor.alternateId`` (the login, usually an email) is the user; ``client.ipAddress`` and
``client.userAgent.rawUserAgent`` the source; the first target of type ``AppInstance`` is
the ``app`` (its ``displayName``, e.g. ``ChatGPT Enterprise``, else its ``alternateId``), so
an SSO sign-in to an AI app matches the catalog. ``outcome.result`` FAILURE or DENY is
``blocked``; SUCCESS or ALLOW is ``allowed``; CHALLENGE, SKIPPED, UNKNOWN stay unknown.
"""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl

from shadowscan.sources.jsondoc import (
    JsonRecordParser,
    dig,
    first_text,
    head_keys,
)

_OUTCOME = {"SUCCESS": "allowed", "ALLOW": "allowed", "FAILURE": "blocked", "DENY": "blocked"}


def _app_instance(targets: Any) -> str | None:
    for target in targets if isinstance(targets, list) else ():
        if isinstance(target, dict) and target.get("type") == "AppInstance":
            return first_text(target.get("displayName"), target.get("alternateId"))
    return None


class OktaSystemLogParser(JsonRecordParser):
    """Okta System Log API events."""

    name = "okta_system"
    description = "Okta System Log JSON (API export); target AppInstance as app"
    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "user_agent", "action", "app")
    columns: ClassVar[tuple[str, ...]] = ("ts_", "user", "ip", "user_agent", "app", "outcome")

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain on an ``actor`` with ``alternateId`` plus Okta's client or event keys."""
        keys = head_keys(head)
        if not {"actor", "alternateId"} <= keys:
            return 0.0
        if "rawUserAgent" in keys or {"eventType", "published"} <= keys:
            return 1.0
        return 0.0

    def extract(self, record: dict[str, Any]) -> tuple[str | None, ...] | str:
        """``eventType`` and ``published`` are required."""
        if first_text(record.get("eventType")) is None:
            return "no eventType: not an Okta System Log event"
        return (
            first_text(record.get("published")),
            first_text(dig(record, "actor", "alternateId"), dig(record, "actor", "displayName")),
            first_text(dig(record, "client", "ipAddress")),
            first_text(dig(record, "client", "userAgent", "rawUserAgent")),
            _app_instance(record.get("target")),
            first_text(dig(record, "outcome", "result")),
        )

    missing_time = "no published timestamp"
    bad_time = "bad timestamp in published"

    def action(self) -> pl.Expr:
        """``published`` is UTC; the outcome maps to allowed/blocked."""
        return (
            pl.col("outcome")
            .str.to_uppercase()
            .replace_strict(_OUTCOME, default=None, return_dtype=pl.String)
        )


PARSERS = (OktaSystemLogParser,)
