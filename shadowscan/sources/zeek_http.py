"""Zeek http.log, ssl.log and conn.log, each as TSV (``#fields`` header) or JSON lines.

- http.log: ``host`` (the Host header), ``uri`` (path; the query is dropped), ``method``,
  ``status_code``, ``user_agent``, ``request_body_len`` (``bytes_out``),
  ``response_body_len`` (``bytes_in``), ``username`` when set. Source ``proxy``.
- ssl.log: ``server_name`` (the TLS SNI) is the host. Source ``proxy``.
- conn.log: no name at all; the responder address ``id.resp_h`` is the host, so catalog IP
  ranges can match it; ``orig_bytes``/``resp_bytes`` are ``bytes_out``/``bytes_in``.
  Source ``firewall``.

A record without a name (an HTTP/1.0 request without Host, a TLS session without SNI) keeps
the responder address as its host. Zeek logs UTC (epoch seconds or ISO 8601 in JSON).
The dns.log is read by :mod:`shadowscan.sources.zeek`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl

from shadowscan.sources.base import REASON, SKIP, LogParser, first_reason, null_if
from shadowscan.sources.jsonlines import not_an_object, share_of_records, with_json_fields
from shadowscan.sources.normalize import normalize_user, split_url
from shadowscan.sources.zeek import _header_value, tsv_layout, zeek_ts

_UNSET = ("-", "(empty)", "")


def _http(f: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
    _, path = split_url(f["uri"])
    status = f["status_code"].cast(pl.Int32, strict=False)
    return {
        "host": pl.coalesce(f["host"], f["id.resp_h"]),
        "url_path": path,
        "method": f["method"],
        "http_status": pl.when(status != 0).then(status),
        "user_agent": f["user_agent"],
        "bytes_out": f["request_body_len"].cast(pl.Int64, strict=False),
        "bytes_in": f["response_body_len"].cast(pl.Int64, strict=False),
        "user": normalize_user(f["username"]),
    }


def _ssl(f: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
    return {"host": pl.coalesce(f["server_name"], f["id.resp_h"])}


def _conn(f: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
    return {
        "host": f["id.resp_h"],
        "bytes_out": f["orig_bytes"].cast(pl.Int64, strict=False),
        "bytes_in": f["resp_bytes"].cast(pl.Int64, strict=False),
    }


class _ZeekLog(LogParser):
    """What the http/ssl/conn parsers share; subclasses name the log and its fields."""

    path: ClassVar[str]
    wanted: ClassVar[tuple[str, ...]]
    #: JSON keys that only this log has (used when a JSON line has no ``_path``).
    json_keys: ClassVar[frozenset[str]]
    #: Wanted fields read as integers.
    integers: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def build(f: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
        """Event columns from the Zeek field expressions."""
        raise NotImplementedError

    def select(self, lines: pl.LazyFrame, f: dict[str, pl.Expr], **extra: Any) -> pl.LazyFrame:
        ts = zeek_ts(f["ts"])
        cleaned = {k: null_if(v, *_UNSET) for k, v in f.items()}
        ev = self.build(cleaned)
        return lines.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            cleaned["id.orig_h"].alias("src_ip"),
            *[expr.alias(name) for name, expr in ev.items()],
            extra["skip"].alias(SKIP),
            first_reason(*extra["checks"], (ts.is_null(), "bad timestamp")).alias(REASON),
        )


class _ZeekTsv(_ZeekLog):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sep, self.columns = tsv_layout(self.head)

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Certain when the header says ``#path <log>`` and names the log's fields."""
        path = _header_value(head, "path")
        fields = set((_header_value(head, "fields") or "").split())
        if path is not None and path.strip() == cls.path and {"ts", "id.resp_h"} <= fields:
            return 1.0
        return 0.0

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Split on the separator; pick the columns named in ``#fields``."""
        raw = pl.col("raw")
        parts = raw.str.split(self.sep)
        f = {
            name: (
                parts.list.get(self.columns.index(name), null_on_oob=True)
                if name in self.columns
                else pl.lit(None, dtype=pl.String)
            )
            for name in ("ts", "id.orig_h", "id.resp_h", *self.wanted)
        }
        n = len(self.columns)
        if n:
            check = (parts.list.len() != n, f"expected {n} fields (per the #fields header)")
        else:
            check = (pl.lit(True), "no #fields header at the top of the file")
        return self.select(lines, f, skip=raw.str.starts_with("#"), checks=[check])


class _ZeekJson(_ZeekLog):
    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Share of the first lines that are JSON records of this log."""

        def is_record(obj: dict[str, Any]) -> bool:
            if "ts" not in obj or "id.orig_h" not in obj:
                return False
            if "_path" in obj:
                return bool(obj["_path"] == cls.path)
            return bool(cls.json_keys & obj.keys())

        return share_of_records(head, is_record)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Decode the wanted fields (one JSON parse per line)."""
        names = ("ts", "id.orig_h", "id.resp_h", *self.wanted)
        paths = {f"_j_{name}": (name,) for name in names}
        p = with_json_fields(lines, paths, integers=[f"_j_{name}" for name in self.integers])
        f = {name: pl.col(f"_j_{name}") for name in names}
        return self.select(
            p,
            f,
            skip=pl.lit(False),
            checks=[not_an_object(), (f["ts"].is_null(), "invalid JSON or no ts field")],
        )


_HTTP_WANTED: tuple[str, ...] = (
    "host",
    "uri",
    "method",
    "status_code",
    "user_agent",
    "username",
    "request_body_len",
    "response_body_len",
)
_HTTP_FIELDS: tuple[str, ...] = (
    "user",
    "src_ip",
    "url_path",
    "bytes_out",
    "bytes_in",
    "user_agent",
    "method",
    "http_status",
)


class ZeekHttpTsvParser(_ZeekTsv):
    """Zeek http.log, TSV."""

    name = "zeek_http_tsv"
    source = "proxy"
    description = "Zeek http.log, TSV with #fields header"
    fields: ClassVar[tuple[str, ...]] = _HTTP_FIELDS
    path = "http"
    wanted = _HTTP_WANTED
    json_keys = frozenset()
    build = staticmethod(_http)


class ZeekHttpJsonParser(_ZeekJson):
    """Zeek http.log, JSON lines."""

    name = "zeek_http_json"
    source = "proxy"
    description = "Zeek http.log, JSON lines"
    fields: ClassVar[tuple[str, ...]] = _HTTP_FIELDS
    path = "http"
    wanted = _HTTP_WANTED
    json_keys = frozenset({"trans_depth", "request_body_len", "response_body_len"})
    integers = ("status_code", "request_body_len", "response_body_len")
    build = staticmethod(_http)


class ZeekSslTsvParser(_ZeekTsv):
    """Zeek ssl.log, TSV."""

    name = "zeek_ssl_tsv"
    source = "proxy"
    description = "Zeek ssl.log (SNI as host), TSV with #fields header"
    fields: ClassVar[tuple[str, ...]] = ("src_ip",)
    path = "ssl"
    wanted = ("server_name",)
    json_keys = frozenset()
    build = staticmethod(_ssl)


class ZeekSslJsonParser(_ZeekJson):
    """Zeek ssl.log, JSON lines."""

    name = "zeek_ssl_json"
    source = "proxy"
    description = "Zeek ssl.log (SNI as host), JSON lines"
    fields: ClassVar[tuple[str, ...]] = ("src_ip",)
    path = "ssl"
    wanted = ("server_name",)
    json_keys = frozenset({"server_name", "cipher", "ssl_history", "cert_chain_fps"})
    build = staticmethod(_ssl)


class ZeekConnTsvParser(_ZeekTsv):
    """Zeek conn.log, TSV."""

    name = "zeek_conn_tsv"
    source = "firewall"
    description = "Zeek conn.log (responder IP as host), TSV with #fields header"
    fields: ClassVar[tuple[str, ...]] = ("src_ip", "bytes_out", "bytes_in")
    path = "conn"
    wanted = ("orig_bytes", "resp_bytes")
    json_keys = frozenset()
    build = staticmethod(_conn)


class ZeekConnJsonParser(_ZeekJson):
    """Zeek conn.log, JSON lines."""

    name = "zeek_conn_json"
    source = "firewall"
    description = "Zeek conn.log (responder IP as host), JSON lines"
    fields: ClassVar[tuple[str, ...]] = ("src_ip", "bytes_out", "bytes_in")
    path = "conn"
    wanted = ("orig_bytes", "resp_bytes")
    json_keys = frozenset({"conn_state", "orig_ip_bytes", "resp_ip_bytes"})
    integers = ("orig_bytes", "resp_bytes")
    build = staticmethod(_conn)


PARSERS = (
    ZeekHttpTsvParser,
    ZeekHttpJsonParser,
    ZeekSslTsvParser,
    ZeekSslJsonParser,
    ZeekConnTsvParser,
    ZeekConnJsonParser,
)
