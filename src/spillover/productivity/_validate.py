"""Input validation shared by DEA, Malmquist and the bootstrap: one place, errors that name what to fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spillover.errors import DEAError, format_items

__all__ = ["as_frame", "paired_frames", "check_data", "normaliser"]


def as_frame(data: Any, kind: str, names: Sequence[Any] | None, n_rows: int | None = None) -> pd.DataFrame:
    """Inputs or outputs as a float frame (units x variables) with string-free copies of the caller's data."""
    if isinstance(data, pd.Series):
        frame = data.to_frame()
    elif isinstance(data, pd.DataFrame):
        frame = data.copy()
    else:
        arr = np.asarray(data, dtype=float)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise DEAError(
                f"{kind} must be a 2-D table (units x variables); got an array of shape {arr.shape}."
            )
        prefix = "x" if kind == "inputs" else "y"
        frame = pd.DataFrame(arr, columns=[f"{prefix}{i + 1}" for i in range(arr.shape[1])])
    if names is not None:
        if len(names) != len(frame):
            raise DEAError(f"'names' has {len(names)} entries but {kind} has {len(frame)} rows.")
        frame.index = pd.Index(list(names))
    elif not isinstance(data, (pd.Series, pd.DataFrame)):
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="unit")
    if n_rows is not None and len(frame) != n_rows:
        raise DEAError(
            f"inputs and outputs must have the same number of units; {kind} has {len(frame)}, "
            f"the other has {n_rows}."
        )
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise DEAError(
            f"{kind} column(s) {format_items(bad)} are not numeric; convert them first (e.g. pd.to_numeric)."
        )
    return frame.astype(float)


def paired_frames(
    inputs: Any, outputs: Any, names: Sequence[Any] | None = None, *, where: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inputs and outputs as float frames whose rows are the same units, in the order of ``inputs``.

    Every entry point (DEA, its bootstrap, the other DEA models) pairs the two tables here, so that:

    * two labelled tables (DataFrame/Series) are paired by their index: outputs are reordered to the
      inputs' order, and labels present in only one of them are an error that names them (never a silent
      positional pairing of different units);
    * a plain array is paired by position with the other table (it has no labels to pair by);
    * ``names`` (optional) then names the units, in the order of the rows of ``inputs``.
    """
    X = as_frame(inputs, "inputs", None)
    Y = as_frame(outputs, "outputs", None)
    if _labelled(inputs) and _labelled(outputs) and not X.index.equals(Y.index):
        Y = _align(X, Y, where)
    elif len(X) != len(Y):
        raise DEAError(
            f"inputs and outputs must have the same number of units{where}; inputs has "
            f"{len(X)} rows, outputs has {len(Y)}."
        )
    if names is not None:
        if len(names) != len(X):
            raise DEAError(f"'names' has {len(names)} entries but inputs has {len(X)} rows{where}.")
        X.index = pd.Index(list(names))
    elif not _labelled(inputs) and _labelled(outputs):
        X.index = Y.index  # the labelled table names the units
    Y.index = X.index
    return X, Y


def _labelled(data: Any) -> bool:
    return isinstance(data, (pd.Series, pd.DataFrame))


def _align(X: pd.DataFrame, Y: pd.DataFrame, where: str) -> pd.DataFrame:
    """Outputs reordered to the units of the inputs; an error naming the labels that do not match."""
    for kind, frame in (("inputs", X), ("outputs", Y)):
        if frame.index.has_duplicates:  # labels that name two rows cannot pair rows
            dup = frame.index[frame.index.duplicated()].unique()
            raise DEAError(
                f"unit names are duplicated{where}: {format_items(dup)} (in the {kind}); give "
                "every unit a unique name."
            )
    only_x = X.index.difference(Y.index, sort=False)
    only_y = Y.index.difference(X.index, sort=False)
    if len(only_x) or len(only_y):
        parts = [
            f"only in the inputs: {format_items(only_x)}" if len(only_x) else "",
            f"only in the outputs: {format_items(only_y)}" if len(only_y) else "",
        ]
        raise DEAError(
            f"the unit labels (index) of the inputs and outputs{where} do not match ("
            + "; ".join(p for p in parts if p)
            + "); units are paired by their labels: give both tables "
            "the same index, or pass plain arrays (.to_numpy()) to pair rows by position."
        )
    return Y.reindex(X.index)


def check_data(X: pd.DataFrame, Y: pd.DataFrame, *, where: str = "", frontier: bool = True) -> None:
    """NaN/inf, negative values, units with no positive input or output, duplicates, too many variables."""
    if X.index.has_duplicates:
        dup = X.index[X.index.duplicated()].unique()
        raise DEAError(
            f"unit names are duplicated{where}: {format_items(dup)}; give every unit a unique name."
        )
    for kind, frame in (("input", X), ("output", Y)):
        _check_values(kind, frame, where)
        dead = frame.index[(frame.to_numpy() <= 0).all(axis=1)]
        if len(dead):
            raise DEAError(
                f"unit(s) {format_items(dead)}{where} have no positive {kind}; DEA needs at "
                f"least one positive {kind} per unit: drop these units or fix the data."
            )
        zero_cols = frame.columns[(frame.to_numpy() == 0).all(axis=0)]
        if frontier and len(zero_cols):
            raise DEAError(
                f"{kind} column(s) {format_items(zero_cols)}{where} are zero for every unit; drop them."
            )
    n, k = len(X), X.shape[1] + Y.shape[1]
    if frontier and k > n:
        raise DEAError(
            f"there are more variables ({X.shape[1]} inputs + {Y.shape[1]} outputs = {k}) than "
            f"units ({n}){where}; DEA cannot discriminate: use fewer variables or more units."
        )


def _check_values(kind: str, frame: pd.DataFrame, where: str) -> None:
    arr = frame.to_numpy()
    for label, mask, fix in (
        ("missing or infinite", ~np.isfinite(arr), "drop or impute these units"),
        ("negative", arr < 0, "DEA needs non-negative data; translate or drop these units"),
    ):
        if mask.any():
            r, c = np.nonzero(mask)
            cells = [f"{frame.index[i]!r}/{frame.columns[j]!r}" for i, j in zip(r, c)]
            shown = ", ".join(cells[:10]) + (f" (and {len(cells) - 10} more)" if len(cells) > 10 else "")
            raise DEAError(f"{label} {kind} value(s){where} at unit/column {shown}; {fix}.")


def normaliser(*frames: np.ndarray) -> np.ndarray:
    """Per-variable scale (mean over all given arrays, variables x units) used to condition the LPs."""
    stacked = np.hstack(frames)
    scale = stacked.mean(axis=1)
    scale[scale <= 0] = 1.0
    return scale
