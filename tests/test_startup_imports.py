"""Start-up cost of the command line: ``scan`` loads only the modules it uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_logs" / "proxy" / "access.log"
#: Modules only the store, batch and query commands need (DuckDB alone is ~60 ms).
HEAVY = ("duckdb", "shadowscan.batch", "shadowscan.store", "shadowscan.views")

_PROBE = """
import sys
from click.testing import CliRunner
from shadowscan.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
assert result.exit_code == 0, result.output
print(",".join(m for m in {heavy!r} if m in sys.modules))
"""


def _loaded(*args: str) -> str:
    probe = _PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def test_scan_does_not_import_store_modules(tmp_path: Path) -> None:
    """A scan never imports DuckDB, the store, the views or the nightly batch."""
    out = tmp_path / "out"
    assert _loaded("-q", "scan", str(SAMPLE), "--out", str(out), "--as-of", "2026-11-30") == ""


def test_help_does_not_import_store_modules() -> None:
    """``shadowscan --help`` imports none of the store or batch modules."""
    assert _loaded("--help") == ""


def test_the_public_suffix_list_loads_at_its_first_use() -> None:
    """tldextract (with the HTTP stack it imports) is not loaded at start-up: a scan loads
    it with the catalog, beside the parsing."""
    probe = "import sys, shadowscan.cli; print('tldextract' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_what_only_the_end_of_a_scan_uses_is_not_loaded_before_it_starts() -> None:
    """pyarrow (with its Parquet writer), Jinja and rich (~130 ms of imports) are loaded
    beside the parse (``scan._warm_up``), not before it: the command line and the scan
    module import none of them."""
    probe = (
        "import sys, shadowscan.cli, shadowscan.scan, shadowscan.outputs; "
        "print(','.join(m for m in ('pyarrow', 'jinja2', 'rich') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
