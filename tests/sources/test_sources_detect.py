"""shadowscan.detect.detect_format on the real samples' heads and on unrelated text."""

from __future__ import annotations

from pathlib import Path

import pytest

from shadowscan.detect import Detection, detect_format
from shadowscan.sources.reader import read_head


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("squid_native/test-access.log", "squid_native"),
        ("bind9_query/queries.log", "bind9"),
        ("bind9_query/bind9-logs.log", "bind9"),
        ("zeek_tsv/dns.log.gz", "zeek_dns_tsv"),
        ("zeek_json/dns.json.gz", "zeek_dns_json"),
    ],
)
def test_real_sample_detected(realdata: Path, relpath: str, expected: str) -> None:
    """Each real sample's head is detected as its format with full confidence."""
    assert detect_format(read_head(realdata / relpath)) == Detection(expected, 1.0)


def test_python_source_is_unknown() -> None:
    """Lines of a Python module match no format."""
    head = [
        "from __future__ import annotations",
        "import polars as pl",
        "def main() -> None:",
        "    print('client 127.0.0.1#53 query: example.com')",
        "if __name__ == '__main__':",
        "    main()",
    ]
    assert detect_format(head).format is None


def test_csv_of_numbers_is_unknown() -> None:
    """A CSV of numbers matches no format."""
    head = ["a,b,c", "1157689312,5006,19763", "1.5,2.25,3", "4,5,6"]
    assert detect_format(head) == Detection(None, 0.0)


def test_empty_head_is_unknown() -> None:
    """No lines at all: no format, zero confidence."""
    assert detect_format([]) == Detection(None, 0.0)


def test_mostly_squid_head_is_squid() -> None:
    """A head where most lines are Squid native lines is Squid, with the share as confidence."""
    squid = (
        "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 "
        "badeyek DIRECT/175.16.199.115 -"
    )
    assert detect_format([squid, squid, squid, "a stray banner line"]) == Detection(
        "squid_native", 0.75
    )
