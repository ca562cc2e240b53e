"""Log parsers: one module per log family, and the registry that names them.

Every module of this package that defines ``PARSERS`` (a tuple of :class:`LogParser`
subclasses) contributes them; ``REGISTRY`` maps a format name (what ``--format`` takes)
to its parser class. Adding a format is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil

from shadowscan.sources.base import LogParser, ParseResult


def _discover() -> dict[str, type[LogParser]]:
    registry: dict[str, type[LogParser]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for parser in getattr(module, "PARSERS", ()):
            if parser.name in registry:
                raise RuntimeError(f"two parsers named {parser.name!r}")
            registry[parser.name] = parser
    return dict(sorted(registry.items()))


REGISTRY: dict[str, type[LogParser]] = _discover()

__all__ = ["REGISTRY", "LogParser", "ParseResult"]
