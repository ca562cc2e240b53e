"""What every log parser is: detection from the first lines, and chunk -> events + rejects.

A parser turns a frame of raw lines (``line_no``, ``raw``) into the one event schema with
polars expressions (no Python per line). It marks each line either skipped (blank, comment,
header), rejected (with a reason) or parsed; the base class splits the three and keeps the
books, so that for every file ``lines_read = events + rejected + skipped``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import polars as pl

from shadowscan.frames import Coded, aligned, byte_slice, chunked_like, factorize_hashed
from shadowscan.schema import EVENT_SCHEMA, REJECT_RAW_MAX, REJECT_SCHEMA, conform
from shadowscan.sources.normalize import normalize_host
from shadowscan.sources.reader import Block
from shadowscan.sources.textfields import bsd_syslog_ts, zoned_to_utc

#: Columns a parser adds beside the event columns: why a line is rejected (null when it is
#: fine) and whether it is skipped (blank, comment, header).
REASON = "_reason"
SKIP = "_skip"
#: A line with nothing but whitespace: skipped, never an event or a reject.
BLANK = pl.col("raw").str.strip_chars().str.len_bytes() == 0
#: A host that normalize_host leaves as it is, but for a ``:port``.
_CLEAN_HOST = r"^[a-z0-9_.\-]*[a-z0-9_\-](?::[0-9]*)?$"


@dataclass(frozen=True)
class Deferred:
    """An event column a parser left as logged, for whoever keeps the rows to finish (a
    scan keeps a few per cent of a chunk's events: the matched and signal rows), with
    what the rows it does not keep need of it: how many of them have a value.

    ``finish`` gives the column's values from the logged ones; ``present`` how many
    logged values finish as a value, not null (the coverage count), without finishing
    them.
    """

    column: str
    finish: Callable[[pl.Series], pl.Series]
    present: Callable[[pl.Series], int]


def finish_columns(rows: pl.DataFrame, deferred: tuple[Deferred, ...]) -> pl.DataFrame:
    """``rows`` (events, or rows taken from them) with their deferred columns finished."""
    if not deferred or rows.is_empty():
        return rows
    return rows.with_columns([d.finish(rows[d.column]).alias(d.column) for d in deferred])


@dataclass(frozen=True)
class ParseResult:
    """The outcome of parsing one chunk of lines."""

    events: pl.DataFrame
    rejects: pl.DataFrame
    skipped: int
    #: The distinct normalised hosts of the chunk, when the parser computed them (a
    #: superset of the events' hosts: rejected lines' hosts may be in it). Matching and
    #: candidate signals work on distinct hosts and reuse it instead of finding them again.
    hosts: pl.Series | None = None
    #: The events' hosts as positions in a table of hosts, when the parser factorized them
    #: (:class:`Coded`): matching and signals test the table and gather, row for row.
    host_codes: Coded | None = None
    #: Event columns left as logged (:meth:`LogParser.scan_block` only): the events'
    #: values in them are not final until :meth:`finished` or :func:`finish_columns`.
    deferred: tuple[Deferred, ...] = ()

    def finished(self) -> ParseResult:
        """This result with its deferred columns finished."""
        if not self.deferred:
            return self
        return replace(self, events=finish_columns(self.events, self.deferred), deferred=())

    @staticmethod
    def joined(parts: list[ParseResult]) -> ParseResult:
        """The results of consecutive pieces of a chunk, as one result (finished)."""
        parts = [p.finished() for p in parts]
        hosts = [p.hosts for p in parts]
        return ParseResult(
            events=pl.concat([p.events for p in parts]),
            rejects=pl.concat([p.rejects for p in parts]),
            skipped=sum(p.skipped for p in parts),
            hosts=(
                pl.concat([h for h in hosts if h is not None]).unique()
                if all(h is not None for h in hosts)
                else None
            ),
        )


class LogParser(ABC):
    """A log format: how to recognise it and how to parse it.

    Subclasses set the class attributes (they feed ``shadowscan formats``) and implement
    :meth:`detect` and :meth:`parse_lines`.
    """

    name: ClassVar[str]
    source: ClassVar[str]  # proxy | dns | saas | firewall
    description: ClassVar[str]
    #: Optional event fields this format can carry (user, src_ip, url_path, bytes_out, ...).
    fields: ClassVar[tuple[str, ...]]
    #: True when the format logs local time, so ``--tz`` applies.
    local_time: ClassVar[bool] = False
    #: True when an event without a host is a bad line (a proxy line always names one).
    requires_host: ClassVar[bool] = False
    #: True when :meth:`parse_lines` itself marks every blank line (only whitespace)
    #: skipped, so :meth:`parse` need not test every line again.
    skips_blank_lines: ClassVar[bool] = False
    #: True when reject reasons name line numbers (``invalid JSON ... at line 12``): the
    #: reader then numbers every block from the file's first line, not from 1.
    names_lines: ClassVar[bool] = False
    #: The polars engine that runs :meth:`parse_lines`' query on a chunk. The streaming
    #: engine cuts the chunk into morsels and joins the results again; a parser whose
    #: query is plain row-wise expressions may take the in-memory engine, which evaluates
    #: it at once (Squid: 2.5-5 % less wall time end to end, same peak memory). Not the
    #: default: polars 2.1's in-memory engine panics on some queries (a when/then inside
    #: an aggregation, in FortiGate's).
    engine: ClassVar[Literal["streaming", "in-memory"]] = "streaming"
    #: Blocks of a large file are this many times ``reader.CHUNK_BYTES``, and this many
    #: (None: ``pipeline.CHUNKS_IN_FLIGHT``) are parsed at a time. Each block pays a
    #: fixed cost (some 70 polars queries) and per-distinct work (hosts, users, status
    #: codes) that grows slower than its lines: a parser whose working set per byte is
    #: small takes bigger blocks, fewer at a time (see ``SquidNativeParser``).
    block_scale: ClassVar[int] = 1
    blocks_in_flight: ClassVar[int | None] = None

    def __init__(
        self,
        *,
        source_file: str,
        head: list[str],
        tz: str = "UTC",
        mapping: Path | None = None,
    ) -> None:
        self.source_file = source_file
        self.tz = tz
        self.head = head
        self.mapping = mapping
        #: Whether the last chunk's hosts needed normalising (a hint for the next chunk's
        #: way of normalising them: the result is the same either way).
        self.rewrites_hosts = False

    @classmethod
    @abstractmethod
    def detect(cls, head: list[str]) -> float:
        """Confidence 0..1 that ``head`` (the first non-blank lines) is this format."""

    @abstractmethod
    def parse_lines(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Return ``lines`` with event columns plus ``_reason`` and ``_skip``.

        ``host`` may be raw (``Host:443``, ``name.``): the base class normalises it on
        distinct values. Rows must stay aligned with the input (same count, same order).
        """

    def for_chunk(self, lines: pl.DataFrame) -> LogParser:
        """The parser to read ``lines`` with, called for each chunk in file order.

        A parser whose chunks depend on the ones before (a header that can change
        mid-file) carries that state forward here, cheaply, and returns a copy that holds
        what this chunk needs: the chunks can then be parsed at the same time. Most
        parsers keep no state and return themselves.
        """
        return self

    def for_block(self, block: Block) -> LogParser:
        """:meth:`for_chunk` for a block of lines, in file order: the block is decoded
        here only for a parser that carries state from chunk to chunk."""
        if type(self).for_chunk is LogParser.for_chunk:
            return self
        return self.for_chunk(block.frame())

    def parse_block(self, block: Block) -> ParseResult:
        """Parse a block of lines: :meth:`parse` on its decoded lines.

        A parser may read a plain block faster straight from its bytes
        (``Block.fields``); it must then give exactly what :meth:`parse` gives.
        """
        return self.parse(block.frame())

    def scan_block(self, block: Block) -> ParseResult:
        """:meth:`parse_block` for a scan, which keeps the values of a few rows only (the
        matched and signal rows): a parser may leave columns that cost much to finish as
        logged (``ParseResult.deferred``), for the scan to finish on the rows it keeps."""
        return self.parse_block(block)

    def parse(self, lines: pl.DataFrame) -> ParseResult:
        """Parse a chunk of ``line_no``/``raw`` lines into events, rejects and a skip count."""
        return self.finish(self.read_lines(lines))

    def read_lines(self, lines: pl.DataFrame) -> pl.DataFrame:
        """:meth:`parse_lines`' output for a chunk of lines, blank lines marked skipped:
        what :meth:`finish` takes."""
        parsed = self.parse_lines(lines.lazy())
        if not self.skips_blank_lines:
            parsed = parsed.with_columns((pl.col(SKIP).fill_null(False) | BLANK).alias(SKIP))
        return aligned(parsed.collect(engine=self.engine))

    def finish(self, out: pl.DataFrame) -> ParseResult:
        """Events, rejects and the skip count from :meth:`parse_lines`' output (with
        ``_skip`` set for blank lines): hosts normalised, lines booked. ``raw`` is read
        only for rejected lines: a fast path that rejects none may leave it out."""
        out, hosts, codes, self.rewrites_hosts = _normalise_hosts(out, rewrites=self.rewrites_hosts)
        if self.requires_host:
            out = out.with_columns(
                pl.when(pl.col(REASON).is_null() & pl.col("host").is_null())
                .then(pl.lit("no host"))
                .otherwise(pl.col(REASON))
                .alias(REASON)
            )
        skipped, bad_rows = out.select(pl.col(SKIP).sum(), pl.col(REASON).is_not_null().sum()).row(
            0
        )
        if skipped == 0 and bad_rows == 0:  # the common chunk: every line an event, no copies
            good, bad = out, out.clear()
        else:
            bad = out.filter(~pl.col(SKIP) & pl.col(REASON).is_not_null())
            parsed = (~pl.col(SKIP) & pl.col(REASON).is_null()).fill_null(False)
            keep = out.select(parsed).to_series()  # the events' rows, for their codes too
            good = out.filter(keep)
            codes = None if codes is None else codes.filter(keep)
        events = self.events_of(good)
        rejects = conform(
            bad.select(
                pl.lit(self.source_file).alias("source_file"),
                pl.col("line_no").alias("source_line"),
                pl.col(REASON).alias("reason"),
                pl.col("raw").str.slice(0, REJECT_RAW_MAX).alias("raw"),
            )
            if bad.height
            else pl.DataFrame(),
            REJECT_SCHEMA,
        )
        return ParseResult(
            events=events, rejects=rejects, skipped=skipped, hosts=hosts, host_codes=codes
        )

    # Helpers shared by the parsers -------------------------------------------------------

    def events_of(self, good: pl.DataFrame) -> pl.DataFrame:
        """Parsed rows (with ``line_no``) as events: provenance added, the event schema."""
        return conform(
            good.with_columns(
                pl.lit(self.source).alias("source"),
                pl.lit(self.name).alias("log_format"),
                pl.lit(self.source_file).alias("source_file"),
                pl.col("line_no").alias("source_line"),
            ),
            EVENT_SCHEMA,
        )

    def local_to_utc(self, naive: pl.Expr) -> pl.Expr:
        """Interpret a naive datetime as ``--tz`` local time and convert it to UTC."""
        return zoned_to_utc(naive, self.tz)


class YearlessSyslogParser(LogParser):
    """A parser of BSD syslog lines, whose stamps (``Jan 23 23:59:11``) carry no year."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The time year-less stamps are placed before (tests pin it).
        self.reference = datetime.now(UTC)

    def syslog_ts(self, stamp: pl.Expr) -> pl.Expr:
        """A year-less ``--tz`` local stamp -> UTC, in the year that puts it before
        :attr:`reference` (see :func:`textfields.bsd_syslog_ts`)."""
        return bsd_syslog_ts(stamp, self.reference, tz=self.tz)


def _normalise_hosts(
    out: pl.DataFrame, *, rewrites: bool = True
) -> tuple[pl.DataFrame, pl.Series | None, Coded | None, bool]:
    """Normalise ``host`` once per distinct value (hosts repeat far more than rows vary);
    also give the distinct normalised hosts (None when there is no host column), the
    rows' hosts as positions in a table of normalised hosts (None when they were not
    factorized) and whether any row's host changed.

    ``rewrites``: whether some hosts are likely to change (the chunk before had some, as
    proxies log ``host:443``). Then one hashing pass numbers each row's distinct value
    (:func:`factorize_hashed`), the normalised ones are gathered back and the numbers are
    given on (matching and signals gather by them); otherwise (DNS names) the hosts are
    only hashed once, and a chunk that does need changes is joined back. Either way gives
    the same frame.
    """
    if "host" not in out.columns:
        return out, None, None, False
    if out.schema["host"] != pl.String:  # all null (e.g. W3C lines with no #Fields: yet)
        out = out.with_columns(pl.col("host").cast(pl.String))
    if rewrites:
        distinct, index = factorize_hashed(out["host"])
    else:
        distinct, index = out["host"].unique().drop_nulls(), None
    # Most hosts are already clean (lower case, no scheme/path/userinfo, at most a port):
    # for those normalize_host only drops the port. So the port is cut from every distinct
    # host in one query, one regex test (no capture) finds the others, and the chain of
    # normalising expressions runs on those alone, put in their places.
    host = pl.col("host")
    colon = pl.col("_colon")
    bare = pl.when(colon.is_null()).then(host).otherwise(byte_slice(host, 0, colon))
    table = distinct.to_frame()
    normal = (
        table.lazy()
        .with_columns(host.str.find(":", literal=True).alias("_colon"))
        .select(pl.when(bare != "-").then(bare).alias("_host"))
        .collect(engine="in-memory")["_host"]
    )
    unclean = distinct.str.contains(_CLEAN_HOST).not_().arg_true()
    if unclean.len():
        fixed = table[unclean].select(normalize_host(host))["host"]
        normal = normal.scatter(unclean, fixed)
    hosts = normal.drop_nulls().unique().rename("host")
    codes = None if index is None else Coded(normal.rename("host"), index)
    if not distinct.ne_missing(normal).any():
        # Every host already normalised (DNS names, most proxy chunks): no copy.
        return out, hosts, codes, False
    if index is None:
        pairs = pl.DataFrame([distinct, normal])
        column = out.select("host").join(pairs, on="host", how="left", maintain_order="left")
        return out.with_columns(column["_host"].alias("host")), hosts, None, True
    rows = chunked_like(normal.gather(index), out["host"])
    return out.with_columns(rows.alias("host")), hosts, codes, True


def epoch_to_utc(seconds: pl.Expr) -> pl.Expr:
    """Epoch seconds (string or number, fractional) -> UTC datetime; bad values -> null.

    Rounded to the microsecond, so ``1157689312.049`` is exactly ``.049000``.
    """
    value = seconds.cast(pl.Float64, strict=False)
    # 0 .. year 9999: anything else (nan, inf, 1e300) is a bad timestamp, not a crash.
    value = pl.when(value.is_between(0, 253_402_300_799)).then(value)
    micros = (value * 1_000_000).round(0).cast(pl.Int64, strict=False)
    return micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def null_if(expr: pl.Expr, *values: str) -> pl.Expr:
    """``expr`` with the given placeholder strings (``-``, empty) turned into null."""
    return pl.when(~expr.is_in(list(values))).then(expr)


def first_reason(*checks: tuple[pl.Expr, str]) -> pl.Expr:
    """The reason of the first failed check, or null when every check passes.

    Each check is ``(condition_that_is_true_when_bad, reason)``.
    """
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for bad, reason in reversed(checks):
        expr = pl.when(bad).then(pl.lit(reason)).otherwise(expr)
    return expr
