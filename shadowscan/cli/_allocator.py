"""Tune polars' memory allocator for a batch run; imported before anything loads polars.

polars allocates through jemalloc, which hands memory it no longer uses back to the
operating system after a short delay (polars sets 500 ms). A scan frees and takes the same
~100 MiB for every 16 MiB chunk, so that memory was returned and faulted in again chunk
after chunk (about half a million minor page faults, ~2 s of kernel time, in a 10M-line
Squid scan). Keeping freed pages for ten seconds makes a scan 6-8 % faster for 60-100 MiB
more peak memory (``bench/README.md``). polars appends this variable to its own defaults
when it is first imported, and jemalloc reads the result once; a value the user has set
already is kept.
"""

from __future__ import annotations

import os

#: jemalloc options (the ``_RJEM_`` prefix is the one polars' build of jemalloc reads).
MALLOC_CONF = "background_thread:true,dirty_decay_ms:10000"

os.environ.setdefault("_RJEM_MALLOC_CONF", MALLOC_CONF)
