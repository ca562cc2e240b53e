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

from shadowscan.sources.base import REASON, first_reason
from shadowscan.sources.jsondoc import (
    JsonRecordParser,
    any_ts_to_utc,
    dig,
    first_text,
    head_keys,
    ip_only,
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

    def to_events(self, records: pl.LazyFrame) -> pl.LazyFrame:
        """Refused calls (``AccessDenied``...) are blocked; calls without error are allowed."""
        ts = any_ts_to_utc(pl.col("ts_"))
        error = pl.col("error")
        action = (
            pl.when(error.is_in(list(DENIED_CODES)))
            .then(pl.lit("blocked"))
            .when(error.is_null())
            .then(pl.lit("allowed"))
        )
        return records.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            "user",
            ip_only(pl.col("ip")).alias("src_ip"),
            "user_agent",
            pl.col("app").str.to_lowercase().alias("app"),
            "host",
            action.alias("action"),
            first_reason(
                (pl.col("ts_").is_null(), "no eventTime"),
                (ts.is_null(), "bad timestamp in eventTime"),
            ).alias(REASON),
        )


PARSERS = (CloudTrailParser,)
