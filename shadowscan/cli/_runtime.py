"""Process settings for a command-line run; imported before anything loads polars.

Allocator: polars allocates through jemalloc, which hands memory it no longer uses back
to the operating system after a short delay (polars sets 500 ms). A scan frees and takes
the same ~100 MiB for every 16 MiB chunk, so that memory was returned and faulted in again
chunk after chunk (about half a million minor page faults, ~2 s of kernel time, in a
10M-line Squid scan). Keeping freed pages for ten seconds makes a scan 6-8 % faster for
60-100 MiB more peak memory (``bench/README.md``). Two arenas instead of jemalloc's
default of four per core: the block workers and polars' threads then reuse each other's
freed pages (10M-line Squid and BIND9 scans: 120-190 MiB less peak memory, time within
noise; every line of a 5M-line W3C file matched: 1,292 -> 1,188 MiB). polars appends
this variable to its own defaults when it is first imported, and jemalloc reads the
result once. A value the user has set is kept; polars' own defaults, which a parent
process that imported polars leaves in the environment it passes on, are not a user's
choice and are replaced.

Exit: the interpreter's last garbage collections walk every object it ever tracked
(polars, pyarrow, the catalog: ~0.1 s whatever the input). Freezing them first, in an
``atexit`` hook (files, logs and the other hooks are still closed and run), skips that
walk: a one-file scan takes 0.82-0.84 s instead of 0.88-0.97 s.

Blocks of text: the file is read into Python bytes of a block each (up to 48 MiB), which
glibc's malloc serves with a fresh memory mapping whenever a request is larger than its
mmap threshold. That threshold rises with the blocks freed, but never above 32 MiB, so
every larger block was mapped, faulted in page by page and unmapped again: 10M Squid
lines in 48 MiB blocks took 580k minor faults instead of 227k and 75 % more kernel time.
Thresholds of 64 MiB (and 128 MiB before the heap's top is given back) let the freed
blocks be reused. A user's own glibc malloc settings are kept.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

#: jemalloc options (the ``_RJEM_`` prefix is the one polars' build of jemalloc reads).
VARIABLE = "_RJEM_MALLOC_CONF"
MALLOC_CONF = "background_thread:true,dirty_decay_ms:10000,narenas:2"
#: What ``import polars`` writes into the variable when nobody set it.
POLARS_DEFAULTS = "dirty_decay_ms:500,muzzy_decay_ms:1000"


def _inherited_defaults(value: str) -> bool:
    """True when ``value`` is only polars' defaults (repeated, as each polars import in a
    chain of processes appends what it inherited), perhaps with its huge-page options."""
    parts = [p for p in value.split(",") if p not in ("thp:always", "metadata_thp:always")]
    return ",".join(parts) in {",".join([POLARS_DEFAULTS] * n) for n in range(1, 5)}


if _inherited_defaults(os.environ.get(VARIABLE, POLARS_DEFAULTS)):
    os.environ[VARIABLE] = MALLOC_CONF

#: glibc malloc thresholds (bytes): requests up to this size come from the heap ...
MMAP_THRESHOLD = 64 << 20
#: ... and free memory at the heap's top is kept up to this much.
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)


def _glibc_thresholds() -> bool:
    """Set glibc malloc's thresholds, unless the user set them or the C library is not
    glibc; True when they were set."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    if "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # polars imports it too

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # another C library (musl)
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


_glibc_thresholds()

atexit.register(gc.freeze)
