"""Directory, aliases, subnets and the department precedence."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from helpers import matches, ts

from shadowscan.errors import ConfigError
from shadowscan.identity import Directory, Subnets, attribute
from shadowscan.leases import Leases

DIRECTORY = """user,department,email,aliases
alice,Legal,alice.martin@corp.example,CORP\\alice;amartin
bob,Engineering,bob@corp.example,
carol,Finance,carol@corp.example,cc
"""


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    path = tmp_path / "users.csv"
    path.write_text(DIRECTORY, encoding="utf-8")
    return Directory.load(path)


def _resolve(directory: Directory, names: list[str]) -> dict[str, str | None]:
    out = directory.resolve(pl.Series(names))
    return dict(zip(out["user"].to_list(), out["person"].to_list(), strict=True))


def test_every_identity_form_resolves_to_one_person(directory: Directory) -> None:
    """CORP\\alice, alice.martin@corp.example, ALICE, amartin and alice.martin are alice."""
    forms = ["CORP\\alice", "alice.martin@corp.example", "ALICE", "amartin", "OTHER\\Alice"]
    assert set(_resolve(directory, forms).values()) == {"alice"}


def test_email_local_part_resolves_when_unambiguous(directory: Directory) -> None:
    """bob@other.example resolves to bob by the local part of his email."""
    assert _resolve(directory, ["bob@other.example"]) == {"bob@other.example": "bob"}


def test_unknown_user_resolves_to_none(directory: Directory) -> None:
    """A name nobody has is left unresolved."""
    assert _resolve(directory, ["mallory"]) == {"mallory": None}


def test_ambiguous_alias_is_an_error_naming_both_rows(tmp_path: Path) -> None:
    """An alias shared by two people names both rows."""
    path = tmp_path / "users.csv"
    path.write_text("user,department,aliases\nalice,Legal,ace\nadam,HR,ace\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"'ace' names two people: 'alice' \(line 2\) and 'adam' \(line 3\)"
    ):
        Directory.load(path)


def test_directory_without_department_column_is_an_error(tmp_path: Path) -> None:
    """A directory must have user and department columns."""
    path = tmp_path / "users.csv"
    path.write_text("user,email\nalice,a@x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="lacks column"):
        Directory.load(path)


def test_directory_from_parquet(tmp_path: Path) -> None:
    """A Parquet directory works like a CSV one."""
    path = tmp_path / "users.parquet"
    pl.DataFrame({"user": ["dave"], "department": ["Sales"]}).write_parquet(path)
    assert _resolve(Directory.load(path), ["CORP\\dave"]) == {"CORP\\dave": "dave"}


def test_subnets_longest_prefix_wins(tmp_path: Path) -> None:
    """10.40.5.7 is Engineering (/24) though 10.40.0.0/16 says Lyon with no department."""
    path = tmp_path / "subnets.csv"
    path.write_text(
        "cidr,department,site\n10.40.0.0/16,,Lyon\n10.40.5.0/24,Engineering,Lyon\n"
        "10.20.1.0/24,Legal,HQ\n2001:db8::/32,Research,Lab\n",
        encoding="utf-8",
    )
    got = Subnets.load(path).lookup(
        pl.Series(["10.40.5.7", "10.40.9.9", "10.99.0.1", "2001:db8::5"])
    )
    rows = {r["src_ip"]: (r["subnet_department"], r["site"]) for r in got.iter_rows(named=True)}
    assert rows == {
        "10.40.5.7": ("Engineering", "Lyon"),
        "10.40.9.9": (None, "Lyon"),
        "10.99.0.1": (None, None),
        "2001:db8::5": ("Research", "Lab"),
    }


def test_bad_cidr_is_an_error_with_line(tmp_path: Path) -> None:
    """A CIDR that does not parse names its line."""
    path = tmp_path / "subnets.csv"
    path.write_text("cidr,department\n10.0.0.0/8,IT\n10.0.0.300/24,HR\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"subnets.csv:3: '10.0.0.300/24' is not a CIDR"):
        Subnets.load(path)


def test_department_precedence(tmp_path: Path, directory: Directory) -> None:
    """Directory beats subnet; subnet beats Unattributed."""
    path = tmp_path / "subnets.csv"
    path.write_text("cidr,department\n10.0.0.0/8,Marketing\n", encoding="utf-8")
    subnets = Subnets.load(path)
    m = matches(
        [
            {"user": "CORP\\alice", "src_ip": "10.1.1.1"},
            {"user": "mallory", "src_ip": "10.1.1.2"},
            {"user": None, "src_ip": "192.168.1.1"},
        ]
    )
    out = attribute(m.drop("department", "department_source", "person", "site"), directory, subnets)
    assert out["department"].to_list() == ["Legal", "Marketing", "Unattributed"]
    assert out["department_source"].to_list() == ["directory", "subnet", "none"]
    assert out["person"].to_list() == ["alice", None, None]


def test_upn_resolves_case_insensitively(directory: Directory) -> None:
    """A UPN in capitals (ALICE.MARTIN@CORP.EXAMPLE) is alice."""
    assert _resolve(directory, ["ALICE.MARTIN@CORP.EXAMPLE"]) == {
        "ALICE.MARTIN@CORP.EXAMPLE": "alice"
    }


def test_domain_backslash_email_form_resolves(directory: Directory) -> None:
    """CORP\\carol@corp.example (domain and UPN together) is carol."""
    assert _resolve(directory, ["CORP\\carol@corp.example"]) == {
        "CORP\\carol@corp.example": "carol"
    }


def test_ambiguous_email_local_part_resolves_to_nobody(tmp_path: Path) -> None:
    """sam@a.example and sam@b.example are two people: a bare 'sam' is left unresolved."""
    path = tmp_path / "users.csv"
    path.write_text(
        "user,department,email\nsam1,HR,sam@a.example\nsam2,IT,sam@b.example\n", encoding="utf-8"
    )
    got = _resolve(Directory.load(path), ["sam", "sam@a.example"])
    assert got == {"sam": None, "sam@a.example": "sam1"}


def test_mac_owned_by_two_people_is_an_error(tmp_path: Path) -> None:
    """A hardware address listed for two people names both rows."""
    path = tmp_path / "users.csv"
    path.write_text(
        "user,department,mac\nalice,Legal,00:11:22:33:44:55\nadam,HR,00-11-22-33-44-55\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"MAC '00:11:22:33:44:55' names two people: 'alice' \(line 2\) and 'adam' \(line 3\)",
    ):
        Directory.load(path)


def test_lease_route_sits_between_directory_and_subnet(
    tmp_path: Path, directory: Directory
) -> None:
    """An event with no user on a leased IP takes the lease user's department, not the subnet."""
    subnets_path = tmp_path / "subnets.csv"
    subnets_path.write_text("cidr,department\n10.0.0.0/8,Marketing\n", encoding="utf-8")
    leases_path = tmp_path / "leases.csv"
    leases_path.write_text(
        "ip,user,start,end\n10.1.1.2,CORP\\carol,2026-11-26T00:00:00Z,2026-11-27T00:00:00Z\n",
        encoding="utf-8",
    )
    m = matches(
        [
            {"user": None, "src_ip": "10.1.1.2", "ts": ts("2026-11-26 09:00")},
            {"user": None, "src_ip": "10.1.1.3", "ts": ts("2026-11-26 09:00")},
        ]
    )
    out = attribute(
        m.drop("department", "person"),
        directory,
        Subnets.load(subnets_path),
        Leases.load([leases_path]),
    )
    assert out.select("department", "department_source", "person").rows() == [
        ("Finance", "lease", "carol"),
        ("Marketing", "subnet", None),
    ]
