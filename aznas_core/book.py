"""Build the Jupyter Book: execute every notebook with papermill, write the status page, build HTML."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from aznas_core.data import PROJECT_ROOT
from aznas_core.report import status_table

BOOK_DIR = PROJECT_ROOT / "book"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"


def write_status_page(book_dir: Path = BOOK_DIR) -> Path:
    """The landing page's table, from the registry and the result files."""
    table = status_table()
    table["largest_delta"] = table["largest_delta"].map(
        lambda v: "" if v != v else f"{v:.3f}")  # NaN -> empty
    table["tolerance"] = table["tolerance"].map(lambda v: "" if v != v or v is None else f"{v:g}")
    table = table.rename(columns={"largest_delta": "largest delta"})
    out = book_dir / "_generated" / "status.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(table.to_markdown(index=False) + "\n")
    return out


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
        outputs.append(out)
    return outputs


def copy_notebooks(book_dir: Path = BOOK_DIR) -> list[Path]:
    """Copy the committed, executed notebooks into the book's source tree as they are."""
    target = book_dir / "notebooks"
    target.mkdir(exist_ok=True)
    return [Path(shutil.copy2(nb, target / nb.name)) for nb in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))]


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
