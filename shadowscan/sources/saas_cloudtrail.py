"""AWS CloudTrail records: the S3 layout (``{"Records": [...]}``) and NDJSON exports.

One record per API call. The AWS service called (``eventSource``, e.g.
``bedrock.amazonaws.com``) is the ``app``: Bedrock ``InvokeModel``/``Converse`` calls match
the catalog's ``aws-bedrock`` once it lists ``bedrock.amazonaws.com`` in ``saas_apps``. The
host is kept only where the record names one (``tlsDetails.clientProvidedHostHeader``).
``sourceIPAddress`` is an IP for calls from outside AWS, a service name (``ec2.amazonaws.com``)
for calls AWS made itself: only IPs become ``src_ip``.
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

#: ``errorCode`` values that mean the call was refused by IAM / an SCP / a guardrail.
DENIED_CODES = (
    "AccessDenied",
    "AccessDeniedException",
    "Client.UnauthorizedOperation",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
)


class CloudTrailParser(JsonRecordParser):
    """AWS CloudTrail management and data events."""

    name = "cloudtrail"
    description = "AWS CloudTrail JSON ({Records:[...]} files, NDJSON); eventSource as app"
    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "user_agent", "action", "app")
    columns: ClassVar[tuple[str, ...]] = (
        "ts_",
        "user",
        "ip",
        "user_agent",
        "app",
        "host",
        "error",
    )

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain when the head names ``eventSource``, ``eventName`` and ``userIdentity``."""
        keys = head_keys(head)
        if {"eventSource", "eventName", "userIdentity"} <= keys:
            return 1.0
        if {"eventVersion", "userIdentity"} <= keys and (
            "Records" in keys or "eventSource" in keys or "eventTime" in keys
        ):
            return 0.9  # a pretty record whose userIdentity fills the head
        return 0.0

    def extract(self, record: dict[str, Any]) -> tuple[str | None, ...] | str:
        """``eventSource`` is required; the rest may be missing."""
        source = first_text(record.get("eventSource"))
        if source is None:
            return "no eventSource: not a CloudTrail record"
        identity = record.get("userIdentity")
        user = first_text(
            dig(identity, "userName"),
            dig(identity, "arn"),
            dig(identity, "principalId"),
        )
        return (
            first_text(record.get("eventTime"), record.get("@timestamp")),
            user,
            first_text(record.get("sourceIPAddress")),
            first_text(record.get("userAgent")),
            source,
            first_text(dig(record, "tlsDetails", "clientProvidedHostHeader")),
            first_text(record.get("errorCode")),
        )

    missing_time = "no eventTime"
    bad_time = "bad timestamp in eventTime"

    def action(self) -> pl.Expr:
        """Refused calls (``AccessDenied``...) are blocked; calls without error are allowed."""
        error = pl.col("error")
        return (
            pl.when(error.is_in(list(DENIED_CODES)))
            .then(pl.lit("blocked"))
            .when(error.is_null())
            .then(pl.lit("allowed"))
        )

    def app(self) -> pl.Expr:
        """The event source, lower-cased (``bedrock.amazonaws.com``)."""
        return pl.col("app").str.to_lowercase()


PARSERS = (CloudTrailParser,)
