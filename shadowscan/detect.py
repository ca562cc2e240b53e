"""Pick a file's log format from its first lines: the parser with the highest confidence."""

from __future__ import annotations

from dataclasses import dataclass

from shadowscan.sources import REGISTRY

#: Below this confidence a file is reported as ``unknown`` and skipped, never half-parsed.
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Detection:
    """The chosen format (None when nothing fits) and how sure detection is."""

    format: str | None
    confidence: float


def detect_format(head: list[str]) -> Detection:
    """Score every registered parser on ``head``; the best one at or above the bar wins.

    >>> detect_format(["12-Nov-2015 23:34:08.622 client 127.0.0.1#59680 (cnn.com): "
    ...                "query: cnn.com IN A + (127.0.0.1)"]).format
    'bind9'
    """
    if not head:
        return Detection(None, 0.0)
    scores = sorted(
        ((parser.detect(head), name) for name, parser in REGISTRY.items()), reverse=True
    )
    best, name = scores[0]
    if best < MIN_CONFIDENCE:
        return Detection(None, round(best, 3))
    return Detection(name, round(best, 3))
