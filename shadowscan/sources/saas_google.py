"""Google Workspace token (OAuth) audit: Admin SDK Reports API, ``applicationName=token``.

Each activity says which third-party app a user authorised or which app used a token
(``authorize``, ``activity``, ``revoke``...). The app is the ``app_name`` parameter (e.g.
``ChatGPT``), or the OAuth ``client_id`` when the event has no name. Activities of the other
Reports applications (login, drive...) have the same layout and are read too; they carry an
app only when their parameters name one. An activity can hold several events: the first
event naming an app is used, else the first event.
"""

from __future__ import annotations

from typing import Any, ClassVar

from shadowscan.sources.jsondoc import (
    JsonRecordParser,
    dig,
    first_text,
    head_keys,
)


def _params(event: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for param in dig(event, "parameters") or ():
        if isinstance(param, dict) and isinstance(param.get("name"), str):
            value = first_text(param.get("value"))
            if value is not None:
                out[param["name"]] = value
    return out


class GoogleTokenParser(JsonRecordParser):
    """Google Workspace Reports API activities (token audit: OAuth grants and use)."""

    name = "gws_token"
    description = "Google Workspace token/OAuth audit JSON (Reports API); app_name/client_id as app"
    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "app")
    columns: ClassVar[tuple[str, ...]] = ("ts_", "user", "ip", "app")

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain on ``admin#reports#activity`` records; likely on the id keys alone."""
        text = "\n".join(head)
        keys = head_keys(head)
        if "admin#reports#activity" in text and "applicationName" in keys:
            return 1.0
        if {"applicationName", "uniqueQualifier", "customerId"} <= keys:
            return 0.9
        return 0.0

    def extract(self, record: dict[str, Any]) -> tuple[str | None, ...] | str:
        """``id.time`` is required; ``events`` may be a list or (Elastic samples) one object."""
        if not isinstance(record.get("id"), dict):
            return "no id object: not a Google Workspace Reports activity"
        events = record.get("events")
        events = events if isinstance(events, list) else [events]
        params = [_params(e) for e in events]
        named = next((p for p in params if "app_name" in p or "client_id" in p), None)
        chosen = named if named is not None else (params[0] if params else {})
        return (
            first_text(dig(record, "id", "time")),
            first_text(dig(record, "actor", "email"), dig(record, "actor", "profileId")),
            first_text(record.get("ipAddress")),
            chosen.get("app_name") or chosen.get("client_id"),
        )

    # ``id.time`` is UTC; the token audit logs no allow/deny decision (no action).
    missing_time = "no id.time"
    bad_time = "bad timestamp in id.time"


PARSERS = (GoogleTokenParser,)
