"""The book: builds offline with warnings as errors, lists every target, renders Table 4, and
every page passes the browser checks (aznas_core.book_check) at 1400 and 1024 px."""
import base64
import copy
import functools
import http.server
import os
import re
import socketserver
import subprocess
import tempfile
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from aznas_core import book_check
from aznas_core.book import (BOOK_DIR, NOTEBOOKS_DIR, build_book, findings_markdown,
                             is_nbval_copy, prepare_notebook, status_grid_html, status_markdown)
from aznas_core.report import TARGETS, status_table

HTML = BOOK_DIR / "_build" / "html"

#: Problems the browser check finds on pages whose fix belongs in the notebook (or in the module
#: it calls), not in the book's build: {page: [regex on the problem, ...]}. They are reported as
#: warnings, not failures; anything else fails. Remove an entry once its notebook is fixed.
KNOWN_NOTEBOOK_ISSUES: dict[str, list[str]] = {}

needs_browser = pytest.mark.skipif(
    not book_check.chromium() and not os.environ.get("AZNAS_REQUIRE_BROWSER"),
    reason="chromium not installed (CI installs it and sets AZNAS_REQUIRE_BROWSER)")


@pytest.fixture(scope="module")
def built_book():
    # the committed executed notebooks; nbval (same test run) re-executes each of them
    assert build_book(execute=False) == 0, "jupyter-book build failed (warnings are errors)"
    return HTML


def test_every_notebook_is_in_the_toc():
    toc = (BOOK_DIR / "_toc.yml").read_text()
    for nb in NOTEBOOKS_DIR.glob("*.ipynb"):
        assert f"notebooks/{nb.stem}" in toc, f"{nb.name} missing from book/_toc.yml"


def test_status_page_lists_every_target(built_book):
    page = (built_book / "intro.html").read_text()
    for t in TARGETS:
        assert t.id in page and t.notebook.removesuffix(".ipynb") in page
    row = re.search(r"<tr[^>]*>\s*<td[^>]*><p>P-T4</p></td>(.*?)</tr>", page, re.S)
    assert row and "not yet built" not in row.group(1)
    # the notebook names link to their pages
    assert re.search(r'<a[^>]+href="notebooks/table4.html"', page)
    # per-metric deltas, not one number over KT, Acc. points and milliseconds
    assert "KT/SPR/ρ" in page and "Acc. (points)" in page


def test_landing_page_findings_come_from_the_result_files(built_book):
    page = (built_book / "intro.html").read_text()
    assert "What we found" in page
    t4 = pd.read_csv(BOOK_DIR.parent / "results" / "table4.csv")
    n_ok = int((t4["delta"].abs() <= 0.02).sum())
    assert f"{n_ok} of {len(t4)} Kendall" in page
    assert f"largest |Δ| {t4['delta'].abs().max():.3f}" in page
    items, skipped = findings_markdown()
    assert not skipped, skipped
    assert 5 <= items.count("\n- ") + 1 <= 8
    # every finding links its page
    assert all("{doc}`More </notebooks/" in line for line in items.strip().splitlines())


def test_findings_leave_out_what_has_no_result_file(tmp_path):
    items, skipped = findings_markdown(tmp_path)
    assert items.strip() == "" and len(skipped) == 8
    (tmp_path / "table4.csv").write_text(
        "row,label,dataset,reported,reproduced,delta,n_archs\n1,E,cifar10,0.5,0.53,0.03,15625\n"
        "1,E,cifar100,0.5,0.505,0.005,15625\n")
    items, skipped = findings_markdown(tmp_path)
    assert "partly reproduces**: 1 of 2" in items and "largest |Δ| 0.030" in items


def test_baseline_finding_names_the_measured_cause_of_each_gap(tmp_path):
    """The landing page's baseline finding says what was measured about each gap: GradSign's
    reduction (from table1_gradsign_reductions.csv), a natural-image verdict (table1_inputs.csv),
    or 'open' when neither file says anything about the method."""
    from aznas_core import book

    t1 = pd.read_csv(BOOK_DIR.parent / "results" / "table1.csv")
    # a Grasp and a TE-NAS cell made to miss (the committed ones may reproduce): the files
    # written below explain Grasp's, and neither file says anything about TE-NAS
    for m, d in (("Grasp", 0.1), ("TE-NAS", -0.06)):
        c = (t1["method"] == m) & (t1["dataset"] == "cifar100") & (t1["metric"] == "KT")
        t1.loc[c, "reproduced"] = t1.loc[c, "reported"] + d
        t1.loc[c, "delta"] = d
    t1.to_csv(tmp_path / "table1.csv", index=False)
    line = book._f_baselines(tmp_path)[0]
    assert "Grasp does not" in line and "open: not yet measured on natural images" in line
    pd.DataFrame([
        dict(method="Grasp", dataset="cifar10", input="synthetic_cifar10", KT=0.42, KT_low=0.37,
             KT_high=0.48, paper_KT=0.318, n_archs=300, dKT=np.nan, dKT_low=np.nan, dKT_high=np.nan),
        dict(method="Grasp", dataset="cifar10", input="natural", KT=0.31, KT_low=0.25,
             KT_high=0.37, paper_KT=0.318, n_archs=300, dKT=-0.11, dKT_low=-0.17, dKT_high=-0.06),
    ]).assign(delta_KT=lambda f: f["KT"] - f["paper_KT"],
              paper_in_CI=lambda f: (f["KT_low"] <= f["paper_KT"]) & (f["paper_KT"] <= f["KT_high"])
              ).to_csv(tmp_path / "table1_inputs.csv", index=False)
    pd.DataFrame([dict(dataset="cifar10", input="natural", reduction="sum", n_archs=1042,
                       paper_KT=0.618, KT=0.61, KT_params=0.74)]).to_csv(
        tmp_path / "table1_gradsign_reductions.csv", index=False)
    line = book._f_baselines(tmp_path)[0]
    grasp = t1[(t1["method"] == "Grasp") & t1["metric"].isin(["KT", "SPR"])]["delta"].abs().max()
    assert f"Grasp does not (|Δ| up to {grasp:.3f}; natural images: explained on CIFAR-10 (n=300))" in line
    assert "GradSign's own sum gives KT 0.610 against the paper's 0.618 (n=1,042" in line
    assert "TE-NAS does not" in line and "open" in line.split("TE-NAS does not")[1].split(";")[1]


def test_deviation_and_method_pages_exist(built_book):
    assert "Deviations from the source protocols" in (built_book / "deviations.html").read_text()
    assert "provenance" in (built_book / "method.html").read_text()


# --- preparing notebooks for the book --------------------------------------------------------

def _code(source, outputs=(), tags=None):
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": source,
            "outputs": list(outputs)}
    if tags is not None:
        cell["metadata"]["tags"] = list(tags)
    return cell


def _stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def _html(h):
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": h,
                                                                    "text/plain": "<table>"}}


def _constructed_notebook():
    table = ("<table><tr><th>object_classification</th><th>b</th><th>arch</th></tr>"
             "<tr><td>0.5642</td><td>0.558</td><td>0.501</td></tr>"
             "<tr><td>-0.0048</td><td>93.4967</td>"
             "<td>SuperConvK3BNRELU(3,16,2,1)SuperResIDWE1K5(16,32,2,32,3)</td></tr></table>")
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Table"},
        _code("recompute = False", tags=["parameters"]),                              # 1
        # a copy printed *before* the table is shown: nothing above it to copy
        _code("# NBVAL_CHECK_OUTPUT\nprint(t)", [_stream("0.564 0.558 0.501 -0.005\n")]),  # 2
        _code("show(table)", [_html(table)], tags=["hide-input"]),                     # 3
        # the same numbers, rounded, as plain text: a copy
        _code("# NBVAL_CHECK_OUTPUT\nprint(t.round(3))",
              [_stream("E 0.564 0.558 0.501\ndelta -0.005 93.50\n")]),                 # 4
        # a verdict with numbers the page does not show: kept
        _code("# NBVAL_CHECK_OUTPUT\nprint(v)",
              [_stream("largest |delta| 0.010 | 42 of 42 within 0.02; 0.777 0.888\n")]),  # 5
        # too few numbers to call it a table
        _code("# NBVAL_CHECK_OUTPUT\nprint(x)", [_stream("0.564 0.558\n")]),           # 6
        # prints a copy but also draws a figure: kept
        _code("# NBVAL_CHECK_OUTPUT\nprint(t); plot()",
              [_stream("0.564 0.558 0.501 -0.005\n"),
               {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBO"}}]),  # 7
        # not marked for nbval: kept, even if it copies
        _code("print(t)", [_stream("0.564 0.558 0.501 -0.005\n")]),                   # 8
        _code("ax.set_title('x')", [{"output_type": "execute_result", "execution_count": 1,
                                     "metadata": {}, "data": {"text/plain": "Text(0.5, 1.0, 'x')"}}],
              tags=["remove-input"]),                                                  # 9
        # a verdict whose numbers all occur above, but never together in one row: kept
        _code("# NBVAL_CHECK_OUTPUT\nprint(claims)",
              [_stream("HOLDS: a (0.564 vs 93.50)\nHOLDS: b (0.558 vs 0.005)\n")]),  # 10
    ]}


def test_prepare_notebook_hides_nbval_copies_and_collapses_code():
    nb = _constructed_notebook()
    changes = prepare_notebook(nb)
    cells = nb["cells"]
    tags = {i: c["metadata"].get("tags", []) for i, c in enumerate(cells) if c["cell_type"] == "code"}
    assert changes["remove-output"] == [4]
    assert "remove-output" in tags[4]
    assert all("remove-output" not in tags[i] for i in (2, 3, 5, 6, 7, 8, 9, 10))
    # every code cell collapsed; a removed input stays removed, no tag twice
    assert all("hide-input" in tags[i] for i in (1, 2, 3, 4, 5, 6, 7, 8, 10))
    assert tags[9] == ["remove-input"] and tags[3] == ["hide-input"]
    assert tags[1] == ["parameters", "hide-input"]
    # matplotlib's Text(...) repr dropped; long tokens and snake_case names made breakable,
    # numbers untouched
    assert cells[9]["outputs"] == [] and changes["dropped-repr"] == [9]
    h = cells[3]["outputs"][0]["data"]["text/html"]
    assert "object_<wbr>classification" in h and "1)<wbr>SuperResIDWE1K5(16,<wbr>" in h
    assert "<td>0.5642</td>" in h and "<td>93.4967</td>" in h
    # idempotent: preparing again changes nothing
    again = copy.deepcopy(nb)
    assert prepare_notebook(again)["remove-output"] == [] and again == nb


def test_is_nbval_copy_matches_numbers_at_the_printed_precision():
    rows = [{"0.5642", "0.564", "0.56", "0.6"}, {"0.7"}]
    cell = _code("# NBVAL_CHECK_OUTPUT", [_stream("0.564 0.564 0.56 0.6 ")])
    assert is_nbval_copy(cell, rows)
    cell = _code("# NBVAL_CHECK_OUTPUT", [_stream("0.565 0.564 0.56 0.6 ")])  # 75% shown
    assert not is_nbval_copy(cell, rows)
    cell = _code("# NBVAL_CHECK_OUTPUT", [_stream("0.564 0.7\n0.56 0.7\n")])  # rows mixed
    assert not is_nbval_copy(cell, rows)


def _shown_at_precision(printed: str, above: list[str]) -> bool:
    nd = len(printed.split(".")[1])
    return any(f"{float(v):.{nd}f}" == printed for v in above if len(v.split(".")[1]) >= nd)


def test_committed_notebooks_hide_only_copies():
    """On the real notebooks: every cell the rule hides prints only numbers that a table above
    it shows (checked here independently of the rule's code), and every code cell is collapsed."""
    import nbformat

    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        prepare_notebook(nb)
        above: list[str] = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert {"hide-input", "remove-input", "remove-cell", "hide-cell"} & set(cell.metadata.tags)
            if "remove-output" in cell.metadata.tags and "NBVAL_CHECK_OUTPUT" in cell.source:
                printed = re.findall(r"\d+\.\d+", "".join(o.get("text", "") for o in cell.outputs))
                assert len(printed) >= 4, (path.name, cell.source[:80])
                shown = sum(_shown_at_precision(p, above) for p in printed)
                assert shown >= 0.9 * len(printed), (path.name, cell.source[:80])
            for o in cell.outputs:
                h = "".join(o.get("data", {}).get("text/html", ""))
                above += re.findall(r"\d+\.\d+", re.sub(r"<[^>]+>", " ", h))


# --- the status table, per metric ------------------------------------------------------------

def test_status_table_gives_the_largest_delta_per_metric(tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "table1.ipynb").write_text("{}")
    (tmp_path / "nb" / "blog_table4.ipynb").write_text("{}")
    pd.DataFrame({"metric": ["KT", "SPR", "Acc", "Acc", "ms_per_arch"],
                  "delta": [0.01, -0.025, 0.4, -2.5, 300.0],
                  "tolerance": [0.02, 0.03, 0.5, 0.5, np.nan],
                  "n_archs": [15625] * 5}).to_csv(tmp_path / "table1.csv", index=False)
    pd.DataFrame({"delta": [1.0, 0.0], "tolerance": [0.5, 0.5]}).to_csv(
        tmp_path / "blog_table4.csv", index=False)
    s = status_table(tmp_path, tmp_path / "nb").set_index("id")
    t1 = s.loc["P-T1"]
    assert t1["largest_delta"] == 2.5  # the mixed number, kept for callers
    assert t1["largest_delta_corr"] == 0.025 and t1["within_corr"] == True  # noqa: E712
    assert t1["tolerance_corr"] == "0.02-0.03"
    assert t1["largest_delta_acc"] == 2.5 and t1["within_acc"] == False  # noqa: E712
    assert t1["tolerance_acc"] == "0.5"
    assert np.isnan(t1["largest_delta_ms"])  # runtimes on other hardware: not judged
    b4 = s.loc["B-T4"]
    assert b4["largest_delta_rank"] == 1.0 and b4["within_rank"] == False  # noqa: E712
    assert np.isnan(b4["largest_delta_corr"])
    md = status_markdown(s.reset_index())
    assert "0.025 ✓" in md and "2.50 ✗" in md and "1.00 ✗" in md and "300" not in md
    grid = status_grid_html(s.reset_index())
    assert grid.count("aznas-cell aznas-s-") == len(TARGETS) + 7  # + the legend
    assert 'aznas-s-partially" href="notebooks/table1.html"' in grid


# --- the browser ------------------------------------------------------------------------------

@needs_browser
def test_table4_page_renders_table_and_figure_in_a_real_browser(built_book):
    assert book_check.chromium(), "AZNAS_REQUIRE_BROWSER is set but chromium is not installed"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_book))
    handler.log_message = lambda *a, **k: None
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/notebooks/table4.html"
        with tempfile.TemporaryDirectory() as profile:
            dom = subprocess.run(
                [book_check.chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                 "--virtual-time-budget=10000", "--dump-dom", url],
                capture_output=True, text=True, timeout=120).stdout
        server.shutdown()
    assert "Table 4" in dom
    # the reported | reproduced | delta table, rendered as an HTML table
    tables = re.findall(r"<table.*?</table>", dom, re.S)
    assert any("CIFAR-10 reported" in t and "E+P+T+C NL" in t and "delta" in t for t in tables)
    # the figure: an <img> whose file is a real PNG
    srcs = re.findall(r'<img[^>]+src="([^"]+\.png)"', dom)
    assert srcs, "no figure in the rendered page"
    png = (built_book / "notebooks" / srcs[0]).resolve()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


@needs_browser
def test_every_page_passes_the_browser_checks(built_book):
    """Every page at 1400 and 1024 px: nothing wider than the content column, no traceback,
    error output or raw markup, no NaN in a headline table, every image loaded, every
    same-site link resolving (book_check). Known notebook-side problems are warnings."""
    assert book_check.chromium(), "AZNAS_REQUIRE_BROWSER is set but chromium is not installed"
    pages = book_check.book_pages(built_book)
    assert "intro.html" in pages and "notebooks/table4.html" in pages
    t0 = time.time()
    results = book_check.run_checks(built_book, pages)
    assert len(results) == len(pages) * len(book_check.WIDTHS)
    found = book_check.problems(built_book, results)
    known, unknown = [], []
    for key, problems in found.items():
        page = key.split(" @ ")[0]
        for p in problems:
            if any(re.search(rx, p) for rx in KNOWN_NOTEBOOK_ISSUES.get(page, [])):
                known.append(f"{key}: {p}")
            else:
                unknown.append(f"{key}: {p}")
    if known:
        warnings.warn("known notebook-side problems (KNOWN_NOTEBOOK_ISSUES):\n  "
                      + "\n  ".join(known))
    assert not unknown, "\n".join(unknown)
    # the landing page and the pages the book builds itself are held to every check
    assert not any(k.startswith(("intro.html", "method.html", "deviations.html")) for k in found)
    assert time.time() - t0 < 300


_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
_PAGE = """<!DOCTYPE html><html><head><style>
body {{ margin: 0; }} article.bd-article {{ width: 600px; margin-left: 100px; }}
.scroll {{ overflow-x: auto; }}</style></head><body>
<article class="bd-article"><h1 id="top">{title}</h1>{body}</article></body></html>"""


@needs_browser
def test_the_browser_check_fails_on_constructed_bad_pages(tmp_path):
    """A test of the test: constructed pages with an overflowing table (in a scrolling box, as
    the theme wraps tables), a traceback, raw markup, NaN, a missing image and a broken link
    must each be caught; a clean page must pass."""
    (tmp_path / "fig.png").write_bytes(_PNG)
    pages = {
        "ok.html": ('<p>fine <a href="ok.html#top">self</a></p><img src="fig.png">'
                    '<table><tr><td>0.5</td><td>1.0</td></tr></table>'
                    '<pre>short text output</pre>'),
        "wide.html": ('<div class="scroll"><table style="width:1200px"><tr><td>0.5</td>'
                      '<td>cut off</td></tr></table></div>'),
        "widepre.html": '<div class="cell_output"><pre>' + "x " * 5 + "y" * 400 + "</pre></div>",
        "bad.html": ('<table><tr><td>KT</td><td>NaN</td></tr></table>'
                     '<div class="cell_output"><pre>Traceback (most recent call last)</pre></div>'
                     '<p>some **raw bold** and {doc}`x`</p>'
                     '<img src="missing.png"><a href="nowhere.html">x</a>'
                     '<a href="ok.html#no-such-id">y</a>'),
    }
    for name, body in pages.items():
        (tmp_path / name).write_text(_PAGE.format(title=name, body=body))
    results = book_check.run_checks(tmp_path, sorted(pages), widths=(1024,), landing=())
    found = book_check.problems(tmp_path, results)
    assert "ok.html @ 1024px" not in found, found.get("ok.html @ 1024px")
    assert any(p.startswith("overflow: table") for p in found["wide.html @ 1024px"])
    assert any(p.startswith("overflow: pre") for p in found["widepre.html @ 1024px"])
    bad = "\n".join(found["bad.html @ 1024px"])
    for expected in ("Traceback in the page", "raw markup", "NaN in a headline table",
                     "image not loaded: missing.png", "broken link: /nowhere.html: no such file",
                     "broken link: /ok.html#no-such-id: no id"):
        assert expected in bad, (expected, bad)
