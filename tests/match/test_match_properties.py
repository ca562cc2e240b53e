"""Hypothesis properties of domain matching on the small fixture catalog."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowscan.frames import Coded, factorize
from shadowscan.match.compile import CompiledCatalog
from shadowscan.match.matcher import annotate, host_suffixes, matched_rows
from shadowscan.schema import EVENT_SCHEMA, conform

# The domains of tests/data/signatures/match_small: none is a text suffix of another.
DOMAINS = {"openai.com": "openai", "claude.ai": "anthropic", "mistral.ai": "mistral"}

label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
labels = st.lists(label, min_size=1, max_size=4).map(".".join)
domain = st.sampled_from(sorted(DOMAINS))
glued = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=20).filter(
    lambda s: not s.endswith(".")
)
host = st.one_of(
    labels,
    st.builds(lambda p, d: f"{p}.{d}", labels, domain),
    st.builds(lambda p, d: f"{p}{d}", glued, domain),
    st.builds(lambda d, p: f"{d}.{p}.test", domain, labels),
    domain,
    st.none(),
)
fast = settings(max_examples=60, deadline=None)


def _annotate(hosts: list[str | None], cc: CompiledCatalog) -> pl.DataFrame:
    events = pl.DataFrame(
        {"host": hosts, "source_line": list(range(len(hosts)))},
        schema={"host": pl.String, "source_line": pl.Int64},
    )
    return annotate(conform(events, EVENT_SCHEMA), cc)


def _oracle(h: str | None) -> str | None:
    """The service of the longest catalog domain that is a label suffix of ``h``."""
    if h is None:
        return None
    parts = h.split(".")
    for i in range(len(parts)):
        found = DOMAINS.get(".".join(parts[i:]))
        if found is not None:
            return found
    return None


@fast
@given(prefix=labels, d=domain)
def test_subdomain_always_matches(prefix: str, d: str, small_cc: CompiledCatalog) -> None:
    """L + '.' + D matches D's service."""
    assert _annotate([f"{prefix}.{d}"], small_cc)["service_id"].to_list() == [DOMAINS[d]]


@fast
@given(prefix=glued, d=domain)
def test_text_prefix_never_matches(prefix: str, d: str, small_cc: CompiledCatalog) -> None:
    """L + D with no dot between never matches."""
    assert _annotate([f"{prefix}{d}"], small_cc)["service_id"].to_list() == [None]


@fast
@given(d=domain, middle=labels)
def test_domain_as_left_labels_never_matches(
    d: str, middle: str, small_cc: CompiledCatalog
) -> None:
    """D + '.' + labels + '.test' never matches D."""
    assert _annotate([f"{d}.{middle}.test"], small_cc)["service_id"].to_list() == [None]


@fast
@given(hosts=st.lists(host, max_size=25))
def test_annotate_is_deterministic_and_row_aligned(
    hosts: list[str | None], small_cc: CompiledCatalog
) -> None:
    """Two runs agree, rows keep their order, and each row gets its own host's service."""
    first = _annotate(hosts, small_cc)
    assert first.equals(_annotate(hosts, small_cc))
    assert first["source_line"].to_list() == list(range(len(hosts)))
    assert first["host"].to_list() == hosts
    assert first["service_id"].to_list() == [_oracle(h) for h in hosts]


@settings(max_examples=200, deadline=None)
@given(hosts=st.lists(st.text(alphabet="ab.ü-é", max_size=12), max_size=8))
def test_host_suffixes_are_the_label_suffixes(hosts: list[str]) -> None:
    """Every label suffix of every host, with its depth, non-ASCII labels included."""
    expected = sorted(
        (h, depth, ".".join(h.split(".")[depth:]))
        for h in set(hosts)
        for depth in range(len(h.split(".")))
    )
    frame = pl.DataFrame({"host": sorted(set(hosts))}, schema={"host": pl.String})
    assert sorted(host_suffixes(frame).rows()) == expected


_HOSTS = st.one_of(
    host,
    st.sampled_from(
        ["api.openai.com", "chatgpt.com", "claude.ai", "gemini.google.com", "www.google.com"]
    ),
)
_ROWS = st.lists(
    st.tuples(
        _HOSTS,
        st.sampled_from([None, "/", "/v1/chat/completions", "/gemini/app", "/search"]),
        st.sampled_from([None, "OpenAI/Python 1.3.0", "Mozilla/5.0", "anthropic-python/0.3"]),
        st.sampled_from([None, "ChatGPT", "Otter.ai", "Slack"]),
        st.sampled_from(["proxy", "dns", "saas"]),
    ),
    max_size=30,
)


@fast
@given(rows=_ROWS)
def test_matched_rows_are_the_annotated_rows_that_match(
    rows: list[tuple[str | None, str | None, str | None, str | None, str]],
    bundled_cc: CompiledCatalog,
) -> None:
    """``matched_rows`` = ``annotate`` filtered to its matches, with or without URL rules,
    user agents and SaaS apps in play."""
    names = ["host", "url_path", "user_agent", "app", "source"]
    events = conform(
        pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row"), EVENT_SCHEMA
    )
    annotated = annotate(events, bundled_cc)
    hit = annotated["service_id"].is_not_null()
    matched, mask = matched_rows(events, bundled_cc)
    assert mask.to_list() == hit.to_list()
    assert matched.equals(annotated.filter(hit))
    # The same with the hosts factorized, as a parser gives them.
    coded = Coded(*factorize(events["host"]))
    matched, mask = matched_rows(events, bundled_cc, host_codes=coded)
    assert mask.to_list() == hit.to_list()
    assert matched.equals(annotated.filter(hit))
