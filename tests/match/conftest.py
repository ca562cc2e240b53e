"""Compiled catalogs shared by the matcher tests (compiled once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shadowscan.catalog import load_catalog
from shadowscan.match.compile import CompiledCatalog, compile_catalog

SMALL = Path(__file__).resolve().parents[1] / "data" / "signatures" / "match_small"


@pytest.fixture(scope="session")
def bundled_cc() -> CompiledCatalog:
    """The bundled catalog, compiled."""
    return compile_catalog(load_catalog())


@pytest.fixture(scope="session")
def small_cc() -> CompiledCatalog:
    """openai.com -> openai, claude.ai -> anthropic, mistral.ai -> mistral."""
    return compile_catalog(load_catalog(SMALL))
