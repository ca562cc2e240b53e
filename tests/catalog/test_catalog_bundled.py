"""The bundled catalog loads, covers the taxonomy and has a stable version."""

from __future__ import annotations

import re

import pytest

from shadowscan.catalog import CATEGORIES, Catalog, bundled_dir, lint_catalog, load_catalog


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    """The bundled catalog, loaded once for this module."""
    return load_catalog()


def test_bundled_catalog_has_at_least_150_services(bundled: Catalog) -> None:
    """The shipped catalog is big enough to be useful."""
    assert len(bundled) >= 150


def test_bundled_catalog_covers_every_category_but_mcp_server(bundled: Catalog) -> None:
    """Every SPEC category except possibly mcp-server has at least one service."""
    assert set(CATEGORIES) - {"mcp-server"} - bundled.categories() == set()


def test_bundled_ids_are_unique_and_sorted(bundled: Catalog) -> None:
    """Services come back ordered by id, each id once."""
    ids = [s.id for s in bundled.services]
    assert ids == sorted(set(ids))


def test_bundled_version_is_12_hex_digits(bundled: Catalog) -> None:
    """The version is a 12-character lower-case hex digest."""
    assert re.fullmatch(r"[0-9a-f]{12}", bundled.version)


def test_bundled_version_is_stable_across_loads(bundled: Catalog) -> None:
    """Loading the same files twice gives the same version."""
    assert load_catalog().version == bundled.version


def test_bundled_catalog_lints_without_errors() -> None:
    """``signatures check`` on the shipped catalog finds no error."""
    _, issues, _ = lint_catalog()
    assert [str(i) for i in issues if i.severity == "error"] == []


def test_load_catalog_defaults_to_the_bundled_dir(bundled: Catalog) -> None:
    """With no directory, the catalog shipped with the package is loaded."""
    assert bundled.source_dir == str(bundled_dir())


def test_catalog_get_finds_a_service_by_id(bundled: Catalog) -> None:
    """``Catalog.get`` returns the service with that id, None for an unknown id."""
    service = bundled.get("openai-api")
    assert service is not None
    assert (service.name, service.vendor, service.category) == ("OpenAI API", "OpenAI", "model-api")
    assert bundled.get("no-such-service") is None
