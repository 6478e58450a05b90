"""Pieces shared by the slacks-based, directional, Malmquist-Luenberger and window models.

Inputs go through ``_validate``'s converters (one place for the checks); this module splits outputs into
desirable and undesirable ones, builds the returns-to-scale row, collects lambdas into a peer table and warns
about LPs without an optimal solution (NaN, never 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spillover.errors import DEAError, InfeasibleWarning, format_items
from spillover.options import warn
from spillover.productivity._lp import INF
from spillover.productivity._validate import check_data, paired_frames

__all__ = [
    "frames",
    "split_outputs",
    "rts_row_bounds",
    "peer_table",
    "warn_nan",
    "describe",
    "py",
    "long_frame",
    "cube",
    "change_indices",
]

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
            raise DEAError(
                f"undesirable output {u!r} is not an output column; outputs are "
                f"{format_items(list(Y.columns))}."
            )
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


def warn_nan(what: str, cases: list[str], reason: str = "had no optimal solution") -> None:
    """One warning listing the units (and periods) whose LP had no optimal solution (or whose answer
    defines no score: ``reason``), pointing at the user's line (:func:`spillover.options.warn`)."""
    if cases:
        shown = "; ".join(cases[:10]) + (f" (and {len(cases) - 10} more)" if len(cases) > 10 else "")
        warn(
            f"{len(cases)} {what} LP(s) {reason} and are NaN (not 0, not a made-up number): {shown}.",
            InfeasibleWarning,
        )


def describe(score: pd.Series, status: pd.Series | None = None) -> pd.Series:
    """Units, mean/min/max of the scores, efficient units (score = 1 within 1e-9) and NaN scores."""
    s = score.dropna()
    return pd.Series(
        {
            "units": len(score),
            "mean": s.mean(),
            "min": s.min(),
            "max": s.max(),
            "efficient": int((np.abs(s - 1.0) <= 1e-9).sum()),
            "nan": int(score.isna().sum()),
        },
        name=score.name,
    )


# ------------------------------------------------------ panels (Malmquist, Luenberger, window, bootstrap)
def long_frame(data: Any, id: str | None, time: str | None) -> tuple[pd.DataFrame, str, str]:
    """The long frame and its unit and period columns of a DataFrame or a SpatialPanel."""
    if hasattr(data, "data") and hasattr(data, "id_name") and hasattr(data, "time_name"):  # SpatialPanel
        id = id or data.id_name
        time = time or data.time_name
        return data.data.reset_index(), id, time
    if not isinstance(data, pd.DataFrame):
        raise DEAError(f"malmquist needs a long DataFrame or a SpatialPanel; got {type(data).__name__}.")
    if id is None or time is None:
        raise DEAError("give the unit and period columns: malmquist(df, id='firm', time='year', ...).")
    return data, id, time


def cube(
    frame: pd.DataFrame, id: str, time: str, inputs: list[str], outputs: list[str]
) -> tuple[pd.Index, pd.Index, np.ndarray, np.ndarray]:
    """Validate and reshape to arrays (periods x variables x units)."""
    missing = [c for c in [id, time, *inputs, *outputs] if c not in frame.columns]
    if missing:
        raise DEAError(
            f"column(s) {format_items(missing)} are not in the data; available: "
            f"{format_items(list(frame.columns), 20)}."
        )
    if not inputs or not outputs:
        raise DEAError("malmquist needs at least one input and one output column.")
    dup = frame.duplicated([id, time])
    if dup.any():
        cells = list(frame.loc[dup, [id, time]].itertuples(index=False, name=None))
        raise DEAError(
            f"duplicate (unit, period) rows: {format_items(cells)}; keep one row per unit and period."
        )
    units = pd.Index(frame[id].drop_duplicates().tolist(), name=id)
    periods = pd.Index(sorted(frame[time].unique()), name=time)
    if len(periods) < 2:
        raise DEAError(f"malmquist needs at least two periods; {time!r} has {len(periods)}.")
    _check_balanced(frame, id, time, units, periods)
    wide = frame.set_index([time, id])
    X = np.empty((len(periods), len(inputs), len(units)))
    Y = np.empty((len(periods), len(outputs), len(units)))
    for k, t in enumerate(periods):
        part = wide.loc[t].reindex(units)
        xt, yt = part[inputs].astype(float), part[outputs].astype(float)
        check_data(xt, yt, where=f" in period {t!r}")
        X[k], Y[k] = xt.to_numpy().T, yt.to_numpy().T
    return units, periods, X, Y


def _check_balanced(frame: pd.DataFrame, id: str, time: str, units: pd.Index, periods: pd.Index) -> None:
    counts = frame.groupby(id, sort=False)[time].nunique()
    partial = counts[counts < len(periods)]
    if len(partial):
        present = frame.groupby(id, sort=False)[time].apply(set)
        detail = [
            f"{u!r} (missing {format_items(sorted(set(periods) - present[u]), 5)})" for u in partial.index
        ]
        raise DEAError(
            f"the Malmquist index needs a balanced panel; {len(partial)} unit(s) are present in some periods "
            f"only: {', '.join(detail[:10])}{' ...' if len(detail) > 10 else ''}. Drop them or fill the gaps."
        )


def change_indices(
    wide: dict[str, np.ndarray], frontier: str, units: pd.Index, periods: pd.Index
) -> pd.DataFrame:
    """effch, techch, pech, sech, tfpch from the (units x periods) distances, labelled by the later period."""
    own, vrs = wide["crs"], wide["vrs"]
    effch = own[:, 1:] / own[:, :-1]
    if frontier == "global":
        tfpch = wide["crs_global"][:, 1:] / wide["crs_global"][:, :-1]
        techch = tfpch / effch
    else:
        techch = np.sqrt((wide["crs_prev"][:, 1:] / own[:, 1:]) * (own[:, :-1] / wide["crs_next"][:, :-1]))
        tfpch = effch * techch
    pech = vrs[:, 1:] / vrs[:, :-1]
    sech = effch / pech
    index = pd.MultiIndex.from_product([units, periods[1:]], names=[units.name, periods.name])
    data = {"effch": effch, "techch": techch, "pech": pech, "sech": sech, "tfpch": tfpch}
    return pd.DataFrame({k: v.reshape(-1) for k, v in data.items()}, index=index)
