#!/usr/bin/env python3
"""Turn the public AI lists into candidate signatures for review (never into the catalog).

Usage::

    python tools/import_catalogs.py                 # reads ../shared/realdata/catalogs/
    python tools/import_catalogs.py --catalogs DIR --out tools/out

Reads
- v2fly ``domain-list-community`` files (MIT): ``domain:`` (the default), ``full:``,
  ``keyword:``, ``regexp:`` rules, ``include:`` references (followed, cycles and missing
  files reported), ``@attr`` tags and ``&affiliation`` marks, ``#`` comments;
- ai.robots.txt ``robots.json`` (MIT): crawler / agent tokens -> ``user_agents`` rules.

Writes, into the review folder (``tools/out/``, git-ignored by its own ``.gitignore``):
- ``v2fly-candidates.yaml``: one draft entry per (list, comment group) with the domains
  that look safe to import and are not in the catalog yet, plus every rule it would not
  import and why (keyword/regexp rules, telemetry ``@ads`` hosts, CDN/cloud hosts shared
  with non-AI products, general-purpose domains, public suffixes, hosts already claimed);
- ``robots-candidates.yaml``: each token with the catalog service that already carries it,
  or a flag saying why it needs a person (too generic, robots.txt-only, no known service).

The output is deterministic (sorted, no timestamps): rerun it when the lists change and
diff. Accepted rules are copied into ``signatures/*.yaml`` by hand, with the upstream list
as ``source_url`` and the attribution kept in CATALOG.md. Standard library + the shadowscan
package (for the catalog and its lint rules).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
V2FLY_URL = "https://github.com/v2fly/domain-list-community/blob/master/data/{name}"
ROBOTS_URL = "https://github.com/ai-robots-txt/ai.robots.txt/blob/main/robots.json"
#: The lists this importer starts from (each ``include:`` is followed from these).
V2FLY_ROOTS = ("category-ai-!cn", "category-ai-cn", "category-ai-ru")

#: Hosting, CDN, storage, telemetry and realtime platforms that serve many non-AI customers:
#: a rule on them (or under them) is never imported as a domain signature.
SHARED_INFRA = (
    "azureedge.net",
    "azurefd.net",
    "b-cdn.net",
    "blob.core.windows.net",
    "cdn.cloudflare.net",
    "clients6.google.com",
    "cloudinary.com",
    "datadoghq.com",
    "imgix.net",
    "livekit.cloud",
    "qualtrics.com",
    "s3.amazonaws.com",
    "sentry.io",
    "vsassets.io",
    "webpubsub.azure.com",
)
#: Lists of vendors whose main business is not AI (a marketplace, a contact-centre suite):
#: their domains would count every visit to the vendor as AI use.
NOT_AI_ONLY = frozenset({"envato", "liveperson"})
#: Robots.txt product tokens that vendors document as never sent in a User-Agent header.
ROBOTS_ONLY = frozenset({"Google-Extended", "Applebot-Extended"})
#: Tokens that are ordinary words or other products' names: matching them as a substring of
#: a User-Agent would flag unrelated clients, so a person must write a specific pattern.
GENERIC_TOKENS = frozenset(
    {"code", "cursor", "lcc", "openai", "operator", "scrapy", "spider", "trae", "yak"}
)


@dataclass(frozen=True, order=True)
class Rule:
    """One v2fly rule, after ``include:`` resolution, with where it was written."""

    list_name: str
    line: int
    kind: str  # domain | full | keyword | regexp
    value: str
    attrs: tuple[str, ...] = ()
    group: str = ""


@dataclass
class ParsedLists:
    """Every rule reachable from the roots, plus what could not be followed."""

    rules: list[Rule] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_KINDS = ("domain", "full", "keyword", "regexp")


def parse_line(text: str) -> tuple[str, str, tuple[str, ...]] | None:
    """One v2fly line as (kind, value, attrs); None for a blank or comment line.

    ``kind`` is one of domain, full, keyword, regexp or include; attributes keep their
    ``@`` (``@ads``, ``@!cn``) and affiliations their ``&``.

    >>> parse_line("full:api.example.com @ads  # telemetry")
    ('full', 'api.example.com', ('@ads',))
    >>> parse_line("example.ai")
    ('domain', 'example.ai', ())
    >>> parse_line("# only a comment") is None
    True
    """
    parts: list[str] = []
    for token in text.split():
        if token.startswith("#"):
            break
        parts.append(token)
    if parts and not parts[0].startswith("regexp:") and "#" in parts[0]:
        parts = [parts[0].split("#", 1)[0]] if parts[0].split("#", 1)[0] else []
    if not parts:
        return None
    head, attrs = parts[0], tuple(p for p in parts[1:] if p[:1] in "@&")
    kind, sep, value = head.partition(":")
    if not sep:
        return ("domain", head.lower(), attrs)
    if kind == "include":
        return ("include", value, attrs)
    if kind not in _KINDS:
        raise ValueError(f"unknown rule type '{kind}:'")
    return (kind, value if kind == "regexp" else value.lower(), attrs)


def parse_lists(folder: Path, roots: tuple[str, ...] = V2FLY_ROOTS) -> ParsedLists:
    """Follow ``include:`` from ``roots``; each rule once (first list that names it wins)."""
    out = ParsedLists()
    seen_lists: set[str] = set()
    seen_rules: set[tuple[str, str]] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in chain:
            out.problems.append(f"include cycle: {' -> '.join((*chain, name))}")
            return
        if name in seen_lists:
            return
        path = folder / name
        if not path.is_file():
            where = f" (included from {chain[-1]})" if chain else ""
            out.problems.append(f"missing list '{name}'{where}")
            return
        seen_lists.add(name)
        group = ""
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = text.strip()
            if stripped.startswith("#"):
                group = stripped.lstrip("#").strip()
                continue
            if not stripped:
                group = ""  # a blank line ends a comment group
                continue
            try:
                parsed = parse_line(text)
            except ValueError as exc:
                out.problems.append(f"{name}:{number}: {exc}")
                continue
            if parsed is None:
                continue
            kind, value, attrs = parsed
            if kind == "include":
                visit(value, (*chain, name))
                continue
            if (kind, value) in seen_rules:
                continue
            seen_rules.add((kind, value))
            out.rules.append(Rule(name, number, kind, value, attrs, group))

    for root in roots:
        visit(root, ())
    return out


def classify(rule: Rule, owners: dict[str, str]) -> str:
    """Why a rule is not imported as is, or '' when it is a safe new domain signature."""
    from shadowscan.catalog.checks import GENERAL_PURPOSE
    from shadowscan.psl import is_public_suffix

    if rule.list_name in NOT_AI_ONLY:
        return f"list '{rule.list_name}' is a vendor whose main business is not AI"
    if rule.kind in ("keyword", "regexp"):
        return f"{rule.kind} rule: never imported blindly; write a specific domain"
    if "@ads" in rule.attrs:
        return "telemetry/ads host (@ads), shared with non-AI products"
    host = rule.value
    for infra in SHARED_INFRA:
        if host == infra or host.endswith("." + infra):
            return f"host on shared CDN/cloud/telemetry platform '{infra}'"
    labels = host.split(".")
    for k in range(len(labels)):
        suffix = ".".join(labels[k:])
        if suffix in GENERAL_PURPOSE:
            if k == 0:
                return f"general-purpose domain '{suffix}'"
            break
    if is_public_suffix(host):
        return "public suffix"
    for k in range(len(labels) - 1):
        suffix = ".".join(labels[k:])
        if suffix in owners:
            return f"in catalog: {owners[suffix]}"
    return ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def v2fly_report(parsed: ParsedLists, owners: dict[str, str]) -> str:
    """The review YAML for the v2fly rules (deterministic)."""
    lines = [
        "# Candidates from v2fly/domain-list-community (MIT License, Copyright (c) V2Ray).",
        "# Generated by tools/import_catalogs.py; do not edit. Review each draft, give it a",
        "# real id, name, vendor, category and source_url, then copy it into signatures/.",
        "problems:",
    ]
    lines += [f"  - {_q(p)}" for p in sorted(parsed.problems)] or ["  []"]
    groups: dict[tuple[str, str], list[Rule]] = {}
    for rule in sorted(parsed.rules):
        groups.setdefault((rule.list_name, rule.group), []).append(rule)
    drafts: list[str] = []
    flagged: list[str] = []
    for (list_name, group), rules in sorted(groups.items()):
        url = V2FLY_URL.format(name=list_name)
        safe = []
        for rule in rules:
            reason = classify(rule, owners)
            if reason:
                flagged.append(
                    f"  - {{list: {_q(list_name)}, line: {rule.line}, kind: {rule.kind}, "
                    f"value: {_q(rule.value)}, reason: {_q(reason)}}}"
                )
            else:
                safe.append(rule.value)
        # ungrouped lines of a category list are unrelated services: one draft each
        split = not group and list_name.startswith("category-")
        for domains in [[d] for d in safe] if split else [safe] if safe else []:
            name = domains[0] if split else group or list_name
            slug = _slug(name)
            drafts += [
                f"  # {url} (MIT)",
                f"  - id: {slug if len(slug) > 2 else _slug(list_name)}",
                f"    name: {_q(name)}",
                "    vendor: unknown",
                "    category: unknown",
                f"    domains: [{', '.join(domains)}]",
                f"    source_url: {url}",
            ]
    lines += ["drafts:", *(drafts or ["  []"]), "flagged:", *(flagged or ["  []"])]
    return "\n".join(lines) + "\n"


def robots_report(robots: dict[str, object], ua_owners: dict[str, str]) -> str:
    """The review YAML for the ai.robots.txt tokens (deterministic)."""
    lines = [
        "# Candidates from ai-robots-txt/ai.robots.txt robots.json (MIT License).",
        f"# Source: {ROBOTS_URL}",
        "# Generated by tools/import_catalogs.py; do not edit.",
        "tokens:",
    ]
    from shadowscan.catalog.checks import COMMON_USER_AGENTS

    for token in sorted(robots, key=str.casefold):
        info = robots[token]
        operator = info.get("operator", "") if isinstance(info, dict) else ""
        key = token.casefold()
        owner = ua_owners.get(key) or ua_owners.get(re.escape(token).casefold())
        if owner:
            verdict = f"in catalog: {owner}"
        elif token in ROBOTS_ONLY:
            verdict = "robots.txt-only token: never sent as a User-Agent"
        elif key in GENERIC_TOKENS or len(token) < 5:
            verdict = "generic token: needs a specific pattern written by hand"
        elif any(key in ua.casefold() for ua in COMMON_USER_AGENTS):
            verdict = "token occurs in ordinary user agents"
        else:
            verdict = "new: attach to the operator's service after review"
        lines.append(
            f"  - {{token: {_q(token)}, operator: {_q(str(operator))}, verdict: {_q(verdict)}}}"
        )
    return "\n".join(lines) + "\n"


def _default_catalogs() -> Path:
    base = os.environ.get("SHADOWSCAN_REALDATA")
    root = Path(base) if base else REPO.parent / "shared" / "realdata"
    return root / "catalogs"


def main(argv: list[str] | None = None) -> int:
    """Write the two review files; print a one-line summary of each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogs", type=Path, default=_default_catalogs())
    parser.add_argument("--signatures", type=Path, default=REPO / "signatures")
    parser.add_argument("--out", type=Path, default=REPO / "tools" / "out")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from shadowscan.catalog.loader import read_services

    services, _, _ = read_services(args.signatures)
    owners = {d: s.id for s in services for d in s.domains}
    ua_owners = {p.strip("^$").casefold(): s.id for s in services for p in s.user_agents}
    v2fly = args.catalogs / "v2fly-domain-list-community"
    robots_path = args.catalogs / "ai-robots-txt" / "robots.json"
    if not v2fly.is_dir() or not robots_path.is_file():
        print(f"error: lists not found under {args.catalogs} (pass --catalogs)", file=sys.stderr)
        return 1
    parsed = parse_lists(v2fly)
    robots = json.loads(robots_path.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / ".gitignore").write_text("*\n", encoding="utf-8")
    v2 = v2fly_report(parsed, owners)
    rb = robots_report(robots, ua_owners)
    (args.out / "v2fly-candidates.yaml").write_text(v2, encoding="utf-8")
    (args.out / "robots-candidates.yaml").write_text(rb, encoding="utf-8")
    flagged = sum(1 for r in parsed.rules if classify(r, owners))
    print(
        f"v2fly: {len(parsed.rules)} rules, {flagged} not importable as is, "
        f"{len(parsed.problems)} problem(s) -> {args.out / 'v2fly-candidates.yaml'}"
    )
    print(f"robots.json: {len(robots)} tokens -> {args.out / 'robots-candidates.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
