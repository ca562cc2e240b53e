"""Strict loading: every broken fixture catalog is refused, naming the file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shadowscan.catalog import CATEGORIES, Issue, lint_catalog, load_catalog
from shadowscan.errors import CatalogError

SIGNATURES = Path(__file__).resolve().parents[1] / "data" / "signatures"
GP_HINT = "is a general-purpose domain; use a specific AI subdomain or a URL rule with a path"


def _hint(folder: Path) -> str:
    return f"(run: shadowscan signatures check {folder})"


# (fixture folder, file, line, message); {dir} is the fixture folder.
REFUSED = [
    pytest.param(
        "unknown_key",
        "services.yaml",
        7,
        "unknown key 'domian' (did you mean 'domains'?)",
        id="unknown-key-did-you-mean",
    ),
    pytest.param("missing_key", "services.yaml", 3, "missing key 'vendor'", id="missing-key"),
    pytest.param(
        "domains_string",
        "services.yaml",
        7,
        "'domains' must be a list of non-empty strings",
        id="domains-as-string",
    ),
    pytest.param(
        "tri_maybe",
        "services.yaml",
        11,
        "'trains_on_input_default' must be true, false or unknown",
        id="trains-on-input-maybe",
    ),
    pytest.param(
        "date_not_a_date",
        "services.yaml",
        17,
        "'last_validated' must be a date YYYY-MM-DD",
        id="last-validated-not-a-date",
    ),
    pytest.param(
        "duplicate_yaml_key",
        "services.yaml",
        9,
        "invalid YAML: duplicate key 'domains' (first at line 7)",
        id="duplicate-yaml-key",
    ),
    pytest.param(
        "invalid_yaml",
        "services.yaml",
        5,
        # libyaml's wording (PyYAML's pure-Python parser says "here")
        "invalid YAML: mapping values are not allowed in this context",
        id="invalid-yaml-syntax",
    ),
    pytest.param(
        "duplicate_id",
        "b.yaml",
        3,
        "id 'alpha' also at {dir}/a.yaml:3",
        id="duplicate-id-two-files",
    ),
    pytest.param(
        "duplicate_domain",
        "services.yaml",
        18,
        "'alpha.example' is also a domain of 'alpha' ({dir}/services.yaml:3)",
        id="duplicate-domain",
    ),
    pytest.param(
        "public_suffix",
        "services.yaml",
        3,
        "'co.uk' is a public suffix, not a domain",
        id="public-suffix",
    ),
    pytest.param(
        "unknown_category",
        "services.yaml",
        3,
        f"unknown category 'chatbots' (one of: {', '.join(CATEGORIES)})",
        id="unknown-category",
    ),
    pytest.param(
        "no_rules",
        "services.yaml",
        3,
        "'alpha' has no domains, urls, user_agents or saas_apps",
        id="no-rules",
    ),
    pytest.param(
        "source_url_http",
        "services.yaml",
        3,
        "source_url of 'alpha' must be an https:// URL",
        id="source-url-not-https",
    ),
]


@pytest.mark.parametrize(("case", "file", "line", "message"), REFUSED)
def test_broken_catalog_is_refused_naming_file_and_line(
    case: str, file: str, line: int, message: str
) -> None:
    """load_catalog raises one CatalogError: file, line, message and the check hint."""
    folder = SIGNATURES / case
    expected = f"{folder / file}:{line}: {message.format(dir=folder)} {_hint(folder)}"
    with pytest.raises(CatalogError, match=f"^{re.escape(expected)}$") as info:
        load_catalog(folder)
    assert (info.value.path, info.value.line) == (str(folder / file), line)


def test_unsafe_tag_is_refused() -> None:
    """A python/object tag is an error at its line, never constructed."""
    folder = SIGNATURES / "unsafe_tag"
    tag = "'tag:yaml.org,2002:python/"
    where = f"{folder / 'services.yaml'}:14: invalid YAML: unsafe or unknown tag {tag}"
    with pytest.raises(CatalogError, match=f"^{re.escape(where)}"):
        load_catalog(folder)


def test_unsafe_tag_message_names_the_whole_tag() -> None:
    """The error quotes the refused tag in full."""
    with pytest.raises(CatalogError, match=re.escape("'tag:yaml.org,2002:python/object/apply:")):
        load_catalog(SIGNATURES / "unsafe_tag")


@pytest.mark.parametrize(
    ("case", "pattern"),
    [
        pytest.param("ua_backreference", "(a)\\1", id="backreference"),
        pytest.param("ua_lookahead", "(?=x)AlphaBot", id="lookahead"),
    ],
)
def test_non_re2_user_agent_pattern_is_refused(case: str, pattern: str) -> None:
    """A user_agents pattern RE2 cannot compile is an error at the service's line."""
    folder = SIGNATURES / case
    head = f"{folder / 'services.yaml'}:3: user_agents pattern {pattern!r} is not RE2-compatible ("
    tail = f"); remove backreferences and lookaround {_hint(folder)}"
    with pytest.raises(CatalogError, match=f"^{re.escape(head)}.+{re.escape(tail)}$"):
        load_catalog(folder)


def test_non_re2_message_shows_re2_reason_as_text() -> None:
    """The RE2 reason is shown as plain text, not as a bytes literal."""
    _, issues, _ = lint_catalog(SIGNATURES / "ua_backreference")
    assert [i.message for i in issues] == [
        "user_agents pattern '(a)\\\\1' is not RE2-compatible (invalid escape sequence: \\1); "
        "remove backreferences and lookaround"
    ]


@pytest.mark.parametrize(
    ("domain", "line"),
    [
        pytest.param("google.com", 3, id="google.com"),
        pytest.param("github.com", 18, id="github.com"),
        pytest.param("amazonaws.com", 33, id="amazonaws.com"),
        pytest.param("www.microsoft.com", 48, id="www.microsoft.com"),
    ],
)
def test_general_purpose_domain_is_an_error(domain: str, line: int) -> None:
    """A general-purpose domain as a domain signature is an error at its service's line."""
    path = str(SIGNATURES / "general_purpose" / "services.yaml")
    _, issues, _ = lint_catalog(SIGNATURES / "general_purpose")
    expected = Issue(path, line, "error", "general-purpose-domain", f"'{domain}' {GP_HINT}")
    assert [i for i in issues if i.line == line] == [expected]


def test_ai_subdomain_of_general_purpose_domain_is_accepted() -> None:
    """gemini.google.com (line 63) is a specific AI subdomain: no issue."""
    services, issues, _ = lint_catalog(SIGNATURES / "general_purpose")
    assert [i for i in issues if i.line == 63] == []
    assert [s.domains for s in services if s.line == 63] == [("gemini.google.com",)]


def test_load_refuses_whole_catalog_when_some_entries_are_bad() -> None:
    """One good service next to bad ones still refuses the catalog, counting the rest."""
    folder = SIGNATURES / "general_purpose"
    expected = f"{folder / 'services.yaml'}:3: 'google.com' {GP_HINT}; 3 more {_hint(folder)}"
    with pytest.raises(CatalogError, match=f"^{re.escape(expected)}$"):
        load_catalog(folder)


def test_refusal_hint_names_the_check_command() -> None:
    """The error's hint tells the user which command lists every issue."""
    folder = SIGNATURES / "unknown_key"
    with pytest.raises(CatalogError, match=re.escape("shadowscan signatures check")) as info:
        load_catalog(folder)
    assert info.value.hint == f"run: shadowscan signatures check {folder}"


def test_out_of_range_date_is_a_catalog_error() -> None:
    """last_validated: 2026-13-01 is refused naming file and line, not a ValueError."""
    folder = SIGNATURES / "date_out_of_range"
    with pytest.raises(CatalogError, match=f"^{re.escape(str(folder / 'services.yaml'))}:17: "):
        load_catalog(folder)


def test_timestamp_for_last_validated_is_a_catalog_error() -> None:
    """last_validated: 2024-01-01 10:00:00 is not a date: refused at its line."""
    folder = SIGNATURES / "date_with_time"
    expected = (
        f"{folder / 'services.yaml'}:17: 'last_validated' must be a date YYYY-MM-DD {_hint(folder)}"
    )
    with pytest.raises(CatalogError, match=f"^{re.escape(expected)}$"):
        load_catalog(folder)


def test_root_url_rule_on_general_purpose_host_is_refused() -> None:
    """urls: [github.com/] is refused like domains: [github.com]."""
    folder = SIGNATURES / "general_purpose_url_root"
    with pytest.raises(CatalogError, match=f"^{re.escape(str(folder / 'services.yaml'))}:3: "):
        load_catalog(folder)


def test_pattern_polars_cannot_compile_is_named(tmp_path: Path) -> None:
    """RE2 accepts ``\\C`` but polars' regex engine does not: that pattern alone is the
    error (all patterns are tried in one call first, then one by one to name it)."""
    text = (SIGNATURES / "ua_lookahead" / "services.yaml").read_text(encoding="utf-8")
    good = text.split("services:\n", 1)[1].replace("(?=x)AlphaBot", "BetaBot/1")
    good = good.replace("id: alpha", "id: beta").replace("name: Alpha", "name: Beta")
    good = good.replace("alpha.example", "beta.example")
    (tmp_path / "services.yaml").write_text(
        text.replace("(?=x)AlphaBot", "AlphaBot\\C") + good, encoding="utf-8"
    )
    _, issues, _ = lint_catalog(tmp_path)
    errors = [(i.code, i.line, i.message.split(": ")[0]) for i in issues if i.severity == "error"]
    assert errors == [("bad-pattern", 3, "user_agents pattern 'AlphaBot\\\\C'")]
