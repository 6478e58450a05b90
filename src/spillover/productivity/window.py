"""DEA window analysis (Charnes, Clark, Cooper and Golany 1985).

With periods 1..T and a window width w, window k pools the observations of periods k..k+w-1 and treats each
(unit, period) as a separate decision-making unit; every observation is scored (radial DEA, ``dea.py``)
against the frontier of its window.  An observation appears in up to w windows; ``efficiency`` is its mean
over them.  The summary reports, per unit, the mean, min and max over all its window scores and Charnes et
al.'s "largest difference within a period" (LDP), a measure of the stability of the scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spillover._readonly import ReadOnly
from spillover.errors import DEAError
from spillover.options import check_int, check_option
from spillover.productivity import _common as C
from spillover.productivity.dea import RTS, Orientation, dea
from spillover.summary import Summary

__all__ = ["window_dea", "WindowResult"]


@dataclass(frozen=True)
class WindowResult(ReadOnly):
    """Result of :func:`window_dea` (read-only).

    Attributes
    ----------
    scores
        (unit, period) x window table of scores (NaN where the period is outside the window).
    efficiency
        Mean score of each (unit, period) over the windows that contain it.
    """

    scores: pd.DataFrame
    id_name: str
    time_name: str
    width: int
    rts: str
    orientation: str

    @property
    def efficiency(self) -> pd.Series:
        return self.scores.mean(axis=1).rename("efficiency")

    @property
    def windows(self) -> list[str]:
        return list(self.scores.columns)

    def to_frame(self) -> pd.DataFrame:
        """Long frame: one row per (unit, period, window) with the score ``te``."""
        # in its window every observation is in the reference set (its LP is feasible): NaN only marks the
        # periods outside a window
        long = self.scores.stack().dropna().rename("te").reset_index()
        return long.rename(columns={long.columns[2]: "window"})

    def table(self, unit: Any) -> pd.DataFrame:
        """Charnes et al.'s layout for one unit: windows as rows, periods as columns."""
        return self.scores.xs(unit, level=self.id_name).T

    def summary(self) -> Summary:
        """Per unit: mean, min, max of all its window scores and LDP (largest difference within a period);
        the table is :attr:`Summary.frame`."""
        by_unit = self.scores.groupby(level=self.id_name, sort=False)
        spread = (self.scores.max(axis=1) - self.scores.min(axis=1)).groupby(level=self.id_name, sort=False)
        return Summary(
            f"Window analysis (width {self.width})",
            (
                pd.DataFrame(
                    {
                        "mean": by_unit.apply(lambda f: np.nanmean(f.to_numpy())),
                        "min": by_unit.apply(lambda f: np.nanmin(f.to_numpy())),
                        "max": by_unit.apply(lambda f: np.nanmax(f.to_numpy())),
                        "ldp": spread.max(),
                    }
                ),
            ),
        )

    def __repr__(self) -> str:
        return (
            f"WindowResult(width={self.width}, windows={len(self.windows)}, rts={self.rts!r}, "
            f"mean={self.efficiency.mean():.4f})"
        )


def window_dea(
    data: Any,
    *,
    id: str | None = None,
    time: str | None = None,
    inputs: Sequence[str],
    outputs: Sequence[str],
    width: int,
    rts: RTS = "crs",
    orientation: Orientation = "input",
) -> WindowResult:
    """DEA window analysis with windows of ``width`` consecutive periods.

    Parameters
    ----------
    data
        Long frame with one row per (unit, period) (balanced), or a :class:`spillover.SpatialPanel`.
    id, time, inputs, outputs
        Columns, as in :func:`spillover.productivity.malmquist`.
    width
        Periods per window (1 <= width <= number of periods; width 1 is DEA period by period, width T pools
        all periods in one window).
    rts, orientation
        As in :func:`spillover.productivity.dea` (radial scores, te <= 1).

    Returns
    -------
    WindowResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"u": ["a", "b"] * 3, "t": [1, 1, 2, 2, 3, 3],
    ...                    "x": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0], "y": [1.0, 1.0, 2.0, 1.0, 1.0, 1.0]})
    >>> res = window_dea(df, id="u", time="t", inputs=["x"], outputs=["y"], width=2)
    >>> res.windows
    ['1-2', '2-3']
    >>> res.scores.loc[("a", 1)].tolist()  # against a's period-2 output of 2 for the same input
    [0.5, nan]
    """
    check_option(rts, RTS, "rts", error=DEAError)
    check_option(orientation, Orientation, "orientation", error=DEAError)
    frame, id, time = C.long_frame(data, id, time)
    units, periods, X, Y = C.cube(frame, id, time, list(inputs), list(outputs))
    T = len(periods)
    check_int(width, "width", minimum=1, maximum=T, error=DEAError, hint=" (the number of periods)")
    index = pd.MultiIndex.from_product([units, periods], names=[id, time])
    scores = {}
    for start in range(T - width + 1):
        ks = list(range(start, start + width))
        label = f"{periods[ks[0]]}-{periods[ks[-1]]}" if width > 1 else f"{periods[ks[0]]}"
        xw = np.hstack([X[k] for k in ks]).T
        yw = np.hstack([Y[k] for k in ks]).T
        obs = pd.MultiIndex.from_tuples([(u, periods[k]) for k in ks for u in units], names=[id, time])
        res = dea(xw, yw, rts=rts, orientation=orientation, slacks="none", scale=False)
        scores[label] = pd.Series(res.efficiency.to_numpy(), index=obs).reindex(index)
    return WindowResult(
        scores=pd.DataFrame(scores, index=index),
        id_name=id,
        time_name=time,
        width=int(width),
        rts=rts,
        orientation=orientation,
    )
