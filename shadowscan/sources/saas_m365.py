"""Microsoft 365 Unified Audit Log: Management Activity API JSON and the Purview CSV export.

The JSON records come from the Office 365 Management Activity API (``/activity/feed``
content blobs: a JSON array), from Graph/SIEM exports (NDJSON), or from Elastic test files
(``{"events": [{"event": {"original": "<record>"}}]}``). The CSV export of Purview audit
search has one row per record and the record itself as a JSON string in ``AuditData``
(classic columns ``CreationDate,UserIds,Operations,AuditData``; newer exports add
``RecordId,RecordType,Operation,UserId,...``).

AI usage: Copilot and AI-app interaction records (``CopilotInteraction``,
``AIInteractionCreatedNotification``, ``AIAppInteraction``, ``ConnectedAIAppInteraction``...)
get ``app = "<Operation>:<AppHost>"`` (``CopilotInteraction:Word``,
``CopilotInteraction:BizChat``), or ``"<Operation>:<Workload>"`` when the record names no
AppHost (``AIInteractionCreatedNotification:MicrosoftTeams``): verbatim values from the log,
which a catalog lists in ``saas_apps`` and which never collide with another format's app
names. Other records carry the Entra application id they name (``ApplicationId``/``AppId``,
e.g. the app a ``UserLoggedIn`` signed in to), else no app.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from shadowscan.sources.jsondoc import (
    JsonRecordParser,
    Record,
    RecordBatch,
    compact,
    dig,
    first_text,
    head_keys,
)
from shadowscan.sources.reader import Block

#: Operations that record a user's interaction with an AI app (Copilot and others).
AI_OPERATION = re.compile(r"(?i)copilot|aiinteraction|aiappinteraction")

_FAILED = ("failed", "failure", "false")
_SUCCEEDED = ("succeeded", "success", "true", "partiallysucceeded")


def _user_agent(record: dict[str, Any]) -> str | None:
    agent = first_text(record.get("UserAgent"))
    if agent is not None:
        return agent
    for prop in record.get("ExtendedProperties") or ():
        if isinstance(prop, dict) and prop.get("Name") == "UserAgent":
            return first_text(prop.get("Value"))
    return None


class _UalMapping(JsonRecordParser):
    """The field mapping of one Unified Audit Log record, shared by the JSON and CSV forms."""

    fields: ClassVar[tuple[str, ...]] = ("user", "src_ip", "user_agent", "action", "app")
    columns: ClassVar[tuple[str, ...]] = (
        "ts_",
        "user",
        "ip",
        "user_agent",
        "app",
        "operation",
        "result",
    )

    def extract(self, record: dict[str, Any]) -> tuple[str | None, ...] | str:
        """``CreationTime`` and ``Operation`` are required."""
        operation = first_text(record.get("Operation"))
        if operation is None:
            return "no Operation: not a Unified Audit Log record"
        app: str | None
        if AI_OPERATION.search(operation):
            host = first_text(
                dig(record, "CopilotEventData", "AppHost"),
                record.get("AppHost"),
                record.get("Workload"),
            )
            app = f"{operation}:{host}" if host else operation
        else:
            app = first_text(record.get("ApplicationId"), record.get("AppId"))
        return (
            first_text(record.get("CreationTime")),
            first_text(record.get("UserId")),
            first_text(
                record.get("ClientIP"), record.get("ClientIPAddress"), record.get("ActorIpAddress")
            ),
            _user_agent(record),
            app,
            operation,
            first_text(record.get("ResultStatus")),
        )

    missing_time = "no CreationTime"
    bad_time = "bad timestamp in CreationTime"

    def action(self) -> pl.Expr:
        """ResultStatus Failed (or a ``...Failed`` operation) is blocked; CreationTime is UTC."""
        result = pl.col("result").str.to_lowercase()
        failed = result.is_in(list(_FAILED)) | pl.col("operation").str.ends_with("Failed")
        return (
            pl.when(failed)
            .then(pl.lit("blocked"))
            .when(result.is_in(list(_SUCCEEDED)))
            .then(pl.lit("allowed"))
        )


class M365UalJsonParser(_UalMapping):
    """Unified Audit Log records as JSON (Management Activity API, NDJSON, Elastic wrapper)."""

    name = "m365_ual_json"
    description = "Microsoft 365 Unified Audit Log JSON records (Copilot/AI interactions as app)"

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain when the head names CreationTime, Operation, RecordType and Workload."""
        keys = head_keys(head)
        if {"CreationTime", "Operation", "RecordType"} <= keys:
            return 1.0 if "Workload" in keys else 0.9
        return 0.0


#: The CSV columns that may stand in for AuditData fields the record lacks.
_CSV_FALLBACK = {
    "CreationTime": ("CreationDate",),
    "UserId": ("UserIds", "UserId"),
    "Operation": ("Operations", "Operation"),
}


class M365UalCsvParser(_UalMapping):
    """The Purview audit search CSV export: one row per record, the record in ``AuditData``."""

    name = "m365_ual_csv"
    description = "Microsoft 365 Unified Audit Log CSV export (AuditData JSON column)"

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain when the first line is a header naming CreationDate and AuditData."""
        if not head:
            return 0.0
        header = next(csv.reader([head[0].lstrip("\ufeff")]), [])
        names = {h.strip() for h in header}
        if {"CreationDate", "AuditData"} <= names and names & {"UserIds", "UserId"}:
            return 1.0
        return 0.0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._csv = _CsvState()

    def read(self, lines: pl.DataFrame, batch: RecordBatch) -> Iterator[Record]:
        """Rows of the CSV (a quoted field may span lines); the header and blank lines skip."""
        return _rows(lines, batch, _CsvState(), final=True)

    def read_piece(self, block: Block, batch: RecordBatch) -> Iterator[Record]:
        """The rows of the file's next block: the last row of a block goes on to the next
        (its quoted ``AuditData`` may not be complete yet), read again with it."""
        state = self._csv
        lines = block.frame()
        if state.carried is not None:
            lines, state.carried = pl.concat([state.carried, lines]), None
        return _rows(lines, batch, state, final=block.last)


@dataclass
class _CsvState:
    """What one block of the CSV export leaves to the next: the header, and the lines of
    its last row."""

    header: list[str] | None = None
    carried: pl.DataFrame | None = None


def _rows(
    lines: pl.DataFrame, batch: RecordBatch, state: _CsvState, *, final: bool
) -> Iterator[Record]:
    """The records of the CSV rows of ``lines``; unless ``final``, the last row's lines are
    left in ``state`` (a quoted field may go on in the next block)."""
    line_nos: list[int] = lines["line_no"].to_list()
    raw: list[str] = lines["raw"].to_list()
    reader = csv.reader(f"{line}\n" for line in raw)
    consumed = 0
    held: tuple[list[str], int, int] | None = None
    for row in reader:
        if held is not None:
            yield from _row(*held, raw, line_nos, batch, state)
        first, consumed = consumed, reader.line_num
        held = (row, first, consumed)
    if held is None:
        return
    if final:
        yield from _row(*held, raw, line_nos, batch, state)
    else:
        state.carried = lines[held[1] :]


def _row(
    row: list[str],
    first: int,
    consumed: int,
    raw: list[str],
    line_nos: list[int],
    batch: RecordBatch,
    state: _CsvState,
) -> Iterator[Record]:
    """One CSV row (lines ``first`` to ``consumed``): skipped, the header, or a record."""
    line_no = line_nos[first]
    batch.skipped += consumed - first - 1  # continuation lines of a quoted field
    if not any(cell.strip() for cell in row):
        batch.skipped += 1
        return
    if state.header is None:
        state.header = [h.strip().lstrip("\ufeff") for h in row]
        batch.skipped += 1
        return
    text = "\n".join(raw[first:consumed])
    record = _csv_record(state.header, row)
    if isinstance(record, str):
        batch.rejects.append((line_no, record, compact(text)))
    else:
        yield line_no, record, text


def _csv_record(header: list[str], row: list[str]) -> dict[str, Any] | str:
    """The record of one CSV row: AuditData, completed from the row's own columns."""
    if "AuditData" not in header:
        return "no AuditData column in the header (not a Unified Audit Log CSV export)"
    if len(row) != len(header):
        return f"expected {len(header)} fields, found {len(row)}"
    cells = dict(zip(header, row, strict=True))
    try:
        record = json.loads(cells["AuditData"])
    except json.JSONDecodeError as exc:
        return f"invalid JSON in AuditData: {exc.msg} at column {exc.colno}"
    if not isinstance(record, dict):
        return "AuditData is not a JSON object"
    for key, columns in _CSV_FALLBACK.items():
        if record.get(key) in (None, ""):
            value = next((cells[c] for c in columns if cells.get(c)), None)
            if value is not None:
                record[key] = value
    return record


PARSERS = (M365UalJsonParser, M365UalCsvParser)
