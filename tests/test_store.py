"""The store: idempotent ingest, appends, crash safety, the lock, retention, read-only SQL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from shadowscan.catalog import Catalog, load_catalog
from shadowscan.cli import main
from shadowscan.errors import StoreLocked
from shadowscan.pipeline import Context, build_context
from shadowscan.store import Store, fingerprint
from shadowscan.views import QueryRefused, connect, run_query

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_logs"
ACCESS = SAMPLE / "proxy" / "access.log"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def ctx(catalog: Catalog) -> Context:
    return build_context(
        catalog,
        directory=SAMPLE / "users.csv",
        subnets=SAMPLE / "subnets.csv",
        policy=SAMPLE / "policy.yaml",
        as_of=date(2026, 11, 30),
    )


def _ingest(store: Store, ctx: Context, *paths: Path) -> list[str]:
    with store.lock():
        return [r.action for r in store.ingest(list(paths), ctx)]


def _counts(store: Store) -> tuple[int, int, int]:
    return store.read("events").height, store.read("matches").height, store.read("rejects").height


def test_reingest_same_file_adds_nothing(tmp_path: Path, ctx: Context) -> None:
    """A second ingest of the same file is skipped and the counts do not move."""
    store = Store(tmp_path / "st", create=True)
    assert _ingest(store, ctx, ACCESS) == ["ingested"]
    first = _counts(store)
    assert _ingest(store, ctx, ACCESS) == ["skipped"]
    assert _counts(store) == first == (2496, 459, 3)


def test_renamed_copy_adds_nothing(tmp_path: Path, ctx: Context) -> None:
    """The same content under another name is recognised and skipped."""
    copy = tmp_path / "renamed.log"
    shutil.copy(ACCESS, copy)
    store = Store(tmp_path / "st", create=True)
    with store.lock():
        results = store.ingest([ACCESS, copy], ctx)
    assert [r.action for r in results] == ["ingested", "skipped"]
    assert results[1].reason == f"already ingested as {ACCESS}"


def test_same_first_kilobytes_different_files_both_ingested(tmp_path: Path, ctx: Context) -> None:
    """Two files that share their beginning but differ later are both ingested."""
    text = ACCESS.read_text(encoding="utf-8").splitlines(keepends=True)
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("".join(text[:1000]), encoding="utf-8")
    b.write_text("".join(text[:999] + text[1500:1501]), encoding="utf-8")
    store = Store(tmp_path / "st", create=True)
    assert _ingest(store, ctx, a, b) == ["ingested", "ingested"]


def _first_100_lines_ingested(tmp_path: Path, ctx: Context) -> tuple[Store, Path, list[str]]:
    """A store holding a log of the sample's first 100 lines; the log and all the lines."""
    lines = ACCESS.read_text(encoding="utf-8").splitlines(keepends=True)
    log = tmp_path / "access.log"
    log.write_text("".join(lines[:100]), encoding="utf-8")
    store = Store(tmp_path / "st", create=True)
    assert _ingest(store, ctx, log) == ["ingested"]
    return store, log, lines


def test_append_ingests_only_new_complete_lines(tmp_path: Path, ctx: Context) -> None:
    """A grown file adds only its new lines, numbered on from the old end."""
    store, log, lines = _first_100_lines_ingested(tmp_path, ctx)
    with log.open("a", encoding="utf-8") as fh:
        fh.write("".join(lines[100:150]))
        fh.write(lines[150].rstrip("\n"))  # still being written: no final newline
    assert _ingest(store, ctx, log) == ["appended"]
    events = store.read("events")
    assert events.height == 150
    assert events["source_line"].sort().to_list() == list(range(1, 151))
    with log.open("a", encoding="utf-8") as fh:
        fh.write("\n")
    assert _ingest(store, ctx, log) == ["appended"]
    assert store.read("events")["source_line"].max() == 151


def test_file_without_newline_is_not_ingested_yet(tmp_path: Path, ctx: Context) -> None:
    """A file with no complete line is skipped, not half-read."""
    log = tmp_path / "partial.log"
    log.write_text("1795651200.000  12 10.0.0.1 TCP_MISS/200 10 GET", encoding="utf-8")
    store = Store(tmp_path / "st", create=True)
    with store.lock():
        (result,) = store.ingest([log], ctx)
    assert (result.action, result.reason) == ("skipped", "no complete line yet")


def test_fingerprint_takes_prefix_hashes(tmp_path: Path) -> None:
    """The prefix hash at an old size equals the full hash of the old content."""
    log = tmp_path / "x.log"
    log.write_bytes(b"a\nbb\n")
    old = fingerprint(log, plain=True, checkpoints=set())
    log.write_bytes(b"a\nbb\nccc\npartial")
    new = fingerprint(log, plain=True, checkpoints={old.end})
    assert (new.end, new.prefixes[old.end]) == (9, old.sha256)


def test_second_writer_is_refused(tmp_path: Path) -> None:
    """While one run holds the store, another gets StoreLocked."""
    store = Store(tmp_path / "st", create=True)
    second = Store(tmp_path / "st")
    refused = pytest.raises(StoreLocked, match="in use by another shadowscan run")
    with store.lock(), refused, second.lock():
        pass


def test_locked_store_exits_4(tmp_path: Path) -> None:
    """The CLI exits with the distinct code 4 when the store is held."""
    store = Store(tmp_path / "st", create=True)
    with store.lock():
        result = CliRunner().invoke(main, ["ingest", str(ACCESS), "--store", str(tmp_path / "st")])
    assert result.exit_code == 4
    assert "in use by another shadowscan run" in result.output


def _big_inputs(tmp_path: Path, n: int) -> list[Path]:
    lines = [x for x in ACCESS.read_text(encoding="utf-8").splitlines() if x.startswith("17")]
    paths = []
    for i in range(n):
        p = tmp_path / "in" / f"part{i}.log"
        p.parent.mkdir(exist_ok=True)
        # shift timestamps so every file has different content
        shifted = [
            f"{float(x.split(' ', 1)[0]) + i * 86400:.3f} {x.split(' ', 1)[1]}" for x in lines
        ]
        p.write_text("\n".join(shifted * 20) + "\n", encoding="utf-8")
        paths.append(p)
    return paths


def test_killed_ingest_then_rerun_equals_clean_run(tmp_path: Path) -> None:
    """SIGKILL in the middle of an ingest, then a rerun: same counts as one clean run."""
    inputs = _big_inputs(tmp_path, 6)
    clean = tmp_path / "clean"
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", *map(str, inputs), "--store", str(clean)]).exit_code == 0
    crashed = tmp_path / "crashed"
    cmd = [
        sys.executable,
        "-m",
        "shadowscan",
        "-q",
        "ingest",
        *map(str, inputs),
        "--store",
        str(crashed),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = crashed / "manifest.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (
            manifest.is_file()
            and len(json.loads(manifest.read_text() or "{}").get("batches", [])) >= 1
        ):
            break
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.fail("the ingest ended before it could be killed: make the inputs bigger")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = Store(crashed)
    assert len(partial.manifest()["batches"]) < 6  # really killed mid-run
    assert (
        runner.invoke(main, ["ingest", *map(str, inputs), "--store", str(crashed)]).exit_code == 0
    )
    a, b = Store(clean), Store(crashed)
    assert _counts(a) == _counts(b)
    assert len(b.manifest()["batches"]) == 6
    listed = {str(p) for k in ("events", "matches", "rejects", "signals") for p in b.files(k)}
    on_disk = {str(p) for p in crashed.rglob("*.parquet")}
    assert on_disk == listed  # no orphan from the killed run
    assert not (crashed / "staging").exists()


def test_leftovers_of_a_killed_batch_are_invisible_and_cleaned(
    tmp_path: Path, ctx: Context
) -> None:
    """A published file missing from the manifest is not read, and the next writer deletes it."""
    store = Store(tmp_path / "st", create=True)
    _ingest(store, ctx, ACCESS)
    orphan = tmp_path / "st" / "events" / "day=2026-11-26" / "source=proxy" / "orphan.parquet"
    store.read("events").head(5).write_parquet(orphan)
    assert store.read("events").height == 2496
    with store.lock():
        pass
    assert not orphan.exists()


def test_prune_deletes_old_event_partitions_only(tmp_path: Path, ctx: Context) -> None:
    """Retention drops raw events older than N days; matches stay; the file stays known."""
    store = Store(tmp_path / "st", create=True)
    _ingest(store, ctx, ACCESS)
    with store.lock():
        deleted = store.prune(keep_days=1, today=date(2026, 11, 28))
    assert deleted == 2  # 2026-11-25 (late evening, UTC) and 2026-11-26
    days = store.read("events")["ts"].dt.date().unique().sort().to_list()
    assert [d.isoformat() for d in days] == ["2026-11-27", "2026-11-28"]
    assert store.read("matches").height == 459
    assert _ingest(store, ctx, ACCESS) == ["skipped"]


@pytest.fixture()
def sandbox(tmp_path: Path, ctx: Context, catalog: Catalog):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "st", create=True)
    _ingest(store, ctx, ACCESS)
    return connect(store, catalog)


def test_query_reads_the_views(sandbox) -> None:  # type: ignore[no-untyped-def]
    """SELECT over the views gives what polars counts on the same data."""
    out = run_query(sandbox, "select count(*) as n from matches where department = 'Legal'")
    assert out["n"].to_list() == [22]
    users = run_query(sandbox, "select count(*) as n from users")
    assert users["n"].to_list() == [42]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("create table t as select 1", "CREATE statements are refused"),
        ("drop view events", "DROP statements are refused"),
        ("insert into events select * from events", "INSERT statements are refused"),
        ("copy events to 'x.csv'", "COPY statements are refused"),
        ("attach 'x.db'", "ATTACH statements are refused"),
        ("install httpfs", "LOAD statements are refused"),
        ("load httpfs", "LOAD statements are refused"),
        ("set enable_external_access = true", "SET statements are refused"),
        ("select * from read_csv('/etc/passwd')", "Cannot access file"),
        ("select * from read_parquet('x.parquet')", "Cannot access file"),
        ("select 1; select 2", "one statement at a time"),
    ],
)
def test_query_refuses_writes_and_file_access(sandbox, sql: str, message: str) -> None:  # type: ignore[no-untyped-def]
    """Writes, COPY, ATTACH, INSTALL/LOAD, settings and file reads are refused."""
    with pytest.raises(QueryRefused, match=message):
        run_query(sandbox, sql)


def test_store_database_has_the_views(tmp_path: Path) -> None:
    """`ingest` leaves STORE/store.duckdb whose views read exactly the published files."""
    import duckdb

    store_dir = tmp_path / "st"
    result = CliRunner().invoke(main, ["ingest", str(ACCESS), "--store", str(store_dir)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(store_dir / "store.duckdb"), read_only=True)
    counts = [
        con.execute(f"select count(*) from {view}").fetchone()[0]  # type: ignore[index]
        for view in ("events", "matches", "rejects", "users")
    ]
    # no directory given: alice and alice@corp.example stay two names (as in users_table)
    assert counts == [2496, 459, 3, 62]


def test_ingest_custom_mapping(tmp_path: Path) -> None:
    """`ingest --format custom --mapping FILE` reads an export through its mapping."""
    data = REPO / "tests" / "data" / "logs" / "fwdns"
    store = tmp_path / "st"
    args = ["ingest", str(data / "custom_proxy.csv"), "--store", str(store)]
    args += ["--format", "custom", "--mapping", str(data / "custom_proxy.yaml")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "(custom)" in result.output
    assert Store(store).read("events").height > 0


def test_ingest_custom_needs_mapping(tmp_path: Path) -> None:
    """`--format custom` without `--mapping` is a usage error."""
    args = ["ingest", str(ACCESS), "--store", str(tmp_path / "st"), "--format", "custom"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "--format custom needs --mapping FILE" in result.output


def _no_second_read(*args: object, **kwargs: object) -> None:
    raise AssertionError("new content must be hashed while it is parsed, not read first")


@pytest.mark.parametrize("compress", [None, "gzip", "zstd"])
def test_new_file_is_read_once_and_fingerprinted_exactly(
    tmp_path: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch, compress: str | None
) -> None:
    """New content is hashed while parsed (tiny chunks: many reads and seeks back); the
    manifest's hash is the file's (up to its last newline when plain); a renamed copy is
    then recognised as already ingested."""
    import gzip
    import hashlib

    import zstandard

    from shadowscan import pipeline
    from shadowscan import store as store_mod

    text = ACCESS.read_bytes() + b"1700000000.000 5 10.0.0.9 TCP_MISS/200 1 GET http://x.ex"
    data = {
        None: lambda b: b,
        "gzip": lambda b: gzip.compress(b, mtime=0),
        "zstd": lambda b: zstandard.ZstdCompressor().compress(b),
    }[compress](text)
    path = tmp_path / "in.log"
    path.write_bytes(data)
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(store_mod, "fingerprint", _no_second_read)
    hashed_by_reader: list[int] = []

    class Recording(store_mod.ContentHash):
        def finish(self, path: Path) -> str:
            hashed_by_reader.append(self.done)  # what the reader fed before finish()
            return super().finish(path)

    monkeypatch.setattr(store_mod, "ContentHash", Recording)
    store = Store(tmp_path / "st", create=True)
    assert _ingest(store, ctx, path) == ["ingested"]
    batch = store.manifest()["batches"][0]
    expected = data[: data.rfind(b"\n") + 1] if compress is None else data
    assert batch["sha256"] == hashlib.sha256(expected).hexdigest()
    assert hashed_by_reader == [len(expected)]  # nothing left to read again
    assert batch["batch"].startswith(batch["sha256"][:16])
    assert all(batch["batch"] in f for f in batch["files"])
    monkeypatch.undo()
    copy = tmp_path / "renamed.log"
    shutil.copy(path, copy)
    assert _ingest(store, ctx, copy) == ["skipped"]


def test_content_hash_counts_each_byte_once() -> None:
    """Bytes fed again after a seek back, or past the limit, are not hashed twice."""
    import hashlib

    from shadowscan.sources.reader import ContentHash

    h = ContentHash(limit=8)
    h.feed(0, memoryview(b"abcd"))
    h.feed(2, memoryview(b"cdef"))  # a seek back: "cd" again
    h.feed(10, memoryview(b"zz"))  # a gap: ignored
    h.feed(6, memoryview(b"ghij"))  # past the limit: "ij" dropped
    assert h.done == 8
    assert h._sha.hexdigest() == hashlib.sha256(b"abcdefgh").hexdigest()


def test_append_is_read_once(tmp_path: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grown file: the old part is hashed to recognise it, the new part hashed as it is
    parsed; the batch's hash is the whole file's and no byte is read twice."""
    import hashlib

    from shadowscan import store as store_mod

    store, log, lines = _first_100_lines_ingested(tmp_path, ctx)
    with log.open("a", encoding="utf-8") as fh:
        fh.write("".join(lines[100:150]))
    monkeypatch.setattr(store_mod, "fingerprint", _no_second_read)
    seen: list[tuple[int, int]] = []

    class Recording(store_mod.ContentHash):
        def finish(self, path: Path) -> str:
            seen.append((self.done, self.limit or -1))  # what the reader fed, of how much
            return super().finish(path)

    monkeypatch.setattr(store_mod, "ContentHash", Recording)
    assert _ingest(store, ctx, log) == ["appended"]
    batch = store.manifest()["batches"][-1]
    data = log.read_bytes()
    assert batch["sha256"] == hashlib.sha256(data).hexdigest()
    assert seen == [(len(data), len(data))]
    assert store.read("events")["source_line"].sort().to_list() == list(range(1, 151))


def test_windowed_read_takes_only_its_days(
    tmp_path: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read with start/end returns exactly the rows in the window and opens only the day
    partitions that can hold them."""
    from datetime import UTC, datetime

    import polars as pl

    store = Store(tmp_path / "st", create=True)
    _ingest(store, ctx, ACCESS)
    everything = store.read("matches")
    start = datetime(2026, 11, 27, tzinfo=UTC)
    end = datetime(2026, 11, 28, 12, tzinfo=UTC)
    opened: list[str] = []
    real_scan = pl.scan_parquet

    def scan(files: list[Path], **kwargs: object) -> pl.LazyFrame:
        opened.extend(str(f) for f in files)
        return real_scan(files, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl, "scan_parquet", scan)
    window = store.read("matches", start=start, end=end)
    expected = everything.filter((pl.col("ts") >= start) & (pl.col("ts") < end))
    assert 0 < window.height < everything.height
    assert sorted(window["source_line"].to_list()) == sorted(expected["source_line"].to_list())
    assert opened and all(("day=2026-11-27" in f or "day=2026-11-28" in f) for f in opened)


@pytest.mark.parametrize("rows", [1, 3, 200_000])
def test_batches_give_the_windowed_read_in_order(tmp_path: Path, ctx: Context, rows: int) -> None:
    """Store.batches: the rows read() gives, same order, in frames of at most ``rows``."""
    from datetime import UTC, datetime

    import polars as pl

    store = Store(tmp_path / "st", create=True)
    _ingest(store, ctx, ACCESS)
    start = datetime(2026, 11, 27, tzinfo=UTC)
    end = datetime(2026, 11, 28, 12, tzinfo=UTC)
    for window in ((None, None), (start, end)):
        frames = list(store.batches("matches", start=window[0], end=window[1], rows=rows))
        assert all(0 < f.height <= rows for f in frames)
        assert pl.concat(frames).equals(store.read("matches", start=window[0], end=window[1]))


def test_signal_rows_are_published_in_batches_in_order(
    tmp_path: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Candidate signal rows go to the store as they come (here one file per small chunk
    that has any), in the order and with the rows a single batch would hold."""
    import polars as pl

    import shadowscan.pipeline as pipeline

    whole = Store(tmp_path / "whole", create=True)
    _ingest(whole, ctx, ACCESS)
    expected = whole.read("signals")
    assert expected.height >= 2
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 1)
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 16 * 1024)
    split = Store(tmp_path / "split", create=True)
    _ingest(split, ctx, ACCESS)
    assert len(split.files("signals")) > 1
    assert split.read("signals").equals(expected)
    assert pl.concat(list(split.batches("signals"))).equals(expected)
