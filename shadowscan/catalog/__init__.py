"""The signature catalog: model (frozen values), loader (strict YAML), checks (lint)."""

from shadowscan.catalog.checks import Issue
from shadowscan.catalog.loader import bundled_dir, lint_catalog, load_catalog
from shadowscan.catalog.model import CATEGORIES, Catalog, Service, UrlRule

__all__ = [
    "CATEGORIES",
    "Catalog",
    "Issue",
    "Service",
    "UrlRule",
    "bundled_dir",
    "lint_catalog",
    "load_catalog",
]
