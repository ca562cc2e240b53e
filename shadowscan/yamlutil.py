"""Strict YAML loading that keeps line numbers.

Duplicate keys and unsafe tags are errors naming the file and line. Mappings come back as
:class:`LineDict`, which remembers the line of the mapping and of each key, so that later
validation errors can point at the exact place. Callers that load untrusted catalogs can
also refuse anchors and aliases (the "billion laughs" alias bomb) and cap the file size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, ScalarNode

from shadowscan.errors import ShadowscanError


class LineDict(dict[str, Any]):
    """A dict that knows the 1-based line where it, and each of its keys, was written."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key``, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


#: libyaml's C parser when PyYAML has it (about 10x faster on the 1,000-service catalog);
#: construction (duplicate keys, line numbers, safe tags) stays in Python either way.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BASE):  # type: ignore[valid-type,misc]
    pass


def _construct_mapping(loader: _StrictLoader, node: MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key '{key}' (first at line {out.key_lines[key]})",
                key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_timestamp(loader: _StrictLoader, node: ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid date '{node.value}' ({exc})", node.start_mark
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _refuse_anchors(text: str) -> None:
    """Refuse anchors (``&a``) and aliases (``*a``) before anything is built: no alias bomb
    can expand. Runs on the parser's event stream, which never composes nodes."""
    for event in yaml.parse(text, Loader=_BASE):
        if isinstance(event, NodeEvent) and event.anchor is not None:
            what = "alias '*" if isinstance(event, AliasEvent) else "anchor '&"
            raise yaml.composer.ComposerError(
                None,
                None,
                f"YAML {what}{event.anchor}' is not allowed in this file; write the value out",
                cast(yaml.error.Mark, event.start_mark),
            )


def load_yaml(
    path: Path,
    *,
    error: type[ShadowscanError] = ShadowscanError,
    max_bytes: int | None = None,
    allow_aliases: bool = True,
) -> Any:
    """Load one YAML file strictly; raise ``error`` naming the file and line on any problem.

    ``max_bytes`` refuses a larger file before reading it; ``allow_aliases=False`` refuses
    any anchor or alias at its line.
    """
    try:
        if max_bytes is not None and (size := path.stat().st_size) > max_bytes:
            raise error(
                f"file is {size:,} bytes, over the {max_bytes:,}-byte cap; "
                "split it into smaller files",
                path=path,
                line=1,
            )
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=path) from None
    except UnicodeDecodeError:
        raise error("not UTF-8 text", path=path, hint="save the file as UTF-8") from None
    try:
        # An anchor needs an "&" and an alias a "*": text with neither needs no event pass.
        if not allow_aliases and ("&" in text or "*" in text):
            _refuse_anchors(text)
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in str(problem):
            tag = problem.partition("for the tag ")[2].strip(" '")
            problem = f"unsafe or unknown tag '{tag}'"
        raise error(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", path=path) from None
