"""CATALOG.md is generated from the catalog and kept up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    """tools/gen_catalog_md.py, imported by path (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location(
        "gen_catalog_md", REPO / "tools" / "gen_catalog_md.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalog_md_is_up_to_date(gen: ModuleType) -> None:
    """CATALOG.md equals what the generator writes now (rerun it after editing the YAML)."""
    assert gen.main(["--check"]) == 0


def test_catalog_md_states_license_and_attribution() -> None:
    """The license and both imported lists are named."""
    text = (REPO / "CATALOG.md").read_text(encoding="utf-8")
    needed = ["CC0 1.0 Universal", "v2fly/domain-list-community", "ai.robots.txt", "MIT"]
    assert [n for n in needed if n not in text] == []


def test_stale_catalog_md_is_detected(gen: ModuleType, tmp_path: Path) -> None:
    """``--check`` fails on a file that differs from the catalog."""
    stale = tmp_path / "CATALOG.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert gen.main(["--check", "--out", str(stale)]) == 1
