"""Zscaler Internet Access (ZIA) NSS web logs: the JSON feed and the default CSV feed.

JSON: one object per line, either the Splunk HEC shape NSS is usually set up to send
(``{"sourcetype": "zscalernss-web", "event": {...}}``) or the bare ``{...}`` object, with
NSS field names (``time``, ``login``, ``eurl``/``url``, ``action``, ``appname``,
``reqsize``, ``respsize``, ``cip``, ``reqmethod``, ``respcode``, ``ua``...).

CSV: the default web feed layout, every field quoted::

    "%s{time}","%s{login}","%s{proto}","%s{eurl}","%s{action}","%s{appname}",
    "%s{appclass}","%d{reqsize}","%d{respsize}","%d{stime}","%d{ctime}","%s{urlclass}",
    "%s{urlsupercat}","%s{urlcat}","%s{malwarecat}","%s{threatname}","%d{riskscore}",
    "%s{dlpeng}","%s{dlpdict}","%s{location}","%s{dept}","%s{cip}","%s{sip}",
    "%s{reqmethod}","%s{respcode}","%s{ua}","%s{ereferer}","%s{ruletype}","%s{rulelabel}",
    "%s{contenttype}","%s{unscannabletype}","%s{deviceowner}","%s{devicehostname}"

(newer tenants append fields; they are ignored). ``time`` (``Fri Dec 31 07:07:07 2021``)
is in the feed's configured time zone, so ``--tz`` applies; an ``epochtime`` field, when
the feed carries one, is used instead. ``appname`` (the cloud application) goes to ``app``.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, LogParser, epoch_to_utc, first_reason, null_if
from shadowscan.sources.jsonlines import not_an_object, share_of_records, with_json_fields
from shadowscan.sources.normalize import normalize_host, normalize_user, split_fields, split_url

_NONE = ("", "-", "None", "NA", "N/A")
#: The weekday is dropped before parsing: NSS samples carry weekdays that disagree with the date.
_TIME_FMT = "%b %d %H:%M:%S %Y"
_CSV_COLUMNS: tuple[str, ...] = (
    "time",
    "login",
    "proto",
    "eurl",
    "action",
    "appname",
    "appclass",
    "reqsize",
    "respsize",
    "stime",
    "ctime",
    "urlclass",
    "urlsupercat",
    "urlcat",
    "malwarecat",
    "threatname",
    "riskscore",
    "dlpeng",
    "dlpdict",
    "location",
    "dept",
    "cip",
    "sip",
    "reqmethod",
    "respcode",
    "ua",
    "ereferer",
    "ruletype",
    "rulelabel",
    "contenttype",
    "unscannabletype",
    "deviceowner",
    "devicehostname",
)
_CSV_MIN = len(_CSV_COLUMNS)
_CSV_DETECT = re.compile(
    r'^"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}",'
    r'"[^"]*","[^"]*","[^"]*","(?:Allowed|Blocked)",'
)
_JSON_KEYS = {"login", "reqmethod", "respcode", "urlcat", "cip"}
#: The NSS fields the JSON feed is read for (``eurl``, else ``url``, is the URL).
_JSON_FIELDS = (
    "time",
    "epochtime",
    "login",
    "action",
    "appname",
    "cip",
    "host",
    "reqmethod",
    "respcode",
    "reqsize",
    "respsize",
    "ua",
    "eurl",
    "url",
)


def _clean(expr: pl.Expr) -> pl.Expr:
    return null_if(expr, *_NONE)


def _events(f: dict[str, pl.Expr], local: LogParser) -> dict[str, pl.Expr]:
    """Event columns from NSS field expressions (strings), shared by the JSON and CSV feeds."""
    url_host, url_path = split_url(_clean(f["url"]))
    stamped = _clean(f["time"]).str.replace_all(r"\s+", " ").str.replace(r"^[A-Za-z]{3} ", "")
    ts = pl.coalesce(
        epoch_to_utc(_clean(f["epochtime"])),
        local.local_to_utc(stamped.str.strptime(pl.Datetime("us"), _TIME_FMT, strict=False)),
    )
    action = _clean(f["action"]).str.to_lowercase()
    return {
        "ts": ts,
        "user": normalize_user(_clean(f["login"])),
        "src_ip": _clean(f["cip"]),
        "host": pl.coalesce(normalize_host(_clean(f["host"])), url_host),
        "url_path": url_path,
        "method": _clean(f["reqmethod"]),
        "http_status": _clean(f["respcode"]).cast(pl.Int32, strict=False),
        "action": pl.when(action.is_in(["allowed", "blocked"])).then(action),
        "bytes_out": _clean(f["reqsize"]).cast(pl.Int64, strict=False),
        "bytes_in": _clean(f["respsize"]).cast(pl.Int64, strict=False),
        "user_agent": _clean(f["ua"]),
        "app": _clean(f["appname"]),
    }


_FIELDS: tuple[str, ...] = (
    "user",
    "src_ip",
    "url_path",
    "bytes_out",
    "bytes_in",
    "user_agent",
    "action",
    "method",
    "http_status",
    "app",
)


class ZscalerNssJsonParser(LogParser):
    """ZIA NSS web log, JSON feed (HEC-wrapped or bare objects)."""

    name = "zscaler_nss_json"
    source = "proxy"
    description = "Zscaler ZIA NSS web log, JSON feed ({sourcetype, event} or bare)"
    fields: ClassVar[tuple[str, ...]] = _FIELDS
    local_time = True
    requires_host = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        wrapped = any(_wrapped(line) for line in self.head[:5])
        self.prefix: tuple[str, ...] = ("event",) if wrapped else ()

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that are NSS web JSON records."""

        def is_record(obj: dict[str, Any]) -> bool:
            wrapped = obj.get("sourcetype") == "zscalernss-web" and isinstance(
                obj.get("event"), dict
            )
            bare = len(_JSON_KEYS & obj.keys()) >= 4 and ("eurl" in obj or "url" in obj)
            return wrapped or bare

        return share_of_records(head, is_record)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Decode the NSS fields, one JSON parse per line (under ``event`` when wrapped)."""
        paths = {f"_j_{key}": (*self.prefix, key) for key in _JSON_FIELDS}
        f = {key: pl.col(f"_j_{key}") for key in _JSON_FIELDS}
        f["url"] = pl.coalesce(f["eurl"], f["url"])
        ev = _events(f, self)
        integers = ("_j_respcode", "_j_reqsize", "_j_respsize")
        return with_json_fields(lines, paths, integers=integers).select(
            "line_no",
            "raw",
            *[expr.alias(name) for name, expr in ev.items()],
            pl.lit(False).alias(SKIP),
            first_reason(
                not_an_object(),
                (f["time"].is_null() & f["epochtime"].is_null(), "invalid JSON or no time"),
                (ev["ts"].is_null(), "bad time"),
            ).alias(REASON),
        )


def _wrapped(line: str) -> bool:
    try:
        obj = json.loads(line)
    except ValueError:
        return False
    return isinstance(obj, dict) and isinstance(obj.get("event"), dict)


class ZscalerNssCsvParser(LogParser):
    """ZIA NSS web log, default CSV feed layout (every field quoted)."""

    name = "zscaler_nss_csv"
    source = "proxy"
    description = "Zscaler ZIA NSS web log, default CSV feed"
    fields: ClassVar[tuple[str, ...]] = _FIELDS
    local_time = True
    requires_host = True

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that open like the default feed (time, ..., action)."""
        if not head:
            return 0.0
        hits = sum(
            1 for line in head if _CSV_DETECT.match(line) and line.count('","') >= _CSV_MIN - 1
        )
        return hits / len(head)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Split the quoted CSV fields; pick them by the default feed's positions."""
        parts = split_fields(pl.col("raw"), ",")
        p = lines.with_columns(parts.alias("_p"))
        f = {key: pl.col("_p").list.get(i, null_on_oob=True) for i, key in enumerate(_CSV_COLUMNS)}
        f["url"] = f["eurl"]
        f["epochtime"] = pl.lit(None, dtype=pl.String)
        f["host"] = pl.lit(None, dtype=pl.String)
        ev = _events(f, self)
        return p.select(
            "line_no",
            "raw",
            *[expr.alias(name) for name, expr in ev.items()],
            pl.lit(False).alias(SKIP),
            first_reason(
                (
                    pl.col("_p").list.len() < _CSV_MIN,
                    f"not a Zscaler NSS web CSV line (expected at least {_CSV_MIN} fields)",
                ),
                (ev["ts"].is_null(), "bad time"),
            ).alias(REASON),
        )


PARSERS = (ZscalerNssJsonParser, ZscalerNssCsvParser)
