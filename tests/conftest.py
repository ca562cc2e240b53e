"""Suite-wide test settings.

Property tests draw new examples on every run, so a local run keeps exploring. CI sets
``HYPOTHESIS_PROFILE=ci`` (``.ci/run``): each property test then draws the same examples
every time (derandomised, no example database), so the gate that lands a commit cannot
pass or fail by the luck of a seed.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if profile := os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(profile)
