"""Linter rules added for issue 4: nested quantifiers, alias bombs, size cap, owners, noise."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shadowscan.catalog import lint_catalog, load_catalog
from shadowscan.catalog.checks import MAX_FILE_BYTES, nested_quantifier
from shadowscan.errors import CatalogError

SIGNATURES = Path(__file__).resolve().parents[1] / "data" / "signatures"


def _issues(folder: str) -> list[tuple[str, int, str, str]]:
    _, issues, _ = lint_catalog(SIGNATURES / folder)
    return [(i.path.rsplit("/", 1)[-1], i.line, i.severity, i.code) for i in issues]


@pytest.mark.parametrize(
    ("pattern", "nested"),
    [
        ("(a+)+", "(a+)+"),
        ("(a*)*", "(a*)*"),
        (r"(?:\w+x)*", r"(?:\w+x)*"),
        ("(a{2,3})+", "(a{2,3})+"),
        ("((a+)b)+", "((a+)b)+"),
        (r"^(?:foo[0-9]+\.)+bar", r"(?:foo[0-9]+\.)+"),
        ("(a|b)+", None),
        ("(ab){2,}", None),
        ("(a+)?", None),
        ("(a+){1}", None),
        ("[(a+)]+", None),
        (r"\(a+\)+", None),
        ("^OpenAI/Python", None),
    ],
)
def test_nested_quantifier_is_found_syntactically(pattern: str, nested: str | None) -> None:
    """A group that repeats a repetition is reported; a bounded or single one is not."""
    assert nested_quantifier(pattern) == nested


@given(st.text(alphabet="ab()+*?{},[]\\|^$.:2", max_size=30))
def test_nested_quantifier_never_crashes(pattern: str) -> None:
    """Any text, even an invalid pattern, gives a string or None."""
    result = nested_quantifier(pattern)
    assert result is None or result in pattern


def test_nested_quantifier_pattern_is_an_error_at_its_entry() -> None:
    """``(Bot+)+`` in a user_agents pattern is refused, naming the file and line."""
    assert _issues("issue4_nested_quantifier") == [
        ("services.yaml", 3, "error", "nested-quantifier")
    ]


def test_nested_quantifier_message_names_the_group() -> None:
    """The message shows the offending group and how to fix it."""
    with pytest.raises(CatalogError, match=r"repeats a repetition \(\(Bot\+\)\+\)"):
        load_catalog(SIGNATURES / "issue4_nested_quantifier")


def test_pattern_matching_a_browser_is_refused() -> None:
    """A pattern that matches ordinary browser user agents would flag everybody."""
    with pytest.raises(CatalogError, match=r"matches the ordinary user agent 'Mozilla/5\.0"):
        load_catalog(SIGNATURES / "issue4_ua_browser")


def test_same_user_agent_on_two_services_is_an_error() -> None:
    """A pattern names one service (case-insensitively)."""
    assert _issues("issue4_duplicate_ua") == [
        ("services.yaml", 18, "error", "duplicate-user-agent")
    ]


def test_same_url_rule_on_two_services_is_an_error() -> None:
    """``portal.example/ai`` and ``portal.example/ai/`` are the same rule."""
    assert _issues("issue4_duplicate_url") == [("services.yaml", 18, "error", "duplicate-url")]


def test_redundant_domain_is_a_warning_only() -> None:
    """A subdomain of a domain of the same service is noise, not an error."""
    assert _issues("issue4_redundant_domain") == [
        ("services.yaml", 3, "warning", "redundant-domain")
    ]
    assert len(load_catalog(SIGNATURES / "issue4_redundant_domain")) == 1


def test_future_last_validated_is_an_error() -> None:
    """A date after tomorrow cannot be a validation date."""
    assert _issues("issue4_future_date") == [("services.yaml", 3, "error", "future-date")]


@pytest.mark.parametrize(
    ("folder", "line", "message"),
    [
        ("issue4_alias", 3, "YAML anchor '&base' is not allowed in this file"),
        ("issue4_alias_value", 7, "YAML anchor '&d' is not allowed in this file"),
    ],
)
def test_anchor_or_alias_is_refused_with_its_line(folder: str, line: int, message: str) -> None:
    """Anchors and aliases (the alias-bomb vector) are refused at the line they are written."""
    with pytest.raises(CatalogError, match=rf"services\.yaml:{line}: .*{message}"):
        load_catalog(SIGNATURES / folder)


def test_alias_bomb_is_refused_before_expansion(tmp_path: Path) -> None:
    """A billion-laughs file is refused at its first anchor, never expanded."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join(levels) + "\nservices: [*a8]\n")
    with pytest.raises(CatalogError, match=r"bomb\.yaml:1: .*YAML anchor '&a0'"):
        load_catalog(tmp_path)


def test_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    """A file larger than the cap is refused with its size, before parsing."""
    big = tmp_path / "big.yaml"
    big.write_text("services: []\n" + "#" * MAX_FILE_BYTES)
    with pytest.raises(
        CatalogError, match=r"big\.yaml:1: file is 2,097,165 bytes, over the 2,097,152-byte cap"
    ):
        load_catalog(tmp_path)


def test_size_cap_is_two_mebibytes() -> None:
    """The cap documented in docs/catalog.md."""
    assert MAX_FILE_BYTES == 2 * 1024 * 1024
