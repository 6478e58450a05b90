"""Direct/indirect/total effects: dense S_k, closed-form totals, sparse power series, Wald and LR tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from scipy import stats
from shapely.geometry import box

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.spatial.model import SpatialPanelModel
from spillover.spatial.wald import TestResult, lr_test
from spillover.summary import COLUMNS

X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


@pytest.fixture(scope="module")
def sdm(us_panel, us_w):
    return SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="twoway").fit()


def _dense_effects(res, w: np.ndarray, var: str) -> tuple[float, float]:
    n = w.shape[0]
    theta = res.params.get(f"W*{var}", 0.0)
    s = np.linalg.inv(np.eye(n) - res.rho * w) @ (res.params[var] * np.eye(n) + theta * w)
    return np.trace(s) / n, s.sum() / n


def test_impacts_equal_dense_sk(sdm, us_w):
    imp = sdm.impacts(draws=0)
    w = us_w.sparse.toarray()
    for var in X:
        direct, total = _dense_effects(sdm, w, var)
        # eigenvalue formulas vs dense inverse: identical up to rounding
        assert imp.loc[("direct", var), "estimate"] == pytest.approx(direct, abs=1e-12)
        assert imp.loc[("total", var), "estimate"] == pytest.approx(total, abs=1e-12)
        assert imp.loc[("indirect", var), "estimate"] == pytest.approx(total - direct, abs=1e-12)
        # row-standardised W: total = (beta + theta) / (1 - rho)
        closed = (sdm.params[var] + sdm.params[f"W*{var}"]) / (1 - sdm.rho)
        assert imp.loc[("total", var), "estimate"] == pytest.approx(closed, abs=1e-12)


def test_direct_effect_includes_theta(sdm, us_w):
    # spreg 1.9.0 reports direct = beta * tr(A)/N (omitting theta tr(AW)/N); ours must not
    imp = sdm.impacts(draws=0)
    w = us_w.sparse.toarray()
    a = np.linalg.inv(np.eye(48) - sdm.rho * w)
    spreg_like = sdm.params["ln_emp"] * np.trace(a) / 48
    ours = imp.loc[("direct", "ln_emp"), "estimate"]
    assert abs(ours - spreg_like) > 1e-3
    assert ours == pytest.approx(spreg_like + sdm.params["W*ln_emp"] * np.trace(a @ w) / 48, abs=1e-12)


def test_effects_matrix_sums(sdm):
    s = sdm.effects_matrix("ln_pc")
    imp = sdm.impacts(draws=0)
    assert s.shape == (48, 48) and list(s.index) == list(s.columns)
    assert np.trace(s.to_numpy()) / 48 == pytest.approx(imp.loc[("direct", "ln_pc"), "estimate"], abs=1e-12)
    assert s.to_numpy().sum() / 48 == pytest.approx(imp.loc[("total", "ln_pc"), "estimate"], abs=1e-12)
    with pytest.raises(ModelError, match="max_n"):
        sdm.effects_matrix("ln_pc", max_n=10)
    with pytest.raises(ModelError, match="not a regressor"):
        sdm.effects_matrix("gsp")


def test_impact_standard_errors_are_seeded_and_plausible(sdm):
    a = sdm.impacts(draws=400, seed=1)
    b = sdm.impacts(draws=400, seed=1)
    pd.testing.assert_frame_equal(a, b)
    # SDM direct effect of x is close to beta_x, so its simulated SE is close to beta's SE (within 20 %:
    # Monte-Carlo error of an SD from 400 draws is ~3.5 %, plus the small feedback terms)
    se_direct = a.loc[("direct", "ln_emp"), "std_error"]
    assert se_direct == pytest.approx(sdm.std_errors["ln_emp"], rel=0.2)
    assert list(a.columns[:6]) == list(COLUMNS)  # robust columns follow (test_impacts_robust)
    assert a.index.names == ["effect", "variable"]


def test_total_effect_se_matches_delta_method(sdm):
    # total_k = (b + th)/(1 - rho): delta-method SE vs 4000 simulated draws, within 8 %
    g = np.zeros(len(sdm.params))
    names = list(sdm.params.index)
    b, th, rho = sdm.params["ln_pc"], sdm.params["W*ln_pc"], sdm.rho
    g[names.index("ln_pc")] = g[names.index("W*ln_pc")] = 1 / (1 - rho)
    g[names.index("rho")] = (b + th) / (1 - rho) ** 2
    se = np.sqrt(g @ sdm.cov.to_numpy() @ g)
    sim = sdm.impacts(draws=4000, seed=3).loc[("total", "ln_pc"), "std_error"]
    assert sim == pytest.approx(se, rel=0.08)


def _lattice(rows: int, cols: int):
    geo = gpd.GeoDataFrame(
        {"r": [f"c{i}" for i in range(rows * cols)]},
        geometry=[box(i % cols, i // cols, i % cols + 1, i // cols + 1) for i in range(rows * cols)],
    ).set_index("r")
    return geo, Graph.build_contiguity(geo, rook=True).transform("r")


def test_sparse_power_series_impacts_match_dense():
    geo, w = _lattice(15, 15)
    rng = np.random.default_rng(5)
    n, t = 225, 3
    wd = w.sparse.toarray()
    rows = []
    for s in range(t):
        x = rng.normal(size=n)
        y = np.linalg.solve(np.eye(n) - 0.5 * wd, x + 0.5 * wd @ x + rng.normal(size=n))
        rows += [(i, s, y[j], x[j]) for j, i in enumerate(geo.index)]
    panel = SpatialPanel(
        pd.DataFrame(rows, columns=["r", "t", "y", "x"]), geo.reset_index(), id="r", time="t"
    )
    kw = dict(kind="sdm", fixed_effects="twoway")
    dense = SpatialPanelModel(panel, "y", ["x"], w, method="dense", **kw).fit().impacts(draws=0)
    sparse = SpatialPanelModel(panel, "y", ["x"], w, method="sparse", **kw).fit().impacts(draws=0)
    # totals use exact 1'W^j 1 (truncation < 1e-10); direct effects use exact traces of W^j for j <= 6 and
    # Monte-Carlo ones beyond (SD of tr(W^j)/N ~ 0.01 at N = 225, damped by rho^7 < 0.01) -> compare at 5e-4
    assert sparse.loc[("total", "x"), "estimate"] == pytest.approx(
        dense.loc[("total", "x"), "estimate"], abs=1e-7
    )
    assert sparse.loc[("direct", "x"), "estimate"] == pytest.approx(
        dense.loc[("direct", "x"), "estimate"], abs=5e-4
    )


def test_sem_impacts_are_the_coefficients(us_panel, us_w):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sem", fixed_effects="unit").fit()
    imp = res.impacts(draws=0)
    np.testing.assert_allclose(imp.loc["direct", "estimate"].to_numpy(), res.params[X].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(imp.loc["indirect", "estimate"].to_numpy(), 0.0, atol=1e-12)


# ---------------------------------------------------------------------------------------------- tests
def test_wald_sar_equals_hand_computation(sdm):
    th = [f"W*{v}" for v in X]
    g = sdm.params[th].to_numpy()
    stat = g @ np.linalg.solve(sdm.cov.loc[th, th].to_numpy(), g)
    res = sdm.wald_test("sar")
    assert isinstance(res, TestResult)
    assert res.statistic == pytest.approx(stat, rel=1e-12) and res.df == 4
    assert res.pvalue == pytest.approx(stats.chi2.sf(stat, 4), rel=1e-12)
    assert "theta = 0" in str(res)


def test_wald_sem_delta_method_vs_numerical_jacobian(sdm):
    names = list(sdm.params.index)
    p0 = sdm.params.to_numpy()

    def g(p):
        par = dict(zip(names, p))
        return np.array([par[f"W*{v}"] + par["rho"] * par[v] for v in X])

    jac = np.column_stack([(g(p0 + h) - g(p0 - h)) / 2e-6 for h in np.eye(len(p0)) * 1e-6])
    v = jac @ sdm.cov.to_numpy() @ jac.T
    stat = g(p0) @ np.linalg.solve(v, g(p0))
    assert sdm.wald_test("sem").statistic == pytest.approx(stat, rel=1e-6)


def test_wald_needs_sdm(us_panel, us_w):
    sar = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="twoway").fit()
    with pytest.raises(ModelError, match="spatial Durbin"):
        sar.wald_test("sar")


def test_lr_test(us_panel, us_w, sdm):
    sar = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="twoway").fit()
    res = lr_test(sar, sdm)
    assert res.statistic == pytest.approx(2 * (sdm.loglik - sar.loglik)) and res.df == 4
    with pytest.raises(ModelError, match="order"):
        lr_test(sdm, sar)
    unit = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="unit").fit()
    with pytest.raises(ModelError, match="fixed_effects"):
        lr_test(unit, sdm)


def test_impacts_with_binary_w_equal_dense_sk(us_panel, us_w):
    # symmetric, not row-standardised W: eigen-decomposition of a symmetric matrix; totals are 1'S1/N
    binary = us_w.transform("b")
    res = SpatialPanelModel(us_panel, "ln_gsp", X, binary, kind="sdm", fixed_effects="unit").fit()
    imp = res.impacts(draws=0)
    w = binary.sparse.toarray()
    for var in X:
        direct, total = _dense_effects(res, w, var)
        assert imp.loc[("direct", var), "estimate"] == pytest.approx(direct, abs=1e-10)
        assert imp.loc[("total", var), "estimate"] == pytest.approx(total, abs=1e-10)


def test_impacts_with_asymmetric_nested_w_equal_dense_sk():
    # China's 31 provinces with economic-geographic nested W (not similar to a symmetric matrix): general
    # (complex) eigen-decomposition path
    from spillover import weights
    from spillover.datasets import china_provinces

    prov = china_provinces()
    rng = np.random.default_rng(0)
    ids = prov["province"].tolist()
    df = pd.DataFrame(
        [(i, t, float(np.exp(rng.normal())), rng.normal(), rng.normal()) for t in range(6) for i in ids],
        columns=["province", "year", "gdp", "x", "y"],
    )
    panel = SpatialPanel(df, prov, id="province", time="year")
    w = weights.nested(panel, "gdp")
    res = SpatialPanelModel(panel, "y", ["x"], w, kind="sdm", fixed_effects="unit").fit()
    wd = weights.to_sparse(w, panel.ids).toarray()
    imp = res.impacts(draws=50)
    direct, total = _dense_effects(res, wd, "x")
    assert imp.loc[("direct", "x"), "estimate"] == pytest.approx(direct, abs=1e-10)
    assert imp.loc[("total", "x"), "estimate"] == pytest.approx(total, abs=1e-10)
    assert np.isfinite(imp["std_error"]).all()
