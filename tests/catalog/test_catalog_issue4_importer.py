"""The catalog importer (tools/import_catalogs.py) parses v2fly lists and flags unsafe rules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "data" / "signatures" / "issue4_v2fly"


@pytest.fixture(scope="module")
def importer() -> ModuleType:
    """tools/import_catalogs.py, imported by path (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location(
        "import_catalogs", REPO / "tools" / "import_catalogs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_catalogs"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("example.ai", ("domain", "example.ai", ())),
        ("domain:Example.AI", ("domain", "example.ai", ())),
        ("full:api.example.ai @ads", ("full", "api.example.ai", ("@ads",))),
        ("keyword:gpt", ("keyword", "gpt", ())),
        (r"regexp:^a-\d+\.example\.ai$", ("regexp", r"^a-\d+\.example\.ai$", ())),
        ("include:openai @!cn", ("include", "openai", ("@!cn",))),
        ("example.ai @!cn &acme # note", ("domain", "example.ai", ("@!cn", "&acme"))),
        ("   # a comment", None),
        ("", None),
    ],
)
def test_parse_line_reads_each_v2fly_rule_type(
    importer: ModuleType, line: str, expected: tuple[str, str, tuple[str, ...]] | None
) -> None:
    """Each rule type, attribute and comment form parses to (kind, value, attrs)."""
    assert importer.parse_line(line) == expected


def test_parse_line_refuses_an_unknown_rule_type(importer: ModuleType) -> None:
    """A prefix v2fly does not define is an error, not a domain."""
    with pytest.raises(ValueError, match="unknown rule type 'host:'"):
        importer.parse_line("host:example.ai")


def test_parse_lists_follows_includes_once_and_reports_cycles_and_missing(
    importer: ModuleType,
) -> None:
    """Includes are followed; a cycle and a missing list are problems, each rule kept once."""
    parsed = importer.parse_lists(FIXTURE, roots=("root",))
    assert [(r.list_name, r.line, r.kind, r.value, r.attrs) for r in parsed.rules] == [
        ("vendor", 2, "domain", "vendor-ai.test", ()),
        ("vendor", 4, "full", "cdn.vendor-ai.test.b-cdn.net", ()),
        ("root", 6, "domain", "example-ai.test", ()),
        ("root", 7, "full", "api.example-ai.test", ("@ads",)),
        ("root", 8, "keyword", "examplebot", ()),
        ("root", 9, "regexp", r"^node-\d+\.example-ai\.test$", ()),
        ("root", 10, "domain", "mixed.example-ai.test", ("@!cn", "&acme")),
    ]
    assert parsed.problems == [
        "include cycle: root -> vendor -> root",
        "missing list 'absent' (included from root)",
    ]


def test_parse_lists_keeps_the_comment_group_of_each_rule(importer: ModuleType) -> None:
    """The comment line above a block names the group of the rules under it."""
    parsed = importer.parse_lists(FIXTURE, roots=("root",))
    assert {r.value: r.group for r in parsed.rules}["example-ai.test"] == "Example group"


@pytest.mark.parametrize(
    ("kind", "value", "attrs", "reason"),
    [
        ("keyword", "examplebot", (), "keyword rule: never imported blindly"),
        ("regexp", "^a$", (), "regexp rule: never imported blindly"),
        ("full", "api.example-ai.test", ("@ads",), "telemetry/ads host"),
        ("full", "x.b-cdn.net", (), "host on shared CDN/cloud/telemetry platform 'b-cdn.net'"),
        ("domain", "github.com", (), "general-purpose domain 'github.com'"),
        ("domain", "co.uk", (), "public suffix"),
        ("domain", "api.openai.test", (), "in catalog: openai"),
        ("domain", "new-ai.test", (), ""),
    ],
)
def test_classify_flags_rules_it_cannot_map_safely(
    importer: ModuleType, kind: str, value: str, attrs: tuple[str, ...], reason: str
) -> None:
    """Keyword/regexp, telemetry, shared CDN, general-purpose, suffix and owned hosts: flagged."""
    rule = importer.Rule("root", 1, kind, value, attrs)
    got = importer.classify(rule, {"openai.test": "openai"})
    assert got.startswith(reason) if reason else got == ""


def test_importer_output_is_deterministic(importer: ModuleType, tmp_path: Path) -> None:
    """Two runs over the same lists write byte-identical review files."""
    catalogs = tmp_path / "catalogs"
    (catalogs / "v2fly-domain-list-community").mkdir(parents=True)
    for name in ("root", "vendor"):
        text = (FIXTURE / name).read_text(encoding="utf-8")
        (catalogs / "v2fly-domain-list-community" / name).write_text(text, encoding="utf-8")
    for root in ("category-ai-!cn", "category-ai-cn", "category-ai-ru"):
        (catalogs / "v2fly-domain-list-community" / root).write_text("include:root\n")
    (catalogs / "ai-robots-txt").mkdir()
    (catalogs / "ai-robots-txt" / "robots.json").write_text(
        '{"ExampleBot": {"operator": "Example"}, "Code": {"operator": "?"}}', encoding="utf-8"
    )
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert importer.main(["--catalogs", str(catalogs), "--out", str(out)]) == 0
        outputs.append(
            [(out / f).read_bytes() for f in ("v2fly-candidates.yaml", "robots-candidates.yaml")]
        )
    assert outputs[0] == outputs[1]
    assert b'verdict: "generic token' in outputs[0][1]
