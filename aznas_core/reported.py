"""Numbers reported in the source documents, as tidy tables.

Each table of the AZ-NAS paper (``P-T1`` ... ``P-T10``, source
``000_3395884d5e1f742d``) and of the blog "A Deeper Look at Zero-Cost Proxies
for Lightweight NAS" (``B-T1`` ... ``B-T4``, source ``001_78f2f354775e9052``)
is stored as ``data/reported/<id>.csv`` in one long format, one line per
numeric cell::

    table,source,row,label,dataset,metric,value,std,unit,note

``row`` is the 1-based position of the row in the printed table, ``value`` the
number as printed (FLOPs/params converted to millions), ``std`` the printed
``±`` part (NaN when absent) and ``note`` holds ``;``-separated tokens that
disambiguate repeated labels (e.g. ``450M; type=ZS``, ``Tiny``,
``space=ENAS``, ``proxy=fisher``) or flag provenance
(``header_from_blog_source``: the column header is missing from the seed text
and was taken from the blog's markdown source).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

REPORTED_DIR = Path(__file__).resolve().parent.parent / "data" / "reported"

COLUMNS = ["table", "source", "row", "label", "dataset", "metric", "value", "std", "unit", "note"]

_DTYPES = {
    "table": str, "source": str, "row": int, "label": str, "dataset": str,
    "metric": str, "value": float, "std": float, "unit": str, "note": str,
}


def tables() -> list[str]:
    """Return the ids of the available reported tables (CSV stems), sorted."""
    return sorted(p.stem for p in REPORTED_DIR.glob("*.csv"))


def reported(table_id: str) -> pd.DataFrame:
    """Read one reported table as a DataFrame with the 10 tidy columns.

    Text columns are strings ('' when empty); ``value`` is float and ``std``
    is float with NaN where no ``±`` part was printed.

    Raises ``ValueError`` naming the available ids if ``table_id`` is unknown.
    """
    path = REPORTED_DIR / f"{table_id}.csv"
    if not path.is_file():
        raise ValueError(f"unknown table id {table_id!r}; available: {', '.join(tables())}")
    return pd.read_csv(
        path,
        dtype=_DTYPES,
        keep_default_na=False,
        na_values={"value": [""], "std": [""]},
    )


def value(table_id: str, label: str, dataset: str | None, metric: str,
          note: str | None = None) -> float:
    """Return the single reported value for (label, dataset, metric) of a table.

    ``dataset`` may be ``''`` or ``None`` for columns that are not per dataset
    (runtime, FLOPs, ...). ``note`` optionally restricts to rows whose note
    contains every ``;``-separated token given (e.g. ``"450M"`` or
    ``"Tiny; params_matched=TF-TAS"``); it is needed where a label repeats.

    Raises ``ValueError`` unless exactly one row matches, saying how many did.
    """
    df = reported(table_id)
    mask = (df["label"] == label) & (df["dataset"] == (dataset or "")) & (df["metric"] == metric)
    if note:
        wanted = {t.strip() for t in note.split(";") if t.strip()}
        mask &= df["note"].map(lambda n: wanted <= {t.strip() for t in n.split(";")})
    hits = df[mask]
    if len(hits) != 1:
        raise ValueError(
            f"{len(hits)} rows of {table_id} match label={label!r}, dataset={dataset!r}, "
            f"metric={metric!r}, note={note!r}; expected exactly 1"
        )
    return float(hits["value"].iloc[0])
