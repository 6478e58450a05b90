"""Posterior model probabilities (LeSage 2014) of :func:`spillover.spatial.model_probabilities`.

References: (1) LeSage's closed forms computed independently here -- within transformation by explicit
region/period means, residuals from the normal equations, ``ln|I - rho W|`` from a dense ``slogdet`` at every
rho, the integral over rho by ``scipy.integrate.quad``; (2) a simulation where the data come from an SDM with
W1 and the comparison must put more than 0.9 on (SDM, W1).  SDPDmod's vignette numbers (Cigar data with its
``usa46`` weights) are not reproduced: neither data set ships with spillover or its test data.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from scipy import integrate, special
from shapely.geometry import box

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.spatial import model_probabilities


def _grid(side: int) -> gpd.GeoDataFrame:
    ids = [f"r{i:03d}" for i in range(side * side)]
    return gpd.GeoDataFrame(
        {"r": ids},
        geometry=[box(i % side, i // side, i % side + 1, i // side + 1) for i in range(side * side)],
    ).set_index("r")


def _simulate(geo: gpd.GeoDataFrame, w: np.ndarray, t: int, kind: str, seed: int) -> SpatialPanel:
    n = len(geo)
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    rows = []
    for period in range(t):
        x1, x2 = rng.normal(size=n), rng.normal(size=n)
        xb = 1.0 * x1 - 0.5 * x2
        if kind == "sdm":
            xb = xb + w @ (0.8 * x1 + 0.6 * x2)
        y = np.linalg.solve(np.eye(n) - 0.5 * w, xb + mu + 0.5 * rng.normal(size=n))
        rows.append(pd.DataFrame({"r": geo.index, "t": period, "x1": x1, "x2": x2, "y": y}))
    return SpatialPanel(pd.concat(rows), geo.reset_index(), id="r", time="t")


def _dense(w: Graph, ids: pd.Index) -> np.ndarray:
    pos = w.unique_ids.get_indexer(ids)
    return w.sparse.toarray()[np.ix_(pos, pos)]


def _within(v: np.ndarray, n: int, t: int, fe: str) -> np.ndarray:
    """Explicit region and period means of a period-major stack (T blocks of N)."""
    m = v.reshape(t, n, -1).copy()
    if fe in ("unit", "twoway"):
        m -= m.mean(axis=0, keepdims=True)
    if fe in ("time", "twoway"):
        m -= m.mean(axis=1, keepdims=True)
    return m.reshape(n * t, -1).squeeze()


def _resid(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return y - z @ np.linalg.solve(z.T @ z, z.T @ y)


def _reference(panel: SpatialPanel, x: list[str], wd: np.ndarray, kind: str, fe: str) -> float:
    """LeSage (2014)'s log-marginal likelihood written out with dense matrices and quad over rho."""
    n, t = panel.n_regions, panel.n_periods
    big_w = np.kron(np.eye(t), wd)
    y = panel.stacked("y")
    xr = np.column_stack([panel.stacked(v) for v in x])
    zr = np.column_stack([xr, big_w @ xr]) if kind in ("sdm", "sdem", "slx") else xr
    f = {"none": 1, "unit": n, "time": t, "twoway": n + t - 1}[fe]
    a = (n * t - zr.shape[1] - f) / 2
    z, yt, wy = (_within(v, n, t, fe) for v in (zr, y, big_w @ y))
    wz = _within(big_w @ zr, n, t, fe)
    z = z.reshape(n * t, -1)
    wz = wz.reshape(n * t, -1)
    if fe == "none":
        z = np.column_stack([np.ones(n * t), z])
        wz = np.column_stack([big_w @ np.ones(n * t), wz])
    c = special.gammaln(a) - a * np.log(2 * np.pi)
    if kind == "slx":
        e = _resid(z, yt)
        return c - 0.5 * np.linalg.slogdet(z.T @ z)[1] - a * np.log(e @ e)
    lam = np.linalg.eigvals(wd).real
    lo, hi = 1 / lam.min(), 1 / lam.max()

    def log_kernel(r: float) -> float:
        logdet = np.linalg.slogdet(np.eye(n) - r * wd)[1]
        if kind in ("sar", "sdm"):
            e = _resid(z, yt - r * wy)
            return -a * np.log(e @ e) + t * logdet - 0.5 * np.linalg.slogdet(z.T @ z)[1]
        zr_ = z - r * wz
        e = _resid(zr_, yt - r * wy)
        return -a * np.log(e @ e) + t * logdet - 0.5 * np.linalg.slogdet(zr_.T @ zr_)[1]

    rs = np.linspace(lo, hi, 401)[1:-1]
    values = [log_kernel(r) for r in rs]
    peak, mode = max(values), float(rs[int(np.argmax(values))])
    val, _ = integrate.quad(
        lambda r: np.exp(log_kernel(r) - peak), lo, hi, points=[mode], limit=400, epsrel=1e-12
    )
    return c - np.log(hi - lo) + peak + np.log(val)


@pytest.mark.parametrize("fe", ["none", "unit", "twoway"])
def test_log_marginals_equal_dense_quadrature(fe: str) -> None:
    geo = _grid(4)
    w = Graph.build_contiguity(geo, rook=True)  # binary rook: NOT row-standardised
    wd = _dense(w, geo.index)
    panel = _simulate(geo, wd / 4, 4, "sdm", seed=1)
    kinds = ("slx", "sar", "sem", "sdm", "sdem")
    res = model_probabilities(panel, "y", ["x1", "x2"], w, kinds=kinds, fixed_effects=fe)
    table = res.to_frame()
    for kind in kinds:
        expected = _reference(panel, ["x1", "x2"], wd, kind, fe)
        assert table.loc[(kind, "W"), "log_marginal"] == pytest.approx(expected, abs=1e-6), kind
    lm = table["log_marginal"].to_numpy()
    np.testing.assert_allclose(table["probability"], np.exp(lm - lm.max()) / np.exp(lm - lm.max()).sum())


def test_sparse_path_equals_dense() -> None:
    """The sparse path (LU log-determinants, Chebyshev interpolant in the window) against the dense one."""
    geo = _grid(5)
    w = Graph.build_contiguity(geo, rook=False).transform("r")
    panel = _simulate(geo, _dense(w, geo.index), 4, "sdm", seed=3)
    kinds = ("sar", "sem", "sdm", "sdem")
    dense = model_probabilities(
        panel, "y", ["x1", "x2"], w, kinds=kinds, fixed_effects="unit", method="dense"
    )
    sparse = model_probabilities(
        panel, "y", ["x1", "x2"], w, kinds=kinds, fixed_effects="unit", method="sparse"
    )
    # the sparse path's interval comes from ARPACK, moved inwards by its tolerance: the prior's width D
    # differs in the 5th digit, which shifts every log-marginal by ln(D_dense / D_sparse)
    lam = np.linalg.eigvals(_dense(w, geo.index)).real
    from spillover.spatial._likelihood import make_operator

    lo, hi = make_operator(w.sparse.tocsr(), "sparse").bounds
    shift = np.log((1 / lam.max() - 1 / lam.min()) / (hi - lo))
    np.testing.assert_allclose(
        sparse.to_frame()["log_marginal"], dense.to_frame()["log_marginal"] + shift, rtol=0, atol=1e-7
    )


def test_true_model_and_w_win() -> None:
    """Data from an SDM with queen W (49 regions, 8 periods, unit effects), queen against 6 nearest
    neighbours: (SDM, queen) is the most probable in each of 5 simulated panels, queen gets more than 0.9 in
    each, and (SDM, queen) more than 0.9 on average (seeds 0-4 give 1.0, 1.0, 0.81, 1.0, 0.997)."""
    geo = _grid(7)
    queen = Graph.build_contiguity(geo, rook=False).transform("r")
    knn = Graph.build_knn(geo.representative_point(), k=6).transform("r")
    probs = []
    for seed in range(5):
        panel = _simulate(geo, _dense(queen, geo.index), 8, "sdm", seed=seed)
        res = model_probabilities(
            panel, "y", ["x1", "x2"], {"queen": queen, "knn6": knn}, fixed_effects="unit"
        )
        assert res.best == ("sdm", "queen")
        assert res.by_w["queen"] > 0.9
        probs.append(res.to_frame().loc[("sdm", "queen"), "probability"])
        # the kinds' and W's probabilities are the table's sums
        assert res.by_kind.sum() == pytest.approx(1.0) and res.by_w.sum() == pytest.approx(1.0)
    assert np.mean(probs) > 0.9


def test_summary_and_refusals() -> None:
    geo = _grid(4)
    w = Graph.build_contiguity(geo, rook=False).transform("r")
    panel = _simulate(geo, _dense(w, geo.index), 3, "sar", seed=2)
    res = model_probabilities(panel, "y", ["x1", "x2"], [w, w], kinds=("sar", "sem"), fixed_effects="unit")
    summ = res.summary()
    assert summ.header["most probable"].split()[0] in ("SAR", "SEM")
    assert list(summ.tables[1].columns) == ["W1", "W2"]
    assert "<table" in res._repr_html_()
    with pytest.raises(ModelError, match="kinds"):
        model_probabilities(panel, "y", ["x1"], w, kinds=("sac",))
    with pytest.raises(ModelError, match="empty"):
        model_probabilities(panel, "y", ["x1"], [])
    with pytest.raises(ModelError, match="fixed_effects"):
        model_probabilities(panel, "y", ["x1"], w, fixed_effects="random")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="'q'"):
        model_probabilities(panel, "y", ["x1", "x1:q"], w)
