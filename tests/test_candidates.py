"""Candidates: unknown hosts with AI signals, never findings."""

from __future__ import annotations

from helpers import events, ts

from shadowscan.candidates import aggregate_candidates, signal_rows


def test_api_path_host_is_a_candidate() -> None:
    """A POST to /v1/chat/completions on an unknown host is a candidate with the path."""
    ev = events(
        [
            {
                "host": "llm.internal.example",
                "url_path": "/v1/chat/completions",
                "user": "a",
                "ts": ts("2026-11-26 09:00"),
            },
            {
                "host": "news.example",
                "url_path": "/v1/completions-guide",
                "ts": ts("2026-11-26 09:00"),
            },
            {"host": "news.example", "url_path": "/index.html", "ts": ts("2026-11-26 09:00")},
        ]
    )
    c = aggregate_candidates(signal_rows(ev))
    assert c.select("host", "signals", "score", "example_path").rows() == [
        ("llm.internal.example", "api_path", 50, "/v1/chat/completions")
    ]


def test_sdk_user_agent_and_ai_tld_add_up() -> None:
    """An .ai host called by the OpenAI SDK scores both signals."""
    ev = events(
        [
            {
                "host": "api.newmodel.ai",
                "user_agent": "OpenAI/Python 1.40.0",
                "url_path": "/x",
                "ts": ts("2026-11-26 09:00"),
            }
        ]
    )
    c = aggregate_candidates(signal_rows(ev))
    assert c.select("host", "registered_domain", "signals", "score").rows() == [
        ("api.newmodel.ai", "newmodel.ai", "sdk_user_agent,ai_tld", 55)
    ]


def test_no_signal_no_candidate() -> None:
    """Ordinary traffic gives no candidates."""
    ev = events([{"host": "intranet.corp.example", "url_path": "/", "ts": ts("2026-11-26 09:00")}])
    assert aggregate_candidates(signal_rows(ev)).height == 0
