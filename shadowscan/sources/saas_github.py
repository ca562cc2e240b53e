"""GitHub audit log: organisation/enterprise REST API exports and audit-log streaming.

The REST API returns an array (``created_at`` in epoch milliseconds); streaming to
S3/Splunk/Azure writes one event per object (``@timestamp`` in milliseconds); exports may be
NDJSON or pretty JSON. ``actor`` is the user, ``actor_ip`` and ``user_agent`` the source.

AI usage: every ``copilot.*`` action (seat assignment, policy, content exclusion, usage...)
gets ``app = "GitHub Copilot"``. Other events carry the OAuth app or GitHub App they name
(``oauth_application_name``, ``oauth_application``, ``integration``, ``application_name``),
so approving an AI OAuth app for an organisation matches its catalog entry by name.
Actions that record a refusal (``...denied``, ``...rejected...``) are ``blocked``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import polars as pl

from shadowscan.sources.jsondoc import (
    JsonRecordParser,
    first_text,
    head_keys,
)

#: The app every ``copilot.*`` action is attributed to.
COPILOT_APP = "GitHub Copilot"
_ACTION_VALUE = re.compile(r'"action"\s*:\s*"[a-z0-9_]+\.[a-z0-9_.]+"')
_APP_KEYS = ("oauth_application_name", "oauth_application", "integration", "application_name")


class GitHubAuditParser(JsonRecordParser):
    """GitHub organisation / enterprise audit log events."""

    name = "github_audit"
    description = (
        "GitHub audit log JSON (REST export or streaming); copilot.* and OAuth apps as app"
    )
    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "user_agent", "action", "app")
    columns: ClassVar[tuple[str, ...]] = ("ts_", "user", "ip", "user_agent", "app", "gh_action")

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain on ``actor`` + a dotted ``action`` + a ms timestamp + an org/business key."""
        keys = head_keys(head)
        if not {"actor", "action"} <= keys or not keys & {"created_at", "@timestamp"}:
            return 0.0
        if not _ACTION_VALUE.search("\n".join(head)):
            return 0.0
        if keys & {"org", "business", "repo", "_document_id", "actor_location", "org_id"}:
            return 1.0
        return 0.6

    def extract(self, record: dict[str, Any]) -> tuple[str | None, ...] | str:
        """``action`` is required (``copilot.*`` names the app)."""
        action = first_text(record.get("action"))
        if action is None:
            return "no action: not a GitHub audit log event"
        if action.startswith("copilot."):
            app: str | None = COPILOT_APP
        else:
            app = first_text(*(record.get(k) for k in _APP_KEYS))
        return (
            first_text(record.get("created_at"), record.get("@timestamp")),
            first_text(record.get("actor")),
            first_text(record.get("actor_ip")),
            first_text(record.get("user_agent")),
            app,
            action,
        )

    missing_time = "no created_at or @timestamp"
    bad_time = "bad timestamp in created_at/@timestamp"

    def action(self) -> pl.Expr:
        """Timestamps are epoch ms (or ISO); refusal actions are blocked."""
        refused = pl.col("gh_action").str.contains(r"denied|rejected|blocked")
        return pl.when(refused).then(pl.lit("blocked"))


PARSERS = (GitHubAuditParser,)
