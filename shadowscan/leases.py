"""IP -> user over time: DHCP leases and VPN sessions, joined as of the event time.

Two inputs, told apart by their content:

* ISC ``dhcpd.leases`` (``lease IP { starts ...; ends ...; hardware ethernet MAC; }``):
  the MAC is resolved to a person through the directory's optional ``mac`` column.
* A CSV with columns ``ip``, ``start``, ``end`` and one of ``user_or_mac``, ``user`` or
  ``mac``: a DHCP export (``ip,user_or_mac,start,end``) and a VPN session export
  (``user,ip,start,end``) are both this shape. Times are ISO 8601 (``2026-11-26T08:00:00Z``,
  an offset, or naive = UTC); an empty ``end`` is a lease still open.

A lease is valid on ``[start, end)``: an event at ``end`` or later no longer takes it. An event
takes the lease of its source IP that started last at or before its timestamp, and only if
that lease is still valid: a vectorised as-of join, never a lease from another time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from shadowscan.errors import ConfigError
from shadowscan.schema import UTC_TS

LEASE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "ip": pl.String(),
    "user": pl.String(),
    "mac": pl.String(),
    "start": UTC_TS,
    "end": UTC_TS,
    "origin": pl.String(),  # file:line of the record
}
_MAC: Final = r"^(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}$"
_FOREVER: Final = datetime(9999, 12, 31, tzinfo=UTC)
_BLOCK = re.compile(r"^\s*lease\s+(\S+)\s*\{(.*?)^\s*\}", re.S | re.M)
_FIELD = re.compile(
    r"^\s*(starts|ends)\s+(?:\d\s+(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)|epoch\s+(\d+)|(never))\s*;"
    r"|^\s*hardware\s+ethernet\s+([0-9A-Fa-f:]+)\s*;",
    re.M,
)


def normalize_mac(mac: pl.Expr) -> pl.Expr:
    """Lower case, ``:``-separated: ``00-1A-2B-3C-4D-5E`` -> ``00:1a:2b:3c:4d:5e``."""
    return mac.str.strip_chars().str.to_lowercase().str.replace_all("-", ":")


def _parse_ts(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars()
    text = text.str.replace(" ", "T").str.replace(r"[Zz]$", "+00:00")
    text = pl.when(text.str.contains(r"[+-]\d\d:?\d\d$")).then(text).otherwise(text + "+00:00")
    return text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_zone="UTC")


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"cannot read leases: {first}", path=path) from None
    df = df.rename({c: c.strip().lower() for c in df.columns})
    who = [c for c in ("user_or_mac", "user", "mac") if c in df.columns]
    missing = [c for c in ("ip", "start", "end") if c not in df.columns]
    if missing or not who:
        raise ConfigError(
            f"lease CSV lacks column(s) {', '.join(missing or ['user_or_mac'])}",
            path=path,
            line=1,
            hint="columns: ip,user_or_mac,start,end (DHCP) or user,ip,start,end (VPN)",
        )
    df = df.with_columns((pl.int_range(pl.len()) + 2).alias("_line"))
    if "user_or_mac" in df.columns:
        v = pl.col("user_or_mac").str.strip_chars()
        is_mac = v.str.to_lowercase().str.contains(_MAC)
        user = pl.when(is_mac).then(None).otherwise(v)
        mac = pl.when(is_mac).then(normalize_mac(v)).otherwise(None)
    else:
        user = pl.col("user").str.strip_chars() if "user" in df.columns else pl.lit(None)
        mac = normalize_mac(pl.col("mac")) if "mac" in df.columns else pl.lit(None)
    out = df.select(
        pl.col("ip").str.strip_chars().alias("ip"),
        user.cast(pl.String).replace("", None).alias("user"),
        mac.cast(pl.String).replace("", None).alias("mac"),
        _parse_ts("start").alias("start"),
        pl.when(pl.col("end").fill_null("").str.strip_chars() == "")
        .then(pl.lit(_FOREVER, dtype=UTC_TS))
        .otherwise(_parse_ts("end"))
        .alias("end"),
        pl.format("{}:{}", pl.lit(path.name), pl.col("_line")).alias("origin"),
        "_line",
        pl.col("start").alias("_start_raw"),
        pl.col("end").alias("_end_raw"),
    )
    bad = out.filter(
        pl.col("start").is_null()
        | pl.col("end").is_null()
        | pl.col("ip").fill_null("").eq("")
        | (pl.col("user").is_null() & pl.col("mac").is_null())
        | (pl.col("end") <= pl.col("start"))
    )
    if bad.height:
        row = bad.row(0, named=True)
        if not row["ip"]:
            why = "empty ip"
        elif row["user"] is None and row["mac"] is None:
            why = "no user or MAC"
        elif row["start"] is None or row["end"] is None:
            why = f"bad time '{row['_start_raw'] if row['start'] is None else row['_end_raw']}'"
        else:
            why = "end is not after start"
        raise ConfigError(
            why, path=path, line=int(row["_line"]), hint="times are ISO 8601, end after start"
        )
    return out.drop("_line", "_start_raw", "_end_raw")


def _read_dhcpd(path: Path, text: str) -> pl.DataFrame:
    rows: list[tuple[str, str | None, datetime, datetime, str]] = []
    for block in _BLOCK.finditer(text):
        line = text.count("\n", 0, block.start()) + 1
        starts = ends = None
        mac = None
        for f in _FIELD.finditer(block.group(2)):
            if f.group(5):
                mac = f.group(5).lower()
                continue
            if f.group(4):
                value = _FOREVER
            elif f.group(3):
                value = datetime.fromtimestamp(int(f.group(3)), tz=UTC)
            else:
                value = datetime.strptime(f.group(2), "%Y/%m/%d %H:%M:%S").replace(tzinfo=UTC)
            if f.group(1) == "starts":
                starts = value
            else:
                ends = value
        if starts is None:
            raise ConfigError(
                f"lease {block.group(1)} has no 'starts'", path=path, line=line, hint="ISC format"
            )
        if mac is None:  # a lease with no hardware address names nobody: nothing to join
            continue
        rows.append((block.group(1), mac, starts, ends or _FOREVER, f"{path.name}:{line}"))
    return pl.DataFrame(
        [(ip, None, mac, s, e, o) for ip, mac, s, e, o in rows],
        schema=LEASE_SCHEMA,
        orient="row",
    )


def _is_dhcpd(head: str) -> bool:
    return bool(re.search(r"^\s*lease\s+\S+\s*\{", head, re.M)) or "dhcpd.leases" in head


@dataclass(frozen=True)
class Leases:
    """Lease records ``ip, user|mac, start, end``, sorted by start, from one or more files."""

    records: pl.DataFrame
    files: tuple[str, ...] = ()

    @classmethod
    def load(cls, paths: list[Path]) -> Leases:
        """Read ISC dhcpd.leases files and lease/VPN CSVs (told apart by content)."""
        frames = []
        for path in paths:
            if not path.is_file():
                raise ConfigError("leases file not found", path=path)
            text = path.read_text(encoding="utf-8", errors="replace")
            if _is_dhcpd(text[:4096]):
                frames.append(_read_dhcpd(path, text))
            else:
                frames.append(_read_csv(path))
        records = pl.concat(frames) if frames else pl.DataFrame(schema=LEASE_SCHEMA)
        # dhcpd appends a new block each time a lease changes: the last one written wins
        records = records.unique(["ip", "start"], keep="last", maintain_order=True)
        return cls(records.sort("start", "ip"), tuple(str(p) for p in paths))

    def with_people(self, mac_people: pl.DataFrame) -> pl.DataFrame:
        """Records with ``lease_user``: the CSV's user, else the person owning the MAC.

        ``mac_people`` has columns ``mac`` and ``person`` (see ``Directory.macs``).
        """
        return (
            self.records.join(mac_people, on="mac", how="left")
            .with_columns(pl.coalesce("user", "person").alias("lease_user"))
            .select("ip", "start", "end", "lease_user", "origin")
            .sort("start")
        )


def as_of_join(events: pl.DataFrame, leases: pl.DataFrame) -> pl.DataFrame:
    """For each event (``_row``, ``src_ip``, ``ts``), the lease valid at ``ts``.

    Returns ``_row`` and ``lease_user`` (null when no lease of that IP covers ``ts``).

    >>> from datetime import datetime, UTC
    >>> t = lambda h, s=0: datetime(2026, 11, 26, h, 0, s, tzinfo=UTC)
    >>> ls = pl.DataFrame({"ip": ["10.0.0.5"] * 2, "start": [t(8), t(9, 1)],
    ...     "end": [t(9), t(18)], "lease_user": ["bob", "alice"]})
    >>> ev = pl.DataFrame({"_row": [0, 1, 2], "src_ip": ["10.0.0.5"] * 3,
    ...     "ts": [t(8, 30), t(9), t(9, 1)]})
    >>> as_of_join(ev, ls)["lease_user"].to_list()
    ['bob', None, 'alice']
    """
    left = events.select("_row", "src_ip", "ts").filter(
        pl.col("src_ip").is_not_null() & pl.col("ts").is_not_null()
    )
    if left.is_empty() or leases.is_empty():
        return pl.DataFrame(schema={"_row": pl.UInt32, "lease_user": pl.String})
    right = leases.select(
        pl.col("ip").alias("src_ip"),
        pl.col("start").cast(left.schema["ts"]),
        pl.col("end").cast(left.schema["ts"]),
        "lease_user",
    ).sort("start")
    joined = left.sort("ts").join_asof(
        right,
        left_on="ts",
        right_on="start",
        by="src_ip",
        strategy="backward",
        check_sortedness=False,  # both sides are sorted just above
    )
    return joined.select(
        pl.col("_row").cast(pl.UInt32),
        pl.when(pl.col("ts") < pl.col("end")).then(pl.col("lease_user")).alias("lease_user"),
    )
