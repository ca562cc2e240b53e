"""Matching cost as the catalog grows: annotate() on 100k distinct hosts, 100/1,000/5,000 services.

    python bench/bench_match.py                  # sizes 100 1000 5000, 100,000 hosts
    python bench/bench_match.py --hosts 200000 --sizes 100 5000 --repeat 5

The 100- and 1,000-service catalogs are the first services (by id) of the bundled catalog;
larger sizes add synthetic services (two domains, one URL rule, and for one in ten a
user-agent pattern each) on top of the whole bundled catalog. The events are one proxy row
per distinct host (5% of them under a catalog domain, the rest random non-AI hosts and
look-alikes), with a URL path, and 2,000 distinct user agents spread over the rows.
Prints, per size: rules, compile time, best-of-N annotate() time with the user agents and
without them (user_agent null: hosts, domains and URL rules only), hosts/s and matches.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shadowscan.catalog import Catalog, Service, UrlRule, load_catalog
from shadowscan.match.compile import compile_catalog
from shadowscan.match.matcher import annotate
from shadowscan.schema import EVENT_SCHEMA, conform

_WORDS = [
    "alpha",
    "bravo",
    "cargo",
    "delta",
    "echo",
    "forest",
    "globe",
    "harbor",
    "index",
    "jungle",
    "kilo",
    "lumen",
    "metro",
]
_TLDS = ("com", "net", "org", "io", "de", "fr", "co.uk", "example", "test")


def synthetic_service(i: int) -> Service:
    """A fake AI service whose rules look like real ones (never collide with real hosts)."""
    return Service(
        id=f"synthetic-{i:05d}",
        name=f"Synthetic {i}",
        vendor="Bench",
        category="model-api",
        domains=(f"synth{i}-ai.example", f"api.synth{i}.test"),
        urls=(UrlRule(f"portal{i % 97}.example", f"/ai/tool{i}"),),
        user_agents=(f"^SynthBot{i}/",) if i % 10 == 0 else (),
        source_url="https://bench.example/",
        last_validated=date(2026, 1, 1),
    )


def catalog_of(size: int, bundled: Catalog) -> Catalog:
    """``size`` services: a prefix of the bundled catalog, topped up with synthetic ones."""
    real = list(bundled.services[:size])
    extra = [synthetic_service(i) for i in range(max(0, size - len(real)))]
    services = tuple(sorted(real + extra, key=lambda s: s.id))
    return replace(bundled, services=services, version=f"bench-{size}")


def make_events(n_hosts: int, catalog: Catalog, seed: int = 7) -> pl.DataFrame:
    """One proxy event per distinct host; 5% fall under a domain of ``catalog``."""
    rng = random.Random(seed)
    domains = [d for s in catalog.services for d in s.domains]
    hosts: set[str] = set()
    while len(hosts) < n_hosts:
        if domains and rng.random() < 0.05:
            hosts.add(f"h{rng.randrange(10**6)}.{rng.choice(domains)}")
            continue
        labels = [f"{rng.choice(_WORDS)}{rng.randrange(10**5)}" for _ in range(rng.randint(1, 3))]
        host = ".".join(labels) + "." + rng.choice(_TLDS)
        if rng.random() < 0.02 and domains:  # look-alikes: the domain as a left-hand label
            host = f"{rng.choice(domains)}.{host}"
        hosts.add(host)
    ordered = sorted(hosts)
    agents = [f"Mozilla/5.0 (bench {k}) AppleWebKit/537.36" for k in range(1990)]
    agents += ["OpenAI/Python 1.54.0", "Anthropic/Python 0.40.0", "curl/8.5.0"] * 3 + ["ollama/0.5"]
    raw = pl.DataFrame(
        {
            "host": ordered,
            "url_path": [f"/ai/tool{rng.randrange(6000)}" for _ in ordered],
            "user_agent": [agents[k % len(agents)] for k in range(len(ordered))],
            "source": ["proxy"] * len(ordered),
        }
    )
    return conform(raw, EVENT_SCHEMA)


def main() -> int:
    """Run the benchmark and print one line per catalog size."""
    parser = argparse.ArgumentParser(description="annotate() cost versus catalog size")
    parser.add_argument("--hosts", type=int, default=100_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bundled = load_catalog()
    print(
        f"polars {pl.__version__}; bundled catalog: {len(bundled)} services; {args.hosts:,} hosts"
    )
    print(
        f"{'services':>8} {'domains':>8} {'urls':>6} {'uas':>5} {'compile s':>9} "
        f"{'annotate s':>10} {'no-UA s':>10} {'hosts/s':>10} {'matched':>8}"
    )
    for size in args.sizes:
        catalog = catalog_of(size, bundled)
        t = time.perf_counter()
        cc = compile_catalog(catalog)
        compile_s = time.perf_counter() - t
        events = make_events(args.hosts, catalog)
        no_ua = events.with_columns(pl.lit(None, dtype=pl.String).alias("user_agent"))
        best, best_no_ua, matched = float("inf"), float("inf"), 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            out = annotate(events, cc)
            best = min(best, time.perf_counter() - t)
            matched = out["service_id"].is_not_null().sum()
            t = time.perf_counter()
            annotate(no_ua, cc)
            best_no_ua = min(best_no_ua, time.perf_counter() - t)
        print(
            f"{len(catalog):>8} {cc.domains.height:>8} {cc.urls.height:>6} "
            f"{len(cc.user_agents):>5} {compile_s:>9.3f} {best:>10.3f} {best_no_ua:>10.3f} "
            f"{args.hosts / best:>10,.0f} {matched:>8,}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
