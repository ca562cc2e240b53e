"""Entra ID sign-in logs: the real diagnostic export and a Graph {"value": [...]} export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
GRAPH = Path(__file__).resolve().parents[1] / "data" / "logs" / "saas" / "entra_signins_graph.json"
REAL = "azuread_signin/test-signinlogs-raw.log"


@pytest.fixture(scope="module")
def real(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real Azure Monitor sign-in export (NDJSON, five categories), parsed whole."""
    return parse_file("entra_signin", realdata / REAL)


def test_real_sample_detected(realdata: Path) -> None:
    """The real sample is detected as entra_signin with full confidence."""
    assert detect_format(read_head(realdata / REAL)) == Detection("entra_signin", 1.0)


def test_graph_export_detected() -> None:
    """A pretty Graph response is detected as entra_signin."""
    assert detect_format(read_head(GRAPH)) == Detection("entra_signin", 1.0)


def test_real_counts(real: tuple[ParseResult, ReadStats]) -> None:
    """5 lines, 5 events."""
    result, stats = real
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == (
        5,
        5,
        0,
        0,
    )


def test_real_first_event(real: tuple[ParseResult, ReadStats]) -> None:
    """properties.* map to user, IP, app; errorCode 50140 is blocked; time is UTC."""
    row = real[0].events.row(0, named=True)
    assert (row["ts"], row["user"], row["src_ip"], row["app"], row["action"]) == (
        datetime(2019, 10, 18, 9, 45, 48, 72989, tzinfo=UTC),
        "test@elastic.co",
        "81.2.69.144",
        "Office 365",
        "blocked",
    )


def test_real_all_blocked(real: tuple[ParseResult, ReadStats]) -> None:
    """Every sample sign-in has errorCode 50140: all blocked."""
    assert real[0].events["action"].to_list() == ["blocked"] * 5


def test_graph_apps_and_outcomes(parse_file: ParseFile) -> None:
    """Graph sign-ins: display name as app (appId without one); errorCode 0 allowed."""
    result, stats = parse_file("entra_signin", GRAPH)
    assert (stats.lines, result.events.height, result.skipped) == (34, 2, 32)
    assert result.events.select("user", "app", "action", "user_agent").rows() == [
        ("alice@corp.example", "ChatGPT", "allowed", "Mozilla/5.0 (Macintosh) Safari/605.1.15"),
        ("bob@corp.example", "a1b2c3d4-0000-4000-8000-00000000c0de", "blocked", None),
    ]


def test_record_without_app_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A sign-in naming no app is a reject with a reason."""
    path = tmp_path / "signin.log"
    path.write_text('{"time":"2026-03-06T12:00:00Z","properties":{"userPrincipalName":"a@b"}}\n')
    result, _ = parse_file("entra_signin", path)
    assert result.rejects.select("source_line", "reason").rows() == [
        (1, "no appDisplayName or appId: not an Entra ID sign-in record")
    ]


def test_missing_time_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A sign-in without time or createdDateTime is a reject."""
    path = tmp_path / "signin.log"
    path.write_text('{"appDisplayName":"ChatGPT","userPrincipalName":"a@b"}\n')
    result, _ = parse_file("entra_signin", path)
    assert result.rejects["reason"].to_list() == ["no time or createdDateTime"]
