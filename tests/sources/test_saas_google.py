"""Google Workspace token audit: the real Reports API sample and an OAuth-grant fixture."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
GRANTS = Path(__file__).resolve().parents[1] / "data" / "logs" / "saas" / "gws_token_chatgpt.ndjson"
REAL = "google_workspace/test-token.log"


def test_real_sample_detected(realdata: Path) -> None:
    """The real token activity is detected as gws_token with full confidence."""
    assert detect_format(read_head(realdata / REAL)) == Detection("gws_token", 1.0)


def test_real_sample(realdata: Path, parse_file: ParseFile) -> None:
    """One line, one event: the authorised app's name is the app."""
    result, stats = parse_file("gws_token", realdata / REAL)
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == (
        1,
        1,
        0,
        0,
    )
    row = result.events.row(0, named=True)
    assert (row["ts"], row["user"], row["src_ip"], row["app"]) == (
        datetime(2023, 1, 1, 6, 24, 42, 442000, tzinfo=UTC),
        "foo@bar.com",
        "89.160.20.112",
        "Gmail Add-on",
    )


def test_app_name_else_client_id(parse_file: ParseFile) -> None:
    """app_name is the app; an event with only a client_id carries the client id."""
    result, _ = parse_file("gws_token", GRANTS)
    assert result.events.select("user", "app").rows() == [
        ("alice@corp.example", "ChatGPT"),
        ("bob@corp.example", "999999999999-unnamed.apps.googleusercontent.com"),
    ]


def test_activity_without_id_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """A record without the id object is a reject with a reason."""
    path = tmp_path / "token.log"
    path.write_text('{"kind":"admin#reports#activity","actor":{"email":"a@b"}}\n')
    result, _ = parse_file("gws_token", path)
    assert result.rejects["reason"].to_list() == [
        "no id object: not a Google Workspace Reports activity"
    ]
