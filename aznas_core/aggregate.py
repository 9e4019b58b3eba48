"""Rank aggregation of proxy scores (AZ-NAS paper, Sec. 3.2).

Ranks are ascending over the m candidates (the best score gets rank m), ties get their
average rank, and NaN or -inf scores rank lowest (tied together at the bottom).
"""
from __future__ import annotations

from typing import Literal, Sequence, get_args

import numpy as np
import pandas as pd

#: How tied scores share ranks (pandas' rank methods); 'average' is the authors' (SciPy's
#: `rankdata` default). `ranks` refuses any other value.
Ties = Literal["average", "min", "max", "first", "dense"]


def ranks(values, ties: Ties = "average") -> np.ndarray:
    """Ascending ranks 1..m; NaN is treated as -inf (lowest). Ties share their average
    rank (`scipy.stats.rankdata`'s default, as the authors' code); `ties` takes pandas'
    other methods ('min', 'max', 'first', 'dense') to measure what that choice changes."""
    if ties not in get_args(Ties):
        raise ValueError(f"unknown ties method {ties!r}; expected one of {list(get_args(Ties))}")
    v = pd.Series(np.asarray(values, dtype=float)).fillna(-np.inf)
    return v.rank(method=ties, ascending=True).to_numpy()


def _columns(frame: pd.DataFrame, columns) -> list[str]:
    columns = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing or not columns:
        raise ValueError(f"columns {missing or columns} not in frame {list(frame.columns)}")
    return columns


def nonlinear(frame: pd.DataFrame, columns: Sequence[str] | str,
              ties: Ties = "average") -> pd.Series:
    """Eq. 12, s_AZ(i) = sum over the proxy `columns` of log(rank_i / m), m = len(frame)."""
    columns = _columns(frame, columns)
    m = len(frame)
    total = sum(np.log(ranks(frame[c], ties) / m) for c in columns)
    return pd.Series(total, index=frame.index, name="nonlinear")


def linear(frame: pd.DataFrame, columns: Sequence[str] | str,
           ties: Ties = "average") -> pd.Series:
    """Sum of ranks over the proxy `columns` (the linear aggregation of the paper's Table 4)."""
    columns = _columns(frame, columns)
    total = sum(ranks(frame[c], ties) for c in columns)
    return pd.Series(total, index=frame.index, name="linear")


TE_NAS = ("ntk", "linear_region")


def te_nas(frame: pd.DataFrame, ties: str = "average") -> pd.Series:
    """TE-NAS as the AZ-NAS authors rank it (PROTOCOLS.md A6): rank(ntk) + rank(linear_region)
    over the architectures of `frame` (a linear aggregation of its two proxies)."""
    return linear(frame, TE_NAS, ties).rename("te_nas")


def aggregate(frame: pd.DataFrame, columns, method: str = "nonlinear",
              ties: str = "average") -> pd.Series:
    """Dispatch on `method` ('nonlinear', 'linear', or '-' for a single proxy's raw score)."""
    if method in ("nonlinear", "NL"):
        return nonlinear(frame, columns, ties)
    if method in ("linear", "L"):
        return linear(frame, columns, ties)
    if method in ("-", "none", None):
        (column,) = _columns(frame, columns)
        return frame[column].astype(float).fillna(-np.inf).rename(column)
    raise ValueError(f"unknown aggregation {method!r}; expected 'nonlinear' or 'linear'")
