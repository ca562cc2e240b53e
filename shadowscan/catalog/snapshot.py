"""A checked copy of a catalog as JSON, so that loading it need not parse and lint YAML.

Parsing the bundled catalog's YAML (1,000 services) and running its checks takes about
0.2 s of CPU at every start, in Python: in a scan that is the setup the first chunks wait
for. ``signatures/_snapshot.json`` holds the services the YAML gives, written only when
the catalog has no error, with the SHA-256 of the YAML files it was made from (names and
bytes, as the catalog version is computed). :func:`read_snapshot` uses it only when that
digest matches the files as they are now: an edited, added or removed file makes it stale,
and the YAML is read and checked as usual (slower, never wrong). Refresh it after editing
the bundled catalog with ``python -m shadowscan.catalog`` (a test fails while it is stale).

Only the bundled catalog is read from a snapshot (it ships with shadowscan, like its
code); a catalog given with ``--signatures DIR`` is always read from its YAML and checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any, Final

from shadowscan.catalog.model import Catalog, Service, UrlRule

log = logging.getLogger("shadowscan")

SNAPSHOT_NAME: Final = "_snapshot.json"
#: Bumped whenever the layout below changes: an older snapshot is then stale.
FORMAT: Final = 1


def catalog_files(directory: Path) -> list[Path]:
    """The catalog's files, in the order the loader reads them."""
    return sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))


def source_digest(files: list[Path]) -> str:
    """The SHA-256 (hex) of the files' names and bytes; its first 12 characters are the
    catalog version."""
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()


def _service_json(service: Service) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(Service):
        value = getattr(service, f.name)
        if f.name == "urls":
            value = [[u.host, u.path] for u in value]
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[f.name] = value
    return out


def _service(raw: dict[str, Any]) -> Service:
    values = dict(raw)
    for name in ("domains", "user_agents", "saas_apps", "certifications"):
        values[name] = tuple(values[name])
    values["urls"] = tuple(UrlRule(host, path) for host, path in values["urls"])
    if values["last_validated"] is not None:
        values["last_validated"] = date.fromisoformat(values["last_validated"])
    return Service(**values)


def write_snapshot(catalog: Catalog, directory: Path) -> Path:
    """Write ``directory/_snapshot.json`` for ``catalog`` (loaded from ``directory``)."""
    path = directory / SNAPSHOT_NAME
    head = json.dumps({"format": FORMAT, "sha256": source_digest(catalog_files(directory))})
    # One service per line: a catalog change shows as the lines of the services it changed.
    lines = ",\n".join(
        json.dumps(_service_json(s), ensure_ascii=False, sort_keys=True) for s in catalog.services
    )
    path.write_text(f'{head[:-1]}, "services": [\n{lines}\n]}}\n', encoding="utf-8")
    return path


def read_snapshot(directory: Path) -> Catalog | None:
    """The catalog of ``directory`` from its snapshot, or None when there is none or it
    does not match the files (then the YAML is to be read)."""
    path = directory / SNAPSHOT_NAME
    files = catalog_files(directory)
    if not files or not path.is_file():
        return None
    digest = source_digest(files)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT or doc.get("sha256") != digest:
            log.debug("%s is stale: the catalog is read from its YAML", path)
            return None
        services = tuple(_service(raw) for raw in doc["services"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.debug("%s is unreadable (%s): the catalog is read from its YAML", path, exc)
        return None
    return Catalog(services=services, version=digest[:12], source_dir=str(directory))


def main() -> int:
    """Refresh the snapshot of the bundled catalog (after an edit of ``signatures/``)."""
    from shadowscan.catalog.loader import bundled_dir, load_catalog
    from shadowscan.errors import ShadowscanError

    directory = bundled_dir()
    try:
        catalog = load_catalog(directory, snapshot=False)
    except ShadowscanError as exc:
        print(f"not written: {exc}", file=sys.stderr)
        return 1
    path = write_snapshot(catalog, directory)
    print(f"{path}: {len(catalog)} services, catalog version {catalog.version}")
    return 0
