"""End-to-end benchmark of `shadowscan scan` beside the raw line-read speed of the same file.

    python bench/run_bench.py --lines 1000000                       # Squid, 1M lines
    python bench/run_bench.py --format bind9 --lines 1000000 --lines 5000000 --table
    python bench/run_bench.py --file /var/log/squid/access.log      # an existing file

For each size: a generated file (``bench/out/``, written by ``gen_logs.py`` when missing),
the line-read ceiling measured on it in this run (polars reading the lines alone, warm page
cache), then ``shadowscan scan FILE --out TMP`` in a child process. Reported: lines, MB, wall
time of the scan process (interpreter start included), lines/s, MB/s, the scan's peak RSS,
the ceiling, and the ratio scan speed / ceiling.

Peak RSS is measured per run by a fresh helper process that starts the scan and reads
``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the peak of the largest single process of the
scan, never contaminated by earlier sizes. The helper also samples the whole process tree's
RSS every 100 ms (Linux ``/proc``), which differs only if the scan starts worker processes.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ceiling import line_read, warm  # noqa: E402
from gen_logs import AI_SHARE, FORMATS, ensure  # noqa: E402

#: Runs the command in argv, then prints its wall time, CPU time and peak RSS as JSON.
#: A separate interpreter per run, so RUSAGE_CHILDREN holds that one scan only.
_HELPER = r"""
import json, os, resource, subprocess, sys, threading, time

def tree_rss_kib(root):
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(name))
            except (OSError, ValueError, IndexError):
                pass
    todo, total = [root], 0
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, ()))
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total

t = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
peak = [0]
def sample():
    while proc.poll() is None:
        peak[0] = max(peak[0], tree_rss_kib(proc.pid))
        time.sleep(0.1)
threading.Thread(target=sample, daemon=True).start()
_, err = proc.communicate()
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "wall": wall, "maxrss_kib": ru.ru_maxrss,
                  "tree_kib": peak[0], "cpu": ru.ru_utime + ru.ru_stime,
                  "stderr": err.decode(errors="replace")[-2000:]}))
"""


@dataclass
class Run:
    """One size: the file, the ceiling, and the scan."""

    path: Path
    lines: int
    mb: float
    read_s: float
    wall: float
    cpu: float
    rss_mib: float
    tree_mib: float
    load: float
    summary: dict[str, Any]
    #: The machine's CPU time during the scan that was not the scan's: stolen by the
    #: hypervisor (share of all CPU time) and used by other processes (seconds); None
    #: where ``/proc/stat`` is not there.
    steal: float | None = None
    others_cpu: float | None = None

    @property
    def ratio(self) -> float:
        """Scan speed as a share of the line-read speed."""
        return self.read_s / self.wall


def cpu_times() -> list[int] | None:
    """The machine's CPU times in clock ticks (``/proc/stat``'s first line: user, nice,
    system, idle, iowait, irq, softirq, steal), or None off Linux."""
    try:
        with open("/proc/stat") as fh:
            return [int(v) for v in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None


def contention(
    before: list[int] | None, after: list[int] | None, own_cpu: float
) -> tuple[float | None, float | None]:
    """Steal share and other processes' CPU seconds between two :func:`cpu_times`
    readings, ``own_cpu`` being the scan's CPU seconds.

    >>> contention([0] * 8, [100, 0, 20, 60, 0, 0, 0, 20], 1.0)
    (0.1, 0.2)
    """
    if before is None or after is None or len(before) < 8 or len(after) < 8:
        return None, None
    d = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(d)
    if total <= 0:
        return None, None
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    busy = (d[0] + d[1] + d[2] + d[5] + d[6]) / tick
    return round(d[7] / total, 4), round(max(busy - own_cpu, 0.0), 2)


def run_scan(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scan ``path`` in a child (via the helper): its measurements and summary.json."""
    with tempfile.TemporaryDirectory(prefix="shadowscan-bench-") as out:
        cmd = [sys.executable, "-m", "shadowscan", "-q", "scan", str(path), "--out", out]
        helper = subprocess.run(
            [sys.executable, "-c", _HELPER, *cmd], check=True, capture_output=True, text=True
        )
        measured: dict[str, Any] = json.loads(helper.stdout)
        if measured["rc"] not in (0, 3):  # 3: findings at --fail-on, not used here
            raise SystemExit(f"scan of {path} exited {measured['rc']}:\n{measured['stderr']}")
        summary: dict[str, Any] = json.loads((Path(out) / "summary.json").read_text())
    return measured, summary


def measure(path: Path) -> Run:
    """Ceiling then scan, on a warm page cache."""
    warm(path)
    read_s, lines = line_read(path)
    load = os.getloadavg()[0]
    before = cpu_times()
    measured, summary = run_scan(path)
    steal, others = contention(before, cpu_times(), measured["cpu"])
    return Run(
        path=path,
        lines=lines,
        mb=path.stat().st_size / 1e6,
        read_s=read_s,
        wall=measured["wall"],
        cpu=measured["cpu"],
        rss_mib=measured["maxrss_kib"] / 1024,
        tree_mib=measured["tree_kib"] / 1024,
        load=load,
        summary=summary,
        steal=steal,
        others_cpu=others,
    )


def describe(run: Run) -> str:
    """The plain-text report of one run."""
    s = run.summary
    formats = sorted({i["format"] for i in s["inputs"]})
    return "\n".join(
        [
            f"file            {run.path.name}: {run.lines:,} lines, {run.mb:,.1f} MB "
            f"(format {', '.join(formats)})",
            f"line read       {run.read_s:.2f} s  {run.mb / run.read_s:,.0f} MB/s  "
            "(polars, lines only)",
            f"scan end-to-end {run.wall:.2f} s  {run.lines / run.wall:,.0f} lines/s  "
            f"{run.mb / run.wall:,.1f} MB/s  peak RSS {run.rss_mib:,.0f} MiB "
            f"(process tree, sampled: {run.tree_mib:,.0f} MiB)  CPU {run.cpu:.1f} s",
            f"ratio to line-read ceiling: {run.ratio:.1%}  (1-min load average before: "
            f"{run.load:.1f} on {os.cpu_count()} CPUs)",
            f"contention      {_share(run.steal)} of the machine's CPU time stolen, "
            f"{_seconds(run.others_cpu)} CPU s used by other processes, during the scan",
            f"events {s['events']:,}  rejected {s['rejected']:,}  skipped {s['skipped']:,}  "
            f"matched {s['matched']:,}  findings {s['findings']:,}",
            f"timings {s.get('timings_s')}",
        ]
    )


def table(runs: list[Run]) -> str:
    """A Markdown table, one row per size, then the scan's own stage timings."""
    out = [
        "| lines | MB | scan s | lines/s | MB/s | peak RSS MiB | CPU s | line read s "
        "| line read MB/s | scan / line read | load before | steal | others' CPU s |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in runs:
        out.append(
            f"| {r.lines:,} | {r.mb:,.0f} | {r.wall:.2f} | {r.lines / r.wall:,.0f} "
            f"| {r.mb / r.wall:,.1f} | {r.rss_mib:,.0f} | {r.cpu:.1f} | {r.read_s:.2f} "
            f"| {r.mb / r.read_s:,.0f} | {r.ratio:.1%} | {r.load:.1f} "
            f"| {_share(r.steal)} | {_seconds(r.others_cpu)} |"
        )
    stages = list(dict.fromkeys(k for r in runs for k in (r.summary.get("timings_s") or {})))
    if stages:
        # "startup": the scan process's wall time outside the stages it times itself
        # (interpreter start, imports, argument parsing, exit).
        out += ["", "| lines | startup s | " + " | ".join(f"{k} s" for k in stages) + " |"]
        out.append("|--:|--:|" + "--:|" * len(stages))
        for r in runs:
            t = r.summary.get("timings_s") or {}
            startup = r.wall - float(t.get("total", 0.0))
            cells = " | ".join(f"{t.get(k, '')}" for k in stages)
            out.append(f"| {r.lines:,} | {startup:.2f} | {cells} |")
    return "\n".join(out)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def compile_bytecode() -> None:
    """Compile shadowscan's modules to bytecode before the runs, as installing the package
    does. A source checkout writes its bytecode at its first run, unless
    ``PYTHONDONTWRITEBYTECODE`` is set (as on the machine the README's tables come from):
    then every scan compiled ~80 modules again (~75 ms of its start), which no installed
    copy pays. (To measure with that cost, delete ``shadowscan/**/__pycache__`` and scan
    directly: nothing else writes them while the variable is set.)"""
    spec = importlib.util.find_spec("shadowscan")
    if spec is not None and spec.origin is not None:
        compileall.compile_dir(Path(spec.origin).parent, quiet=1)


def main() -> None:
    """Generate (if needed) and measure each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="squid", choices=list(FORMATS))
    parser.add_argument(
        "--lines", type=int, action="append", help="Lines; repeat for a scaling table (1M)."
    )
    parser.add_argument("--file", type=Path, action="append", help="Existing file(s) instead.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--ai-share",
        type=float,
        default=AI_SHARE,
        help="Share of AI-service lines in generated files (0.03; 1.0: every line matches).",
    )
    parser.add_argument("--table", action="store_true", help="Print a Markdown table.")
    parser.add_argument("--regen", action="store_true", help="Write the generated files again.")
    parser.add_argument(
        "--repeat", type=int, default=1, help="Scan each file N times, keep the fastest."
    )
    args = parser.parse_args()
    compile_bytecode()
    if args.file and args.lines:
        parser.error("use either --file or --lines")
    paths = args.file or [
        ensure(args.format, n, seed=args.seed, regen=args.regen, ai_share=args.ai_share)
        for n in (args.lines or [1_000_000])
    ]
    runs = []
    for path in paths:
        run = min((measure(path) for _ in range(args.repeat)), key=lambda r: r.wall)
        runs.append(run)
        expected = FORMATS[args.format]
        got = sorted({i["format"] for i in run.summary["inputs"]})
        if not args.file and got != [expected]:
            print(f"warning: {path.name} was read as {got}, not {expected}", file=sys.stderr)
        if args.table:
            print(f"done {run.lines:,} lines: {run.wall:.1f} s", file=sys.stderr)
        else:
            print(describe(run) + "\n")
    if args.table:
        print(table(runs))


if __name__ == "__main__":
    main()
