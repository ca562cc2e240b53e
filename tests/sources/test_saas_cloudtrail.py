"""AWS CloudTrail parser: the real NDJSON sample and a {"Records": [...]} fixture with Bedrock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import ParseResult
from shadowscan.sources.reader import ReadStats, read_head

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "logs" / "saas" / "cloudtrail_bedrock.json"
REAL = "aws_cloudtrail/ec2_proxy_s3_exfiltration_2020-09-14011940.json"


@pytest.fixture(scope="module")
def real(realdata: Path, parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The real CloudTrail NDJSON (Logstash export with @timestamp), parsed whole."""
    return parse_file("cloudtrail", realdata / REAL)


@pytest.fixture(scope="module")
def bedrock(parse_file: ParseFile) -> tuple[ParseResult, ReadStats]:
    """The pretty {"Records": [...]} fixture with Bedrock calls, parsed whole."""
    return parse_file("cloudtrail", FIXTURE)


def test_real_sample_detected(realdata: Path) -> None:
    """The real NDJSON sample is detected as cloudtrail with full confidence."""
    assert detect_format(read_head(realdata / REAL)) == Detection("cloudtrail", 1.0)


def test_records_fixture_detected() -> None:
    """The pretty Records file is detected as cloudtrail."""
    assert detect_format(read_head(FIXTURE)) == Detection("cloudtrail", 1.0)


def test_real_counts(real: tuple[ParseResult, ReadStats]) -> None:
    """103 lines: 103 events, nothing rejected or skipped."""
    result, stats = real
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == (
        103,
        103,
        0,
        0,
    )


def test_real_apps_are_event_sources(real: tuple[ParseResult, ReadStats]) -> None:
    """eventSource is the app: 80 EC2, 11 S3, 5 STS, 3 ELB, 2 CloudWatch, 2 Compute Optimizer."""
    counts = dict(real[0].events["app"].value_counts().iter_rows())
    assert counts == {
        "ec2.amazonaws.com": 80,
        "s3.amazonaws.com": 11,
        "sts.amazonaws.com": 5,
        "elasticloadbalancing.amazonaws.com": 3,
        "monitoring.amazonaws.com": 2,
        "compute-optimizer.amazonaws.com": 2,
    }


def test_real_first_event(real: tuple[ParseResult, ReadStats]) -> None:
    """The first record maps to user, IP, agent, time and allowed."""
    row = real[0].events.row(0, named=True)
    assert (row["ts"], row["user"], row["src_ip"], row["user_agent"], row["action"]) == (
        datetime(2020, 9, 14, 0, 44, 23, tzinfo=UTC),
        "pedro",
        "1.2.3.4",
        "console.ec2.amazonaws.com",
        "allowed",
    )


def test_real_service_calls_have_no_ip(real: tuple[ParseResult, ReadStats]) -> None:
    """Calls AWS made itself (sourceIPAddress ec2.amazonaws.com) carry no src_ip or user."""
    sts = real[0].events.filter(real[0].events["app"] == "sts.amazonaws.com")
    assert sts.select("user", "src_ip").unique().rows() == [(None, None)]


def test_fixture_counts(bedrock: tuple[ParseResult, ReadStats]) -> None:
    """127 lines: 4 events, 1 reject (no eventSource), 122 skipped."""
    result, stats = bedrock
    assert (stats.lines, result.events.height, result.rejects.height, result.skipped) == (
        127,
        4,
        1,
        122,
    )


def test_invoke_model_event(bedrock: tuple[ParseResult, ReadStats]) -> None:
    """InvokeModel: bedrock.amazonaws.com as app, the TLS host header as host, allowed."""
    row = bedrock[0].events.row(0, named=True)
    assert (row["source_line"], row["app"], row["host"], row["user"], row["action"]) == (
        3,
        "bedrock.amazonaws.com",
        "bedrock-runtime.us-east-1.amazonaws.com",
        "alice",
        "allowed",
    )


def test_access_denied_is_blocked(bedrock: tuple[ParseResult, ReadStats]) -> None:
    """A Converse call refused with AccessDeniedException is blocked."""
    row = bedrock[0].events.row(1, named=True)
    assert (row["user"], row["action"]) == ("bob", "blocked")


def test_assumed_role_user_is_the_arn(bedrock: tuple[ParseResult, ReadStats]) -> None:
    """Without userName, the user is the identity's ARN."""
    assert bedrock[0].events["user"][2] == (
        "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_abc/carol@corp.example"
    )


def test_record_without_event_source_is_rejected(bedrock: tuple[ParseResult, ReadStats]) -> None:
    """A record lacking eventSource is a reject on the line where it starts."""
    rejects = bedrock[0].rejects
    assert rejects.select("source_line", "reason").rows() == [
        (108, "no eventSource: not a CloudTrail record")
    ]


def test_bad_event_time_is_rejected(tmp_path: Path, parse_file: ParseFile) -> None:
    """An eventTime that is not a timestamp is a reject naming the field."""
    path = tmp_path / "ct.json"
    path.write_text(
        '{"eventSource":"s3.amazonaws.com","eventName":"x","userIdentity":{},'
        '"eventTime":"yesterday"}\n',
        encoding="utf-8",
    )
    result, _ = parse_file("cloudtrail", path)
    assert result.rejects["reason"].to_list() == ["bad timestamp in eventTime"]


def test_compact_s3_object_counts_each_record(tmp_path: Path, parse_file: ParseFile) -> None:
    """A one-line {"Records": [...]} (as CloudTrail writes to S3) yields every record."""
    record = (
        '{"eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel","userIdentity":{},'
        '"eventTime":"2026-03-04T10:00:00Z"}'
    )
    path = tmp_path / "ct.json"
    path.write_text(f'{{"Records":[{record},{record}]}}', encoding="utf-8")
    result, stats = parse_file("cloudtrail", path)
    assert (stats.lines, result.events.height, result.events["source_line"].to_list()) == (
        1,
        2,
        [1, 1],
    )
