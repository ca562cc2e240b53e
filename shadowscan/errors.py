"""One exception tree for shadowscan; every error can say where it happened and how to fix it."""

from __future__ import annotations

from pathlib import Path


class ShadowscanError(Exception):
    """A user-facing error: bad input, bad config, bad catalog.

    The message is one line naming the file (and line, where there is one) and the fix,
    e.g. ``signatures/openai.yaml:14: unknown key 'domian' (did you mean 'domains'?)``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class CatalogError(ShadowscanError):
    """The signature catalog is invalid; it is never loaded partially."""


class ConfigError(ShadowscanError):
    """A directory, subnet, policy or config file is invalid."""


class StoreLocked(ShadowscanError):
    """Another shadowscan process holds the store; exits with its own code."""


class InputError(ShadowscanError):
    """A log input cannot be used at all (missing, unreadable, unknown format when forced)."""
