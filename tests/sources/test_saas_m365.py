"""Microsoft 365 Unified Audit Log: the Elastic-wrapped real sample, an API array, a CSV export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
DATA = Path(__file__).resolve().parents[1] / "data" / "logs" / "saas"
CSV = DATA / "m365_audit_export.csv"
API = DATA / "m365_activity_api.json"
REAL = "m365_ual/test-ai-interaction-events.json"
CSV_HEADER = "CreationDate,UserIds,Operations,AuditData"


@pytest.fixture(scope="module")
def real(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real Elastic test file (pretty wrapper of two UAL records), parsed whole."""
    return parse_file("m365_ual_json", realdata / REAL)


@pytest.fixture(scope="module")
def export(parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The Purview CSV export fixture, parsed whole."""
    return parse_file("m365_ual_csv", CSV)


def test_real_sample_detected(realdata: Path) -> None:
    """The Elastic-wrapped sample is detected as m365_ual_json with full confidence."""
    assert detect_format(read_head(realdata / REAL)) == Detection("m365_ual_json", 1.0)


def test_csv_export_detected() -> None:
    """The CSV export is detected by its header."""
    assert detect_format(read_head(CSV)) == Detection("m365_ual_csv", 1.0)


def test_api_array_detected() -> None:
    """A pretty Management Activity API array is detected as m365_ual_json."""
    assert detect_format(read_head(API)) == Detection("m365_ual_json", 1.0)


def test_real_counts(real: tuple[ParseResult, ReadStats]) -> None:
    """44 lines: 2 records (on lines 3 and 25), 42 wrapper lines skipped."""
    result, stats = real
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == (
        44,
        2,
        0,
        42,
    )
    assert result.events["source_line"].to_list() == [3, 25]


def test_real_ai_interaction_is_an_app(real: tuple[ParseResult, ReadStats]) -> None:
    """AIInteractionCreatedNotification in Teams gets app Operation:Workload; FileAccessed none."""
    events = real[0].events
    assert events.select("ts", "user", "app").rows() == [
        (
            datetime(2026, 1, 15, 10, 23, 44, tzinfo=UTC),
            "user@example.com",
            "AIInteractionCreatedNotification:MicrosoftTeams",
        ),
        (datetime(2026, 1, 15, 10, 24, tzinfo=UTC), "user@example.com", None),
    ]


def test_csv_counts(export: tuple[ParseResult, ReadStats]) -> None:
    """6 lines: header skipped, 4 events, 1 row with broken AuditData rejected."""
    result, stats = export
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == (
        6,
        4,
        1,
        1,
    )


def test_csv_copilot_apps(export: tuple[ParseResult, ReadStats]) -> None:
    """CopilotInteraction rows carry Operation:AppHost; the client IP loses its port."""
    events = export[0].events
    assert events.select("user", "src_ip", "app").rows()[:2] == [
        ("alice@corp.example", "203.0.113.10", "CopilotInteraction:Word"),
        ("bob@corp.example", "2001:db8::20", "CopilotInteraction:BizChat"),
    ]


def test_csv_failed_login_is_blocked(export: tuple[ParseResult, ReadStats]) -> None:
    """UserLoginFailed: blocked, agent from ExtendedProperties, app = ApplicationId."""
    row = export[0].events.row(3, named=True)
    assert (row["action"], row["user_agent"], row["app"]) == (
        "blocked",
        "Mozilla/5.0 (Macintosh)",
        "00000003-0000-0ff1-ce00-000000000000",
    )


def test_csv_broken_audit_data_is_rejected(export: tuple[ParseResult, ReadStats]) -> None:
    """A row whose AuditData is cut short is rejected with the JSON error position."""
    assert export[0].rejects.select("source_line", "reason").rows() == [
        (6, "invalid JSON in AuditData: Expecting ',' delimiter at column 100")
    ]


def test_csv_quoted_newline_counts_once(tmp_path: Path, parse_file: ParseFile) -> None:
    """A quoted AuditData spanning two lines is one event; its second line is skipped."""
    path = tmp_path / "ual.csv"
    audit = '{""CreationTime"":""2026-03-02T09:15:02"",\n""Operation"":""FileAccessed""}'
    path.write_text(f'{CSV_HEADER}\n2026-03-02,a@corp.example,FileAccessed,"{audit}"\n')
    result, stats = parse_file("m365_ual_csv", path)
    assert (stats.lines, result.events.height, result.skipped) == (3, 1, 2)
    assert result.events["user"].to_list() == ["a@corp.example"]


def test_csv_short_row_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A row with fewer fields than the header is rejected with both counts."""
    path = tmp_path / "ual.csv"
    path.write_text(f"{CSV_HEADER}\n2026-03-02,a@corp.example\n")
    result, _ = parse_file("m365_ual_csv", path)
    assert result.rejects["reason"].to_list() == ["expected 4 fields, found 2"]


def test_api_record_without_creation_time_is_rejected(parse_file: ParseFile) -> None:
    """In the API array, a record without CreationTime is rejected on its first line."""
    result, stats = parse_file("m365_ual_json", API)
    assert (stats.lines, result.events.height, result.skipped) == (33, 2, 30)
    assert result.rejects.select("source_line", "reason").rows() == [(26, "no CreationTime")]


def test_api_teams_copilot_and_app_id(parse_file: ParseFile) -> None:
    """Copilot in Teams gets its AppHost; MailItemsAccessed carries its AppId, allowed."""
    events = parse_file("m365_ual_json", API)[0].events
    assert events.select("app", "action").rows() == [
        ("CopilotInteraction:Teams", None),
        ("8d8a0ab0-1111-4222-8333-944444444444", "allowed"),
    ]


def test_record_without_operation_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """Valid JSON that is not a UAL record is a reject with a reason."""
    path = tmp_path / "ual.json"
    path.write_text('{"CreationTime":"2026-03-02T09:15:02","RecordType":6}\n')
    result, _ = parse_file("m365_ual_json", path)
    assert result.rejects["reason"].to_list() == ["no Operation: not a Unified Audit Log record"]
