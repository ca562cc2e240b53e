"""The bundled catalog's checked snapshot: used only while it matches the YAML, equal to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shadowscan.catalog import bundled_dir, load_catalog
from shadowscan.catalog.snapshot import SNAPSHOT_NAME, read_snapshot, write_snapshot

REFRESH = "run: python -m shadowscan.catalog (after editing signatures/)"


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    """Three of the bundled files, with a snapshot made from them."""
    folder = tmp_path / "signatures"
    folder.mkdir()
    for name in ("chat-assistant.yaml", "model-api.yaml", "translation.yaml"):
        shutil.copy(bundled_dir() / name, folder / name)
    write_snapshot(load_catalog(folder, snapshot=False), folder)
    return folder


def test_the_bundled_snapshot_is_current_and_equal_to_the_yaml() -> None:
    """signatures/_snapshot.json matches the YAML files it ships with, service for service,
    and loading the bundled catalog takes it."""
    from_yaml = load_catalog(snapshot=False)
    snapshot = read_snapshot(bundled_dir())
    assert snapshot is not None, f"signatures/{SNAPSHOT_NAME} is stale; {REFRESH}"
    assert snapshot == from_yaml, f"signatures/{SNAPSHOT_NAME} differs from the YAML; {REFRESH}"
    assert snapshot.version == from_yaml.version
    assert [s.file for s in snapshot.services] == [s.file for s in from_yaml.services]
    assert [s.line for s in snapshot.services] == [s.line for s in from_yaml.services]
    assert load_catalog() == from_yaml


def test_a_snapshot_round_trips(catalog_copy: Path) -> None:
    """What a snapshot gives back is the catalog it was written from, every field."""
    assert read_snapshot(catalog_copy) == load_catalog(catalog_copy, snapshot=False)


@pytest.mark.parametrize("change", ["edit", "add", "remove", "rename"])
def test_a_changed_catalog_makes_the_snapshot_stale(catalog_copy: Path, change: str) -> None:
    """Any edit, new, removed or renamed file: the snapshot is not used."""
    target = catalog_copy / "translation.yaml"
    if change == "edit":
        target.write_text(target.read_text().replace("DeepL", "DeepL Pro", 1))
    elif change == "add":
        shutil.copy(bundled_dir() / "model-hub.yaml", catalog_copy / "model-hub.yaml")
    elif change == "remove":
        target.unlink()
    else:
        target.rename(catalog_copy / "translations.yaml")
    assert read_snapshot(catalog_copy) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{not json",
        "[]",
        '{"format": 99}',
        '{"format": 1, "sha256": "SHA", "services": [{"id": "x"}]}',
        '{"format": 1, "sha256": "SHA", "services": [{"urls": 5}]}',
        '{"format": 1, "sha256": "SHA"}',
    ],
)
def test_an_unreadable_snapshot_is_ignored(catalog_copy: Path, text: str) -> None:
    """A damaged snapshot (even one with the right digest) never fails the load: None."""
    path = catalog_copy / SNAPSHOT_NAME
    digest = json.loads(path.read_text())["sha256"]
    path.write_text(text.replace("SHA", digest))
    assert read_snapshot(catalog_copy) is None


def test_a_catalog_without_a_snapshot_has_none(tmp_path: Path) -> None:
    """No snapshot file, or no catalog files: None."""
    assert read_snapshot(tmp_path) is None
    (tmp_path / SNAPSHOT_NAME).write_text("{}")
    assert read_snapshot(tmp_path) is None


def test_only_the_bundled_catalog_is_read_from_a_snapshot(catalog_copy: Path) -> None:
    """A folder given with --signatures is read from its YAML and checked, even with a
    current snapshot beside it: a bad entry there is still refused."""
    path = catalog_copy / SNAPSHOT_NAME
    doc = json.loads(path.read_text())
    doc["services"] = doc["services"][:1]
    path.write_text(json.dumps(doc))
    assert read_snapshot(catalog_copy) is not None  # current, and says one service
    assert len(load_catalog(catalog_copy)) > 1  # the YAML's, not the snapshot's
