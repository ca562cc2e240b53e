"""The report's inline CSS and its one script (table sorting), with their CSP hashes.

They live here, not in the template, so the Content-Security-Policy can allow exactly these
bytes (``'sha256-...'``) and nothing else: no inline style attributes, no other script.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final

CSS: Final = """
:root { --ink: #1d2430; --muted: #667085; --line: #eaecf0; --head: #f2f4f7; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
  max-width: 1280px; color: var(--ink); padding: 0 1em; line-height: 1.4; }
h1 { margin-bottom: 0.1em; } h2 { margin-top: 1.8em; border-bottom: 2px solid var(--line);
  padding-bottom: 0.2em; }
.muted, svg text.muted { color: var(--muted); fill: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 1em 0; }
.card { border: 1px solid #d0d5dd; border-radius: 6px; padding: 0.7em 1em; min-width: 160px;
  flex: 1 1 160px; }
.card b { display: block; font-size: 1.7em; }
.card.alert b { color: #b42318; }
.note { background: #fffaeb; border-left: 4px solid #f79009; padding: 0.5em 0.8em; }
.privacy { background: #ecfdf3; border-left: 4px solid #12b76a; padding: 0.5em 0.8em; }
ul.facts li { margin: 0.2em 0; }
figure { margin: 1em 0 1.5em; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 0.4em; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg text { font-size: 12px; fill: var(--ink); }
svg text.on-dark { fill: #fff; }
svg .grid { stroke: #d0d5dd; stroke-width: 1; }
.charts { display: grid; grid-template-columns: 1fr; gap: 0.5em; }
table { border-collapse: collapse; width: 100%; font-size: 0.84em; margin-bottom: 1.5em; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3em 0.45em; text-align: left;
  vertical-align: top; }
th { background: var(--head); white-space: nowrap; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
  cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.why { min-width: 14em; }
td.nowrap { white-space: nowrap; }
.sev-critical { color: #7a271a; font-weight: bold; }
.sev-high { color: #d92d20; font-weight: bold; }
.sev-medium { color: #b54708; } .sev-low { color: #027a48; }
.st-prohibited { color: #b42318; font-weight: 600; } .st-unsanctioned { color: #c4320a; }
.st-tolerated { color: #5925dc; } .st-sanctioned { color: #027a48; }
.tag { font-size: 0.8em; border: 1px solid #d0d5dd; border-radius: 3px; padding: 0 0.3em; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .card, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  th button { pointer-events: none; }
  th[aria-sort] button::after { content: ""; }
}
"""

SORT_JS: Final = """
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v !== null) { return v === "" ? -Infinity : Number(v); }
    return cell.textContent.trim().toLowerCase();
  }
  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b));
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) {
          return r.cells.length === heads.length;
        });
        rows.sort(function (a, b) {
          var r = compare(key(a.cells[col]), key(b.cells[col]));
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"""


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline ``<style>``/``<script>`` text.

    >>> csp_hash("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


CSP: Final = (
    "default-src 'none'; "
    f"style-src {csp_hash(CSS)}; "
    f"script-src {csp_hash(SORT_JS)}; "
    "img-src 'none'; font-src 'none'; connect-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
