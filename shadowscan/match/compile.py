"""Compile the catalog into lookup tables the matcher joins against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from shadowscan.catalog.model import Catalog

#: Confidence that a match of each kind is this service (before the source factor).
KIND_CONFIDENCE: Final = {"url": 0.95, "saas_app": 0.95, "domain": 0.9, "user_agent": 0.75}
#: How much each source says about real use: a DNS lookup can be a prefetch or a link
#: preview; a firewall sees SNI/IP; a proxy or SaaS audit log sees the request itself.
SOURCE_FACTOR: Final = {"proxy": 1.0, "saas": 1.0, "firewall": 0.85, "dns": 0.7}


@dataclass(frozen=True)
class CompiledCatalog:
    """The catalog as tables: one row per domain, URL rule, user-agent pattern, SaaS app."""

    domains: pl.DataFrame  # domain, service_id
    urls: pl.DataFrame  # url_host, path_regex, path_len, service_id
    user_agents: list[tuple[str, str]]  # (case-insensitive regex, service_id)
    saas_apps: pl.DataFrame  # app_key (lower case), service_id
    services: pl.DataFrame  # service_id, service_name, vendor, category
    version: str

    @property
    def any_user_agent(self) -> str:
        """One regex that matches where any user-agent pattern does."""
        return "|".join(f"(?:{pattern})" for pattern, _ in self.user_agents)


def compile_catalog(catalog: Catalog) -> CompiledCatalog:
    """Turn the catalog's rules into join tables (done once per run)."""
    s = catalog.services
    domains = pl.DataFrame(
        [(d, x.id) for x in s for d in x.domains],
        schema={"domain": pl.String, "service_id": pl.String},
        orient="row",
    )
    urls = pl.DataFrame(
        [(u.host, u.path_regex(), len(u.path), x.id) for x in s for u in x.urls],
        schema={
            "url_host": pl.String,
            "path_regex": pl.String,
            "path_len": pl.Int64,
            "service_id": pl.String,
        },
        orient="row",
    )
    saas = pl.DataFrame(
        [(a.lower(), x.id) for x in s for a in x.saas_apps],
        schema={"app_key": pl.String, "service_id": pl.String},
        orient="row",
    ).unique("app_key", keep="first", maintain_order=True)
    services = pl.DataFrame(
        {
            "service_id": [x.id for x in s],
            "service_name": [x.name for x in s],
            "vendor": [x.vendor for x in s],
            "category": [x.category for x in s],
        },
        schema={
            "service_id": pl.String,
            "service_name": pl.String,
            "vendor": pl.String,
            "category": pl.String,
        },
    )
    user_agents = [(f"(?i){p}", x.id) for x in s for p in x.user_agents]
    return CompiledCatalog(domains, urls, user_agents, saas, services, catalog.version)
