"""Log parsers: one module per log family, and the registry that names them.

``REGISTRY`` maps a format name (what ``--format`` takes) to its parser class.
"""

from __future__ import annotations

from shadowscan.sources.base import LogParser, ParseResult
from shadowscan.sources.bind9 import Bind9Parser
from shadowscan.sources.squid import SquidNativeParser
from shadowscan.sources.zeek import ZeekDnsJsonParser, ZeekDnsTsvParser

REGISTRY: dict[str, type[LogParser]] = {
    parser.name: parser
    for parser in (SquidNativeParser, Bind9Parser, ZeekDnsTsvParser, ZeekDnsJsonParser)
}

__all__ = ["REGISTRY", "LogParser", "ParseResult"]
