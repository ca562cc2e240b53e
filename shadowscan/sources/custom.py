"""A custom mapping: any CSV, TSV or JSON-lines export, read through a small YAML/TOML file.

``--format custom --mapping FILE`` reads the export with the columns the mapping names::

    source: proxy
    input: {kind: csv, delimiter: ";", header: true}
    timestamp: {field: time, format: "%d/%m/%Y %H:%M:%S", timezone: Europe/Paris}
    fields: {user: login, src_ip: client, url: request, action: verdict, bytes_out: up}
    actions: {allowed: [PERMIT], blocked: [DENY, DROP]}

The mapping is loaded strictly (unknown keys, unknown event fields, a missing timestamp
are errors naming the file and line). The format is never auto-detected. The full
reference is in ``docs/formats-firewall-dns.md``.
"""

from __future__ import annotations

import csv
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from shadowscan.errors import ConfigError, InputError
from shadowscan.schema import SOURCES, UTC_TS
from shadowscan.sources.base import REASON, SKIP, LogParser, ParseResult, first_reason, null_if
from shadowscan.sources.jsonlines import not_an_object
from shadowscan.sources.normalize import normalize_user, split_url
from shadowscan.sources.textfields import map_action, split_delimited, zoned_to_utc
from shadowscan.yamlutil import LineDict, load_yaml

KINDS = ("csv", "tsv", "jsonl")
EPOCH_UNITS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
#: Event fields a mapping may fill, and how each is read.
TEXT_FIELDS = ("user", "src_ip", "host", "url", "url_path", "method", "user_agent", "app")
INT_FIELDS = {"http_status": pl.Int32, "bytes_out": pl.Int64, "bytes_in": pl.Int64}
EVENT_FIELDS = (*TEXT_FIELDS, "action", *INT_FIELDS)

_TOP_KEYS = ("source", "input", "timestamp", "fields", "actions")
_INPUT_KEYS = ("kind", "delimiter", "header", "columns")
_TS_KEYS = ("field", "format", "epoch", "timezone")
_ACTION_KEYS = ("allowed", "blocked")
_ISO_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
)
_ISO_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d")


@dataclass(frozen=True)
class CustomMapping:
    """A loaded, validated mapping file."""

    path: Path
    source: str
    kind: str
    delimiter: str
    header: bool
    columns: tuple[str, ...]
    ts_field: str
    ts_format: str | None
    ts_epoch: str | None
    ts_timezone: str | None
    fields: dict[str, str]
    allowed: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, event_field: str) -> int | None:
        """The mapping file's line of ``fields.<event_field>`` (for error messages)."""
        return self.lines.get(event_field)


# Loading -------------------------------------------------------------------------------


def _toml_key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line of every ``key = value`` and ``[table]`` of a TOML text, by dotted path."""
    out: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for no, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        header = re.match(r"^\[([^\[\]]+)\]\s*(?:#.*)?$", s)
        if header:
            table = tuple(p.strip().strip("\"'") for p in header.group(1).split("."))
            out.setdefault(table, no)
            continue
        key = re.match(r"^([A-Za-z0-9_\-\"'.]+)\s*=", s)
        if key:
            parts = tuple(p.strip().strip("\"'") for p in key.group(1).split("."))
            for i in range(1, len(parts) + 1):
                out.setdefault(table + parts[:i], no)
    return out


def _to_line_dicts(obj: Any, path: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> Any:
    if not isinstance(obj, dict):
        return obj
    out = LineDict()
    out.line = lines.get(path, 1)
    out.key_lines = {}
    for key, value in obj.items():
        out[key] = _to_line_dicts(value, (*path, key), lines)
        out.key_lines[key] = lines.get((*path, key), out.line)
    return out


def _load_toml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=path, hint="save the file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+)", str(exc))
        raise ConfigError(
            f"invalid TOML: {str(exc).split(' (at')[0]}",
            path=path,
            line=int(m.group(1)) if m else None,
        ) from None
    return _to_line_dicts(data, (), _toml_key_lines(text))


class _Checker:
    """Validation helpers that raise :class:`ConfigError` at the right file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, line: int | None, hint: str | None = None) -> ConfigError:
        return ConfigError(message, path=self.path, line=line, hint=hint)

    def table(self, parent: LineDict, key: str, *, required: bool = True) -> LineDict | None:
        value = parent.get(key)
        if value is None:
            if required:
                raise self.fail(
                    f"missing '{key}'", parent.line, f"add a '{key}:' section (see the docs)"
                )
            return None
        if not isinstance(value, LineDict):
            raise self.fail(f"'{key}' must be a mapping of keys", parent.line_of(key))
        return value

    def keys(self, table: LineDict, allowed: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{near[0]}'?" if near else f"one of: {', '.join(allowed)}"
                raise self.fail(f"unknown key '{key}' in {where}", table.line_of(key), hint)

    def text(self, table: LineDict, key: str, *, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                raise self.fail(f"missing '{key}'", table.line, None)
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be a non-empty string", table.line_of(key))
        return value

    def texts(self, table: LineDict, key: str) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"'{key}' must be a list of strings", table.line_of(key))
        return tuple(value)


def load_mapping(path: Path) -> CustomMapping:
    """Load and validate a mapping file (``.toml`` as TOML, anything else as YAML).

    >>> load_mapping(Path("missing.yaml"))
    Traceback (most recent call last):
    ...
    shadowscan.errors.ConfigError: missing.yaml: cannot read file: No such file or directory
    """
    doc = _load_toml(path) if path.suffix.lower() == ".toml" else load_yaml(path, error=ConfigError)
    c = _Checker(path)
    if not isinstance(doc, LineDict):
        raise c.fail("a mapping file must be a mapping of keys (source, input, ...)", 1)
    c.keys(doc, _TOP_KEYS, "the mapping")
    source = c.text(doc, "source", required=True)
    if source not in SOURCES:
        raise c.fail(f"unknown source '{source}'", doc.line_of("source"), f"one of: {SOURCES}")

    inp = c.table(doc, "input")
    assert inp is not None
    c.keys(inp, _INPUT_KEYS, "input")
    kind = c.text(inp, "kind", required=True)
    if kind not in KINDS:
        raise c.fail(f"unknown input kind '{kind}'", inp.line_of("kind"), f"one of: {KINDS}")
    if kind == "jsonl":
        for key in ("delimiter", "header", "columns"):
            if key in inp:
                raise c.fail(f"'{key}' does not apply to jsonl input", inp.line_of(key))
    if kind == "tsv" and "delimiter" in inp:
        raise c.fail("'delimiter' does not apply to tsv input (tab)", inp.line_of("delimiter"))
    delimiter = c.text(inp, "delimiter") or ("\t" if kind == "tsv" else ",")
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise c.fail("'delimiter' must be one character", inp.line_of("delimiter"))
    header = inp.get("header", kind != "jsonl")
    if not isinstance(header, bool):
        raise c.fail("'header' must be true or false", inp.line_of("header"))
    columns = c.texts(inp, "columns")
    if kind != "jsonl" and header and columns:
        raise c.fail("'columns' is only for files without a header", inp.line_of("columns"), None)
    if kind != "jsonl" and not header and not columns:
        raise c.fail(
            "a file without a header needs 'columns'",
            inp.line_of("header"),
            "list the column names in order",
        )

    ts = c.table(doc, "timestamp")
    assert ts is not None
    c.keys(ts, _TS_KEYS, "timestamp")
    ts_field = c.text(ts, "field", required=True)
    assert ts_field is not None
    ts_format = c.text(ts, "format")
    ts_epoch = c.text(ts, "epoch")
    if (ts_format is None) == (ts_epoch is None):
        raise c.fail(
            "timestamp needs exactly one of 'format' and 'epoch'",
            doc.line_of("timestamp"),
            "format: a strftime pattern or iso8601; epoch: s, ms, us or ns",
        )
    if ts_epoch is not None and ts_epoch not in EPOCH_UNITS:
        raise c.fail(
            f"unknown epoch unit '{ts_epoch}'", ts.line_of("epoch"), "one of: s, ms, us, ns"
        )
    if ts_format is not None and ts_format != "iso8601" and "%" not in ts_format:
        raise c.fail(
            f"'format' is not a strftime pattern: '{ts_format}'",
            ts.line_of("format"),
            "e.g. '%Y-%m-%d %H:%M:%S', or iso8601",
        )
    timezone = c.text(ts, "timezone")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise c.fail(
                f"unknown time zone '{timezone}'", ts.line_of("timezone"), "e.g. UTC, Europe/Paris"
            ) from None

    fields = c.table(doc, "fields")
    assert fields is not None
    c.keys(fields, EVENT_FIELDS, "fields (event fields)")
    mapped = {name: c.text(fields, name, required=True) or "" for name in fields}
    if not {"host", "url", "app"} & mapped.keys():
        raise c.fail(
            "fields map none of host, url, app: nothing to match on", doc.line_of("fields")
        )
    actions = c.table(doc, "actions", required=False)
    allowed: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()
    if actions is not None:
        c.keys(actions, _ACTION_KEYS, "actions")
        if "action" not in mapped:
            raise c.fail(
                "'actions' needs fields.action (the column to read)", doc.line_of("actions")
            )
        allowed, blocked = c.texts(actions, "allowed"), c.texts(actions, "blocked")
    return CustomMapping(
        path=path,
        source=source,
        kind=kind,
        delimiter=delimiter,
        header=bool(header) and kind != "jsonl",
        columns=columns,
        ts_field=ts_field,
        ts_format=ts_format,
        ts_epoch=ts_epoch,
        ts_timezone=timezone,
        fields=mapped,
        allowed=allowed,
        blocked=blocked,
        lines={name: fields.line_of(name) for name in fields} | {"timestamp": ts.line_of("field")},
    )


# Parsing -------------------------------------------------------------------------------


def _json_path(name: str) -> str:
    """``a.b`` -> ``$.a.b``; a path already starting with ``$`` is kept."""
    return name if name.startswith("$") else "$." + name


class CustomParser(LogParser):
    """Any CSV/TSV/JSON-lines export, read through a mapping file (``--mapping``)."""

    name = "custom"
    source = "proxy"  # the mapping's ``source`` replaces it on every event
    description = "Custom mapping of a CSV/TSV/JSONL export (--format custom --mapping FILE)"
    fields: ClassVar[tuple[str, ...]] = (
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
    local_time = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.mapping is None:
            raise InputError(
                "--format custom needs a mapping file",
                path=self.source_file,
                hint="add --mapping FILE (see docs/formats-firewall-dns.md)",
            )
        self.spec = load_mapping(self.mapping)
        self.header_line: str | None = None
        self.columns: list[str] = list(self.spec.columns)
        if self.spec.header:
            if not self.head:
                raise InputError("empty file: no header line", path=self.source_file)
            self.header_line = self.head[0]
            row = next(csv.reader([self.header_line], delimiter=self.spec.delimiter), [])
            self.columns = [c.strip() for c in row]
        if self.spec.kind != "jsonl":
            wanted = {"timestamp": self.spec.ts_field, **self.spec.fields}
            for event_field, column in wanted.items():
                if column not in self.columns:
                    line = self.spec.line_of(event_field)
                    where = f"{self.spec.path}:{line}" if line else str(self.spec.path)
                    raise InputError(
                        f"column '{column}' (mapped at {where}) is not in the file",
                        path=self.source_file,
                        hint=f"columns: {', '.join(self.columns)}",
                    )

    @classmethod
    def detect(cls, head: list[str]) -> float:
        """Never auto-detected: a mapping is always chosen with ``--format custom``."""
        return 0.0

    def parse(self, lines: pl.DataFrame) -> ParseResult:
        """Parse as any format, then stamp the mapping's ``source`` on the events."""
        result = super().parse(lines)
        events = result.events.with_columns(pl.lit(self.spec.source).alias("source"))
        return ParseResult(
            events=events,
            rejects=result.rejects,
            skipped=result.skipped,
            hosts=result.hosts,
            host_codes=result.host_codes,
        )

    def _values(self) -> tuple[dict[str, pl.Expr], pl.Expr, list[tuple[pl.Expr, str]]]:
        """One expression per mapped name, the timestamp text, and shape checks."""
        raw = pl.col("raw")
        names = {self.spec.ts_field, *self.spec.fields.values()}
        if self.spec.kind == "jsonl":
            values = {n: raw.str.json_path_match(_json_path(n)) for n in names}
            ts_text = values[self.spec.ts_field]
            checks = [
                not_an_object(),
                (ts_text.is_null(), f"no '{self.spec.ts_field}' (or invalid JSON)"),
            ]
            return values, ts_text, checks
        if self.spec.kind == "tsv":
            parts = raw.str.split("\t")
        else:
            parts = split_delimited(raw, self.spec.delimiter)
        values = {n: parts.list.get(self.columns.index(n), null_on_oob=True) for n in names}
        n = len(self.columns)
        checks = [(parts.list.len() != n, f"expected {n} columns")]
        return values, values[self.spec.ts_field], checks

    def _timestamp(self, text: pl.Expr) -> pl.Expr:
        spec = self.spec
        tz = spec.ts_timezone or self.tz
        text = text.str.strip_chars()
        if spec.ts_epoch is not None:
            scale = EPOCH_UNITS[spec.ts_epoch]
            micros = (text.cast(pl.Float64, strict=False) * (1_000_000 / scale)).round(0)
            return micros.cast(pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        if spec.ts_format == "iso8601":
            norm = text.str.replace(r"Z$", "+0000").str.replace(r"([+-]\d{2}):(\d{2})$", "$1$2")
            aware = [norm.str.strptime(UTC_TS, f, strict=False) for f in _ISO_FORMATS]
            naive = [text.str.strptime(pl.Datetime("us"), f, strict=False) for f in _ISO_NAIVE]
            has_offset = norm.str.contains(r"[+-]\d{4}$")
            return (
                pl.when(has_offset)
                .then(pl.coalesce(*aware))
                .otherwise(zoned_to_utc(pl.coalesce(*naive), tz))
            )
        assert spec.ts_format is not None
        if "%z" in spec.ts_format or "%:z" in spec.ts_format:
            return text.str.strptime(UTC_TS, spec.ts_format, strict=False)
        local = text.str.strptime(pl.Datetime("us"), spec.ts_format, strict=False)
        return zoned_to_utc(local, tz)

    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Pick the mapped columns or JSON paths, then type and normalise them."""
        spec = self.spec
        values, ts_text, checks = self._values()

        def get(event_field: str) -> pl.Expr:
            column = spec.fields.get(event_field)
            if column is None:
                return pl.lit(None, dtype=pl.String)
            return null_if(values[column].str.strip_chars(), "", "-")

        ts = self._timestamp(ts_text)
        url_host, url_path = split_url(get("url"))
        host = pl.coalesce(get("host"), url_host)
        path = pl.coalesce(get("url_path").str.extract(r"^([^?#]*)", 1), url_path)
        if spec.allowed or spec.blocked:
            action = map_action(get("action"), allowed=spec.allowed, blocked=spec.blocked)
        else:
            action = map_action(get("action"), allowed=("allowed",), blocked=("blocked",))
        numbers = {name: get(name).cast(dtype, strict=False) for name, dtype in INT_FIELDS.items()}
        bad_numbers = [
            (get(name).is_not_null() & numbers[name].is_null(), f"bad {name} value")
            for name in INT_FIELDS
            if name in spec.fields
        ]
        skip = pl.lit(False)
        if self.header_line is not None:
            skip = pl.col("raw") == self.header_line
        return lines.select(
            "line_no",
            "raw",
            ts.alias("ts"),
            normalize_user(get("user")).alias("user"),
            get("src_ip").alias("src_ip"),
            host.alias("host"),
            path.alias("url_path"),
            get("method").str.to_uppercase().alias("method"),
            numbers["http_status"].alias("http_status"),
            action.alias("action"),
            numbers["bytes_out"].alias("bytes_out"),
            numbers["bytes_in"].alias("bytes_in"),
            get("user_agent").alias("user_agent"),
            get("app").alias("app"),
            skip.alias(SKIP),
            first_reason(
                *checks,
                (ts.is_null(), f"bad or missing timestamp '{spec.ts_field}'"),
                *bad_numbers,
                (host.is_null() & get("app").is_null(), "no host, url or app"),
            ).alias(REASON),
        )


PARSERS = (CustomParser,)
