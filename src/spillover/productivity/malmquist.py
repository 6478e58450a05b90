"""Malmquist total factor productivity index (Färe, Grosskopf, Norris and Zhang 1994), DEAP 2.1 conventions.

With te_a(b) the CRS technical efficiency of the data of period b against the frontier of period a (input
orientation: theta; output orientation: 1/phi, identical under CRS), the change from t to t+1 is::

    effch  = te_{t+1}(t+1) / te_t(t)
    techch = sqrt[ te_t(t+1) / te_{t+1}(t+1)  *  te_t(t) / te_{t+1}(t) ]
    tfpch  = effch * techch
    pech   = vrste_{t+1}(t+1) / vrste_t(t),     sech = effch / pech

Indices are labelled by the later period.  Period means and unit means are geometric; the overall mean is the
geometric mean of the period means; "mean" rows of the distance tables are arithmetic (all as in DEAP).
Cross-period distances are CRS only.  Frontiers: ``"adjacent"`` (contemporaneous, DEAP), ``"sequential"``
(frontier t spans all periods <= t; Shestalova 2003) or ``"global"`` (Pastor and Lovell 2005: tfpch is the
ratio of CRS scores against the frontier of all periods pooled; effch and pech are contemporaneous and
techch = tfpch / effch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spillover._readonly import ReadOnly
from spillover.errors import DEAError, InfeasibleWarning
from spillover.options import Frontier, check_option, warn
from spillover.productivity import _common as C
from spillover.productivity import _engine as E
from spillover.productivity._validate import normaliser
from spillover.productivity.dea import Orientation
from spillover.summary import Summary

__all__ = ["malmquist", "MalmquistResult", "Frontier", "INDICES", "geometric_mean"]

INDICES = ["effch", "techch", "pech", "sech", "tfpch"]


def geometric_mean(values: pd.DataFrame | pd.Series, axis: int = 0) -> Any:
    """Geometric mean ignoring NaN (DEAP's averaging of Malmquist indices).

    >>> float(geometric_mean(pd.Series([1.0, 4.0])))
    2.0
    """
    return np.exp(np.log(values).mean(axis=axis))


@dataclass(frozen=True)
class MalmquistResult(ReadOnly):
    """Result of :func:`malmquist` (read-only).

    Attributes
    ----------
    indices
        effch, techch, pech, sech, tfpch per (unit, period), labelled by the later period.
    distances
        crs_prev (te against the previous period's frontier), crs, crs_next, vrs per (unit, period); with the
        global frontier also crs_global.  NaN where undefined (first/last period) or infeasible.
    """

    indices: pd.DataFrame
    distances: pd.DataFrame
    id_name: str
    time_name: str
    orientation: str
    frontier: str
    n_infeasible: int

    @property
    def period_means(self) -> pd.DataFrame:
        """Geometric means over units, one row per (later) period (DEAP's annual means)."""
        return self.indices.groupby(level=self.time_name).apply(geometric_mean)

    @property
    def unit_means(self) -> pd.DataFrame:
        """Geometric means over periods, one row per unit (DEAP's firm means)."""
        return self.indices.groupby(level=self.id_name, sort=False).apply(geometric_mean)

    @property
    def mean(self) -> pd.Series:
        """Overall mean: the geometric mean of the period means (DEAP)."""
        return geometric_mean(self.period_means).rename("mean")

    @property
    def distance_means(self) -> pd.DataFrame:
        """Arithmetic means of the distances per period (DEAP's "mean" rows)."""
        return self.distances.groupby(level=self.time_name).mean()

    @property
    def n_infeasible_by_period(self) -> pd.Series:
        """Number of NaN (infeasible) distances per period."""
        core = self.distances.drop(columns=[c for c in ("crs_prev", "crs_next") if c in self.distances])
        return core.isna().any(axis=1).groupby(level=self.time_name).sum().rename("n_infeasible")

    def to_panel_frame(self, prefix: str = "") -> pd.DataFrame:
        """(id, period)-indexed columns ready for :meth:`SpatialPanel.with_data`.

        Columns: the five indices (NaN in the first period) and ``tfp`` = cumulative TFP index (product of
        tfpch, 1 in the first period), each prefixed by ``prefix``.
        """
        full = self.indices.reindex(self.distances.index)
        first = self.distances.index.get_level_values(self.time_name) == self.periods[0]
        growth = full["tfpch"].where(~first, 1.0)
        full["tfp"] = growth.groupby(level=self.id_name, sort=False).cumprod()
        return full.add_prefix(prefix)

    @property
    def periods(self) -> pd.Index:
        """All periods, sorted."""
        return self.distances.index.get_level_values(self.time_name).unique().sort_values()

    def summary(self) -> Summary:
        """Period means plus the overall mean as a last row "mean", and ``n_nan``: how many units of that
        period have a NaN in any averaged index (effch, techch, pech, sech or tfpch: infeasible or undefined
        distances), i.e. every unit some mean of the row skips (columns not computed at all, as pech/sech of
        a non-CRS Malmquist-Luenberger index, are left out).  The table is :attr:`Summary.frame`."""
        pm = self.period_means
        table = pd.concat([pm, self.mean.to_frame().T.set_axis(["mean"])])
        averaged = [c for c in pm.columns if self.indices[c].notna().any()]  # not pech/sech left undefined
        n_nan = self.indices[averaged].isna().any(axis=1).groupby(level=self.time_name).sum()
        table["n_nan"] = [*n_nan.reindex(pm.index).astype(int), int(n_nan.sum())]
        return Summary(
            f"{type(self).__name__.removesuffix('Result')} indices by period (geometric means)", (table,)
        )

    def __repr__(self) -> str:
        m = self.mean
        return (
            f"MalmquistResult(frontier={self.frontier!r}, orientation={self.orientation!r}, "
            f"periods={len(self.periods)}, tfpch={m['tfpch']:.4f}, infeasible={self.n_infeasible})"
        )


def malmquist(
    data: Any,
    *,
    id: str | None = None,
    time: str | None = None,
    inputs: Sequence[str],
    outputs: Sequence[str],
    orientation: Orientation = "input",
    frontier: Frontier = "adjacent",
    backend: E.Backend = "auto",
    n_jobs: int | None = None,
) -> MalmquistResult:
    """Malmquist TFP index and its decomposition, as DEAP 2.1 computes it (plus other frontiers).

    Parameters
    ----------
    data
        Long frame with one row per (unit, period), or a :class:`spillover.SpatialPanel` (its id and time
        names are used when ``id``/``time`` are not given).
    id, time
        Unit and period columns.
    inputs, outputs
        Column names.
    orientation
        ``"input"`` or ``"output"`` (affects pech/sech only; effch, techch and tfpch are CRS).
    frontier
        ``"adjacent"`` (DEAP), ``"sequential"`` or ``"global"``.
    backend, n_jobs
        As in :func:`spillover.productivity.dea`; frontiers are solved in parallel.  ``"auto"`` (default):
        a process pool from 10,000 units when at least two cores are free, serial otherwise.

    Returns
    -------
    MalmquistResult

    Examples
    --------
    DEAP 2.1's example 4 (Coelli 1996), first two years:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"firm": [1, 2, 3, 4, 5] * 2, "year": [1] * 5 + [2] * 5,
    ...                    "y": [1, 2, 3, 4, 5, 1, 3, 4, 3, 5], "x": [2, 4, 3, 5, 6, 2, 4, 3, 5, 5]})
    >>> res = malmquist(df, id="firm", time="year", inputs=["x"], outputs=["y"], orientation="output")
    >>> res.period_means.round(3).loc[2].tolist()
    [0.844, 1.333, 0.955, 0.883, 1.125]
    """
    check_option(orientation, Orientation, "orientation", error=DEAError)
    check_option(frontier, Frontier, "frontier", error=DEAError)
    check_option(backend, E.Backend, "backend", error=DEAError)
    frame, id, time = C.long_frame(data, id, time)
    units, periods, X, Y = C.cube(frame, id, time, list(inputs), list(outputs))
    dist, n_bad, arrays = _distances(X, Y, units, periods, id, time, orientation, frontier, backend, n_jobs)
    indices = C.change_indices(arrays, frontier, units, periods)
    return MalmquistResult(
        indices=indices,
        distances=dist,
        id_name=id,
        time_name=time,
        orientation=orientation,
        frontier=frontier,
        n_infeasible=n_bad,
    )


def _frontier_data(X: np.ndarray, Y: np.ndarray, frontier: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Reference data of the frontier of each period (adjacent: own period; sequential: periods <= t)."""
    if frontier == "sequential":
        return [(np.hstack(list(X[: k + 1])), np.hstack(list(Y[: k + 1]))) for k in range(len(X))]
    return [(X[k], Y[k]) for k in range(len(X))]


def _scores_beyond(
    Xr: np.ndarray,
    Yr: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    known: np.ndarray,
    known_res: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Input-oriented VRS scores of every column of X, Y, those of ``known`` taken from ``known_res``."""
    n = X.shape[1]
    rest = np.setdiff1d(np.arange(n), known)
    part = (
        E.radial_scores(Xr, Yr, X[:, rest], Y[:, rest], "vrs", "input")
        if len(rest)
        else {key: val[:0] for key, val in known_res.items()}
    )
    out = {}
    for key, val in part.items():
        full = np.empty((n,) + val.shape[1:], dtype=val.dtype)
        full[rest], full[known] = val, known_res[key]
        out[key] = full
    return out


def _period_task(
    Xf: np.ndarray,
    Yf: np.ndarray,
    evals: list[tuple[np.ndarray, np.ndarray]],
    vrs_eval: tuple | None,
    orientation: str,
    own: bool = False,
) -> dict[str, Any]:
    """CRS scores of several data sets and VRS scores of one against one frontier (picklable task).

    The CRS frontier set is found among the VRS one (the CRS technology is the cone of the VRS technology,
    so the units that span T_vrs span T_crs too, as in ``dea``'s scale efficiency); the data sets are scored
    in one batch, so they share the solver's pool of optimal bases (units of adjacent periods hit the same
    facets)."""
    out: dict[str, Any] = {"crs": []}
    if vrs_eval is not None:
        if own and orientation == "input":
            # the own period's units against their own frontier: the frontier search has already solved the
            # candidates' LPs against a set spanning the same technology; only the others are scored here
            vrs_ref, cand, known = E.frontier_set(Xf, Yf, "vrs", with_scores=True)
            out["vrs"] = _scores_beyond(Xf[:, vrs_ref], Yf[:, vrs_ref], Xf, Yf, cand, known)
        else:
            vrs_ref = E.frontier_set(Xf, Yf, "vrs")
            out["vrs"] = E.radial_scores(
                Xf[:, vrs_ref], Yf[:, vrs_ref], vrs_eval[0], vrs_eval[1], "vrs", orientation
            )
        crs_ref = E.frontier_direct(Xf, Yf, "crs", vrs_ref)
    else:
        crs_ref = E.frontier_set(Xf, Yf, "crs")
    both = E.radial_scores(
        Xf[:, crs_ref],
        Yf[:, crs_ref],
        np.hstack([e[0] for e in evals]),
        np.hstack([e[1] for e in evals]),
        "crs",
        orientation,
    )
    edges = np.cumsum([0] + [e[0].shape[1] for e in evals])
    out["crs"] = [{key: value[a:b] for key, value in both.items()} for a, b in zip(edges[:-1], edges[1:])]
    return out


def _distances(
    X: np.ndarray,
    Y: np.ndarray,
    units: pd.Index,
    periods: pd.Index,
    id: str,
    time: str,
    orientation: str,
    frontier: str,
    backend: str,
    n_jobs: int | None,
) -> tuple[pd.DataFrame, int, dict[str, np.ndarray]]:
    T = len(periods)
    sx = normaliser(*[X[k] for k in range(T)])  # one scale for all periods keeps periods comparable
    sy = normaliser(*[Y[k] for k in range(T)])
    Xn, Yn = X / sx[None, :, None], Y / sy[None, :, None]
    refs = _frontier_data(Xn, Yn, frontier)
    calls: list[tuple[Any, ...]] = []  # _period_task's arguments
    for k in range(T):
        evals = [(Xn[j], Yn[j]) for j in (k - 1, k, k + 1) if 0 <= j < T]
        calls.append((refs[k][0], refs[k][1], evals, (Xn[k], Yn[k]), orientation, frontier != "sequential"))
    if frontier == "global":
        calls.append(
            (np.hstack(list(Xn)), np.hstack(list(Yn)), [(Xn[k], Yn[k]) for k in range(T)], None, orientation)
        )
    backend = E.resolve_backend(backend, X.shape[2], n_jobs)  # "auto": a process pool for large panels
    results = E.Executor(backend, n_jobs).map(_period_task, calls)
    return _assemble(results, units, periods, id, time, orientation, frontier)


def _assemble(
    results: list[dict],
    units: pd.Index,
    periods: pd.Index,
    id: str,
    time: str,
    orientation: str,
    frontier: str,
) -> tuple[pd.DataFrame, int, dict[str, np.ndarray]]:
    T, n = len(periods), len(units)
    cols = ["crs_prev", "crs", "crs_next", "vrs"] + (["crs_global"] if frontier == "global" else [])
    d = {c: np.full((T, n), np.nan) for c in cols}
    bad: list[str] = []

    def put(col: str, k: int, res: dict, against: Any) -> None:
        score = res["score"] if orientation == "input" else 1.0 / res["score"]
        d[col][k] = score
        for u in np.flatnonzero(res["status"] != 0):
            bad.append(f"{C.py(units[u])!r} in {C.py(periods[k])!r} against the {against} frontier")

    for k in range(T):  # results[k] is the frontier of period k; its evals are periods k-1, k, k+1
        crs = iter(results[k]["crs"])
        for j, col in ((k - 1, "crs_next"), (k, "crs"), (k + 1, "crs_prev")):
            if 0 <= j < T:
                put(col, j, next(crs), repr(C.py(periods[k])))
        put("vrs", k, results[k]["vrs"], f"{C.py(periods[k])!r} (VRS)")
    if frontier == "global":
        for k, res in enumerate(results[T]["crs"]):
            put("crs_global", k, res, "global")
    if bad:  # one warning naming every affected unit and period
        warn(
            f"{len(bad)} Malmquist distance LP(s) had no optimal solution (infeasible or not "
            f"certified) and are NaN, not 0: {'; '.join(bad)}.",
            InfeasibleWarning,
        )
    index = pd.MultiIndex.from_product([units, periods], names=[id, time])
    frame = pd.DataFrame({c: d[c].T.reshape(-1) for c in cols}, index=index)
    return frame, len(bad), {c: v.T for c, v in d.items()}
