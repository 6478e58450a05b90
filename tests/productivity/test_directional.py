"""Directional distance function with weakly disposable undesirable outputs.

References: (a) the radial DEA of ``dea.py`` (itself checked against DEAP 2.1) for the directions (0, y) and
(-x, 0), where beta* = 1/te - 1 and 1 - te exactly; (b) the LPs of Chung, Färe and Grosskopf (1997, CRS) and
Kuosmanen (2005, VRS) written out independently below with ``scipy.optimize.linprog``.  Tolerance 1e-6: HiGHS
optima of O(1) distances on data normalised to mean 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from spillover.errors import DEAError
from spillover.productivity import dea, directional

TOL = 1e-6


def data(n: int = 14, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, 2))
    gdp = x.prod(axis=1) ** 0.4 * rng.uniform(0.5, 1.0, n)
    co2 = gdp * rng.uniform(0.3, 1.2, n)
    units = [f"r{i}" for i in range(n)]
    return (
        pd.DataFrame(x, index=units, columns=["k", "l"]),
        pd.DataFrame({"gdp": gdp, "co2": co2}, index=units),
    )


def ref_ddf(X, G, B, o, d, rts):
    """max beta s.t. X'(z+mu) <= x_o + beta d_x, G'z >= g_o + beta d_g, B'z = b_o + beta d_b, sum(z+mu) = 1
    (VRS, Kuosmanen 2005; mu absent under CRS), z, mu >= 0."""
    n, m = X.shape
    s1, s2 = G.shape[1], B.shape[1]
    dx, dg, db = d[:m], d[m : m + s1], d[m + s1 :]
    k = 2 * n if rts == "vrs" else n
    c = np.concatenate([[-1.0], np.zeros(k)])
    Xl = np.hstack([X.T, X.T]) if rts == "vrs" else X.T
    pad = np.zeros((s1, k - n))
    A_ub = np.vstack([np.hstack([-dx[:, None], Xl]), np.hstack([dg[:, None], -G.T, pad])])
    b_ub = np.concatenate([X[o], -G[o]])
    A_eq = np.hstack([-db[:, None], B.T, np.zeros((s2, k - n))])
    b_eq = B[o]
    if rts == "vrs":
        A_eq = np.vstack([A_eq, np.concatenate([[0.0], np.ones(k)])])
        b_eq = np.concatenate([b_eq, [1.0]])
    bounds = [(None, None)] + [(0, None)] * k
    return linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs").x[0]


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_radial_directions_reproduce_dea(rts):
    X, Y = data()
    Y = Y[["gdp"]]
    out = directional(X, Y, direction="desirable", rts=rts)
    np.testing.assert_allclose(
        out.efficiency, dea(X, Y, rts=rts, orientation="output", slacks="none").efficiency, atol=TOL
    )
    inp = directional(X, Y, direction="inputs", rts=rts)
    np.testing.assert_allclose(1 - inp.beta, dea(X, Y, rts=rts, slacks="none").efficiency, atol=TOL)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("direction", [None, "outputs"])
def test_weak_disposability_matches_written_out_lp(rts, direction):
    X, Y = data(seed=4)
    res = directional(X, Y, undesirable=["co2"], direction=direction, rts=rts)
    x, g, b = X.to_numpy(), Y[["gdp"]].to_numpy(), Y[["co2"]].to_numpy()
    sign = (-1.0, 1.0, -1.0) if direction is None else (0.0, 1.0, -1.0)
    for o in range(len(x)):
        d = np.concatenate([sign[0] * x[o], sign[1] * g[o], sign[2] * b[o]])
        assert res.beta.iloc[o] == pytest.approx(ref_ddf(x, g, b, o, d, rts), abs=TOL)
    assert (res.beta >= -1e-9).all()  # each unit is in its own technology: beta* >= 0
    # targets: the direction applied, weakly disposable bads hit exactly
    lam = np.zeros((len(x), len(x)))
    for u, p, w in res.peer_table.itertuples(index=False):
        lam[X.index.get_loc(u), X.index.get_loc(p)] = w
    if rts == "crs":
        np.testing.assert_allclose(lam @ b[:, 0], res.targets["co2"], atol=1e-6)


def test_user_direction_as_series_frame_and_sequence():
    X, Y = data(seed=2)
    vec = pd.Series({"k": -1.0, "l": -1.0, "gdp": 1.0, "co2": -1.0})
    a = directional(X, Y, undesirable=["co2"], direction=vec, rts="crs")
    b = directional(X, Y, undesirable=["co2"], direction=[-1.0, -1.0, 1.0, -1.0], rts="crs")
    frame = pd.DataFrame([vec.to_numpy()] * len(X), index=X.index, columns=vec.index)
    c = directional(X, Y, undesirable=["co2"], direction=frame.iloc[::-1], rts="crs")  # rows aligned by unit
    pd.testing.assert_series_equal(a.beta, b.beta)
    pd.testing.assert_series_equal(a.beta, c.beta)
    x, g, bb = X.to_numpy(), Y[["gdp"]].to_numpy(), Y[["co2"]].to_numpy()
    assert a.beta.iloc[3] == pytest.approx(ref_ddf(x, g, bb, 3, vec.to_numpy(), "crs"), abs=TOL)


def test_direction_errors():
    X, Y = data()
    with pytest.raises(DEAError, match="zero"):
        directional(X, Y, direction=[0, 0, 0, 0], rts="crs")
    with pytest.raises(DEAError, match="'co2'"):
        directional(X, Y, direction=pd.DataFrame({"k": [1.0]}), rts="crs")
    with pytest.raises(DEAError, match="direction"):
        directional(X, Y, direction="sideways", rts="crs")
    res = directional(X, Y, undesirable=["co2"], rts="vrs")
    assert {"beta", "efficiency", "target_co2", "peers", "status"} <= set(res.to_frame().columns)
    assert res.summary().header["units"] == len(X)
