"""Candidates: unknown hosts with AI signals, never findings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from helpers import events, ts

from shadowscan.candidates import aggregate_candidates, drop_ignored, load_ignore, signal_rows
from shadowscan.errors import ConfigError
from shadowscan.identity import Directory, attribute


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
        ("llm.internal.example", "api_path,model_words", 70, "/v1/chat/completions")
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


RANKED = [
    # an OpenAI-compatible API called by an SDK: strongest
    {"host": "gw.example", "url_path": "/v1/chat/completions", "user_agent": "OpenAI/Python 1.4"},
    # an Anthropic-style path on a model-ish host name
    {"host": "llm-proxy.example", "url_path": "/v1/messages"},
    # a .ai host mostly POSTed to
    {"host": "chat.newbot.ai", "method": "POST", "url_path": "/x"},
    {"host": "chat.newbot.ai", "method": "POST", "url_path": "/y"},
    {"host": "chat.newbot.ai", "method": "GET", "url_path": "/"},
    # a .ai host only browsed
    {"host": "blog.some.ai", "method": "GET", "url_path": "/"},
    # a model-ish word only
    {"host": "inference.lab.example", "url_path": "/"},
    # not model-ish: 'remodel' has no word boundary
    {"host": "remodelling.example", "url_path": "/"},
]


def test_candidates_are_ranked_by_evidence() -> None:
    """API path + SDK > API path + model word > .ai POST-heavy > model word > .ai browsed."""
    ev = events([{**r, "ts": ts("2026-11-26 09:00")} for r in RANKED])
    c = aggregate_candidates(signal_rows(ev))
    assert c.select("host", "score", "signals", "post_share").rows() == [
        ("gw.example", 90, "api_path,sdk_user_agent", None),
        ("llm-proxy.example", 70, "api_path,model_words", None),
        ("chat.newbot.ai", 30, "ai_tld,post_heavy", 0.667),
        ("inference.lab.example", 20, "model_words", None),
        ("blog.some.ai", 15, "ai_tld", 0.0),
    ]


def test_candidate_first_last_seen_users_and_departments(tmp_path: Path) -> None:
    """Attributed rows give first/last seen, people (not spellings) and departments."""
    path = tmp_path / "users.csv"
    path.write_text("user,department\nalice,Legal\nbob,HR\n", encoding="utf-8")
    ev = events(
        [
            {"host": "x.ai", "user": "CORP\\alice", "ts": ts("2026-11-26 09:00")},
            {"host": "x.ai", "user": "alice", "ts": ts("2026-11-27 10:00")},
            {"host": "x.ai", "user": "bob", "ts": ts("2026-11-26 11:00")},
        ]
    )
    rows = attribute(signal_rows(ev), Directory.load(path), None)
    c = aggregate_candidates(rows).row(0, named=True)
    assert (c["users"], c["events"], c["departments"]) == (2, 3, "HR,Legal")
    assert (c["first_seen"], c["last_seen"]) == (ts("2026-11-26 09:00"), ts("2026-11-27 10:00"))


def test_ignore_list_drops_host_and_subdomains(tmp_path: Path) -> None:
    """An ignored host drops itself and its subdomains, not look-alikes."""
    path = tmp_path / "ignore.txt"
    path.write_text("# reviewed 2026-11\nnewbot.ai  # our own bot\n\n", encoding="utf-8")
    hosts = ["newbot.ai", "chat.newbot.ai", "notnewbot.ai"]
    ev = events([{"host": h, "ts": ts("2026-11-26 09:00")} for h in hosts])
    kept = drop_ignored(signal_rows(ev), load_ignore(path))
    assert kept["host"].to_list() == ["notnewbot.ai"]


def test_bad_ignore_line_names_its_line(tmp_path: Path) -> None:
    """A line that is not a host name is an error with file and line."""
    path = tmp_path / "ignore.txt"
    path.write_text("ok.example\nhttps://x.ai/\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ignore.txt:2: 'https://x.ai/' is not a host name"):
        load_ignore(path)


def test_lazy_rows_aggregate_as_in_memory(tmp_path: Path) -> None:
    """Candidates from a scan of the signal rows equal those from the frame (lists, users,
    examples, POST share), and both equal the frame's own aggregation."""
    rows = pl.DataFrame(
        {
            "host": ["llm.a.example", "llm.a.example", "x.ai", "x.ai", "llm.a.example"],
            "ts": [datetime(2026, 11, 26, h, tzinfo=UTC) for h in (1, 2, 3, 4, 5)],
            "user": ["CORP\\Alice", "bob", None, "carol", "alice"],
            "src_ip": ["10.0.0.1", "10.0.0.2", "10.0.0.3", None, "10.0.0.1"],
            "url_path": ["/v1/chat/completions", "/x", None, "/v1/messages", "/v1/models"],
            "method": ["post", "GET", None, "POST", "POST"],
            "user_agent": [None, "OpenAI/Python 1.0", None, None, "curl/8"],
            "source": ["proxy", "dns", "proxy", "proxy", "firewall"],
            "api_path": [True, False, False, True, False],
            "sdk_user_agent": [False, True, False, False, False],
            "model_words": [True, True, False, False, True],
            "ai_tld": [False, False, True, True, False],
            "department": ["Legal", None, None, "Sales", "HR"],
        }
    )
    rows.write_parquet(tmp_path / "signals.parquet")
    eager = aggregate_candidates(rows)
    lazy = aggregate_candidates(pl.scan_parquet(tmp_path / "signals.parquet"))
    assert lazy.equals(eager)
    first = eager.row(0, named=True)
    assert (first["host"], first["sources"], first["departments"]) == (
        "llm.a.example",
        "dns,firewall,proxy",
        "HR,Legal",
    )
    assert (first["users"], first["example_path"], first["post_share"]) == (
        2,
        "/v1/chat/completions",
        round(2 / 3, 3),
    )
