"""Who and which department: the directory (user -> department), aliases, leases, subnets.

Department precedence (SPEC): the directory, by the event's user > the user of the lease
valid at the event time (see ``shadowscan.leases``), then that user's directory department >
the subnet of the source IP > ``Unattributed``.
Every logged identity form resolves to one person: ``CORP\\alice``, ``alice@corp.example``,
``ALICE@CORP.EXAMPLE`` (a UPN), ``Alice``, an alias, and the local part of an email when only
one person has it. Resolution is a join on distinct keys, never a loop over events.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from shadowscan.errors import ConfigError
from shadowscan.leases import Leases, as_of_join, normalize_mac
from shadowscan.schema import UNATTRIBUTED

DIRECTORY_OPTIONAL = (
    "email",
    "aliases",
    "display_name",
    "title",
    "manager",
    "cost_center",
    "mac",  # ;-separated hardware addresses, to resolve DHCP leases that name only a MAC
)


def _read_table(path: Path, what: str) -> pl.DataFrame:
    if not path.is_file():
        raise ConfigError(f"{what} file not found", path=path)
    try:
        if path.suffix.lower() == ".parquet":
            df = pl.read_parquet(path)
            return df.select(pl.all().cast(pl.String))
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"cannot read {what}: {first}", path=path) from None


def identity_keys(user: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The forms a logged name is looked up under: as is, without ``DOMAIN\\``, local part."""
    k1 = user.str.strip_chars().str.to_lowercase()
    k2 = k1.str.replace(r"^[^\\]*\\", "")
    k3 = k2.str.replace(r"@.*$", "")
    return k1, k2, k3


@dataclass(frozen=True)
class Directory:
    """People and their departments, with every key a log may name them by."""

    people: pl.DataFrame  # user, department, + optional columns
    keys: pl.DataFrame  # key (lower case), user

    @classmethod
    def load(cls, path: Path) -> Directory:
        """Read a CSV or Parquet directory; ambiguous aliases are errors naming both rows."""
        df = _read_table(path, "directory")
        missing = [c for c in ("user", "department") if c not in df.columns]
        if missing:
            raise ConfigError(
                f"directory lacks column(s) {', '.join(missing)}",
                path=path,
                hint="the directory needs columns user,department (email, aliases optional)",
            )
        for col in DIRECTORY_OPTIONAL:
            if col not in df.columns:
                df = df.with_columns(pl.lit(None, dtype=pl.String).alias(col))
        df = df.with_columns(
            pl.col("user").str.strip_chars(),
            pl.col("department").str.strip_chars(),
            (pl.int_range(pl.len()) + 2).alias("_row"),  # CSV line, header is line 1
        )
        blank = df.filter(pl.col("user").fill_null("") == "")
        if blank.height:
            raise ConfigError("empty user", path=path, line=int(blank["_row"][0]))
        explicit = pl.concat(
            [
                df.select(pl.col("user").alias("key"), "user", "_row"),
                df.select(pl.col("email").alias("key"), "user", "_row"),
                df.select(pl.col("aliases").str.split(";").alias("key"), "user", "_row").explode(
                    "key"
                ),
            ]
        )
        explicit = explicit.with_columns(pl.col("key").str.strip_chars().str.to_lowercase()).filter(
            pl.col("key").fill_null("") != ""
        )
        explicit = explicit.with_columns(identity_keys(pl.col("key"))[1].alias("key")).unique(
            ["key", "user"], keep="first", maintain_order=True
        )
        clash = explicit.filter(pl.col("key").is_duplicated()).sort("key", "_row")
        if clash.height:
            key = clash["key"][0]
            rows = clash.filter(pl.col("key") == key)
            a, b = rows.row(0, named=True), rows.row(1, named=True)
            raise ConfigError(
                f"identity '{key}' names two people: '{a['user']}' (line {a['_row']}) and "
                f"'{b['user']}' (line {b['_row']})",
                path=path,
                line=int(b["_row"]),
                hint="make user, email and aliases unique per person",
            )
        # The local part of an email is a key only where it names one person.
        derived = (
            df.select(
                pl.col("email").str.to_lowercase().str.replace(r"@.*$", "").alias("key"), "user"
            )
            .drop_nulls()
            .filter(~pl.col("key").is_in(explicit["key"].implode()))
            .filter(~pl.col("key").is_duplicated())
        )
        keys = pl.concat([explicit.select("key", "user"), derived]).unique("key", keep="first")
        if df["user"].is_duplicated().any():
            dup = df.filter(pl.col("user").is_duplicated())
            raise ConfigError(
                f"user '{dup['user'][0]}' appears twice", path=path, line=int(dup["_row"][1])
            )
        _check_macs(df, path)
        return cls(people=df.drop("_row"), keys=keys.sort("key"))

    def macs(self) -> pl.DataFrame:
        """``mac`` (normalised) -> ``person``, from the optional ``mac`` column."""
        return (
            self.people.select(pl.col("mac").str.split(";").alias("mac"), pl.col("user"))
            .explode("mac")
            .select(normalize_mac(pl.col("mac")).alias("mac"), pl.col("user").alias("person"))
            .filter(pl.col("mac").fill_null("") != "")
            .unique("mac", keep="first")
        )

    def resolve(self, users: pl.Series) -> pl.DataFrame:
        """Map distinct logged names to ``person`` and ``department`` (null when unknown)."""
        frame = pl.DataFrame({"user": users}).unique()
        k1, k2, k3 = identity_keys(pl.col("user"))
        frame = frame.with_columns(k1.alias("_k1"), k2.alias("_k2"), k3.alias("_k3"))
        for i in (1, 2, 3):
            frame = frame.join(
                self.keys.rename({"key": f"_k{i}", "user": f"_p{i}"}),
                on=f"_k{i}",
                how="left",
            )
        frame = frame.with_columns(pl.coalesce("_p1", "_p2", "_p3").alias("person"))
        return frame.join(
            self.people.select(pl.col("user").alias("person"), "department"),
            on="person",
            how="left",
        ).select("user", "person", "department")


def _check_macs(df: pl.DataFrame, path: Path) -> None:
    macs = (
        df.select(pl.col("mac").str.split(";").alias("mac"), "user", "_row")
        .explode("mac")
        .with_columns(normalize_mac(pl.col("mac")).alias("mac"))
        .filter(pl.col("mac").fill_null("") != "")
        .unique(["mac", "user"], keep="first", maintain_order=True)
    )
    clash = macs.filter(pl.col("mac").is_duplicated()).sort("mac", "_row")
    if clash.height:
        a, b = clash.row(0, named=True), clash.row(1, named=True)
        raise ConfigError(
            f"MAC '{a['mac']}' names two people: '{a['user']}' (line {a['_row']}) and "
            f"'{b['user']}' (line {b['_row']})",
            path=path,
            line=int(b["_row"]),
            hint="a hardware address belongs to one person",
        )


@dataclass(frozen=True)
class Subnets:
    """CIDR -> department and/or site; the longest prefix wins."""

    by_prefix: dict[tuple[int, int], dict[int, tuple[str | None, str | None]]]

    @classmethod
    def load(cls, path: Path) -> Subnets:
        """Read ``cidr,department,site`` (department or site may be empty)."""
        df = _read_table(path, "subnets")
        if "cidr" not in df.columns or not ({"department", "site"} & set(df.columns)):
            raise ConfigError(
                "subnets file needs a cidr column and a department and/or site column",
                path=path,
            )
        table: dict[tuple[int, int], dict[int, tuple[str | None, str | None]]] = {}
        for i, row in enumerate(df.iter_rows(named=True), start=2):
            try:
                net = ipaddress.ip_network(str(row["cidr"]).strip(), strict=False)
            except ValueError:
                raise ConfigError(
                    f"'{row['cidr']}' is not a CIDR network", path=path, line=i
                ) from None
            dept = (row.get("department") or "").strip() or None
            site = (row.get("site") or "").strip() or None
            key = (net.version, net.prefixlen)
            table.setdefault(key, {})[int(net.network_address)] = (dept, site)
        return cls(table)

    def lookup(self, ips: pl.Series) -> pl.DataFrame:
        """Map distinct IPs to ``subnet_department`` and ``site`` (longest prefix each)."""
        rows = []
        order = sorted(self.by_prefix, key=lambda k: -k[1])
        for ip in ips.drop_nulls().unique().to_list():
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                continue
            dept = site = None
            width = 32 if addr.version == 4 else 128
            for version, plen in order:
                if version != addr.version:
                    continue
                net = int(addr) >> (width - plen) << (width - plen)
                hit = self.by_prefix[(version, plen)].get(net)
                if hit is None:
                    continue
                dept = dept or hit[0]
                site = site or hit[1]
                if dept and site:
                    break
            rows.append((ip, dept, site))
        return pl.DataFrame(
            rows,
            schema={"src_ip": pl.String, "subnet_department": pl.String, "site": pl.String},
            orient="row",
        )


def attribute(
    matches: pl.DataFrame,
    directory: Directory | None,
    subnets: Subnets | None,
    leases: Leases | None = None,
) -> pl.DataFrame:
    """Add ``person``, ``department``, ``department_source``, ``site``, ``lease_user``.

    ``department_source`` names the route: ``directory`` (the event's own user), ``lease``
    (the user of the DHCP/VPN lease valid at the event time, and that user's department),
    ``subnet`` or ``none``. ``person`` is the event's user in the directory, else (for events
    that log no user) the lease's user.
    """
    out = matches.with_row_index("_row")
    if directory is not None:
        resolved = directory.resolve(matches["user"].drop_nulls())
        out = out.join(
            resolved.rename({"department": "_dir_dept"}),
            on="user",
            how="left",
            maintain_order="left",
        )
    else:
        out = out.with_columns(
            pl.lit(None, dtype=pl.String).alias("person"),
            pl.lit(None, dtype=pl.String).alias("_dir_dept"),
        )
    out = out.with_columns(*_lease_columns(out, directory, leases))
    if subnets is not None:
        out = out.join(
            subnets.lookup(matches["src_ip"]), on="src_ip", how="left", maintain_order="left"
        )
    else:
        out = out.with_columns(
            pl.lit(None, dtype=pl.String).alias("subnet_department"),
            pl.lit(None, dtype=pl.String).alias("site"),
        )
    return out.with_columns(
        pl.coalesce("_dir_dept", "_lease_dept", "subnet_department", pl.lit(UNATTRIBUTED)).alias(
            "department"
        ),
        pl.when(pl.col("_dir_dept").is_not_null())
        .then(pl.lit("directory"))
        .when(pl.col("_lease_dept").is_not_null())
        .then(pl.lit("lease"))
        .when(pl.col("subnet_department").is_not_null())
        .then(pl.lit("subnet"))
        .otherwise(pl.lit("none"))
        .alias("department_source"),
        pl.when(pl.col("user").is_null())
        .then(pl.coalesce("person", "_lease_person", "lease_user"))
        .otherwise(pl.col("person"))
        .alias("person"),
    ).drop("_row", "_dir_dept", "_lease_dept", "_lease_person", "subnet_department")


def _lease_columns(
    out: pl.DataFrame, directory: Directory | None, leases: Leases | None
) -> list[pl.Series]:
    """``lease_user``, ``_lease_person`` and ``_lease_dept`` aligned with ``out``'s rows."""
    n = out.height
    if leases is None or leases.records.is_empty():
        return [pl.Series(name, [None] * n, dtype=pl.String) for name in _LEASE_COLS]
    macs = (
        directory.macs()
        if directory is not None
        else pl.DataFrame(schema={"mac": pl.String, "person": pl.String})
    )
    hit = as_of_join(out, leases.with_people(macs))
    frame = out.select("_row").join(hit, on="_row", how="left", maintain_order="left")
    if directory is not None:
        who = directory.resolve(frame["lease_user"].drop_nulls()).rename(
            {"user": "lease_user", "person": "_lease_person", "department": "_lease_dept"}
        )
        frame = frame.join(who, on="lease_user", how="left", maintain_order="left")
    else:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.String).alias("_lease_person"),
            pl.lit(None, dtype=pl.String).alias("_lease_dept"),
        )
    return [frame[name] for name in _LEASE_COLS]


_LEASE_COLS = ("lease_user", "_lease_person", "_lease_dept")
