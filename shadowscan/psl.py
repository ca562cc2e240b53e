"""The Public Suffix List, offline: tldextract with its bundled snapshot, never the network.

tldextract (and the HTTP stack it imports, ~55 ms) is loaded at the first lookup, not at
import: a scan does its first lookup while loading the catalog, beside the parsing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tldextract


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    import tldextract

    # suffix_list_urls=() and no cache dir: the snapshot shipped in the wheel is the only source.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(host: str) -> str:
    """The registrable domain of ``host`` (``api.openai.com`` -> ``openai.com``).

    A host that is itself a public suffix, or an IP address, is returned unchanged.

    >>> registered_domain("api.openai.com")
    'openai.com'
    >>> registered_domain("foo.bar.co.uk")
    'bar.co.uk'
    """
    ext = _extractor()(host)
    return ext.top_domain_under_public_suffix or host


def is_public_suffix(host: str) -> bool:
    """True when ``host`` is a public suffix (``com``, ``co.uk``), so no owner has it.

    >>> is_public_suffix("co.uk"), is_public_suffix("openai.com")
    (True, False)
    """
    ext = _extractor()(host)
    return ext.domain == "" and ext.suffix != ""
