"""`shadowscan scan --pseudonymize` and `shadowscan reveal`, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from shadowscan.cli import main
from shadowscan.privacy import pseudonym

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_logs"
KEY = "0123456789abcdef0123456789abcdef"
ENV = {"SHADOWSCAN_PSEUDONYM_KEY": KEY}


def test_scan_refuses_to_pseudonymise_without_a_key(tmp_path: Path) -> None:
    """No key: exit 1, one line naming the variable, nothing written."""
    result = CliRunner().invoke(
        main,
        ["scan", str(SAMPLE), "--out", str(tmp_path / "o"), "--pseudonymize"],
        env={"SHADOWSCAN_PSEUDONYM_KEY": ""},
    )
    assert result.exit_code == 1
    assert "Error: pseudonymising needs a key in the environment variable" in result.output
    assert not (tmp_path / "o").exists()


def test_scan_refuses_a_short_key(tmp_path: Path) -> None:
    """A 16-character key: exit 1 with the length."""
    result = CliRunner().invoke(
        main,
        ["scan", str(SAMPLE), "--out", str(tmp_path / "o"), "--pseudonymize"],
        env={"SHADOWSCAN_PSEUDONYM_KEY": "x" * 16},
    )
    assert result.exit_code == 1
    assert "is 16 bytes long; at least 32 are needed" in result.output


@pytest.fixture(scope="module")
def pseudo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pseudo")
    args = ["scan", str(SAMPLE), "--out", str(out), "--pseudonymize", "--as-of", "2026-11-30"]
    result = CliRunner().invoke(main, args, env=ENV)
    assert result.exit_code == 0, result.output
    return out


def test_pseudonymised_matches_carry_pseudonyms(pseudo_out: Path) -> None:
    """Every user in matches.parquet is a p-<16 hex> pseudonym; alice's is hers."""
    users = pl.read_parquet(pseudo_out / "matches.parquet")["user"].drop_nulls()
    assert users.str.contains(r"^p-[0-9a-f]{16}$").all()
    assert pseudonym(KEY.encode(), "alice") in users.to_list()


def test_same_key_same_pseudonyms_across_runs(pseudo_out: Path, tmp_path: Path) -> None:
    """A second run with the same key gives the same pseudonyms."""
    args = ["scan", str(SAMPLE), "--out", str(tmp_path), "--pseudonymize", "--as-of", "2026-11-30"]
    assert CliRunner().invoke(main, args, env=ENV).exit_code == 0
    first = pl.read_parquet(pseudo_out / "matches.parquet")["user"].drop_nulls().unique().sort()
    second = pl.read_parquet(tmp_path / "matches.parquet")["user"].drop_nulls().unique().sort()
    assert first.to_list() == second.to_list()


def test_reveal_reidentifies_a_pseudonym_of_the_run(pseudo_out: Path) -> None:
    """reveal turns a pseudonym of matches.parquet back into the directory person."""
    p = pseudonym(KEY.encode(), "bruno")
    result = CliRunner().invoke(
        main,
        ["reveal", p, "--directory", str(SAMPLE / "users.csv"), "--format", "json"],
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "pseudonym": p,
        "user": "bruno",
        "department": "Engineering",
        "via": "bruno",
    }


def test_reveal_with_another_key_finds_nobody() -> None:
    """Another key: exit 1 and a hint about the key and directory."""
    p = pseudonym(KEY.encode(), "bruno")
    result = CliRunner().invoke(
        main,
        ["reveal", p, "--directory", str(SAMPLE / "users.csv"), "--format", "json"],
        env={"SHADOWSCAN_PSEUDONYM_KEY": "z" * 40},
    )
    assert result.exit_code == 1
    assert f"1 pseudonym(s) match nobody in {SAMPLE / 'users.csv'}: {p}" in result.output


def test_reveal_needs_the_key() -> None:
    """No key: exit 1 before reading anything."""
    result = CliRunner().invoke(
        main,
        ["reveal", "p-0000000000000000", "--directory", str(SAMPLE / "users.csv")],
        env={"SHADOWSCAN_PSEUDONYM_KEY": ""},
    )
    assert result.exit_code == 1
    assert "SHADOWSCAN_PSEUDONYM_KEY" in result.output


def test_min_cell_users_option_is_noted(tmp_path: Path) -> None:
    """--min-cell-users 5 merges small cells and summary.json says how many."""
    args = ["scan", str(SAMPLE), "--out", str(tmp_path), "--min-cell-users", "5"]
    result = CliRunner().invoke(main, [*args, "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    cells = json.loads((tmp_path / "summary.json").read_text())["privacy"]["small_cells"]
    assert cells["min_cell_users"] == 5
    assert cells["merged_cells"] > 0


def test_reveal_from_a_store(tmp_path: Path) -> None:
    """With --store, the names a store's matches logged are re-identified too."""
    store = tmp_path / "st"
    logs = SAMPLE / "proxy" / "access.log"
    assert CliRunner().invoke(main, ["ingest", str(logs), "--store", str(store)]).exit_code == 0
    p = pseudonym(KEY.encode(), "svc-jenkins")  # in the logs, not in the directory
    result = CliRunner().invoke(
        main, ["reveal", p, "--store", str(store), "--format", "json"], env=ENV
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["user"] == "svc-jenkins"


def test_reveal_needs_a_source() -> None:
    """Neither --directory nor --store is a usage error."""
    result = CliRunner().invoke(main, ["reveal", "p-0000000000000000"], env=ENV)
    assert result.exit_code == 2
    assert "give --directory FILE, --store DIR, or both" in result.output
