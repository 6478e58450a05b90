"""The batched SBM simplex (``_sbm_simplex``, used by ``sbm(method="fast")``) against HiGHS.

References: ``method="plain"`` (every unit's Charnes-Cooper LP over every unit, one HiGHS call each, no
batched path) and a scipy ``linprog`` loop of the linearised non-oriented SBM written out below
(Tone 2001/2004).  On generic data the optimum is unique, so scores, slacks and lambdas must agree to
1e-9; on tied data (duplicates, rounded values) the scores must, and the slacks/lambdas must be an optimal
solution (feasible, with Tone's ratio equal to the score), which is checked here independently.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from spillover.productivity import _sbm_simplex as Q
from spillover.productivity import sbm

S = importlib.import_module("spillover.productivity.sbm")  # the module (the package exports the function)

EXACT = 1e-9


def synthetic(n: int, seed: int = 0, bad: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The data of benchmarks/sbm_scaling.py (3 inputs, 1 output), optionally with an undesirable output."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, 3))
    y = {"y": x.prod(axis=1) ** 0.3 * np.exp(-np.abs(rng.normal(0, 0.3, n)))}
    if bad:
        y["co2"] = x[:, 0] * rng.uniform(0.5, 2.0, n)
    names = [f"u{i}" for i in range(n)]
    return pd.DataFrame(x, index=names, columns=["x1", "x2", "x3"]), pd.DataFrame(y, index=names)


def tied(n: int = 200, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rounded values (ties in every variable), duplicated units and copies of units with one input larger."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(1, 6, (n, 2)))
    y = np.round(np.sqrt(x.prod(axis=1)) * rng.uniform(0.5, 1.0, n), 1)[:, None]
    x = np.vstack([x, x[:10], x[10:20] + [2.0, 0.0]])
    y = np.vstack([y, y[:10], y[10:20]])
    names = [f"u{i}" for i in range(len(x))]
    return pd.DataFrame(x, index=names, columns=["x1", "x2"]), pd.DataFrame(y, index=names, columns=["y"])


def scipy_sbm(X: np.ndarray, G: np.ndarray, B: np.ndarray, o: int, rts: str) -> float:
    """Non-oriented SBM of unit o by scipy: min t - (1/m) sum S-_i / x_io s.t. t + 1/(s1+s2) (sum Sg_r / g_ro
    + sum Sb_k / b_ko) = 1, X'L + S- = t x_o, G'L - Sg = t g_o, B'L + Sb = t b_o (+ sum L = t for VRS)."""
    (n, m), s1, s2 = X.shape, G.shape[1], B.shape[1]
    k = s1 + s2
    V, sign = np.hstack([X, G, B]), np.r_[np.ones(m), -np.ones(s1), np.ones(s2)]
    q = m + k
    c = np.r_[1.0, np.zeros(n), -1.0 / (m * X[o]), np.zeros(k)]
    A = np.zeros((1 + q + (rts == "vrs"), 1 + n + q))
    A[0, 0], A[0, 1 + n + m :] = 1.0, 1.0 / (k * np.r_[G[o], B[o]])
    A[1 : 1 + q, 0], A[1 : 1 + q, 1 : 1 + n], A[1 : 1 + q, 1 + n :] = -V[o], V.T, np.diag(sign)
    if rts == "vrs":
        A[-1, 0], A[-1, 1 : 1 + n] = -1.0, 1.0
    b = np.zeros(len(A))
    b[0] = 1.0
    return linprog(c, A_eq=A, b_eq=b, method="highs").fun


def batch_share(X: pd.DataFrame, Y: pd.DataFrame, rts: str, undesirable=None, orientation="non") -> float:
    """Share of the units the batched simplex certifies itself (the rest go to HiGHS)."""
    G, B = (Y.drop(columns=undesirable), Y[undesirable]) if undesirable else (Y, Y.iloc[:, :0])
    x, g, b = (f.to_numpy().T for f in (X, G, B))
    x, g = x / x.mean(axis=1, keepdims=True), g / g.mean(axis=1, keepdims=True)
    b = b / b.mean(axis=1, keepdims=True) if b.shape[0] else b
    ref = S.sbm_reference(x, g, b, rts)
    wx, wy = S._unit_weights(x, g, b, orientation)
    kx, ky = S._safe_div(wx, x), S._safe_div(wy, np.vstack([g, b]))
    got = Q.sbm_batch(x[:, ref], g[:, ref], b[:, ref], x, g, b, rts, kx, ky)
    return float(got["ok"].mean())


def assert_same(fast, plain, tol: float = EXACT) -> None:
    np.testing.assert_allclose(fast.efficiency, plain.efficiency, atol=tol, rtol=0)
    np.testing.assert_allclose(fast.input_slacks, plain.input_slacks, atol=tol, rtol=0)
    np.testing.assert_allclose(fast.output_slacks, plain.output_slacks, atol=tol, rtol=0)
    np.testing.assert_allclose(fast.lambdas, plain.lambdas, atol=tol, rtol=0)


def assert_optimal_solution(res, X: pd.DataFrame, Y: pd.DataFrame, undesirable=()) -> None:
    """The reported lambdas reach the targets, the targets dominate the unit, and Tone's ratio of the slacks
    is the score (written out here, independently of the module)."""
    lam = res.lambdas.to_numpy()
    x, y = X.to_numpy(), Y.to_numpy()
    bad = Y.columns.isin(list(undesirable))
    np.testing.assert_allclose(lam @ x, res.input_targets.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(lam @ y, res.output_targets.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(lam.sum(axis=1), 1.0, atol=1e-9)  # VRS
    s_in, s_out = res.input_slacks.to_numpy(), res.output_slacks.to_numpy()
    assert (s_in >= -1e-9).all() and (s_out >= -1e-9).all()
    ratio = (1 - (s_in / x).mean(axis=1)) / (1 + (s_out / y).mean(axis=1))
    np.testing.assert_allclose(ratio, res.efficiency, atol=1e-9)
    assert not bad.any() or (res.output_targets.to_numpy()[:, bad] <= y[:, bad] + 1e-9).all()


@pytest.mark.parametrize("bad", [False, True])
def test_batched_vrs_sbm_equals_plain_and_scipy(bad):
    X, Y = synthetic(300, seed=1, bad=bad)
    und = ["co2"] if bad else None
    assert batch_share(X, Y, "vrs", und) > 0.95  # the batched path, not HiGHS, answered
    fast = sbm(X, Y, rts="vrs", undesirable=und, backend="serial")
    plain = sbm(X, Y, rts="vrs", undesirable=und, method="plain", backend="serial")
    assert_same(fast, plain)
    G, B = (Y[["y"]], Y[["co2"]]) if bad else (Y, Y.iloc[:, :0])
    some = np.arange(0, 300, 15)
    expected = [scipy_sbm(X.to_numpy(), G.to_numpy(), B.to_numpy(), o, "vrs") for o in some]
    np.testing.assert_allclose(fast.efficiency.iloc[some], expected, atol=EXACT)
    assert_optimal_solution(fast, X, Y, und or ())


@pytest.mark.parametrize("seed", [0, 1])
def test_batched_sbm_on_tied_data(seed):
    X, Y = tied(seed=seed)
    assert batch_share(X, Y, "vrs") > 0.9
    fast = sbm(X, Y, rts="vrs", backend="serial")
    plain = sbm(X, Y, rts="vrs", method="plain", backend="serial")
    np.testing.assert_allclose(fast.efficiency, plain.efficiency, atol=EXACT)
    expected = [
        scipy_sbm(X.to_numpy(), Y.to_numpy(), np.zeros((len(X), 0)), o, "vrs") for o in range(0, 220, 7)
    ]
    np.testing.assert_allclose(fast.efficiency.iloc[::7], expected, atol=EXACT)
    assert_optimal_solution(fast, X, Y)
    # where HiGHS's optimum is also the batch's, they agree exactly; the slacks may differ only where the
    # optimal face is not a single point, so the efficient units (no slack at the optimum) agree
    eff = plain.efficiency.to_numpy() >= 1 - 1e-9
    np.testing.assert_allclose(fast.input_slacks[eff], plain.input_slacks[eff], atol=EXACT)


@pytest.mark.parametrize(
    "rts,orientation", [("crs", "non"), ("nirs", "non"), ("ndrs", "non"), ("vrs", "input"), ("vrs", "output")]
)
def test_batched_scores_for_every_rts_and_orientation(rts, orientation):
    X, Y = synthetic(200, seed=2, bad=True)
    assert batch_share(X, Y, rts, ["co2"], orientation) > 0.9
    kw = dict(rts=rts, orientation=orientation, undesirable=["co2"], backend="serial")
    fast, plain = sbm(X, Y, **kw), sbm(X, Y, method="plain", **kw)
    np.testing.assert_allclose(fast.efficiency, plain.efficiency, atol=EXACT)
    assert (fast.status == "optimal").all()


def test_super_sbm_with_units_dominated_only_by_themselves():
    """Super-SBM after the batched SBM: units j dominated only by an efficient unit o (copies of o with one
    input larger) make o's super-efficiency depend on the second frontier layer."""
    X, Y = synthetic(250, seed=3)
    best = (Y["y"] / X.sum(axis=1)).to_numpy().argsort()[-5:]
    extra_x = X.iloc[best] + [0.5, 0.0, 0.0]
    extra_x.index = [f"d{i}" for i in range(5)]
    extra_y = Y.iloc[best].set_axis(extra_x.index)
    X, Y = pd.concat([X, extra_x]), pd.concat([Y, extra_y])
    fast = sbm(X, Y, rts="vrs", super=True, backend="serial")
    plain = sbm(X, Y, rts="vrs", super=True, method="plain", backend="serial")
    assert fast.super_units.sum() > 5
    assert (fast.super_units == plain.super_units).all()
    np.testing.assert_allclose(fast.efficiency, plain.efficiency, atol=EXACT)


def test_zero_and_far_values_go_to_highs():
    """Units with a zero value or values far from the data's scale are left to HiGHS; the answers agree."""
    X, Y = synthetic(150, seed=4)
    X.iloc[3, 0] = 0.0
    X.iloc[7] *= 1e4
    Y.iloc[9] *= 1e-4
    fast = sbm(X, Y, rts="vrs", backend="serial")
    plain = sbm(X, Y, rts="vrs", method="plain", backend="serial")
    np.testing.assert_allclose(fast.efficiency, plain.efficiency, atol=EXACT)
    assert (fast.status == plain.status).all()


def test_a_wrong_starting_basis_is_never_certified():
    """The certificate, not the start, decides: a block whose candidate bases are all of one unrelated unit's
    optimal basis still ends at the HiGHS scores (or is left to HiGHS)."""
    X, Y = synthetic(120, seed=5)
    x, g = X.to_numpy().T, Y.to_numpy().T
    x, g = x / x.mean(axis=1, keepdims=True), g / g.mean(axis=1, keepdims=True)
    b = np.zeros((0, 120))
    ref = S.sbm_reference(x, g, b, "vrs")
    lp = Q._Family(np.vstack([x[:, ref], g[:, ref]]), 3, 1, 0, "vrs")
    wx, wy = S._unit_weights(x, g, b, "non")
    kx, ky = S._safe_div(wx, x), S._safe_div(wy, g)
    first = Q._solve_block(lp, np.vstack([x, g])[:, :1], kx[:, :1], ky[:, :1])
    cand = np.broadcast_to(first["basis"][0], (120, 1, lp.R)).copy()
    got = Q._solve_block(lp, np.vstack([x, g]), kx, ky, cand)
    plain = S.sbm_arrays(x, g, b, x, g, b, rts="vrs", orientation="non")
    ok = got["ok"]
    np.testing.assert_allclose(got["score"][ok], np.minimum(plain["score"][ok], 1.0), atol=EXACT)
