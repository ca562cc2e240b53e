"""The custom mapping format: strict mapping files, CSV/TSV/JSONL exports, the CLI options."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from shadowscan.cli import main
from shadowscan.errors import ConfigError, InputError
from shadowscan.sources import ParseResult
from shadowscan.sources.custom import CustomParser, load_mapping
from shadowscan.sources.reader import ReadStats, iter_chunks, read_head
from shadowscan.sources.textfields import split_delimited

ParseFile = Callable[..., tuple[ParseResult, ReadStats]]
DATA = Path(__file__).resolve().parents[1] / "data" / "logs" / "fwdns"
CSV = DATA / "custom_proxy.csv"
CSV_MAP = DATA / "custom_proxy.yaml"
JSONL = DATA / "custom_casb.jsonl"
JSONL_MAP = DATA / "custom_casb.toml"


def parse(path: Path, mapping: Path, tz: str = "UTC") -> tuple[ParseResult, ReadStats]:
    """Parse ``path`` through ``mapping`` as the scan does (one chunk)."""
    parser = CustomParser(source_file=str(path), head=read_head(path), tz=tz, mapping=mapping)
    stats = ReadStats()
    (chunk,) = list(iter_chunks(path, stats))
    return parser.parse(chunk), stats


def write(tmp_path: Path, name: str, text: str) -> Path:
    """A file ``name`` under ``tmp_path`` holding ``text``."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """source: dns
input:
  kind: tsv
  header: false
  columns: [when, client, name]
timestamp:
  field: when
  epoch: s
fields:
  src_ip: client
  host: name
"""


# Parsing ---------------------------------------------------------------------------------


def test_csv_counts() -> None:
    """9 lines: 3 events, the header and a repeated header skipped, 4 bad rows rejected."""
    result, stats = parse(CSV, CSV_MAP)
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (9, 3, 4, 2)


def test_csv_first_event() -> None:
    """Day-first local time in the mapping's zone, URL split, PERMIT -> allowed, bytes."""
    result, _ = parse(CSV, CSV_MAP)
    row = result.events.row(0, named=True)
    got = {
        k: row[k]
        for k in ("ts", "source", "user", "host", "url_path", "action", "bytes_out", "http_status")
    }
    assert got == {
        "ts": datetime(2025, 3, 14, 8, 0, 1, tzinfo=UTC),
        "source": "proxy",
        "user": "CORP\\alice",
        "host": "chatgpt.com",
        "url_path": "/backend-api/conversation",
        "action": "allowed",
        "bytes_out": 5120,
        "http_status": 200,
    }


def test_csv_quoted_fields_and_mapped_block() -> None:
    """A quoted field keeps its ';' and doubled quotes; DENY -> blocked; '-' user is null."""
    result, _ = parse(CSV, CSV_MAP)
    assert result.events.select("user", "action", "user_agent").rows() == [
        ("CORP\\alice", "allowed", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
        ("bob@corp.example", "blocked", "curl/8.4.0"),
        (None, "allowed", 'Edge; "quoted" build'),
    ]


def test_csv_rejects() -> None:
    """Bad hour, bad byte count, short row and empty URL are rejected with reasons."""
    result, _ = parse(CSV, CSV_MAP)
    assert result.rejects.select("source_line", "reason").rows() == [
        (6, "bad or missing timestamp 'time'"),
        (7, "bad bytes_out value"),
        (8, "expected 9 columns"),
        (9, "no host, url or app"),
    ]


def test_jsonl_counts() -> None:
    """6 lines: 3 events, 3 rejected."""
    result, stats = parse(JSONL, JSONL_MAP)
    counts = (stats.lines, result.events.height, result.rejects.height, result.skipped)
    assert counts == (6, 3, 3, 0)


def test_jsonl_events() -> None:
    """Epoch ms, nested paths, the mapping's source, and an app-only event."""
    result, _ = parse(JSONL, JSONL_MAP)
    got = result.events.select("ts", "source", "user", "host", "app", "action", "bytes_in").rows()
    assert got == [
        (
            datetime(2025, 3, 14, 9, 0, 1, 123000, tzinfo=UTC),
            "saas",
            "alice@corp.example",
            "api.openai.com",
            "OpenAI API",
            "allowed",
            5400,
        ),
        (
            datetime(2025, 3, 14, 9, 0, 2, tzinfo=UTC),
            "saas",
            "bob@corp.example",
            "chat.mistral.ai",
            "Le Chat",
            "blocked",
            0,
        ),
        (
            datetime(2025, 3, 14, 9, 0, 3, 500000, tzinfo=UTC),
            "saas",
            None,
            None,
            "Copilot",
            "allowed",
            None,
        ),
    ]


def test_jsonl_rejects() -> None:
    """Not JSON, no timestamp, nothing to match on: rejected with reasons."""
    result, _ = parse(JSONL, JSONL_MAP)
    assert result.rejects.select("source_line", "reason").rows() == [
        (4, "not a JSON object"),
        (5, "no 'ts' (or invalid JSON)"),
        (6, "no host, url or app"),
    ]


def test_headerless_tsv(tmp_path: Path) -> None:
    """A TSV without header reads its columns from the mapping; epoch seconds."""
    mapping = write(tmp_path, "m.yaml", MINIMAL)
    data = write(tmp_path, "q.tsv", "1741942801\t10.0.0.1\tchatgpt.com.\n")
    result, _ = parse(data, mapping)
    assert result.events.select("ts", "source", "src_ip", "host").rows() == [
        (datetime(2025, 3, 14, 9, 0, 1, tzinfo=UTC), "dns", "10.0.0.1", "chatgpt.com")
    ]


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2025-03-14T10:00:01+01:00", datetime(2025, 3, 14, 9, 0, 1, tzinfo=UTC)),
        ("2025-03-14T09:00:01.250Z", datetime(2025, 3, 14, 9, 0, 1, 250000, tzinfo=UTC)),
        ("2025-03-14 10:00:01", datetime(2025, 3, 14, 9, 0, 1, tzinfo=UTC)),
    ],
)
def test_iso8601_format(tmp_path: Path, stamp: str, expected: datetime) -> None:
    """iso8601 keeps a written offset and reads a naive time in --tz."""
    mapping = write(
        tmp_path,
        "m.yaml",
        "source: proxy\ninput: {kind: jsonl}\n"
        "timestamp: {field: t, format: iso8601}\nfields: {host: h}\n",
    )
    data = write(tmp_path, "e.jsonl", json.dumps({"t": stamp, "h": "a.example"}) + "\n")
    result, _ = parse(data, mapping, tz="Europe/Paris")
    assert result.events["ts"].to_list() == [expected]


def test_never_detected() -> None:
    """custom is never picked by auto-detection."""
    assert CustomParser.detect(read_head(CSV)) == 0.0


def test_missing_mapping_is_an_input_error() -> None:
    """The parser without a mapping says to add --mapping."""
    with pytest.raises(InputError, match="--format custom needs a mapping file"):
        CustomParser(source_file=str(CSV), head=read_head(CSV))


def test_column_not_in_file(tmp_path: Path) -> None:
    """A mapped column missing from the header names the mapping line and the columns."""
    data = write(tmp_path, "x.csv", "time,dest\n2025-01-01 00:00:00,a.example\n")
    mapping = write(
        tmp_path,
        "m.yaml",
        "source: proxy\ninput: {kind: csv}\n"
        "timestamp: {field: time, format: '%Y-%m-%d %H:%M:%S'}\nfields:\n  host: host\n",
    )
    with pytest.raises(
        InputError, match=r"column 'host' \(mapped at .*m\.yaml:5\).*columns: time, dest"
    ):
        CustomParser(source_file=str(data), head=read_head(data), mapping=mapping)


@given(st.lists(st.text(alphabet='ab," ;', max_size=6), min_size=1, max_size=6))
def test_split_delimited_round_trips_csv(fields: list[str]) -> None:
    """Any row written by Python's csv module splits back into the same fields."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    frame = pl.DataFrame({"raw": [out.getvalue()]})
    assert frame.select(split_delimited(pl.col("raw"), ","))["raw"].to_list() == [fields]


# Strict loading --------------------------------------------------------------------------


def test_examples_load() -> None:
    """The two fixture mappings (YAML and TOML) load."""
    assert (load_mapping(CSV_MAP).kind, load_mapping(JSONL_MAP).kind) == ("csv", "jsonl")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MINIMAL.replace("fields:", "feilds:"),
            r"m\.yaml:9: unknown key 'feilds' in the mapping \(did you mean 'fields'\?\)",
        ),
        (
            MINIMAL.replace("  host: name", "  hostname: name"),
            r"m\.yaml:11: unknown key 'hostname' in fields \(event fields\)",
        ),
        (
            MINIMAL.replace("  columns:", "  colums:"),
            r"m\.yaml:5: unknown key 'colums' in input \(did you mean 'columns'\?\)",
        ),
        (
            MINIMAL.replace("timestamp:\n  field: when\n  epoch: s\n", ""),
            r"m\.yaml:1: missing 'timestamp'",
        ),
        (
            MINIMAL.replace("epoch: s", "epoch: s\n  format: '%s'"),
            r"m\.yaml:6: timestamp needs exactly one of 'format' and 'epoch'",
        ),
        (MINIMAL.replace("epoch: s", "epoch: minutes"), r"m\.yaml:8: unknown epoch unit 'minutes'"),
        (MINIMAL.replace("kind: tsv", "kind: xml"), r"m\.yaml:3: unknown input kind 'xml'"),
        (MINIMAL.replace("source: dns", "source: netflow"), r"m\.yaml:1: unknown source 'netflow'"),
        (
            MINIMAL.replace("  columns: [when, client, name]\n", ""),
            r"m\.yaml:4: a file without a header needs 'columns'",
        ),
        (
            MINIMAL.replace("  host: name", "  user: name"),
            r"m\.yaml:9: fields map none of host, url, app",
        ),
        (MINIMAL + "actions: {blocked: [DENY]}\n", r"m\.yaml:12: 'actions' needs fields\.action"),
        (
            MINIMAL + "fields: {}\n",
            r"m\.yaml:12: invalid YAML: duplicate key 'fields' \(first at line 9\)",
        ),
    ],
)
def test_yaml_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake in a YAML mapping is an error naming the file and line."""
    with pytest.raises(ConfigError, match=message):
        load_mapping(write(tmp_path, "m.yaml", text))


def test_toml_unknown_key_line(tmp_path: Path) -> None:
    """A TOML mapping's unknown key is reported at its line."""
    text = JSONL_MAP.read_text(encoding="utf-8").replace('epoch = "ms"', 'epoc = "ms"')
    with pytest.raises(ConfigError, match=r"m\.toml:9: unknown key 'epoc' in timestamp"):
        load_mapping(write(tmp_path, "m.toml", text))


def test_toml_syntax_error_line(tmp_path: Path) -> None:
    """Invalid TOML is reported with its line."""
    with pytest.raises(ConfigError, match=r"m\.toml:2: invalid TOML"):
        load_mapping(write(tmp_path, "m.toml", 'source = "dns"\n[input\n'))


# CLI -------------------------------------------------------------------------------------


def test_cli_custom_without_mapping_is_usage_error(tmp_path: Path) -> None:
    """--format custom without --mapping exits 2 and says what is missing."""
    result = CliRunner().invoke(
        main, ["scan", str(CSV), "--out", str(tmp_path / "o"), "--format", "custom"]
    )
    assert result.exit_code == 2
    assert "--format custom needs --mapping FILE" in result.output


def test_cli_mapping_without_custom_is_usage_error(tmp_path: Path) -> None:
    """--mapping without --format custom exits 2."""
    result = CliRunner().invoke(
        main, ["scan", str(CSV), "--out", str(tmp_path / "o"), "--mapping", str(CSV_MAP)]
    )
    assert result.exit_code == 2
    assert "--mapping applies only with --format custom" in result.output


def test_cli_bad_mapping_exits_1(tmp_path: Path) -> None:
    """A bad mapping stops the scan before any log is read, naming the file and line."""
    bad = write(tmp_path, "m.yaml", MINIMAL.replace("fields:", "feilds:"))
    result = CliRunner().invoke(
        main,
        [
            "scan",
            str(CSV),
            "--out",
            str(tmp_path / "o"),
            "--format",
            "custom",
            "--mapping",
            str(bad),
        ],
    )
    assert result.exit_code == 1
    assert "m.yaml:9: unknown key 'feilds'" in result.output


def test_cli_scan_with_mapping(tmp_path: Path) -> None:
    """A scan of the CSV export through its mapping books every line in summary.json."""
    out = tmp_path / "o"
    result = CliRunner().invoke(
        main,
        ["scan", str(CSV), "--out", str(out), "--format", "custom", "--mapping", str(CSV_MAP)],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (entry,) = summary["inputs"]
    got = {k: entry[k] for k in ("format", "lines_read", "events", "rejected", "skipped")}
    assert got == {"format": "custom", "lines_read": 9, "events": 3, "rejected": 4, "skipped": 2}
