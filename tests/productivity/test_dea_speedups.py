"""The speed-ups of issue #15 item 6 change no number: each is checked against an independent LP.

* Facet pool + dual simplex (``_simplex._Facets``, ``_dual_iterate``): most units of a batch start from the
  optimal basis of an already solved unit and finish with a few dual simplex pivots.  Reference: one
  ``scipy.optimize.linprog`` (HiGHS) per unit written out in the test (tests/productivity/test_dea.py's ``_scipy_radial``),
  tolerances 1e-10 on data of size ~1..10, so 1e-8 on the score is far above both solvers' error.  The
  tests also assert that the pool path really answered most units (else they would test nothing new).
* Malmquist's CRS frontier taken from the VRS frontier set: compared with the plain path (one LP per unit
  against every unit of the period).
* Dominance screening by per-variable 2-D comparisons: compared with the 3-D broadcast it replaced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_dea import random_data

from spillover.productivity import _simplex as S
from spillover.productivity import malmquist


def _spy(monkeypatch):
    """Count the units each path answered."""
    seen = {"pool": 0, "dual_iterations": 0}
    real_dual = S._dual_iterate

    def dual(lp, a0, cost, b, basis):
        seen["pool"] += len(basis)
        before = basis.copy()
        real_dual(lp, a0, cost, b, basis)
        seen["dual_iterations"] += int((np.sort(before, axis=1) != np.sort(basis, axis=1)).any(axis=1).sum())

    monkeypatch.setattr(S, "_dual_iterate", dual)
    return seen


def _scipy_theta(Xr: np.ndarray, Yr: np.ndarray, xo: np.ndarray, yo: np.ndarray, rts: str) -> float:
    """Input-oriented radial LP of the point (xo, yo) against reference units (rows of Xr, Yr), written out
    for scipy's HiGHS: min theta s.t. Xr'lam <= theta xo, Yr'lam >= yo, lam >= 0, and sum(lam) = 1 (VRS),
    <= 1 (NIRS), >= 1 (NDRS).  NaN if infeasible."""
    from scipy.optimize import linprog

    n = len(Xr)
    ones = np.r_[0.0, np.ones(n)][None, :]
    a_ub = np.vstack([np.c_[-xo[:, None], Xr.T], np.c_[np.zeros((len(yo), 1)), -Yr.T]])
    b_ub = np.r_[np.zeros(len(xo)), -yo]
    extra = {"vrs": dict(A_eq=ones, b_eq=[1.0])}.get(rts, {})
    if rts in ("nirs", "ndrs"):
        sign = 1.0 if rts == "nirs" else -1.0
        a_ub, b_ub = np.vstack([a_ub, sign * ones]), np.r_[b_ub, sign]
    res = linprog(
        np.r_[1.0, np.zeros(n)],
        A_ub=a_ub,
        b_ub=b_ub,
        **extra,
        bounds=[(None, None)] + [(0, None)] * n,
        method="highs",
        options=dict(primal_feasibility_tolerance=1e-10, dual_feasibility_tolerance=1e-10),
    )
    return res.x[0] if res.status == 0 else np.nan


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs"])
def test_pooled_bases_and_dual_simplex_equal_scipy(rts, monkeypatch):
    """500 units (25 of them scaled out of the reference set's range) against 120 reference units, in
    blocks of 64 so that the pool carries bases across blocks; every certified score equals scipy's LP and
    no infeasible LP is certified."""
    monkeypatch.setattr(S, "BLOCK_CELLS", 1)  # blocks of 64 units (the minimum)
    seen = _spy(monkeypatch)
    x, y = random_data(500, 3, 2, seed=21)
    x[:25] *= 0.3  # below the reference frontier: CRS scores above 1, VRS LPs partly infeasible
    Xr, Yr = x[100:220], y[100:220]
    batch = S.radial_input_batch(Xr.T, Yr.T, x.T, y.T, rts)
    assert seen["pool"] > 350 and seen["dual_iterations"] > 50  # the new path did the work
    expected = np.array([_scipy_theta(Xr, Yr, x[u], y[u], rts) for u in range(500)])
    ok = batch["ok"]
    assert not ok[np.isnan(expected)].any()
    np.testing.assert_allclose(batch["score"][ok], expected[ok], rtol=0, atol=1e-8)
    assert ok[np.isfinite(expected)].mean() > 0.99  # nearly all certified (the rest would go to HiGHS)


def test_dual_simplex_from_a_neighbours_basis_reaches_the_primal_optimum():
    """Every unit restarted from the optimal basis of another unit (dual feasible for it, primal
    infeasible in general) must end at the score the primal simplex found from scratch."""
    x, y = random_data(300, 3, 1, seed=22)
    X, Y = x.T, y.T
    lp = S._Shared(X, Y, "vrs")
    a0, b = S._radial_rows(lp, X, Y)
    cost = S._radial_costs(lp, 1.0)
    basis, _ = S._start(lp, X, Y)
    S._iterate(lp, a0, cost, b, basis)
    cert, xB, _, _ = S._certify(lp, a0, cost, b, basis)
    theta = np.where(basis == 0, xB, 0.0).sum(axis=1)
    assert cert.all()
    other = np.roll(np.arange(300), 1)  # unit k starts from unit k-1's optimal basis
    start = basis[other].copy()
    changed = (np.sort(start, axis=1) != np.sort(basis, axis=1)).any(axis=1)
    assert changed.sum() > 200  # mostly a different basis: real dual pivots are needed
    S._dual_iterate(lp, a0, cost, b, start)
    cert2, xB2, _, _ = S._certify(lp, a0, cost, b, start)
    theta2 = np.where(start == 0, xB2, 0.0).sum(axis=1)
    assert cert2.mean() > 0.95
    np.testing.assert_allclose(theta2[cert2], theta[cert2], rtol=0, atol=1e-10)


def test_dominance_screen_equals_the_broadcast_definition():
    from spillover.productivity._engine import _dominated_by

    rng = np.random.default_rng(3)
    Zb = rng.integers(0, 4, (200, 4)).astype(float)  # many ties and equal rows
    F = rng.integers(0, 4, (300, 4)).astype(float)
    for strict in (True, False):
        ge = (F[None] >= Zb[:, None]).all(axis=2)
        gt = (F[None] > Zb[:, None]).any(axis=2)
        expected = (ge & gt).any(axis=1) if strict else ge.any(axis=1)
        np.testing.assert_array_equal(_dominated_by(Zb, F, strict_only=strict), expected)


def test_malmquist_distances_equal_plain_lps_against_each_period():
    """Malmquist now finds the CRS frontier among the VRS frontier units and scores three periods in one
    batch; every distance must equal ``dea(..., method="plain")`` (one HiGHS LP per unit against every unit
    of the frontier period, no reduction, no batching) to solver precision (1e-8, as in test_dea.py)."""
    rng = np.random.default_rng(5)
    n, T = 400, 3
    x = rng.uniform(1, 10, (T, n, 2))
    y = x.prod(axis=2) ** 0.4 * np.exp(-np.abs(rng.normal(0, 0.3, (T, n)))) * 1.05 ** np.arange(T)[:, None]
    df = pd.DataFrame(
        {
            "u": np.tile(np.arange(n), T),
            "t": np.repeat(np.arange(T), n),
            "x1": x[..., 0].ravel(),
            "x2": x[..., 1].ravel(),
            "y": y.ravel(),
        }
    )
    res = malmquist(df, id="u", time="t", inputs=["x1", "x2"], outputs=["y"], backend="serial")
    from spillover.productivity import dea

    for k in range(T):
        for j, col in ((k - 1, "crs_next"), (k, "crs"), (k + 1, "crs_prev")):
            if not 0 <= j < T:
                continue
            plain = dea(
                x[j],
                y[j][:, None],
                rts="crs",
                reference=(x[k], y[k][:, None]),
                method="plain",
                slacks="none",
                scale=False,
            )
            got = res.distances[col].xs(j, level="t").to_numpy()
            np.testing.assert_allclose(got, plain.efficiency.to_numpy(), rtol=0, atol=1e-8, err_msg=col)
        vrs = dea(x[k], y[k][:, None], rts="vrs", method="plain", slacks="none", scale=False)
        np.testing.assert_allclose(
            res.distances["vrs"].xs(k, level="t").to_numpy(), vrs.efficiency.to_numpy(), rtol=0, atol=1e-8
        )


def test_nondominated_equals_the_definition():
    """nondominated() (blocks, 2-D passes) against the O(n^2) definition: not dominated by any unit, and the
    first copy of duplicates kept."""
    from spillover.productivity._engine import nondominated

    rng = np.random.default_rng(4)
    X = rng.integers(1, 4, (2, 700)).astype(float)  # many ties and duplicates
    Y = rng.integers(1, 4, (1, 700)).astype(float)
    Z = np.vstack([-X, Y]).T
    ge = (Z[None] >= Z[:, None]).all(axis=2)  # ge[i, k]: unit k >= unit i in every variable
    gt = (Z[None] > Z[:, None]).any(axis=2)
    equal_earlier = ge & ~gt & np.tril(np.ones((700, 700), bool), -1)
    expected = np.flatnonzero(~((ge & gt) | equal_earlier).any(axis=1))
    np.testing.assert_array_equal(nondominated(X, Y), expected)


@pytest.mark.slow
def test_malmquist_own_period_vrs_scores_reuse_the_frontier_search_exactly():
    """Above 800 units the VRS frontier is found recursively and the last candidate set's LPs (solved against
    a set spanning the whole technology) are reused as those units' own-period VRS scores; the others are
    scored against the frontier.  Reference: ``dea(method="plain")``, one HiGHS LP per unit against every unit
    of the period (1e-8, solver precision)."""
    rng = np.random.default_rng(11)
    n, T = 1500, 2
    x = rng.uniform(1, 10, (T, n, 2))
    y = x.prod(axis=2) ** 0.4 * np.exp(-np.abs(rng.normal(0, 0.3, (T, n))))
    df = pd.DataFrame(
        {
            "u": np.tile(np.arange(n), T),
            "t": np.repeat(np.arange(T), n),
            "x1": x[..., 0].ravel(),
            "x2": x[..., 1].ravel(),
            "y": y.ravel(),
        }
    )
    res = malmquist(df, id="u", time="t", inputs=["x1", "x2"], outputs=["y"], backend="serial")
    from spillover.productivity import dea

    for k in range(T):
        vrs = dea(x[k], y[k][:, None], rts="vrs", method="plain", slacks="none", scale=False)
        np.testing.assert_allclose(
            res.distances["vrs"].xs(k, level="t").to_numpy(), vrs.efficiency.to_numpy(), rtol=0, atol=1e-8
        )
