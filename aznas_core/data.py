"""Where external benchmark data lives, and checksum verification.

Resolution order: `$AZNAS_DATA_DIR`, then `data/external/` in the project, then
`../shared/data` beside the project. Files are never copied into this repository.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Known external files: relative path -> (sha256, how to obtain it).
EXTERNAL_FILES = {
    "nb201/nats_tss_test_accuracy_200ep.csv": (
        "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e",
        "NATS-Bench-TSS test accuracies (200 epochs) exported from the NATS-Bench API, e.g. "
        "nats_bench.csv of github.com/v-tao/nats-bench-landscape (commit 7d355a6)",
    ),
    "nb201/flops_params_fixture.csv": (
        "d142ee1e8b7346526f6c69c8371220340e067469c8e617851530b609f29f1a71",
        "90 (dataset, arch, flops_m, params_m) rows from the NAS-Bench-201 API's "
        "get_cost_info, shipped with the project's shared data",
    ),
}


class DataError(RuntimeError):
    """Missing or corrupted external data."""


def data_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("AZNAS_DATA_DIR"):
        dirs.append(Path(os.environ["AZNAS_DATA_DIR"]))
    dirs += [PROJECT_ROOT / "data" / "external", PROJECT_ROOT.parent / "shared" / "data"]
    return dirs


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_verified: dict[Path, str] = {}


def external_file(relpath: str, verify: bool = True) -> Path:
    """Path of an external data file, checksum-verified; a clear DataError otherwise."""
    expected, source = EXTERNAL_FILES.get(relpath, (None, "see ../shared/data/README.md"))
    for d in data_dirs():
        path = d / relpath
        if path.is_file():
            break
    else:
        searched = ", ".join(str(d) for d in data_dirs())
        raise DataError(
            f"missing data file {relpath!r} (searched {searched}). Obtain it from: {source}; "
            f"put it under $AZNAS_DATA_DIR/{relpath} or data/external/{relpath}"
            + (f" (expected sha256 {expected})" if expected else "")
        )
    if verify and expected is not None and _verified.get(path) != expected:
        actual = sha256(path)
        if actual != expected:
            raise DataError(
                f"checksum mismatch for {path}: expected sha256 {expected}, got {actual}. "
                f"The file is corrupted or a different version; re-obtain it from: {source}"
            )
        _verified[path] = expected
    return path


def verify_all() -> dict[str, str]:
    """Check every known external file; returns relpath -> 'ok' or the error message."""
    report = {}
    for rel in EXTERNAL_FILES:
        try:
            external_file(rel)
            report[rel] = "ok"
        except DataError as e:
            report[rel] = str(e)
    return report
