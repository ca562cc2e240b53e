"""Findings arithmetic: counts, bytes, blocked, days, risk and why."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from helpers import matches, ts
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan import findings
from shadowscan.catalog import Catalog, load_catalog
from shadowscan.findings import Behaviour, RiskWeights, aggregate, dns_repeats


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_one_row_per_department_and_service(catalog: Catalog) -> None:
    """Two departments using one service give two findings."""
    m = matches(
        [
            {"department": "Legal", "user": "alice", "ts": ts("2026-11-26 09:00")},
            {"department": "Sales", "user": "bob", "ts": ts("2026-11-26 09:00")},
            {"department": "Legal", "user": "alice", "ts": ts("2026-11-27 09:00")},
        ]
    )
    f = aggregate(m, catalog)
    assert sorted(f.select("department", "events").rows()) == [("Legal", 2), ("Sales", 1)]


def test_counts_people_not_spellings(catalog: Catalog) -> None:
    """CORP\\alice and alice (same person) count once; unresolved names by their bare form."""
    m = matches(
        [
            {"user": "CORP\\alice", "person": "alice", "ts": ts("2026-11-26 09:00")},
            {"user": "alice", "person": "alice", "ts": ts("2026-11-26 10:00")},
            {"user": "CORP\\zed", "ts": ts("2026-11-26 11:00")},
            {"user": "zed", "ts": ts("2026-11-26 12:00")},
            {"user": None, "ts": ts("2026-11-26 13:00")},
        ]
    )
    row = aggregate(m, catalog).row(0, named=True)
    assert (row["users"], row["events"]) == (2, 5)


def test_bytes_are_null_when_no_source_logs_them(catalog: Catalog) -> None:
    """bytes_out stays null (not 0) when every event lacks it; bytes_in sums."""
    m = matches(
        [
            {"bytes_in": 100, "ts": ts("2026-11-26 09:00")},
            {"bytes_in": 50, "ts": ts("2026-11-26 09:05")},
        ]
    )
    row = aggregate(m, catalog).row(0, named=True)
    assert (row["bytes_out"], row["bytes_in"]) == (None, 150)


def test_blocked_active_days_first_last_sources(catalog: Catalog) -> None:
    """Blocked events, distinct days, first/last seen and sources are aggregated."""
    m = matches(
        [
            {"action": "blocked", "ts": ts("2026-11-26 23:59"), "source": "proxy"},
            {"action": "allowed", "ts": ts("2026-11-27 00:01"), "source": "dns"},
            {"action": None, "ts": ts("2026-11-27 08:00"), "source": "proxy"},
        ]
    )
    row = aggregate(m, catalog).row(0, named=True)
    assert row["blocked_events"] == 1
    assert row["active_days"] == 2
    assert (row["first_seen"], row["last_seen"]) == (ts("2026-11-26 23:59"), ts("2026-11-27 08:00"))
    assert row["sources"] == "dns,proxy"


def test_risk_score_formula(catalog: Catalog) -> None:
    """prohibited (45) + trains on input (15) + no enterprise tier? + 5 users (8) + 2 MB (5)."""
    service = catalog.get("deepseek")
    assert service is not None
    m = matches(
        [
            {
                "service_id": "deepseek",
                "status": "prohibited",
                "user": f"u{i}",
                "bytes_out": 400_000,
                "ts": ts("2026-11-26 09:00"),
            }
            for i in range(5)
        ]
    )
    row = aggregate(m, catalog).row(0, named=True)
    trains = {True: 15, None: 7, False: 0}[service.trains_on_input_default]
    enterprise = {False: 10, None: 5, True: 0}[service.enterprise_tier]
    assert row["risk_score"] == 45 + trains + enterprise + 8 + 5
    assert "prohibited service; 5 users in Legal; 2.0 MB uploaded" in row["why"]


def test_all_blocked_halves_the_score(catalog: Catalog) -> None:
    """When every attempt was blocked the control worked: the score is halved."""
    base = {"service_id": "midjourney", "status": "prohibited", "user": "a"}
    allowed = aggregate(matches([{**base, "ts": ts("2026-11-26 09:00")}]), catalog)
    blocked = aggregate(
        matches([{**base, "action": "blocked", "ts": ts("2026-11-26 09:00")}]), catalog
    )
    assert blocked["risk_score"][0] == allowed["risk_score"][0] // 2
    assert "all 1 attempts blocked" in blocked["why"][0]


def test_sanctioned_is_capped_low(catalog: Catalog) -> None:
    """A sanctioned service never scores above 20, so it is low severity."""
    m = matches(
        [{"status": "sanctioned", "user": f"u{i}", "ts": ts("2026-11-26 09:00")} for i in range(30)]
    )
    row = aggregate(m, catalog).row(0, named=True)
    assert (row["risk_score"], row["severity"]) == (20, "low")


def test_severity_bands(catalog: Catalog) -> None:
    """Scores map to severities at 25, 50 and 75."""
    m = matches(
        [
            {"service_id": "chatgpt", "status": "tolerated", "user": "a", "department": "A"},
            {"service_id": "chatgpt", "status": "prohibited", "user": "a", "department": "B"},
        ]
    ).with_columns(pl.lit(ts("2026-11-26 09:00")).alias("ts"))
    f = aggregate(m, catalog).sort("department")
    assert all(
        sev == ("critical" if s >= 75 else "high" if s >= 50 else "medium" if s >= 25 else "low")
        for s, sev in f.select("risk_score", "severity").rows()
    )


def test_no_matches_give_no_findings(catalog: Catalog) -> None:
    """An empty input gives an empty findings frame with the full schema."""
    f = aggregate(matches([]), catalog)
    assert f.height == 0 and "why" in f.columns


def _deepseek_legal(n_users: int, bytes_each: int) -> pl.DataFrame:
    return matches(
        [
            {
                "service_id": "deepseek",
                "status": "prohibited",
                "department": "Legal",
                "user": f"u{i}",
                "bytes_out": bytes_each,
                "ts": ts("2026-11-26 09:00"),
            }
            for i in range(n_users)
        ]
    )


def test_worked_example_with_sensitivity_and_country(catalog: Catalog) -> None:
    """deepseek in Legal: 45 + 15 (trains) + 5 (enterprise unknown) + 8 (5 users) + 5 (2 MB)
    + 15 (Legal sensitivity) + 10 (CN) = 103, clamped to 100, critical."""
    service = catalog.get("deepseek")
    assert service is not None
    assert (service.trains_on_input_default, service.enterprise_tier, service.hq_country) == (
        True,
        None,
        "CN",
    )
    w = RiskWeights(sensitivity={"legal": 15}, country={"CN": 10})
    row = aggregate(_deepseek_legal(5, 400_000), catalog, w).row(0, named=True)
    assert (row["risk_score"], row["severity"]) == (100, "critical")
    assert row["why"] == (
        "prohibited service; 5 users in Legal (sensitive); 2.0 MB uploaded; "
        "trains on inputs by default; based in CN"
    )


def test_worked_example_sensitivity_moves_severity(catalog: Catalog) -> None:
    """chatgpt unsanctioned, 1 user in HR: 30 + 15 (trains) = 45 medium; +10 for HR = 55 high."""
    m = matches([{"department": "HR", "user": "a", "ts": ts("2026-11-26 09:00")}])
    plain = aggregate(m, catalog).row(0, named=True)
    hr = aggregate(m, catalog, RiskWeights(sensitivity={"HR": 10})).row(0, named=True)
    assert (plain["risk_score"], plain["severity"]) == (45, "medium")
    assert (hr["risk_score"], hr["severity"]) == (55, "high")


def test_weights_from_policy_change_the_score(catalog: Catalog) -> None:
    """An unsanctioned weight of 40 instead of 30 adds 10 points."""
    m = matches([{"user": "a", "ts": ts("2026-11-26 09:00")}])
    base = aggregate(m, catalog)["risk_score"][0]
    assert aggregate(m, catalog, RiskWeights(unsanctioned=40))["risk_score"][0] == base + 10


def test_repeated_dns_queries_count_once(catalog: Catalog) -> None:
    """Queries at 0 s, 20 s, 70 s (gap 50 s) and 200 s from one client: 2 events at 60 s."""
    base = {"source": "dns", "src_ip": "10.0.0.5", "user": None}
    t0 = ts("2026-11-26 09:00")
    m = matches(
        [{**base, "ts": t0 + timedelta(seconds=s)} for s in (0, 20, 70, 200)]
        + [{**base, "src_ip": "10.0.0.6", "ts": t0}]
    )
    assert aggregate(m, catalog)["events"][0] == 3
    assert aggregate(m, catalog, behaviour=Behaviour(dns_repeat_window_s=0))["events"][0] == 5


def test_proxy_events_are_never_collapsed(catalog: Catalog) -> None:
    """Two proxy requests one second apart are two events."""
    t0 = ts("2026-11-26 09:00")
    m = matches([{"ts": t0}, {"ts": t0 + timedelta(seconds=1)}])
    assert aggregate(m, catalog)["events"][0] == 2


def test_blocked_prohibited_is_shown_as_good_news(catalog: Catalog) -> None:
    """Every attempt blocked: why says the control works."""
    m = matches(
        [{"status": "prohibited", "action": "blocked", "user": "a", "ts": ts("2026-11-26 09:00")}]
    )
    assert aggregate(m, catalog)["why"][0].endswith("all 1 attempts blocked (control working)")


def test_lazy_matches_aggregate_as_in_memory(catalog: Catalog, tmp_path: Path) -> None:
    """A scan of matches.parquet gives the findings the frame gives: DNS repeats, sources,
    users, days, bytes (rows of several services, departments and sources, shuffled)."""
    t0 = ts("2026-11-26 09:00")
    rows = []
    for i in range(60):
        rows.append(
            {
                "source": ["dns", "proxy", "firewall"][i % 3],
                "service_id": ["chatgpt", "claude"][i % 2],
                "department": ["Legal", "Sales", "HR"][i % 5 % 3],
                "src_ip": f"10.0.0.{i % 4}",
                "user": f"u{i % 7}",
                "bytes_out": i * 1000 if i % 4 else None,
                "action": "blocked" if i % 11 == 0 else None,
                "ts": t0 + timedelta(seconds=(i * 37) % 500, days=i % 2),
            }
        )
    m = matches(rows).sample(fraction=1.0, shuffle=True, seed=3)
    m.write_parquet(tmp_path / "m.parquet")
    eager = aggregate(m, catalog)
    lazy = aggregate(pl.scan_parquet(tmp_path / "m.parquet"), catalog)
    assert eager.height > 4
    assert lazy.equals(eager)
    assert set(eager["sources"]) >= {"dns,firewall,proxy"}


def _reference_counted(rows: list[dict[str, Any]], window_s: int) -> list[bool]:
    """The DNS repeat rule in plain Python: per (department, service, client), in time
    order (ties in row order), a query counts when more than window_s after the previous."""
    last: dict[tuple[Any, ...], datetime] = {}
    out = [True] * len(rows)
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["ts"], i))
    for i in order:
        r = rows[i]
        if r["source"] != "dns":
            continue
        key = (r["department"], r["service_id"], r["src_ip"] or r["user"] or "")
        prev = last.get(key)
        out[i] = prev is None or (r["ts"] - prev).total_seconds() > window_s
        last[key] = r["ts"]
    return out


@settings(max_examples=80, deadline=None, database=None)
@given(
    drawn=st.lists(
        st.tuples(
            st.sampled_from(["dns", "dns", "proxy"]),
            st.sampled_from(["Legal", "Sales"]),
            st.sampled_from(["chatgpt", "claude"]),
            st.sampled_from(["10.0.0.1", "10.0.0.2", None]),
            st.sampled_from(["alice", None]),
            st.integers(0, 300),
            st.sampled_from(["blocked", None]),
        ),
        max_size=40,
    ),
    window_s=st.sampled_from([0, 30, 60]),
    part_rows=st.sampled_from([1, 2, 5, 1_000_000]),
)
def test_dns_window_equals_the_rule(
    drawn: list[tuple[Any, ...]], window_s: int, part_rows: int
) -> None:
    """The repeats per cell equal the rule written out, in one part or many; the
    packed-key sort equals the window."""
    t0 = ts("2026-11-26 09:00")
    rows = [
        {
            "source": src,
            "department": dept,
            "service_id": sid,
            "src_ip": ip,
            "user": user,
            "action": action,
            "ts": t0 + timedelta(seconds=sec),
        }
        for src, dept, sid, ip, user, sec, action in drawn
    ]
    got = dns_repeats(matches(rows).lazy(), window_s, part_rows=part_rows)
    counted = [True] * len(rows) if window_s == 0 else _reference_counted(rows, window_s)
    expected: dict[tuple[str, str], list[int]] = {}
    for row, counts in zip(rows, counted, strict=True):
        if not counts:
            cell = expected.setdefault((row["department"], row["service_id"]), [0, 0])
            cell[0] += 1
            cell[1] += row["action"] == "blocked"
    assert {(d, s): [r, b] for d, s, r, b in got.rows()} == expected
    client = pl.coalesce("src_ip", "user", pl.lit("")).cast(pl.Categorical).alias("_kc")
    dns = matches(rows).with_row_index("_i").filter(pl.col("source") == "dns")
    dns = dns.select(
        "_i",
        pl.col("department").cast(pl.Categorical).alias("_kd"),
        pl.col("service_id").cast(pl.Categorical).alias("_ks"),
        client,
        "ts",
    ).sort("ts", maintain_order=True)  # as dns_repeats hands it over
    packed = findings._previous_query(dns).sort("_i")
    assert packed.equals(findings._previous_query(dns, pack=False).sort("_i"))


def test_repeated_blocked_dns_queries_count_once_as_blocked(catalog: Catalog) -> None:
    """Three blocked queries within 20 s are one event, and one blocked event."""
    base = {"source": "dns", "src_ip": "10.0.0.5", "user": None, "action": "blocked"}
    t0 = ts("2026-11-26 09:00")
    m = matches([{**base, "ts": t0 + timedelta(seconds=s)} for s in (0, 10, 20)])
    row = aggregate(m, catalog).row(0, named=True)
    assert (row["events"], row["blocked_events"]) == (1, 1)
    assert "all 1 attempts blocked (control working)" in row["why"]
