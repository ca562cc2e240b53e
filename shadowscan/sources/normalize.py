"""Vectorised normalisation of the fields every parser shares: hosts, URLs, user names.

>>> import polars as pl
>>> hosts = ["API.OpenAI.com:443", "user:pw@Example.org.", "[2001:db8::1]:8443", "-"]
>>> df = pl.DataFrame({"h": hosts})
>>> df.select(normalize_host(pl.col("h")))["h"].to_list()
['api.openai.com', 'example.org', '2001:db8::1', None]
"""

from __future__ import annotations

import polars as pl

_URL = r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://)?(?P<authority>[^/?#]*)(?P<path>[^?#]*)"


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
    # "" replaced by null, not tested by a when/then (which runs the regex twice)
    return normalize_host(authority), path.replace("", None)


def url_parts(expr: pl.Expr) -> pl.Expr:
    """:func:`split_url` as it is read, before the host is normalised: a struct of
    ``authority`` (as logged) and ``path`` (``""`` where there is none), from one regex
    pass (a struct field taken twice would run the regex twice)."""
    return expr.str.extract_groups(_URL)


def normalize_hosts_of(column: str) -> pl.Expr:
    """:func:`normalize_host` of a column, computed once per distinct value (hosts repeat).

    For a column of the frame, not an expression: an expression could be computed once
    for the distinct values, once for their normalised form and once for the rows.
    """
    values = pl.col(column)
    distinct = values.unique(maintain_order=True)
    return values.replace(distinct, normalize_host(distinct))


def normalize_user(expr: pl.Expr) -> pl.Expr:
    """Trim a logged user name; ``-`` or empty -> null; ``%5C`` (URL-encoded ``\\``) decoded.

    The identity forms (``CORP\\alice``, ``alice@corp.example``) are kept as logged; the
    directory resolves them to one person.
    """
    # The test reads the trimmed name alone: a decoded name is never "" or "-", and polars
    # computes an expression used twice in a when/then twice.
    trimmed = expr.str.strip_chars()
    decoded = trimmed.str.replace_many(["%5C", "%5c", "%40"], ["\\", "\\", "@"])
    return pl.when(~trimmed.is_in(["", "-"])).then(decoded)


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


#: Quoted fields a line may hold and still be split by :func:`split_spaced`'s fast path.
_QUOTED_MAX = 4
#: Lines :func:`split_spaced` looks at first for a quote.
_PEEK = 1_000
#: What the spaces between fields (outside quotes) become before the one split.
_SEP = "\x1f"
#: White space other than a space, and the separator: a line holding one takes the slow path.
_ODD_CHARS = ("\t", "\n", "\x0b", "\x0c", "\r", _SEP)
#: Any of them, as one character class (one pass instead of one per character).
_ODD = "[" + "".join(f"\\x{ord(c):02x}" for c in _ODD_CHARS) + "]"


def split_spaced(lines: pl.Series) -> pl.Series:
    r"""``split_fields(lines, " ", escape='\"')`` for stripped lines, fast for the usual ones.

    Most lines are ASCII with single spaces and at most a few quoted fields, each quote
    at a field boundary and no backslash inside quotes. For those, the line is cut at its
    quotes, the spaces outside them turned into a separator, the pieces joined again
    without the quotes and split once at the separator: the same fields, with no regex.
    Every other line goes through :func:`split_fields` (the lists are equal line for line).
    Lines with no quote at all (IIS writes ``+`` for a space in a value) are split at
    their spaces straight away when every line of the call is such a line: a 48 MiB block
    of IIS lines in 67 ms, against 243 ms by the cut-and-join path. Where the first
    lines hold a quote (ProxySG quotes its user agents), the others are not tested.

    >>> s = pl.Series(["a b \"c d\" \"\"", 'x "y\\"z"', ""])
    >>> split_spaced(s).to_list()
    [['a', 'b', 'c d', ''], ['x', 'y"z'], []]
    """
    line = pl.col("l")
    n = pl.col("_n")
    # Single spaces between the fields, and no other white space (ASCII: none beyond the
    # odd characters).
    spaced = (
        (line != "")
        & (line.str.len_bytes() == line.str.len_chars())
        & ~line.str.contains(_ODD)
        & ~line.str.contains("  ", literal=True)
    )
    quoted = line.str.contains('"', literal=True)
    table = lines.alias("l").to_frame()
    # A log that quotes values does so in its first lines already: it is not tested
    # further (a 48 MiB block of ProxySG lines: the test would add ~2 %).
    if (
        not table.head(_PEEK).select(quoted.any()).item()
        and table.select((spaced & ~quoted).fill_null(False).all()).item()
    ):
        return lines.str.split(" ")
    cut = (
        table.lazy()
        .with_columns(line.str.split('"').alias("_s"))
        .with_columns(pl.col("_s").list.len().alias("_n"))
        .collect()
    )
    # As many pieces as the lines have (most logs quote one field: three pieces, against
    # nine for _QUOTED_MAX; a 48 MiB block of ProxySG lines ~15-25 % faster).
    most = cut["_n"].max()
    width = min(most if isinstance(most, int) else 1, 2 * _QUOTED_MAX + 1)
    seg = [pl.col("_s").list.get(i, null_on_oob=True) for i in range(width)]
    simple = spaced & (n % 2 == 1) & (n <= width)
    pieces = []
    for i, s in enumerate(seg):
        beyond = pl.lit(i) >= n
        if i % 2:  # quoted: kept whole (no escapes to undo)
            simple = simple & (beyond | ~s.str.contains("\\", literal=True))
            pieces.append(s)
            continue
        # between quotes: a quote opens after a space (or at the start) and closes before
        # one (or at the end)
        last = pl.lit(i) == n - 1
        if i > 0:
            simple = simple & (beyond | s.str.starts_with(" ") | (last & (s == "")))
        simple = simple & (beyond | last | s.str.ends_with(" ") | ((i == 0) & (s == "")))
        pieces.append(s.str.replace_all(" ", _SEP, literal=True))
    frame = (
        cut.lazy()
        .select(
            simple.fill_null(False).alias("ok"),
            pl.concat_str(pieces, separator="", ignore_nulls=True).alias("j"),
        )
        .collect()
    )
    del cut
    ok = frame["ok"]
    if ok.all():
        return frame["j"].str.split(_SEP).alias(lines.name)
    fast = frame.with_row_index("_i").filter(ok).select("_i", pl.col("j").str.split(_SEP))
    slow = (
        lines.alias("j")
        .to_frame()
        .with_row_index("_i")
        .filter(~ok)
        .select("_i", split_fields(pl.col("j"), " ", escape='\\"').alias("j"))
    )
    return pl.concat([fast, slow]).sort("_i")["j"].alias(lines.name)
