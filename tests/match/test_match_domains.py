"""Domain matching: label-boundary suffixes, the longest domain wins, hosts normalised."""

from __future__ import annotations

import pytest

from shadowscan.match.compile import CompiledCatalog
from shadowscan.match.lookup import match_inputs


def _service(host: str, cc: CompiledCatalog) -> str | None:
    service_id: str | None = match_inputs([host], cc)[0]["service_id"]
    return service_id


@pytest.mark.parametrize("host", ["api.openai.com", "openai.com"])
def test_domain_matches_itself_and_subdomains(host: str, small_cc: CompiledCatalog) -> None:
    """openai.com matches the domain and any host below it."""
    assert _service(host, small_cc) == "openai"


@pytest.mark.parametrize(
    "host",
    ["notopenai.com", "openai.com.attacker.test", "fakeopenai.test", "openai.co", "openaicom"],
)
def test_domain_never_matches_across_a_label_boundary(host: str, small_cc: CompiledCatalog) -> None:
    """A host that merely contains openai.com as text does not match."""
    assert _service(host, small_cc) is None


@pytest.mark.parametrize(
    ("host", "service_id"),
    [
        pytest.param("chatgpt.com", "chatgpt", id="parent"),
        pytest.param("sora.chatgpt.com", "sora", id="child"),
        pytest.param("x.sora.chatgpt.com", "sora", id="below-child"),
        pytest.param("operator.chatgpt.com", "openai-operator", id="other-child"),
    ],
)
def test_longest_domain_wins(host: str, service_id: str, bundled_cc: CompiledCatalog) -> None:
    """When a parent and a child domain belong to different services, the child wins."""
    assert _service(host, bundled_cc) == service_id


@pytest.mark.parametrize(
    "raw",
    [
        "API.OPENAI.COM:443",
        "api.openai.com.",
        "https://user:pw@api.openai.com/v1/chat/completions",
    ],
)
def test_host_is_normalised_before_matching(raw: str, bundled_cc: CompiledCatalog) -> None:
    """Case, port, trailing dot, scheme, userinfo and path do not stop a match."""
    assert match_inputs([raw], bundled_cc)[0] == {
        "input": raw,
        "service_id": "openai-api",
        "match_kind": "domain",
        "confidence": 0.9,
    }
