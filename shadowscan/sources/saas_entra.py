"""Entra ID (Azure AD) sign-in logs: Azure Monitor diagnostic records and Graph sign-ins.

Diagnostic settings (Event Hub, storage, Log Analytics export) wrap each sign-in in
``{"time", "category": "SignInLogs", ..., "properties": {...}}``; Microsoft Graph
``/auditLogs/signIns`` returns the same fields at the top level (``{"value": [...]}``). Both
categories of user sign-ins (interactive and non-interactive) and service-principal /
managed-identity sign-ins are read.

The app signed in to is the ``app``: ``appDisplayName`` (``ChatGPT``, ``Microsoft 365
Copilot``...), or ``appId`` (the OAuth client id) when the record has no display name. A
sign-in with ``status.errorCode`` other than 0 did not get a token: ``blocked``.
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


class EntraSigninParser(JsonRecordParser):
    """Entra ID sign-in logs (diagnostic settings export or Graph API)."""

    name = "entra_signin"
    description = "Entra ID (Azure AD) sign-in logs JSON; appDisplayName/appId as app"
    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "user_agent", "action", "app")
    columns: ClassVar[tuple[str, ...]] = ("ts_", "user", "ip", "user_agent", "app", "error")

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain when the head names ``appDisplayName``, ``userPrincipalName`` and an IP."""
        keys = head_keys(head)
        if {"appDisplayName", "userPrincipalName"} <= keys and keys & {
            "ipAddress",
            "callerIpAddress",
        }:
            return 1.0
        if {"appId", "userPrincipalName", "createdDateTime"} <= keys:
            return 0.9
        return 0.0

    def extract(self, record: dict[str, Any]) -> tuple[str | None, ...] | str:
        """The sign-in is ``properties`` (diagnostic export) or the record itself (Graph)."""
        props = record.get("properties")
        signin = props if isinstance(props, dict) else record
        app = first_text(signin.get("appDisplayName"), signin.get("appId"))
        if app is None:
            return "no appDisplayName or appId: not an Entra ID sign-in record"
        error = dig(signin, "status", "errorCode")
        if error is None:
            error = record.get("resultType")
        return (
            first_text(record.get("time"), signin.get("createdDateTime")),
            first_text(signin.get("userPrincipalName"), record.get("identity")),
            first_text(signin.get("ipAddress"), record.get("callerIpAddress")),
            first_text(signin.get("userAgent")),
            app,
            first_text(error),
        )

    missing_time = "no time or createdDateTime"
    bad_time = "bad timestamp in time/createdDateTime"

    def action(self) -> pl.Expr:
        """errorCode 0 -> allowed, any other code -> blocked, none -> unknown."""
        code = pl.col("error").cast(pl.Int64, strict=False)
        return pl.when(code == 0).then(pl.lit("allowed")).when(code != 0).then(pl.lit("blocked"))


PARSERS = (EntraSigninParser,)
