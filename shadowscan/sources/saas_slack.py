"""Slack Audit Logs API entries (Enterprise Grid): ``/audit/v1/logs`` JSON.

``actor.user.email`` (else its name or id) is the user; ``context.ip_address`` and
``context.ua`` the source; ``date_create`` is epoch seconds. The app is the entity the action
is about when it is an app (``entity.app.name``: ``app_installed``, ``app_approved``,
``app_restricted``...), or the app acting when the actor is one (``actor.app.name``), so
installing or approving an AI app (ChatGPT, Claude) in a workspace matches the catalog.
``app_restricted``, ``app_install_request_denied``-style actions and ``user_login_failed``
are ``blocked``.
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


class SlackAuditParser(JsonRecordParser):
    """Slack Enterprise Grid audit log entries."""

    name = "slack_audit"
    description = "Slack Audit Logs API JSON; app entities/actors as app"
    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "user_agent", "action", "app")
    columns: ClassVar[tuple[str, ...]] = ("ts_", "user", "ip", "user_agent", "app", "sl_action")

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain when the head names ``date_create``, ``action``, ``actor`` and ``entity``."""
        keys = head_keys(head)
        if {"date_create", "action", "actor", "entity"} <= keys:
            return 1.0
        if {"date_create", "action", "actor"} <= keys:
            return 0.9
        return 0.0

    def extract(self, record: dict[str, Any]) -> tuple[str | None, ...] | str:
        """``action`` and ``actor`` are required."""
        action = first_text(record.get("action"))
        if action is None or not isinstance(record.get("actor"), dict):
            return "no action or actor: not a Slack audit log entry"
        entity = record.get("entity")
        app = None
        if dig(entity, "type") in ("app", "workflow"):
            kind = dig(entity, "type")
            app = first_text(dig(entity, kind, "name"), dig(entity, kind, "id"))
        if app is None and dig(record, "actor", "type") == "app":
            app = first_text(dig(record, "actor", "app", "name"), dig(record, "actor", "app", "id"))
        user = dig(record, "actor", "user")
        return (
            first_text(record.get("date_create")),
            first_text(dig(user, "email"), dig(user, "name"), dig(user, "id")),
            first_text(dig(record, "context", "ip_address")),
            first_text(dig(record, "context", "ua")),
            app,
            action,
        )

    missing_time = "no date_create"
    bad_time = "bad timestamp in date_create"

    def action(self) -> pl.Expr:
        """``date_create`` is epoch seconds; refusals are blocked."""
        refused = pl.col("sl_action").str.contains(r"restricted|denied|rejected|_failed$")
        return pl.when(refused).then(pl.lit("blocked"))


PARSERS = (SlackAuditParser,)
