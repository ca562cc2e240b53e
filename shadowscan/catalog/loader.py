"""Strict loading of ``signatures/*.yaml`` into a :class:`Catalog`.

Each file holds ``services:``, a list of entries. Unknown keys, missing keys, wrong types,
duplicate keys and unsafe tags are errors naming the file and line; a catalog with any
error is refused whole (run ``shadowscan signatures check DIR`` to see every issue).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from shadowscan.catalog.checks import MAX_FILE_BYTES, Issue, run_checks
from shadowscan.catalog.model import Catalog, Service, UrlRule
from shadowscan.catalog.snapshot import catalog_files, read_snapshot, source_digest
from shadowscan.errors import CatalogError
from shadowscan.yamlutil import LineDict, load_yaml


def bundled_dir() -> Path:
    """The catalog shipped with shadowscan (inside the wheel, or at the repository root)."""
    installed = Path(__file__).resolve().parent.parent / "signatures"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent.parent / "signatures"


class _Bad(ValueError):
    pass


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _Bad("must be a non-empty string")
    return v.strip()


def _strs(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise _Bad("must be a list of non-empty strings")
    return tuple(x.strip() for x in v)


def _domains(v: Any) -> tuple[str, ...]:
    return tuple(d.lower().rstrip(".") for d in _strs(v))


def _tri(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if v == "unknown":
        return None
    raise _Bad("must be true, false or unknown")


def _date(v: Any) -> date:
    if isinstance(v, datetime):
        raise _Bad("must be a date YYYY-MM-DD")
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    raise _Bad("must be a date YYYY-MM-DD")


def _urls(v: Any) -> tuple[UrlRule, ...]:
    rules = []
    for item in _strs(v):
        host, sep, path = item.partition("/")
        rules.append(UrlRule(host=host.lower(), path="/" + path if sep else ""))
    return tuple(rules)


_FIELDS: Final[dict[str, tuple[Callable[[Any], Any], bool]]] = {
    # key: (converter, required)
    "id": (_str, True),
    "name": (_str, True),
    "vendor": (_str, True),
    "category": (_str, True),
    "domains": (_domains, False),
    "urls": (_urls, False),
    "user_agents": (_strs, False),
    "saas_apps": (_strs, False),
    "trains_on_input_default": (_tri, True),
    "enterprise_tier": (_tri, True),
    "hq_country": (_str, True),
    "data_retention": (_str, True),
    "certifications": (_strs, False),
    "source_url": (_str, True),
    "last_validated": (_date, True),
}


def _entry(raw: Any, path: str, line: int, issues: list[Issue]) -> Service | None:
    if not isinstance(raw, LineDict):
        issues.append(Issue(path, line, "error", "bad-entry", "a service must be a mapping"))
        return None
    values: dict[str, Any] = {}
    ok = True
    for key in raw:
        if key not in _FIELDS:
            close = difflib.get_close_matches(key, list(_FIELDS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            issues.append(
                Issue(path, raw.line_of(key), "error", "unknown-key", f"unknown key '{key}'{hint}")
            )
            ok = False
    for key, (convert, required) in _FIELDS.items():
        if key not in raw:
            if required:
                issues.append(Issue(path, raw.line, "error", "missing-key", f"missing key '{key}'"))
                ok = False
            continue
        try:
            values[key] = convert(raw[key])
        except _Bad as exc:
            issues.append(Issue(path, raw.line_of(key), "error", "bad-type", f"'{key}' {exc}"))
            ok = False
    if not ok:
        return None
    return Service(**values, file=path, line=raw.line)


def read_services(directory: Path) -> tuple[list[Service], list[Issue], str]:
    """Parse every ``*.yaml`` under ``directory``: services, structural issues, version hash.

    Raises :class:`CatalogError` only when the directory itself is unusable.
    """
    if not directory.is_dir():
        raise CatalogError(
            "signature directory not found", path=directory, hint="pass --signatures DIR"
        )
    files = catalog_files(directory)
    if not files:
        raise CatalogError("no *.yaml signature files", path=directory)
    services: list[Service] = []
    issues: list[Issue] = []
    for f in files:
        shown = f.name if directory == bundled_dir() else str(f)
        try:
            doc = load_yaml(f, error=CatalogError, max_bytes=MAX_FILE_BYTES, allow_aliases=False)
        except CatalogError as exc:
            issues.append(Issue(shown, exc.line or 1, "error", "yaml", exc.message))
            continue
        if not isinstance(doc, LineDict) or set(doc) != {"services"}:
            issues.append(
                Issue(shown, 1, "error", "bad-file", "a signature file holds one key: services")
            )
            continue
        entries = doc["services"]
        if not isinstance(entries, list):
            issues.append(
                Issue(shown, doc.line_of("services"), "error", "bad-file", "'services' is a list")
            )
            continue
        for raw in entries:
            line = raw.line if isinstance(raw, LineDict) else doc.line_of("services")
            service = _entry(raw, shown, line, issues)
            if service is not None:
                services.append(service)
    return services, issues, source_digest(files)[:12]


def lint_catalog(directory: Path | None = None) -> tuple[list[Service], list[Issue], str]:
    """Services, every structural and semantic issue, and the version of a catalog."""
    services, issues, version = read_services(directory or bundled_dir())
    return services, sorted(issues + run_checks(services)), version


def load_catalog(directory: Path | None = None, *, snapshot: bool = True) -> Catalog:
    """Load and validate the catalog; any error refuses it whole.

    The bundled catalog comes from its checked snapshot when that matches the YAML files
    (:mod:`shadowscan.catalog.snapshot`; ``snapshot=False`` reads the YAML regardless).

    >>> len(load_catalog()) >= 150
    True
    """
    directory = directory or bundled_dir()
    if snapshot and directory == bundled_dir():
        checked = read_snapshot(directory)
        if checked is not None:
            return checked
    services, issues, version = lint_catalog(directory)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        first = errors[0]
        more = f"; {len(errors) - 1} more" if len(errors) > 1 else ""
        raise CatalogError(
            f"{first.message}{more}",
            path=first.path,
            line=first.line,
            hint=f"run: shadowscan signatures check {directory}",
        )
    ordered = tuple(sorted(services, key=lambda s: s.id))
    return Catalog(services=ordered, version=version, source_dir=str(directory))
