"""The nightly run: config, three nights of new files, is_new, exit codes, the run log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from shadowscan.batch import expand_inputs, load_config, window_bounds
from shadowscan.cli import main
from shadowscan.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[1] / "sample_logs"


def _line(when: str, ip: str, user: str, url: str, method: str = "GET") -> str:
    ts = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()
    tail = "HIER_DIRECT/203.0.113.9 text/html"
    return f"{ts:.3f}    120 {ip} TCP_MISS/200 5120 {method} {url} {user} {tail}"


NIGHT1 = [
    _line("2026-11-26 09:00", "10.20.1.15", "CORP\\chen", "https://api.githubcopilot.com/chat"),
    _line("2026-11-26 09:05", "10.20.1.15", "CORP\\chen", "https://chatgpt.com/backend-api/x"),
    _line("2026-11-26 09:10", "10.20.1.16", "intranet", "http://intranet.corp.example/"),
]
NIGHT2 = [
    _line("2026-11-27 10:00", "10.20.5.20", "victor", "https://chat.deepseek.com/api/v0/chat"),
    _line("2026-11-27 10:02", "10.20.5.20", "victor", "https://chat.deepseek.com/api/v0/chat"),
    _line("2026-11-27 11:00", "10.20.1.15", "CORP\\chen", "https://chatgpt.com/backend-api/x"),
]


def _config(tmp_path: Path, fail_on: str = "high") -> Path:
    (tmp_path / "inbox").mkdir(exist_ok=True)
    cfg = tmp_path / "shadowscan.toml"
    cfg.write_text(
        f"""[inputs]
paths = ["inbox/*.log"]
[store]
path = "store"
retention_days = 30
[identity]
directory = "{SAMPLE / "users.csv"}"
subnets = "{SAMPLE / "subnets.csv"}"
[policy]
path = "{SAMPLE / "policy.yaml"}"
[report]
dir = "reports"
window_days = 7
fail_on = "{fail_on}"
""",
        encoding="utf-8",
    )
    return cfg


def _run(cfg: Path, day: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", "--config", str(cfg), "--as-of", day])
    return result.exit_code, result.output


def test_three_nights(tmp_path: Path) -> None:
    """Night 2's new prohibited service is new and fails the run; night 3 changes nothing."""
    cfg = _config(tmp_path)
    (tmp_path / "inbox" / "night1.log").write_text("\n".join(NIGHT1) + "\n", encoding="utf-8")
    code1, out1 = _run(cfg, "2026-11-26")
    assert code1 == 0, out1
    (tmp_path / "inbox" / "night2.log").write_text("\n".join(NIGHT2) + "\n", encoding="utf-8")
    code2, out2 = _run(cfg, "2026-11-27")
    assert code2 == 3, out2
    code3, out3 = _run(cfg, "2026-11-28")
    assert code3 == 3, out3
    assert "0 file(s) ingested, 2 skipped" in out3

    f1 = pl.read_parquet(tmp_path / "reports" / "2026-11-26" / "findings.parquet")
    f2 = pl.read_parquet(tmp_path / "reports" / "2026-11-27" / "findings.parquet")
    f3 = pl.read_parquet(tmp_path / "reports" / "2026-11-28" / "findings.parquet")
    assert sorted(f1.filter("is_new").select("department", "service_id").rows()) == [
        ("Engineering", "chatgpt"),
        ("Engineering", "github-copilot"),
    ]
    assert f2.filter("is_new").select("department", "service_id", "severity").rows() == [
        ("Legal", "deepseek", "high")
    ]
    assert f3.filter("is_new").height == 0
    runs = [json.loads(x) for x in (tmp_path / "store" / "runs.jsonl").read_text().splitlines()]
    assert [(r["as_of"], r["ingested"], r["exit_code"]) for r in runs] == [
        ("2026-11-26", 1, 0),
        ("2026-11-27", 1, 3),
        ("2026-11-28", 0, 3),
    ]
    assert sorted(p.name for p in (tmp_path / "store" / "findings_history").iterdir()) == [
        "2026-11-26.parquet",
        "2026-11-27.parquet",
        "2026-11-28.parquet",
    ]


def test_dated_folder_has_the_scan_outputs(tmp_path: Path) -> None:
    """A run writes the same report set as scan into REPORTS/<date>/."""
    cfg = _config(tmp_path)
    (tmp_path / "inbox" / "night1.log").write_text("\n".join(NIGHT1) + "\n", encoding="utf-8")
    _run(cfg, "2026-11-26")
    names = sorted(p.name for p in (tmp_path / "reports" / "2026-11-26").iterdir())
    assert {"findings.csv", "findings.parquet", "matches.parquet", "candidates.csv"} <= set(names)
    assert {"rejects.csv", "summary.json", "report.html"} <= set(names)
    assert [n for n in names if n.startswith(".")] == []  # no temporary file left


def test_report_command_rewrites_from_store(tmp_path: Path) -> None:
    """`report --store` writes the report set from what is stored."""
    cfg = _config(tmp_path)
    (tmp_path / "inbox" / "night1.log").write_text("\n".join(NIGHT1) + "\n", encoding="utf-8")
    _run(cfg, "2026-11-26")
    out = tmp_path / "again"
    args = ["report", "--store", str(tmp_path / "store"), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    f = pl.read_parquet(out / "findings.parquet")
    assert sorted(f["service_id"].to_list()) == ["chatgpt", "github-copilot"]


def test_unknown_config_key_names_its_line(tmp_path: Path) -> None:
    """A typo in the config is an error with the line."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('[inputs]\npaths = ["x"]\n[store]\npath = "s"\nretention = 3\n')
    with pytest.raises(ConfigError, match=r"c.toml:5: unknown key 'retention' in \[store\]"):
        load_config(cfg)


def test_bad_fail_on_is_an_error(tmp_path: Path) -> None:
    """fail_on must be a severity."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[inputs]\npaths = ["x"]\n[store]\npath = "s"\n[report]\ndir = "r"\nfail_on = "bad"\n'
    )
    with pytest.raises(ConfigError, match="fail_on must be one of"):
        load_config(cfg)


def test_relative_paths_resolve_against_the_config(tmp_path: Path) -> None:
    """Paths in the config are relative to the config file, not the working directory."""
    cfg = _config(tmp_path)
    conf = load_config(cfg)
    assert conf.store == (tmp_path / "store").resolve()
    assert conf.inputs == [str(tmp_path / "inbox/*.log")]


def test_expand_inputs_globs_sorted(tmp_path: Path) -> None:
    """Globs expand to sorted files; directories to the files under them."""
    (tmp_path / "b.log").write_text("x\n")
    (tmp_path / "a.log").write_text("x\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "c.log").write_text("x\n")
    got = expand_inputs([str(tmp_path / "*.log"), str(tmp_path / "d")])
    assert [p.name for p in got] == ["a.log", "b.log", "c.log"]


def test_window_bounds() -> None:
    """A 7-day window ending on the 30th covers the 24th 00:00 to the 1st 00:00 (UTC)."""
    start, end = window_bounds(date(2026, 11, 30), 7)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-11-24T00:00:00+00:00",
        "2026-12-01T00:00:00+00:00",
    )


def test_concurrent_run_exits_4(tmp_path: Path) -> None:
    """A second run (a real process) while one holds the store exits 4 and logs no run."""
    import subprocess
    import sys

    from shadowscan.store import Store

    cfg = _config(tmp_path)
    (tmp_path / "inbox" / "night1.log").write_text("\n".join(NIGHT1) + "\n", encoding="utf-8")
    store = Store(tmp_path / "store", create=True)
    with store.lock():
        cmd = [sys.executable, "-m", "shadowscan", "run", "--config", str(cfg)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4
    assert "in use by another shadowscan run" in proc.stderr
    assert not (tmp_path / "store" / "runs.jsonl").exists()
    assert _run(cfg, "2026-11-26")[0] == 0  # once free, the run goes through


def test_custom_format_needs_its_mapping_in_the_config(tmp_path: Path) -> None:
    """[inputs] format = "custom" without mapping is refused with its line."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[inputs]\npaths = ["x"]\nformat = "custom"\n[store]\npath = "s"\n[report]\ndir = "r"\n'
    )
    with pytest.raises(
        ConfigError, match=r'c.toml:3: \[inputs\] format = "custom" and mapping go together'
    ):
        load_config(cfg)
