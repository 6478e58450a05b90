"""Pieces shared by the slacks-based, directional, Malmquist-Luenberger and window models.

Inputs go through ``_validate``'s converters (one place for the checks); this module splits outputs into
desirable and undesirable ones, builds the returns-to-scale row, collects lambdas into a peer table and warns
about LPs without an optimal solution (NaN, never 0).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spillover.errors import DEAError, InfeasibleWarning, format_items
from spillover.productivity._lp import INF
from spillover.productivity._validate import check_data, paired_frames

__all__ = ["frames", "split_outputs", "rts_row_bounds", "peer_table", "warn_nan", "describe", "py"]

EFFICIENT_TOL = 1e-9  # a unit whose score is within this of 1 counts as efficient (super-efficiency LPs)


def frames(inputs: Any, outputs: Any, names: Sequence[Any] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validated float frames (units x variables) of inputs and outputs sharing the inputs' unit index
    (labelled tables are paired by their index, arrays by position: ``_validate.paired_frames``)."""
    X, Y = paired_frames(inputs, outputs, names)
    check_data(X, Y)
    return X, Y


def split_outputs(Y: pd.DataFrame, undesirable: Sequence[Any] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(desirable, undesirable) output frames; ``undesirable`` names columns of Y (labels or positions)."""
    if undesirable is None:
        return Y, Y.iloc[:, :0]
    if isinstance(undesirable, (str, int)):
        undesirable = [undesirable]
    cols = []
    for u in undesirable:
        if u in Y.columns:
            cols.append(u)
        elif isinstance(u, (int, np.integer)) and not isinstance(u, bool) and 0 <= u < Y.shape[1]:
            cols.append(Y.columns[int(u)])
        else:
            raise DEAError(f"undesirable output {u!r} is not an output column; outputs are "
                           f"{format_items(list(Y.columns))}.")
    if len(set(cols)) != len(cols):
        raise DEAError(f"undesirable outputs are listed twice: {format_items(cols)}.")
    good = Y.drop(columns=cols)
    if good.shape[1] == 0:
        raise DEAError("every output was marked undesirable; keep at least one desirable output.")
    return good, Y[cols]


def rts_row_bounds(rts: str) -> tuple[float, float] | None:
    """Bounds of ``sum(lambda) - t`` (or ``sum(lambda)`` with t = 1); None for CRS (no row)."""
    return {"crs": None, "vrs": (0.0, 0.0), "nirs": (-INF, 0.0), "ndrs": (0.0, INF)}[rts]


def peer_table(units: pd.Index, refs: pd.Index, lam: np.ndarray, tol: float = 1e-10) -> pd.DataFrame:
    """Long ``unit, peer, weight`` frame of the non-zero lambdas (``lam`` is units x reference units)."""
    r, c = np.nonzero(np.nan_to_num(lam) > tol)
    return pd.DataFrame({"unit": units[r], "peer": refs[c], "weight": lam[r, c]})


def py(value: Any) -> Any:
    """numpy scalars as plain Python values (for readable messages)."""
    return value.item() if isinstance(value, np.generic) else value


def warn_nan(what: str, cases: list[str], stacklevel: int = 3,
             reason: str = "had no optimal solution") -> None:
    """One warning listing the units (and periods) whose LP had no optimal solution (or whose answer
    defines no score: ``reason``).

    ``stacklevel`` 3 points at the caller of the public function that calls this one directly."""
    if cases:
        shown = "; ".join(cases[:10]) + (f" (and {len(cases) - 10} more)" if len(cases) > 10 else "")
        warnings.warn(f"{len(cases)} {what} LP(s) {reason} and are NaN (not 0, not a "
                      f"made-up number): {shown}.", InfeasibleWarning, stacklevel=stacklevel)


def describe(score: pd.Series, status: pd.Series | None = None) -> pd.Series:
    """Units, mean/min/max of the scores, efficient units (score = 1 within 1e-9) and NaN scores."""
    s = score.dropna()
    return pd.Series({
        "units": len(score), "mean": s.mean(), "min": s.min(), "max": s.max(),
        "efficient": int((np.abs(s - 1.0) <= 1e-9).sum()), "nan": int(score.isna().sum()),
    }, name=score.name)
