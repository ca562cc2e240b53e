"""The CLI tunes polars' allocator before polars is loaded, and keeps a user's setting."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from shadowscan.cli._runtime import MALLOC_CONF

_VAR = "_RJEM_MALLOC_CONF"


def _python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args, "-c", code], env=env, capture_output=True, text=True, check=True
    )


def _ends_with(value: str, options: str) -> bool:
    """The variable ends with ``options`` (polars may put its own defaults before them;
    the later options win)."""
    value = value.strip()
    return value == options or value.endswith("," + options)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != _VAR}
    env.update(extra)
    return env


def test_the_cli_sets_the_runtime_options_before_polars_loads() -> None:
    done = _python("import shadowscan.cli", _env(), "-X", "importtime")
    modules = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert modules.index("shadowscan.cli._runtime") < modules.index("polars")
    shown = _python("import os, shadowscan.cli; print(os.environ['" + _VAR + "'])", _env())
    assert _ends_with(shown.stdout, MALLOC_CONF)


def test_a_users_own_runtime_options_are_kept() -> None:
    mine = "dirty_decay_ms:0"
    shown = _python(
        "import os, shadowscan.cli; print(os.environ['" + _VAR + "'])", _env(**{_VAR: mine})
    )
    assert _ends_with(shown.stdout, mine)
    assert MALLOC_CONF not in shown.stdout


def test_polars_defaults_left_by_a_parent_process_are_replaced() -> None:
    """A parent that imported polars passes polars' defaults on; they are not a choice."""
    inherited = "dirty_decay_ms:500,muzzy_decay_ms:1000"
    for value in (inherited, f"{inherited},{inherited}", f"{inherited},thp:always"):
        shown = _python(
            "import os, shadowscan.cli; print(os.environ['" + _VAR + "'])", _env(**{_VAR: value})
        )
        assert _ends_with(shown.stdout, MALLOC_CONF)


def test_objects_are_frozen_before_the_interpreter_collects_them_at_exit() -> None:
    """The CLI's exit hook freezes the heap (this probe's hook, registered first, runs
    after it)."""
    probe = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
        "import shadowscan.cli\n"
    )
    assert _python(probe, _env()).stdout.split() == ["frozen", "True"]


_REUSE = """
import resource, shadowscan.cli
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = b"x" * (48 << 20); del block  # a 48 MiB block of text, read and let go
before = faults()
block = b"y" * (48 << 20)  # the next block
print(faults() - before)
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="glibc malloc only",
)
def test_a_block_bigger_than_glibc_s_own_threshold_reuses_the_freed_one() -> None:
    """48 MiB blocks come from the heap and the next block reuses the last one's pages;
    without the CLI's thresholds each is a fresh mapping (12,288 pages faulted in)."""
    env = {k: v for k, v in _env().items() if not k.startswith(("MALLOC_", "GLIBC_"))}
    reused = int(_python(_REUSE, env).stdout)
    fresh = int(_python(_REUSE, {**env, "MALLOC_MMAP_THRESHOLD_": str(1 << 20)}).stdout)
    assert reused < 1_000 < 12_000 < fresh
