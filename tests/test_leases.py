"""DHCP leases and VPN sessions: loading, the as-of join, and the lease route."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from helpers import matches, ts

from shadowscan.errors import ConfigError
from shadowscan.identity import Directory, Subnets, attribute
from shadowscan.leases import Leases

DIRECTORY = """user,department,email,mac
alice,Legal,alice@corp.example,00:11:22:33:44:55
bob,Finance,bob@corp.example,
"""
LEASES = """ip,user_or_mac,start,end
10.0.0.5,bob,2026-11-26T08:00:00Z,2026-11-26T09:00:00Z
10.0.0.5,alice,2026-11-26T09:00:00Z,2026-11-26T12:00:00Z
10.0.0.6,00-11-22-33-44-55,2026-11-26T08:00:00+01:00,2026-11-26T18:00:00+01:00
10.0.0.7,mallory,2026-11-26T08:00:00Z,
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    return Directory.load(_write(tmp_path, "users.csv", DIRECTORY))


@pytest.fixture()
def leases(tmp_path: Path) -> Leases:
    return Leases.load([_write(tmp_path, "leases.csv", LEASES)])


def _attribute(
    rows: list[dict[str, object]], directory: Directory | None, leases: Leases | None
) -> pl.DataFrame:
    m = matches(rows).drop("department", "department_source", "person", "site", "lease_user")
    return attribute(m, directory, None, leases)


def _at(text: str) -> object:
    """A UTC datetime with seconds, from ``YYYY-MM-DD HH:MM:SS``."""
    return ts(text[:16]).replace(second=int(text[17:19]))


def test_event_one_second_after_a_lease_ends_takes_the_next_lease(
    directory: Directory, leases: Leases
) -> None:
    """bob's lease ends at 09:00:00; at 08:59:59 it is bob, at 09:00:01 it is alice."""
    out = _attribute(
        [
            {"src_ip": "10.0.0.5", "ts": _at("2026-11-26 08:59:59")},
            {"src_ip": "10.0.0.5", "ts": _at("2026-11-26 09:00:01")},
        ],
        directory,
        leases,
    )
    assert out.select("lease_user", "person", "department", "department_source").rows() == [
        ("bob", "bob", "Finance", "lease"),
        ("alice", "alice", "Legal", "lease"),
    ]


def test_no_lease_from_another_time(directory: Directory, leases: Leases) -> None:
    """Before the first lease and after the last one ends, the IP names nobody."""
    out = _attribute(
        [
            {"src_ip": "10.0.0.5", "ts": _at("2026-11-26 07:59:59")},
            {"src_ip": "10.0.0.5", "ts": _at("2026-11-26 12:00:00")},
        ],
        directory,
        leases,
    )
    assert out["lease_user"].to_list() == [None, None]
    assert out["department"].to_list() == ["Unattributed", "Unattributed"]


def test_mac_lease_resolves_through_the_directory_mac_column(
    directory: Directory, leases: Leases
) -> None:
    """A lease naming 00-11-22-33-44-55 (08:00+01:00) is alice's, by her directory MAC."""
    out = _attribute([{"src_ip": "10.0.0.6", "ts": _at("2026-11-26 07:30:00")}], directory, leases)
    assert out.select("lease_user", "department").row(0) == ("alice", "Legal")


def test_open_lease_with_unknown_user_falls_back_to_the_subnet(
    tmp_path: Path, directory: Directory, leases: Leases
) -> None:
    """mallory (not in the directory) holds 10.0.0.7: the subnet decides, mallory is counted."""
    subnets = Subnets.load(_write(tmp_path, "subnets.csv", "cidr,department\n10.0.0.0/8,IT\n"))
    m = matches([{"src_ip": "10.0.0.7", "ts": _at("2027-01-01 00:00:00")}])
    out = attribute(m.drop("department", "person"), directory, subnets, leases)
    assert out.select("lease_user", "person", "department", "department_source").row(0) == (
        "mallory",
        "mallory",
        "IT",
        "subnet",
    )


def test_directory_by_event_user_beats_the_lease(directory: Directory, leases: Leases) -> None:
    """An event logged by alice from bob's leased IP is Legal, by the directory."""
    out = _attribute(
        [{"user": "alice", "src_ip": "10.0.0.5", "ts": _at("2026-11-26 08:30:00")}],
        directory,
        leases,
    )
    assert out.select("person", "department", "department_source").row(0) == (
        "alice",
        "Legal",
        "directory",
    )


def test_vpn_session_export(tmp_path: Path) -> None:
    """A VPN export user,ip,start,end (naive times are UTC) loads like a DHCP CSV."""
    path = _write(
        tmp_path, "vpn.csv", "user,ip,start,end\nCORP\\bob,10.8.0.2,2026-11-26 08:00:00,\n"
    )
    rec = Leases.load([path]).records
    assert rec.select("ip", "user", "start").row(0) == (
        "10.8.0.2",
        "CORP\\bob",
        ts("2026-11-26 08:00"),
    )
    assert rec["end"][0].year == 9999


def test_isc_dhcpd_leases(tmp_path: Path) -> None:
    """dhcpd.leases blocks give ip, MAC, starts and ends; the last block of a lease wins."""
    text = (
        "# The format of this file is documented in the dhcpd.leases(5) manual page.\n"
        "lease 10.0.0.9 {\n  starts 4 2026/11/26 08:00:00;\n  ends 4 2026/11/26 10:00:00;\n"
        "  hardware ethernet 00:11:22:33:44:55;\n}\n"
        "lease 10.0.0.9 {\n  starts 4 2026/11/26 08:00:00;\n  ends 4 2026/11/26 12:00:00;\n"
        "  hardware ethernet 00:11:22:33:44:55;\n}\n"
    )
    rec = Leases.load([_write(tmp_path, "dhcpd.leases", text)]).records
    assert rec.select("ip", "mac", "start", "end", "origin").rows() == [
        (
            "10.0.0.9",
            "00:11:22:33:44:55",
            ts("2026-11-26 08:00"),
            ts("2026-11-26 12:00"),
            "dhcpd.leases:7",
        )
    ]


def test_bad_time_is_an_error_with_line(tmp_path: Path) -> None:
    """A start that is not ISO 8601 names its line."""
    path = _write(tmp_path, "leases.csv", "ip,user,start,end\n10.0.0.1,a,yesterday,\n")
    with pytest.raises(ConfigError, match=r"leases.csv:2: bad time 'yesterday'"):
        Leases.load([path])


def test_lease_csv_without_ip_column_is_an_error(tmp_path: Path) -> None:
    """A CSV without the lease columns says which are needed."""
    path = _write(tmp_path, "leases.csv", "user,start,end\na,2026-11-26T08:00:00Z,\n")
    with pytest.raises(ConfigError, match=r"lease CSV lacks column\(s\) ip"):
        Leases.load([path])
