"""Build the Jupyter Book: execute every notebook with papermill, prepare it for reading (tags,
below), write the landing page's generated parts, build HTML.

Preparing a notebook for the book (`prepare_notebook`; the notebooks in `notebooks/` are not
changed, only their copies in `book/notebooks/`):

- every code cell is collapsed (`hide-input`) unless it already carries `remove-input`,
  `remove-cell` or `hide-cell`;
- a plain-text copy kept for nbval is hidden (`remove-output`): a code cell whose source has
  `# NBVAL_CHECK_OUTPUT`, whose outputs are text streams only (no figure, no HTML), that prints
  at least `MIN_COPY_NUMBERS` decimal numbers, of which at least `COPY_SHARE` appear in the
  HTML tables shown by the code cells above it, and at least `COPY_LINE_SHARE` of whose
  printed lines (those with a decimal number) have all their numbers in one row of one such
  table. A number "appears" when the table has it with at least as many decimals and it
  rounds to the printed value. So a printed table (or claim list) that repeats a styled one
  is hidden, while a check that prints a verdict or numbers the page does not otherwise show
  (even numbers that, one by one, occur somewhere above) keeps its output;
- in HTML outputs, a token of `LONG_TOKEN` or more characters without a space (an
  architecture string) gets `<wbr>` break opportunities after `)`, `|`, `,` and `+`, and a
  snake_case name after each `_`, so a table can wrap it instead of growing past the column (numbers never break);
- the `Text(...)`/`<Figure ...>` reprs that matplotlib leaves as a cell's result (an
  `execute_result` whose only content is such a repr) are dropped: they are not output a reader
  can use.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from aznas_core.data import PROJECT_ROOT
from aznas_core.report import DATASET_TITLES, status_table
from aznas_core.report.targets import METRIC_GROUPS

BOOK_DIR = PROJECT_ROOT / "book"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
RESULTS = PROJECT_ROOT / "results"

LONG_TOKEN = 24
MIN_COPY_NUMBERS = 4
COPY_SHARE = 0.9
COPY_LINE_SHARE = 0.8
_DECIMAL = re.compile(r"(?<![\w.])-?(\d+\.\d+)(?![\w.])")
_MPL_REPR = re.compile(r"^\s*(Text\(|<Figure size|<matplotlib\.|<Axes|\[<matplotlib|<seaborn\.)")
_KEEP_INPUT = {"remove-input", "remove-cell", "hide-cell", "hide-input"}


def _text(v) -> str:
    return "".join(v) if isinstance(v, list) else str(v or "")


def _numbers(text: str) -> set[str]:
    """The decimal numbers of `text`, each at its own precision and every coarser one."""
    out = set()
    for tok in _DECIMAL.findall(text):
        v, nd = float(tok), len(tok.split(".")[1])
        out.update(f"{v:.{k}f}" for k in range(1, nd + 1))
        out.add(tok)
    return out


def _shown_rows(outputs) -> list[set[str]]:
    """The numbers of every table row (`<tr>`) of the HTML outputs, one set per row."""
    rows = []
    for o in outputs:
        h = _text(o.get("data", {}).get("text/html", ""))
        for tr in re.findall(r"<tr\b.*?</tr>", h, re.S | re.I):
            nums = _numbers(html.unescape(re.sub(r"<[^>]+>", " ", tr)))
            if nums:
                rows.append(nums)
    return rows


def is_nbval_copy(cell: dict, shown_rows: list[set[str]]) -> bool:
    """Whether `cell` is a plain-text copy of tables shown above it (the rule in the module
    docstring); `shown_rows`: the numbers of each HTML table row of the cells above."""
    if cell.get("cell_type") != "code" or "NBVAL_CHECK_OUTPUT" not in _text(cell.get("source")):
        return False
    outs = cell.get("outputs", [])
    if not outs or any(o.get("output_type") != "stream" for o in outs):
        return False
    text = "".join(_text(o.get("text")) for o in outs)
    printed = _DECIMAL.findall(text)
    if len(printed) < MIN_COPY_NUMBERS:
        return False
    shown = set().union(*shown_rows) if shown_rows else set()
    if sum(tok in shown for tok in printed) < COPY_SHARE * len(printed):
        return False
    lines = [set(_DECIMAL.findall(line)) for line in text.splitlines()]
    lines = [nums for nums in lines if nums]
    in_one_row = sum(any(nums <= row for row in shown_rows) for nums in lines)
    return in_one_row >= COPY_LINE_SHARE * len(lines)


_LONG = re.compile(r"[^\s<>]{%d,}" % LONG_TOKEN)
_SNAKE = re.compile(r"(?<![\w&#])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+")  # column_names_like_this


def breakable_html(h: str) -> str:
    """`h` with `<wbr>` after `)|,+` inside every run of LONG_TOKEN or more non-space
    characters of its text (never inside a tag or an entity)."""
    def text(segment: str) -> str:
        segment = _LONG.sub(lambda m: re.sub(r"([)|,+](?![;#\w]*;))", r"\1<wbr>", m.group(0)),
                            segment)
        return _SNAKE.sub(lambda m: m.group(0).replace("_", "_<wbr>"), segment)
    parts = re.split(r"(<[^>]*>)", h)
    in_skip = False
    for i, part in enumerate(parts):
        if part.startswith("<"):
            m = re.match(r"<\s*(/?\w+)", part)
            tag = m.group(1).lower() if m else ""
            if tag in ("style", "script"):
                in_skip = True
            elif tag in ("/style", "/script"):
                in_skip = False
        elif part and not in_skip:
            parts[i] = text(part)
    return "".join(parts)


def prepare_notebook(nb: dict) -> dict:
    """Tag and clean one notebook (nbformat JSON as a dict) in place for the book; returns
    {"hide-input": [cell index, ...], "remove-output": [...], "dropped-repr": [...],
    "breakable": [...]}."""
    changes = {"hide-input": [], "remove-output": [], "dropped-repr": [], "breakable": []}
    shown: list[set[str]] = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.setdefault("metadata", {})
        tags = list(meta.get("tags", []))
        if not _KEEP_INPUT & set(tags):
            tags.append("hide-input")
            changes["hide-input"].append(i)
        if is_nbval_copy(cell, shown) and "remove-output" not in tags:
            tags.append("remove-output")
            changes["remove-output"].append(i)
        meta["tags"] = tags
        outs = cell.get("outputs", [])
        kept = [o for o in outs if not (o.get("output_type") == "execute_result"
                                         and set(o.get("data", {})) == {"text/plain"}
                                         and _MPL_REPR.match(_text(o["data"]["text/plain"])))]
        if len(kept) != len(outs):
            cell["outputs"] = kept
            changes["dropped-repr"].append(i)
        for o in kept:
            h = o.get("data", {}).get("text/html")
            if h:
                new = breakable_html(_text(h))
                if new != _text(h):
                    o["data"]["text/html"] = new
                    changes["breakable"].append(i)
        shown += _shown_rows(outs)
    return changes


def prepare_notebook_file(path: Path) -> dict:
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    changes = prepare_notebook(nb)
    nbformat.write(nb, str(path))
    return changes


# --- the landing page ------------------------------------------------------------------------

_BADGE = {"reproduced": "success", "reproduced (scaled)": "success", "partially": "warning",
          "does not": "danger", "reported": "muted", "in progress": "info",
          "not yet": "light"}


def _status_class(status: str) -> str:
    for key in ("reproduced (scaled)", "reproduced", "partially", "does not", "reported",
                "in progress", "not yet"):
        if status == key or (key not in ("reproduced",) and status.startswith(key)):
            return key
    return "not yet"


def _badge(status: str) -> str:
    key = _status_class(status)
    head, _, rest = status.partition(" (")
    rest = f" ({rest}" if rest else ""
    if key == "reproduced (scaled)":
        head, rest = "reproduced (scaled)", ""
    return f"{{bdg-{_BADGE[key]}}}`{head}`{rest}"


def _doc(notebook: str) -> str:
    return "/notebooks/" + Path(notebook).stem


def _delta_cell(row, g) -> str:
    v = row[f"largest_delta_{g}"]
    if v != v:
        return ""
    nd = 2 if g in ("acc", "rank") else (0 if g == "ms" else 3)
    ok = row[f"within_{g}"]
    mark = "" if ok is None else (" ✓" if ok else " ✗")
    tol = row[f"tolerance_{g}"]
    return f"{v:.{nd}f}{mark}" + (f" <span class='aznas-tol'>(tol. {tol})</span>" if tol else "")


def status_markdown(table: pd.DataFrame | None = None, book_dir: Path = BOOK_DIR) -> str:
    """The status table as MyST Markdown: one table per document, notebook names linking to
    their pages, the largest |delta| per metric group (only the groups the document has)."""
    table = status_table() if table is None else table
    parts = []
    for document, sub in table.groupby("document", sort=False):
        groups = [g for g in METRIC_GROUPS if sub[f"largest_delta_{g}"].notna().any()]
        head = ["id", "what", "notebook", "status"] + [f"largest \\|Δ\\| {METRIC_GROUPS[g]}"
                                                       for g in groups]
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
        for _, r in sub.iterrows():
            nb = f"{{doc}}`{Path(r['notebook']).stem} <{_doc(r['notebook'])}>`" \
                if _in_toc(r["notebook"], book_dir) else f"`{r['notebook']}`"  # a page once in the toc
            status = _badge(r["status"])
            if r.get("claims"):
                status += f" <span class='aznas-tol'>{r['claims']}</span>" \
                    if "claims" not in r["status"] else ""
            cells = [r["id"], r["what"], nb, status] + [_delta_cell(r, g) for g in groups]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|") if i != 2 else c
                                           for i, c in enumerate(cells)) + " |")
        title = "AZ-NAS paper" if document == "AZ-NAS" else "Blog: A Deeper Look at Zero-Cost Proxies"
        parts.append(f"### {title}\n\n:::{{div}} aznas-status\n" + "\n".join(lines) + "\n:::\n")
    return "\n".join(parts)


def _in_toc(notebook: str, book_dir: Path = BOOK_DIR) -> bool:
    toc = Path(book_dir) / "_toc.yml"
    return toc.is_file() and f"notebooks/{Path(notebook).stem}\n" in toc.read_text() + "\n"


def status_grid_html(table: pd.DataFrame | None = None, book_dir: Path = BOOK_DIR) -> str:
    """A compact coloured grid: one row per document, one linked box per table or figure,
    coloured by its status, with a legend."""
    table = status_table() if table is None else table
    rows = []
    for document, sub in table.groupby("document", sort=False):
        cells = []
        for _, r in sub.iterrows():
            key = _status_class(r["status"])
            label = re.sub(r"\b[PB]-", "", r["id"])
            tip = html.escape(f"{r['id']}: {r['what']} ({r['status']})", quote=True)
            klass = f"aznas-cell aznas-s-{key.replace(' ', '-').replace('(', '').replace(')', '')}"
            if _in_toc(r["notebook"], book_dir):
                href = f"notebooks/{Path(r['notebook']).stem}.html"
                cells.append(f'<a class="{klass}" href="{href}" title="{tip}">{html.escape(label)}</a>')
            else:
                cells.append(f'<span class="{klass}" title="{tip}">{html.escape(label)}</span>')
        name = "AZ-NAS paper" if document == "AZ-NAS" else "Blog"
        rows.append(f'<div class="aznas-grid-row"><span class="aznas-grid-doc">{name}</span>'
                    f'<span class="aznas-grid-cells">{"".join(cells)}</span></div>')
    legend = "".join(
        f'<span class="aznas-legend-item"><span class="aznas-cell aznas-s-'
        f'{k.replace(" ", "-").replace("(", "").replace(")", "")}"></span>&nbsp;{html.escape(k)}&emsp;</span>'
        for k in ("reproduced", "reproduced (scaled)", "partially", "does not", "in progress",
                  "reported", "not yet"))
    legend = (legend.replace("&nbsp;partially&emsp;", "&nbsp;partially reproduced&emsp;")
              .replace("&nbsp;does not&emsp;", "&nbsp;does not reproduce&emsp;")
              .replace("&nbsp;not yet&emsp;", "&nbsp;not yet built&emsp;"))
    return ('<div class="aznas-grid">\n' + "\n".join(rows)
            + f'\n<div class="aznas-grid-legend">{legend}</div>\n</div>\n')


# --- "what we found": each finding computed from a result file -------------------------------

def _f_table4(res):
    t = pd.read_csv(res / "table4.csv")
    n_ok = int((t["delta"].abs() <= 0.02).sum())
    full = "on all 15,625 architectures" if (t["n_archs"] == 15625).all() else \
        f"on {int(t['n_archs'].min()):,}-{int(t['n_archs'].max()):,} architectures"
    verdict = "reproduces" if n_ok == len(t) else "partly reproduces"
    return (f"**Table 4 (the ablation) {verdict}**: {n_ok} of {len(t)} Kendall's τ cells within "
            f"0.02 of the paper {full}; largest |Δ| {t['delta'].abs().max():.3f}.", "table4")


def _table1(res):
    t = pd.read_csv(res / "table1.csv")
    return t, t[t["tolerance"].notna() & t["delta"].notna()]


def _f_aznas_row(res):
    t, j = _table1(res)
    az = j[j["method"] == "AZ-NAS"]
    corr, acc = az[az["metric"].isin(["KT", "SPR"])], az[az["metric"] == "Acc"]
    best = []
    for (d, m), g in t[t["metric"].isin(["KT", "SPR"]) & t["reproduced"].notna()].groupby(
            ["dataset", "metric"]):
        best.append(g.loc[g["reproduced"].idxmax(), "method"] == "AZ-NAS")
    ok = bool((corr["delta"].abs() <= corr["tolerance"]).all() and
              (acc["delta"].abs() <= acc["tolerance"]).all())
    n = int(az["n_archs"].min())
    return (f"**AZ-NAS's own row of Table 1 {'reproduces' if ok else 'does not fully reproduce'}**"
            f" on {'all 15,625' if n == 15625 else f'{n:,}'} architectures: KT/SPR within "
            f"{corr['delta'].abs().max():.3f}, Acc. within {acc['delta'].abs().max():.2f} points; "
            f"AZ-NAS has the highest KT and SPR {'on every dataset' if all(best) else f'in {sum(best)} of {len(best)} dataset-metric pairs'}"
            f" among the {t.loc[t['metric'] == 'KT', 'method'].nunique()} methods.", "table1")


def _f_in16(res):
    v = pd.read_csv(res / "table4_variants.csv")
    main = v[(v["variant"] == "main") & (v["dataset"] == "ImageNet16-120")]
    low = v[v["variant"].str.contains("16x16")]
    n_main = int((main["delta"].abs() <= 0.02).sum())
    n_low = int((low["delta"].abs() <= 0.02).sum())
    return (f"**The paper's ImageNet16-120 column is matched at 32×32 input**, not at the "
            f"dataset's native 16×16: {n_main} of {len(main)} Table 4 cells within 0.02 at 32×32, "
            f"{n_low} of {len(low)} at 16×16 (largest |Δ| {low['delta'].abs().max():.3f}).", "table4")


def _span(values) -> str:
    """'0.566-0.614' (or one value) of a column, to 3 decimals."""
    lo, hi = f"{min(values):.3f}", f"{max(values):.3f}"
    return lo if lo == hi else f"{lo}-{hi}"


def _gap_cause(method: str, res) -> str:
    """What the measurements say about one baseline's Table 1 gap: GradSign's reduction
    (`table1_gradsign_reductions.csv`), else the natural-image verdicts of
    `table1_inputs.csv` (`report.inputs.verdict`), else 'open'."""
    red = res / "table1_gradsign_reductions.csv"
    if method == "GradSign" and red.exists():
        r = pd.read_csv(red).dropna(subset=["KT"])
        s = r[(r["reduction"] == "sum")]
        if len(s):
            n = sorted({f"{k:,}" for k in s["n_archs"].astype(int)})
            return (f"the harness's mean over the weights; GradSign's own sum gives KT "
                    f"{_span(s['KT'])} against the paper's {_span(s['paper_KT'])} "
                    f"(n={'/'.join(n)}, either input)")
    inp = res / "table1_inputs.csv"
    if inp.exists():
        from aznas_core.report.inputs import verdicts

        v = verdicts(pd.read_csv(inp))
        v = v[(v["method"] == method) & (v["verdict"] != "not yet computed")]
        if len(v):
            # 'no gap' on the sample compared, beside a Table 1 cell beyond tolerance: open
            return "natural images: " + ", ".join(
                f"{'open' if r.verdict == 'no gap' else r.verdict} on "
                f"{DATASET_TITLES.get(r.dataset, r.dataset)} (n={r.n_archs:,}"
                f"{': no gap shown there' if r.verdict == 'no gap' else ''})"
                for r in v.itertuples())
    return "open: not yet measured on natural images"


def _f_baselines(res):
    t, j = _table1(res)
    base = j[~j["method"].isin(["AZ-NAS", "#Params", "FLOPs"]) & ~j["method"].str.startswith("Ground")
             & j["metric"].isin(["KT", "SPR"])]
    worst = base.assign(a=base["delta"].abs(), bad=base["delta"].abs() > base["tolerance"])
    by = worst.groupby("method", sort=False).agg(bad=("bad", "any"), a=("a", "max"))
    good, bad = by[~by["bad"]], by[by["bad"]].sort_values("a")
    return (f"**Baselines, KT/SPR**: {len(good)} of {len(by)} baselines reproduce every cell "
            f"({', '.join(good.index)}); "
            + "; ".join(f"{m} does not (|Δ| up to {r.a:.3f}; {_gap_cause(m, res)})"
                        for m, r in bad.iterrows()) + ".", "table1")


def _f_acc(res):
    t, j = _table1(res)
    acc = j[(j["metric"] == "Acc") & ~j["method"].str.startswith("Ground")]
    by = acc.assign(a=acc["delta"].abs(), bad=acc["delta"].abs() > acc["tolerance"]).groupby(
        "method", sort=False).agg(bad=("bad", "any"), a=("a", "max"))
    off = by[by["bad"]].sort_values("a", ascending=False)
    return (f"**Table 1's \"Acc.\" column**: {int((~by['bad']).sum())} of {len(by)} methods within "
            f"0.5 points on every dataset; off by more: "
            + ", ".join(f"{m} (up to {r.a:.1f})" for m, r in off.iterrows()) + ".", "table1")


def _f_runtime(res):
    t = pd.read_csv(res / "table1.csv")
    ms = t[t["metric"] == "ms_per_arch"].dropna(subset=["reported", "reproduced"])
    rho = ms["reported"].rank().corr(ms["reproduced"].rank())
    az = ms[ms["method"] == "AZ-NAS"].iloc[0]
    return (f"**Runtimes** are measured on one CPU thread, not the paper's GPU, so milliseconds "
            f"differ (AZ-NAS {az['reproduced']:.0f} ms/arch here, {az['reported']:.1f} reported); "
            f"the order of the {len(ms)} methods' costs agrees with Spearman ρ = {rho:.2f}.", "table1")


def _f_sensitivity(res):
    s = pd.read_csv(res / "sensitivity.csv")
    s = s.assign(a=s["delta_kt"].abs()).dropna(subset=["a"]).sort_values("a", ascending=False)
    by = s.drop_duplicates("factor")
    low = by.tail(2)
    return ("**What moves AZ-NAS's τ most** (one protocol choice at a time): "
            + "; ".join(f"{r.factor} ({r.variant}, {r.dataset}: Δτ {r.delta_kt:+.3f})"
                        for r in by.head(3).itertuples())
            + f". Least: {' and '.join(low['factor'])} (|Δτ| ≤ {low['a'].max():.3f}).", "sensitivity")


def _f_blog(res):
    out = []
    for name, label in (("blog_table1", "NATS-Bench (Table 1)"),
                        ("blog_table3", "TransNAS-Bench-101 (Table 3)")):
        t = pd.read_csv(res / f"{name}.csv")
        t = t[t["delta"].notna()]
        out.append(f"{label}: {int((t['delta'].abs() <= t['tolerance']).sum())} of {len(t)} "
                   f"Spearman cells within {t['tolerance'].max():g} (largest |Δ| "
                   f"{t['delta'].abs().max():.2f})")
    return ("**The blog's proxy rankings**: " + "; ".join(out) + ".", "blog_table3")


FINDINGS = (_f_table4, _f_aznas_row, _f_in16, _f_baselines, _f_acc, _f_runtime, _f_sensitivity,
            _f_blog)


def findings_markdown(results_dir: Path = RESULTS) -> tuple[str, list[str]]:
    """The "what we found" list, every number read from `results_dir`; a finding whose file is
    missing or malformed is left out and named in the second return value."""
    items, skipped = [], []
    for f in FINDINGS:
        try:
            text, nb = f(Path(results_dir))
        except Exception as e:  # noqa: BLE001 - a missing result file must not break the book
            skipped.append(f"{f.__name__}: {type(e).__name__}: {e}")
            continue
        if text:
            items.append(f"- {text} {{doc}}`More <{_doc(nb)}>`")
    return "\n".join(items) + "\n", skipped


def write_status_page(book_dir: Path = BOOK_DIR) -> Path:
    """The landing page's generated parts, from the registry and the result files:
    `_generated/findings.md`, `_generated/grid.md` and `_generated/status.md`."""
    out_dir = book_dir / "_generated"
    out_dir.mkdir(exist_ok=True)
    table = status_table()
    findings, skipped = findings_markdown()
    for s in skipped:
        print(f"aznas book: finding left out ({s})")
    (out_dir / "findings.md").write_text(findings)
    (out_dir / "grid.md").write_text(status_grid_html(table, book_dir))
    out = out_dir / "status.md"
    out.write_text(status_markdown(table, book_dir))
    return out


# --- executing and building ------------------------------------------------------------------

def execute_notebooks(book_dir: Path = BOOK_DIR, notebooks=None) -> list[Path]:
    """Run each notebook with its default parameters into the book's source tree."""
    import papermill as pm

    outputs = []
    target = book_dir / "notebooks"
    target.mkdir(exist_ok=True)
    for nb in notebooks or sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        out = target / nb.name
        print(f"papermill {nb.relative_to(PROJECT_ROOT)} -> {out.relative_to(PROJECT_ROOT)}")
        pm.execute_notebook(str(nb), str(out), cwd=str(PROJECT_ROOT), progress_bar=False)
        prepare_notebook_file(out)
        outputs.append(out)
    return outputs


def copy_notebooks(book_dir: Path = BOOK_DIR) -> list[Path]:
    """Copy the committed, executed notebooks into the book's source tree (prepared for
    reading: `prepare_notebook`)."""
    target = book_dir / "notebooks"
    target.mkdir(exist_ok=True)
    outs = []
    for nb in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        out = Path(shutil.copy2(nb, target / nb.name))
        prepare_notebook_file(out)
        outs.append(out)
    return outs


def build_book(execute: bool = True, book_dir: Path = BOOK_DIR) -> int:
    """Execute the notebooks with papermill (or, with `execute=False`, take the committed
    executed copies: the test suite does this, since nbval re-executes every notebook and
    checks its outputs anyway), then build the HTML with warnings as errors (a broken
    reference fails the build). Returns the exit code."""
    if execute:
        execute_notebooks(book_dir)
    else:
        copy_notebooks(book_dir)
    write_status_page(book_dir)
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or "jupyter-book"
    cmd = [jb, "build", str(book_dir), "--builder", "html", "-W", "-n", "--keep-going"]
    print(" ".join(cmd))
    return subprocess.call(cmd, cwd=PROJECT_ROOT)


