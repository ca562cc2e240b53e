"""The signature catalog as frozen values: one :class:`Service` per AI service."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

CATEGORIES: Final = (
    "chat-assistant",
    "coding-assistant",
    "model-api",
    "image-generation",
    "audio-speech",
    "video-generation",
    "writing-productivity",
    "search-answer-engine",
    "meeting-assistant",
    "agent-automation",
    "model-hub",
    "embedded-ai-in-saas",
    "translation",
    "local-runtime",
    "mcp-server",
)


@dataclass(frozen=True, slots=True)
class UrlRule:
    """AI that lives under a general-purpose host: a host suffix plus a path prefix.

    ``huggingface.co/chat`` matches ``https://huggingface.co/chat/conversation/1`` and
    ``/chat?x`` but not ``/chatter``.
    """

    host: str
    path: str

    def path_regex(self) -> str:
        """The path prefix as an anchored regex that stops at a segment boundary.

        >>> UrlRule("huggingface.co", "/chat").path_regex()
        '^/chat(?:[/?#;]|$)'
        """
        prefix = self.path.rstrip("/")
        if not prefix:
            return "^/"
        return f"^{re.escape(prefix)}(?:[/?#;]|$)"

    def __str__(self) -> str:
        return f"{self.host}{self.path}"


@dataclass(frozen=True, slots=True)
class Service:
    """One AI service of the catalog and everything that identifies it in logs."""

    id: str
    name: str
    vendor: str
    category: str
    domains: tuple[str, ...] = ()
    urls: tuple[UrlRule, ...] = ()
    user_agents: tuple[str, ...] = ()
    saas_apps: tuple[str, ...] = ()
    trains_on_input_default: bool | None = None
    enterprise_tier: bool | None = None
    hq_country: str = "unknown"
    data_retention: str = "unknown"
    certifications: tuple[str, ...] = ()
    source_url: str = ""
    last_validated: date | None = None
    file: str = ""
    line: int = 0

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view, as ``signatures list --format json`` prints it."""

        def tri(value: bool | None) -> object:
            return "unknown" if value is None else value

        return {
            "id": self.id,
            "name": self.name,
            "vendor": self.vendor,
            "category": self.category,
            "domains": list(self.domains),
            "urls": [str(u) for u in self.urls],
            "user_agents": list(self.user_agents),
            "saas_apps": list(self.saas_apps),
            "trains_on_input_default": tri(self.trains_on_input_default),
            "enterprise_tier": tri(self.enterprise_tier),
            "hq_country": self.hq_country,
            "data_retention": self.data_retention,
            "certifications": list(self.certifications),
            "source_url": self.source_url,
            "last_validated": self.last_validated.isoformat() if self.last_validated else None,
        }


@dataclass(frozen=True)
class Catalog:
    """All services, in a stable order (by id), with a content-derived version."""

    services: tuple[Service, ...]
    version: str
    source_dir: str = ""
    _by_id: dict[str, Service] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: s for s in self.services})

    def get(self, service_id: str) -> Service | None:
        """The service with ``service_id``, or None."""
        return self._by_id.get(service_id)

    def __len__(self) -> int:
        return len(self.services)

    def categories(self) -> set[str]:
        """The categories that at least one service uses."""
        return {s.category for s in self.services}
