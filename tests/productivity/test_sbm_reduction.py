"""SBM and super-SBM solved against the frontier set only (``method="fast"``) equal the LPs over every unit.

Provenance of every expected number: the non-oriented SBM and super-SBM LPs written out below with
``scipy.optimize.linprog`` over the full reference set (all units; for super-SBM all units but the one
evaluated), linearised by hand (Charnes-Cooper) independently of ``sbm.py``; and ``method="plain"``, the
module's own LP over every unit.  Data: random units plus duplicates, ties in single variables, units on
the weakly efficient part of the frontier (radial score 1 with slacks) and points dominated only by one
efficient unit (which the super-SBM of that unit needs: ``super_reference``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from spillover.productivity import dea, sbm
from spillover.productivity.sbm import sbm_reference, super_reference

TOL = 1e-6


def ref_sbm_non(X: np.ndarray, Y: np.ndarray, o: int, rts: str) -> float:
    """min t - (1/m) sum S-_i/x_io  s.t.  t + (1/s) sum S+_r/y_ro = 1, X'L + S- = t x_o, Y'L - S+ = t y_o,
    (sum L = t under VRS); variables t, L (n), S- (m), S+ (s), all >= 0."""
    (n, m), s = X.shape, Y.shape[1]
    c = np.concatenate([[1.0], np.zeros(n), -1.0 / (m * X[o]), np.zeros(s)])
    rows = [np.concatenate([[1.0], np.zeros(n + m), 1.0 / (s * Y[o])])]
    rows += [np.concatenate([[-X[o, i]], X[:, i], np.eye(m)[i], np.zeros(s)]) for i in range(m)]
    rows += [np.concatenate([[-Y[o, r]], Y[:, r], np.zeros(m), -np.eye(s)[r]]) for r in range(s)]
    b = [1.0] + [0.0] * (m + s)
    if rts == "vrs":
        rows.append(np.concatenate([[-1.0], np.ones(n), np.zeros(m + s)]))
        b.append(0.0)
    res = linprog(c, A_eq=np.array(rows), b_eq=b, method="highs")
    assert res.status == 0
    return res.fun


def ref_super_sbm_non(X: np.ndarray, Y: np.ndarray, o: int, rts: str) -> float:
    """Tone (2002) non-oriented super-SBM, min (1/m) sum xbar_i/x_io / ((1/s) sum ybar_r/y_ro) over
    xbar >= X'lam, xbar >= x_o, 0 <= ybar <= Y'lam, ybar <= y_o, lam_o = 0 (sum lam = 1 under VRS),
    linearised with t = 1 / denominator: variables t, L (n), Xb (m), Yb (s)."""
    (n, m), s = X.shape, Y.shape[1]
    c = np.concatenate([[0.0], np.zeros(n), 1.0 / (m * X[o]), np.zeros(s)])
    a_eq = [np.concatenate([[0.0], np.zeros(n + m), 1.0 / (s * Y[o])])]
    b_eq = [1.0]
    if rts == "vrs":
        a_eq.append(np.concatenate([[-1.0], np.ones(n), np.zeros(m + s)]))
        b_eq.append(0.0)
    a_ub, b_ub = [], []
    for i in range(m):
        a_ub.append(np.concatenate([[0.0], X[:, i], -np.eye(m)[i], np.zeros(s)]))  # X'L <= Xb
        a_ub.append(np.concatenate([[X[o, i]], np.zeros(n), -np.eye(m)[i], np.zeros(s)]))  # t x_o <= Xb
        b_ub += [0.0, 0.0]
    for r in range(s):
        a_ub.append(np.concatenate([[0.0], -Y[:, r], np.zeros(m), np.eye(s)[r]]))  # Yb <= Y'L
        a_ub.append(np.concatenate([[-Y[o, r]], np.zeros(n + m), np.eye(s)[r]]))  # Yb <= t y_o
        b_ub += [0.0, 0.0]
    bounds = [(0, None)] * (1 + n + m + s)
    bounds[1 + o] = (0, 0)
    res = linprog(
        c, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=b_eq, bounds=bounds, method="highs"
    )
    assert res.status == 0
    return res.fun


def tricky(n: int = 40, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random 2-input 1-output units plus duplicates, ties and weakly efficient units."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(1, 10, (n, 2)), 1)  # rounded: ties in single inputs
    y = np.round(np.sqrt(x.prod(axis=1)) * rng.uniform(0.5, 1.0, n), 1)[:, None]
    best = np.argmax(y[:, 0] / x.sum(axis=1))
    extra_x = [x[best], x[best], x[best] + [0.0, 2.0], x[best] + [3.0, 0.0], [0.5, 20.0], [0.5, 25.0]]
    extra_y = [y[best], y[best], y[best], y[best], [1.0], [1.0]]
    # duplicates of an efficient unit; the same unit with one input larger (radial score 1 under VRS when
    # its other input is the smallest: the weakly efficient part); the unit with the smallest first input
    # and a copy of it with more of the second input (a vertex only without the first)
    x, y = np.vstack([x, extra_x]), np.vstack([y, extra_y])
    names = [f"u{i}" for i in range(len(x))]
    return pd.DataFrame(x, index=names, columns=["x1", "x2"]), pd.DataFrame(y, index=names, columns=["y"])


@pytest.mark.parametrize("rts", ["vrs", "crs"])
@pytest.mark.parametrize("seed", [0, 1])
def test_reduced_sbm_equals_the_full_lp(rts, seed):
    X, Y = tricky(seed=seed)
    fast = sbm(X, Y, rts=rts)
    plain = sbm(X, Y, rts=rts, method="plain")
    expected = [ref_sbm_non(X.to_numpy(), Y.to_numpy(), o, rts) for o in range(len(X))]
    np.testing.assert_allclose(fast.efficiency, expected, atol=TOL)
    np.testing.assert_allclose(plain.efficiency, expected, atol=TOL)
    # the reduced LPs' peers are frontier units, and their targets are reached by them (an optimal solution)
    ref = X.index[sbm_reference(X.to_numpy().T, Y.to_numpy().T, np.zeros((0, len(X))), rts)]
    assert set(fast.peer_table["peer"]) <= set(ref)
    lam = fast.lambdas.to_numpy()
    assert np.all(lam @ X.to_numpy() <= fast.input_targets.to_numpy() + 1e-6)
    assert np.all(lam @ Y.to_numpy() >= fast.output_targets.to_numpy() - 1e-6)


def test_the_data_have_weakly_efficient_units_and_duplicates():
    """The cases the reduction must get right are really there: radial VRS score 1 with positive slacks,
    SBM below 1 (dea and sbm of this package; the SBM values are checked against linprog above)."""
    X, Y = tricky()
    radial = dea(X, Y, rts="vrs", scale=False)
    weak = (radial.efficiency > 1 - 1e-9) & (radial.input_slacks.sum(axis=1) > 1e-6)
    assert weak.any()
    assert (sbm(X, Y, rts="vrs").efficiency[weak] < 1 - 1e-6).all()
    assert X.duplicated().any()


@pytest.mark.parametrize("rts", ["vrs", "crs"])
def test_reduced_super_sbm_equals_the_full_lp(rts):
    X, Y = tricky(seed=2)
    fast = sbm(X, Y, rts=rts, super=True)
    plain = sbm(X, Y, rts=rts, super=True, method="plain")
    sup = np.flatnonzero(fast.super_units.to_numpy())
    assert len(sup) >= 3
    assert (fast.super_units == plain.super_units).all()
    expected = [ref_super_sbm_non(X.to_numpy(), Y.to_numpy(), o, rts) for o in sup]
    np.testing.assert_allclose(fast.efficiency.iloc[sup], expected, atol=TOL)
    np.testing.assert_allclose(plain.efficiency.iloc[sup], expected, atol=TOL)
    others = np.flatnonzero(~fast.super_units.to_numpy())
    np.testing.assert_allclose(fast.efficiency.iloc[others], plain.efficiency.iloc[others], atol=TOL)


def test_super_sbm_needs_the_second_frontier_layer():
    """1 input, 1 output, VRS: o = (1, 1), j = (2, 1), k = (3, 2).  j is dominated by o (not in the frontier
    set E = {o, k}) but is o's best replacement: delta_o = 2 (xbar = 2 at j), whereas E minus o would give
    3.  Hand-computed, and checked against the full LP above."""
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 2.5, 4.0]}, index=list("ojkab"))
    Y = pd.DataFrame({"y": [1.0, 1.0, 2.0, 1.2, 1.5]}, index=list("ojkab"))
    front = sbm_reference(X.to_numpy().T, Y.to_numpy().T, np.zeros((0, 5)), "vrs")
    assert list(X.index[front]) == ["o", "k"]
    assert "j" in X.index[super_reference(X.to_numpy().T, Y.to_numpy().T, np.zeros((0, 5)), front, "vrs")]
    res = sbm(X, Y, rts="vrs", super=True)
    assert res.efficiency["o"] == pytest.approx(2.0, abs=TOL)
    assert res.efficiency["o"] == pytest.approx(
        ref_super_sbm_non(X.to_numpy(), Y.to_numpy(), 0, "vrs"), abs=TOL
    )


@pytest.mark.filterwarnings("ignore::spillover.errors.InfeasibleWarning")
def test_undesirable_outputs_reduce_like_inputs():
    """With an undesirable output (disposed of like an input, Tone 2004), the reduced and the plain LPs agree."""
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.uniform(1, 10, (30, 2)), columns=["x1", "x2"])
    Y = pd.DataFrame({"g": rng.uniform(1, 5, 30), "b": rng.uniform(1, 5, 30)})
    Y.iloc[5] = Y.iloc[4]
    X.iloc[5] = X.iloc[4]
    for orientation in ("non", "input", "output"):
        fast = sbm(X, Y, rts="vrs", undesirable=["b"], orientation=orientation, super=True)
        plain = sbm(X, Y, rts="vrs", undesirable=["b"], orientation=orientation, super=True, method="plain")
        np.testing.assert_allclose(fast.efficiency, plain.efficiency, atol=TOL)
        assert (fast.status == plain.status).all()


@pytest.mark.slow
def test_process_backend_gives_the_serial_scores():
    """Chunks on a process pool (from 1,000 units) give the serial run's scores and super-scores."""
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 10, (1200, 2))
    y = (np.sqrt(x.prod(axis=1)) * rng.uniform(0.5, 1.0, 1200))[:, None]
    serial = sbm(x, y, rts="vrs", super=True, backend="serial")
    pool = sbm(x, y, rts="vrs", super=True, backend="processes", n_jobs=2)
    np.testing.assert_allclose(pool.efficiency, serial.efficiency, atol=1e-9)
    assert (pool.status == serial.status).all()
    assert (pool.super_units == serial.super_units).all()
