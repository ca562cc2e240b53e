"""Generate large, realistic logs of seven formats for benchmarks (not tests).

Formats (``--format``; the shadowscan format each one is detected as in brackets):
``squid`` (squid_native), ``w3c`` (w3c, ProxySG-like ``#Fields:``), ``iis`` (w3c, IIS-like:
no quotes, ``+`` for a space in a value), ``bind9`` (bind9, 9.16+
layout), ``zeek`` (zeek_dns_tsv, Zeek's own header), ``fortigate`` (fortigate key=value) and
``cloudtrail`` (cloudtrail NDJSON).

Every file has Zipf-distributed hosts (50,000 synthetic non-AI hosts under ~9,000
registered domains), about 3 % AI traffic on real catalog hosts (``shadowscan signatures
list --format json``; the best-known services first, so they are the most frequent), 5,000
users with their own IPs, and one day of time stamps starting 2026-11-26 00:00 UTC.
CloudTrail has no web hosts: its Zipf axis is the AWS service called (``eventSource``), the
AI share being Bedrock and the other AWS AI services the catalog lists.

Deterministic for a given seed and line count, on any machine and polars version: the
randomness is SplitMix64 of (seed, row, stream) computed with polars integer expressions,
and every line is built column-wise (no Python per line): ~1-3 s per million lines.

    python bench/gen_logs.py --format squid --lines 1000000          # -> bench/out/
    python bench/gen_logs.py --format all --lines 100000 --check     # + scan each: 0 rejects
"""

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO

import polars as pl

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

#: Generator name -> the shadowscan format the file must be detected as.
FORMATS: dict[str, str] = {
    "squid": "squid_native",
    "w3c": "w3c",
    "iis": "w3c",
    "bind9": "bind9",
    "zeek": "zeek_dns_tsv",
    "fortigate": "fortigate",
    "cloudtrail": "cloudtrail",
}
#: Generator name -> shadowscan source family.
FAMILY: dict[str, str] = {
    "squid": "proxy",
    "w3c": "proxy",
    "iis": "proxy",
    "bind9": "dns",
    "zeek": "dns",
    "fortigate": "firewall",
    "cloudtrail": "saas",
}

START = datetime(2026, 11, 26, tzinfo=UTC)
START_EPOCH = int(START.timestamp())
DAY_US = 86_400 * 1_000_000
CHUNK_ROWS = 500_000
#: Part of every generated file's name: bump it when a layout changes, so that no benchmark
#: reuses a file written by an older generator.
GEN_VERSION = 1
#: Share of lines that go to an AI service (per cent of traffic, as a proxy sees it).
AI_SHARE = 0.03

#: The best-known AI hosts, most frequent first; the rest of the catalog's domains follow.
POPULAR_AI = [
    "chatgpt.com", "api.openai.com", "claude.ai", "api.anthropic.com", "gemini.google.com",
    "copilot.microsoft.com", "api.githubcopilot.com", "www.perplexity.ai", "chat.deepseek.com",
    "huggingface.co", "www.midjourney.com", "character.ai", "poe.com", "elevenlabs.io",
    "otter.ai", "www.deepl.com", "api2.cursor.sh", "chat.mistral.ai", "ollama.com",
]  # fmt: skip
AI_PATHS = ["/v1/chat/completions", "/v1/messages", "/backend-api/conversation", "/", "/api/chat"]
#: AWS services a CloudTrail log is full of, most frequent first (the non-AI Zipf axis).
AWS_SERVICES = [
    "s3", "sts", "ec2", "iam", "kms", "lambda", "logs", "cloudwatch", "dynamodb", "sqs", "sns",
    "ssm", "secretsmanager", "ecr", "ecs", "eks", "rds", "cloudformation", "route53",
    "elasticloadbalancing", "autoscaling", "config", "cloudtrail", "organizations", "sso",
    "signin", "glue", "athena",
    "kinesis", "firehose", "events", "states", "apigateway", "acm", "backup", "guardduty",
    "securityhub", "inspector2", "access-analyzer", "servicecatalog", "elasticache", "es",
    "redshift", "emr", "codebuild", "codepipeline", "codecommit", "cloudfront", "waf", "shield",
]  # fmt: skip
AWS_AI_EVENTS = ["InvokeModel", "Converse", "InvokeModelWithResponseStream", "ListFoundationModels"]
AWS_EVENTS = ["GetObject", "PutObject", "AssumeRole", "DescribeInstances", "Decrypt", "List", "Get"]
WORDS = [
    "news", "shop", "cloud", "media", "data", "travel", "bank", "sport", "game", "food", "tech",
    "auto", "home", "music", "video", "photo", "health", "book", "learn", "work", "city", "green",
    "blue", "north", "star", "fast", "smart", "open", "prime", "true",
]  # fmt: skip
SUBS = ["www", "cdn", "static", "img", "api", "mail", "login", "assets", "m", "app"]
TLDS = ["com", "com", "com", "net", "org", "io", "de", "fr", "co.uk", "nl", "it", "es"]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Go-http-client/2.0",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
]

U64 = pl.UInt64
_MASK = (1 << 64) - 1


# Randomness ---------------------------------------------------------------------------------


def splitmix64(x: pl.Expr) -> pl.Expr:
    """SplitMix64 of a UInt64 expression (wrapping arithmetic; shifts as divisions).

    The same numbers as the reference algorithm whatever the polars version, unlike
    ``Expr.hash``, so a seed always gives the same file.
    """
    z = x + pl.lit(0x9E3779B97F4A7C15, U64)
    z = z.xor(z // pl.lit(1 << 30, U64)) * pl.lit(0xBF58476D1CE4E5B9, U64)
    z = z.xor(z // pl.lit(1 << 27, U64)) * pl.lit(0x94D049BB133111EB, U64)
    return z.xor(z // pl.lit(1 << 31, U64))


class Rand:
    """Independent random streams per row: ``uniform(k)`` and ``integer(k, n)``."""

    def __init__(self, seed: int) -> None:
        # 2**40 rows per seed, 2**8 streams per row: far more than any benchmark needs.
        self.base = (seed * (1 << 48)) & _MASK

    def _bits(self, stream: int) -> pl.Expr:
        key = pl.col("row").cast(U64) * pl.lit(256, U64) + pl.lit(self.base + stream, U64)
        return splitmix64(key)

    def uniform(self, stream: int) -> pl.Expr:
        """A float in [0, 1)."""
        return (self._bits(stream) // pl.lit(1 << 11, U64)).cast(pl.Float64) / float(1 << 53)

    def integer(self, stream: int, n: int) -> pl.Expr:
        """An integer in [0, n)."""
        return (self._bits(stream) % pl.lit(n, U64)).cast(pl.Int64)


def zipf_cdf(n: int, s: float = 1.0) -> pl.Series:
    """Cumulative Zipf(s) probabilities of ranks 0..n-1 (rank 0 most frequent)."""
    w = pl.int_range(1, n + 1, eager=True).cast(pl.Float64).pow(-s)
    return (w.cum_sum() / w.sum()).alias("cdf")


def zipf_pick(cdf: pl.Series, u: pl.Series) -> pl.Series:
    """Ranks for uniforms ``u`` by inverse CDF (binary search, vectorised)."""
    return cdf.search_sorted(u, side="right").clip(0, cdf.len() - 1).cast(pl.Int64)


# Populations (small tables, built once) -----------------------------------------------------


@cache
def catalog_ai_hosts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(AI hosts, AWS AI eventSources) from ``shadowscan signatures list --format json``."""
    out = subprocess.run(
        [sys.executable, "-m", "shadowscan", "signatures", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    services = [json.loads(line) for line in out.splitlines() if line.strip()]
    domains = sorted({d for s in services for d in s["domains"]})
    covered = [h for h in POPULAR_AI if any(h == d or h.endswith("." + d) for d in domains)]
    hosts = list(dict.fromkeys([*covered, *domains]))
    aws = sorted(
        {a for s in services for a in s["saas_apps"] if a.endswith(".amazonaws.com")},
        key=lambda a: (a != "bedrock.amazonaws.com", a),
    )
    if not hosts:
        raise SystemExit("the catalog lists no domains: cannot generate AI traffic")
    return tuple(hosts), tuple(aws or ["bedrock.amazonaws.com"])


def web_hosts(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct synthetic non-AI hosts, a few subdomains under each registered name."""
    out: list[str] = []
    seen: set[str] = set()
    i = 0
    while len(out) < n:
        reg = f"{rng.choice(WORDS)}{rng.choice(WORDS)}{i // 6}.{rng.choice(TLDS)}"
        host = reg if i % 6 == 0 else f"{rng.choice(SUBS)}.{reg}"
        if "ai" not in host.split(".") and host not in seen:
            seen.add(host)
            out.append(host)
        i += 1
    return out


@dataclass(frozen=True)
class Population:
    """Hosts, AI hosts, users and their addresses: the lookup tables rows pick from."""

    hosts: pl.Series
    host_cdf: pl.Series
    ai_hosts: pl.Series
    ai_cdf: pl.Series
    aws: pl.Series
    aws_cdf: pl.Series
    aws_ai: pl.Series
    users: pl.DataFrame  # user index -> name forms, ip, BIND client object id

    @staticmethod
    def build(seed: int, *, n_hosts: int, n_users: int) -> Population:
        """The tables for ``seed`` (Python loops over thousands of entries, not rows)."""
        rng = random.Random(seed)
        hosts = web_hosts(n_hosts, rng)
        rng.shuffle(hosts)  # popularity independent of the naming order
        ai, aws_ai = catalog_ai_hosts()
        names = [f"user{i:05d}" for i in range(n_users)]
        forms = [("{u}", "CORP\\{u}", "{u}@corp.example")[rng.randrange(3)] for _ in names]
        users = pl.DataFrame(
            {
                "name": names,
                "logged": [
                    f.format(u=n) if i % 50 else "-"
                    for i, (f, n) in enumerate(zip(forms, names, strict=True))
                ],
                "ip": [f"10.{i // 4000}.{(i // 250) % 16}.{i % 250 + 1}" for i in range(n_users)],
                "obj": [f"0x7f{rng.getrandbits(40):010x}" for _ in names],
            }
        )
        aws = [f"{s}.amazonaws.com" for s in AWS_SERVICES]
        return Population(
            hosts=pl.Series("host", hosts),
            host_cdf=zipf_cdf(len(hosts)),
            ai_hosts=pl.Series("host", ai),
            ai_cdf=zipf_cdf(len(ai)),
            aws=pl.Series("svc", aws),
            aws_cdf=zipf_cdf(len(aws)),
            aws_ai=pl.Series("svc", aws_ai),
            users=users,
        )


# Rows: the fields every format draws from ---------------------------------------------------


def base_rows(
    first: int, n: int, total: int, pop: Population, rnd: Rand, ai_share: float
) -> pl.DataFrame:
    """``n`` rows from global row ``first``: time, host (AI or not), user, sizes, choices."""
    df = pl.DataFrame({"row": pl.int_range(first, first + n, eager=True, dtype=pl.Int64)})
    df = df.with_columns(
        rnd.uniform(0).alias("_u_ai"),
        rnd.uniform(1).alias("_u_host"),
        rnd.uniform(2).alias("_u_aihost"),
        rnd.uniform(3).alias("_u_aws"),
    )
    ai = df["_u_ai"] < ai_share
    web = pop.hosts.gather(zipf_pick(pop.host_cdf, df["_u_host"]))
    ai_host = pop.ai_hosts.gather(zipf_pick(pop.ai_cdf, df["_u_aihost"]))
    svc = pop.aws.gather(zipf_pick(pop.aws_cdf, df["_u_aws"]))
    aws_ai = pop.aws_ai.gather(rnd_int_series(df, rnd, 4, pop.aws_ai.len()))
    step = DAY_US / max(total, 1)
    df = df.with_columns(
        ai.alias("ai"),
        pl.when(ai).then(ai_host).otherwise(web).alias("host"),
        # Bedrock first among the AWS AI services: 70 % of the AI calls.
        pl.when(~ai)
        .then(svc)
        .when(pl.col("_u_aihost") < 0.7)
        .then(pl.lit("bedrock.amazonaws.com"))
        .otherwise(aws_ai)
        .alias("svc"),
        (
            pl.lit(START_EPOCH * 1_000_000)
            + ((pl.col("row") + rnd.uniform(5)) * step).cast(pl.Int64)
        ).alias("ts_us"),
        rnd.integer(6, pop.users.height).alias("uid"),
        rnd.uniform(7).alias("r1"),
        rnd.uniform(8).alias("r2"),
        rnd.integer(9, 9000).alias("elapsed"),
        (rnd.integer(10, 60_000) + 200).alias("bytes_in"),
        (rnd.integer(11, 4_000) + 100).alias("bytes_out"),
        rnd.integer(12, len(AI_PATHS)).alias("_ai_path"),
        rnd.integer(13, len(WORDS)).alias("_word"),
        rnd.integer(14, 1000).alias("_page"),
        (rnd.integer(15, 64_000) + 1024).alias("sport"),
        rnd.integer(16, len(USER_AGENTS)).alias("_ua"),
        rnd.integer(17, 1 << 30).alias("rnd30"),
    )
    words = pl.Series(WORDS)
    df = df.with_columns(
        pl.when(pl.col("ai"))
        .then(pl.Series(AI_PATHS).gather(df["_ai_path"]))
        .otherwise(
            pl.concat_str(
                pl.lit("/"),
                words.gather(df["_word"]),
                pl.lit("/"),
                pl.col("_page").cast(pl.String),
                pl.lit(".html"),
            )
        )
        .alias("path"),
        pl.Series(USER_AGENTS).gather(df["_ua"]).alias("ua"),
        pl.from_epoch("ts_us", time_unit="us").dt.replace_time_zone("UTC").alias("ts"),
    )
    users = pop.users.gather(df["uid"])
    return pl.concat([df.drop(pl.selectors.starts_with("_")), users], how="horizontal")


def rnd_int_series(df: pl.DataFrame, rnd: Rand, stream: int, n: int) -> pl.Series:
    """``integer(stream, n)`` evaluated on ``df``'s rows."""
    return df.select(rnd.integer(stream, n).alias("i"))["i"]


def template(text: str, **fields: pl.Expr) -> pl.Expr:
    """A line from ``text`` whose ``{name}`` fields are the given expressions or columns.

    >>> df = pl.DataFrame({"a": [1, 2]})
    >>> df.select(template("a={a} b={b}", b=pl.lit("x")).alias("t"))["t"].to_list()
    ['a=1 b=x', 'a=2 b=x']
    """
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(text):
        if literal:
            parts.append(pl.lit(literal, dtype=pl.String))
        if name is not None:
            parts.append((fields[name] if name in fields else pl.col(name)).cast(pl.String))
    return pl.concat_str(parts)


def choose(*cases: tuple[pl.Expr, str], default: str) -> pl.Expr:
    """The text of the first case whose condition holds, else ``default``."""
    expr: pl.Expr = pl.lit(default, dtype=pl.String)
    for cond, text in reversed(cases):
        expr = pl.when(cond).then(pl.lit(text, dtype=pl.String)).otherwise(expr)
    return expr


# One builder per format: rows -> the text of each line --------------------------------------

R1, R2 = pl.col("r1"), pl.col("r2")
CONNECT = R1 < 0.4  # proxy formats: 40 % of requests are CONNECT tunnels
DENIED = R2 < 0.01  # 1 % refused by policy
METHOD = choose((CONNECT, "CONNECT"), (R2 < 0.3, "POST"), default="GET")

SQUID = (
    "{secs}.{millis} {elapsed} {ip} {code} {bytes_in} {method} {url} {logged} "
    "HIER_DIRECT/203.0.113.{peer} {ctype}"
)


def squid_lines(df: pl.DataFrame) -> pl.Expr:
    """``time elapsed client code/status bytes method URL user hierarchy/peer type``."""
    return template(
        SQUID,
        secs=pl.col("ts_us") // 1_000_000,
        millis=((pl.col("ts_us") // 1000) % 1000).cast(pl.String).str.zfill(3),
        elapsed=pl.col("elapsed").cast(pl.String).str.pad_start(6),
        code=choose(
            (DENIED, "TCP_DENIED/403"), (CONNECT, "TCP_TUNNEL/200"), default="TCP_MISS/200"
        ),
        method=METHOD,
        url=pl.when(CONNECT)
        .then(pl.col("host") + pl.lit(":443"))
        .otherwise(pl.lit("https://") + pl.col("host") + pl.col("path")),
        peer=pl.col("uid") % 200,
        ctype=choose((CONNECT, "-"), default="text/html"),
    )


W3C_FIELDS = (
    "date time time-taken c-ip cs-username s-action sc-status cs-method cs-uri-scheme cs-host "
    "cs-uri-port cs-uri-path cs-uri-query cs(User-Agent) sc-bytes cs-bytes"
)
W3C = (
    "{stamp} {elapsed} {ip} {logged} {action} {status} {method} {scheme} {host} 443 "
    '{uri_path} {query} "{ua}" {bytes_in} {bytes_out}'
)


def w3c_header() -> str:
    """The directives a ProxySG access log upload starts with."""
    stamp = START.strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"#Software: SGOS 7.3.16.1\n#Version: 1.0\n#Start-Date: {stamp}\n#Date: {stamp}\n"
        f'#Fields: {W3C_FIELDS}\n#Remark: 4023140040 "PROXYSG-HQ" "192.0.2.10" "main"\n'
    )


def w3c_lines(df: pl.DataFrame) -> pl.Expr:
    """ProxySG-like ELFF rows; the user agent double-quoted (it holds spaces)."""
    return template(
        W3C,
        stamp=pl.col("ts").dt.strftime("%Y-%m-%d %H:%M:%S"),
        action=choose(
            (DENIED, "TCP_DENIED"),
            (CONNECT, "TCP_TUNNELED"),
            (R2 < 0.2, "TCP_HIT"),
            default="TCP_NC_MISS",
        ),
        status=choose((DENIED, "403"), default="200"),
        method=METHOD,
        scheme=choose((CONNECT, "tcp"), default="https"),
        uri_path=pl.when(CONNECT).then(pl.lit("/")).otherwise(pl.col("path")),
        query=pl.when(CONNECT | (R1 < 0.7))
        .then(pl.lit("-"))
        .otherwise(pl.lit("?id=") + pl.col("elapsed").cast(pl.String)),
    )


IIS_FIELDS = (
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) cs(Host) sc-status sc-substatus sc-win32-status sc-bytes "
    "cs-bytes time-taken"
)
IIS = (
    "{stamp} 192.0.2.20 {method} {uri_path} {query} 443 {logged} {ip} {ua} - {host} {status} "
    "0 0 {bytes_in} {bytes_out} {elapsed}"
)


def iis_header() -> str:
    """The directives an IIS log starts with."""
    stamp = START.strftime("%Y-%m-%d %H:%M:%S")
    return (
        "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
        f"#Date: {stamp}\n#Fields: {IIS_FIELDS}\n"
    )


def iis_lines(df: pl.DataFrame) -> pl.Expr:
    """IIS-like W3C rows (IIS as a front end that logs the host asked for): no quotes,
    a space in the user agent logged as ``+``."""
    return template(
        IIS,
        stamp=pl.col("ts").dt.strftime("%Y-%m-%d %H:%M:%S"),
        status=choose((DENIED, "403"), default="200"),
        method=METHOD,
        uri_path=pl.when(CONNECT).then(pl.lit("/")).otherwise(pl.col("path")),
        query=pl.when(CONNECT | (R1 < 0.7))
        .then(pl.lit("-"))
        .otherwise(pl.lit("id=") + pl.col("elapsed").cast(pl.String)),
        ua=pl.col("ua").str.replace_all(" ", "+", literal=True),
    )


BIND9 = "{stamp} client @{obj} {ip}#{sport} ({host}): {message}"


def bind9_lines(df: pl.DataFrame) -> pl.Expr:
    """BIND 9.16+ query log lines (``client @0x... ip#port (name): query: ...``), 0.5 % denied."""
    qtype = choose((R1 < 0.55, "A"), (R1 < 0.9, "AAAA"), default="HTTPS")
    flags = choose((R2 < 0.6, " +E(0)K (10.0.0.53)"), default=" +E(0)DCK (10.0.0.53)")
    denied = template("query (cache) '{host}/{qtype}/IN' denied", qtype=qtype)
    query = template("query: {host} IN {qtype}{flags}", qtype=qtype, flags=flags)
    return template(
        BIND9,
        stamp=pl.col("ts").dt.strftime("%d-%b-%Y %H:%M:%S%.3f"),
        message=pl.when(R2 < 0.005).then(denied).otherwise(query),
    )


ZEEK_FIELDS = [
    "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id", "rtt",
    "query", "qclass", "qclass_name", "qtype", "qtype_name", "rcode", "rcode_name", "AA", "TC",
    "RD", "RA", "Z", "answers", "TTLs", "rejected",
]  # fmt: skip
ZEEK_TYPES = [
    "time", "string", "addr", "port", "addr", "port", "enum", "count", "interval", "string",
    "count", "string", "count", "string", "count", "string", "bool", "bool", "bool", "bool",
    "count", "vector[string]", "vector[interval]", "bool",
]  # fmt: skip
ZEEK = (
    "{secs}.{micros} C{uid} {ip} {sport} 10.0.0.53 53 udp {trans_id} {rtt} {host} 1 C_INTERNET "
    "{qtype} {rcode} F F T T 0 {answers} {ttls} F"
).replace(" ", "\t")
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def zeek_header() -> str:
    """The header of a Zeek dns.log, as Zeek writes it (tab-separated)."""
    opened = START.strftime("%Y-%m-%d-%H-%M-%S")
    return (
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
        f"#path\tdns\n#open\t{opened}\n#fields\t" + "\t".join(ZEEK_FIELDS) + "\n"
        "#types\t" + "\t".join(ZEEK_TYPES) + "\n"
    )


def zeek_footer() -> str:
    """The ``#close`` line Zeek writes when it rotates the log."""
    closed = START.replace(hour=23, minute=59, second=59).strftime("%Y-%m-%d-%H-%M-%S")
    return f"#close\t{closed}\n"


def zeek_lines(df: pl.DataFrame) -> pl.Expr:
    """One DNS transaction per line, 24 tab-separated fields; 4 % NXDOMAIN."""
    nx = R2 < 0.04
    b62 = pl.Series(list(_B62))
    letters = [b62.gather((df["rnd30"] // (62**k)) % 62) for k in range(5)]
    row12 = (pl.col("row") % 10**12).cast(pl.String).str.zfill(12)
    answer = template("203.0.{a}.{b}", a=pl.col("rnd30") % 256, b=pl.col("uid") % 256)
    return template(
        ZEEK,
        secs=pl.col("ts_us") // 1_000_000,
        micros=(pl.col("ts_us") % 1_000_000).cast(pl.String).str.zfill(6),
        uid=pl.concat_str([*[pl.lit(x) for x in letters], row12]),
        trans_id=pl.col("rnd30") % 65536,
        rtt=pl.lit("0.") + (pl.col("elapsed") * 10).cast(pl.String).str.zfill(6),
        qtype=choose((R1 < 0.55, "1\tA"), (R1 < 0.9, "28\tAAAA"), default="65\tHTTPS"),
        rcode=choose((nx, "3\tNXDOMAIN"), default="0\tNOERROR"),
        answers=pl.when(nx).then(pl.lit("-")).otherwise(answer),
        ttls=choose((nx, "-"), default="300.000000"),
    )


FORTI_HEAD = (
    '{stamp} devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime={eventtime} tz="+0000" '
)
FORTI_WEB = FORTI_HEAD + (
    'logid="0316013056" type="utm" subtype="webfilter" eventtype="ftgd_allow" level="notice" '
    'vd="root" policyid=12 sessionid={session}{user} srcip={ip} srcport={sport} '
    'srcintf="port1" srcintfrole="lan" dstip={dstip} dstport=443 dstintf="wan1" '
    'dstintfrole="wan" proto=6 httpmethod="{method}" service="HTTPS" hostname="{host}" '
    'profile="default" action="{action}" reqtype="direct" url="https://{host}{path}" '
    'sentbyte={bytes_out} rcvdbyte={bytes_in} direction="outgoing" '
    'msg="URL belongs to an allowed category in policy" catdesc="Information Technology"'
)
FORTI_TRAFFIC = FORTI_HEAD + (
    'logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip={ip} '
    'srcport={sport} srcintf="port1" srcintfrole="lan" dstip={dstip} dstport=443 '
    'dstintf="wan1" dstintfrole="wan" srccountry="Reserved" dstcountry="United States" '
    'sessionid={session} proto=6 action="{action}" policyid=1 policytype="policy" '
    'service="HTTPS" trandisp="snat" duration={duration} sentbyte={bytes_out} '
    'rcvdbyte={bytes_in} sentpkt=12 rcvdpkt=14 appcat="unscanned"'
)


def fortigate_lines(df: pl.DataFrame) -> pl.Series:
    """FortiOS 7 web filter lines (hostname, URL; all AI rows) and forward traffic (IP only)."""
    webfilter = pl.col("ai") | (R1 < 0.6)
    common = {
        "stamp": pl.col("ts").dt.strftime("<189>date=%Y-%m-%d time=%H:%M:%S"),
        "eventtime": pl.col("ts_us") * 1000,
        "session": pl.col("row") + 100_000_000,
        "dstip": template("203.0.{a}.{b}", a=pl.col("rnd30") % 256, b=pl.col("rnd30") % 254 + 1),
    }
    user = pl.when(pl.col("uid") % 5 == 0).then(pl.lit("")).otherwise(template(' user="{name}"'))
    web = template(
        FORTI_WEB,
        **common,
        user=user,
        method=choose((R2 < 0.3, "POST"), default="GET"),
        action=choose((DENIED, "blocked"), default="passthrough"),
    )
    traffic = template(
        FORTI_TRAFFIC,
        **common,
        action=choose((DENIED, "deny"), default="close"),
        duration=pl.col("elapsed") // 100,
    )
    # Each row is built by one template only: a when/then over both would build both.
    parts = [
        df.filter(webfilter).select("row", web.alias("line")),
        df.filter(~webfilter).select("row", traffic.alias("line")),
    ]
    return pl.concat(parts).sort("row")["line"]


CLOUDTRAIL = (
    '{{"eventVersion":"1.09","userIdentity":{{"type":"IAMUser","principalId":"AIDA{principal}",'
    '"arn":"arn:aws:iam::123456789012:user/{name}","accountId":"123456789012",'
    '"userName":"{name}"}},"eventTime":"{stamp}","eventSource":"{svc}","eventName":"{event}",'
    '"awsRegion":"us-east-1","sourceIPAddress":"{ip}","userAgent":"{agent}",{error}'
    '"requestParameters":null,"responseElements":null,"requestID":"{digits}",'
    '"eventID":"00000000-0000-4000-8000-{digits}","readOnly":{read_only},'
    '"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012",'
    '"tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256",'
    '"clientProvidedHostHeader":"{endpoint}.us-east-1.amazonaws.com"}}}}'
)


def cloudtrail_lines(df: pl.DataFrame) -> pl.Expr:
    """One CloudTrail record per line (NDJSON, as a SIEM or ``jq -c`` exports them)."""
    ai_events = pl.Series(AWS_AI_EVENTS).gather(df["rnd30"] % len(AWS_AI_EVENTS))
    events = pl.Series(AWS_EVENTS).gather(df["rnd30"] % len(AWS_EVENTS))
    return template(
        CLOUDTRAIL,
        principal=pl.col("uid") + 10_000_000,
        stamp=pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        event=pl.when(pl.col("ai")).then(ai_events).otherwise(events),
        agent=choose(
            (R1 < 0.5, "aws-cli/2.22.4 md/awscrt#0.23.4 ua/2.0 os/linux#6.8"),
            default="Boto3/1.35.80 md/Botocore#1.35.80 ua/2.0 os/linux#6.8",
        ),
        error=choose(
            (DENIED, '"errorCode":"AccessDenied","errorMessage":"User is not authorized",'),
            default="",
        ),
        digits=pl.col("row").cast(pl.String).str.zfill(12),
        read_only=choose((R1 < 0.7, "true"), default="false"),
        endpoint=pl.col("svc").str.strip_suffix(".amazonaws.com"),
    )


@dataclass(frozen=True)
class Layout:
    """How a format's file starts, what each line is, and how it ends."""

    lines: Callable[[pl.DataFrame], pl.Expr | pl.Series]
    header: Callable[[], str] | None = None
    footer: Callable[[], str] | None = None


LAYOUTS: dict[str, Layout] = {
    "squid": Layout(squid_lines),
    "w3c": Layout(w3c_lines, header=w3c_header),
    "iis": Layout(iis_lines, header=iis_header),
    "bind9": Layout(bind9_lines),
    "zeek": Layout(zeek_lines, header=zeek_header, footer=zeek_footer),
    "fortigate": Layout(fortigate_lines),
    "cloudtrail": Layout(cloudtrail_lines),
}


# Writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    """What was written: path, total lines (headers included), bytes, seconds."""

    path: Path
    lines: int
    bytes: int
    seconds: float


def default_path(fmt: str, lines: int, seed: int = 7, ai_share: float = AI_SHARE) -> Path:
    """``bench/out/<format>_<lines>_s<seed>_v<generator version>.log`` (``_ai<share>``
    before ``.log`` when the AI share is not the default)."""
    share = "" if ai_share == AI_SHARE else f"_ai{ai_share:g}"
    return OUT / f"{fmt}_{lines}_s{seed}_v{GEN_VERSION}{share}.log"


def _write_text(fh: IO[bytes], text: str) -> int:
    data = text.encode("utf-8")
    fh.write(data)
    return data.count(b"\n")


def generate(
    fmt: str,
    lines: int,
    out: Path,
    *,
    seed: int = 7,
    users: int = 5000,
    hosts: int = 50_000,
    ai_share: float = AI_SHARE,
) -> Generated:
    """Write ``fmt`` data to ``out``: ``lines`` lines in all, header lines included."""
    if fmt not in LAYOUTS:
        raise SystemExit(f"unknown format {fmt!r}: choose one of {', '.join(LAYOUTS)}")
    layout = LAYOUTS[fmt]
    t0 = time.perf_counter()
    pop = Population.build(seed, n_hosts=hosts, n_users=users)
    rnd = Rand(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    header = layout.header() if layout.header else ""
    footer = layout.footer() if layout.footer else ""
    body = lines - header.count("\n") - footer.count("\n")
    if body < 1:
        raise SystemExit(f"--lines {lines} leaves no room for data after the {fmt} header")
    written = 0
    with tmp.open("wb") as fh:
        written += _write_text(fh, header)
        for first in range(0, body, CHUNK_ROWS):
            n = min(CHUNK_ROWS, body - first)
            rows = base_rows(first, n, body, pop, rnd, ai_share)
            built = layout.lines(rows)
            text = built.to_frame("line") if isinstance(built, pl.Series) else rows.select(built)
            text.write_csv(fh, include_header=False, quote_style="never")
            written += n
        written += _write_text(fh, footer)
    tmp.replace(out)  # a crash never leaves a half file under the final name
    return Generated(out, written, out.stat().st_size, time.perf_counter() - t0)


def ensure(
    fmt: str, lines: int, *, seed: int = 7, regen: bool = False, ai_share: float = AI_SHARE
) -> Path:
    """The generated file for (fmt, lines, seed, AI share), written first when missing."""
    path = default_path(fmt, lines, seed, ai_share)
    if regen or not path.exists():
        print(f"generating {lines:,} {fmt} lines -> {path}", file=sys.stderr)
        g = generate(fmt, lines, path, seed=seed, ai_share=ai_share)
        print(f"  {g.bytes / 1e6:,.1f} MB in {g.seconds:.1f} s", file=sys.stderr)
    return path


def check(fmt: str, path: Path) -> tuple[bool, str]:
    """Scan ``path`` with ``shadowscan scan``: detected as expected and nothing rejected?"""
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [sys.executable, "-m", "shadowscan", "-q", "scan", str(path), "--out", out],
            capture_output=True,
            text=True,
        )
        summary_file = Path(out) / "summary.json"
        if not summary_file.exists():
            return False, f"scan exited {proc.returncode}: {proc.stderr.strip()[-500:]}"
        summary = json.loads(summary_file.read_text())
    (item,) = summary["inputs"]
    ok = item["format"] == FORMATS[fmt] and item["rejected"] == 0 and item["events"] > 0
    ok = ok and item["lines_read"] == item["events"] + item["rejected"] + item["skipped"]
    line = (
        f"{fmt:<10} format={item['format']} lines_read={item['lines_read']:,} "
        f"events={item['events']:,} rejected={item['rejected']:,} skipped={item['skipped']:,} "
        f"matched={item['matched']:,} ({item['matched'] / max(item['events'], 1):.1%})"
    )
    return ok, line


def main() -> None:
    """Command line: --format F|all --lines N [--out FILE] [--seed S] [--check]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="squid", choices=[*LAYOUTS, "all"])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None, help="File (one format only).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--ai-share", type=float, default=AI_SHARE, help="Share of AI-service lines (0.03)."
    )
    parser.add_argument(
        "--check", action="store_true", help="Scan each file: must be 0 rejects, right format."
    )
    args = parser.parse_args()
    fmts = list(LAYOUTS) if args.format == "all" else [args.format]
    if args.out and len(fmts) > 1:
        parser.error("--out names one file: use it with a single --format")
    failed = False
    for fmt in fmts:
        path = args.out or default_path(fmt, args.lines, args.seed, args.ai_share)
        g = generate(fmt, args.lines, path, seed=args.seed, ai_share=args.ai_share)
        print(
            f"{fmt:<10} {g.lines:>12,} lines {g.bytes / 1e6:>9,.1f} MB "
            f"{g.seconds:>6.1f} s  ({g.lines / g.seconds:,.0f} lines/s)  {path}"
        )
        if args.check:
            ok, line = check(fmt, path)
            failed |= not ok
            print(("  ok    " if ok else "  FAIL  ") + line)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
