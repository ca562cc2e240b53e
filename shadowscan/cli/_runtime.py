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
"""

from __future__ import annotations

import atexit
import gc
import os

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

atexit.register(gc.freeze)
