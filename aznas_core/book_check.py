"""Check every page of the built book in headless Chromium, in one browser process.

A small HTTP server serves the built HTML plus one driver page; the driver loads each page in
an iframe of a given width (1400 px: a desktop, 1024 px: a laptop), runs the checks below in
it, and writes the findings as JSON into its own DOM, which `chromium --dump-dom` returns.
The checks, per page and width:

- overflow: no element inside the content column (`article.bd-article`) reaches past its
  right or left edge, not even inside a scrolling box (the theme puts every table in one: a
  reader sees its left part and a scroll bar at its foot, that is, a table cut off), no text
  block (`<pre>`) needs a horizontal scroll bar, and the page itself does not scroll sideways;
- errors: no `Traceback`, no error or stderr output cell;
- raw markup: no unrendered Markdown/MyST/HTML in the prose (``` ``` ```, `:::`, `{doc}` roles,
  `**bold**`, `](`, literal tags), code and outputs excepted;
- NaN: no `nan`/`NaN` cell in the page's headline table (its first table) nor in any table of
  the landing page;
- images: every `<img>` has loaded (`naturalWidth > 0`);
- links: every same-site link; Python then checks that its file exists in the build and that
  its `#fragment` is an id there.

It also records, for the report, each image's displayed/natural width and how far down the
page the first table or figure starts.
"""
from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import socketserver
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

WIDTHS = (1400, 1024)
DRIVER = "__aznas_check__.html"

_CHECK_JS = r"""
function checkPage(doc, win, landing) {
  const out = {overflow: [], errors: [], markup: [], nan: [], images: [], links: [],
               imgs: [], first_visual_top: null, page_scroll: 0};
  const col = doc.querySelector("article.bd-article");
  if (!col) { out.errors.push("no article.bd-article"); return out; }
  // the column is the article's content box: an output container clips at its edge, so
  // anything reaching into the article's padding is already cut off
  const box = col.getBoundingClientRect(), ccs = win.getComputedStyle(col);
  const cr = {left: box.left + parseFloat(ccs.paddingLeft) + parseFloat(ccs.borderLeftWidth),
              right: box.right - parseFloat(ccs.paddingRight) - parseFloat(ccs.borderRightWidth)};
  cr.width = cr.right - cr.left;
  out.column = Math.round(cr.width);
  const root = doc.documentElement;
  out.page_scroll = Math.max(0, root.scrollWidth - win.innerWidth);
  out.layout = {};
  for (const sel of [".bd-sidebar-primary", ".bd-main", ".bd-content", ".bd-article-container",
                     "article.bd-article", ".bd-sidebar-secondary"]) {
    const e = doc.querySelector(sel);
    if (e) out.layout[sel] = Math.round(e.getBoundingClientRect().width);
  }
  const desc = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
      ? "." + el.className.trim().split(/\s+/).slice(0, 3).join(".") : "") +
      " [" + (el.innerText || el.getAttribute("src") || "").trim().slice(0, 60).replace(/\s+/g, " ") + "]";
  const reported = new Set();
  for (const el of col.querySelectorAll("*")) {
    if (el.closest("pre") && el.tagName !== "PRE") continue;  // a text block: judged as a whole
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // collapsed content (a closed <details>, a hidden code cell) is laid out but not shown
    if (el.checkVisibility && !el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true})) continue;
    let wide = r.right > cr.right + 1 || r.left < cr.left - 1;
    if (!wide && el.tagName === "PRE" && el.scrollWidth > el.clientWidth + 1) wide = true;
    if (!wide) continue;
    let p = el.parentElement, skip = false;
    for (; p && p !== col; p = p.parentElement) if (reported.has(p)) { skip = true; break; }
    if (skip) continue;
    reported.add(el);
    const w = el.tagName === "PRE" ? el.scrollWidth : r.width;
    out.overflow.push(desc(el) + " " + Math.round(w) + " px wide (" + Math.round(r.left - cr.left) + ".." +
                      Math.round(r.right - cr.left) + ") in a " + Math.round(cr.width) + " px column");
  }
  const text = col.innerText || "";
  if (/Traceback/.test(text)) out.errors.push("Traceback in the page");
  for (const el of col.querySelectorAll(".output.stderr, .output.error, .output.traceback, .traceback, .system-message, .problematic"))
    out.errors.push("error output: " + desc(el));
  for (const el of col.querySelectorAll(".cell_output pre"))
    if (/^\s*(Text\(|<Figure size|<matplotlib\.|<Axes)/.test(el.textContent))
      out.markup.push("a matplotlib repr as output: " + el.textContent.trim().slice(0, 60));
  const walker = doc.createTreeWalker(col, NodeFilter.SHOW_TEXT);
  const rawRe = /```|^\s*:::|\{(doc|ref|numref|eq|cite|download|math)\}`|\*\*\S[^*]*\S\*\*|\]\([^)\s]+\)|<\/?(div|table|span|p|br|img|a)\b[^>]*>/m;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const a = n.parentElement;
    if (!a || a.closest("pre, code, .highlight, script, style, .math, mjx-container, .cell_output, .MathJax")) continue;
    const m = rawRe.exec(n.nodeValue);
    if (m) out.markup.push(JSON.stringify(n.nodeValue.trim().slice(0, 100)));
  }
  const tables = Array.from(col.querySelectorAll("table"));
  for (const [i, t] of (landing ? tables : tables.slice(0, 1)).entries())
    for (const c of t.querySelectorAll("td, th"))
      if (/^\s*(nan|NaN|<NA>|None)\s*$/.test(c.innerText)) { out.nan.push("table " + i + ": " + desc(c.parentElement)); break; }
  let first = null;
  for (const el of col.querySelectorAll("table, img")) {
    const r = el.getBoundingClientRect();
    if (r.height > 0) { first = r.top + win.scrollY; break; }
  }
  out.first_visual_top = first;
  for (const img of col.querySelectorAll("img")) {
    if (!img.complete || img.naturalWidth === 0) out.images.push(img.getAttribute("src"));
    else out.imgs.push([img.getAttribute("src"), Math.round(img.getBoundingClientRect().width), img.naturalWidth]);
  }
  for (const a of doc.querySelectorAll("a[href]")) {
    const u = new URL(a.getAttribute("href"), doc.baseURI);
    if (u.origin === win.location.origin) out.links.push(u.pathname + u.hash);
  }
  out.links = Array.from(new Set(out.links));
  return out;
}
"""

_DRIVER_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>check</title></head>
<body><pre id="result">pending</pre><script>
%(check)s
const PAGES = %(pages)s, WIDTHS = %(widths)s, LANDING = %(landing)s, SETTLE_MS = %(settle)d;
function load(src, width) {
  return new Promise((resolve) => {
    const f = document.createElement("iframe");
    f.style.width = width + "px"; f.style.height = "900px"; f.style.border = "0";
    f.onload = () => setTimeout(() => resolve(f), SETTLE_MS);
    f.src = src; document.body.appendChild(f);
  });
}
(async () => {
  const results = [];
  for (const w of WIDTHS) for (const p of PAGES) {
    let f;
    try {
      f = await load(p, w);
      const r = checkPage(f.contentDocument, f.contentWindow, LANDING.includes(p));
      r.page = p; r.width = w; results.push(r);
    } catch (e) { results.push({page: p, width: w, errors: ["checker: " + e]}); }
    if (f) f.remove();
  }
  document.getElementById("result").textContent = JSON.stringify(results);
})();
</script></body></html>
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _serve(root: Path, driver: str):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path.split("?")[0] == "/" + DRIVER:
                body = driver.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                super().do_GET()

        def log_message(self, *a, **k):
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0),
                                             functools.partial(Handler, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_checks(root: Path, pages: list[str], widths=WIDTHS, landing=("index.html", "intro.html"),
               timeout: float = 600, settle_ms: int = 50) -> list[dict]:
    """Load every page (paths relative to `root`) at every width in one Chromium; return one
    dict per (page, width) with the raw findings (see the module docstring)."""
    exe = chromium()
    if not exe:
        raise RuntimeError("chromium is not installed")
    driver = _DRIVER_HTML % dict(check=_CHECK_JS, pages=json.dumps(["/" + p for p in pages]),
                                 widths=json.dumps(list(widths)),
                                 landing=json.dumps(["/" + p for p in landing]), settle=settle_ms)
    server = _serve(Path(root), driver)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{DRIVER}"
        with tempfile.TemporaryDirectory() as profile:
            dom = subprocess.run(
                [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--hide-scrollbars",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                 "--window-size=1440,1000", f"--virtual-time-budget={int(timeout * 1000)}",
                 "--dump-dom", url],
                capture_output=True, text=True, timeout=timeout).stdout
    finally:
        server.shutdown()
        server.server_close()
    m = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    if not m or m.group(1) == "pending":
        raise RuntimeError("the checker did not finish: " + dom[-500:])
    import html
    return json.loads(html.unescape(m.group(1)))


@functools.lru_cache(maxsize=None)
def _ids(path: Path) -> frozenset:
    return frozenset(re.findall(r'\bid="([^"]+)"', path.read_text(errors="replace")))


def broken_links(root: Path, links) -> list[str]:
    """Same-site links (`/path#frag`) whose file is not in `root` or whose fragment is no id
    in it."""
    bad = []
    for link in sorted(set(links)):
        parts = urlsplit(link)
        rel = unquote(parts.path).lstrip("/")
        target = Path(root) / rel
        if rel == "" or rel.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            bad.append(f"{link}: no such file")
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _ids(target):
            bad.append(f"{link}: no id {parts.fragment!r} in {rel}")
    return bad


def problems(root: Path, results: list[dict]) -> dict[str, list[str]]:
    """{"page @ width": [problem, ...]} for every page and width with a problem."""
    out: dict[str, list[str]] = {}
    for r in results:
        key = f"{r['page'].lstrip('/')} @ {r['width']}px"
        p = [f"overflow: {o}" for o in r.get("overflow", [])]
        if r.get("page_scroll", 0) > 1:
            p.append(f"the page scrolls sideways by {r['page_scroll']} px")
        p += list(r.get("errors", []))
        p += [f"raw markup: {m}" for m in r.get("markup", [])]
        p += [f"NaN in a headline table: {n}" for n in r.get("nan", [])]
        p += [f"image not loaded: {s}" for s in r.get("images", [])]
        p += [f"broken link: {b}" for b in broken_links(root, r.get("links", []))]
        if p:
            out[key] = p
    return out


def book_pages(html_root: Path) -> list[str]:
    """Every content page of the built book (not search/genindex, not the driver)."""
    root = Path(html_root)
    skip = {"search.html", "genindex.html", "index.html", "py-modindex.html"}
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.html")
                  if p.name not in skip and not p.relative_to(root).parts[0].startswith("_"))


def main(argv=None) -> int:  # python -m aznas_core.book_check [HTML_ROOT]
    import sys
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[0]) if args else Path(__file__).resolve().parents[1] / "book" / "_build" / "html"
    t0 = time.time()
    results = run_checks(root, book_pages(root))
    found = problems(root, results)
    for k, v in found.items():
        print(k)
        for x in v:
            print("   ", x)
    for r in results:
        print(f"{r['page']:40s} {r['width']:5d}px first table/figure at {r.get('first_visual_top')} px; "
              "images (shown/natural px): " + ", ".join(f"{Path(s).name} {a}/{b}" for s, a, b in r.get("imgs", [])))
    print(f"{len(results)} page loads in {time.time() - t0:.0f} s; {len(found)} with problems")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
