"""A reusable HiGHS envelopment LP for DEA (numpy + highspy only, so worker processes start fast).

One :class:`EnvelopmentLP` is built per frontier (reference set) and re-targeted for every evaluated unit by
changing only the coefficients of the score column and the right-hand sides; HiGHS keeps its basis between
solves, so consecutive units start from a good basis.

:class:`HighsEnvelopment` is this model as a :class:`~spillover.productivity._lp.RadialSolver`.  HiGHS costs
~100 us per ``run()`` plus ~35 us per simplex iteration on these tiny LPs, so the engine's chain
(``_engine.radial_solvers``) puts the batched simplex of :mod:`._simplex` first, which certifies each answer
(LP duality); HiGHS solves what it leaves uncertified (batches under ``BATCH_MIN`` units, output
orientation), and alone the ``method="plain"`` path (an independent check).

Columns: ``[score, lambda_1..lambda_n, s_in_1..s_in_m, s_out_1..s_out_s]``.
Rows (all equalities)::

    input i :  sum_j X_ij lambda_j + s_in_i  - a_i * score = b_i
    output r:  sum_j Y_rj lambda_j - s_out_r - c_r * score = d_r
    rts row :  sum_j lambda_j in [lo, hi]          (absent for CRS)

* input-oriented radial:  a = x_o, b = 0, c = 0, d = y_o, minimise score;
* output-oriented radial: a = 0, b = x_o, c = y_o, d = 0, maximise score;
* slack LP: a = c = 0, b, d = the projected point, maximise the sum of slacks.
Masks restrict the radial movement to a subset of variables (DEAP's multi-stage method).

Exactness on data of any range: each model's rows are scaled to the units it solves (``_models``), every
radial answer is certified by LP duality with relative tolerances (``EnvelopmentLP._certified``; an
uncertified answer is reported as failed, NaN), scores far from 1 are re-solved on the unit's data moved by
the score (:func:`refine_scores`), and CRS units are divided by their own size first (:func:`ray_scale`).

Column generation: a model may start from a *working set* of reference units (those near the units it will
solve).  After each solve, every reference unit outside the model is priced with the row duals pi: if its
reduced cost ``-a_j' pi`` (a_j = its column) is negative it enters and the LP is re-solved; when none is
negative the solution is optimal for the full reference set (LP duality), so results are exact.  A restricted
LP that is infeasible gets more columns (ultimately all) before infeasibility is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import highspy
import numpy as np

from spillover.productivity._lp import (
    LAMBDA_TOL,
    OPTIMAL,
    SLACK_TOL,
    ZERO_DUAL,
    QuietHighs,
    RadialSolution,
    checked,
)

__all__ = ["EnvelopmentLP", "UnitSolution", "HighsEnvelopment", "RTS_BOUNDS", "QuietHighs", "ray_scale"]

INF = highspy.kHighsInf
RTS_BOUNDS: dict[str, tuple[float, float] | None] = {
    "crs": None,
    "vrs": (1.0, 1.0),
    "nirs": (0.0, 1.0),
    "ndrs": (1.0, INF),
}
# Slack / dual tolerances on data normalised to mean 1 per variable (see dea._normalise).
PRIMAL_REL = 1e-9  # certificate: a row may be violated by this share of its size
GAP_TOL = 1e-8  # certificate: relative gap between the attained score and the dual bound
SCORE_SCALE = 4.0  # log2: scores beyond 2^+-4 are refined on the unit's data moved by the score

STATUS_OPTIMAL, STATUS_INFEASIBLE, STATUS_UNBOUNDED, STATUS_OTHER = 0, 1, 2, 3


@dataclass(frozen=True)
class UnitSolution:
    """Solution of one unit: status code, radial score, slacks and the non-zero lambdas."""

    status: int
    score: float
    s_in: np.ndarray
    s_out: np.ndarray
    peers: np.ndarray
    weights: np.ndarray


class EnvelopmentLP:
    """One HiGHS model for a fixed reference set ``(X_ref, Y_ref)`` (variables x units)."""

    def __init__(
        self,
        X_ref: np.ndarray,
        Y_ref: np.ndarray,
        rts: str,
        working: np.ndarray | None = None,
        *,
        fallback: bool = False,
    ) -> None:
        self.m, self.n_all = X_ref.shape
        self.s = Y_ref.shape[0]
        bounds = RTS_BOUNDS[rts]
        self._A = np.vstack([X_ref, Y_ref] + ([np.ones((1, self.n_all))] if bounds is not None else []))
        self._lam_ref = np.arange(self.n_all) if working is None else np.asarray(working, np.int64)
        self._missing = np.ones(self.n_all, bool)
        self._missing[self._lam_ref] = False
        X_ref, Y_ref = X_ref[:, self._lam_ref], Y_ref[:, self._lam_ref]
        self.n = len(self._lam_ref)
        self.h = QuietHighs()
        for option in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
            self.h.setOptionValue(option, 1e-9)  # rows are scaled to the unit (_models): relative tolerances
        self.h.setOptionValue("presolve", "off")  # tiny LPs re-solved from a warm basis: presolve only costs
        self._fallback = fallback
        self._fresh_lp: EnvelopmentLP | None = None
        self._answered_by: EnvelopmentLP = self  # the fresh model after a fallback (radial)
        if fallback:  # see _fresh
            self.h.setOptionValue("simplex_strategy", 4)  # primal simplex (the default is dual)
        self._X_all, self._Y_all, self._rts = self._A[: self.m], self._A[self.m : self.m + self.s], rts
        self._working = working
        self._twin_lp: EnvelopmentLP | None = None
        self._coef = np.full(self.m + self.s, -1.0)  # score-column placeholders set in _build
        self._costs = (0.0, 0.0)
        self.slack_weights = np.ones(self.m + self.s)  # objective weights of the slacks in max_slacks
        self._build(np.asarray(X_ref, float), np.asarray(Y_ref, float), rts)
        self._row_idx = np.arange(self.m + self.s, dtype=np.int32)
        self._slack_cols = np.arange(1 + self.n, 1 + self.n + self.m + self.s, dtype=np.int32)
        self._lam_cols = np.arange(1, 1 + self.n)

    def _add_columns(self, refs: np.ndarray) -> None:
        """Bring reference units into the model (column generation); they become priced columns."""
        k, rows = len(refs), self._A.shape[0]
        first = self.h.getNumCol()
        checked(
            self.h.addCols(
                k,
                np.zeros(k),
                np.zeros(k),
                np.full(k, INF),
                k * rows,
                (np.arange(k) * rows).astype(np.int32),
                np.tile(np.arange(rows, dtype=np.int32), k),
                self._A[:, refs].T.reshape(-1).copy(),
            ),
            "add reference units to a DEA LP",
        )
        self._lam_ref = np.concatenate([self._lam_ref, refs])
        self._lam_cols = np.concatenate([self._lam_cols, np.arange(first, first + k)])
        self._missing[refs] = False
        self.n = len(self._lam_ref)

    def _build(self, X: np.ndarray, Y: np.ndarray, rts: str) -> None:
        m, s, n = self.m, self.s, self.n
        bounds = RTS_BOUNDS[rts]
        n_rows = m + s + (bounds is not None)
        lo = np.zeros(n_rows)
        hi = np.zeros(n_rows)
        if bounds is not None:
            lo[-1], hi[-1] = bounds
        checked(
            self.h.addRows(n_rows, lo, hi, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)),
            "build a DEA LP's rows",
        )
        # score column (placeholder coefficients so the sparsity pattern exists), lambdas, slacks
        blocks_idx = [np.arange(m + s, dtype=np.int32)]
        blocks_val = [np.full(m + s, -1.0)]
        ref_rows = np.arange(n_rows, dtype=np.int32)
        ref = np.vstack([X, Y] + ([np.ones((1, n))] if bounds is not None else []))
        for j in range(n):
            blocks_idx.append(ref_rows)
            blocks_val.append(ref[:, j])
        for i in range(m + s):
            blocks_idx.append(np.array([i], np.int32))
            blocks_val.append(np.array([1.0 if i < m else -1.0]))
        starts = np.cumsum([0] + [len(b) for b in blocks_idx[:-1]]).astype(np.int32)
        n_cols = 1 + n + m + s
        checked(
            self.h.addCols(
                n_cols,
                np.zeros(n_cols),
                np.zeros(n_cols),
                np.full(n_cols, INF),
                int(sum(len(b) for b in blocks_idx)),
                starts,
                np.concatenate(blocks_idx),
                np.concatenate(blocks_val),
            ),
            "build a DEA LP's columns",
        )

    # -- re-targeting ---------------------------------------------------------------------------------------
    def _set(self, a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> None:
        coef = np.concatenate([-a, -c])
        for i in np.flatnonzero(coef != self._coef):  # only what differs from the previous unit
            checked(self.h.changeCoeff(int(i), 0, float(coef[i])), "set a DEA LP's coefficient")
        self._coef = coef
        rhs = np.concatenate([b, d])
        # changeRowsBounds exists in highspy's compiled module but is missing from its stub (_core/__init__.pyi)
        self.h.changeRowsBounds(self.m + self.s, self._row_idx, rhs, rhs)  # type: ignore[attr-defined]
        self._rhs = rhs

    def _objective(self, score_cost: float, slack_cost: float) -> None:
        if self._costs == (score_cost, slack_cost):
            return
        self._costs = (score_cost, slack_cost)
        self.h.changeColCost(0, score_cost)
        self.h.changeColsCost(self.m + self.s, self._slack_cols, slack_cost * self.slack_weights)

    def _run(self) -> int:
        """Solve; with a working set, add reference units that price out (negative reduced cost
        -a_j'pi) until none does, so the answer is optimal for the full reference set (exact)."""
        while True:
            status = self._run_once()
            if not self._missing.any() or status in (STATUS_UNBOUNDED, STATUS_OTHER):
                return status  # more columns cannot bound an unbounded minimisation
            missing = np.flatnonzero(self._missing)
            if status == STATUS_INFEASIBLE:
                self._add_columns(missing[: max(32, len(missing) // 4)])
                continue
            pi = np.asarray(self.h.getSolution().row_dual)
            reduced = -(pi @ self._A[:, missing])
            bad = np.flatnonzero(reduced < -1e-9)
            if len(bad) == 0:
                return status
            self._add_columns(missing[bad[np.argsort(reduced[bad])[:16]]])

    def _run_once(self) -> int:
        self.h.run()
        st = self.h.getModelStatus()
        if st == highspy.HighsModelStatus.kOptimal:
            return STATUS_OPTIMAL
        if st == highspy.HighsModelStatus.kInfeasible:
            return STATUS_INFEASIBLE
        if st in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            # clear the basis: a warm start from an unbounded ray confuses the next unit's solve
            self.h.clearSolver()
            return STATUS_UNBOUNDED if st == highspy.HighsModelStatus.kUnbounded else STATUS_INFEASIBLE
        self.h.clearSolver()
        return STATUS_OTHER

    # -- LPs ------------------------------------------------------------------------------------------------
    def radial(
        self,
        x: np.ndarray,
        y: np.ndarray,
        orientation: str,
        mask_in: np.ndarray | None = None,
        mask_out: np.ndarray | None = None,
    ) -> tuple[int, float]:
        """Radial LP for the point ``(x, y)``; returns (status, score theta or phi)."""
        zm, zs = np.zeros(self.m), np.zeros(self.s)
        if orientation == "input":
            mi = np.ones(self.m, bool) if mask_in is None else mask_in
            self._set(np.where(mi, x, 0.0), np.where(mi, 0.0, x), zs, np.asarray(y, float))
            self._objective(1.0, 0.0)
        else:
            mo = np.ones(self.s, bool) if mask_out is None else mask_out
            self._set(zm, np.asarray(x, float), np.where(mo, y, 0.0), np.where(mo, 0.0, y))
            self._objective(-1.0, 0.0)
        self._answered_by = self
        status = self._run()
        if status != STATUS_OPTIMAL:
            return status, np.nan
        score = float(self.h.getSolution().col_value[0])
        if orientation == "output" and score <= 1e-12:
            # phi = 0: no reference combination produces any output with these inputs (te would be inf)
            return STATUS_INFEASIBLE, np.nan
        if not self._certified(orientation, score):
            if score > 0 and abs(np.log2(score)) > SCORE_SCALE:
                return status, score  # far from 1: refine_scores solves it again on moved data
            self.h.clearSolver()  # the warm basis led here: the next unit starts cold
            if self._fallback:
                return STATUS_OTHER, np.nan  # no certificate: reported as failed (NaN), never returned
            fresh = self._fresh()
            self._answered_by = fresh  # lambdas and duals are read from the model that answered
            return fresh.radial(x, y, orientation, mask_in, mask_out)
        return status, score

    def _fresh(self) -> EnvelopmentLP:
        """The same LP on a new HiGHS model: every reference unit (no working set), a cold start and the
        primal simplex, so an answer that failed its certificate (a warm basis or a dual left at noise
        level) is re-solved along another path and certified again before NaN is declared."""
        if self._fresh_lp is None:
            self._fresh_lp = EnvelopmentLP(self._X_all, self._Y_all, self._rts, fallback=True)
        self._fresh_lp.h.clearSolver()
        return self._fresh_lp

    def _certified(self, orientation: str, score: float) -> bool:
        """HiGHS's answer checked by LP duality, with relative tolerances (HiGHS's own are absolute).

        Upper bound: HiGHS's lambdas satisfy ``X lam <= a theta + b`` and ``Y lam >= c theta + d`` (the
        current LP's score column a, c and right-hand sides b, d) to 1e-9 of each row's size, so the score
        is attained.  Lower bound (weak duality, for any row duals pi): ``c'z* >= pi'rhs + min over the
        convexity row's range + sum_j min(d_j, 0) U_j`` with d_j the reduced costs of every column
        (including reference units outside a column-generation working set) and U_j bounds on the optimal
        z*_j implied by the input rows.  The answer is accepted when the bounds agree to GAP_TOL."""
        m, s = self.m, self.s
        sol = self.h.getSolution()
        v = np.asarray(sol.col_value)
        pi = np.asarray(sol.row_dual)
        a, c = -self._coef[:m], -self._coef[m:]
        b, d = self._rhs[:m], self._rhs[m:]
        lam = np.zeros(self.n_all)
        lam[self._lam_ref] = np.maximum(v[self._lam_cols], 0.0)
        theta = score
        X, Y = self._X_all, self._Y_all
        use_x, make_y = X @ lam, Y @ lam
        cap_x = a * theta + b
        if not (
            np.all(use_x <= cap_x + PRIMAL_REL * (use_x + cap_x))
            and np.all(make_y >= c * theta + d - PRIMAL_REL * (make_y + c * theta + d))
        ):
            return False
        bounds = RTS_BOUNDS[self._rts]
        if bounds is not None and not bounds[0] - 1e-9 <= lam.sum() <= bounds[1] + 1e-9:
            return False
        cost = 1.0 if orientation == "input" else -1.0
        upper = cost * theta
        p_in, p_out = pi[:m], pi[m : m + s]
        lower = p_in @ b + p_out @ d
        d_lam = -(p_in @ X + p_out @ Y)
        if bounds is not None:
            lo, hi = bounds
            # Weak duality holds for any row duals, so the convexity dual may be projected onto the sign
            # that keeps the bound finite: HiGHS returns e.g. -1e-14 (noise) for an NDRS row sum(lambda) >= 1
            # whose true dual is 0 or positive, and -1e-14 * inf would reject a correct optimum.
            p_c = pi[m + s] if np.isfinite(hi) else max(pi[m + s], 0.0)
            d_lam = d_lam - p_c
            lower += p_c * lo if p_c >= 0 else p_c * hi
        d_theta = cost + p_in @ a + p_out @ c
        cap = np.where(a > 0, a * max(theta, 0.0), 0.0) + b if orientation == "input" else b
        with np.errstate(divide="ignore", invalid="ignore"):
            u_lam = np.where(X > 0, cap[:, None] / X, np.inf).min(axis=0)
        if bounds is not None and np.isfinite(bounds[1]):
            u_lam = np.minimum(u_lam, bounds[1])
        u_out = Y @ np.where(np.isfinite(u_lam), u_lam, 0.0)
        terms = [
            np.minimum(d_lam, 0.0) @ np.where(d_lam < 0, u_lam, 0.0),
            np.minimum(-p_in, 0.0) @ cap,
            np.minimum(p_out, 0.0) @ u_out,
        ]
        if d_theta < 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                u_theta = (
                    theta if orientation == "input" else np.min(np.where(c > 0, (u_out - d) / c, np.inf))
                )
            terms.append(d_theta * u_theta)
        lower += sum(terms)
        return bool(np.isfinite(lower) and upper - lower <= GAP_TOL * abs(upper))

    def all_duals_positive(self) -> bool:
        """True if every input/output row has a non-zero dual: then, by complementary slackness, every
        optimal solution of the last LP has zero slacks and the slack phase can be skipped (exactly)."""
        if self._answered_by is not self:
            return self._answered_by.all_duals_positive()
        duals = np.asarray(self.h.getSolution().row_dual[: self.m + self.s])
        return bool(np.all(np.abs(duals) > ZERO_DUAL))

    def max_slacks(self, x_t: np.ndarray, y_t: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        """Maximise the sum of slacks at the projected point ``(x_t, y_t)``."""
        self._set(np.zeros(self.m), x_t, np.zeros(self.s), y_t)
        self._objective(0.0, -1.0)
        self._answered_by = self
        status = self._run()
        if status != STATUS_OPTIMAL:
            return status, np.full(self.m, np.nan), np.full(self.s, np.nan)
        v = np.asarray(self.h.getSolution().col_value)
        s_in = v[self._slack_cols[: self.m]]
        s_out = v[self._slack_cols[self.m :]]
        return status, np.where(s_in > SLACK_TOL, s_in, 0.0), np.where(s_out > SLACK_TOL, s_out, 0.0)

    def lambdas(self) -> tuple[np.ndarray, np.ndarray]:
        """Non-zero lambdas of the last solve as (reference index, weight)."""
        if self._answered_by is not self:
            return self._answered_by.lambdas()
        lam = np.asarray(self.h.getSolution().col_value)[self._lam_cols]
        # significant: what the peer contributes to some row, relative to the unit's own values (the rows
        # are scaled to the unit, _models); an absolute cut would drop a tiny lambda of a huge peer
        reach = np.abs(self._A[: self.m + self.s, self._lam_ref]).max(axis=0)
        idx = np.flatnonzero(lam * reach > LAMBDA_TOL)
        order = np.argsort(self._lam_ref[idx])
        return self._lam_ref[idx][order], lam[idx][order]

    def solve_unit(self, x: np.ndarray, y: np.ndarray, orientation: str, slacks: str) -> UnitSolution:
        """Radial score, then slacks by ``slacks`` in {"multi-stage", "two-stage", "none"}."""
        status, score = self.radial(x, y, orientation)
        if status != STATUS_OPTIMAL:
            nan_m, nan_s = np.full(self.m, np.nan), np.full(self.s, np.nan)
            return UnitSolution(status, np.nan, nan_m, nan_s, np.zeros(0, int), np.zeros(0))
        x_r, y_r = (score * x, y) if orientation == "input" else (x, score * y)
        if slacks == "none" or self.all_duals_positive():
            idx, w = self.lambdas()
            return UnitSolution(status, score, np.zeros(self.m), np.zeros(self.s), idx, w)
        # slack LPs run on a twin model so that each keeps a warm basis for its own kind of LP
        twin = self._twin()
        status, x_t, y_t = twin._stages(x_r.astype(float), y_r.astype(float), orientation, slacks)
        if status != STATUS_OPTIMAL:  # a slack LP failed: no slacks or lambdas to read, the unit is NaN
            nan_m, nan_s = np.full(self.m, np.nan), np.full(self.s, np.nan)
            return UnitSolution(status, np.nan, nan_m, nan_s, np.zeros(0, int), np.zeros(0))
        idx, w = twin.lambdas()
        return UnitSolution(status, score, x_r - x_t, y_t - y_r, idx, w)

    def _twin(self) -> EnvelopmentLP:
        if self._twin_lp is None:
            self._twin_lp = EnvelopmentLP(self._X_all, self._Y_all, self._rts, self._working)
            self._twin_lp.slack_weights = self.slack_weights
        return self._twin_lp

    def _stages(
        self, x_t: np.ndarray, y_t: np.ndarray, orientation: str, slacks: str
    ) -> tuple[int, np.ndarray, np.ndarray]:
        """(status, projected efficient point): two-stage (max sum of slacks) or DEAP's multi-stage radial
        steps.  A slack LP without an optimal solution ends the stages with its status: its slacks are
        unknown, and the model holds no solution for :meth:`lambdas` to read."""
        for _ in range(self.m + self.s + 1):
            status, s_in, s_out = self.max_slacks(x_t, y_t)
            if status != STATUS_OPTIMAL:
                return status, x_t, y_t
            if slacks == "two-stage" or not (s_in.any() or s_out.any()):  # two-stage: no radial steps
                return status, x_t - s_in, y_t + s_out
            x_t, y_t = self._stage_step(x_t, y_t, s_in, s_out, orientation)
        status, s_in, s_out = self.max_slacks(x_t, y_t)
        return status, x_t - s_in, y_t + s_out

    def _stage_step(
        self, x_t: np.ndarray, y_t: np.ndarray, s_in: np.ndarray, s_out: np.ndarray, orientation: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """One multi-stage step (Coelli 1998): a radial movement of the slack variables only.

        Input slacks are removed first (radial contraction of the inputs with slack, the others held at
        their projected values), then output slacks (radial expansion of the outputs with slack).
        """
        if s_in.any():
            status, t = self.radial(x_t, y_t, "input", mask_in=s_in > 0)
            if status == STATUS_OPTIMAL:
                return np.where(s_in > 0, t * x_t, x_t), y_t
        status, p = self.radial(x_t, y_t, "output", mask_out=s_out > 0)
        if status == STATUS_OPTIMAL and np.isfinite(p):
            return x_t, np.where(s_out > 0, p * y_t, y_t)
        return x_t - s_in, y_t + s_out


SUBCHUNK = 256  # units per model: its working set of reference units is rebuilt for each sub-chunk
SEED = 24  # reference units in a fresh working set (plus the extremes of each variable)


def seed_working_set(X_ref: np.ndarray, Y_ref: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
    """Reference units near a group of similar units (log-space centroid) plus each variable's extreme
    units; ``None`` (use all) when the reference set is small.  Only speed depends on this choice."""
    n = X_ref.shape[1]
    if n <= 2 * SEED:
        return None
    ref = np.log(np.maximum(np.vstack([X_ref, Y_ref]), 1e-12))
    centre = np.log(np.maximum(np.vstack([X, Y]), 1e-12)).mean(axis=1)
    near = np.argsort(((ref - centre[:, None]) ** 2).sum(axis=0))[:SEED]
    extremes = np.concatenate([X_ref.argmin(axis=1), Y_ref.argmax(axis=1)])
    return np.unique(np.concatenate([near, extremes]))


RESCALE = 4.0  # log2 of how far a unit's own values may be from its model's row scales (factor 16)


def unit_scale(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The unit's own values rounded to powers of two (exact to divide by); NaN where a value is 0."""
    v = np.concatenate([x, y]).astype(float)
    with np.errstate(divide="ignore"):
        return np.where(v > 0, np.exp2(np.round(np.log2(v))), np.nan)


def _models(
    X_ref: np.ndarray,
    Y_ref: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    rts: str,
    colgen: bool,
    slack_weights: np.ndarray | None = None,
) -> Iterator[tuple[int, EnvelopmentLP, np.ndarray]]:
    """Yield (unit index, model, row scales r): a fresh column-generation model every SUBCHUNK units, or
    (``colgen`` False: the plain method) one model with every reference unit.

    The model's rows are divided by ``r`` (powers of two), and is rebuilt when a unit's own values (its
    score column and right-hand side) are more than 2^RESCALE away from ``r``: HiGHS's tolerances (1e-7) are
    absolute, so on data spanning many orders of magnitude an unscaled LP of a unit whose values are tiny
    is "solved" by lambda = 0 (its constraints are within tolerance of 0).  Callers divide the unit's data by
    ``r`` and multiply its slacks by ``r``; scores and lambdas are unchanged by row scaling.  On data of
    ordinary range (normalised to mean 1) no unit triggers a rebuild, so ``r`` stays 1."""
    n_all, R = X.shape[1], X.shape[0] + Y.shape[0]
    groups = (
        [(0, n_all, None)]
        if not colgen
        else [
            (
                a,
                min(a + SUBCHUNK, n_all),
                seed_working_set(X_ref, Y_ref, X[:, a : a + SUBCHUNK], Y[:, a : a + SUBCHUNK]),
            )
            for a in range(0, n_all, SUBCHUNK)
        ]
    )
    m = X.shape[0]
    for start, stop, working in groups:
        lp, r = None, np.ones(R)
        for u in range(start, stop):
            want = unit_scale(X[:, u], Y[:, u])
            with np.errstate(invalid="ignore"):
                far = np.abs(np.log2(want / r)) > RESCALE  # NaN (a zero value: any scale) is never far
            if lp is None or far.any():
                r = np.where(far, want, r)
                lp = EnvelopmentLP(X_ref / r[:m, None], Y_ref / r[m:, None], rts, working)
                # max (weighted) sum of slacks in the units of the data passed in, whatever the row scaling
                lp.slack_weights = r * (1.0 if slack_weights is None else slack_weights)
            yield u, lp, r


def ray_scale(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per unit: the geometric mean of its positive values, rounded to a power of two.

    Under CRS the technology is a cone, so dividing a reference unit's inputs and outputs by the same
    positive number only rescales its lambda, and an evaluated unit's CRS score does not depend on its size
    at all (homogeneous of degree 0).  On data whose units differ in size by many orders of magnitude this
    makes every unit's values O(1) before any LP is built, where the LPs' relative tolerances mean what they
    say; slacks and lambdas are mapped back exactly (powers of two divide without rounding)."""
    V = np.vstack([X, Y])
    pos = V > 0
    with np.errstate(divide="ignore"):
        logs = np.where(pos, np.log2(np.where(pos, V, 1.0)), 0.0).sum(axis=0) / np.maximum(pos.sum(axis=0), 1)
    return np.exp2(np.round(logs))


class HighsEnvelopment:
    """HiGHS as a :class:`~spillover.productivity._lp.RadialSolver`: one :class:`EnvelopmentLP` per group of
    units (:func:`_models`), re-targeted unit by unit; it answers every unit (never UNSOLVED).

    ``colgen`` False (``method="plain"``): one model with every reference unit, no column generation.  Units
    with a ``known_score`` (certified by an earlier solver) get only their slack stages, from the radial
    projection, before the other units are solved in full (radial LP, slack stages, lambdas).
    """

    def __init__(self, colgen: bool = True) -> None:
        self.colgen = colgen

    def __repr__(self) -> str:
        return f"HighsEnvelopment(colgen={self.colgen})"

    def solve(
        self,
        X_ref: np.ndarray,
        Y_ref: np.ndarray,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        rts: str,
        orientation: str,
        slacks: str = "none",
        slack_weights: np.ndarray | None = None,
        scores_only: bool = False,
        known_score: np.ndarray | None = None,
    ) -> RadialSolution:
        k, m = X.shape[1], X.shape[0]
        out = RadialSolution.empty(k, m, Y.shape[0], scores_only)
        out.status[:] = OPTIMAL
        if scores_only:
            for u, lp, r in _models(X_ref, Y_ref, X, Y, rts, self.colgen):
                out.status[u], out.score[u] = lp.radial(X[:, u] / r[:m], Y[:, u] / r[m:], orientation)
            return out
        known = np.full(k, np.nan) if known_score is None else np.asarray(known_score, float)
        stages, todo = np.flatnonzero(~np.isnan(known)), np.flatnonzero(np.isnan(known))
        rows: list[np.ndarray] = []
        peers: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        s_in, s_out = out.slacks()
        out.score[stages] = known[stages]
        if len(stages):  # radial score known; the slack stages run from the radial projection
            groups = _models(X_ref, Y_ref, X[:, stages], Y[:, stages], rts, self.colgen, slack_weights)
            for i, lp, r in groups:
                u = stages[i]
                x, y, score = X[:, u] / r[:m], Y[:, u] / r[m:], out.score[u]
                status, x_t, y_t = lp._stages(score * x, y, "input", slacks)
                if status != STATUS_OPTIMAL:  # no slacks, no lambdas: the unit is NaN (named in a warning)
                    out.status[u], out.score[u] = status, np.nan
                    continue
                s_in[u], s_out[u] = (score * x - x_t) * r[:m], (y_t - y) * r[m:]
                idx, w = lp.lambdas()
                rows.append(np.full(len(idx), u))
                peers.append(idx)
                weights.append(w)
        if len(todo):
            for i, lp, r in _models(X_ref, Y_ref, X[:, todo], Y[:, todo], rts, self.colgen, slack_weights):
                u = todo[i]
                sol = lp.solve_unit(X[:, u] / r[:m], Y[:, u] / r[m:], orientation, slacks)
                out.status[u], out.score[u] = sol.status, sol.score
                s_in[u], s_out[u] = sol.s_in * r[:m], sol.s_out * r[m:]
                rows.append(np.full(len(sol.peers), u))
                peers.append(sol.peers)
                weights.append(sol.weights)
        out.set_lambdas(rows, peers, weights)
        return out
