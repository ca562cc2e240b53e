"""Slack audit logs: the real API sample and an {"entries": [...]} fixture with app entities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
APPS = Path(__file__).resolve().parents[1] / "data" / "logs" / "saas" / "slack_app_installed.json"
REAL = "slack_audit/test-audit.log"


def test_real_sample_detected(realdata: Path) -> None:
    """The real sample is detected as slack_audit with full confidence."""
    assert detect_format(read_head(realdata / REAL)) == Detection("slack_audit", 1.0)


def test_real_sample(realdata: Path, parse_file: ParseFile) -> None:
    """4 lines, 4 events; actor email, context IP and agent, date_create in seconds."""
    result, stats = parse_file("slack_audit", realdata / REAL)
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == (
        4,
        4,
        0,
        0,
    )
    row = result.events.row(0, named=True)
    assert (row["ts"], row["user"], row["src_ip"], row["app"]) == (
        datetime(2018, 3, 16, 15, 32, 23, tzinfo=UTC),
        "bird@slack.com",
        "81.2.69.143",
        None,
    )


def test_app_entities(parse_file: ParseFile) -> None:
    """app_installed names the app; app_restricted is blocked."""
    result, stats = parse_file("slack_audit", APPS)
    assert (stats.lines, result.events.height, result.skipped) == (73, 2, 71)
    assert result.events.select("user", "app", "action").rows() == [
        ("alice@corp.example", "ChatGPT", None),
        ("admin@corp.example", "Claude", "blocked"),
    ]


def test_entry_without_actor_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """Valid JSON without an actor is a reject with a reason."""
    path = tmp_path / "audit.log"
    path.write_text('{"date_create":1521214343,"action":"user_login"}\n')
    result, _ = parse_file("slack_audit", path)
    assert result.rejects["reason"].to_list() == ["no action or actor: not a Slack audit log entry"]
