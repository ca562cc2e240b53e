"""Builders shared by tests: event and match frames with the full schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shadowscan.schema import EVENT_SCHEMA, MATCH_SCHEMA, conform


def ts(text: str) -> datetime:
    """A UTC datetime from ``YYYY-MM-DD HH:MM``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def events(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """An events frame; unspecified columns are null, ``source`` defaults to proxy."""
    base = {"source": "proxy", "log_format": "squid_native", "source_file": "t.log"}
    filled = [{**base, "source_line": i + 1, **r} for i, r in enumerate(rows)]
    return conform(pl.DataFrame(filled, infer_schema_length=None), EVENT_SCHEMA)


def matches(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """An enriched matches frame (as findings aggregation receives it)."""
    base = {
        "source": "proxy",
        "service_id": "chatgpt",
        "service_name": "ChatGPT",
        "vendor": "OpenAI",
        "category": "chat-assistant",
        "match_kind": "domain",
        "confidence": 0.9,
        "department": "Legal",
        "department_source": "directory",
        "status": "unsanctioned",
    }
    filled = [{**base, "source_line": i + 1, **r} for i, r in enumerate(rows)]
    return conform(pl.DataFrame(filled, infer_schema_length=None), MATCH_SCHEMA)


def write_log(tmp_path: Path, *lines: str, name: str = "access.log") -> Path:
    """A log file in ``tmp_path`` made of ``lines``, each ending with a newline."""
    path = tmp_path / name
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path
