"""spreg as an engine (``engine="spreg"``) and ``from_spreg``: native and spreg estimates agree.

Provenance: every reference number is produced by spreg 1.9 run directly in the test (the other established
implementation); the only hand number is spreg's own printed impacts of the Columbus SDM, which the tests
recompute from spreg's estimates.

Tolerances: native and spreg maximise the same concentrated likelihood in one parameter, each with a bounded
Brent search to 1e-10 (spreg's ``epsilon`` is set to 1e-10 by the engine), so the estimates agree to ~1e-8;
1e-6 leaves room for the flat direction of the likelihood.  spreg's random-effects SAR alternates
one-dimensional searches in rho and the variance ratio until the ratio moves by less than epsilon, not the
joint optimum, so it agrees only to ~1e-4 (the test says so with 5e-4).
"""

from __future__ import annotations

import contextlib
import io

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import spreg
from libpysal.graph import Graph

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.spatial import from_spreg
from spillover.spatial.model import SpatialCrossSectionModel, SpatialPanelModel

X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


@pytest.fixture(scope="module")
def gal_w() -> libpysal.weights.W:
    """states48.gal read fresh and row-standardised (the same matrix as the us_w Graph)."""
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    w.transform = "r"
    return w


@pytest.mark.parametrize(
    ("kind", "fe"),
    [
        ("sar", "unit"),
        ("sdm", "unit"),
        ("sem", "unit"),
        ("sdem", "unit"),
        ("sar", "none"),
        ("sem", "none"),
    ],
)
def test_panel_engines_agree(us_panel, us_w, kind, fe):
    kw = {"kind": kind, "fixed_effects": fe}
    if fe == "none":  # pooled: spreg takes dense eigenvalues of I_T kron W, so 3 periods keep it quick
        us_panel = us_panel.subset(periods=[1970, 1971, 1972])
    if kind in ("sdm", "sdem"):
        kw["durbin"] = ["ln_pc", "unemp"]  # a subset: checks slx_vars
    native = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, **kw).fit()
    via = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, engine="spreg", **kw).fit()
    assert list(via.params.index) == list(native.params.index)
    # spreg's ML_Error stops ~1.4e-6 from the optimum in lambda on the pooled panel, where the likelihood is
    # flat (logL 1e-10 below the native optimum): 1e-5 there, 1e-6 elsewhere
    tol = 1e-5 if (kind, fe) == ("sem", "none") else 1e-6
    np.testing.assert_allclose(via.params, native.params, atol=tol)
    np.testing.assert_allclose(via.std_errors, native.std_errors, rtol=10 * tol)
    assert via.loglik <= native.loglik + 1e-9
    assert via.loglik == pytest.approx(native.loglik, abs=1e-8)
    np.testing.assert_allclose(
        via.impacts(draws=200)["estimate"], native.impacts(draws=200)["estimate"], atol=1e-6
    )


@pytest.mark.parametrize("kind", ["sar", "sdm", "sem", "sdem"])
def test_cross_section_engines_agree(us_panel, us_w, kind):
    native = SpatialCrossSectionModel(us_panel, "ln_gsp", X, us_w, period=1980, kind=kind).fit()
    via = SpatialCrossSectionModel(us_panel, "ln_gsp", X, us_w, period=1980, kind=kind, engine="spreg").fit()
    # spreg's ML_Error evaluates its criterion as y'y - y'X(X'X)^-1X'y (cancellation: ln_gsp ~ 10, residual
    # variance ~ 1e-2) and stops where that noise meets the flat top: lambda 6e-6 (SEM) to 2e-5 (SDEM) from
    # the optimum with logL < 1e-9 below it.  The lag models' criterion has no such cancellation: 1e-6.
    tol = 1e-4 if kind in ("sem", "sdem") else 1e-6
    np.testing.assert_allclose(via.params, native.params, atol=tol)
    np.testing.assert_allclose(via.std_errors, native.std_errors, rtol=tol)
    assert via.loglik <= native.loglik + 1e-9
    assert via.loglik == pytest.approx(native.loglik, abs=1e-8)


def test_random_effects_sar_engines_agree_to_spregs_tolerance(us_panel, us_w):
    us_panel = us_panel.subset(periods=list(range(1970, 1976)))  # spreg's ML_LagRE is slow on all 17 years
    native = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, fixed_effects="random").fit()
    via = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, fixed_effects="random", engine="spreg").fit()
    np.testing.assert_allclose(via.params, native.params, atol=5e-4)
    assert via.loglik <= native.loglik + 1e-9  # spreg stops short of the joint optimum, never beyond it
    assert via.loglik == pytest.approx(native.loglik, abs=1e-3)


def test_spreg_standard_errors_are_its_own_information(us_panel, us_w, gal_w):
    """Where spreg's vm is the analytic information matrix, ours (at spreg's estimates) reproduces it."""
    y = us_panel.stacked("ln_gsp")[:, None]
    x = np.column_stack([us_panel.stacked(v) for v in X])
    with contextlib.redirect_stdout(io.StringIO()):
        fe = spreg.ML_LagFE(y, x, gal_w, name_x=X, epsilon=1e-10)
    via = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, fixed_effects="unit", engine="spreg").fit()
    np.testing.assert_allclose(via.std_errors, np.sqrt(np.diag(fe.vm)), rtol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"fixed_effects": "twoway"}, "twoway fixed effects"),
        ({"fixed_effects": "time"}, "time fixed effects"),
        ({"fixed_effects": "unit", "bias_correction": "lee-yu"}, "Lee-Yu"),
        ({"kind": "slx", "fixed_effects": "unit"}, "SLX"),
        ({"kind": "sem", "fixed_effects": "random"}, "ML_ErrorRE"),
    ],
)
def test_uncovered_cases_are_named(us_panel, us_w, kwargs, pattern):
    with pytest.raises(ModelError, match=pattern):
        SpatialPanelModel(us_panel, "ln_gsp", X, us_w, engine="spreg", **kwargs)


def test_unknown_engine_is_refused(us_panel, us_w):
    with pytest.raises(ModelError, match="engine"):
        SpatialPanelModel(us_panel, "ln_gsp", X, us_w, engine="stata")


# ---------------------------------------------------------------------------------------------- from_spreg
@pytest.fixture(scope="module")
def columbus():
    """spreg's own example data set (libpysal's Columbus crime), as spreg's documentation fits it."""
    db = libpysal.io.open(libpysal.examples.get_path("columbus.dbf"))
    y = np.array(db.by_col("CRIME"))[:, None]
    x = np.array([db.by_col("INC"), db.by_col("HOVAL")]).T
    w = libpysal.weights.Queen.from_shapefile(libpysal.examples.get_path("columbus.shp"))
    w.transform = "r"
    geo = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    ids = list(w.id_order)
    df = pd.DataFrame({"id": ids, "t": 0, "CRIME": y[:, 0], "INC": x[:, 0], "HOVAL": x[:, 1]})
    geo = gpd.GeoDataFrame({"id": ids}, geometry=geo.geometry.to_numpy())
    panel = SpatialPanel(df, geo, id="id", time="t")
    graph = Graph.from_W(w)
    return y, x, w, panel, graph


def test_from_spreg_sdm_reproduces_native_impacts(columbus):
    y, x, w, panel, graph = columbus
    with contextlib.redirect_stdout(io.StringIO()):
        sdm = spreg.ML_Lag(y, x, w, slx_lags=1, name_x=["INC", "HOVAL"], epsilon=1e-10)
    wrapped = from_spreg(sdm, w)
    native = SpatialCrossSectionModel(panel, "CRIME", ["INC", "HOVAL"], graph, kind="sdm").fit()
    assert list(wrapped.params.index) == list(native.params.index)
    np.testing.assert_allclose(wrapped.params, native.params, atol=1e-6)
    a, b = wrapped.impacts(draws=1000, seed=1), native.impacts(draws=1000, seed=1)
    np.testing.assert_allclose(a["estimate"], b["estimate"], atol=1e-6)
    # simulated SEs from spreg's vm vs spillover's information matrix at the same seed: same draws up to the
    # covariance, which spreg computes from the same analytic information (1e-3 relative)
    np.testing.assert_allclose(a["std_error"], b["std_error"], rtol=1e-3)
    # spreg's printed "simple" impacts: direct = beta, total = (beta + theta)/(1 - rho) -- the total agrees,
    # the direct does not (spreg puts theta's share of the direct effect into the indirect one)
    beta_inc = float(sdm.betas[1, 0])
    theta_inc = float(sdm.betas[3, 0])
    rho = float(sdm.rho)
    assert a.loc[("total", "INC"), "estimate"] == pytest.approx((beta_inc + theta_inc) / (1 - rho), rel=1e-9)
    assert abs(a.loc[("direct", "INC"), "estimate"] - beta_inc) > 0.1


def test_from_spreg_error_and_panel_models(columbus, us_panel, us_w, gal_w):
    y, x, w, *_ = columbus
    with contextlib.redirect_stdout(io.StringIO()):
        sem = spreg.ML_Error(y, x, w, name_x=["INC", "HOVAL"])
    res = from_spreg(sem, w)
    assert res.kind == "sem" and list(res.params.index) == ["const", "INC", "HOVAL", "lambda"]
    imp = res.impacts(draws=0)  # error model: direct = beta, no indirect effect
    assert imp.loc[("direct", "INC"), "estimate"] == pytest.approx(res.params["INC"], rel=1e-12)
    assert imp.loc[("indirect", "INC"), "estimate"] == pytest.approx(0.0, abs=1e-12)
    yp = us_panel.stacked("ln_gsp")[:, None]
    xp = np.column_stack([us_panel.stacked(v) for v in X])
    with contextlib.redirect_stdout(io.StringIO()):
        fe = spreg.ML_LagFE(yp, xp, gal_w, slx_lags=1, name_x=X, epsilon=1e-10)
    wrapped = from_spreg(fe, gal_w)
    native = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="unit").fit()
    assert wrapped.fixed_effects == "unit" and wrapped.n_periods == 17
    np.testing.assert_allclose(
        wrapped.impacts(draws=0)["estimate"], native.impacts(draws=0)["estimate"], atol=1e-6
    )


def test_from_spreg_refuses_other_models(columbus):
    y, x, w, *_ = columbus
    with contextlib.redirect_stdout(io.StringIO()):
        ols = spreg.OLS(y, x, w=w)
    with pytest.raises(ModelError, match="OLS"):
        from_spreg(ols, w)


# ---------------------------------------------------------------------------------------------- GMM via spreg
@pytest.mark.parametrize(
    ("kind", "estimator", "spreg_call"),
    [
        ("sdm", "gm", lambda y, x, w: spreg.GM_Lag(y, x, w=w, w_lags=1, slx_lags=1, name_x=["INC", "HOVAL"])),
        (
            "sar",
            "gm-het",
            lambda y, x, w: spreg.GM_Lag(y, x, w=w, w_lags=1, robust="white", name_x=["INC", "HOVAL"]),
        ),
        ("sem", "gm", lambda y, x, w: spreg.GM_Error_Hom(y, x, w, name_x=["INC", "HOVAL"])),
        ("sdem", "gm-het", lambda y, x, w: spreg.GM_Error_Het(y, x, w, slx_lags=1, name_x=["INC", "HOVAL"])),
    ],
)
def test_gmm_estimators_are_spregs_own(columbus, kind, estimator, spreg_call):
    """estimator='gm'/'gm-het' runs spreg's GMM estimator: the same estimates and covariance as spreg called
    directly (reference: spreg 1.9 in the test; same data, same code path: 1e-10)."""
    y, x, w, panel, graph = columbus
    with contextlib.redirect_stdout(io.StringIO()):
        ref = spreg_call(y, x, w)
    res = SpatialCrossSectionModel(
        panel, "CRIME", ["INC", "HOVAL"], graph, kind=kind, engine="spreg", estimator=estimator
    ).fit()
    k = len(res.params)
    np.testing.assert_allclose(res.params.to_numpy(), np.ravel(ref.betas)[:k], rtol=1e-10)
    np.testing.assert_allclose(res.cov.to_numpy(), np.asarray(ref.vm)[:k, :k], rtol=1e-10)
    assert res.params.index[-1] == ("rho" if kind in ("sar", "sdm") else "lambda")
    assert np.isnan(res.loglik) or kind in ("sem", "sdem")  # GM_Lag has no likelihood
    imp = res.impacts(draws=200, seed=0)
    if kind in ("sar", "sdm"):  # total effect of a lag model: (beta + theta) / (1 - rho), by hand
        beta = res.params["INC"] + (res.params["W*INC"] if kind == "sdm" else 0.0)
        assert imp.loc[("total", "INC"), "estimate"] == pytest.approx(
            beta / (1 - res.params["rho"]), rel=1e-9
        )


def test_gmm_estimator_needs_the_spreg_engine_and_a_covered_kind(columbus):
    *_, panel, graph = columbus
    with pytest.raises(ModelError, match="engine='spreg'"):
        SpatialCrossSectionModel(panel, "CRIME", ["INC", "HOVAL"], graph, estimator="gm")
    with pytest.raises(ModelError, match="GM_Combo"):
        SpatialCrossSectionModel(
            panel, "CRIME", ["INC", "HOVAL"], graph, kind="sac", engine="spreg", estimator="gm"
        )
    with pytest.raises(ModelError, match="estimator"):
        SpatialCrossSectionModel(panel, "CRIME", ["INC", "HOVAL"], graph, engine="spreg", estimator="gmm")


def test_from_spreg_gm_lag_keeps_every_regressor(columbus):
    """GM_Lag lists the spatial lag among its endogenous variables (name_z), not in name_x: wrapping it once
    dropped the last regressor and called it rho.  Reference: spreg's own betas, position by position."""
    y, x, w, *_ = columbus
    with contextlib.redirect_stdout(io.StringIO()):
        sdm = spreg.GM_Lag(y, x, w=w, slx_lags=1, name_x=["INC", "HOVAL"])
        kp = spreg.GM_Error(y, x, w, name_x=["INC", "HOVAL"])
    res = from_spreg(sdm, w)
    assert list(res.params.index) == ["const", "INC", "HOVAL", "W*INC", "W*HOVAL", "rho"]
    np.testing.assert_array_equal(res.params.to_numpy(), np.ravel(sdm.betas))
    assert res.params["rho"] == float(np.ravel(sdm.rho)[0])
    with pytest.raises(ModelError, match="no covariance for lambda"):  # its vm is 3 x 3 for 4 parameters
        from_spreg(kp, w)
