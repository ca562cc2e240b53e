"""Every real sample under shared/realdata (catalogs aside) is detected and parsed cleanly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from shadowscan.catalog import load_catalog
from shadowscan.pipeline import Context, Coverage, build_context, process_file

#: sample (relative to realdata) -> the format it must be detected as.
EXPECTED = {
    "apache_nginx_access/apache2-logs.log": "apache_combined",
    "apache_nginx_access/logfile_shop_access_log.0": "apache_combined",
    "aws_cloudtrail/ec2_proxy_s3_exfiltration_2020-09-14011940.json": "cloudtrail",
    "azuread_signin/test-signinlogs-raw.log": "entra_signin",
    "bind9_query/bind9-logs.log": "bind9",
    "bind9_query/queries.log": "bind9",
    "cisco_asa/cisco_asa_106023.raw": "cisco_asa",
    "cisco_asa/cisco_asa_302013.raw": "cisco_asa",
    "cisco_asa/cisco_asa_302014.raw": "cisco_asa",
    "cisco_asa/test-hostnames.log": "cisco_asa",
    "cisco_umbrella_dns/test-umbrella-dnslogs.log": "umbrella_dns",
    "dnsmasq_pihole/pihole.log": "dnsmasq",
    "fortigate/test-fortinet-7-2.log": "fortigate",
    "github_audit/api_activity.raw": "github_audit",
    "github_audit/test-audit-json.log": "github_audit",
    "google_workspace/test-token.log": "gws_token",
    "infoblox_dns/test-dns.log": "infoblox",
    "m365_ual/test-ai-interaction-events.json": "m365_ual_json",
    "okta_system_log/authentication.raw": "okta_system",
    "okta_system_log/group_management.raw": "okta_system",
    "okta_system_log/test-okta-system-no-flattened-events.log": "okta_system",
    "panos_csv/palo-alto-threat.log": "panos",
    "panos_csv/test-panw-panos-traffic-sample.log": "panos",
    "slack_audit/test-audit.log": "slack_audit",
    "squid_custom/test-access-extensive.log": "squid_custom",
    "squid_native/test-access.log": "squid_native",
    "w3c_elff/logfile_w3c_big.0": "w3c",
    "zscaler_nss_web/test-web.log": "zscaler_nss_json",
    "zeek_json/conn.log": "zeek_conn_json",
    "zeek_json/dns.json.gz": "zeek_dns_json",
    "zeek_json/http.log": "zeek_http_json",
    "zeek_tsv/dns.log.gz": "zeek_dns_tsv",
    "zeek_tsv/logfile_bro_conn.log.0": "zeek_conn_tsv",
    "zeek_tsv/logfile_bro_http.log.0": "zeek_http_tsv",
    "zeek_tsv/ssl.log.gz": "zeek_ssl_tsv",
}


@pytest.fixture(scope="module")
def ctx() -> Context:
    return build_context(
        load_catalog(), directory=None, subnets=None, policy=None, as_of=date(2026, 11, 30)
    )


def test_every_sample_has_an_expectation(realdata: Path) -> None:
    """No real sample is left out of this test (a new one must be added here)."""
    found = {
        str(p.relative_to(realdata))
        for p in realdata.rglob("*")
        if p.is_file() and p.parts[len(realdata.parts)] != "catalogs" and p.name != "SOURCES.md"
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize(("sample", "fmt"), sorted(EXPECTED.items()))
def test_sample_is_detected_and_parsed(realdata: Path, ctx: Context, sample: str, fmt: str) -> None:
    """Detected as its format; events > 0; rejects < 5 %; every line accounted for."""
    rejects: list[pl.DataFrame] = []
    outcome = process_file(
        realdata / sample,
        ctx,
        Coverage(),
        on_rejects=rejects.append,
        on_matches=lambda _: None,
        on_signals=lambda _: None,
    )
    r = outcome.report
    assert r.format == fmt
    assert r.detect_confidence is not None and r.detect_confidence >= 0.9
    assert r.events > 0
    assert r.rejected / (r.events + r.rejected) < 0.05
    assert r.lines_read == r.events + r.rejected + r.skipped
