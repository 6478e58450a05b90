"""Issue 19, classes 7 (dynamic panels), 8 (numerical Hessians) and 10 (read-only models and results)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from scipy.optimize import minimize_scalar
from shapely.geometry import box

from spillover.errors import ReadOnlyError, SmallSampleBiasWarning, StationarityWarning
from spillover.panel import SpatialPanel
from spillover.spatial import _dynamic
from spillover.spatial.model import SpatialCrossSectionModel, SpatialPanelModel

X_US = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


# ---------------------------------------------------------------------------------------------- helpers
def _lattice(side: int) -> tuple[gpd.GeoDataFrame, Graph]:
    ids = [f"r{i}" for i in range(side * side)]
    geo = gpd.GeoDataFrame(
        {"r": ids}, geometry=[box(i % side, i // side, i % side + 1, i // side + 1) for i in range(len(ids))]
    ).set_index("r", drop=False)
    return geo, Graph.build_contiguity(geo, rook=True).transform("r")


def _dynamic_panel(
    t: int, tau: float, rho: float, *, burn: int = 30, seed: int = 0, side: int = 7
) -> tuple[SpatialPanel, Graph]:
    """y_t = tau y_{t-1} + rho W y_t + x_t + mu + e_t on a rook lattice (unit effects)."""
    rng = np.random.default_rng(seed)
    geo, w = _lattice(side)
    n = side * side
    s_inv = np.linalg.inv(np.eye(n) - rho * w.sparse.toarray())
    mu, y, rows = rng.normal(size=n), np.zeros(n), []
    for k in range(burn + t):
        x = rng.normal(size=n)
        y = s_inv @ (tau * y + x + mu + rng.normal(size=n))
        if k >= burn:
            rows += [(geo.index[i], k, y[i], x[i]) for i in range(n)]
    return SpatialPanel(pd.DataFrame(rows, columns=["r", "t", "y", "x"]), geo, id="r", time="t"), w


def _fit_recording(model: SpatialPanelModel) -> tuple[object, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = model.fit()
    return res, rec


# ---------------------------------------------------------------------------------------------- class 7
def test_stability_radius_by_hand():
    # eigenvalues 1, 0.2, -0.5; tau 0.5, eta 0.1, rho 0.3: |0.6 / 0.7| = 0.857 at omega = 1,
    # |0.52 / 0.94| = 0.553 at 0.2, |0.45 / 1.15| = 0.391 at -0.5 (hand computation)
    omega = np.array([1.0, 0.2, -0.5])
    assert _dynamic.stability_radius(0.5, 0.1, 0.3, omega) == pytest.approx(0.6 / 0.7, rel=1e-12)
    # tau + eta + rho = 1.0 exactly: a unit root, not stationary
    assert _dynamic.stability_radius(0.6, 0.1, 0.3, omega) == pytest.approx(1.0, rel=1e-12)


def test_nonstationary_fit_gives_nan_long_run_effects_with_a_warning():
    # tau 0.75 + rho 0.4 > 1: an explosive process; its estimates are nonstationary
    panel, w = _dynamic_panel(12, 0.75, 0.4, burn=0)
    res, _ = _fit_recording(
        SpatialPanelModel(
            panel, "y", ["x"], w, kind="sar", fixed_effects="unit", dynamic=True, bias_correction="lee-yu"
        )
    )
    assert res.params["y(t-1)"] + res.params["rho"] >= 1
    with pytest.warns(StationarityWarning, match=r"tau = .*rho = .*long-run effects do not exist"):
        both = res.dynamic_impacts(draws=200, seed=0)
    assert both.loc["long"].isna().all().all()
    short = both.loc["short"]
    assert np.isfinite(short["estimate"]).all() and (short["std_error"] > 0).all()
    with pytest.warns(StationarityWarning):
        assert res.impacts(draws=0, horizon="long")["estimate"].isna().all()


def test_stationary_fit_keeps_its_long_run_effects():
    panel, w = _dynamic_panel(20, 0.5, 0.3)
    res, _ = _fit_recording(
        SpatialPanelModel(
            panel, "y", ["x"], w, kind="sar", fixed_effects="unit", dynamic=True, bias_correction="lee-yu"
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", StationarityWarning)
        long = res.impacts(draws=0, horizon="long")
    # row-standardised W: long-run total = beta / (1 - tau - rho) (Elhorst 2014, section 4.3)
    p = res.params
    assert long.loc[("total", "x"), "estimate"] == pytest.approx(
        p["x"] / (1 - p["y(t-1)"] - p["rho"]), rel=1e-9
    )


def test_short_panel_warns():
    panel, w = _dynamic_panel(4, 0.5, 0.3)
    _, rec = _fit_recording(
        SpatialPanelModel(
            panel, "y", ["x"], w, kind="sar", fixed_effects="unit", dynamic=True, bias_correction="lee-yu"
        )
    )
    msgs = [str(r.message) for r in rec if issubclass(r.category, SmallSampleBiasWarning)]
    assert any("4 periods" in m for m in msgs), msgs
    panel, w = _dynamic_panel(_dynamic.SMALL_T, 0.5, 0.3)
    _, rec = _fit_recording(
        SpatialPanelModel(
            panel, "y", ["x"], w, kind="sar", fixed_effects="unit", dynamic=True, bias_correction="lee-yu"
        )
    )
    assert not [r for r in rec if "periods (<" in str(r.message)]


def test_uncorrected_dynamic_estimator_warns_about_its_bias():
    # N = 49, T = 20, tau 0.5: the within estimator's tau is biased by about -(1 + tau) / T' (Nickell-type),
    # -0.04 here, about 2 standard errors (Yu, de Jong and Lee 2008, Theorem 3, evaluated by _bias)
    panel, w = _dynamic_panel(20, 0.5, 0.3)
    res, rec = _fit_recording(
        SpatialPanelModel(panel, "y", ["x"], w, kind="sar", fixed_effects="unit", dynamic=True)
    )
    msgs = [str(r.message) for r in rec if issubclass(r.category, SmallSampleBiasWarning)]
    assert any("bias_correction='none'" in m and "y(t-1)" in m for m in msgs), msgs
    assert rec[0].filename == __file__  # points at the caller
    corrected, rec = _fit_recording(
        SpatialPanelModel(
            panel, "y", ["x"], w, kind="sar", fixed_effects="unit", dynamic=True, bias_correction="lee-yu"
        )
    )
    assert not [r for r in rec if issubclass(r.category, SmallSampleBiasWarning)]
    assert corrected.params["y(t-1)"] > res.params["y(t-1)"]  # the correction moves tau up


# ---------------------------------------------------------------------------------------------- class 8
def _profile_loglik_lambda(y, x, wd, lam):
    """GNS cross-section log-likelihood maximised over rho (beta, sigma2 concentrated) at fixed lambda,
    written out with dense matrices (independent of spillover's cross-product algebra)."""
    n = len(y)
    b_mat = np.eye(n) - lam * wd
    ld_b = np.linalg.slogdet(b_mat)[1]

    def conc(rho):
        a = np.eye(n) - rho * wd
        ys, xs = b_mat @ a @ y, b_mat @ x
        beta, *_ = np.linalg.lstsq(xs, ys, rcond=None)
        e = ys - xs @ beta
        s2 = e @ e / n
        return -n / 2 * (np.log(2 * np.pi * s2) + 1) + np.linalg.slogdet(a)[1] + ld_b

    res = minimize_scalar(
        lambda r: -conc(r), bounds=(-0.99, 0.99), method="bounded", options={"xatol": 1e-12}
    )
    return -res.fun


def test_gns_standard_error_of_lambda_near_zero_matches_profile_likelihood(us_panel):
    from spillover.datasets import us_states_geometry
    from spillover.weights import to_sparse

    w = Graph.build_contiguity(us_states_geometry(), rook=False).transform("r")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SpatialCrossSectionModel(us_panel, "ln_gsp", X_US, w, period=1970, kind="gns").fit()
    lam = res.params["lambda"]
    assert abs(lam) < 0.01  # the case of issue 19: an estimate near 0 (relative steps ~1e-7)
    wd = to_sparse(w, us_panel.ids).toarray()
    n = us_panel.n_regions  # 1970 is the first period: the first N stacked (period-major) values
    y = us_panel.stacked("ln_gsp")[:n]
    xr = np.column_stack([us_panel.stacked(v)[:n] for v in X_US])
    x = np.column_stack([np.ones(len(y)), xr, wd @ xr])
    # curvature of the profile log-likelihood of lambda at its maximum: SE = 1 / sqrt(-l_p'') (central
    # differences with h = 0.02 on the smooth profile; truncation error O(h^2) well below the 5 % tolerance)
    h = 0.02
    lp = [_profile_loglik_lambda(y, x, wd, lam + d) for d in (-h, 0.0, h)]
    se_profile = 1 / np.sqrt(-(lp[0] - 2 * lp[1] + lp[2]) / h**2)
    assert se_profile == pytest.approx(0.41, abs=0.03)  # issue 19's independent value
    assert res.std_errors["lambda"] == pytest.approx(se_profile, rel=0.05)


# ---------------------------------------------------------------------------------------------- class 10
@pytest.fixture(scope="module")
def small():
    geo, w = _lattice(4)
    rng = np.random.default_rng(1)
    df = pd.DataFrame([(r, t) for r in geo.index for t in range(6)], columns=["r", "t"])
    df["x"] = rng.normal(size=len(df))
    df["y"] = 2 * df["x"] + rng.normal(size=len(df))
    return SpatialPanel(df, geo, id="r", time="t"), w


def test_a_model_cannot_be_changed_after_it_is_built(small):
    panel, w = small
    model = SpatialPanelModel(panel, "y", ["x"], w, kind="sar", fixed_effects="unit")
    with pytest.raises(ReadOnlyError, match=r"read-only once built.*'kind'.*Build a new model"):
        model.kind = "bogus"
    with pytest.raises(AttributeError):  # ReadOnlyError is an AttributeError too
        del model.fixed_effects
    model.x.append("nosuch")  # a copy: the model keeps its regressors
    assert model.x == ["x"]
    assert list(model.fit().params.index) == ["x", "rho"]
    cross = SpatialCrossSectionModel(panel, "y", ["x"], w, period=0)  # subclass sets more in its __init__
    with pytest.raises(ReadOnlyError):
        cross.estimator = "gm"


def test_spatial_results_are_read_only_all_the_way_down(small):
    panel, w = small
    res = SpatialPanelModel(panel, "y", ["x"], w, kind="sdm", fixed_effects="unit").fit()
    before = res.params.copy()
    params = res.params
    params["x"] = 99.0
    res.cov.iloc[0, 0] = 99.0
    res.x_names.append("z")
    pd.testing.assert_series_equal(res.params, before)
    assert res.cov.iloc[0, 0] != 99.0 and res.x_names == ["x"]
    with pytest.raises(AttributeError):
        res.params = before


def test_dynamic_results_are_read_only():
    panel, w = _dynamic_panel(10, 0.5, 0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SpatialPanelModel(panel, "y", ["x"], w, kind="sar", fixed_effects="unit", dynamic=True).fit()
    unc = res.uncorrected
    unc.iloc[0] = 99.0
    assert res.uncorrected.iloc[0] != 99.0


def test_panel_model_results_are_read_only(small):
    from spillover.panel_models import fixed_effects

    panel, _ = small
    res = fixed_effects(panel, "y", ["x"], fixed_effects="twoway", cluster="unit")
    before = res.params.copy()
    p = res.params
    p.iloc[0] = 99.0
    pd.testing.assert_series_equal(res.params, before)
    frame = res.to_frame()
    frame.iloc[0, 0] = 99.0
    assert res.to_frame().iloc[0, 0] != 99.0


def test_productivity_results_are_read_only():
    from spillover.datasets import rice_farms
    from spillover.productivity import dea, malmquist

    df = rice_farms()
    one = df[df["year"] == df["year"].min()]
    res = dea(one[["area", "labor", "npk"]].to_numpy(), one[["prod"]].to_numpy(), rts="vrs")
    eff = res.efficiency
    eff.iloc[0] = 99.0
    assert res.efficiency.iloc[0] <= 1.0
    frame = res.to_frame()
    frame.iloc[0, 0] = 99.0
    assert res.to_frame().iloc[0, 0] <= 1.0
    mq = malmquist(df, id="farm", time="year", inputs=["area", "labor", "npk"], outputs=["prod"])
    first = mq.indices.iloc[0, 0]
    idx = mq.indices
    idx.iloc[0, 0] = 99.0
    assert mq.indices.iloc[0, 0] == first


def test_arrays_handed_out_are_not_writeable():
    from dataclasses import dataclass

    from spillover._readonly import ReadOnly, guard

    @dataclass(frozen=True)
    class R(ReadOnly):
        draws: np.ndarray
        parts: dict

    arr = np.arange(3.0)
    r = R(arr, {"a": pd.Series([1.0])})
    with pytest.raises(ValueError, match="read-only"):
        r.draws[0] = 99.0
    r.parts["a"].iloc[0] = 99.0
    assert r.parts["a"].iloc[0] == 1.0
    assert arr.flags.writeable  # the caller's array is not frozen
    assert guard(5) == 5


def test_esda_and_indicator_results_are_read_only(us_panel, us_w):
    from spillover import esda
    from spillover.indicators import entropy_index

    lisa = esda.local_moran(us_panel, "ln_gsp", us_w, period=1986, permutations=9, seed=0)
    frame = lisa.to_frame()
    frame.iloc[0, 0] = 99.0
    assert lisa.to_frame().iloc[0, 0] != 99.0
    tiny = pd.DataFrame({"gdp": [1.0, 2.0, 3.0], "pollution": [3.0, 1.0, 2.0]}, index=list("abc"))
    ent = entropy_index(tiny, {"gdp": "+", "pollution": "-"})
    scores = ent.scores
    scores.iloc[0] = 99.0
    assert ent.scores.iloc[0] != 99.0
