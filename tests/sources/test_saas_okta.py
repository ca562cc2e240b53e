"""Okta System Log: two real pretty events, a real NDJSON excerpt, and an SSO fixture."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
SSO = Path(__file__).resolve().parents[1] / "data" / "logs" / "saas" / "okta_sso_chatgpt.json"


@pytest.mark.parametrize(
    ("relpath", "counts"),
    [
        ("okta_system_log/authentication.raw", (118, 1, 0, 117)),
        ("okta_system_log/group_management.raw", (93, 1, 0, 92)),
        ("okta_system_log/test-okta-system-no-flattened-events.log", (3, 3, 0, 0)),
    ],
)
def test_real_sample(
    realdata: Path, parse_file: ParseFile, relpath: str, counts: tuple[int, ...]
) -> None:
    """Each real sample is detected with full confidence; lines = events + rejects + skipped."""
    path = realdata / relpath
    assert detect_format(read_head(path)) == Detection("okta_system", 1.0)
    result, stats = parse_file("okta_system", path)
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == counts


def test_real_app_instance_is_the_app(realdata: Path, parse_file: ParseFile) -> None:
    """The AppInstance target names the app; actor, client IP and agent map too."""
    result, _ = parse_file("okta_system", realdata / "okta_system_log" / "authentication.raw")
    row = result.events.row(0, named=True)
    assert (row["ts"], row["user"], row["src_ip"], row["app"], row["action"]) == (
        datetime(2024, 8, 13, 15, 58, 20, 353000, tzinfo=UTC),
        "john.doe@example.com",
        "10.0.0.1",
        "Okta Admin Console",
        "allowed",
    )
    assert row["user_agent"].startswith("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)")


def test_sso_fixture(parse_file: ParseFile) -> None:
    """SSO to ChatGPT Enterprise: SUCCESS allowed, DENY blocked."""
    result, stats = parse_file("okta_system", SSO)
    assert (stats.lines, result.events.height, result.skipped) == (81, 2, 79)
    assert result.events.select("source_line", "user", "app", "action").rows() == [
        (2, "alice@corp.example", "ChatGPT Enterprise", "allowed"),
        (46, "bob@corp.example", "ChatGPT Enterprise", "blocked"),
    ]


def test_challenge_outcome_is_unknown(tmp_path: Path, parse_file: ParseFile) -> None:
    """An outcome that is neither success nor refusal leaves the action null."""
    path = tmp_path / "okta.json"
    path.write_text(
        '{"actor":{"alternateId":"a@b"},"eventType":"user.mfa.challenge",'
        '"published":"2026-03-05T07:30:00.000Z","outcome":{"result":"CHALLENGE"}}\n'
    )
    result, _ = parse_file("okta_system", path)
    assert result.events["action"].to_list() == [None]


def test_event_without_event_type_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """Valid JSON without eventType is a reject with a reason."""
    path = tmp_path / "okta.json"
    path.write_text('{"actor":{"alternateId":"a@b"},"published":"2026-03-05T07:30:00Z"}\n')
    result, _ = parse_file("okta_system", path)
    assert result.rejects["reason"].to_list() == ["no eventType: not an Okta System Log event"]
