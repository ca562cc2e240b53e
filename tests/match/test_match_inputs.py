"""match_inputs: one result per typed host or URL, in input order."""

from __future__ import annotations

from shadowscan.match.compile import CompiledCatalog
from shadowscan.match.lookup import match_inputs


def test_one_result_per_input_in_order(bundled_cc: CompiledCatalog) -> None:
    """Results follow the inputs, duplicates included; no match is None everywhere."""
    inputs = ["claude.ai", "nothing.test", "chatgpt.com/codex/tasks", "claude.ai"]
    assert match_inputs(inputs, bundled_cc) == [
        {"input": "claude.ai", "service_id": "claude", "match_kind": "domain", "confidence": 0.9},
        {"input": "nothing.test", "service_id": None, "match_kind": None, "confidence": None},
        {
            "input": "chatgpt.com/codex/tasks",
            "service_id": "openai-codex",
            "match_kind": "url",
            "confidence": 0.95,
        },
        {"input": "claude.ai", "service_id": "claude", "match_kind": "domain", "confidence": 0.9},
    ]


def test_empty_or_dash_input_matches_nothing(bundled_cc: CompiledCatalog) -> None:
    """An empty string or '-' is a host of null: no service."""
    assert [r["service_id"] for r in match_inputs(["", "-"], bundled_cc)] == [None, None]


def test_no_inputs_gives_no_results(bundled_cc: CompiledCatalog) -> None:
    """An empty list of inputs gives an empty list."""
    assert match_inputs([], bundled_cc) == []
