"""Loading a good catalog: values, order, version, warnings and unusable directories."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from shadowscan.catalog import Issue, UrlRule, lint_catalog, load_catalog
from shadowscan.catalog.loader import read_services
from shadowscan.errors import CatalogError

SIGNATURES = Path(__file__).resolve().parents[1] / "data" / "signatures"
GOOD = SIGNATURES / "good"


def test_good_catalog_lints_without_errors() -> None:
    """The good fixture has no error (a stale warning may come with time)."""
    _, issues, _ = lint_catalog(GOOD)
    assert [str(i) for i in issues if i.severity == "error"] == []


def test_good_catalog_services_are_sorted_by_id_across_files() -> None:
    """Services of api.yaml and chat.yaml come back in one id order."""
    assert [s.id for s in load_catalog(GOOD).services] == ["alpha-chat", "beta-api", "gemini-test"]


def test_good_catalog_entry_values_are_converted() -> None:
    """Lists become tuples, URL rules split host and path, 'unknown' becomes None."""
    s = load_catalog(GOOD).get("alpha-chat")
    assert s is not None
    assert s.domains == ("alpha-chat.example", "chat.alpha.example")
    assert s.urls == (UrlRule("hub.example", "/chat"),)
    assert s.saas_apps == ("Alpha Chat",)
    assert (s.trains_on_input_default, s.enterprise_tier) == (None, False)
    assert s.last_validated == date(2026, 6, 1)
    assert (s.file, s.line) == (str(GOOD / "chat.yaml"), 3)


def test_specific_ai_subdomain_of_google_loads() -> None:
    """gemini.google.com is accepted as a domain signature."""
    s = load_catalog(GOOD).get("gemini-test")
    assert s is not None
    assert s.domains == ("gemini.google.com",)


def test_version_does_not_depend_on_the_folder(tmp_path: Path) -> None:
    """The same files in another folder give the same version."""
    copy = shutil.copytree(GOOD, tmp_path / "copy")
    assert load_catalog(copy).version == load_catalog(GOOD).version


def test_version_changes_with_content(tmp_path: Path) -> None:
    """Editing a file changes the version."""
    copy = shutil.copytree(GOOD, tmp_path / "copy")
    api = copy / "api.yaml"
    api.write_text(api.read_text().replace("Example Corp", "Other Corp"))
    assert load_catalog(copy).version != load_catalog(GOOD).version


def test_stale_date_is_a_warning_in_lint() -> None:
    """A last_validated more than two years old is reported as a warning."""
    folder = SIGNATURES / "stale"
    _, issues, _ = lint_catalog(folder)
    assert issues == [
        Issue(
            str(folder / "services.yaml"),
            3,
            "warning",
            "stale",
            "'alpha' was last validated on 2020-01-01; check it again",
        )
    ]


def test_stale_date_does_not_block_loading() -> None:
    """A catalog whose only issue is a warning loads."""
    assert [s.id for s in load_catalog(SIGNATURES / "stale").services] == ["alpha"]


def test_read_services_reports_only_structural_issues() -> None:
    """read_services parses entries; semantic checks (general-purpose domains) are lint's."""
    services, issues, _ = read_services(SIGNATURES / "general_purpose")
    assert (len(services), issues) == (5, [])


def test_read_services_drops_an_entry_with_a_structural_error() -> None:
    """An entry with an unknown key is reported and not returned as a service."""
    folder = SIGNATURES / "unknown_key"
    services, issues, _ = read_services(folder)
    assert services == []
    assert issues == [
        Issue(
            str(folder / "services.yaml"),
            7,
            "error",
            "unknown-key",
            "unknown key 'domian' (did you mean 'domains'?)",
        )
    ]


def test_missing_directory_is_a_catalog_error(tmp_path: Path) -> None:
    """A directory that does not exist is refused with a hint."""
    missing = tmp_path / "nope"
    with pytest.raises(CatalogError, match=r"signature directory not found \(pass --signatures"):
        load_catalog(missing)


def test_directory_without_yaml_is_a_catalog_error(tmp_path: Path) -> None:
    """A directory with no *.yaml file is refused."""
    (tmp_path / "README.txt").write_text("not a catalog\n")
    with pytest.raises(CatalogError, match=r"no \*\.yaml signature files"):
        load_catalog(tmp_path)


def test_file_without_services_key_is_refused(tmp_path: Path) -> None:
    """A YAML file that is not ``services: [...]`` is an error at line 1."""
    (tmp_path / "x.yaml").write_text("service:\n  - id: a\n")
    with pytest.raises(CatalogError, match=r"x\.yaml:1: a signature file holds one key: services"):
        load_catalog(tmp_path)
