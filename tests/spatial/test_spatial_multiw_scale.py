"""The sparse paths of several and time-varying weights (spatial/_multiw.py) against dense computations.

References: exact traces from the dense inverse ``numpy.linalg.inv(I - rho1 W1 - rho2 W2)`` written here;
the time-varying fit with ``method="dense"`` (one eigendecomposition per period) against ``method="sparse"``
(sparse LU log-determinants per period).
"""

from __future__ import annotations

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from libpysal.graph import Graph
from shapely.geometry import Point

from spillover.panel import SpatialPanel
from spillover.spatial import SpatialPanelModel
from spillover.spatial._multiw import stochastic_moments


def _row_standardised(m: sp.spmatrix) -> sp.csr_matrix:
    m = sp.csr_matrix(m, dtype=float)
    return sp.csr_matrix(sp.diags(1.0 / np.asarray(m.sum(axis=1)).ravel()) @ m)


def _lattice(side: int, rook: bool) -> sp.csr_matrix:
    return sp.csr_matrix(libpysal.weights.lat2W(side, side, rook=rook).sparse, dtype=float)


def test_stochastic_traces_of_two_lags_within_their_standard_error():
    # N = 289: (I - 0.3 W1 - 0.2 W2)^-1 and its product with W1, exact by the dense inverse
    w1, w2 = _row_standardised(_lattice(17, True)), _row_standardised(_lattice(17, False))
    n = w1.shape[0]
    a = sp.identity(n, format="csr") - 0.3 * w1 - 0.2 * w2
    inv = np.linalg.inv(a.toarray())
    exact = (
        np.array(
            [
                np.trace(inv),
                np.trace(inv @ w1.toarray()),
                inv.sum(),
                inv.sum(axis=0) @ w1.toarray().sum(axis=1),
            ]
        )
        / n
    )
    for seed in (0, 1, 2):
        est, se = stochastic_moments(a, w1, seed)
        assert np.all(se[:2] > 0) and np.all(se[:2] < 2e-3)
        assert np.all(np.abs(est[:2] - exact[:2]) <= 4 * se[:2])  # Hutchinson: within 4 standard errors
        np.testing.assert_allclose(est[2:], exact[2:], rtol=1e-10)  # the totals are exact
    # the probe means are the estimate: another seed changes it (the test can fail)
    assert stochastic_moments(a, w1, 0)[0][0] != stochastic_moments(a, w1, 1)[0][0]


def _tv_panel(side: int, periods: int, seed: int = 3) -> tuple[SpatialPanel, dict]:
    rng = np.random.default_rng(seed)
    rook = _lattice(side, True)
    n = side * side
    ws, ys, xs = [], [], []
    mu = rng.normal(size=n)
    for _ in range(periods):
        r = rook.copy()
        r.data = rng.uniform(0.5, 1.5, size=r.nnz)
        w = _row_standardised(r + r.T)
        x = rng.normal(size=n)
        a = np.eye(n) - 0.4 * w.toarray()
        ys.append(np.linalg.solve(a, x + 0.3 * (w @ x) + mu + rng.normal(size=n)))
        xs.append(x)
        ws.append(w)
    ids = np.arange(n)
    df = pd.DataFrame({"id": np.tile(ids, periods), "t": np.repeat(np.arange(periods), n)})
    df["y"], df["x"] = np.concatenate(ys), np.concatenate(xs)
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i % side, i // side) for i in ids])
    panel = SpatialPanel(df, geo, id="id", time="t")
    return panel, {t: Graph.from_sparse(ws[t], ids=panel.ids) for t in range(periods)}


@pytest.mark.slow
def test_time_varying_sdm_sparse_operators_equal_dense_path():
    # N = 196, T = 3, three distinct W_t: sparse LU log-determinants per period against the eigenvalues
    panel, w = _tv_panel(14, 3)
    fits = {
        m: SpatialPanelModel(panel, "y", ["x"], w, kind="sdm", fixed_effects="twoway", method=m).fit()
        for m in ("dense", "sparse")
    }
    assert fits["sparse"].loglik == pytest.approx(fits["dense"].loglik, abs=1e-8)
    np.testing.assert_allclose(fits["sparse"].params.to_numpy(), fits["dense"].params.to_numpy(), atol=1e-6)
    assert fits["dense"].params["rho"] == pytest.approx(0.4, abs=0.1)
    a = fits["dense"].impacts(draws=0)["estimate"]
    b = fits["sparse"].impacts(draws=0)["estimate"]
    assert b[("total", "x")] == pytest.approx(a[("total", "x")], rel=1e-6)
    assert b[("direct", "x")] == pytest.approx(a[("direct", "x")], rel=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("combine", [None, "convex"])
def test_two_lag_effects_on_the_sparse_path_equal_the_dense_effects_matrix(combine):
    # N = 289, T = 2: the series of the effects (exact totals, Hutchinson traces past the words of length 2)
    # against the dense S = A^-1 (beta I + theta Wx) of effects_matrix (numpy.linalg.solve)
    side, periods = 17, 2
    w1, w2 = _row_standardised(_lattice(side, True)), _row_standardised(_lattice(side, False))
    n = side * side
    rng = np.random.default_rng(5)
    a = np.eye(n) - 0.3 * w1.toarray() - 0.25 * w2.toarray()
    x = rng.normal(size=(periods, n))
    y = np.concatenate(
        [np.linalg.solve(a, x[t] + 0.4 * (w1 @ x[t]) + rng.normal(size=n)) for t in range(periods)]
    )
    ids = np.arange(n)
    df = pd.DataFrame({"id": np.tile(ids, periods), "t": np.repeat(np.arange(periods), n), "y": y})
    df["x"] = x.ravel()
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i % side, i // side) for i in ids])
    panel = SpatialPanel(df, geo, id="id", time="t")
    w = [Graph.from_sparse(w1, ids=panel.ids), Graph.from_sparse(w2, ids=panel.ids)]
    extra = {"combine": "convex"} if combine else {"w_x": w[0]}
    res = SpatialPanelModel(
        panel, "y", ["x"], w, kind="sdm", fixed_effects="unit", method="sparse", **extra
    ).fit()
    s = res.effects_matrix("x").to_numpy()
    est = res.impacts(draws=0)["estimate"]
    assert est[("total", "x")] == pytest.approx(s.sum() / n, rel=1e-9)
    assert est[("direct", "x")] == pytest.approx(np.trace(s) / n, rel=2e-3)
    assert est[("direct", "x")] != pytest.approx(np.trace(s) / n, rel=1e-12)  # estimated, not exact
