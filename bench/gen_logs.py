"""Generate large, realistic Squid native access logs for benchmarks (not tests).

Zipf-distributed hosts, about 3 % AI traffic from the bundled catalog's hosts, thousands
of users, a mix of CONNECT tunnels and full URLs. Deterministic for a given seed.

    python bench/gen_logs.py --lines 1000000 --out bench/out/squid_1m.log
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

AI_HOSTS = [
    "chatgpt.com", "api.openai.com", "claude.ai", "api.anthropic.com", "gemini.google.com",
    "copilot.microsoft.com", "api.githubcopilot.com", "www.perplexity.ai", "chat.deepseek.com",
    "huggingface.co", "www.midjourney.com", "character.ai", "poe.com", "elevenlabs.io",
    "otter.ai", "www.deepl.com", "api2.cursor.sh", "chat.mistral.ai", "ollama.com",
]  # fmt: skip
AI_PATHS = ["/v1/chat/completions", "/v1/messages", "/backend-api/conversation", "/", "/api/chat"]
TLDS = ["com", "net", "org", "io", "de", "fr", "co.uk"]
WORDS = ["news", "shop", "cdn", "static", "img", "api", "mail", "docs", "app", "cloud"]


def _hosts(n: int, rng: random.Random) -> list[str]:
    out = []
    for i in range(n):
        word = rng.choice(WORDS)
        out.append(
            f"{word}{i}.{rng.choice(['', 'www.', 'cdn.', 'api.'])}site{i % 997}.{rng.choice(TLDS)}"
        )
    return [h.replace("..", ".") for h in out]


def generate(lines: int, out: Path, *, seed: int = 7, users: int = 5000) -> None:
    """Write ``lines`` Squid native lines to ``out``."""
    rng = random.Random(seed)
    hosts = _hosts(20_000, rng)
    weights = [1.0 / (rank + 1) for rank in range(len(hosts))]
    names = [f"user{i:05d}" for i in range(users)]
    forms = ["{u}", "CORP\\{u}", "{u}@corp.example"]
    ts = 1795651200.0  # 2026-11-26 00:00:00 UTC
    out.parent.mkdir(parents=True, exist_ok=True)
    batch = 100_000
    with out.open("w", encoding="utf-8") as fh:
        done = 0
        while done < lines:
            n = min(batch, lines - done)
            picks = rng.choices(hosts, weights=weights, k=n)
            rows = []
            for host in picks:
                ts += rng.random() * 0.01
                u = rng.randrange(users)
                user = rng.choice(forms).format(u=names[u]) if u % 50 else "-"
                ip = f"10.{u // 4000}.{(u // 250) % 16}.{u % 250 + 1}"
                elapsed = rng.randrange(1, 9000)
                size = rng.randrange(200, 60000)
                if rng.random() < 0.03:
                    host = rng.choice(AI_HOSTS)
                    path = rng.choice(AI_PATHS)
                else:
                    path = f"/{rng.choice(WORDS)}/{rng.randrange(1000)}.html"
                if rng.random() < 0.4:
                    req = f"CONNECT {host}:443"
                    code, ctype = "TCP_TUNNEL/200", "-"
                else:
                    req = f"{rng.choice(['GET', 'GET', 'POST'])} https://{host}{path}"
                    code, ctype = "TCP_MISS/200", "text/html"
                peer = f"HIER_DIRECT/203.0.113.{u % 200}"
                rows.append(
                    f"{ts:.3f} {elapsed:6d} {ip} {code} {size} {req} {user} {peer} {ctype}\n"
                )
            fh.write("".join(rows))
            done += n


def main() -> None:
    """Command line: --lines N --out FILE [--seed S]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.lines, args.out, seed=args.seed)


if __name__ == "__main__":
    main()
