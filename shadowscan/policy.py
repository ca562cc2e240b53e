"""The sanction policy: rules by service or category, scoped to departments, with expiry.

```yaml
rules:
  - service: github-copilot        # or: category: image-generation
    status: sanctioned             # sanctioned | tolerated | unsanctioned | prohibited
    departments: [Engineering]     # optional; all departments when absent
    justification: Copilot Business seats
    owner: cto@corp.example
    expires: 2027-06-30            # optional; an expired rule no longer applies
```
The most specific rule wins: service over category, a department scope over all
departments. With no rule a service is ``unsanctioned``.

Three optional sections tune the rest (strict keys; an omitted key keeps its default,
see docs/findings.md):

```yaml
risk:                       # weights of the risk formula (shadowscan.findings.RiskWeights)
  prohibited: 45
  sensitivity: {Legal: 15, Finance: 10, HR: 10}   # points added per department
  country: {CN: 10}                                # points by the service's HQ country
behaviour:
  dns_repeat_window_s: 60   # repeated DNS queries closer than this count once
  outlier_factor: 3         # upload outlier: > max(3 x department median, 10 MB)
  outlier_min_mb: 10
candidates:
  ignore: [llm.corp.example]   # reviewed hosts (and their subdomains) left out of candidates
```
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shadowscan.catalog.model import CATEGORIES, Catalog
from shadowscan.errors import ConfigError
from shadowscan.findings import Behaviour, RiskWeights
from shadowscan.schema import STATUSES
from shadowscan.yamlutil import LineDict, load_yaml

DEFAULT_STATUS = "unsanctioned"
_SECTIONS = ("rules", "risk", "behaviour", "candidates")
_SECTIONS_HINT = "sections: rules, risk, behaviour, candidates (see docs/findings.md)"
_RULE_KEYS = ("service", "category", "status", "departments", "justification", "owner", "expires")


@dataclass(frozen=True)
class Rule:
    """One policy rule, located in its file."""

    status: str
    service: str | None = None
    category: str | None = None
    departments: tuple[str, ...] = ()
    justification: str = ""
    owner: str = ""
    expires: date | None = None
    where: str = ""

    @property
    def specificity(self) -> int:
        """4: service+departments, 3: service, 2: category+departments, 1: category."""
        return (2 if self.service else 0) + (2 if self.departments else 1)

    def applies(self, department: str, service_id: str, category: str) -> bool:
        """True when the rule names this service (or its category) and department."""
        if self.service is not None and self.service != service_id:
            return False
        if self.category is not None and self.category != category:
            return False
        return not self.departments or department.casefold() in {
            d.casefold() for d in self.departments
        }

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view for summary.json and the report."""
        return {
            "where": self.where,
            "service": self.service,
            "category": self.category,
            "status": self.status,
            "departments": list(self.departments),
            "justification": self.justification,
            "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
        }


@dataclass(frozen=True)
class Policy:
    """Active rules, and the rules that expired before ``as_of``."""

    rules: tuple[Rule, ...] = ()
    expired: tuple[Rule, ...] = ()
    path: str | None = None
    weights: RiskWeights = field(default_factory=RiskWeights)
    behaviour: Behaviour = field(default_factory=Behaviour)
    candidate_ignore: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path, catalog: Catalog, *, as_of: date) -> Policy:
        """Read a policy file strictly; unknown services or categories are errors."""
        doc = load_yaml(path, error=ConfigError)
        if doc is None:
            return cls(path=str(path))
        if not isinstance(doc, LineDict):
            raise ConfigError("a policy file is a mapping", path=path, line=1, hint=_SECTIONS_HINT)
        for key in doc:
            if key not in _SECTIONS:
                close = difflib.get_close_matches(key, _SECTIONS, n=1)
                hint = f"did you mean '{close[0]}'?" if close else _SECTIONS_HINT
                raise ConfigError(
                    f"unknown section '{key}'", path=path, line=doc.line_of(key), hint=hint
                )
        raw_rules = doc.get("rules") or []
        if not isinstance(raw_rules, list):
            raise ConfigError("'rules' must be a list", path=path, line=doc.line_of("rules"))
        active: list[Rule] = []
        expired: list[Rule] = []
        for raw in raw_rules:
            rule = _parse_rule(raw, path, catalog, doc.line_of("rules"))
            (expired if rule.expires is not None and rule.expires < as_of else active).append(rule)
        return cls(
            tuple(active),
            tuple(expired),
            str(path),
            weights=_parse_risk(doc, path),
            behaviour=_parse_behaviour(doc, path),
            candidate_ignore=_parse_ignore(doc, path),
        )

    def decide(self, department: str, service_id: str, category: str) -> Rule | None:
        """The most specific active rule for this department and service, if any."""
        best: Rule | None = None
        for rule in self.rules:
            if rule.applies(department, service_id, category) and (
                best is None or rule.specificity > best.specificity
            ):
                best = rule
        return best

    def apply(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """Add ``status`` and ``policy_rule`` to distinct (department, service_id, category)."""
        rows = []
        for dept, sid, cat in pairs.select("department", "service_id", "category").iter_rows():
            rule = self.decide(dept, sid, cat)
            rows.append(
                (dept, sid, rule.status if rule else DEFAULT_STATUS, rule.where if rule else None)
            )
        return pl.DataFrame(
            rows,
            schema={
                "department": pl.String,
                "service_id": pl.String,
                "status": pl.String,
                "policy_rule": pl.String,
            },
            orient="row",
        )


def _parse_rule(raw: Any, path: Path, catalog: Catalog, line: int) -> Rule:
    if not isinstance(raw, LineDict):
        raise ConfigError("a rule must be a mapping", path=path, line=line)
    where = f"{path.name}:{raw.line}"
    for key in raw:
        if key not in _RULE_KEYS:
            close = difflib.get_close_matches(key, _RULE_KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"keys: {', '.join(_RULE_KEYS)}"
            raise ConfigError(f"unknown key '{key}'", path=path, line=raw.line_of(key), hint=hint)
    has_service, has_category = "service" in raw, "category" in raw
    if has_service == has_category:
        raise ConfigError(
            "a rule names exactly one of service or category", path=path, line=raw.line
        )
    service = category = None
    if has_service:
        service = str(raw["service"])
        if catalog.get(service) is None:
            ids = [s.id for s in catalog.services]
            close = difflib.get_close_matches(service, ids, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "see: shadowscan signatures list"
            raise ConfigError(
                f"unknown service '{service}'", path=path, line=raw.line_of("service"), hint=hint
            )
    else:
        category = str(raw["category"])
        if category not in CATEGORIES:
            raise ConfigError(
                f"unknown category '{category}'",
                path=path,
                line=raw.line_of("category"),
                hint=f"one of: {', '.join(CATEGORIES)}",
            )
    status = raw.get("status")
    if status not in STATUSES:
        raise ConfigError(
            f"status must be one of {', '.join(STATUSES)}",
            path=path,
            line=raw.line_of("status"),
        )
    depts = raw.get("departments", [])
    if isinstance(depts, str):
        depts = [depts]
    if not isinstance(depts, list) or not all(isinstance(d, str) for d in depts):
        raise ConfigError(
            "departments must be a list of names", path=path, line=raw.line_of("departments")
        )
    expires = raw.get("expires")
    if isinstance(expires, datetime):
        expires = expires.date()
    if expires is not None and not isinstance(expires, date):
        try:
            expires = date.fromisoformat(str(expires))
        except ValueError:
            raise ConfigError(
                "expires must be a date YYYY-MM-DD", path=path, line=raw.line_of("expires")
            ) from None
    return Rule(
        status=str(status),
        service=service,
        category=category,
        departments=tuple(depts),
        justification=str(raw.get("justification", "")),
        owner=str(raw.get("owner", "")),
        expires=expires,
        where=where,
    )


def _section(doc: LineDict, name: str, path: Path) -> LineDict | None:
    raw = doc.get(name)
    if raw is None:
        return None
    if not isinstance(raw, LineDict):
        raise ConfigError(f"'{name}' must be a mapping", path=path, line=doc.line_of(name))
    return raw


def _check_keys(raw: LineDict, allowed: tuple[str, ...], path: Path, section: str) -> None:
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"keys: {', '.join(allowed)}"
            raise ConfigError(
                f"unknown key '{key}' in {section}", path=path, line=raw.line_of(key), hint=hint
            )


def _number(raw: LineDict, key: str, path: Path, *, integer: bool) -> float:
    value = raw[key]
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value < 0:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"'{key}' must be {kind} >= 0", path=path, line=raw.line_of(key))
    return float(value)


def _parse_risk(doc: LineDict, path: Path) -> RiskWeights:
    raw = _section(doc, "risk", path)
    if raw is None:
        return RiskWeights()
    _check_keys(raw, RiskWeights.keys(), path, "risk")
    values: dict[str, Any] = {}
    for f in fields(RiskWeights):
        if f.name not in raw:
            continue
        if f.name in ("sensitivity", "country"):
            table = raw[f.name]
            if not isinstance(table, LineDict) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in table.values()
            ):
                raise ConfigError(
                    f"'{f.name}' maps names to whole points, e.g. {{Legal: 10}}",
                    path=path,
                    line=raw.line_of(f.name),
                )
            values[f.name] = {str(k): int(v) for k, v in table.items()}
        else:
            values[f.name] = int(_number(raw, f.name, path, integer=True))
    return replace(RiskWeights(), **values)


def _parse_behaviour(doc: LineDict, path: Path) -> Behaviour:
    raw = _section(doc, "behaviour", path)
    if raw is None:
        return Behaviour()
    _check_keys(raw, Behaviour.keys(), path, "behaviour")
    values: dict[str, Any] = {}
    for key in raw:
        n = _number(raw, key, path, integer=key == "dns_repeat_window_s")
        values[key] = int(n) if key == "dns_repeat_window_s" else n
    if values.get("outlier_factor", 3.0) < 1:
        raise ConfigError(
            "'outlier_factor' must be at least 1", path=path, line=raw.line_of("outlier_factor")
        )
    return replace(Behaviour(), **values)


def _parse_ignore(doc: LineDict, path: Path) -> tuple[str, ...]:
    raw = _section(doc, "candidates", path)
    if raw is None:
        return ()
    _check_keys(raw, ("ignore",), path, "candidates")
    hosts = raw.get("ignore") or []
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise ConfigError(
            "'ignore' must be a list of host names", path=path, line=raw.line_of("ignore")
        )
    return tuple(h.strip().lower().rstrip(".") for h in hosts if h.strip())
