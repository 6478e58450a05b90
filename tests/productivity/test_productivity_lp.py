"""One LP interface over the radial DEA solvers (issue 20, item 7): the batched simplex and HiGHS both
implement ``_lp.RadialSolver`` and the engine chains them with ``_lp.solve_chain``.

Provenance of the expected numbers: the two solvers are independent implementations of the same LPs (a
numpy batched simplex with its own optimality certificate, and HiGHS), so each is the reference of the
other; the exact-equality test replays the pre-interface code path (the simplex's certified scores, HiGHS
unit by unit for the rest) step by step with the low-level functions.
"""

from __future__ import annotations

import numpy as np
import pytest

from spillover.productivity import _engine as E
from spillover.productivity._highs import HighsEnvelopment, _models
from spillover.productivity._lp import FAILED, OPTIMAL, UNSOLVED, RadialSolution, RadialSolver, solve_chain
from spillover.productivity._simplex import BatchedSimplex, radial_input_batch


def _problem(n: int = 120, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Random 3-input, 2-output data, variables x units, normalised to mean 1 per variable (as the engine)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 10, (3, n))
    Y = np.vstack([X.prod(axis=0) ** 0.3 * np.exp(-np.abs(rng.normal(0, 0.3, n))), rng.uniform(1, 5, n)])
    return X / X.mean(axis=1, keepdims=True), Y / Y.mean(axis=1, keepdims=True)


def test_both_solvers_implement_the_protocol():
    assert isinstance(BatchedSimplex(), RadialSolver)
    assert isinstance(HighsEnvelopment(), RadialSolver)
    assert isinstance(HighsEnvelopment(colgen=False), RadialSolver)
    assert not isinstance(radial_input_batch, RadialSolver)  # a bare function has no ``solve``
    assert all(isinstance(s, RadialSolver) for s in E.radial_solvers()) and len(E.radial_solvers()) == 2
    assert [type(s) for s in E.radial_solvers(colgen=False)] == [HighsEnvelopment]


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs"])
def test_simplex_and_highs_give_the_same_scores(rts):
    X, Y = _problem()
    simplex = BatchedSimplex().solve(X, Y, X, Y, rts=rts, orientation="input", slacks="two-stage")
    highs = HighsEnvelopment().solve(X, Y, X, Y, rts=rts, orientation="input", slacks="two-stage")
    assert isinstance(simplex, RadialSolution) and isinstance(highs, RadialSolution)
    assert (highs.status == OPTIMAL).all()
    done = simplex.status == OPTIMAL
    assert done.mean() > 0.9  # the simplex certifies almost every unit of such data
    assert set(np.unique(simplex.status)) <= {OPTIMAL, UNSOLVED}
    np.testing.assert_allclose(simplex.score[done], highs.score[done], rtol=0, atol=1e-9)
    np.testing.assert_allclose(simplex.s_in[done], highs.s_in[done], rtol=0, atol=1e-7)
    np.testing.assert_allclose(simplex.s_out[done], highs.s_out[done], rtol=0, atol=1e-7)
    # the lambdas themselves may differ (several optimal peer sets in CRS), the frontier point they span not
    for res in (simplex, highs):
        proj = np.zeros_like(X)
        for u, p, w in zip(res.lam_unit, res.lam_peer, res.lam_weight):
            proj[:, u] += w * X[:, p]
        res.proj = proj
    np.testing.assert_allclose(simplex.proj[:, done], highs.proj[:, done], rtol=0, atol=1e-7)


def test_chain_equals_the_former_code_path_exactly():
    """The radial-scores chain replayed by hand: batched simplex first, HiGHS unit by unit for the rest."""
    X, Y = _problem(200, seed=11)
    Xr, Yr = X[:, :150], Y[:, :150]
    # outside the reference set, some units are not enveloped in VRS: HiGHS reports them infeasible
    got = E.solve_chunk(E.radial_solvers(), Xr, Yr, X, Y, "vrs", "input", scores_only=True)
    batch = radial_input_batch(Xr, Yr, X, Y, "vrs")
    status, score = np.zeros(X.shape[1], np.int8), np.full(X.shape[1], np.nan)
    score[batch["ok"]] = batch["score"][batch["ok"]]
    todo = np.flatnonzero(~batch["ok"])
    for i, lp, r in _models(Xr, Yr, X[:, todo], Y[:, todo], "vrs", True):
        u = todo[i]
        status[u], score[u] = lp.radial(X[:, u] / r[:3], Y[:, u] / r[3:], "input")
    assert np.array_equal(got["status"], status)
    assert np.array_equal(got["score"], score, equal_nan=True)  # bit for bit, not to a tolerance
    assert set(got) == {"status", "score", "conv_dual"}
    # the convexity duals of the units the simplex certified; HiGHS's units report none
    expect_conv = np.where(batch["ok"], batch["conv"], np.nan)
    assert np.array_equal(got["conv_dual"], expect_conv, equal_nan=True)


class _ScoresThenPass:
    """A solver that certifies scores only (the batched simplex's) and leaves every unit's slack stages to the
    next solver: what the simplex does for units whose stages it cannot batch or certify."""

    def solve(
        self,
        X_ref,
        Y_ref,
        X,
        Y,
        *,
        rts,
        orientation,
        slacks="none",
        slack_weights=None,
        scores_only=False,
        known_score=None,
    ):
        out = BatchedSimplex().solve(X_ref, Y_ref, X, Y, rts=rts, orientation=orientation, scores_only=True)
        full = RadialSolution.empty(X.shape[1], X.shape[0], Y.shape[0], scores_only)
        full.score[:] = out.score
        return full


def test_chain_passes_certified_scores_on_for_the_slack_stages():
    """Units whose score an earlier solver certified keep that score; HiGHS computes only their slacks, which
    equal HiGHS's own full solve."""
    rng = np.random.default_rng(5)
    X, Y = rng.uniform(1, 10, (2, 40)), np.ones((1, 43))
    k = X[1].argmin()  # three units with the least x2 and more x1: CRS score 1, slack x1 = 1, 2, 3 (by hand)
    X = np.hstack([X, [[X[0, k] + 1, X[0, k] + 2, X[0, k] + 3], [X[1, k]] * 3]])
    assert isinstance(_ScoresThenPass(), RadialSolver)
    chain = solve_chain(
        [_ScoresThenPass(), HighsEnvelopment()],
        X,
        Y,
        X,
        Y,
        rts="crs",
        orientation="input",
        slacks="multi-stage",
    )
    scores = BatchedSimplex().solve(X, Y, X, Y, rts="crs", orientation="input", scores_only=True)
    assert (scores.status == OPTIMAL).all() and (chain.status == OPTIMAL).all()
    assert np.array_equal(chain.score, scores.score)  # kept, not re-solved
    np.testing.assert_allclose(chain.s_in[40:, 0], [1, 2, 3], rtol=0, atol=1e-9)
    highs = HighsEnvelopment().solve(X, Y, X, Y, rts="crs", orientation="input", slacks="multi-stage")
    np.testing.assert_allclose(chain.score, highs.score, rtol=0, atol=1e-9)
    np.testing.assert_allclose(chain.s_in, highs.s_in, rtol=0, atol=1e-7)
    np.testing.assert_allclose(chain.s_out, highs.s_out, rtol=0, atol=1e-7)
    simplex = BatchedSimplex().solve(X, Y, X, Y, rts="crs", orientation="input", slacks="multi-stage")
    np.testing.assert_allclose(simplex.s_in, highs.s_in, rtol=0, atol=1e-7)


def test_units_no_solver_answers_are_failed_not_numbers():
    X, Y = _problem(30)
    # the simplex solves input orientation only: alone in a chain, output orientation leaves every unit
    out = solve_chain([BatchedSimplex()], X, Y, X, Y, rts="vrs", orientation="output")
    assert (out.status == FAILED).all() and np.isnan(out.score).all()
    assert np.isnan(out.s_in).all() and len(out.lam_unit) == 0
    # and HiGHS after it answers every unit
    full = solve_chain(E.radial_solvers(), X, Y, X, Y, rts="vrs", orientation="output")
    assert (full.status == OPTIMAL).all() and (full.score >= 1 - 1e-9).all()
