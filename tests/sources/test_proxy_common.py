"""Proxy formats as a set: detection of every sample, no collisions, the field splitter."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shadowscan.detect import Detection, detect_format
from shadowscan.sources import REGISTRY
from shadowscan.sources.normalize import split_fields
from shadowscan.sources.reader import read_head

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "logs" / "proxy"
PROXY_FORMATS = (
    "squid_custom",
    "w3c",
    "zscaler_nss_json",
    "zscaler_nss_csv",
    "apache_combined",
    "umbrella_proxy",
    "zeek_http_tsv",
    "zeek_http_json",
    "zeek_ssl_tsv",
    "zeek_ssl_json",
    "zeek_conn_tsv",
    "zeek_conn_json",
)


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("squid_custom/test-access-extensive.log", "squid_custom"),
        ("w3c_elff/logfile_w3c_big.0", "w3c"),
        ("zscaler_nss_web/test-web.log", "zscaler_nss_json"),
        ("apache_nginx_access/apache2-logs.log", "apache_combined"),
        ("apache_nginx_access/logfile_shop_access_log.0", "apache_combined"),
        ("zeek_tsv/logfile_bro_http.log.0", "zeek_http_tsv"),
        ("zeek_tsv/ssl.log.gz", "zeek_ssl_tsv"),
        ("zeek_tsv/logfile_bro_conn.log.0", "zeek_conn_tsv"),
        ("zeek_json/http.log", "zeek_http_json"),
        ("zeek_json/conn.log", "zeek_conn_json"),
    ],
)
def test_real_sample_detected(realdata: Path, relpath: str, expected: str) -> None:
    """Each real proxy sample's head is detected as its format with full confidence."""
    assert detect_format(read_head(realdata / relpath)) == Detection(expected, 1.0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("proxysg_main.log", "w3c"),
        ("zscaler_nss_web.csv", "zscaler_nss_csv"),
        ("umbrella_proxy.csv", "umbrella_proxy"),
    ],
)
def test_fixture_detected(name: str, expected: str) -> None:
    """Each fixture written from a vendor's documented layout is detected as that format."""
    assert detect_format(read_head(FIXTURES / name)) == Detection(expected, 1.0)


@pytest.mark.parametrize(
    "relpath",
    [
        "squid_native/test-access.log",
        "bind9_query/queries.log",
        "bind9_query/bind9-logs.log",
        "zeek_tsv/dns.log.gz",
        "zeek_json/dns.json.gz",
        "cisco_umbrella_dns/test-umbrella-dnslogs.log",
    ],
)
def test_other_formats_untouched(realdata: Path, relpath: str) -> None:
    """No proxy parser claims any confidence on another format's sample."""
    head = read_head(realdata / relpath)
    assert {name: REGISTRY[name].detect(head) for name in PROXY_FORMATS} == dict.fromkeys(
        PROXY_FORMATS, 0.0
    )


@pytest.mark.parametrize("name", PROXY_FORMATS)
def test_format_is_described(name: str) -> None:
    """Every proxy format says its source, description and the fields it carries."""
    parser = REGISTRY[name]
    assert parser.source in ("proxy", "firewall")
    assert parser.description
    assert "src_ip" in parser.fields


_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\n\r"))


@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_split_fields_reads_csv_back(values: list[str]) -> None:
    """Any row written by Python's csv module (all fields quoted) splits back to its values."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="").writerow(values)
    line = buffer.getvalue()
    assert pl.select(split_fields(pl.lit(line))).item().to_list() == values


_WORD = st.text(
    st.characters(exclude_categories=("Cs", "Z", "Cc"), exclude_characters='"\\'), min_size=1
)


@given(st.lists(st.lists(_WORD, min_size=1, max_size=3), min_size=1, max_size=8))
def test_split_fields_whitespace_quoting(fields: list[list[str]]) -> None:
    """Space-separated fields, quoted when they hold spaces, split back to their values."""
    values = [" ".join(words) for words in fields]
    line = "  ".join(f'"{v}"' if " " in v else v for v in values)
    got = pl.select(split_fields(pl.lit(line), " ", escape='\\"')).item().to_list()
    assert got == values
