"""Slacks-based measure of efficiency (Tone 2001), with undesirable outputs (Tone 2004) and super-efficiency
(Tone 2002).

For unit o with inputs x_o (m), desirable outputs g_o (s1) and undesirable outputs b_o (s2), the
non-oriented SBM is the fractional programme::

    rho* = min  [1 - (1/m) sum_i s-_i / x_io] / [1 + 1/(s1 + s2) (sum_r sg_r / g_ro + sum_k sb_k / b_ko)]
    s.t.  x_o = X lam + s-,   g_o = G lam - sg,   b_o = B lam + sb,   lam, s-, sg, sb >= 0

plus sum(lam) = 1 (VRS), <= 1 (NIRS) or >= 1 (NDRS).  It is solved as one LP by the Charnes-Cooper
transformation (t = 1 / denominator, Lambda = t lam, S = t s): ``min t - (1/m) sum S-_i / x_io`` subject to
``t + 1/(s1+s2) (sum Sg_r / g_ro + sum Sb_k / b_ko) = 1``, ``X Lambda + S- = t x_o``, ``G Lambda - Sg = t
g_o``, ``B Lambda + Sb = t b_o`` (and ``sum(Lambda) = t`` etc.).  Input orientation drops the denominator
(t = 1), output orientation the numerator (the score is ``1 / (1 + mean output shortfall)``).  Terms of
variables that are zero for the unit are deleted (Tone 2001): their weights are 0, the averages keep m and
s1 + s2 as denominators.

Super-efficiency (Tone 2002), for SBM-efficient units only (the others keep rho*): with unit o removed from
the reference set, ``delta* = min [1 + (1/m) sum phi_i] / [1 - 1/(s1+s2) (sum psi_r + sum psi_k)]`` over
``xbar = x_o (1 + phi) >= X lam``, ``gbar = g_o (1 - psi) <= G lam``, ``bbar = b_o (1 + psi_b) >= B lam``,
``phi, psi >= 0``, ``psi_r <= 1``; input orientation fixes psi = 0, output orientation phi = 0.  delta* >= 1;
an infeasible LP (possible under VRS or in output orientation) is NaN with a warning naming the units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spillover.errors import DEAError
from spillover.options import SBMOrientation, check_option
from spillover.productivity import _common as C
from spillover.productivity import _engine as E
from spillover.productivity._highs import RESCALE, ray_scale
from spillover.productivity._lp import FAILED, INF, OPTIMAL, STATUS_NAMES, ReusableLP
from spillover.productivity._sbm_simplex import BATCH_MIN, sbm_batch
from spillover.productivity._validate import normaliser
from spillover.productivity.dea import RTS, Method, UnitScores
from spillover.summary import Summary

__all__ = ["sbm", "SBMResult", "SBMOrientation", "sbm_reference", "super_reference"]

LAMBDA_TOL = 1e-10  # lambdas at or below this are left out of the peer table


@dataclass(frozen=True)
class SBMResult(UnitScores):
    """Result of :func:`sbm` (read-only).

    Attributes
    ----------
    efficiency
        rho* (<= 1), or, with ``super=True``, Tone's super-efficiency delta* (>= 1) for the SBM-efficient
        units; NaN where the LP had no optimal solution.
    input_targets, output_targets
        The projected point (for super-efficient units: the point outside the frontier, x >= x_o).
    peer_table
        Long ``unit, peer, weight`` frame of the non-zero lambdas.
    super_units
        Which units were scored by the super-efficiency LP.
    """

    efficiency: pd.Series
    inputs: pd.DataFrame
    outputs: pd.DataFrame
    undesirable: tuple
    input_targets: pd.DataFrame
    output_targets: pd.DataFrame
    peer_table: pd.DataFrame
    status: pd.Series
    super_units: pd.Series
    rts: str
    orientation: str
    super: bool

    @property
    def input_slacks(self) -> pd.DataFrame:
        """Input excess x_o - target (negative for super-efficient units: room to spare)."""
        return self.inputs - self.input_targets

    @property
    def output_slacks(self) -> pd.DataFrame:
        """Shortfall of desirable outputs (target - y_o) and excess of undesirable ones (b_o - target)."""
        sign = np.where(self.outputs.columns.isin(list(self.undesirable)), -1.0, 1.0)
        return (self.output_targets - self.outputs) * sign

    @property
    def lambdas(self) -> pd.DataFrame:
        """Dense lambda matrix (units x reference units)."""
        values = np.zeros((len(self.names), len(self.names)))
        rows = self.names.get_indexer(self.peer_table["unit"])
        cols = self.names.get_indexer(self.peer_table["peer"])
        values[rows, cols] = self.peer_table["weight"].to_numpy()
        return pd.DataFrame(values, index=self.names, columns=self.names)

    @property
    def peers(self) -> pd.Series:
        g = self.peer_table.groupby("unit", sort=False)["peer"].agg(tuple)
        return g.reindex(self.names).apply(lambda v: v if isinstance(v, tuple) else ()).rename("peers")

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: score, slacks, targets, peers, whether it was super-scored, LP status."""
        frame = pd.concat(
            [
                self.efficiency.rename("sbm").to_frame(),
                self.input_slacks.add_prefix("slack_"),
                self.output_slacks.add_prefix("slack_"),
                self.input_targets.add_prefix("target_"),
                self.output_targets.add_prefix("target_"),
            ],
            axis=1,
        )
        frame["peers"] = self.peers.apply(lambda t: " ".join(str(p) for p in t))
        frame["super"] = self.super_units
        frame["status"] = self.status
        return frame

    def summary(self) -> Summary:
        """Units, mean/min/max score, efficient units, NaN scores (and the options used) in ``header``."""
        out = C.describe(self.efficiency).to_dict() | {
            "rts": self.rts,
            "orientation": self.orientation,
            "super": self.super,
            "undesirable": len(self.undesirable),
        }
        return Summary("Slacks-based measure (SBM) efficiency", header=out)

    def __repr__(self) -> str:
        return (
            f"SBMResult(rts={self.rts!r}, orientation={self.orientation!r}, super={self.super}, "
            f"units={len(self.names)}, mean={self.efficiency.mean():.4f}, "
            f"infeasible={self.n_infeasible})"
        )


def sbm(
    inputs: Any,
    outputs: Any,
    *,
    rts: RTS,
    orientation: SBMOrientation = "non",
    undesirable: Sequence[Any] | None = None,
    super: bool = False,
    names: Sequence[Any] | None = None,
    method: Method = "fast",
    backend: E.Backend = "auto",
    n_jobs: int | None = None,
) -> SBMResult:
    """Slacks-based measure (Tone 2001), optionally with undesirable outputs and super-efficiency.

    Parameters
    ----------
    inputs, outputs
        Tables (units x variables) as in :func:`spillover.productivity.dea`.
    rts
        ``"crs"``, ``"vrs"``, ``"nirs"`` or ``"ndrs"``.
    orientation
        ``"non"`` (Tone's non-oriented SBM), ``"input"`` or ``"output"``.
    undesirable
        Output columns (labels, or positions for arrays) that are undesirable (emissions, waste water): they
        should be small, and their excess counts in the denominator as in Tone (2004).
    super
        Super-efficiency (Tone 2002) for the SBM-efficient units.
    names
        Unit names (default: the index of ``inputs`` or 1..n).
    method
        ``"fast"``: frontier first (the units spanning the technology, found as for :func:`dea`), then
        every unit's SBM LP over those units only (exact: same scores, see :func:`sbm_reference`),
        solved thousands at a time by a batched simplex whose every answer carries an optimality
        certificate (HiGHS for the units without one, :func:`sbm_batched_arrays`);
        ``"plain"``: every LP over every unit, one HiGHS call each.  Where the optimal slacks are not unique the two may report
        different (equally optimal) targets and peers.
    backend, n_jobs
        As in :func:`dea`: ``"auto"`` (a process pool from 10,000 units when at least two cores are
        free), ``"serial"``, ``"processes"`` or ``"dask"``; every backend gives the same results.

    Returns
    -------
    SBMResult

    Examples
    --------
    One input, one output, CRS: the SBM equals the radial score when there are no slacks.

    >>> import pandas as pd
    >>> x = pd.DataFrame({"x": [2.0, 4.0, 4.0]}, index=["a", "b", "c"])
    >>> y = pd.DataFrame({"y": [2.0, 2.0, 4.0]}, index=["a", "b", "c"])
    >>> sbm(x, y, rts="crs").efficiency.round(4).tolist()
    [1.0, 0.5, 1.0]
    """
    check_option(rts, RTS, "rts", error=DEAError)
    check_option(orientation, SBMOrientation, "orientation", error=DEAError)
    check_option(method, Method, "method", error=DEAError)
    check_option(backend, E.Backend, "backend", error=DEAError)
    X, Y = C.frames(inputs, outputs, names)
    G, B = C.split_outputs(Y, undesirable)
    x, g, b = (f.to_numpy().T for f in (X, G, B))
    sx, sg, sb = normaliser(x), normaliser(g), (normaliser(b) if b.shape[0] else np.zeros(0))
    xn, gn, bn = x / sx[:, None], g / sg[:, None], (b / sb[:, None] if b.shape[0] else b)
    n = xn.shape[1]
    run = E.Executor(E.resolve_backend(backend, n, n_jobs), n_jobs)
    with run:  # one process pool for the frontier steps and the LPs
        ref = sbm_reference(xn, gn, bn, rts, run) if method == "fast" else np.arange(n)
        res = _sbm_chunks(xn, gn, bn, ref, rts, orientation, run, batch=method == "fast")
        res["score"] = np.minimum(
            res["score"], 1.0
        )  # in sample rho* <= 1: clip the solver's last-digit noise
        is_super = np.zeros(n, bool)
        if super:
            is_super = (res["status"] == OPTIMAL) & (res["score"] >= 1.0 - C.EFFICIENT_TOL)
            units = np.flatnonzero(is_super)
            sup_ref = super_reference(xn, gn, bn, ref, rts, run) if method == "fast" else ref
            sup = super_sbm_arrays(xn, gn, bn, units, rts=rts, orientation=orientation, reference=sup_ref)
            for key in ("status", "score", "x_t", "g_t", "b_t"):
                res[key][is_super] = sup[key]
            keep = ~is_super[res["lam_unit"]]
            unit = np.concatenate([res["lam_unit"][keep], units[sup["lam_unit"]]])
            peer = np.concatenate([res["lam_peer"][keep], sup["lam_peer"]])
            weight = np.concatenate([res["lam_weight"][keep], sup["lam_weight"]])
            sort = np.lexsort((peer, unit))
            res["lam_unit"], res["lam_peer"], res["lam_weight"] = unit[sort], peer[sort], weight[sort]
    return _result(X, Y, G, B, res, (sx, sg, sb), is_super, rts, orientation, super)


def _reduction_applies(G: np.ndarray) -> bool:
    """The frontier reduction's proof (``_engine``) needs a positive desirable output for every unit."""
    return bool(G.shape[1] == 0 or (G > 0).any(axis=0).all())


def sbm_reference(
    X: np.ndarray, G: np.ndarray, B: np.ndarray, rts: str, run: E.Executor = E.SERIAL
) -> np.ndarray:
    """Indices of the units whose SBM LPs' lambdas suffice for every unit: the frontier set E of the
    technology with inputs (X, B) and outputs G (:func:`~spillover.productivity._engine.frontier_set`).

    Why it is exact: the SBM constraints ``X lam + s- = x_o``, ``G lam - sg = g_o``, ``B lam + sb = b_o``
    (undesirable outputs are disposed of like inputs) say that the target ``(X lam, G lam, B lam)`` lies in
    the technology T(all) and dominates the unit; the objective depends on the slacks only and improves
    with each of them (the weights are >= 0).  T(E) = T(all), so a target of the full LP is dominated by a
    combination of E whose slacks are at least as large: the optimum over E is no worse, and no better
    since E is a subset.  The score is therefore the same; targets and lambdas are an optimal solution of
    the full LP (they may differ from another optimal solution where the optimum is not unique).
    """
    if not _reduction_applies(G):
        return np.arange(X.shape[1])
    return E.frontier_set(np.vstack([X, B]), G, rts, run)


def super_reference(
    X: np.ndarray, G: np.ndarray, B: np.ndarray, front: np.ndarray, rts: str, run: E.Executor = E.SERIAL
) -> np.ndarray:
    """Reference units for Tone's super-SBM: the frontier set E (``front``) plus the frontier set E2 of the
    units outside E (the second layer).

    Why it is exact: super-SBM of unit o uses the technology T(all minus o).  Every unit outside E lies in
    T(E2), so T(all minus o) = T((E minus o) + E2): solving against (E + E2) minus o is exact.  E alone is
    not: a unit on the weakly efficient part of the frontier may be spanned only with o's help (1 input,
    1 output, VRS: o = (1, 1), j = (2, 1), k = (3, 2); without o, j is a vertex).
    """
    n = X.shape[1]
    if len(front) == n or not _reduction_applies(G):
        return np.arange(n)
    rest = np.setdiff1d(np.arange(n), front)
    second = rest[E.frontier_set(np.vstack([X[:, rest], B[:, rest]]), G[:, rest], rts, run)]
    return np.union1d(front, second)


def _sbm_chunks(
    X: np.ndarray,
    G: np.ndarray,
    B: np.ndarray,
    ref: np.ndarray,
    rts: str,
    orientation: str,
    run: E.Executor,
    batch: bool = False,
) -> dict[str, np.ndarray]:
    """:func:`sbm_arrays` of every unit against the units ``ref``, in chunks on the executor; with ``batch``
    (``method="fast"``) the batched simplex first (:func:`sbm_batched_arrays`), HiGHS for what it leaves.

    Units are solved in the data's order: the similar-mix order of the radial engine (``locality_order``)
    moves HiGHS's warm starts to vertices where, on data spanning many orders of magnitude, sum(lambda) = 1
    held only to 3e-8 (tests/productivity/test_hardening_productivity.py)."""
    slices = run.chunks(X.shape[1])
    Xr, Gr, Br = X[:, ref], G[:, ref], B[:, ref]
    calls = [(Xr, Gr, Br, X[:, sl], G[:, sl], B[:, sl], rts, orientation, batch) for sl in slices]
    parts = run.map(_sbm_call, calls)
    return E.merge_chunks(parts, slices, ref, ("status", "score", "x_t", "g_t", "b_t"))


def _sbm_call(
    Xr: np.ndarray,
    Gr: np.ndarray,
    Br: np.ndarray,
    X: np.ndarray,
    G: np.ndarray,
    B: np.ndarray,
    rts: str,
    orientation: str,
    batch: bool = False,
) -> dict[str, np.ndarray]:
    if batch:
        return sbm_batched_arrays(Xr, Gr, Br, X, G, B, rts=rts, orientation=orientation)
    return sbm_arrays(Xr, Gr, Br, X, G, B, rts=rts, orientation=orientation)


def sbm_batched_arrays(
    Xr: np.ndarray,
    Gr: np.ndarray,
    Br: np.ndarray,
    X: np.ndarray,
    G: np.ndarray,
    B: np.ndarray,
    *,
    rts: str,
    orientation: str,
) -> dict[str, np.ndarray]:
    """:func:`sbm_arrays`, but the LPs solved many at a time by the batched simplex (``_sbm_simplex``: each
    answer certified optimal and checked as :func:`_verified` does); the units it leaves (no certificate,
    a zero or far-from-normal value, fewer than BATCH_MIN units) go to :func:`sbm_arrays` (HiGHS)."""
    k, (m, s1, s2) = X.shape[1], (X.shape[0], G.shape[0], B.shape[0])
    if k < BATCH_MIN:
        return sbm_arrays(Xr, Gr, Br, X, G, B, rts=rts, orientation=orientation)
    WX, WY = _unit_weights(X, G, B, orientation)
    got = sbm_batch(Xr, Gr, Br, X, G, B, rts, _safe_div(WX, X), _safe_div(WY, np.vstack([G, B])))
    done, rest = np.flatnonzero(got["ok"]), np.flatnonzero(~got["ok"])
    out = _blank(k, m, s1, s2)
    out["status"][done] = OPTIMAL
    out["score"][done] = got["score"][done]
    slack = got["slack"][done]
    out["x_t"][done] = X[:, done].T - slack[:, :m]
    out["g_t"][done] = G[:, done].T + slack[:, m : m + s1]
    out["b_t"][done] = B[:, done].T - slack[:, m + s1 :]
    lam = [(got["lam_unit"], got["lam_peer"], got["lam_weight"])]
    if len(rest):
        sl = sbm_arrays(Xr, Gr, Br, X[:, rest], G[:, rest], B[:, rest], rts=rts, orientation=orientation)
        for key in ("status", "score", "x_t", "g_t", "b_t"):
            out[key][rest] = sl[key]
        lam.append((rest[sl["lam_unit"]], sl["lam_peer"], sl["lam_weight"]))
    unit, peer, weight = (np.concatenate(v) for v in zip(*lam))
    order = np.lexsort((peer, unit))
    out["lam_unit"], out["lam_peer"], out["lam_weight"] = unit[order], peer[order], weight[order]
    return out


def _result(
    X: pd.DataFrame,
    Y: pd.DataFrame,
    G: pd.DataFrame,
    B: pd.DataFrame,
    res: dict,
    scales: tuple,
    is_super: np.ndarray,
    rts: str,
    orientation: str,
    super: bool,
) -> SBMResult:
    sx, sg, sb = scales
    status = pd.Series([STATUS_NAMES[int(s)] for s in res["status"]], index=X.index, name="status")
    cases = [f"unit {C.py(u)!r} ({s})" for u, s in zip(X.index, status) if s != "optimal"]
    C.warn_nan("super-efficiency SBM" if super else "SBM", cases)
    targets_out = pd.concat(
        [
            pd.DataFrame(res["g_t"] * sg, index=X.index, columns=G.columns),
            pd.DataFrame(res["b_t"] * sb, index=X.index, columns=B.columns),
        ],
        axis=1,
    )[list(Y.columns)]
    return SBMResult(
        efficiency=pd.Series(res["score"], index=X.index, name="sbm"),
        inputs=X,
        outputs=Y,
        undesirable=tuple(B.columns),
        input_targets=pd.DataFrame(res["x_t"] * sx, index=X.index, columns=X.columns),
        output_targets=targets_out,
        peer_table=pd.DataFrame(
            {"unit": X.index[res["lam_unit"]], "peer": X.index[res["lam_peer"]], "weight": res["lam_weight"]}
        ),
        status=status,
        super_units=pd.Series(is_super, index=X.index, name="super"),
        rts=rts,
        orientation=orientation,
        super=super,
    )


def _unit_weights(
    x: np.ndarray, g: np.ndarray, b: np.ndarray, orientation: str
) -> tuple[np.ndarray, np.ndarray]:
    """The unit's objective weights of the input slacks and of the (good, bad) output slacks."""
    wx = _weights(x, len(x), orientation != "output")
    wy = np.concatenate(
        [
            _weights(g, len(g) + len(b), orientation != "input"),
            _weights(b, len(g) + len(b), orientation != "input"),
        ]
    )  # 1-D (one unit) or 2-D (variables x units): the counts are the numbers of rows either way
    return wx, wy


def _weights(v: np.ndarray, count: int, active: bool) -> np.ndarray:
    """1/count for positive entries (the zero ones are deleted, Tone 2001); zeros if not in the objective."""
    if not active or count == 0:
        return np.zeros_like(v)
    return np.where(v > 0, 1.0 / count, 0.0)


def _safe_div(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.divide(w, v, out=np.zeros_like(w), where=v > 0)


def _blank(k: int, m: int, s1: int, s2: int) -> dict[str, Any]:
    """NaN answers for k units; lambdas are collected as lists of (unit, peer, weight) parts."""
    return {
        "status": np.zeros(k, np.int8),
        "score": np.full(k, np.nan),
        "x_t": np.full((k, m), np.nan),
        "g_t": np.full((k, s1), np.nan),
        "b_t": np.full((k, s2), np.nan),
        "lam_unit": [],
        "lam_peer": [],
        "lam_weight": [],
    }


def _add_lambdas(out: dict[str, Any], k: int, lam: np.ndarray) -> None:
    peers = np.flatnonzero(lam > LAMBDA_TOL)
    out["lam_unit"].append(np.full(len(peers), k, np.int64))
    out["lam_peer"].append(peers)
    out["lam_weight"].append(lam[peers])


def _close(out: dict[str, Any]) -> dict[str, np.ndarray]:
    """Lambdas as triplet arrays ``lam_unit`` (evaluated unit), ``lam_peer`` (reference column), ``lam_weight``."""
    for key, kind in (("lam_unit", np.int64), ("lam_peer", np.int64), ("lam_weight", float)):
        out[key] = np.concatenate(out[key]).astype(kind) if out[key] else np.zeros(0, kind)
    return out


def _layout(n: int, m: int, s1: int, s2: int) -> dict[str, np.ndarray]:
    """Column indices: t, Lambda, then the input, desirable and undesirable slack (or phi/psi) columns."""
    cols = np.arange(1 + n + m + s1 + s2)
    return {
        "t": cols[:1],
        "lam": cols[1 : 1 + n],
        "x": cols[1 + n : 1 + n + m],
        "g": cols[1 + n + m : 1 + n + m + s1],
        "b": cols[1 + n + m + s1 :],
    }


def sbm_arrays(
    Xr: np.ndarray,
    Gr: np.ndarray,
    Br: np.ndarray,
    X: np.ndarray,
    G: np.ndarray,
    B: np.ndarray,
    *,
    rts: str,
    orientation: str,
) -> dict[str, np.ndarray]:
    """SBM of the columns of X, G, B against the reference set (arrays variables x units, normalised).

    Scaling (as the radial engine, ``_highs``): HiGHS's tolerances are absolute, so on data spanning many
    orders of magnitude an LP whose rows hold a tiny unit's values is "solved" with slacks larger than the
    unit's own inputs (scores <= 0, #19).  Each LP's rows are therefore divided by row scales ``r`` near the
    evaluated unit's own values (powers of two; the model is rebuilt only when a unit is more than 2^RESCALE
    away, never on data of ordinary range), the slack columns are the scaled slacks S / r, and under CRS each
    reference unit is divided by its own size (a cone: only its lambda changes).  Scores are unchanged by
    either; every answer is then checked (:func:`_verified`) and reported as failed (NaN) if it is not a
    feasible point whose Tone ratio is the score in (0, 1]."""
    (m, n), s1, s2 = Xr.shape, Gr.shape[0], Br.shape[0]
    L = _layout(n, m, s1, s2)
    ray = ray_scale(Xr, np.vstack([Gr, Br])) if rts == "crs" else np.ones(n)
    V, V_ref = np.vstack([X, G, B]), np.vstack([Xr, Gr, Br])
    Vr = V_ref / ray
    out = _blank(X.shape[1], m, s1, s2)
    lp, r = None, np.ones(m + s1 + s2)
    sign = np.concatenate([np.ones(m), -np.ones(s1), np.ones(s2)])  # slack signs in the rows x, g, b
    zeros_t, zeros_n = np.zeros(m + s1 + s2, int), np.zeros(s1 + s2, int)
    # every unit's row scales and objective weights at once (unit_scale and _unit_weights, vectorised)
    with np.errstate(divide="ignore", invalid="ignore"):
        WANT = np.where(V > 0, np.exp2(np.round(np.log2(V))), np.nan)
    WX, WY = _unit_weights(X, G, B, orientation)
    KX, KY = _safe_div(WX, X), _safe_div(WY, V[m:])
    for o in range(X.shape[1]):
        v, want, kx, ky = V[:, o], WANT[:, o], KX[:, o], KY[:, o]
        with np.errstate(invalid="ignore"):
            far = np.abs(np.log2(want / r)) > RESCALE  # NaN (a zero value: any scale) is never far
        if lp is None or far.any():
            r = np.where(far, want, r)
            lp, t_rows, norm_cols = _sbm_lp(Vr / r[:, None], m, s1, s2, rts, L)
        lp.set_coefficients(t_rows, zeros_t, -v / r)
        lp.set_coefficients(zeros_n, norm_cols, ky * r[m:])
        lp.set_cost(L["x"], -kx * r[:m])
        sol, c = _solve_scaled_t(lp)
        out["status"][o] = sol.status
        if sol.status != OPTIMAL:
            continue
        t = sol.x[0]
        slack = sol.x[1 + n :] * r / t
        lam = sol.x[L["lam"]] / t / ray
        if not _verified(c * sol.objective, lam, slack, v, V_ref, sign, kx, ky):
            out["status"][o] = FAILED
            continue
        out["score"][o] = c * sol.objective
        _add_lambdas(out, o, lam)
        out["x_t"][o] = v[:m] - slack[:m]
        out["g_t"][o] = v[m : m + s1] + slack[m : m + s1]
        out["b_t"][o] = v[m + s1 :] - slack[m + s1 :]
    return _close(out)


MAX_REFINE = 8  # rounds of moving t towards 1; a t still far from 1 after them is left to _verified


def _solve_scaled_t(lp: ReusableLP) -> tuple[Any, float]:
    """Solve, then re-solve with t = c t' while the Charnes-Cooper t (the score's denominator, 1 / (1 +
    mean output shortfall)) is far from 1; returns the last solution and c.

    Substituting Lambda = c Lambda', S = c S', t = c t' divides every row but the normalisation row by c, so
    only that row's right-hand side changes (to 1 / c) and the objective is c times the new one.  With t
    tiny (a unit far below its frontier) every row's activity is of t's size, where HiGHS's absolute
    tolerances accept junk; moving t' to about 1 keeps the rows at the unit's own scale."""
    c = 1.0
    sol = lp.solve()
    for _ in range(MAX_REFINE):
        if sol.status != OPTIMAL or abs(np.log2(max(sol.x[0], TINY_T))) <= RESCALE:
            break
        c *= np.exp2(np.round(np.log2(max(sol.x[0], TINY_T))))
        lp.set_row_bounds(np.zeros(1, int), 1.0 / c, 1.0 / c)
        sol = lp.solve()
    if c != 1.0:
        lp.set_row_bounds(np.zeros(1, int), 1.0, 1.0)  # the next unit starts from t's own scale
    return sol, c


TINY_T = 2.0**-20  # how far one round moves t when it came back as 0


def _sbm_lp(
    Vr: np.ndarray, m: int, s1: int, s2: int, rts: str, L: dict[str, np.ndarray]
) -> tuple[ReusableLP, np.ndarray, np.ndarray]:
    """The Charnes-Cooper SBM LP over reference columns ``Vr`` (rows x, g, b, already scaled), with the
    evaluated unit's t-column entries and normalisation-row weights left to set (the mutable entries)."""
    n = Vr.shape[1]
    rows_d = 1 + m + s1 + s2
    bounds = C.rts_row_bounds(rts)
    A = np.zeros((rows_d + (bounds is not None), 1 + n + m + s1 + s2))
    A[0, 0] = 1.0
    A[1:rows_d, L["lam"]] = Vr
    A[1:rows_d, 1 + n :] = np.diag(np.r_[np.ones(m), -np.ones(s1), np.ones(s2)])
    lo, hi = np.zeros(A.shape[0]), np.zeros(A.shape[0])
    lo[0] = hi[0] = 1.0
    if bounds is not None:
        A[-1, L["lam"]], A[-1, 0] = 1.0, -1.0
        lo[-1], hi[-1] = bounds
    t_rows = np.arange(1, rows_d)
    norm_cols = np.concatenate([L["g"], L["b"]])
    mutable = (
        np.concatenate([t_rows, np.zeros(len(norm_cols), int)]),
        np.concatenate([np.zeros(len(t_rows), int), norm_cols]),
    )
    lp = ReusableLP(A, lo, hi, np.zeros(A.shape[1]), np.full(A.shape[1], INF), np.eye(A.shape[1])[0], mutable)
    return lp, t_rows, norm_cols


VERIFY_TOL = 1e-7  # relative: row residuals, slacks beyond the unit's values, and the ratio vs the score


def _verified(
    score: float,
    lam: np.ndarray,
    slack: np.ndarray,
    v: np.ndarray,
    Vr: np.ndarray,
    sign: np.ndarray,
    kx: np.ndarray,
    ky: np.ndarray,
) -> bool:
    """Whether an LP answer is a valid SBM solution: score in (0, 1], lambdas and slacks non-negative (to
    the tolerance), ``X lam + s- = x_o``, ``G lam - sg = g_o``, ``B lam + sb = b_o`` (``sign`` +1, -1, +1) to
    VERIFY_TOL of each row's size, input and bad-output slacks at most the unit's own values, and Tone's
    ratio at these slacks, ``(1 - kx's-) / (1 + ky's+)`` (kx, ky: objective weights over the unit's values),
    equal to the score.  HiGHS's tolerances are absolute; this check is relative to the unit."""
    if not (np.isfinite(score) and 0.0 < score <= 1.0 + VERIFY_TOL):
        return False
    made = Vr @ np.maximum(lam, 0.0)
    if (np.abs(made + sign * slack - v) > VERIFY_TOL * (made + np.abs(slack) + v)).any():
        return False
    shrink = sign > 0  # input and bad-output slacks cannot exceed the unit's values
    if (
        (lam < -VERIFY_TOL).any()
        or (slack < -VERIFY_TOL * v).any()
        or (slack[shrink] > v[shrink] * (1 + VERIFY_TOL)).any()
    ):
        return False
    m = len(kx)
    ratio = (1.0 - kx @ slack[:m]) / (1.0 + ky @ slack[m:])
    return bool(abs(ratio - score) <= 10 * VERIFY_TOL)


def super_sbm_arrays(
    X: np.ndarray,
    G: np.ndarray,
    B: np.ndarray,
    units: np.ndarray,
    *,
    rts: str,
    orientation: str,
    reference: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Tone's (2002) super-efficiency SBM of ``units`` (indices) against all the other units, or against
    the other units of ``reference`` (indices, e.g. :func:`super_reference`); lambdas as triplets (unit:
    position in ``units``, peer: unit index)."""
    ref = np.arange(X.shape[1]) if reference is None else np.asarray(reference)
    Xa, Ga, Ba = X, G, B
    X, G, B = X[:, ref], G[:, ref], B[:, ref]
    (m, n), s1, s2 = X.shape, G.shape[0], B.shape[0]
    where = np.full(Xa.shape[1], -1)
    where[ref] = np.arange(n)  # position of each unit in the reference set (-1: not in it)
    L = _layout(n, m, s1, s2)
    r_x, r_g = np.arange(1, 1 + m), np.arange(1 + m, 1 + m + s1)
    r_b, r_psi = np.arange(1 + m + s1, 1 + m + s1 + s2), np.arange(1 + m + s1 + s2, 1 + m + 2 * s1 + s2)
    bounds = C.rts_row_bounds(rts)
    n_rows = 1 + m + 2 * s1 + s2 + (bounds is not None)
    A = np.zeros((n_rows, 1 + n + m + s1 + s2))
    A[0, 0] = 1.0
    A[r_x[:, None], L["lam"]], A[r_g[:, None], L["lam"]], A[r_b[:, None], L["lam"]] = X, G, B
    A[r_psi, L["g"]], A[r_psi, 0] = 1.0, -1.0
    lo, hi = np.full(n_rows, -INF), np.zeros(n_rows)
    lo[0] = hi[0] = 1.0
    lo[r_g], hi[r_g] = 0.0, INF
    if bounds is not None:
        A[-1, L["lam"]], A[-1, 0] = 1.0, -1.0
        lo[-1], hi[-1] = bounds
    t_rows = np.concatenate([r_x, r_g, r_b])
    diag_cols = np.concatenate([L["x"], L["g"], L["b"]])
    psi_cols = np.concatenate([L["g"], L["b"]])
    mutable = (
        np.concatenate([t_rows, t_rows, np.zeros(len(psi_cols), int)]),
        np.concatenate([np.zeros(len(t_rows), int), diag_cols, psi_cols]),
    )
    col_hi = np.full(A.shape[1], INF)
    if orientation == "input":
        col_hi[psi_cols] = 0.0  # outputs stay at the unit's own values
    if orientation == "output":
        col_hi[L["x"]] = 0.0  # inputs stay at the unit's own values
    lp = ReusableLP(A, lo, hi, np.zeros(A.shape[1]), col_hi, np.eye(A.shape[1])[0], mutable)
    out = _blank(len(units), m, s1, s2)
    for k, o in enumerate(units):
        x, g, b = Xa[:, o], Ga[:, o], Ba[:, o]
        wx, wy = _unit_weights(x, g, b, orientation)
        lp.set_coefficients(t_rows, np.zeros(len(t_rows), int), -np.concatenate([x, g, b]))
        lp.set_coefficients(t_rows, diag_cols, np.concatenate([-x, g, -b]))
        lp.set_coefficients(np.zeros(len(psi_cols), int), psi_cols, -wy)
        lp.set_cost(L["x"], wx)
        lp.set_col_bounds(L["lam"], 0.0, np.where(np.arange(n) == where[o], 0.0, INF))
        sol = lp.solve()
        out["status"][k] = sol.status
        if sol.status != OPTIMAL:
            continue
        t = sol.x[0]
        out["score"][k] = sol.objective
        _add_lambdas(out, k, sol.x[L["lam"]] / t)
        out["x_t"][k] = x * (1 + sol.x[L["x"]] / t)
        out["g_t"][k] = g * (1 - sol.x[L["g"]] / t)
        out["b_t"][k] = b * (1 + sol.x[L["b"]] / t)
    res = _close(out)
    res["lam_peer"] = ref[res["lam_peer"]]
    return res
