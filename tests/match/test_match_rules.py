"""URL, user-agent and SaaS-app rules, rule priority, confidence and row alignment."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.candidates import SIGNAL_COLUMNS, signal_rows
from shadowscan.frames import Coded, factorize
from shadowscan.match.compile import CompiledCatalog
from shadowscan.match.lookup import match_inputs
from shadowscan.match.matcher import annotate
from shadowscan.schema import EVENT_COLUMNS, EVENT_SCHEMA, MATCH_EXTRA_SCHEMA, conform

OPENAI_UA = "OpenAI/Python 1.30.0"


def _events(**columns: list[Any]) -> pl.DataFrame:
    """An events frame with every schema column; unspecified ones are null."""
    n = len(next(iter(columns.values())))
    columns.setdefault("source", ["proxy"] * n)
    columns.setdefault("source_line", list(range(1, n + 1)))
    return conform(pl.DataFrame(columns, strict=False), EVENT_SCHEMA)


def _result(out: pl.DataFrame) -> list[tuple[Any, ...]]:
    return out.select("service_id", "match_kind", "confidence").rows()


@pytest.mark.parametrize(
    "url", ["https://huggingface.co/chat/conversation/1", "https://huggingface.co/chat?x=1"]
)
def test_url_rule_matches_path_prefix(url: str, bundled_cc: CompiledCatalog) -> None:
    """huggingface.co/chat matches /chat and below as huggingchat, by URL."""
    r = match_inputs([url], bundled_cc)[0]
    assert (r["service_id"], r["match_kind"], r["confidence"]) == ("huggingchat", "url", 0.95)


@pytest.mark.parametrize("url", ["https://huggingface.co/chatter", "https://huggingface.co/models"])
def test_url_rule_stops_at_a_path_segment(url: str, bundled_cc: CompiledCatalog) -> None:
    """/chatter and /models are not /chat: they fall back to the huggingface domain."""
    r = match_inputs([url], bundled_cc)[0]
    assert (r["service_id"], r["match_kind"], r["confidence"]) == ("huggingface", "domain", 0.9)


def test_url_rule_matches_event_with_url_path(bundled_cc: CompiledCatalog) -> None:
    """An event's host + url_path is matched against URL rules, the host by suffix."""
    events = _events(host=["www.bing.com", "www.bing.com"], url_path=["/chat", "/search"])
    assert _result(annotate(events, bundled_cc)) == [
        ("microsoft-copilot", "url", 0.95),
        (None, None, None),
    ]


def test_user_agent_matches_when_no_host_matches(bundled_cc: CompiledCatalog) -> None:
    """An OpenAI SDK user agent on an unknown host resolves to openai-api by user agent."""
    events = _events(host=["llm-gateway.corp.test"], user_agent=[OPENAI_UA])
    assert _result(annotate(events, bundled_cc)) == [("openai-api", "user_agent", 0.75)]


def test_user_agent_pattern_is_case_insensitive(bundled_cc: CompiledCatalog) -> None:
    """Patterns match regardless of case."""
    events = _events(host=[None], user_agent=[OPENAI_UA.lower()])
    assert _result(annotate(events, bundled_cc)) == [("openai-api", "user_agent", 0.75)]


def test_user_agent_pattern_anchor_is_respected(bundled_cc: CompiledCatalog) -> None:
    """``^OpenAI/Python`` does not match the text in the middle of a user agent."""
    events = _events(host=[None], user_agent=[f"Wrapper/1.0 {OPENAI_UA}"])
    assert _result(annotate(events, bundled_cc)) == [(None, None, None)]


def test_domain_wins_over_user_agent(bundled_cc: CompiledCatalog) -> None:
    """A row with a domain match and a user-agent match resolves by domain."""
    events = _events(host=["claude.ai"], user_agent=[OPENAI_UA])
    assert _result(annotate(events, bundled_cc)) == [("claude", "domain", 0.9)]


@pytest.mark.parametrize("app", ["Otter.ai", "otter.ai", "OTTER.AI"])
def test_saas_app_name_matches_case_insensitively(app: str, bundled_cc: CompiledCatalog) -> None:
    """A SaaS audit event's app name equal to a saas_apps entry matches by saas_app."""
    events = _events(host=[None], app=[app], source=["saas"])
    assert _result(annotate(events, bundled_cc)) == [("otter-ai", "saas_app", 0.95)]


def test_saas_app_name_must_be_equal_not_contained(bundled_cc: CompiledCatalog) -> None:
    """An app name that only contains a saas_apps entry does not match."""
    events = _events(host=[None], app=["Otter.ai Connector"], source=["saas"])
    assert _result(annotate(events, bundled_cc)) == [(None, None, None)]


@pytest.mark.parametrize(
    ("source", "confidence"),
    [("proxy", 0.9), ("saas", 0.9), ("firewall", 0.765), ("dns", 0.63)],
)
def test_source_factor_scales_domain_confidence(
    source: str, confidence: float, bundled_cc: CompiledCatalog
) -> None:
    """A domain match's confidence is 0.9 times the source's factor."""
    events = _events(host=["api.openai.com"], source=[source])
    assert _result(annotate(events, bundled_cc)) == [("openai-api", "domain", confidence)]


def test_annotate_adds_match_columns_after_event_columns(bundled_cc: CompiledCatalog) -> None:
    """The output has the event columns, then the match columns, in schema order."""
    out = annotate(_events(host=["api.openai.com"]), bundled_cc)
    assert out.columns == EVENT_COLUMNS + list(MATCH_EXTRA_SCHEMA)


def test_annotate_fills_service_details(bundled_cc: CompiledCatalog) -> None:
    """A matched row carries the service's name, vendor and category."""
    out = annotate(_events(host=["api.openai.com"]), bundled_cc)
    assert out.select("service_name", "vendor", "category").rows() == [
        ("OpenAI API", "OpenAI", "model-api")
    ]


def test_annotate_keeps_row_count_and_order(bundled_cc: CompiledCatalog) -> None:
    """Every input row comes back once, in order; unmatched rows have a null service."""
    hosts = [
        "api.openai.com",
        "nothing.test",
        None,
        "sora.chatgpt.com",
        "chatgpt.com",
        "nothing.test",
        "api.openai.com",
    ]
    out = annotate(_events(host=hosts), bundled_cc)
    assert out["source_line"].to_list() == [1, 2, 3, 4, 5, 6, 7]
    assert out["host"].to_list() == hosts
    assert out["service_id"].to_list() == [
        "openai-api",
        None,
        None,
        "sora",
        "chatgpt",
        None,
        "openai-api",
    ]


def test_annotate_of_no_events_is_empty(bundled_cc: CompiledCatalog) -> None:
    """An empty events frame gives an empty frame with the match columns."""
    out = annotate(conform(pl.DataFrame(), EVENT_SCHEMA), bundled_cc)
    assert (out.height, out.columns) == (0, EVENT_COLUMNS + list(MATCH_EXTRA_SCHEMA))


_HOSTS = st.sampled_from(
    [
        "api.openai.com",
        "chatgpt.com",
        "huggingface.co",
        "llm.corp.example",
        "nothing.test",
        "x.ai",
        "claude.ai",
    ]
)


@settings(max_examples=60, deadline=None, database=None)
@given(
    hosts=st.lists(st.none() | _HOSTS, min_size=1, max_size=12),
    paths=st.lists(st.none() | st.sampled_from(["/chat/x", "/v1/chat/completions"]), max_size=12),
    extra=st.lists(_HOSTS, max_size=3),
)
def test_known_distinct_hosts_change_nothing(
    hosts: list[str | None], paths: list[str | None], extra: list[str], bundled_cc: CompiledCatalog
) -> None:
    """annotate and signal_rows given the distinct hosts (any superset, as a parser gives
    them) equal annotate and signal_rows finding them on their own."""
    url_paths = (paths + [None] * len(hosts))[: len(hosts)]
    events = _events(host=hosts, url_path=url_paths)
    known = pl.Series("h", [h for h in hosts if h is not None] + extra).unique()
    found = annotate(events, bundled_cc)
    assert annotate(events, bundled_cc, hosts=known).equals(found)
    hit = found["service_id"].is_not_null()
    unmatched = found.filter(~hit).select(SIGNAL_COLUMNS)
    assert signal_rows(unmatched, hosts=known).equals(signal_rows(unmatched))
    # Every event with the matched ones left out (the scan's way) gives the same rows.
    assert signal_rows(events, hosts=known, exclude=hit).equals(signal_rows(unmatched))
    coded = Coded(*factorize(events["host"]))
    got = signal_rows(events, hosts=known, exclude=hit, host_codes=coded)
    assert got.equals(signal_rows(unmatched))
