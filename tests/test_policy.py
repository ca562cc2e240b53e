"""Sanction policy: scopes, specificity, expiry and strict loading."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shadowscan.catalog import Catalog, load_catalog
from shadowscan.errors import ConfigError
from shadowscan.policy import Policy

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _policy(tmp_path: Path, catalog: Catalog, text: str) -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return Policy.load(path, catalog, as_of=AS_OF)


RULES = """rules:
  - category: chat-assistant
    status: tolerated
  - category: chat-assistant
    status: prohibited
    departments: [Legal]
  - service: chatgpt
    status: unsanctioned
  - service: chatgpt
    status: sanctioned
    departments: [marketing]
    expires: 2027-01-01
  - service: claude
    status: sanctioned
    expires: 2026-11-29
"""


def test_no_rule_means_unsanctioned(tmp_path: Path, catalog: Catalog) -> None:
    """A service no rule names is unsanctioned."""
    policy = _policy(tmp_path, catalog, RULES)
    assert policy.decide("Legal", "openai-api", "model-api") is None


def test_service_and_department_rule_is_most_specific(tmp_path: Path, catalog: Catalog) -> None:
    """service+department beats service, category+department and category."""
    rule = _policy(tmp_path, catalog, RULES).decide("Marketing", "chatgpt", "chat-assistant")
    assert rule is not None and rule.status == "sanctioned"


def test_service_rule_beats_category_department_rule(tmp_path: Path, catalog: Catalog) -> None:
    """A service rule for all departments beats a category rule scoped to Legal."""
    rule = _policy(tmp_path, catalog, RULES).decide("Legal", "chatgpt", "chat-assistant")
    assert rule is not None and (rule.status, rule.where) == ("unsanctioned", "policy.yaml:7")


def test_category_department_rule_beats_category_rule(tmp_path: Path, catalog: Catalog) -> None:
    """In Legal, any other chat assistant is prohibited; elsewhere tolerated."""
    policy = _policy(tmp_path, catalog, RULES)
    legal = policy.decide("Legal", "poe", "chat-assistant")
    sales = policy.decide("Sales", "poe", "chat-assistant")
    assert (legal and legal.status, sales and sales.status) == ("prohibited", "tolerated")


def test_expired_rule_stops_applying_and_is_listed(tmp_path: Path, catalog: Catalog) -> None:
    """claude's sanction expired the day before as_of: the category rule applies instead."""
    policy = _policy(tmp_path, catalog, RULES)
    rule = policy.decide("Sales", "claude", "chat-assistant")
    assert rule is not None and rule.status == "tolerated"
    assert [r.service for r in policy.expired] == ["claude"]


def test_unknown_service_is_an_error_with_line_and_hint(tmp_path: Path, catalog: Catalog) -> None:
    """A typo in a service id names the line and suggests the right id."""
    text = "rules:\n  - service: chatgtp\n    status: sanctioned\n"
    with pytest.raises(
        ConfigError, match=r"policy.yaml:2: unknown service 'chatgtp' \(did you mean 'chatgpt'\?\)"
    ):
        _policy(tmp_path, catalog, text)


def test_unknown_category_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    """A category outside the taxonomy is refused with its line."""
    text = "rules:\n  - category: chatbots\n    status: sanctioned\n"
    with pytest.raises(ConfigError, match=r"policy.yaml:2: unknown category 'chatbots'"):
        _policy(tmp_path, catalog, text)


def test_bad_status_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    """Only the four statuses are accepted."""
    text = "rules:\n  - service: chatgpt\n    status: allowed\n"
    with pytest.raises(ConfigError, match=r"policy.yaml:3: status must be one of"):
        _policy(tmp_path, catalog, text)


def test_unknown_key_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    """A misspelt key is refused with a suggestion."""
    text = "rules:\n  - service: chatgpt\n    status: sanctioned\n    expiry: 2027-01-01\n"
    with pytest.raises(
        ConfigError, match=r"policy.yaml:4: unknown key 'expiry' \(did you mean 'expires'\?\)"
    ):
        _policy(tmp_path, catalog, text)


def test_duplicate_key_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    """A key written twice in one rule is refused, naming the line."""
    text = "rules:\n  - service: chatgpt\n    status: sanctioned\n    status: prohibited\n"
    with pytest.raises(ConfigError, match=r"policy.yaml:4: invalid YAML: duplicate key 'status'"):
        _policy(tmp_path, catalog, text)


def test_rule_naming_both_service_and_category_is_an_error(
    tmp_path: Path, catalog: Catalog
) -> None:
    """A rule is about a service or a category, not both."""
    text = "rules:\n  - service: chatgpt\n    category: chat-assistant\n    status: sanctioned\n"
    with pytest.raises(ConfigError, match="exactly one of service or category"):
        _policy(tmp_path, catalog, text)


RISK = """rules:
  - service: chatgpt
    status: tolerated
risk:
  prohibited: 60
  sensitivity: {Legal: 15, HR: 10}
  country: {CN: 10}
behaviour:
  dns_repeat_window_s: 30
  outlier_factor: 4
candidates:
  ignore: [LLM.Corp.Example.]
"""


def test_risk_section_overrides_weights_and_keeps_defaults(
    tmp_path: Path, catalog: Catalog
) -> None:
    """Given keys replace the defaults; omitted keys keep them."""
    w = _policy(tmp_path, catalog, RISK).weights
    assert (w.prohibited, w.unsanctioned, w.sensitivity, w.country) == (
        60,
        30,
        {"Legal": 15, "HR": 10},
        {"CN": 10},
    )


def test_behaviour_and_candidate_ignore_sections(tmp_path: Path, catalog: Catalog) -> None:
    """behaviour sets the DNS window and outlier factor; ignore hosts are normalised."""
    policy = _policy(tmp_path, catalog, RISK)
    b = policy.behaviour
    assert (b.dns_repeat_window_s, b.outlier_factor, b.outlier_min_mb) == (30, 4.0, 10.0)
    assert policy.candidate_ignore == ("llm.corp.example",)


def test_unknown_risk_key_is_an_error_with_hint(tmp_path: Path, catalog: Catalog) -> None:
    """A misspelt risk weight names its line and the right key."""
    text = "risk:\n  prohibitted: 50\n"
    with pytest.raises(
        ConfigError,
        match=r"policy.yaml:2: unknown key 'prohibitted' in risk \(did you mean 'prohibited'\?\)",
    ):
        _policy(tmp_path, catalog, text)


def test_negative_weight_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    """Weights are whole numbers >= 0."""
    with pytest.raises(ConfigError, match=r"policy.yaml:2: 'tolerated' must be a whole number"):
        _policy(tmp_path, catalog, "risk:\n  tolerated: -5\n")


def test_unknown_section_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    """A top-level key outside rules/risk/behaviour/candidates is refused."""
    with pytest.raises(
        ConfigError, match=r"policy.yaml:1: unknown section 'rule' \(did you mean 'rules'\?\)"
    ):
        _policy(tmp_path, catalog, "rule: []\n")


def test_department_scope_is_case_insensitive(tmp_path: Path, catalog: Catalog) -> None:
    """A rule scoped to 'marketing' applies to the department 'MARKETING'."""
    rule = _policy(tmp_path, catalog, RULES).decide("MARKETING", "chatgpt", "chat-assistant")
    assert rule is not None and rule.where == "policy.yaml:9"


def test_rule_expiring_on_as_of_still_applies(tmp_path: Path, catalog: Catalog) -> None:
    """expires is the last day a rule applies: expiring on as_of it is still active."""
    text = "rules:\n  - service: claude\n    status: sanctioned\n    expires: 2026-11-30\n"
    policy = _policy(tmp_path, catalog, text)
    rule = policy.decide("Sales", "claude", "chat-assistant")
    assert rule is not None and rule.status == "sanctioned" and policy.expired == ()
