"""Vectorised normalisation of the fields every parser shares: hosts, URLs, user names.

>>> import polars as pl
>>> hosts = ["API.OpenAI.com:443", "user:pw@Example.org.", "[2001:db8::1]:8443", "-"]
>>> df = pl.DataFrame({"h": hosts})
>>> df.select(normalize_host(pl.col("h")))["h"].to_list()
['api.openai.com', 'example.org', '2001:db8::1', None]
"""

from __future__ import annotations

import polars as pl

_URL = r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://)?([^/?#]*)([^?#]*)"


def normalize_host(expr: pl.Expr) -> pl.Expr:
    """Lower case, no scheme, path, userinfo, port or trailing dot; empty or ``-`` -> null."""
    e = expr.str.strip_chars().str.to_lowercase()
    e = e.str.replace(r"^[a-z][a-z0-9+.\-]*://", "")
    e = e.str.replace(r"[/?#].*$", "")
    e = e.str.replace(r"^.*@", "")
    e = e.str.replace(r"^\[([0-9a-f:.]+)\](?::\d*)?$", "$1")
    e = e.str.replace(r"^([^:\[\]]+):\d*$", "$1")
    e = e.str.strip_chars_end(".")
    return pl.when(~e.is_in(["", "-"])).then(e)


def split_url(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Split a URL (or ``host:port`` of a CONNECT) into a normalised host and a path.

    The query string and fragment are dropped: they often carry tokens and personal data.
    An empty path is null.
    """
    authority = expr.str.extract(_URL, 1)
    path = expr.str.extract(_URL, 2)
    return normalize_host(authority), pl.when(path != "").then(path)


def normalize_user(expr: pl.Expr) -> pl.Expr:
    """Trim a logged user name; ``-`` or empty -> null; ``%5C`` (URL-encoded ``\\``) decoded.

    The identity forms (``CORP\\alice``, ``alice@corp.example``) are kept as logged; the
    directory resolves them to one person.
    """
    e = expr.str.strip_chars().str.replace_many(["%5C", "%5c", "%40"], ["\\", "\\", "@"])
    return pl.when(~e.is_in(["", "-"])).then(e)


def split_fields(expr: pl.Expr, sep: str = ",", *, escape: str = '""') -> pl.Expr:
    r"""Split a delimited line into a list of fields, keeping double-quoted fields whole.

    ``sep=" "`` splits on runs of whitespace (Squid, W3C/ELFF, Apache); any other one
    character splits on that character, each field possibly empty (CSV). Quotes around a
    field are removed; inside them ``escape`` (``""`` for CSV, ``\"`` for log formats) is
    a literal quote. An unterminated quote leaves the rest of the text as logged.

    >>> df = pl.DataFrame({"r": ['"a,b","",c', ',x', 'p "q r" -']})
    >>> df.select(split_fields(pl.col("r")).alias("f"))["f"].to_list()[:2]
    [['a,b', '', 'c'], ['', 'x']]
    >>> df.select(split_fields(pl.col("r"), " ", escape='\\"').alias("f"))["f"].to_list()[2]
    ['p', 'q r', '-']
    """
    inner = r'(?:[^"\\]|\\.)*' if escape == '\\"' else r'(?:[^"]|"")*'
    if sep == " ":
        pattern = rf'\s+("{inner}"|\S+)'
        tokens = (pl.lit(" ") + expr).str.extract_all(pattern)
        strip = pl.element().str.strip_chars_start()
    else:
        other = rf"[^{_re_escape(sep)}]*"
        pattern = rf'{_re_escape(sep)}(?:"{inner}"{other}|{other})'
        tokens = (pl.lit(sep) + expr).str.extract_all(pattern)
        strip = pl.element().str.slice(1)
    quoted = strip.str.starts_with('"') & strip.str.ends_with('"') & (strip.str.len_chars() > 1)
    body = strip.str.slice(1, strip.str.len_chars() - 2).str.replace_all(escape, '"', literal=True)
    return tokens.list.eval(pl.when(quoted).then(body).otherwise(strip))


def _re_escape(char: str) -> str:
    return f"\\x{{{ord(char):x}}}"
