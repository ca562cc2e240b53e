#!/usr/bin/env python3
"""Generate the shadowscan demo data set in ``sample_logs/``.

Usage::

    python tools/make_sample_logs.py            # writes <repo>/sample_logs/
    python tools/make_sample_logs.py OUTDIR     # writes somewhere else

The company is the fictional ``corp.example`` (40 employees, 6 departments,
HQ plus a branch office in Lyon).  Three days of traffic are generated,
2026-11-26 (Thursday) to 2026-11-28 (Saturday, light traffic), in three log
formats (Squid native access.log, BIND9 query log, Zeek dns.log), together
with the directory files (users.csv, subnets.csv) and a sanction policy.

The output is fully deterministic: fixed seeds, fixed dates, a fixed UTC+1
offset (CET, the company's local time) instead of the machine's time zone,
no use of ``hash()`` or of locale-dependent formatting, and a gzip header
with mtime=0.  Rerunning the script reproduces byte-identical files.

Standard library only.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import sys
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Person = dict[str, Any]
Paths = list[tuple[str, str]]
Site = tuple[str, str, int, Paths | None]
UserFn = Callable[[], str]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "sample_logs"

DOMAIN = "corp.example"
NETBIOS = "CORP"

# Local time of the company (Paris/Lyon, CET in November).  A fixed offset,
# never the machine's zone.
TZ = timezone(timedelta(hours=1))
DAYS = [
    datetime(2026, 11, 26, tzinfo=TZ),  # Thursday
    datetime(2026, 11, 27, tzinfo=TZ),  # Friday
    datetime(2026, 11, 28, tzinfo=TZ),  # Saturday (light traffic)
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

PROXY_LINES = 2500  # total lines in access.log (incl. 3 malformed + 1 blank)
BIND_LINES = 1000  # total lines in queries.log
ZEEK_LINES = 800  # data lines in dns.log (headers and #close excluded)

# ---------------------------------------------------------------------------
# Organisation
# ---------------------------------------------------------------------------

DEPARTMENTS = {
    # name: (HQ subnet third octet, cost center)
    "Engineering": (1, "CC-1100"),
    "Marketing": (2, "CC-1200"),
    "Sales": (3, "CC-1300"),
    "Finance": (4, "CC-1400"),
    "Legal": (5, "CC-1500"),
    "HR": (6, "CC-1600"),
}

# login, display name, department, title, manager login, extra aliases, site
PEOPLE = [
    ("nadia", "Nadia Benali", "Engineering", "VP Engineering", "", [], "HQ"),
    ("alice", "Alice Martin", "Engineering", "Senior Software Engineer", "nadia", [], "HQ"),
    ("bruno", "Bruno Lefèvre", "Engineering", "Software Engineer", "nadia", ["b.lefevre"], "HQ"),
    ("chen", "Chen Wei", "Engineering", "Data Scientist", "nadia", [], "HQ"),
    ("david", "David Roux", "Engineering", "DevOps Engineer", "nadia", [], "HQ"),
    ("emma", "Emma Girard", "Engineering", "Software Engineer", "alice", [], "HQ"),
    ("farid", "Farid Haddad", "Engineering", "Machine Learning Engineer", "nadia", [], "HQ"),
    ("gabriel", "Gabriel Fontaine", "Engineering", "Frontend Developer", "alice", [], "HQ"),
    ("lucas", "Lucas Mercier", "Engineering", "Software Engineer", "nadia", [], "Lyon"),
    ("manon", "Manon Faure", "Engineering", "QA Engineer", "nadia", [], "Lyon"),
    ("isabelle", "Isabelle Laurent", "Marketing", "Chief Marketing Officer", "", [], "HQ"),
    ("hugo", "Hugo Bernard", "Marketing", "Content Marketing Manager", "isabelle", [], "HQ"),
    ("julie", "Julie Petit", "Marketing", "Brand Designer", "isabelle", [], "HQ"),
    ("karim", "Karim Mansouri", "Marketing", "Social Media Manager", "isabelle", [], "HQ"),
    ("lea", "Léa Dubois", "Marketing", "Marketing Coordinator", "hugo", ["lea.dubois-roy"], "HQ"),
    ("maxime", "Maxime Garnier", "Marketing", "Product Marketing Manager", "isabelle", [], "HQ"),
    ("sophie", "Sophie Lambert", "Marketing", "Growth Marketer", "isabelle", [], "HQ"),
    ("thomas", "Thomas Durand", "Sales", "Head of Sales, EMEA", "", [], "HQ"),
    ("camille", "Camille Blanc", "Sales", "Account Executive", "thomas", [], "HQ"),
    ("julien", "Julien Morel", "Sales", "Account Executive", "thomas", [], "HQ"),
    ("sarah", "Sarah Cohen", "Sales", "Sales Development Representative", "thomas", [], "HQ"),
    ("antoine", "Antoine Chevalier", "Sales", "Key Account Manager", "thomas", [], "HQ"),
    ("ines", "Inès Ferreira", "Sales", "Sales Operations Analyst", "thomas", [], "HQ"),
    ("olivier", "Olivier Robin", "Sales", "Pre-sales Consultant", "thomas", [], "HQ"),
    ("helene", "Hélène Dupont", "Finance", "Chief Financial Officer", "", ["h.dupont"], "HQ"),
    ("marc", "Marc Perrin", "Finance", "Financial Controller", "helene", [], "HQ"),
    ("nathalie", "Nathalie Renaud", "Finance", "Senior Accountant", "marc", [], "HQ"),
    ("paul", "Paul Simon", "Finance", "FP&A Analyst", "helene", [], "HQ"),
    ("claire", "Claire Vincent", "Finance", "Treasury Manager", "helene", [], "HQ"),
    ("yanis", "Yanis Belkacem", "Finance", "Accounts Payable Specialist", "marc", [], "HQ"),
    ("anne", "Anne Rousseau", "Legal", "General Counsel", "", [], "HQ"),
    ("pierre", "Pierre Lemoine", "Legal", "Senior Legal Counsel", "anne", [], "HQ"),
    ("laura", "Laura Meyer", "Legal", "Contract Manager", "anne", [], "HQ"),
    ("victor", "Victor Caron", "Legal", "Paralegal", "pierre", [], "HQ"),
    ("chloe", "Chloé Henry", "Legal", "Compliance Officer", "anne", [], "HQ"),
    ("valerie", "Valérie Fournier", "HR", "HR Director", "", [], "HQ"),
    ("mehdi", "Mehdi Aubert", "HR", "HR Business Partner", "valerie", [], "HQ"),
    ("elodie", "Élodie Marchand", "HR", "Talent Acquisition Specialist", "valerie", [], "HQ"),
    ("romain", "Romain Colin", "HR", "Payroll & HR Generalist", "valerie", [], "HQ"),
    ("aurelie", "Aurélie Brun", "HR", "Learning & Development Manager", "valerie", [], "HQ"),
]

# Accounts that appear in access.log but are deliberately NOT in users.csv,
# so the demo shows the "Unattributed, fall back to the subnet" path.
# login, department of the subnet they sit in, fixed IP, user-name form
UNLISTED = [
    ("svc-jenkins", "Engineering", "10.20.1.240", "plain"),
    ("ext.moreau", "Marketing", "10.20.2.180", "ntlm"),
    ("tmp.garcia", "Sales", "10.20.3.190", "email"),
]

SUBNETS = [
    ("10.20.1.0/24", "Engineering", "HQ"),
    ("10.20.2.0/24", "Marketing", "HQ"),
    ("10.20.3.0/24", "Sales", "HQ"),
    ("10.20.4.0/24", "Finance", "HQ"),
    ("10.20.5.0/24", "Legal", "HQ"),
    ("10.20.6.0/24", "HR", "HQ"),
    ("10.40.0.0/16", "", "Lyon"),
    ("10.40.5.0/24", "Engineering", "Lyon"),
    ("10.99.0.0/16", "", "HQ-Guest"),
]

HQ_RESOLVERS = ["10.0.0.53", "10.0.0.54"]
LYON_RESOLVER = "10.40.0.53"


def user_ip(index_in_dept: int, dept: str, site: str, lyon_index: int) -> str:
    if site == "Lyon":
        return f"10.40.5.{21 + lyon_index}"
    octet, _ = DEPARTMENTS[dept]
    return f"10.20.{octet}.{21 + index_in_dept * 3}"


def build_people() -> list[Person]:
    people = []
    per_dept: dict[str, int] = {}
    lyon = 0
    for login, name, dept, title, mgr, extra, site in PEOPLE:
        i = per_dept.get(dept, 0)
        if site == "Lyon":
            ip = user_ip(i, dept, site, lyon)
            lyon += 1
        else:
            ip = user_ip(i, dept, site, 0)
            per_dept[dept] = i + 1
        people.append(
            {
                "login": login,
                "name": name,
                "dept": dept,
                "title": title,
                "manager": mgr,
                "extra": extra,
                "site": site,
                "ip": ip,
            }
        )
    return people


# ---------------------------------------------------------------------------
# Host catalogue used by the generator
# ---------------------------------------------------------------------------

# Fixed, plausible upstream addresses for the hosts that matter most.
KNOWN_IPS = {
    "chatgpt.com": "104.18.32.47",
    "chat.openai.com": "104.18.37.228",
    "api.openai.com": "162.159.140.245",
    "claude.ai": "160.79.104.10",
    "api.anthropic.com": "160.79.104.10",
    "gemini.google.com": "142.250.179.78",
    "generativelanguage.googleapis.com": "142.250.201.170",
    "copilot.microsoft.com": "13.107.246.57",
    "copilot-proxy.githubusercontent.com": "140.82.113.21",
    "api.githubcopilot.com": "140.82.112.22",
    "www.perplexity.ai": "104.18.26.48",
    "perplexity.ai": "104.18.27.48",
    "chat.deepseek.com": "116.205.40.114",
    "huggingface.co": "18.244.20.82",
    "www.midjourney.com": "104.18.20.90",
    "character.ai": "104.18.6.10",
    "poe.com": "104.18.10.233",
    "elevenlabs.io": "34.120.45.191",
    "otter.ai": "104.22.70.186",
    "www.deepl.com": "3.70.199.110",
    "api.deepl.com": "18.195.93.8",
    "api2.cursor.sh": "52.44.129.45",
    "chat.mistral.ai": "104.18.29.15",
    "ollama.com": "34.36.133.15",
    "app.runwayml.com": "104.18.18.97",
    "inference.llmgateway.example": "198.51.100.24",
    "api.newmodel.ai": "198.51.100.77",
    "openai.com.attacker.test": "203.0.113.66",
    "fakeopenai.test": "203.0.113.13",
    "intranet.corp.example": "10.20.0.80",
    "wiki.corp.example": "10.20.0.81",
    "timesheet.corp.example": "10.20.0.82",
    "www.google.com": "142.250.201.164",
    "www.youtube.com": "142.250.178.142",
    "i.ytimg.com": "142.250.179.86",
    "fonts.gstatic.com": "142.250.75.227",
    "fonts.googleapis.com": "142.250.201.170",
    "docs.google.com": "142.250.179.110",
    "analytics.google.com": "142.250.178.174",
}

PUBLIC_PREFIXES = [
    "104.18",
    "151.101",
    "13.107",
    "52.97",
    "142.250",
    "23.45",
    "185.199",
    "34.117",
    "20.190",
    "18.66",
    "172.64",
    "40.126",
]


def host_ip(host: str) -> str:
    if host in KNOWN_IPS:
        return KNOWN_IPS[host]
    c = zlib.crc32(host.encode("ascii"))
    prefix = PUBLIC_PREFIXES[c % len(PUBLIC_PREFIXES)]
    return f"{prefix}.{(c >> 8) % 254 + 1}.{(c >> 16) % 253 + 2}"


# Ordinary (non-AI) web traffic.  mode: tunnel (CONNECT host:443),
# bump (SSL-bumped, full https:// URL), http (plain http://).
# (host, mode, weight, paths-with-content-types)
P_HTML = "text/html"
COMMON_SITES: list[Site] = [
    ("www.google.com", "tunnel", 12, None),
    ("www.bing.com", "tunnel", 2, None),
    ("duckduckgo.com", "tunnel", 1, None),
    ("outlook.office365.com", "tunnel", 14, None),
    ("login.microsoftonline.com", "tunnel", 8, None),
    ("teams.microsoft.com", "tunnel", 11, None),
    ("corpexample.sharepoint.com", "tunnel", 6, None),
    ("graph.microsoft.com", "tunnel", 4, None),
    ("www.office.com", "tunnel", 3, None),
    ("zoom.us", "tunnel", 2, None),
    ("www.linkedin.com", "tunnel", 4, None),
    ("www.youtube.com", "tunnel", 2, None),
    ("i.ytimg.com", "tunnel", 1, None),
    ("www.amazon.fr", "tunnel", 1, None),
    ("www.dropbox.com", "tunnel", 1, None),
    ("docs.google.com", "tunnel", 1, None),
    ("fonts.gstatic.com", "tunnel", 3, None),
    (
        "www.lemonde.fr",
        "bump",
        3,
        [
            ("/", P_HTML),
            ("/economie/", P_HTML),
            (
                "/international/article/2026/11/26/cop31-les-negociations-se-prolongent_6541234_3210.html",
                P_HTML,
            ),
            ("/pixels/", P_HTML),
        ],
    ),
    (
        "www.lesechos.fr",
        "bump",
        2,
        [
            ("/", P_HTML),
            ("/tech-medias/intelligence-artificielle", P_HTML),
            ("/finance-marches/marches-financiers", P_HTML),
        ],
    ),
    (
        "www.bbc.co.uk",
        "bump",
        2,
        [("/news", P_HTML), ("/news/technology", P_HTML), ("/news/business", P_HTML)],
    ),
    (
        "www.reuters.com",
        "bump",
        2,
        [("/", P_HTML), ("/technology/", P_HTML), ("/markets/europe/", P_HTML)],
    ),
    ("www.nytimes.com", "tunnel", 1, None),
    (
        "fr.wikipedia.org",
        "bump",
        2,
        [
            ("/wiki/Lyon", P_HTML),
            ("/wiki/R%C3%A8glement_g%C3%A9n%C3%A9ral_sur_la_protection_des_donn%C3%A9es", P_HTML),
            ("/wiki/Intelligence_artificielle", P_HTML),
        ],
    ),
    (
        "www.meteofrance.com",
        "bump",
        1,
        [("/previsions-meteo-france/lyon/69000", P_HTML), ("/", P_HTML)],
    ),
    ("fonts.googleapis.com", "bump", 3, [("/css2", "text/css")]),
    (
        "cdn.jsdelivr.net",
        "bump",
        2,
        [
            ("/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css", "text/css"),
            ("/npm/chart.js@4.4.1/dist/chart.umd.min.js", "application/javascript"),
        ],
    ),
    (
        "cdnjs.cloudflare.com",
        "bump",
        2,
        [
            ("/ajax/libs/jquery/3.7.1/jquery.min.js", "application/javascript"),
            ("/ajax/libs/font-awesome/6.5.1/css/all.min.css", "text/css"),
        ],
    ),
    (
        "ajax.googleapis.com",
        "bump",
        1,
        [("/ajax/libs/jquery/3.7.1/jquery.min.js", "application/javascript")],
    ),
    (
        "intranet.corp.example",
        "http",
        7,
        [
            ("/", P_HTML),
            ("/news/2026/11/year-end-party", P_HTML),
            ("/canteen/menu", P_HTML),
            ("/static/css/intranet.css", "text/css"),
            ("/static/img/logo.png", "image/png"),
            ("/directory/search", P_HTML),
        ],
    ),
    (
        "wiki.corp.example",
        "http",
        3,
        [
            ("/display/IT/VPN+setup", P_HTML),
            ("/display/HR/Holiday+policy", P_HTML),
            ("/display/SEC/Acceptable+use+of+AI+tools", P_HTML),
        ],
    ),
    (
        "timesheet.corp.example",
        "http",
        2,
        [("/week/2026-48", P_HTML), ("/api/entries", "application/json")],
    ),
    (
        "ocsp.digicert.com",
        "http",
        3,
        [
            (
                "/MFEwTzBNMEswSTAJBgUrDgMCGgUABBSAUQYBMq2awn1Rh6Doh%2FsBYgFV7gQUA95QNVbRTLtm8KPiGxvDl7I90VUCEAJ0LqoXyo4hxxe7H%2Fz9DKA%3D",
                "application/ocsp-response",
            )
        ],
    ),
    (
        "r11.o.lencr.org",
        "http",
        2,
        [
            (
                "/MFMwUTBPME0wSzAJBgUrDgMCGgUABBR7GpbDK6TrLKyq2XHr0wgBcxUnTwQUuMnRmmN5%2FDPmi2HoY%2BfJQGvTtBQCEgPhl9kjU1n8jC3y2xRz9y2nzw%3D%3D",
                "application/ocsp-response",
            )
        ],
    ),
    (
        "ctldl.windowsupdate.com",
        "http",
        2,
        [
            (
                "/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab",
                "application/vnd.ms-cab-compressed",
            ),
            (
                "/msdownload/update/v3/static/trustedr/en/pinrulesstl.cab",
                "application/vnd.ms-cab-compressed",
            ),
        ],
    ),
    ("www.msftconnecttest.com", "http", 1, [("/connecttest.txt", "text/plain")]),
]

DEPT_SITES: dict[str, list[Site]] = {
    "Engineering": [
        ("github.com", "tunnel", 10, None),
        ("api.github.com", "tunnel", 4, None),
        ("objects.githubusercontent.com", "tunnel", 2, None),
        (
            "pypi.org",
            "bump",
            4,
            [
                ("/simple/requests/", P_HTML),
                ("/simple/pydantic/", P_HTML),
                ("/simple/fastapi/", P_HTML),
                ("/project/httpx/", P_HTML),
            ],
        ),
        (
            "files.pythonhosted.org",
            "bump",
            3,
            [
                (
                    "/packages/f9/9b/335f9764261e915ed497fcdeb11df5dfd6f7bf257d4a6a2a686d80da4d54/requests-2.32.3-py3-none-any.whl",
                    "application/octet-stream",
                ),
                (
                    "/packages/df/c4/c8c8a0ef19a2d4f4f2fd5cd3b1fd2d22f9b4ee0b7b3c3d1d3a9b1c6e7f8a9b0c/pydantic-2.9.2-py3-none-any.whl",
                    "application/octet-stream",
                ),
            ],
        ),
        (
            "registry.npmjs.org",
            "bump",
            4,
            [
                ("/react", "application/json"),
                ("/typescript", "application/json"),
                ("/vite", "application/json"),
                ("/@types%2fnode", "application/json"),
            ],
        ),
        (
            "stackoverflow.com",
            "bump",
            5,
            [
                ("/questions/231767/what-does-the-yield-keyword-do-in-python", P_HTML),
                ("/questions/927358/how-do-i-undo-the-most-recent-local-commits-in-git", P_HTML),
                ("/questions/tagged/python", P_HTML),
            ],
        ),
        ("registry-1.docker.io", "tunnel", 2, None),
        ("production.cloudflare.docker.com", "tunnel", 1, None),
        ("corpexample.atlassian.net", "tunnel", 6, None),
        ("console.aws.amazon.com", "tunnel", 2, None),
        (
            "developer.mozilla.org",
            "bump",
            2,
            [
                ("/en-US/docs/Web/JavaScript/Reference/Global_Objects/Promise", P_HTML),
                ("/en-US/docs/Web/HTTP/Headers/Content-Security-Policy", P_HTML),
            ],
        ),
        (
            "docs.python.org",
            "bump",
            2,
            [("/3/library/asyncio-task.html", P_HTML), ("/3/library/csv.html", P_HTML)],
        ),
        ("sentry.io", "tunnel", 1, None),
    ],
    "Marketing": [
        ("www.canva.com", "tunnel", 5, None),
        ("www.figma.com", "tunnel", 4, None),
        ("app.hubspot.com", "tunnel", 6, None),
        ("www.facebook.com", "tunnel", 2, None),
        ("www.instagram.com", "tunnel", 3, None),
        ("x.com", "tunnel", 2, None),
        ("www.tiktok.com", "tunnel", 1, None),
        ("images.unsplash.com", "tunnel", 2, None),
        ("analytics.google.com", "tunnel", 3, None),
        ("us1.admin.mailchimp.com", "tunnel", 2, None),
        ("www.adobe.com", "tunnel", 1, None),
    ],
    "Sales": [
        ("corpexample.my.salesforce.com", "tunnel", 12, None),
        ("www.linkedin.com", "tunnel", 6, None),
        ("app.docusign.com", "tunnel", 2, None),
        ("www.zoominfo.com", "tunnel", 2, None),
        (
            "www.societe.com",
            "bump",
            2,
            [("/societe/acme-industries-552100554.html", P_HTML), ("/", P_HTML)],
        ),
        ("www.google.fr", "tunnel", 2, None),
    ],
    "Finance": [
        ("us2.concursolutions.com", "tunnel", 3, None),
        ("my412345.s4hana.ondemand.com", "tunnel", 5, None),
        ("entreprises.bnpparibas.net", "tunnel", 3, None),
        ("www.boursorama.com", "bump", 2, [("/bourse/", P_HTML), ("/cours/1rPCAC/", P_HTML)]),
        ("www.xe.com", "bump", 2, [("/currencyconverter/convert/", P_HTML)]),
        ("www.impots.gouv.fr", "tunnel", 2, None),
        ("www.urssaf.fr", "tunnel", 1, None),
        ("www.bloomberg.com", "tunnel", 1, None),
    ],
    "Legal": [
        (
            "www.legifrance.gouv.fr",
            "bump",
            5,
            [
                ("/codes/texte_lc/LEGITEXT000006072050/", P_HTML),
                ("/jorf/id/JORFTEXT000049563368", P_HTML),
                ("/", P_HTML),
            ],
        ),
        (
            "eur-lex.europa.eu",
            "bump",
            4,
            [("/eli/reg/2024/1689/oj", P_HTML), ("/legal-content/EN/TXT/", P_HTML)],
        ),
        ("www.dalloz.fr", "tunnel", 3, None),
        ("www.lexisnexis.fr", "tunnel", 2, None),
        ("app.docusign.com", "tunnel", 2, None),
        (
            "www.cnil.fr",
            "bump",
            3,
            [
                ("/fr/intelligence-artificielle", P_HTML),
                ("/fr/reglement-europeen-protection-donnees", P_HTML),
            ],
        ),
        ("curia.europa.eu", "tunnel", 1, None),
    ],
    "HR": [
        ("wd3.myworkday.com", "tunnel", 6, None),
        ("www.welcometothejungle.com", "tunnel", 3, None),
        ("fr.indeed.com", "tunnel", 3, None),
        ("www.linkedin.com", "tunnel", 5, None),
        ("corpexample.ilucca.net", "tunnel", 3, None),
        (
            "www.service-public.fr",
            "bump",
            2,
            [("/particuliers/vosdroits/F2258", P_HTML), ("/professionnels-entreprises", P_HTML)],
        ),
        ("travail-emploi.gouv.fr", "tunnel", 1, None),
    ],
}

# AI usage mix per department: service id -> weight.
AI_MIX: dict[str, dict[str, float]] = {
    "Engineering": {
        "github-copilot": 34,
        "cursor": 12,
        "openai-api": 12,
        "anthropic-api": 10,
        "gemini-api": 4,
        "huggingface": 8,
        "huggingchat": 2,
        "ollama": 3,
        "chatgpt": 6,
        "claude": 5,
        "microsoft-copilot": 4,
    },
    "Marketing": {
        "chatgpt": 34,
        "midjourney": 14,
        "elevenlabs": 10,
        "runway": 4,
        "microsoft-copilot": 12,
        "gemini": 8,
        "claude": 5,
        "deepl": 4,
        "perplexity": 3,
    },
    "Sales": {
        "perplexity": 30,
        "deepl": 25,
        "microsoft-copilot": 20,
        "chatgpt": 15,
        "gemini": 5,
        "poe": 2,
    },
    "Finance": {
        "microsoft-copilot": 33,
        "chatgpt": 25,
        "claude": 15,
        "deepseek": 15,
        "mistral-le-chat": 5,
        "gemini": 5,
    },
    "Legal": {
        "microsoft-copilot": 25,
        "chatgpt": 20,
        "claude": 20,
        "deepseek": 10,
        "deepl": 15,
        "mistral-le-chat": 8,
        "perplexity": 2,
    },
    "HR": {"otter-ai": 35, "microsoft-copilot": 35, "chatgpt": 18, "character-ai": 3, "gemini": 5},
}

# Probability that a request of a department is AI traffic.
AI_RATE: dict[str, float] = {
    "Engineering": 0.25,
    "Marketing": 0.21,
    "Sales": 0.15,
    "Finance": 0.13,
    "Legal": 0.14,
    "HR": 0.11,
}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def weighted(rng: random.Random, items: Sequence[tuple[T, float]]) -> T:
    """items: list of (value, weight) -> value."""
    total = sum(w for _, w in items)
    x = rng.random() * total
    for value, w in items:
        x -= w
        if x < 0:
            return value
    return items[-1][0]


WEEKDAY_HOURS: list[tuple[int, float]] = [
    (7, 1),
    (8, 6),
    (9, 12),
    (10, 12),
    (11, 11),
    (12, 5),
    (13, 7),
    (14, 12),
    (15, 11),
    (16, 10),
    (17, 8),
    (18, 4),
    (19, 2),
    (20, 1),
    (21, 1),
    (22, 0.5),
]
SATURDAY_HOURS: list[tuple[int, float]] = [
    (9, 2),
    (10, 4),
    (11, 4),
    (12, 2),
    (13, 2),
    (14, 3),
    (15, 3),
    (16, 2),
    (17, 1),
]


def day_start_ms(day_index: int) -> int:
    return int(DAYS[day_index].timestamp()) * 1000


def random_time_ms(
    rng: random.Random, day_index: int, hours: Sequence[tuple[int, float]] | None = None
) -> int:
    if hours is None:
        hours = SATURDAY_HOURS if day_index == 2 else WEEKDAY_HOURS
    hour = weighted(rng, hours)
    return day_start_ms(day_index) + hour * 3_600_000 + rng.randrange(3_600_000)


def lognorm_int(rng: random.Random, mu: float, sigma: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(rng.lognormvariate(mu, sigma))))


def local_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, TZ)


# ---------------------------------------------------------------------------
# Squid access.log
# ---------------------------------------------------------------------------


class Req:
    """One Squid access.log record (before the timestamp is known)."""

    __slots__ = ("code", "ctype", "elapsed", "hier", "method", "size", "status", "url")

    def __init__(
        self,
        method: str,
        url: str,
        code: str,
        status: int,
        size: int,
        elapsed: int,
        hier: str,
        ctype: str,
    ) -> None:
        self.method, self.url, self.code, self.status = method, url, code, status
        self.size, self.elapsed, self.hier, self.ctype = size, elapsed, hier, ctype


def r_tunnel(rng: random.Random, host: str, big: bool = False) -> Req:
    # Squid 4+ logs tunnels as TCP_TUNNEL/200 HIER_DIRECT; older configs and
    # some builds still log TCP_MISS/200 with DIRECT/.  Keep both forms.
    if rng.random() < 0.78:
        code, hier = "TCP_TUNNEL", f"HIER_DIRECT/{host_ip(host)}"
    else:
        code, hier = "TCP_MISS", f"DIRECT/{host_ip(host)}"
    size = lognorm_int(rng, 10.6 if big else 9.4, 1.2, 420, 9_800_000)
    elapsed = lognorm_int(rng, 9.6 if big else 8.6, 1.3, 45, 899_000)
    return Req("CONNECT", f"{host}:443", code, 200, size, elapsed, hier, "-")


def r_denied(rng: random.Random, host: str, method: str = "CONNECT", path: str = "/") -> Req:
    url = f"{host}:443" if method == "CONNECT" else f"https://{host}{path}"
    return Req(
        method,
        url,
        "TCP_DENIED",
        403,
        rng.randint(3780, 4120),
        rng.randint(0, 3),
        "HIER_NONE/-",
        "text/html",
    )


def r_auth_challenge(rng: random.Random, host: str) -> Req:
    return Req(
        "CONNECT",
        f"{host}:443",
        "TCP_DENIED",
        407,
        rng.randint(3900, 4300),
        rng.randint(0, 2),
        "HIER_NONE/-",
        "text/html",
    )


def r_bump_connect(host: str) -> Req:
    # With ssl_bump, Squid logs the (zero-byte) CONNECT that was bumped.
    return Req("CONNECT", f"{host}:443", "NONE_NONE", 200, 0, 0, "HIER_NONE/-", "-")


def r_https(
    rng: random.Random,
    method: str,
    host: str,
    path: str,
    ctype: str,
    status: int = 200,
    size: int | None = None,
    elapsed: int | None = None,
    scheme: str = "https",
) -> Req:
    if size is None:
        size = lognorm_int(rng, 9.0, 1.1, 300, 4_000_000)
    if elapsed is None:
        elapsed = lognorm_int(rng, 5.2, 0.9, 8, 20_000)
    code = "TCP_MISS"
    hier = f"HIER_DIRECT/{host_ip(host)}"
    cacheable = (
        "text/css",
        "application/javascript",
        "image/png",
        "application/vnd.ms-cab-compressed",
    )
    if method == "GET" and status == 200 and ctype in cacheable and rng.random() < 0.35:
        code = rng.choice(["TCP_MEM_HIT", "TCP_HIT", "TCP_REFRESH_UNMODIFIED"])
        hier = "HIER_NONE/-"
        elapsed = rng.randint(0, 4)
        if code == "TCP_REFRESH_UNMODIFIED":
            hier = f"HIER_DIRECT/{host_ip(host)}"
            elapsed = rng.randint(10, 90)
    return Req(method, f"{scheme}://{host}{path}", code, status, size, elapsed, hier, ctype)


def ordinary_requests(rng: random.Random, host: str, mode: str, paths: Paths | None) -> list[Req]:
    if mode == "tunnel":
        return [r_tunnel(rng, host)]
    out = []
    n = 1 if rng.random() < 0.6 else rng.randint(2, 3)
    if mode == "bump" and rng.random() < 0.2:
        out.append(r_bump_connect(host))
    assert paths is not None, host
    for _ in range(n):
        path, ctype = rng.choice(paths)
        method = "GET"
        if host == "timesheet.corp.example" and ctype == "application/json" and rng.random() < 0.5:
            method = "POST"
        if rng.random() < 0.02:
            method = "HEAD"
        status = 200
        if rng.random() < 0.03:
            status = rng.choice([301, 302, 404])
        out.append(
            r_https(
                rng,
                method,
                host,
                path,
                ctype,
                status=status,
                scheme="http" if mode == "http" else "https",
            )
        )
    return out


OPENAI_MODELS = ["gpt-4o", "gpt-4o-mini", "o3-mini"]
HF_REPOS = [
    "meta-llama/Llama-3.1-8B-Instruct",
    "mistralai/Mistral-7B-Instruct-v0.3",
    "sentence-transformers/all-MiniLM-L6-v2",
    "BAAI/bge-m3",
    "Qwen/Qwen2.5-7B-Instruct",
]
HF_DATASETS = ["squad", "imdb", "HuggingFaceFW/fineweb-edu", "openai/gsm8k"]


def hexid(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def ai_requests(rng: random.Random, service: str, dept: str) -> list[Req]:
    """Requests for one 'visit' of an AI service."""
    if service == "chatgpt":
        host = "chatgpt.com" if rng.random() < 0.85 else "chat.openai.com"
        return [r_tunnel(rng, host, big=True)]
    if service == "claude":
        return [r_tunnel(rng, "claude.ai", big=True)]
    if service == "gemini":
        return [r_tunnel(rng, "gemini.google.com", big=True)]
    if service == "microsoft-copilot":
        return [r_tunnel(rng, "copilot.microsoft.com", big=True)]
    if service == "github-copilot":
        host = (
            "copilot-proxy.githubusercontent.com"
            if rng.random() < 0.55
            else "api.githubcopilot.com"
        )
        return [r_tunnel(rng, host)]
    if service == "cursor":
        return [r_tunnel(rng, "api2.cursor.sh")]
    if service == "perplexity":
        return [r_tunnel(rng, "www.perplexity.ai", big=True)]
    if service == "deepseek":
        return [r_tunnel(rng, "chat.deepseek.com", big=True)]
    if service == "elevenlabs":
        return [r_tunnel(rng, "elevenlabs.io", big=True)]
    if service == "otter-ai":
        return [r_tunnel(rng, "otter.ai", big=True)]
    if service == "deepl":
        host = "www.deepl.com" if rng.random() < 0.75 else "api.deepl.com"
        return [r_tunnel(rng, host)]
    if service == "mistral-le-chat":
        return [r_tunnel(rng, "chat.mistral.ai", big=True)]
    if service == "runway":
        return [r_tunnel(rng, "app.runwayml.com", big=True)]
    if service == "poe":
        return [r_tunnel(rng, "poe.com")]
    if service == "midjourney":
        # image generation is prohibited: the proxy blocks it, but the
        # category rule was only pushed to part of the proxy farm.
        if rng.random() < 0.6:
            return [r_denied(rng, "www.midjourney.com")]
        return [r_tunnel(rng, "www.midjourney.com", big=True)]
    if service == "character-ai":
        return [r_denied(rng, "character.ai")]
    if service == "openai-api":
        out = [r_bump_connect("api.openai.com")] if rng.random() < 0.4 else []
        for _ in range(rng.randint(1, 4)):
            x = rng.random()
            if x < 0.62:
                stream = rng.random() < 0.45
                status = 200 if rng.random() < 0.94 else rng.choice([429, 401, 500])
                out.append(
                    r_https(
                        rng,
                        "POST",
                        "api.openai.com",
                        "/v1/chat/completions",
                        "text/event-stream" if stream and status == 200 else "application/json",
                        status=status,
                        size=lognorm_int(rng, 8.0, 0.9, 380, 400_000),
                        elapsed=lognorm_int(rng, 7.6, 0.8, 180, 120_000),
                    )
                )
            elif x < 0.77:
                out.append(
                    r_https(
                        rng,
                        "POST",
                        "api.openai.com",
                        "/v1/embeddings",
                        "application/json",
                        size=lognorm_int(rng, 10.0, 0.8, 900, 2_000_000),
                        elapsed=lognorm_int(rng, 6.0, 0.6, 60, 8_000),
                    )
                )
            elif x < 0.90:
                out.append(
                    r_https(
                        rng,
                        "POST",
                        "api.openai.com",
                        "/v1/responses",
                        "application/json",
                        size=lognorm_int(rng, 8.2, 0.8, 400, 300_000),
                        elapsed=lognorm_int(rng, 7.8, 0.7, 200, 90_000),
                    )
                )
            else:
                out.append(
                    r_https(
                        rng,
                        "GET",
                        "api.openai.com",
                        "/v1/models",
                        "application/json",
                        size=rng.randint(6000, 9000),
                        elapsed=rng.randint(60, 400),
                    )
                )
        return out
    if service == "anthropic-api":
        out = [r_bump_connect("api.anthropic.com")] if rng.random() < 0.4 else []
        for _ in range(rng.randint(1, 4)):
            stream = rng.random() < 0.5
            status = 200 if rng.random() < 0.95 else rng.choice([429, 529, 400])
            out.append(
                r_https(
                    rng,
                    "POST",
                    "api.anthropic.com",
                    "/v1/messages",
                    "text/event-stream" if stream and status == 200 else "application/json",
                    status=status,
                    size=lognorm_int(rng, 8.1, 0.9, 400, 400_000),
                    elapsed=lognorm_int(rng, 8.0, 0.8, 250, 150_000),
                )
            )
        return out
    if service == "gemini-api":
        out = []
        for _ in range(rng.randint(1, 3)):
            model = rng.choice(["gemini-1.5-pro", "gemini-1.5-pro", "gemini-1.5-flash"])
            if rng.random() < 0.75:
                path, ctype = f"/v1beta/models/{model}:generateContent", "application/json"
            else:
                path, ctype = f"/v1beta/models/{model}:streamGenerateContent", "text/event-stream"
            out.append(
                r_https(
                    rng,
                    "POST",
                    "generativelanguage.googleapis.com",
                    path,
                    ctype,
                    size=lognorm_int(rng, 8.0, 0.8, 500, 300_000),
                    elapsed=lognorm_int(rng, 7.7, 0.7, 200, 90_000),
                )
            )
        return out
    if service == "huggingface":
        out = [r_bump_connect("huggingface.co")] if rng.random() < 0.3 else []
        for _ in range(rng.randint(1, 3)):
            x = rng.random()
            repo = rng.choice(HF_REPOS)
            if x < 0.25:
                path, ctype = "/models", "text/html"
            elif x < 0.40:
                path, ctype = "/datasets/" + rng.choice(HF_DATASETS), "text/html"
            elif x < 0.65:
                path, ctype = "/" + repo, "text/html"
            elif x < 0.85:
                path, ctype = f"/api/models/{repo}", "application/json"
            else:
                path, ctype = f"/{repo}/resolve/main/config.json", "application/json"
            out.append(r_https(rng, "GET", "huggingface.co", path, ctype))
        return out
    if service == "huggingchat":
        conv = hexid(rng, 24)
        out = [r_https(rng, "GET", "huggingface.co", "/chat/", "text/html")]
        for _ in range(rng.randint(1, 3)):
            out.append(
                r_https(
                    rng,
                    "POST",
                    "huggingface.co",
                    f"/chat/conversation/{conv}",
                    "text/event-stream",
                    size=lognorm_int(rng, 8.3, 0.7, 600, 200_000),
                    elapsed=lognorm_int(rng, 8.2, 0.6, 400, 60_000),
                )
            )
        return out
    if service == "ollama":
        if rng.random() < 0.5:
            return [r_tunnel(rng, "ollama.com")]
        path = rng.choice(["/library/llama3.1", "/library/qwen2.5-coder", "/download", "/search"])
        return [r_https(rng, "GET", "ollama.com", path, "text/html")]
    raise ValueError(service)


def squid_line(ms: int, req: Req, ip: str, user: str) -> str:
    return (
        f"{ms // 1000}.{ms % 1000:03d} {req.elapsed:6d} {ip} {req.code}/{req.status:03d} "
        f"{req.size} {req.method} {req.url} {user} {req.hier} {req.ctype}"
    )


def user_form(rng: random.Random, login: str, primary: str) -> str:
    form = primary if rng.random() < 0.85 else rng.choice(["plain", "ntlm", "email"])
    if form == "ntlm":
        return f"{NETBIOS}\\{login}"
    if form == "email":
        return f"{login}@{DOMAIN}"
    return login


def make_user_fn(rng: random.Random, login: str, form: str, challenge: bool = False) -> UserFn:
    """User field for successive lines of one visit ("fixed": always ``login``)."""
    state = {"challenge": challenge}

    def user_fn() -> str:
        if state["challenge"]:
            state["challenge"] = False
            return "-"
        if form == "fixed":
            return login
        return user_form(rng, login, form)

    return user_fn


def make_proxy(people: list[Person]) -> str:
    rng = random.Random(20261126)
    records = []  # (ms, seq, line)
    seq = 0

    def emit(ms: int, reqs: list[Req], ip: str, user_fn: UserFn) -> None:
        nonlocal seq
        t = ms
        for r in reqs:
            records.append((t, seq, squid_line(t, r, ip, user_fn())))
            seq += 1
            t += r.elapsed + rng.randint(15, 2500)

    # --- hand-placed story lines -------------------------------------------
    by_login = {p["login"]: p for p in people}

    # Non-catalog AI-looking APIs for the "candidates" report.
    farid = by_login["farid"]
    for day, hh, mm in [(0, 10, 12), (0, 15, 40), (1, 9, 55), (1, 11, 5), (1, 16, 30), (2, 11, 20)]:
        ms = day_start_ms(day) + (hh * 60 + mm) * 60_000 + rng.randrange(60_000)
        reqs = [
            r_https(
                rng,
                "POST",
                "inference.llmgateway.example",
                "/v1/chat/completions",
                rng.choice(["application/json", "text/event-stream"]),
                size=lognorm_int(rng, 8.0, 0.7, 500, 200_000),
                elapsed=lognorm_int(rng, 7.5, 0.6, 200, 60_000),
            )
        ]
        emit(ms, reqs, farid["ip"], make_user_fn(rng, "farid", "fixed"))
    lucas = by_login["lucas"]
    for day, hh, mm in [(0, 14, 3), (0, 14, 9), (1, 10, 47), (1, 17, 21)]:
        ms = day_start_ms(day) + (hh * 60 + mm) * 60_000 + rng.randrange(60_000)
        reqs = [
            r_https(
                rng,
                "POST",
                "api.newmodel.ai",
                "/v1/messages",
                "application/json",
                size=lognorm_int(rng, 8.0, 0.7, 500, 200_000),
                elapsed=lognorm_int(rng, 7.5, 0.6, 200, 60_000),
            )
        ]
        emit(ms, reqs, lucas["ip"], make_user_fn(rng, f"{NETBIOS}\\lucas", "fixed"))

    # Look-alike hosts that must NOT match the catalog (phishing campaign).
    paul, nathalie, sarah = by_login["paul"], by_login["nathalie"], by_login["sarah"]
    lookalikes = [
        (
            0,
            11,
            2,
            paul,
            "paul",
            [r_https(rng, "GET", "openai.com.attacker.test", "/login", "text/html", scheme="http")],
        ),
        (0, 11, 3, paul, "paul", [r_tunnel(rng, "openai.com.attacker.test")]),
        (1, 9, 31, nathalie, "nathalie@corp.example", [r_tunnel(rng, "openai.com.attacker.test")]),
        (
            0,
            16,
            44,
            sarah,
            "sarah",
            [r_https(rng, "GET", "fakeopenai.test", "/chat", "text/html", scheme="http")],
        ),
        (1, 14, 18, sarah, "sarah", [r_tunnel(rng, "fakeopenai.test")]),
        (
            1,
            14,
            19,
            sarah,
            "sarah",
            [
                r_https(
                    rng, "POST", "fakeopenai.test", "/api/signin", "application/json", scheme="http"
                )
            ],
        ),
    ]
    for day, hh, mm, p, u, reqs in lookalikes:
        ms = day_start_ms(day) + (hh * 60 + mm) * 60_000 + rng.randrange(60_000)
        emit(ms, reqs, p["ip"], make_user_fn(rng, u, "fixed"))

    # character.ai and poe.com attempts outside the department mixes.
    for day, hh, mm, login in [
        (0, 12, 41, "karim"),
        (1, 12, 58, "karim"),
        (1, 13, 2, "karim"),
        (0, 17, 51, "sarah"),
    ]:
        p = by_login[login]
        ms = day_start_ms(day) + (hh * 60 + mm) * 60_000 + rng.randrange(60_000)
        emit(ms, [r_denied(rng, "character.ai")], p["ip"], make_user_fn(rng, login, "fixed"))
    for day, hh, mm, login in [(0, 10, 33, "olivier"), (1, 15, 12, "hugo")]:
        p = by_login[login]
        ms = day_start_ms(day) + (hh * 60 + mm) * 60_000 + rng.randrange(60_000)
        emit(ms, [r_tunnel(rng, "poe.com")], p["ip"], make_user_fn(rng, login, "fixed"))

    # The risky story: Finance and Legal paste documents into DeepSeek.
    deepseek_sessions = [
        (0, 9, 48, "nathalie", "nathalie"),
        (0, 14, 22, "nathalie", "nathalie"),
        (1, 10, 5, "nathalie", "CORP\\nathalie"),
        (1, 16, 40, "nathalie", "nathalie"),
        (0, 11, 31, "claire", "claire@corp.example"),
        (1, 15, 2, "claire", "claire@corp.example"),
        (0, 15, 17, "victor", "victor"),
        (1, 9, 26, "victor", "victor"),
        (1, 11, 54, "laura", "CORP\\laura"),
        (2, 10, 41, "marc", "marc"),
    ]
    for day, hh, mm, login, u in deepseek_sessions:
        ms = day_start_ms(day) + (hh * 60 + mm) * 60_000 + rng.randrange(60_000)
        emit(
            ms,
            [r_tunnel(rng, "chat.deepseek.com", big=True)],
            by_login[login]["ip"],
            make_user_fn(rng, u, "fixed"),
        )

    # --- background traffic ------------------------------------------------
    # Slots: (who, day, weight).  who is a person dict or a device dict.
    devices: list[Person] = [
        # unauthenticated build runner calling the OpenAI API (user "-")
        {"login": "-", "dept": "Engineering", "ip": "10.20.1.250", "kind": "runner"},
        # meeting-room display and a printer: only boring traffic
        {"login": "-", "dept": "Marketing", "ip": "10.20.2.201", "kind": "device"},
        {"login": "-", "dept": "Finance", "ip": "10.20.4.210", "kind": "device"},
    ]
    unlisted: list[Person] = [
        {"login": login, "dept": d, "ip": ip, "form": f, "kind": "unlisted"}
        for login, d, ip, f in UNLISTED
    ]

    slots: list[tuple[Person, int, float]] = []
    for p in people:
        p = dict(p)
        p["kind"] = "person"
        p["form"] = weighted(rng, [("plain", 50), ("ntlm", 30), ("email", 20)])
        p["ai"] = rng.choice([0.3, 0.6, 0.9, 1.0, 1.0, 1.2, 1.5, 1.8])
        for day in range(3):
            if day < 2:
                w = 0 if rng.random() < 0.05 else rng.uniform(0.7, 1.3)  # some days off
            else:
                w = (
                    0.5
                    if p["login"] in ("helene", "marc", "anne", "farid", "thomas", "julie")
                    else 0
                )
            if w:
                slots.append((p, day, w))
    for acct in unlisted:
        acct["ai"] = 1.4
        for day in range(2):
            slots.append((acct, day, 0.6))
    for d in devices:
        d["ai"] = 1.0
        for day in range(3):
            slots.append((d, day, 0.35 if d["kind"] == "runner" else 0.2))

    # fill with background traffic up to the target line count
    target = PROXY_LINES - 4  # 3 malformed lines and 1 blank line are added later
    slot_items = [((i), w) for i, (_, _, w) in enumerate(slots)]
    while len(records) < target:
        who, day, _ = slots[weighted(rng, slot_items)]
        dept = who["dept"]
        kind = who["kind"]
        if kind == "runner":
            # nightly and daytime CI jobs: pypi + OpenAI API, no user
            hours = [(h, 1) for h in range(24)]
            ms = random_time_ms(rng, day, hours)
            if rng.random() < 0.5:
                reqs = ai_requests(rng, "openai-api", dept)
            else:
                host, mode, _, paths = DEPT_SITES["Engineering"][3]  # pypi.org
                reqs = ordinary_requests(rng, host, mode, paths)
            user_fn = make_user_fn(rng, "-", "fixed")
        elif kind == "device":
            ms = random_time_ms(rng, day)
            site = rng.choice(
                [
                    s
                    for s in COMMON_SITES
                    if s[0]
                    in (
                        "ocsp.digicert.com",
                        "ctldl.windowsupdate.com",
                        "www.msftconnecttest.com",
                        "intranet.corp.example",
                    )
                ]
            )
            reqs = ordinary_requests(rng, site[0], site[1], site[3])
            user_fn = make_user_fn(rng, "-", "fixed")
        else:
            ms = random_time_ms(rng, day)
            is_svc = who["login"] == "svc-jenkins"
            if is_svc:
                ms = random_time_ms(rng, day, [(h, 1) for h in range(24)])
            if rng.random() < AI_RATE[dept] * who["ai"]:
                mix = AI_MIX[dept]
                if who["login"] == "svc-jenkins":
                    mix = {"anthropic-api": 3, "openai-api": 1}
                elif who["login"] == "ext.moreau":
                    mix = {"chatgpt": 3, "midjourney": 2, "elevenlabs": 1}
                elif who["login"] == "tmp.garcia":
                    mix = {"perplexity": 3, "chatgpt": 2, "deepl": 1}
                service = weighted(rng, list(mix.items()))
                reqs = ai_requests(rng, service, dept)
            else:
                sites = COMMON_SITES + DEPT_SITES[dept]
                if is_svc:  # a CI service account only talks to package registries
                    sites = [
                        s
                        for s in DEPT_SITES["Engineering"]
                        if s[0]
                        in (
                            "github.com",
                            "pypi.org",
                            "files.pythonhosted.org",
                            "registry.npmjs.org",
                            "registry-1.docker.io",
                        )
                    ]
                host, mode, _, paths = weighted(rng, [(s, s[2]) for s in sites])
                reqs = ordinary_requests(rng, host, mode, paths)
                # occasional NTLM/Negotiate challenge before the real request
                if mode == "tunnel" and rng.random() < 0.015:
                    reqs = [r_auth_challenge(rng, host), *reqs]
            login, form = who["login"], who["form"]
            if is_svc:  # service accounts authenticate one way only
                form = "fixed"
            # a 407 challenge is logged before the user is known
            challenge = bool(reqs) and reqs[0].code == "TCP_DENIED" and reqs[0].status == 407
            user_fn = make_user_fn(rng, login, form, challenge)
        room = target - len(records)
        emit(ms, reqs[:room], who["ip"], user_fn)

    records.sort()
    lines = [line for _, _, line in records]

    # --- deliberately broken lines in the middle of the file ---------------
    n = len(lines)
    truncated = lines[int(n * 0.36)]
    truncated = truncated[: truncated.index(" ", truncated.index("/") + 1) + 1 + 12]
    garbage = "~~~~ ??? 0x1f8b0800 corrupted record @@@ ;;; <<<< >>>> ~~~~"
    base = lines[int(n * 0.66)]
    fields = base.split()
    ms = int(fields[0].replace(".", ""))
    dt = local_dt(ms)
    apache_ts = (
        f"{dt.day:02d}/{MONTHS[dt.month - 1]}/{dt.year}:"
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    )
    non_numeric = base.replace(fields[0], apache_ts, 1)
    lines.insert(int(n * 0.66) + 1, non_numeric)
    lines.insert(int(n * 0.51), garbage)
    lines.insert(int(n * 0.44), "")
    lines.insert(int(n * 0.36) + 1, truncated)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# DNS helpers shared by BIND and Zeek
# ---------------------------------------------------------------------------

AI_DNS_NAMES: dict[str, list[tuple[str, float]]] = {
    "Engineering": [
        ("copilot-proxy.githubusercontent.com", 8),
        ("api.githubcopilot.com", 6),
        ("api2.cursor.sh", 4),
        ("api.openai.com", 4),
        ("api.anthropic.com", 4),
        ("huggingface.co", 3),
        ("claude.ai", 2),
        ("chatgpt.com", 2),
        ("generativelanguage.googleapis.com", 1),
        ("ollama.com", 1),
        ("copilot.microsoft.com", 1),
    ],
    "Marketing": [
        ("chatgpt.com", 8),
        ("www.midjourney.com", 3),
        ("elevenlabs.io", 3),
        ("copilot.microsoft.com", 3),
        ("gemini.google.com", 2),
        ("claude.ai", 1),
        ("app.runwayml.com", 1),
    ],
    "Sales": [
        ("www.perplexity.ai", 5),
        ("perplexity.ai", 2),
        ("www.deepl.com", 5),
        ("copilot.microsoft.com", 4),
        ("chatgpt.com", 3),
    ],
    "Finance": [
        ("copilot.microsoft.com", 5),
        ("chatgpt.com", 4),
        ("claude.ai", 3),
        ("chat.deepseek.com", 3),
        ("chat.mistral.ai", 1),
    ],
    "Legal": [
        ("copilot.microsoft.com", 4),
        ("claude.ai", 4),
        ("chatgpt.com", 3),
        ("chat.deepseek.com", 2),
        ("www.deepl.com", 3),
        ("chat.mistral.ai", 1),
    ],
    "HR": [
        ("otter.ai", 6),
        ("copilot.microsoft.com", 5),
        ("chatgpt.com", 3),
        ("gemini.google.com", 1),
    ],
    "guest": [
        ("chatgpt.com", 5),
        ("gemini.google.com", 3),
        ("claude.ai", 2),
        ("www.perplexity.ai", 1),
        ("chat.deepseek.com", 1),
        ("character.ai", 1),
        ("elevenlabs.io", 1),
    ],
    "nosubnet": [("api.openai.com", 3), ("chatgpt.com", 2), ("huggingface.co", 1)],
}

INFRA_NAMES: list[tuple[str, float]] = [
    ("wpad.corp.example", 3),
    ("intranet.corp.example", 5),
    ("wiki.corp.example", 2),
    ("time.windows.com", 2),
    ("ctldl.windowsupdate.com", 2),
    ("settings-win.data.microsoft.com", 2),
    ("login.live.com", 1),
    ("connectivitycheck.gstatic.com", 1),
    ("www.msftconnecttest.com", 1),
    ("safebrowsing.googleapis.com", 1),
    ("ocsp.digicert.com", 2),
    ("r11.o.lencr.org", 1),
    ("clients4.google.com", 1),
]

GUEST_NAMES: list[tuple[str, float]] = [
    ("captive.apple.com", 3),
    ("gateway.icloud.com", 3),
    ("www.instagram.com", 3),
    ("graph.facebook.com", 2),
    ("g.whatsapp.net", 3),
    ("www.youtube.com", 3),
    ("i.ytimg.com", 2),
    ("connectivitycheck.gstatic.com", 3),
    ("www.google.com", 4),
    ("www.tiktok.com", 2),
    ("open.spotify.com", 2),
    ("www.netflix.com", 1),
    ("www.lemonde.fr", 1),
    ("mtalk.google.com", 2),
    ("outlook.office365.com", 2),
]

NOSUBNET_NAMES: list[tuple[str, float]] = [
    ("pypi.org", 3),
    ("files.pythonhosted.org", 2),
    ("github.com", 3),
    ("registry-1.docker.io", 2),
    ("time.windows.com", 1),
    ("www.google.com", 2),
    ("outlook.office365.com", 2),
    ("login.microsoftonline.com", 2),
]


def ordinary_dns_names(dept: str) -> list[tuple[str, float]]:
    names: list[tuple[str, float]] = [(h, w) for h, _, w, _ in COMMON_SITES]
    names += [(h, w) for h, _, w, _ in DEPT_SITES[dept]]
    names += INFRA_NAMES
    return names


def pointer(rng: random.Random) -> str:
    return "0x7f" + "".join(rng.choice("0123456789abcdef") for _ in range(10))


# ---------------------------------------------------------------------------
# BIND9 query log
# ---------------------------------------------------------------------------


def bind_ts(ms: int) -> str:
    dt = local_dt(ms)
    return (
        f"{dt.day:02d}-{MONTHS[dt.month - 1]}-{dt.year} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{ms % 1000:03d}"
    )


def make_bind(people: list[Person]) -> str:
    rng = random.Random(9160)
    clients = []  # dicts: ip, ptr, group, resolver, flags, weight
    flag_profiles = [("+E(0)K", 55), ("+E(0)", 25), ("+", 12), ("+E(0)DK", 8)]
    for p in people:
        if p["site"] != "HQ":
            continue
        clients.append({"ip": p["ip"], "group": p["dept"], "w": 1.0})
    # HQ department workstations not tied to a listed person (second laptops...)
    for dept, (octet, _) in DEPARTMENTS.items():
        clients.append({"ip": f"10.20.{octet}.{rng.randint(120, 170)}", "group": dept, "w": 0.6})
    # guest Wi-Fi: phones and visitors' laptops (subnet with no department)
    for _ in range(8):
        clients.append(
            {"ip": f"10.99.{rng.randint(0, 3)}.{rng.randint(10, 250)}", "group": "guest", "w": 0.9}
        )
    # addresses in no configured subnet at all (VPN pool, lab servers)
    for ip in ["10.30.7.12", "10.30.7.13", "192.168.100.12", "172.16.4.20"]:
        clients.append({"ip": ip, "group": "nosubnet", "w": 0.8})
    for c in clients:
        c["ptr"] = pointer(rng)
        c["resolver"] = HQ_RESOLVERS[0] if rng.random() < 0.8 else HQ_RESOLVERS[1]
        c["flags"] = weighted(rng, flag_profiles)

    records = []  # (ms, seq, line)
    seq = 0

    def add(ms: int, c: dict[str, Any], name: str, qtype: str, port: int) -> None:
        nonlocal seq
        line = (
            f"{bind_ts(ms)} client @{c['ptr']} {c['ip']}#{port} ({name}): "
            f"query: {name} IN {qtype} {c['flags']} ({c['resolver']})"
        )
        records.append((ms, seq, line))
        seq += 1

    # the two denied lines (clients outside allow-query-cache; they only
    # ever appear here)
    denied = [
        (0, 10, 1, 2_000, {"ip": "10.30.2.21", "ptr": "0x7f65100ee4d8"}, "poe.com", 51544),
        (1, 14, 37, 48_512, {"ip": "172.16.9.14", "ptr": "0x7f6510a3c2f0"}, "character.ai", 60211),
    ]
    for day, hh, mm, extra_ms, c, name, port in denied:
        ms = day_start_ms(day) + (hh * 60 + mm) * 60_000 + extra_ms
        line = (
            f"{bind_ts(ms)} client @{c['ptr']} {c['ip']}#{port} ({name}): "
            f"query (cache) '{name}/A/IN' denied"
        )
        records.append((ms, seq, line))
        seq += 1

    ai_rate = {
        "Engineering": 0.22,
        "Marketing": 0.19,
        "Sales": 0.15,
        "Finance": 0.14,
        "Legal": 0.15,
        "HR": 0.12,
        "guest": 0.18,
        "nosubnet": 0.15,
    }
    citems = [(i, c["w"]) for i, c in enumerate(clients)]
    while len(records) < BIND_LINES:
        c = clients[weighted(rng, citems)]
        day = weighted(rng, [(0, 45), (1, 45), (2, 10)])
        ms = random_time_ms(rng, day)
        g = c["group"]
        if rng.random() < ai_rate[g]:
            name = weighted(rng, AI_DNS_NAMES[g])
        elif g == "guest":
            name = weighted(rng, GUEST_NAMES)
        elif g == "nosubnet":
            name = weighted(rng, NOSUBNET_NAMES)
        else:
            name = weighted(rng, ordinary_dns_names(g))
        add(ms, c, name, "A", rng.randint(49152, 65535))
        if len(records) < BIND_LINES and rng.random() < 0.45:
            add(ms + rng.randint(0, 3), c, name, "AAAA", rng.randint(49152, 65535))
        if len(records) < BIND_LINES and g not in ("guest", "nosubnet") and rng.random() < 0.01:
            add(
                ms + rng.randint(5, 40),
                c,
                "_ldap._tcp.dc._msdcs.corp.example",
                "SRV",
                rng.randint(49152, 65535),
            )
    records.sort()
    return "\n".join(line for _, _, line in records) + "\n"


# ---------------------------------------------------------------------------
# Zeek dns.log (branch office Lyon)
# ---------------------------------------------------------------------------

ZEEK_HEADER = (
    "#separator \\x09\n"
    "#set_separator\t,\n"
    "#empty_field\t(empty)\n"
    "#unset_field\t-\n"
    "#path\tdns\n"
    "#open\t2026-11-26-08-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery"
    "\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring"
    "\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n"
)
ZEEK_CLOSE = "#close\t2026-11-28-20-00-00\n"

CNAMES = {
    "outlook.office365.com": ["outlook.ms-acdc.office.com"],
    "www.linkedin.com": ["www-linkedin-com.l-0005.l-msedge.net", "l-0005.l-msedge.net"],
    "www.youtube.com": ["youtube-ui.l.google.com"],
    "teams.microsoft.com": ["teams.office.com", "s-0005.s-msedge.net"],
    "copilot.microsoft.com": ["copilot.microsoft.com.edgekey.net", "e28578.d.akamaiedge.net"],
    "login.microsoftonline.com": ["login.mso.msidentity.com", "ak.privatelink.msidentity.com"],
    "www.deepl.com": ["www.deepl.com.cdn.cloudflare.net"],
    "ctldl.windowsupdate.com": [
        "ctldl.windowsupdate.com.delivery.microsoft.com",
        "wu-b-net.trafficmanager.net",
    ],
}
IPV6 = {  # hosts that publish AAAA records
    "chatgpt.com": "2606:4700:4400::6812:202f",
    "claude.ai": "2607:6bc0::10",
    "api.anthropic.com": "2607:6bc0::10",
    "gemini.google.com": "2a00:1450:4007:80e::200e",
    "generativelanguage.googleapis.com": "2a00:1450:4007:818::200a",
    "www.google.com": "2a00:1450:4007:819::2004",
    "www.youtube.com": "2a00:1450:4007:80c::200e",
    "github.com": None,
    "www.perplexity.ai": "2606:4700::6812:1a30",
    "chat.mistral.ai": "2606:4700::6812:1d0f",
    "huggingface.co": None,
}
NXDOMAIN_NAMES: list[tuple[str, float]] = [
    ("wpad.lyon.corp.example", 4),
    ("isatap.lyon.corp.example", 1),
    ("printer-2f.lyon.corp.example", 1),
    ("github.co", 1),
]

LYON_AI: list[tuple[str, float]] = [
    ("copilot-proxy.githubusercontent.com", 7),
    ("api.githubcopilot.com", 5),
    ("api2.cursor.sh", 4),
    ("api.openai.com", 3),
    ("api.anthropic.com", 3),
    ("claude.ai", 4),
    ("chatgpt.com", 5),
    ("huggingface.co", 3),
    ("gemini.google.com", 2),
    ("chat.mistral.ai", 2),
    ("chat.deepseek.com", 1),
    ("copilot.microsoft.com", 3),
    ("www.deepl.com", 2),
    ("api.newmodel.ai", 1),
]
LYON_ORDINARY: list[tuple[str, float]] = [
    *ordinary_dns_names("Engineering"),
    ("corpexample.my.salesforce.com", 4),
    ("www.linkedin.com", 2),
    ("www.lyon.fr", 1),
    ("www.tcl.fr", 2),
    ("www.sncf-connect.com", 2),
]

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def zeek_uid(rng: random.Random) -> str:
    return "C" + "".join(rng.choice(B62) for _ in range(17))


def answers_for(name: str, qtype: str) -> tuple[list[str], list[float]]:
    """Deterministic (answers, ttls) for a name, independent of the call order."""
    hr = random.Random(zlib.crc32(f"{name}/{qtype}".encode("ascii")))
    answers, ttls = [], []
    for cn in CNAMES.get(name, []):
        answers.append(cn)
        ttls.append(float(hr.choice([60, 300, 3600])))
    if qtype == "A":
        base = host_ip(name)
        a, b, c, d = (int(x) for x in base.split("."))
        for i in range(hr.choice([1, 1, 2, 2, 3, 4])):
            answers.append(f"{a}.{b}.{c}.{(d + i * 17) % 254 + 1}" if i else base)
        ttl = float(hr.choice([20, 60, 60, 120, 300, 300, 3600]))
        ttls += [ttl] * (len(answers) - len(ttls))
    elif qtype == "AAAA":
        v6 = IPV6.get(name)
        if v6:
            answers.append(v6)
            ttls.append(float(hr.choice([60, 300])))
    return answers, ttls


def zeek_ts(us: int) -> str:
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def make_zeek() -> bytes:
    rng = random.Random(5050)
    clients = []
    for last in range(21, 29):  # Engineering, Lyon (10.40.5.0/24)
        clients.append((f"10.40.5.{last}", 1.0))
    for _ in range(9):  # rest of the branch: department unknown
        clients.append((f"10.40.{rng.choice([2, 3])}.{rng.randint(10, 200)}", 0.8))
    citems = [(c, w) for c, w in clients]
    rows: list[tuple[int, int, str]] = []  # (us, seq, line)
    seq = 0
    while len(rows) < ZEEK_LINES:
        ip = weighted(rng, citems)
        day = weighted(rng, [(0, 46), (1, 46), (2, 8)])
        ms = random_time_ms(rng, day)
        # the Zeek log covers 08:00 on day 1 to 20:00 on day 3 (local time)
        open_ms = day_start_ms(0) + 8 * 3_600_000
        close_ms = day_start_ms(2) + 20 * 3_600_000
        if not open_ms <= ms < close_ms:
            continue
        us = ms * 1000 + rng.randrange(1000)
        x = rng.random()
        if (ip.startswith("10.40.5.") and x < 0.21) or x < 0.12:
            name = weighted(rng, LYON_AI)
        elif x < 0.96:
            name = weighted(rng, LYON_ORDINARY)
        else:
            name = weighted(rng, NXDOMAIN_NAMES)
        qtypes = ["A"]
        r = rng.random()
        if r < 0.45:
            qtypes.append("AAAA")
        elif r < 0.52:
            qtypes.append("HTTPS")
        for qt in qtypes:
            if len(rows) >= ZEEK_LINES:
                break
            qcode = {"A": 1, "AAAA": 28, "HTTPS": 65}[qt]
            nx = any(name == n for n, _ in NXDOMAIN_NAMES)
            no_reply = rng.random() < 0.01
            if no_reply:
                rtt, rcode, rcode_name, ra = "-", "-", "-", "F"
                ans: list[str] = []
                ttls: list[float] = []
            else:
                cached = rng.random() < 0.55
                rtt_s = rng.uniform(0.00018, 0.0012) if cached else rng.uniform(0.004, 0.085)
                rtt = f"{rtt_s:.6f}"
                ra = "T"
                if nx:
                    rcode, rcode_name, ans, ttls = "3", "NXDOMAIN", [], []
                else:
                    rcode, rcode_name = "0", "NOERROR"
                    ans, ttls = answers_for(name, qt)
            fields = [
                zeek_ts(us),
                zeek_uid(rng),
                ip,
                str(rng.randint(49152, 65535)),
                LYON_RESOLVER,
                "53",
                "udp",
                str(rng.randint(0, 65535)),
                rtt,
                name,
                "1",
                "C_INTERNET",
                str(qcode),
                qt,
                rcode,
                rcode_name,
                "F",
                "F",
                "T",
                ra,
                "0",
                ",".join(ans) if ans else "-",
                ",".join(f"{t:.6f}" for t in ttls) if ttls else "-",
                "F",
            ]
            rows.append((us, seq, "\t".join(fields)))
            seq += 1
            us += rng.randint(80, 4000)
    rows.sort()
    text = ZEEK_HEADER + "".join(line + "\n" for _, _, line in rows) + ZEEK_CLOSE
    return gzip.compress(text.encode("ascii"), compresslevel=9, mtime=0)


# ---------------------------------------------------------------------------
# Directory files, policy, README
# ---------------------------------------------------------------------------


def make_users_csv(people: list[Person]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "user",
            "department",
            "email",
            "aliases",
            "display_name",
            "title",
            "manager",
            "cost_center",
        ]
    )
    for p in people:
        last = p["name"].split()[-1]
        ascii_last = last.translate(str.maketrans("éèêëÉÈàâäîïôöùûüç", "eeeeEEaaaiioouuuc")).lower()
        aliases = [f"{NETBIOS}\\{p['login']}", f"{p['login']}.{ascii_last}"] + p["extra"]
        w.writerow(
            [
                p["login"],
                p["dept"],
                f"{p['login']}@{DOMAIN}",
                ";".join(aliases),
                p["name"],
                p["title"],
                p["manager"],
                DEPARTMENTS[p["dept"]][1],
            ]
        )
    return buf.getvalue()


def make_subnets_csv() -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["cidr", "department", "site"])
    for row in SUBNETS:
        w.writerow(row)
    return buf.getvalue()


POLICY = """\
# shadowscan sanction policy for corp.example
rules:
  - service: microsoft-copilot
    status: sanctioned
    justification: Microsoft 365 E5 agreement; prompts stay in the tenant
    owner: it-governance@corp.example
    expires: 2027-12-31
  - service: github-copilot
    status: sanctioned
    departments: [Engineering]
    justification: Copilot Business seats for engineers
    owner: cto@corp.example
  - service: chatgpt
    status: tolerated
    departments: [Marketing]
    justification: pilot, no customer data
    owner: cmo@corp.example
    expires: 2026-10-31
  - category: image-generation
    status: prohibited
    justification: copyright and brand risk
    owner: legal@corp.example
  - service: deepl
    status: sanctioned
    justification: DeepL Pro contract
    owner: it-governance@corp.example
  - service: deepseek
    status: prohibited
    justification: no data processing agreement; data stored outside the EU
    owner: ciso@corp.example
  - service: character-ai
    status: prohibited
    justification: consumer companion chatbot, no business use
    owner: it-governance@corp.example
  - service: perplexity
    status: tolerated
    departments: [Sales]
    justification: market research on public information only
    owner: sales-ops@corp.example
    expires: 2027-03-31
"""

README = """\
# Demo data for shadowscan

This folder is a small, fictional corporate data set for trying shadowscan:
the company `corp.example` (40 employees in Engineering, Marketing, Sales,
Finance, Legal and HR, at the HQ and a branch office in Lyon) and three days of
traffic, 2026-11-26 to 2026-11-28 (Thursday to Saturday, times in CET).
It holds a Squid native proxy log (`proxy/access.log`, with user names in
several forms, SSL-bumped AI API calls, blocked requests, a few unknown
AI-looking APIs and 3 deliberately malformed lines plus a blank one), a BIND9
query log from the HQ resolvers (`dns/queries.log`, client IPs only, including
guest Wi-Fi and unmapped addresses), a gzipped Zeek `dns.log` from the Lyon
office (`zeek/dns.log.gz`), the directory files `users.csv` and `subnets.csv`
(a few proxy users are deliberately missing from `users.csv`, to show the
fallback to the subnet), DHCP leases and VPN sessions (`leases.csv`, so an
IP resolves to the user who held it at the event's time), and the sanction
policy `policy.yaml`. Roughly
15-20 % of the traffic goes to AI services; the rest is ordinary web traffic.
Everything is generated, deterministically, by `python tools/make_sample_logs.py`
(rerunning it reproduces the same bytes). Run
`shadowscan scan sample_logs/ --out report/`: the scan picks up `users.csv`,
`subnets.csv`, `leases.csv` and `policy.yaml` from this folder automatically.
"""


# VPN pool sessions (10.30.7.0/24 is in no subnet): who held which address when.
# ip, login, day index, start hour, end hour (local time)
VPN_SESSIONS = [
    ("10.30.7.12", "helene", 0, 7, 12),
    ("10.30.7.12", "anne", 0, 12, 19),
    ("10.30.7.12", "anne", 1, 7, 13),
    ("10.30.7.12", "helene", 1, 13, 21),
    ("10.30.7.13", "marc", 0, 7, 21),
    ("10.30.7.13", "valerie", 1, 7, 21),
]


def iso_utc(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_leases_csv(people: list[Person]) -> str:
    """DHCP leases of the HQ workstations (one per person per day) and VPN sessions.

    Written after every other file, from fixed tables only (no random state), so the
    other demo files stay byte-identical.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ip", "user_or_mac", "start", "end"])
    rows = []
    for p in people:
        if p["site"] != "HQ":
            continue
        for day in range(len(DAYS)):
            start = day_start_ms(day)
            rows.append((start, p["ip"], p["login"], start + 86_400_000))
    for ip, login, day, h0, h1 in VPN_SESSIONS:
        start = day_start_ms(day) + h0 * 3_600_000
        rows.append((start, ip, login, day_start_ms(day) + h1 * 3_600_000))
    for start, ip, login, end in sorted(rows):
        w.writerow([ip, login, iso_utc(start), iso_utc(end)])
    return buf.getvalue()


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else DEFAULT_OUT
    people = build_people()
    write(out / "proxy" / "access.log", make_proxy(people))
    write(out / "dns" / "queries.log", make_bind(people))
    write(out / "zeek" / "dns.log.gz", make_zeek())
    write(out / "users.csv", make_users_csv(people))
    write(out / "subnets.csv", make_subnets_csv())
    write(out / "policy.yaml", POLICY)
    write(out / "README.md", README)
    write(out / "leases.csv", make_leases_csv(people))
    print(f"wrote demo data to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
