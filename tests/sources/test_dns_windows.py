"""Windows DNS Server debug log parser, on a fixture in Microsoft's documented layout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head
from shadowscan.sources.windows_dns import WindowsDnsParser

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "logs" / "fwdns" / "windows_dns.log"
PACKET = (
    "{date} 0E4C PACKET  000000B1C35E4E20 UDP Rcv 10.0.0.7        6c1a   Q "
    "[0001   D   NOERROR] A      (3)www(7)example(3)com(0)"
)


def test_fixture_detected() -> None:
    """The debug log (header first) is detected as windows_dns with full confidence."""
    assert detect_format(read_head(FIXTURE)) == Detection("windows_dns", 1.0)


def test_packet_lines_alone_detected() -> None:
    """A head of packet lines only (header rotated away) is still windows_dns."""
    head = [PACKET.format(date="3/14/2025 9:00:01 AM")] * 3
    assert WindowsDnsParser.detect(head) == 1.0


def test_fixture_counts(parse_file: ParseFile) -> None:
    """42 lines: 5 client queries, 35 header/response/forwarder lines skipped, 2 rejected."""
    result, stats = parse_file("windows_dns", FIXTURE)
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (42, 5, 2, 35)


def test_queries_decoded(parse_file: ParseFile) -> None:
    """Only queries received from clients are events; (n)label names are decoded."""
    result, _ = parse_file("windows_dns", FIXTURE)
    assert result.events.select("source_line", "src_ip", "host").rows() == [
        (31, "10.20.31.77", "chatgpt.com"),
        (35, "10.20.31.78", "api.openai.com"),
        (37, "10.20.40.5", "www.example.com"),
        (39, "fe80::1c2d:3e4f:5a6b:7c8d", "claude.ai"),
        (40, "10.20.31.77", "copilot.microsoft.com"),
    ]


def test_twelve_hour_clock_in_tz(parse_file: ParseFile) -> None:
    """1:15:40 PM on 3/14/2025 in Europe/Paris (UTC+1) is 12:15:40 UTC."""
    result, _ = parse_file("windows_dns", FIXTURE, tz="Europe/Paris")
    assert result.events["ts"][2] == datetime(2025, 3, 14, 12, 15, 40, tzinfo=UTC)


def test_fixture_rejects(parse_file: ParseFile) -> None:
    """A packet line without its question and a stray line are rejected with reasons."""
    result, _ = parse_file("windows_dns", FIXTURE)
    assert result.rejects.select("source_line", "reason").rows() == [
        (41, "malformed PACKET line"),
        (42, "not a Windows DNS debug log line"),
    ]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("3/14/2025 9:00:01 PM", datetime(2025, 3, 14, 21, 0, 1, tzinfo=UTC)),
        ("3/14/2025 21:00:01", datetime(2025, 3, 14, 21, 0, 1, tzinfo=UTC)),
        ("2025/3/14 21:00:01", datetime(2025, 3, 14, 21, 0, 1, tzinfo=UTC)),
        ("2025-03-14 21:00:01", datetime(2025, 3, 14, 21, 0, 1, tzinfo=UTC)),
        ("14.03.2025 21:00:01", datetime(2025, 3, 14, 21, 0, 1, tzinfo=UTC)),
    ],
)
def test_locale_dates(tmp_path: Path, parse_file: ParseFile, date: str, expected: datetime) -> None:
    """Each supported locale date layout reads to the same instant."""
    path = tmp_path / "dns.log"
    path.write_text(PACKET.format(date=date) + "\n", encoding="utf-8")
    result, _ = parse_file("windows_dns", path)
    assert result.events["ts"].to_list() == [expected]
