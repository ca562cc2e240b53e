"""Pseudonyms, small-cell suppression, redacted rejects, private files: shadowscan.privacy."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from helpers import matches, ts

from shadowscan.catalog import load_catalog
from shadowscan.errors import ConfigError
from shadowscan.findings import aggregate
from shadowscan.identity import Directory
from shadowscan.privacy import (
    OTHER,
    REDACTED,
    load_key,
    pseudonym,
    pseudonymise_people,
    redact_rejects,
    reveal,
    suppress_small_cells,
)
from shadowscan.scan import ScanOptions, run_scan

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_logs"
KEY = b"0123456789abcdef0123456789abcdef"
AS_OF = date(2026, 11, 30)


def _directory(tmp_path: Path) -> Directory:
    path = tmp_path / "users.csv"
    path.write_text(
        "user,department,email,aliases\n"
        "alice,Legal,alice@corp.example,CORP\\alice\n"
        "bob,Sales,bob@corp.example,\n",
        encoding="utf-8",
    )
    return Directory.load(path)


def test_key_is_required() -> None:
    """No key in the environment: a ConfigError naming the variable."""
    with pytest.raises(ConfigError, match="SHADOWSCAN_PSEUDONYM_KEY"):
        load_key({})


def test_short_key_is_refused() -> None:
    """A key under 32 bytes is refused, with its length."""
    with pytest.raises(ConfigError, match="is 31 bytes long; at least 32"):
        load_key({"SHADOWSCAN_PSEUDONYM_KEY": "k" * 31})


def test_pseudonym_is_keyed_and_stable() -> None:
    """Same key and identity: same pseudonym; another key: another one."""
    assert pseudonym(KEY, "alice") == pseudonym(KEY, "alice")
    assert pseudonym(KEY, "alice") != pseudonym(KEY[::-1], "alice")
    assert re.fullmatch(r"p-[0-9a-f]{16}", pseudonym(KEY, "alice"))


def test_identities_of_one_person_share_a_pseudonym(tmp_path: Path) -> None:
    """CORP\\alice, alice@corp.example and Alice resolve to alice: one pseudonym."""
    directory = _directory(tmp_path)
    logged = ["CORP\\alice", "alice@corp.example", "Alice", "bob"]
    resolved = directory.resolve(pl.Series(logged))
    df = pl.DataFrame({"user": logged}).join(resolved, on="user", how="left", maintain_order="left")
    out = pseudonymise_people(df, KEY)
    assert out["user"].to_list() == [pseudonym(KEY, "alice")] * 3 + [pseudonym(KEY, "bob")]
    assert out["person"].to_list() == out["user"].to_list()


def test_unresolved_names_use_the_normalised_name() -> None:
    """Without a directory, CORP\\Zoe and zoe are one pseudonym; null stays null."""
    df = pl.DataFrame(
        {"user": ["CORP\\Zoe", "zoe", None], "person": [None, None, None]},
        schema={"user": pl.String, "person": pl.String},
    )
    out = pseudonymise_people(df, KEY)
    assert out["user"].to_list() == [pseudonym(KEY, "zoe"), pseudonym(KEY, "zoe"), None]
    assert out["person"].to_list() == [None, None, None]


def test_rejects_raw_is_redacted() -> None:
    """Redacted rejects keep file, line and reason; the raw text is gone."""
    rejects = pl.DataFrame(
        {"source_file": ["a.log"], "source_line": [3], "reason": ["bad"], "raw": ["CORP\\bob x"]}
    )
    assert redact_rejects(rejects).row(0) == ("a.log", 3, "bad", REDACTED)


def test_reveal_finds_the_person(tmp_path: Path) -> None:
    """reveal maps a person's pseudonym back, and an unknown one to null."""
    out = reveal([pseudonym(KEY, "bob"), "p-0000000000000000"], _directory(tmp_path), KEY)
    assert out.rows() == [
        (pseudonym(KEY, "bob"), "bob", "Sales", "bob"),
        ("p-0000000000000000", None, None, None),
    ]


def test_reveal_knows_directory_identities(tmp_path: Path) -> None:
    """A pseudonym made without the directory (normalised email) still resolves."""
    out = reveal([pseudonym(KEY, "alice@corp.example")], _directory(tmp_path), KEY)
    assert out.row(0) == (
        pseudonym(KEY, "alice@corp.example"),
        "alice",
        "Legal",
        "alice@corp.example",
    )


def _cells() -> pl.DataFrame:
    rows: list[dict[str, Any]] = [
        *[{"user": f"l{i}", "department": "Legal"} for i in range(5)],
        {"user": "s1", "department": "Sales", "status": "prohibited", "policy_rule": "p.yaml:3"},
        {"user": "h1", "department": "HR", "bytes_out": 10},
        {"user": "h2", "department": "HR", "bytes_out": 20},
        {"user": None, "department": "Unattributed"},
    ]
    return matches([{"ts": ts("2026-11-26 10:00"), **r} for r in rows])


def _findings_of(m: pl.DataFrame) -> pl.DataFrame:
    return aggregate(m, load_catalog())


def test_small_cells_merge_into_other() -> None:
    """Sales (1 user) and HR (2) merge into Other with 3 users, summed bytes, strictest status."""
    m = _cells()
    board, done = suppress_small_cells(_findings_of(m), m, _findings_of, 3)
    got = board.select("department", "users", "events", "bytes_out", "status", "policy_rule")
    assert sorted(got.rows()) == [
        ("Legal", 5, 5, None, "unsanctioned", None),
        (OTHER, 3, 3, 30, "prohibited", "p.yaml:3"),
        ("Unattributed", 0, 1, None, "unsanctioned", None),
    ]
    assert (done.merged_cells, done.merged_into, done.suppressed_cells) == (2, 1, 0)


def test_other_still_too_small_is_suppressed() -> None:
    """With k=5, Other (3 users) is dropped and counted in the note."""
    m = _cells()
    board, done = suppress_small_cells(_findings_of(m), m, _findings_of, 5)
    assert sorted(board["department"].to_list()) == ["Legal", "Unattributed"]
    assert done.as_dict()["note"] == (
        "2 department cell(s) with fewer than 5 users merged into 1 'Other' cell(s); "
        "1 'Other' cell(s) still under 5 users suppressed (3 events: chatgpt)"
    )


def test_no_small_cell_changes_nothing() -> None:
    """k=1: the findings come back as they were."""
    m = _cells()
    findings = _findings_of(m)
    board, done = suppress_small_cells(findings, m, _findings_of, 1)
    assert board.equals(findings)
    assert done.merged_cells == 0


# --- whole runs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plain") / "out"
    run_scan(ScanOptions(paths=[SAMPLE], out=out, as_of=AS_OF))
    return out


@pytest.fixture(scope="module")
def identities(plain_run: Path) -> set[str]:
    """Every username, alias, email and display name of users.csv and of the logs."""
    people = pl.read_csv(SAMPLE / "users.csv", infer_schema=False)
    names: set[str] = set()
    for col in ("user", "email", "display_name"):
        names.update(people[col].drop_nulls().to_list())
    for aliases in people["aliases"].drop_nulls().to_list():
        names.update(a for a in aliases.split(";") if a)
    names.update(pl.read_parquet(plain_run / "matches.parquet")["user"].drop_nulls().to_list())
    for name in list(names):  # CORP\alice -> alice, alice@corp.example -> alice
        bare = name.split("\\")[-1]
        names.update({bare, bare.split("@")[0]})
    return {n for n in names if n}


@pytest.fixture(scope="module")
def pseudonymised_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("pseudo") / "out"
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    keep = Keep(level=logging.DEBUG)
    logger = logging.getLogger("shadowscan")
    old_level = logger.level
    logger.addHandler(keep)
    logger.setLevel(logging.DEBUG)
    try:
        run_scan(ScanOptions(paths=[SAMPLE], out=out, as_of=AS_OF, pseudonym_key=KEY))
    finally:
        logger.removeHandler(keep)
        logger.setLevel(old_level)
    return out, "\n".join(messages)


def _texts(out: Path) -> dict[str, str]:
    """Every output file as text: raw bytes (Latin-1), and Parquet also as read."""
    texts = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        texts[path.name] = path.read_bytes().decode("latin-1")
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            texts[path.name + " (read)"] = frame.write_csv() + json.dumps(frame.columns)
    return texts


def _leaks(names: set[str], texts: dict[str, str]) -> list[str]:
    """Which names appear as whole identities (not inside longer words) in which text."""
    found = []
    for name in sorted(names):
        pattern = re.compile(rf"(?<![\w.@\\-]){re.escape(name)}(?![\w@-])", re.IGNORECASE)
        found += [f"{name!r} in {where}" for where, text in texts.items() if pattern.search(text)]
    return found


def test_pseudonymised_run_names_nobody(
    identities: set[str], pseudonymised_run: tuple[Path, str]
) -> None:
    """No raw username, alias, email or display name in any output file or log message."""
    out, logs = pseudonymised_run
    texts = {**_texts(out), "log messages": logs}
    assert {"findings.csv", "matches.parquet (read)", "report.html", "summary.json"} <= set(texts)
    assert len(identities) > 100
    assert _leaks(identities, texts) == []


def test_the_grep_finds_names_in_a_plain_run(plain_run: Path) -> None:
    """Control: the same grep finds names in an ordinary run's matches."""
    texts = _texts(plain_run)
    assert _leaks({"alice", "bruno@corp.example"}, {"m": texts["matches.parquet (read)"]}) == [
        "'alice' in m",
        "'bruno@corp.example' in m",
    ]


def test_pseudonymised_matches_keep_user_counts(
    pseudonymised_run: tuple[Path, str], plain_run: Path
) -> None:
    """Findings of a pseudonymised run count the same users as a plain run."""
    pseudo = pl.read_parquet(pseudonymised_run[0] / "findings.parquet")
    plain = pl.read_parquet(plain_run / "findings.parquet")
    key = ["department", "service_id"]
    assert pseudo.select(*key, "users").sort(key).equals(plain.select(*key, "users").sort(key))


def test_pseudonymised_rejects_are_redacted(pseudonymised_run: tuple[Path, str]) -> None:
    """rejects.csv keeps its 3 rows, each raw text redacted."""
    rejects = pl.read_csv(pseudonymised_run[0] / "rejects.csv")
    assert rejects["raw"].to_list() == [REDACTED] * 3
    assert rejects["source_line"].to_list() == [900, 1275, 1652]


def test_summary_says_what_privacy_did(pseudonymised_run: tuple[Path, str]) -> None:
    """summary.json's privacy section says pseudonymised, rejects redacted."""
    privacy = json.loads((pseudonymised_run[0] / "summary.json").read_text())["privacy"]
    assert (privacy["pseudonymized"], privacy["rejects_raw"], privacy["small_cells"]) == (
        True,
        "redacted",
        None,
    )


def test_outputs_are_private_whatever_the_umask(tmp_path: Path) -> None:
    """With umask 000, the output folders are 0700 and every file 0600."""
    old = os.umask(0)
    try:
        out = tmp_path / "a" / "b"
        run_scan(ScanOptions(paths=[SAMPLE], out=out, as_of=AS_OF))
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert set(modes.values()) == {0o600}
    assert len(modes) >= 7
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


def test_existing_output_folder_keeps_its_mode(tmp_path: Path) -> None:
    """An --out folder that already exists is not chmod-ed (e.g. a shared parent)."""
    out = tmp_path / "shared"
    out.mkdir()
    out.chmod(0o755)
    (out / "findings.csv").write_text("old", encoding="utf-8")
    (out / "findings.csv").chmod(0o644)
    run_scan(ScanOptions(paths=[SAMPLE], out=out, as_of=AS_OF))
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "findings.csv").stat().st_mode) == 0o600


def test_suppressed_run_notes_it(tmp_path: Path) -> None:
    """--min-cell-users 5 on the demo: cells merged, noted in summary.json and report.html."""
    out = tmp_path / "out"
    run_scan(ScanOptions(paths=[SAMPLE], out=out, as_of=AS_OF, min_cell_users=5))
    findings = pl.read_csv(out / "findings.csv")
    small = findings.filter((pl.col("users") < 5) & ~pl.col("department").is_in(["Unattributed"]))
    assert small.height == 0
    note = json.loads((out / "summary.json").read_text())["privacy"]["small_cells"]["note"]
    assert "merged into" in note
    assert "Small-cell suppression" in (out / "report.html").read_text(encoding="utf-8")
