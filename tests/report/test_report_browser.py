"""The report in a real headless Chromium: loads offline, no errors, charts drawn, sortable.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
commands on fd 3, answers on fd 4, NUL-separated JSON), so no WebSocket library is needed.
CI installs Debian's ``chromium`` (.ci/run); elsewhere the tests skip when it is absent.
The screenshot and a PDF print land in ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shadowscan.scan import ScanOptions, run_scan

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("SHADOWSCAN_REQUIRE_BROWSER"),
    reason="/usr/bin/chromium absent (apt-get install chromium; CI installs it in .ci/run)",
)

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,2400",
    "--remote-debugging-pipe",
)


class Chromium:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, user_data_dir: Path) -> None:
        to_r, self._w = os.pipe()
        self._r, from_w = os.pipe()
        # Move the child's ends above 10 so dup2 to 3 and 4 cannot clobber one another.
        child_r = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
        child_w = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
        os.close(to_r)
        os.close(from_w)

        def wire() -> None:
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self.proc = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            pass_fds=(3, 4),
            preexec_fn=wire,  # the only way to put the pipe on fds 3 and 4
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_r)
        os.close(child_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._r], [], [], left)
            if ready:
                chunk = os.read(self._r, 1 << 16)
                if not chunk:
                    raise EOFError("chromium closed the debugging pipe")
                self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        parsed: dict[str, Any] = json.loads(msg)
        return parsed

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Send one command and return its result; events seen meanwhile are kept."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode("utf-8") + b"\0")
        deadline = time.monotonic() + 30
        while True:
            got = self._read(deadline)
            if got.get("id") == self._id:
                if "error" in got:
                    raise RuntimeError(f"{method}: {got['error']}")
                result: dict[str, Any] = got["result"]
                return result
            self.events.append(got)

    def wait_for(self, event: str) -> dict[str, Any]:
        """The first event named ``event`` (already seen or still to come)."""
        for e in self.events:
            if e.get("method") == event:
                return e
        deadline = time.monotonic() + 30
        while True:
            got = self._read(deadline)
            self.events.append(got)
            if got.get("method") == event:
                return got

    def close(self) -> None:
        """Close the browser, then the pipes."""
        with contextlib.suppress(RuntimeError, EOFError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)


class Page:
    """One loaded page and what happened while it loaded."""

    def __init__(self, browser: Chromium, url: str) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})
        self.session = browser.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            browser.send(f"{domain}.enable", session=self.session)
        browser.send("Page.navigate", {"url": url}, session=self.session)
        browser.wait_for("Page.loadEventFired")
        self.url = url

    def js(self, expression: str) -> Any:
        """Evaluate ``expression`` in the page and return its JSON value."""
        got = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session=self.session,
        )
        if "exceptionDetails" in got:
            raise RuntimeError(got["exceptionDetails"])
        return got["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, log errors, CSP reports."""
        found = []
        for e in self.browser.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                what = details.get("exception", {}).get("description") or details.get("text")
                found.append(f"exception: {what}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log: {params['entry']['text']}")
        return found

    def requests(self) -> list[str]:
        """Every URL the page asked for, the page itself excluded."""
        return [
            e["params"]["request"]["url"]
            for e in self.browser.events
            if e.get("method") == "Network.requestWillBeSent"
            and e["params"]["request"]["url"] != self.url
        ]

    def screenshot(self) -> bytes:
        """A PNG of the whole page."""
        shot = self.browser.send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True},
            session=self.session,
        )
        return base64.b64decode(shot["data"])

    def pdf(self) -> bytes:
        """The page printed (print CSS applied)."""
        got = self.browser.send("Page.printToPDF", {"printBackground": True}, session=self.session)
        return base64.b64decode(got["data"])


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser-report")
    run_scan(ScanOptions(paths=[REPO / "sample_logs"], out=out, as_of=date(2026, 11, 30)))
    return out / "report.html"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path / "profile")
    try:
        yield chromium
    finally:
        chromium.close()


def test_report_loads_without_errors_or_requests(report: Path, browser: Chromium) -> None:
    """The sample report loads with no console error and asks the network for nothing."""
    page = Page(browser, report.as_uri())
    assert page.js("document.title") == "shadowscan: AI service usage report"
    assert page.problems() == []
    assert page.requests() == []


def test_report_draws_four_charts(report: Path, browser: Chromium) -> None:
    """The four charts are in the rendered page, as SVG with visible size."""
    page = Page(browser, report.as_uri())
    ids = page.js(
        "Array.from(document.querySelectorAll('figure')).filter("
        "f => { const s = f.querySelector('svg.chart'); "
        "return s && s.getBoundingClientRect().width > 300; }).map(f => f.id)"
    )
    assert ids == ["chart-departments", "chart-services", "chart-trend", "chart-heatmap"]


def test_findings_table_sorts(report: Path, browser: Chromium) -> None:
    """Clicking the Events heading sorts the findings by events, then reverses."""
    page = Page(browser, report.as_uri())
    events = (
        "Array.from(document.querySelectorAll('#findings tbody tr'))"
        ".map(r => Number(r.cells[7].dataset.v))"
    )
    click = "document.querySelectorAll('#findings th button')[7].click()"
    page.js(click)
    ascending = page.js(events)
    assert ascending == sorted(ascending)
    page.js(click)
    descending = page.js(events)
    assert descending == sorted(ascending, reverse=True)
    assert len(descending) == page.js("document.querySelectorAll('#findings tbody tr').length")
    assert len(descending) > 50


def test_screenshot_and_print_are_written(report: Path, browser: Chromium) -> None:
    """A full-page PNG and a printed PDF are written to test-artifacts/."""
    page = Page(browser, report.as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    png, pdf = page.screenshot(), page.pdf()
    (ARTIFACTS / "report.png").write_bytes(png)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[20:24], "big") > 2400  # IHDR height: the whole page
    assert pdf[:5] == b"%PDF-"


def test_harness_sees_requests_and_errors(tmp_path: Path, browser: Chromium) -> None:
    """Control: a page that fetches an image and throws is caught by both checks."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><img src="http://example.invalid/x.png">'
        "<script>throw new Error('boom')</script>",
        encoding="utf-8",
    )
    page = Page(browser, bad.as_uri())
    assert page.requests() == ["http://example.invalid/x.png"]
    assert any("boom" in p for p in page.problems())
