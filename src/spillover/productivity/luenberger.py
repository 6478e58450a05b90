"""Malmquist-Luenberger productivity index (Chung, Färe and Grosskopf 1997) and its global version (Oh 2010).

With D^a(b) the directional distance (``directional.py``, weakly disposable undesirable outputs, direction
(0, y, -b) of the evaluated observation by default) of period b's data against frontier a, and
te_a(b) = 1 / (1 + D^a(b)), the change from t to t+1 is::

    ML      = sqrt[ (1 + D^t(t)) / (1 + D^t(t+1))  *  (1 + D^t+1(t)) / (1 + D^t+1(t+1)) ]
    MLEC    = (1 + D^t(t)) / (1 + D^t+1(t+1))                       (effch)
    MLTC    = ML / MLEC                                               (techch)
    PEC     = the same ratio with VRS contemporaneous distances,    SEC = MLEC / PEC

These are exactly the Malmquist formulas of ``malmquist.py`` on the te scale, so without undesirable outputs
and with the direction (0, y) the ML index *is* the output-oriented Malmquist index (tested).  Frontiers:

* ``"adjacent"``: contemporaneous frontiers (Chung et al. 1997); cross-period LPs may be infeasible;
* ``"sequential"``: frontier t spans all periods <= t (Oh and Heshmati 2010);
* ``"global"``: GML = (1 + D^G(t)) / (1 + D^G(t+1)) against the frontier of all periods pooled (Oh 2010, after
  Pastor and Lovell 2005), always feasible and transitive; effch and pech stay contemporaneous and
  techch = GML / effch (Oh's best-practice gap change).

Indices are labelled by the later period; means are geometric as in DEAP.  Infeasible LPs give NaN, one
warning naming unit, period and frontier, and are counted in :meth:`summary` (``n_nan``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spillover.errors import DEAError, format_items
from spillover.options import check_option
from spillover.productivity import _common as C
from spillover.productivity._lp import UNDEFINED
from spillover.productivity._validate import normaliser
from spillover.productivity.dea import RTS
from spillover.productivity.directional import PRESET_SIGNS, DirectionPreset, ddf_arrays
from spillover.productivity.malmquist import Frontier, MalmquistResult

__all__ = ["malmquist_luenberger", "MalmquistLuenbergerResult"]


@dataclass(frozen=True)
class MalmquistLuenbergerResult(MalmquistResult):
    """Result of :func:`malmquist_luenberger` (read-only).

    ``indices`` has effch (MLEC), techch (MLTC), pech, sech and tfpch (the ML or GML index) per (unit, later
    period); ``distances`` the directional distances d_prev = D^(t-1)(t), d = D^t(t), d_next = D^(t+1)(t),
    d_vrs (VRS, own period) and, for the global frontier, d_global.  Period/unit means, ``summary()`` and
    ``to_panel_frame()`` work as for :class:`~spillover.productivity.malmquist.MalmquistResult`.
    """

    undesirable: tuple = ()
    rts: str = "crs"
    direction: str = "outputs"

    @property
    def efficiency(self) -> pd.Series:
        """Contemporaneous efficiency 1 / (1 + D^t(t)) per (unit, period)."""
        return (1.0 / (1.0 + self.distances["d"])).rename("efficiency")

    @property
    def n_infeasible_by_period(self) -> pd.Series:
        """Number of (unit, period) rows with at least one NaN distance, per period."""
        return self.distances.isna().any(axis=1).groupby(level=self.time_name).sum().rename("n_infeasible")

    @property
    def cumulative(self) -> pd.DataFrame:
        """Cumulative indices per (unit, period): products of the changes so far, 1 in the first period."""
        full = self.indices.reindex(self.distances.index)
        first = self.distances.index.get_level_values(self.time_name) == self.periods[0]
        full.loc[first] = 1.0
        return full.groupby(level=self.id_name, sort=False).cumprod()

    def to_frame(self) -> pd.DataFrame:
        """Distances, efficiency and the indices (NaN in the first period) per (unit, period)."""
        return pd.concat(
            [self.distances, self.efficiency, self.indices.reindex(self.distances.index)], axis=1
        )

    def __repr__(self) -> str:
        return (
            f"MalmquistLuenbergerResult(frontier={self.frontier!r}, rts={self.rts!r}, "
            f"undesirable={list(self.undesirable)}, periods={len(self.periods)}, "
            f"tfpch={self.mean['tfpch']:.4f}, infeasible={self.n_infeasible})"
        )


def malmquist_luenberger(
    data: Any,
    *,
    id: str | None = None,
    time: str | None = None,
    inputs: Sequence[str],
    outputs: Sequence[str],
    undesirable: Sequence[str] = (),
    frontier: Frontier = "adjacent",
    rts: RTS = "crs",
    direction: DirectionPreset = "outputs",
) -> MalmquistLuenbergerResult:
    """Malmquist-Luenberger (adjacent/sequential) or global Malmquist-Luenberger (GML) productivity index.

    Parameters
    ----------
    data
        Long frame with one row per (unit, period), or a :class:`spillover.SpatialPanel`.
    id, time
        Unit and period columns (default: the panel's).
    inputs, outputs
        Input and desirable output columns.
    undesirable
        Undesirable output columns (emissions...), weakly disposable; empty for none.
    frontier
        ``"adjacent"``, ``"sequential"`` or ``"global"``.
    rts
        Technology of the index (``"crs"`` as in Chung et al. 1997).  pech/sech (VRS) are reported for CRS
        only (NaN otherwise).
    direction
        ``"outputs"``: (0, y, -b) (Chung et al. 1997); ``"proportional"``: (-x, y, -b); ``"desirable"``:
        (0, y, 0); ``"inputs"``: (-x, 0, 0); always the evaluated observation's own data.

    Returns
    -------
    MalmquistLuenbergerResult

    Examples
    --------
    Without undesirable outputs and with the direction (0, y), ML is the output-oriented Malmquist index
    (DEAP 2.1's example 4, first two years: tfpch mean 1.125, as in :func:`malmquist`'s example).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"firm": [1, 2, 3, 4, 5] * 2, "year": [1] * 5 + [2] * 5,
    ...                    "y": [1, 2, 3, 4, 5, 1, 3, 4, 3, 5], "x": [2, 4, 3, 5, 6, 2, 4, 3, 5, 5]})
    >>> res = malmquist_luenberger(df, id="firm", time="year", inputs=["x"], outputs=["y"])
    >>> round(float(res.mean["tfpch"]), 3)
    1.125
    """
    check_option(frontier, Frontier, "frontier", error=DEAError)
    check_option(rts, RTS, "rts", error=DEAError)
    check_option(direction, DirectionPreset, "direction", error=DEAError)
    frame, id, time = C.long_frame(data, id, time)
    inputs, outputs, undesirable = list(inputs), list(outputs), list(undesirable)
    overlap = set(outputs) & set(undesirable)
    if overlap:
        raise DEAError(
            f"column(s) {format_items(sorted(overlap))} are listed both as outputs and as "
            "undesirable outputs; list each once."
        )
    units, periods, X, Y = C.cube(frame, id, time, inputs, outputs + undesirable)
    s1 = len(outputs)
    dist, cases = _distances(X, Y[:, :s1], Y[:, s1:], periods, frontier, rts, direction)
    failed = [_case(units, periods, c) for c in cases if c[3] != UNDEFINED]
    C.warn_nan("Malmquist-Luenberger distance", failed)
    C.warn_nan(
        "Malmquist-Luenberger distance",
        [_case(units, periods, c) for c in cases if c[3] == UNDEFINED],
        reason="gave 1 + D <= 0, an undefined distance (no reference combination makes any of the "
        "unit's desirable output: e.g. its undesirable output is 0 under weak disposability)",
    )
    index = pd.MultiIndex.from_product([units, periods], names=[id, time])
    distances = pd.DataFrame({c: v.T.reshape(-1) for c, v in dist.items()}, index=index)
    pairs = (
        ("crs_prev", "d_prev"),
        ("crs", "d"),
        ("crs_next", "d_next"),
        ("vrs", "d_vrs"),
        ("crs_global", "d_global"),
    )
    te = {
        name: (1.0 / (1.0 + dist[col])).T if col in dist else np.full((len(units), len(periods)), np.nan)
        for name, col in pairs
    }
    indices = C.change_indices(te, frontier, units, periods)
    return MalmquistLuenbergerResult(
        indices=indices,
        distances=distances,
        id_name=id,
        time_name=time,
        orientation="directional",
        frontier=frontier,
        n_infeasible=len(cases),
        undesirable=tuple(undesirable),
        rts=rts,
        direction=direction,
    )


def _case(units: pd.Index, periods: pd.Index, case: tuple[int, int, str, int]) -> str:
    u, k, against, _ = case
    return f"{C.py(units[u])!r} in {C.py(periods[k])!r} against the {against} frontier"


def _normalised(X: np.ndarray, G: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, ...]:
    """One scale per variable over all periods keeps periods comparable (arrays periods x vars x units)."""
    out = []
    for A in (X, G, B):
        if A.shape[1] == 0:
            out.append(A)
            continue
        scale = normaliser(*list(A))
        out.append(A / scale[None, :, None])
    return tuple(out)


def _distances(
    X: np.ndarray,
    G: np.ndarray,
    B: np.ndarray,
    periods: pd.Index,
    frontier: str,
    rts: str,
    direction: str,
) -> tuple[dict[str, np.ndarray], list[tuple[int, int, str, int]]]:
    """Directional distances (periods x units) and the (unit, period, frontier) of every failed LP."""
    T, n = X.shape[0], X.shape[2]
    Xn, Gn, Bn = _normalised(X, G, B)
    sx, sy, sb = PRESET_SIGNS[direction]
    cross = ["d"] if frontier == "global" else ["d_prev", "d", "d_next"]
    cols_all = cross + (["d_vrs"] if rts == "crs" else []) + (["d_global"] if frontier == "global" else [])
    dist: dict[str, np.ndarray] = {c: np.full((T, n), np.nan) for c in cols_all}
    cases: list[tuple[int, int, str, int]] = []

    def solve(
        ref: tuple[np.ndarray, ...],
        periods: list[int],
        rts_: str,
        cols: list[str],
        label: str,
    ) -> None:
        xe, ge, be = (np.hstack([A[j] for j in periods]) for A in (Xn, Gn, Bn))
        res = ddf_arrays(ref[0], ref[1], ref[2], xe, ge, be, sx * xe, sy * ge, sb * be, rts=rts_)
        for p, (j, col) in enumerate(zip(periods, cols)):
            beta, status = res["beta"][p * n : (p + 1) * n], res["status"][p * n : (p + 1) * n]
            dist[col][j] = beta
            cases.extend((int(u), j, label, int(status[u])) for u in np.flatnonzero(status != 0))

    for k in range(T):
        if frontier == "sequential":
            ref = tuple(np.hstack(list(A[: k + 1])) for A in (Xn, Gn, Bn))
        else:
            ref = (Xn[k], Gn[k], Bn[k])
        label = repr(C.py(periods[k]))
        js = [j for j in (k - 1, k, k + 1) if 0 <= j < T and (frontier != "global" or j == k)]
        cols = [{k - 1: "d_next", k: "d", k + 1: "d_prev"}[j] for j in js]
        solve(ref, js, rts, cols, label)
        if rts == "crs":
            solve(ref, [k], "vrs", ["d_vrs"], f"{label} (VRS)")
    if frontier == "global":
        ref = tuple(np.hstack(list(A)) for A in (Xn, Gn, Bn))
        solve(ref, list(range(T)), rts, ["d_global"] * T, "global")
    return dist, cases
