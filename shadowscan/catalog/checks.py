"""Catalog lint: small validators, each returning :class:`Issue` values with a severity.

Errors stop the catalog from loading (never warn-and-load); warnings are shown by
``shadowscan signatures check`` and do not block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import polars as pl
import re2

from shadowscan.catalog.model import CATEGORIES, Service
from shadowscan.psl import is_public_suffix


@dataclass(frozen=True, order=True)
class Issue:
    """One finding of the linter, located at a file and line."""

    path: str
    line: int
    severity: str  # error | warning
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message} [{self.code}]"


#: Domains of general-purpose platforms: never a domain-only signature (a specific AI
#: subdomain such as gemini.google.com is fine, and so is a URL rule with a path).
GENERAL_PURPOSE: Final = frozenset(
    {
        "google.com", "googleapis.com", "gstatic.com", "googleusercontent.com", "goo.gl",
        "microsoft.com", "office.com", "office365.com", "live.com", "bing.com", "azure.com",
        "windows.net", "msn.com", "sharepoint.com", "cloud.microsoft",
        "github.com", "githubusercontent.com", "github.io",
        "amazonaws.com", "amazon.com", "cloudfront.net", "awsstatic.com",
        "cloudflare.com", "cloudflare.net", "workers.dev", "pages.dev",
        "apple.com", "icloud.com", "facebook.com", "fbcdn.net", "meta.com", "instagram.com",
        "whatsapp.com", "x.com", "twitter.com", "linkedin.com", "slack.com", "notion.so",
        "notion.com", "salesforce.com", "force.com", "zoom.us", "adobe.com", "atlassian.com",
        "atlassian.net", "canva.com", "dropbox.com", "box.com", "yandex.ru", "baidu.com",
        "qq.com", "bytedance.com", "alibaba.com", "aliyun.com", "akamai.net",
        "akamaiedge.net", "akamaihd.net", "fastly.net", "azureedge.net", "youtube.com",
        "wikipedia.org", "discord.com", "discord.gg", "imgur.com", "reddit.com",
        "vercel.app", "herokuapp.com", "netlify.app", "medium.com", "substack.com",
    }
)  # fmt: skip

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
STALE_AFTER: Final = timedelta(days=730)
#: A catalog file larger than this is refused before it is parsed (split the category).
MAX_FILE_BYTES: Final = 2 * 1024 * 1024

#: User agents of ordinary browsers and tools: a user_agents pattern that matches one of
#: them would flag everybody, so it is refused.
COMMON_USER_AGENTS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)",
    "Microsoft-Delivery-Optimization/10.0",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
    "okhttp/4.12.0",
    "Java/17.0.9",
    "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240905.003)",
)

Check = Callable[[list[Service]], Iterator[Issue]]


def _err(s: Service, code: str, message: str) -> Issue:
    return Issue(s.file, s.line, "error", code, message)


def check_ids(services: list[Service]) -> Iterator[Issue]:
    """Ids are slugs and unique."""
    seen: dict[str, Service] = {}
    for s in services:
        if not _SLUG.match(s.id):
            yield _err(s, "bad-id", f"id '{s.id}' is not a slug (a-z, 0-9, '-')")
        if s.id in seen:
            first = seen[s.id]
            yield _err(s, "duplicate-id", f"id '{s.id}' also at {first.file}:{first.line}")
        seen.setdefault(s.id, s)


def check_categories(services: list[Service]) -> Iterator[Issue]:
    """Every category is one of the taxonomy's."""
    for s in services:
        if s.category not in CATEGORIES:
            yield _err(
                s,
                "unknown-category",
                f"unknown category '{s.category}' (one of: {', '.join(CATEGORIES)})",
            )


def check_domains(services: list[Service]) -> Iterator[Issue]:
    """Domains are valid host names, owned by one service, and not general-purpose."""
    owner: dict[str, Service] = {}
    for s in services:
        for d in s.domains:
            if not _HOST.match(d):
                yield _err(s, "bad-domain", f"'{d}' is not a lower-case host name")
                continue
            if d in GENERAL_PURPOSE or d.removeprefix("www.") in GENERAL_PURPOSE:
                yield _err(
                    s,
                    "general-purpose-domain",
                    f"'{d}' is a general-purpose domain; use a specific AI subdomain "
                    "or a URL rule with a path",
                )
            elif is_public_suffix(d):
                yield _err(s, "public-suffix", f"'{d}' is a public suffix, not a domain")
            if d in owner and owner[d].id != s.id:
                o = owner[d]
                yield _err(
                    s, "duplicate-domain", f"'{d}' is also a domain of '{o.id}' ({o.file}:{o.line})"
                )
            owner.setdefault(d, s)


def check_urls(services: list[Service]) -> Iterator[Issue]:
    """URL rules have a valid host and a path starting with '/'."""
    for s in services:
        for u in s.urls:
            if not _HOST.match(u.host):
                yield _err(s, "bad-url", f"URL rule '{u}': '{u.host}' is not a host name")
            if not u.path.startswith("/"):
                yield _err(s, "bad-url", f"URL rule '{u}': the path must start with '/'")
            elif u.path.rstrip("/") == "" and u.host.removeprefix("www.") in GENERAL_PURPOSE:
                yield _err(
                    s,
                    "general-purpose-domain",
                    f"URL rule '{u}' covers all of the general-purpose host '{u.host}'; "
                    "give the path of the AI feature",
                )


def check_url_owners(services: list[Service]) -> Iterator[Issue]:
    """A URL rule (host + path) names one service."""
    owner: dict[str, Service] = {}
    for s in services:
        for u in s.urls:
            key = f"{u.host}{u.path.rstrip('/')}"
            if key in owner and owner[key].id != s.id:
                o = owner[key]
                yield _err(
                    s, "duplicate-url", f"URL rule '{u}' is also on '{o.id}' ({o.file}:{o.line})"
                )
            owner.setdefault(key, s)


def check_redundant_domains(services: list[Service]) -> Iterator[Issue]:
    """A domain already covered by another domain of the same service is noise (warning)."""
    for s in services:
        own = set(s.domains)
        for d in s.domains:
            labels = d.split(".")
            parent = next(
                (
                    ".".join(labels[k:])
                    for k in range(1, len(labels))
                    if ".".join(labels[k:]) in own
                ),
                None,
            )
            if parent is not None:
                yield Issue(
                    s.file,
                    s.line,
                    "warning",
                    "redundant-domain",
                    f"'{d}' is already covered by '{parent}' of '{s.id}'",
                )


def check_saas_apps(services: list[Service]) -> Iterator[Issue]:
    """A SaaS app name or client id names one service (matching is case-insensitive)."""
    owner: dict[str, Service] = {}
    for s in services:
        for app in s.saas_apps:
            key = app.casefold()
            if key in owner and owner[key].id != s.id:
                o = owner[key]
                yield _err(
                    s,
                    "duplicate-saas-app",
                    f"saas app '{app}' is also on '{o.id}' ({o.file}:{o.line})",
                )
            owner.setdefault(key, s)


_QUANT_CHARS: Final = frozenset("*+?{")


def _quantifier_at(pattern: str, i: int) -> tuple[bool, int]:
    """Whether a quantifier that repeats more than once starts at ``i``, and its end."""
    if i >= len(pattern):
        return False, i
    c = pattern[i]
    if c in "*+":
        end = i + 1
    elif c == "?":
        return False, i + 1 + (pattern[i + 1 : i + 2] in ("?", "+"))
    elif c == "{":
        m = re.match(r"\{(\d*)(,?)(\d*)\}", pattern[i:])
        if m is None:
            return False, i  # a literal '{'
        end = i + m.end()
        low, comma, high = m.group(1), m.group(2), m.group(3)
        repeats = (bool(comma) and (not high or int(high) > 1)) or (not comma and int(low or 0) > 1)
        if not repeats:
            return False, end + (pattern[end : end + 1] in ("?", "+"))
    else:
        return False, i
    return True, end + (pattern[end : end + 1] in ("?", "+"))


def nested_quantifier(pattern: str) -> str | None:
    """The first group that repeats a repetition, like ``(a+)+`` or ``(?:\\w*x)*``, or None.

    RE2 runs such patterns in linear time, but other engines (and readers) do not, and they
    are a sign of a pattern that needs rewriting; so they are refused syntactically.

    >>> nested_quantifier("(a+)+")
    '(a+)+'
    >>> nested_quantifier("^(?:ChatGPT|GPT)-User/[0-9.]+") is None
    True
    """
    stack: list[tuple[int, bool]] = []  # (start index, contains a repeat)
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            repeats, end = _quantifier_at(pattern, i)
            if repeats and stack:
                stack[-1] = (stack[-1][0], True)
            i = end
            continue
        if c == "[":
            j = i + 1
            if pattern[j : j + 1] == "^":
                j += 1
            if pattern[j : j + 1] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            repeats, end = _quantifier_at(pattern, i)
            if repeats and stack:
                stack[-1] = (stack[-1][0], True)
            i = end
            continue
        if c == "(":
            stack.append((i, False))
            i += 1
            continue
        if c == ")" and stack:
            start, inner = stack.pop()
            repeats, end = _quantifier_at(pattern, i + 1)
            if repeats and inner:
                return pattern[start:end]
            if (repeats or inner) and stack:
                stack[-1] = (stack[-1][0], True)
            i = end
            continue
        repeats, end = _quantifier_at(pattern, i + 1)
        if repeats and stack:
            stack[-1] = (stack[-1][0], True)
        i = max(end, i + 1)
    return None


def _polars_accepts_all(patterns: list[str]) -> bool:
    """True when polars compiles every ``(?i)pattern`` (one call for all: a call per
    pattern cost ~40 ms for the bundled catalog at every start)."""
    if not patterns:
        return True
    frame = pl.DataFrame({"s": [""] * len(patterns), "p": [f"(?i){p}" for p in patterns]})
    try:
        frame.select(pl.col("s").str.contains(pl.col("p")))
    except pl.exceptions.ComputeError:
        return False
    return True


def check_user_agents(services: list[Service]) -> Iterator[Issue]:
    """User-agent patterns are linear-time, specific, and owned by one service."""
    owner: dict[str, Service] = {}
    # Each pattern is tried alone only when some pattern fails, to name it.
    polars_ok = _polars_accepts_all([p for s in services for p in s.user_agents])
    for s in services:
        for pattern in s.user_agents:
            nested = nested_quantifier(pattern)
            if nested is not None:
                yield _err(
                    s,
                    "nested-quantifier",
                    f"user_agents pattern {pattern!r} repeats a repetition ({nested}); "
                    "quantify the inner part only",
                )
                continue
            key = pattern.casefold()
            if key in owner and owner[key].id != s.id:
                o = owner[key]
                yield _err(
                    s,
                    "duplicate-user-agent",
                    f"user_agents pattern {pattern!r} is also on '{o.id}' ({o.file}:{o.line})",
                )
            owner.setdefault(key, s)
            try:
                re2.compile(pattern)
            except re2.error as exc:
                reason = exc.args[0] if exc.args else exc
                if isinstance(reason, bytes):
                    reason = reason.decode("utf-8", "replace")
                yield _err(
                    s,
                    "non-re2-pattern",
                    f"user_agents pattern {pattern!r} is not RE2-compatible ({reason}); "
                    "remove backreferences and lookaround",
                )
                continue
            try:
                if not polars_ok:
                    pl.Series([""]).str.contains(f"(?i){pattern}")
            except pl.exceptions.ComputeError as exc:
                yield _err(s, "bad-pattern", f"user_agents pattern {pattern!r}: {exc}")
            if len(pattern.strip("^$")) < 4:
                yield _err(s, "broad-pattern", f"user_agents pattern {pattern!r} is too broad")
                continue
            compiled = re2.compile(f"(?i){pattern}")
            hit = next((ua for ua in COMMON_USER_AGENTS if compiled.search(ua)), None)
            if hit is not None:
                yield _err(
                    s,
                    "broad-pattern",
                    f"user_agents pattern {pattern!r} matches the ordinary user agent "
                    f"{hit!r}; make it specific to the AI client",
                )


def check_has_rules(services: list[Service]) -> Iterator[Issue]:
    """A service with no domain, URL, user agent or SaaS app can never match."""
    for s in services:
        if not (s.domains or s.urls or s.user_agents or s.saas_apps):
            yield _err(s, "no-rules", f"'{s.id}' has no domains, urls, user_agents or saas_apps")


def check_provenance(services: list[Service], *, today: date | None = None) -> Iterator[Issue]:
    """Every entry says where it comes from and when it was last checked."""
    today = today or date.today()
    for s in services:
        if not s.source_url.startswith("https://"):
            yield _err(s, "bad-source-url", f"source_url of '{s.id}' must be an https:// URL")
        if s.last_validated is None:
            yield _err(s, "no-last-validated", f"'{s.id}' has no last_validated date")
        elif s.last_validated > today + timedelta(days=1):
            yield _err(s, "future-date", f"last_validated of '{s.id}' is in the future")
        elif today - s.last_validated > STALE_AFTER:
            yield Issue(
                s.file,
                s.line,
                "warning",
                "stale",
                f"'{s.id}' was last validated on {s.last_validated}; check it again",
            )


CHECKS: Final[tuple[Check, ...]] = (
    check_ids,
    check_categories,
    check_domains,
    check_urls,
    check_url_owners,
    check_redundant_domains,
    check_saas_apps,
    check_user_agents,
    check_has_rules,
    check_provenance,
)


def run_checks(services: list[Service], checks: Iterable[Check] = CHECKS) -> list[Issue]:
    """Every issue the validators find, sorted by file and line."""
    return sorted(issue for check in checks for issue in check(services))
