"""Shared input handling of the disparity measures: the variable, the grouping and the weights as
``N x T`` arrays (regions x periods), checked once with errors naming the column, region and period."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from spillover.errors import PanelError, format_items
from spillover.panel import SpatialPanel
from spillover.regions import REGION4

__all__ = ["Inputs", "read_inputs"]


class Inputs:
    """The checked inputs: ``values``, ``weights`` (ones when none) and integer ``codes`` of the groups,
    each ``N x T``; ``groups`` the group labels in their display order, ``periods`` and ``ids``."""

    def __init__(
        self,
        values: np.ndarray,
        weights: np.ndarray,
        codes: np.ndarray,
        groups: tuple[Hashable, ...],
        periods: pd.Index,
        ids: pd.Index,
    ) -> None:
        self.values = values
        self.weights = weights
        self.codes = codes
        self.groups = groups
        self.periods = periods
        self.ids = ids


def _group_frame(panel: SpatialPanel, by: str) -> pd.DataFrame:
    """The group label of every (region, period) as an ``N x T`` frame, from the data or the geometry."""
    if not isinstance(by, str):
        raise PanelError(f"by must name a column of the panel's data or geometry, got {by!r}.")
    if by in panel.variables:
        frame = panel.data[by].unstack(panel.time_name)
        return frame.reindex(index=panel.ids, columns=panel.periods)
    geometry = panel.geometry
    if by in geometry.columns and by != geometry.geometry.name:
        col = geometry[by].reindex(panel.ids)
        return pd.DataFrame(dict.fromkeys(panel.periods, col), index=panel.ids).rename_axis(
            columns=panel.time_name
        )
    cols = [c for c in geometry.columns if c != geometry.geometry.name]
    raise PanelError(
        f"grouping column {by!r} is neither in the panel's data (variables {format_items(panel.variables)}) "
        f"nor in its geometry (columns {format_items(cols)})."
    )


def _order(labels: list[Hashable]) -> tuple[Hashable, ...]:
    """East, Central, West, Northeast for China's four regions; otherwise sorted (as text if mixed)."""
    if set(labels) <= set(REGION4):
        return tuple(g for g in REGION4 if g in labels)
    try:
        return tuple(sorted(labels))  # type: ignore[type-var]
    except TypeError:
        return tuple(sorted(labels, key=str))


def read_inputs(
    panel: SpatialPanel,
    var: str,
    by: str,
    weights: str | None,
    *,
    positive: bool,
    what: str,
) -> Inputs:
    """Read ``var``, ``by`` and ``weights`` from ``panel``; ``positive`` requires values > 0 (else >= 0)."""
    if not isinstance(panel, SpatialPanel):
        raise PanelError(f"panel must be a SpatialPanel, got {type(panel).__name__}.")
    matrix = panel.matrix(var)  # errors name missing, non-numeric and infinite cells
    values = matrix.to_numpy(dtype=float)
    bad = values <= 0 if positive else values < 0
    if bad.any():
        cells = [(matrix.index[i], matrix.columns[t]) for i, t in zip(*np.nonzero(bad))]
        need = "positive" if positive else "non-negative"
        raise PanelError(
            f"{what} needs {need} values; variable {var!r} is {'<= 0' if positive else '< 0'} at "
            f"(region, period): {format_items(cells)}."
        )
    if weights is None:
        w = np.ones_like(values)
    else:
        wm = panel.matrix(weights)
        w = wm.to_numpy(dtype=float)
        if (w <= 0).any():
            cells = [(wm.index[i], wm.columns[t]) for i, t in zip(*np.nonzero(w <= 0))]
            raise PanelError(
                f"weights column {weights!r} must be positive (a population); it is <= 0 at "
                f"(region, period): {format_items(cells)}."
            )
    frame = _group_frame(panel, by)
    missing = frame.isna()
    if missing.to_numpy().any():
        stacked = missing.stack()
        cells = stacked[stacked].index.tolist()
        raise PanelError(f"grouping column {by!r} has no group for (region, period): {format_items(cells)}.")
    groups = _order(list(pd.unique(frame.to_numpy().ravel())))
    lookup = {g: i for i, g in enumerate(groups)}
    codes = np.vectorize(lookup.__getitem__, otypes=[np.intp])(frame.to_numpy())
    return Inputs(values, w, codes, groups, panel.periods, panel.ids)
