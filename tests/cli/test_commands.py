"""Every command: help with an example, documented in the README; formats and signatures."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from shadowscan.cli import main

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, cmd in sorted(group.commands.items()):
        names.append(f"{prefix}{name}")
        if isinstance(cmd, click.Group):
            names.extend(_commands(cmd, f"{prefix}{name} "))
    return names


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_has_help_with_an_example(command: str) -> None:
    """`--help` works and shows an example."""
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_is_in_the_readme(command: str) -> None:
    """The README's command tour names every command."""
    assert f"shadowscan {command}" in README


def test_formats_json_lists_fields() -> None:
    """`formats --format json` prints one object per format with its fields."""
    result = CliRunner().invoke(main, ["formats", "--format", "json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    by_name = {r["name"]: r for r in rows}
    assert {"bind9", "squid_native", "zeek_dns_json", "zeek_dns_tsv"} <= set(by_name)
    assert list(by_name) == sorted(by_name)
    assert by_name["squid_native"]["user"] is True
    assert by_name["squid_native"]["bytes_out"] is False
    assert by_name["bind9"]["local_time"] is True


def test_signatures_match_json_in_order() -> None:
    """`signatures match --format json` prints one object per input, in order."""
    args = [
        "signatures",
        "match",
        "api.openai.com",
        "openai.com.attacker.test",
        "https://huggingface.co/chat/c/1",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(main, args)
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows == [
        {
            "input": "api.openai.com",
            "service_id": "openai-api",
            "match_kind": "domain",
            "confidence": 0.9,
        },
        {
            "input": "openai.com.attacker.test",
            "service_id": None,
            "match_kind": None,
            "confidence": None,
        },
        {
            "input": "https://huggingface.co/chat/c/1",
            "service_id": "huggingchat",
            "match_kind": "url",
            "confidence": 0.95,
        },
    ]


def test_signatures_match_reads_stdin() -> None:
    """`signatures match -` reads hosts one per line."""
    result = CliRunner().invoke(
        main, ["signatures", "match", "-"], input="claude.ai\n\nfake.test\n"
    )
    assert result.output.splitlines() == ["claude.ai\tclaude\tdomain\t0.9", "fake.test\t-"]


def test_signatures_list_json_one_object_per_service() -> None:
    """`signatures list --format json` prints every service as a JSON object."""
    result = CliRunner().invoke(main, ["signatures", "list", "--format", "json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) >= 150
    assert {"id", "name", "vendor", "category", "domains", "source_url"} <= set(rows[0])


def test_signatures_show_and_unknown() -> None:
    """`signatures show chatgpt` prints it; an unknown id exits 1."""
    ok = CliRunner().invoke(main, ["signatures", "show", "chatgpt"])
    assert json.loads(ok.output)["domains"][:1] == ["chatgpt.com"]
    bad = CliRunner().invoke(main, ["signatures", "show", "nope"])
    assert bad.exit_code == 1


def test_signatures_check_bundled_is_clean() -> None:
    """The bundled catalog has no errors."""
    result = CliRunner().invoke(main, ["signatures", "check"])
    assert result.exit_code == 0
    assert " 0 error(s)" in result.output


def test_signatures_check_broken_exits_1(tmp_path: Path) -> None:
    """A broken catalog lists its issues and exits 1."""
    (tmp_path / "a.yaml").write_text("services:\n  - id: Bad Id\n")
    result = CliRunner().invoke(main, ["signatures", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "a.yaml:2: error: missing key 'name'" in result.output
