"""GitHub audit log: the real streaming event, the real REST excerpt, and Copilot events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
COPILOT = Path(__file__).resolve().parents[1] / "data" / "logs" / "saas" / "github_copilot.ndjson"


@pytest.mark.parametrize(
    ("relpath", "counts"),
    [
        ("github_audit/api_activity.raw", (30, 1, 0, 29)),
        ("github_audit/test-audit-json.log", (42, 42, 0, 0)),
    ],
)
def test_real_sample(
    realdata: Path, parse_file: ParseFile, relpath: str, counts: tuple[int, ...]
) -> None:
    """Each real sample is detected with full confidence; lines = events + rejects + skipped."""
    path = realdata / relpath
    assert detect_format(read_head(path)) == Detection("github_audit", 1.0)
    result, stats = parse_file("github_audit", path)
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == counts


def test_streaming_event_fields(realdata: Path, parse_file: ParseFile) -> None:
    """The pretty git.push event: actor, actor_ip, user_agent, @timestamp in ms."""
    result, _ = parse_file("github_audit", realdata / "github_audit" / "api_activity.raw")
    row = result.events.row(0, named=True)
    assert (row["ts"], row["user"], row["src_ip"], row["user_agent"], row["app"]) == (
        datetime(2024, 10, 17, 14, 42, 46, 108000, tzinfo=UTC),
        "test_user",
        "1.1.1.1",
        "git/2.41.5",
        None,
    )


def test_rest_created_at_is_milliseconds(realdata: Path, parse_file: ParseFile) -> None:
    """created_at 1583364251067 is 2020-03-04 23:24:11.067 UTC."""
    result, _ = parse_file("github_audit", realdata / "github_audit" / "test-audit-json.log")
    assert result.events["ts"][0] == datetime(2020, 3, 4, 23, 24, 11, 67000, tzinfo=UTC)


def test_copilot_and_oauth_apps(parse_file: ParseFile) -> None:
    """copilot.* is GitHub Copilot; OAuth approvals carry the app; a denial is blocked."""
    result, _ = parse_file("github_audit", COPILOT)
    assert result.events.select("app", "action").rows() == [
        ("GitHub Copilot", None),
        ("ChatGPT Connector", None),
        ("Some AI Helper", "blocked"),
        (None, None),
    ]


def test_event_without_time_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """An event with neither created_at nor @timestamp is a reject."""
    path = tmp_path / "audit.json"
    path.write_text('{"actor":"a","org":"o","action":"repo.create"}\n')
    result, _ = parse_file("github_audit", path)
    assert result.rejects["reason"].to_list() == ["no created_at or @timestamp"]
