"""Find the log files under the paths a user gives, and the config files beside them.

Directories are walked recursively in sorted order; hidden files are skipped. At the top of
a scanned directory, ``users.csv`` / ``directory.csv`` / ``directory.parquet``,
``subnets.csv`` and ``policy.yaml`` are picked up as the directory, subnets and policy
(unless given on the command line) and are never parsed as logs; nor are README/markdown
files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shadowscan.errors import InputError

CONFIG_NAMES = {
    "directory": ("users.csv", "directory.csv", "users.parquet", "directory.parquet"),
    "subnets": ("subnets.csv",),
    "policy": ("policy.yaml", "policy.yml"),
    "leases": ("leases.csv", "dhcpd.leases"),
}
_NOT_LOGS = {".md", ".rst", ".toml", ".yaml", ".yml"}


@dataclass
class Discovery:
    """Log files to parse, and config files found beside them."""

    files: list[Path] = field(default_factory=list)
    config: dict[str, Path] = field(default_factory=dict)


def discover(paths: list[Path]) -> Discovery:
    """Expand files and directories into log files (sorted, de-duplicated)."""
    found = Discovery()
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            raise InputError("no such file or directory", path=root, hint="check the path")
        if root.is_file():
            candidates = [root]
        else:
            config_files: set[Path] = set()
            for kind, names in CONFIG_NAMES.items():
                for name in names:
                    if (root / name).is_file():
                        found.config.setdefault(kind, root / name)
                        config_files.add(root / name)
            candidates = [
                p
                for p in sorted(root.rglob("*"))
                if p.is_file()
                and p not in config_files
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
                and p.suffix.lower() not in _NOT_LOGS
                and not p.name.upper().startswith("README")
            ]
        for p in candidates:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                found.files.append(p)
    return found
