"""Spatial panel ML estimation: published splm numbers, spreg, brute-force likelihoods, Lee-Yu, bad input."""

from __future__ import annotations

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import spreg
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph
from scipy.optimize import minimize_scalar
from shapely.geometry import box

from spillover.errors import ModelError, PanelError, SpilloverError, UnbalancedPanelError, WeightsError
from spillover.panel import SpatialPanel
from spillover.spatial.model import SpatialCrossSectionModel, SpatialPanelModel

X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def gal_w() -> libpysal.weights.W:
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    w.transform = "r"  # a fresh W read for this test only
    return w


def lattice(rows: int, cols: int) -> tuple[gpd.GeoDataFrame, Graph]:
    geo = gpd.GeoDataFrame(
        {"r": [f"c{i}" for i in range(rows * cols)]},
        geometry=[box(i % cols, i // cols, i % cols + 1, i // cols + 1) for i in range(rows * cols)],
    ).set_index("r")
    return geo, Graph.build_contiguity(geo, rook=True).transform("r")


def simulate_sdm(
    geo: gpd.GeoDataFrame,
    w: Graph,
    t: int,
    seed: int,
    rho: float = 0.4,
    beta=(1.0, -0.5),
    theta=(0.5, 0.3),
    sigma: float = 1.0,
) -> SpatialPanel:
    """y_t = (I - rho W)^-1 (X_t beta + W X_t theta + mu + alpha_t + e_t), period by period."""
    rng = np.random.default_rng(seed)
    ids = geo.index
    n = len(ids)
    wd = w.sparse.toarray()
    a = np.linalg.inv(np.eye(n) - rho * wd)
    mu = rng.normal(size=n)
    rows = []
    for s in range(t):
        x = rng.normal(size=(n, 2)) + mu[:, None] * 0.5
        y = a @ (
            x @ np.array(beta) + wd @ x @ np.array(theta) + mu + rng.normal() + sigma * rng.normal(size=n)
        )
        rows += [(i, s, y[j], x[j, 0], x[j, 1]) for j, i in enumerate(ids)]
    df = pd.DataFrame(rows, columns=["r", "t", "y", "x1", "x2"])
    return SpatialPanel(df, geo.reset_index(), id="r", time="t")


# ---------------------------------------------------------------------------------------------- (a) splm
# Published splm `spml` results on Produc with usaww (= states48.gal row-standardised), copied from the
# project's reference list (R splm, Millo and Piras 2012; unit fixed effects, "within").  Printed to 7
# significant digits: tolerance half a unit in the last printed decimal.
SPLM_SAR = {
    "rho": (0.274689, 0.023516),
    "ln_pcap": (-0.0465819, 0.0254425),
    "ln_pc": (0.1874325, 0.0230441),
    "ln_emp": (0.6250902, 0.0297044),
    "unemp": (-0.0044816, 0.0008653),
}
SPLM_SEM = {
    "lambda": (0.557401, 0.033075),
    "ln_pcap": (0.0051438, 0.0250109),
    "ln_pc": (0.2053026, 0.0231427),
    "ln_emp": (0.7822540, 0.0278057),
    "unemp": (-0.0022317, 0.0010709),
}


@pytest.mark.parametrize("kind, expected", [("sar", SPLM_SAR), ("sem", SPLM_SEM)])
def test_unit_fe_reproduces_splm(us_panel, us_w, kind, expected):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind=kind, fixed_effects="unit").fit()
    for name, (est, se) in expected.items():
        # splm prints 6 decimals for the spatial parameter and 7 for coefficients: estimates must agree to
        # half a unit of the last printed digit.  splm's standard errors differ from the analytic information
        # matrix by up to ~2e-5 relative (its optimize() tolerance and Hessian evaluation), which moves one
        # SE (ln_pc: 0.02304415 here) across a rounding boundary: SEs are compared to one unit of the last
        # printed digit.
        tol_est = 0.5e-6 if name in ("rho", "lambda") else 0.5e-7
        tol_se = 1e-6 if name in ("rho", "lambda") else 1e-7
        assert res.params[name] == pytest.approx(est, abs=tol_est), name
        assert res.std_errors[name] == pytest.approx(se, abs=tol_se), name


def test_unit_fe_sar_matches_spreg(us_panel, us_w, gal_w):
    # spreg 1.9.0 Panel_FE_Lag: same (unit-demeaned) likelihood; its optimiser tolerance is 1e-7.
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="unit").fit()
    y = us_panel.stacked("ln_gsp")[:, None]
    x = np.column_stack([us_panel.stacked(v) for v in X])
    ref = spreg.Panel_FE_Lag(y, x, gal_w)
    np.testing.assert_allclose(res.params[X].to_numpy(), ref.betas[:-1, 0], atol=1e-6)
    assert res.rho == pytest.approx(ref.rho, abs=1e-6)
    # (spreg's Panel_FE_Lag.logll is not comparable: it is not the within-model log-likelihood)


def test_unit_fe_sem_matches_spreg(us_panel, us_w, gal_w):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sem", fixed_effects="unit").fit()
    y = us_panel.stacked("ln_gsp")[:, None]
    x = np.column_stack([us_panel.stacked(v) for v in X])
    ref = spreg.Panel_FE_Error(y, x, gal_w)
    np.testing.assert_allclose(res.params[X].to_numpy(), ref.betas[:-1, 0], atol=1e-6)
    assert res.lam == pytest.approx(ref.lam, abs=1e-6)


# ---------------------------------------------------------------------------------------------- (b) two-way SDM
def _brute_force_twoway_sdm(
    panel: SpatialPanel, w: np.ndarray, xs: list[str], lee_yu: bool = False, fe: str = "twoway"
):
    """Independent check: LSDV with unit and time dummies (no demeaning), dense slogdet, Brent search.

    With ``lee_yu`` the likelihood is the one of the data transformed by explicit orthonormal matrices
    F_N and F_T (eigenvectors of the demeaning projections), with W* = F_N' W F_N (Lee and Yu 2010).
    """
    n, t = panel.n_regions, panel.n_periods
    ymat = panel.matrix("y").to_numpy()  # N x T
    xmats = [panel.matrix(v).to_numpy() for v in xs]
    if lee_yu:
        fn = np.linalg.eigh(np.eye(n) - 1 / n)[1][:, 1:]
        ft = np.linalg.eigh(np.eye(t) - 1 / t)[1][:, 1:]
        tr = lambda m: (fn.T @ m @ ft).T.ravel()  # noqa: E731
        ys, wys = tr(ymat), tr(w @ ymat)
        z = np.column_stack([tr(m) for m in xmats] + [tr(w @ m) for m in xmats])
        wstar = fn.T @ w @ fn
        nobs, mult, eye = (n - 1) * (t - 1), t - 1, np.eye(n - 1)
    else:
        ys, wys = ymat.T.ravel(), (w @ ymat).T.ravel()
        unit = np.tile(np.eye(n), (t, 1))
        time = np.kron(np.eye(t), np.ones((n, 1)))
        dummies = {"unit": [unit], "time": [time], "twoway": [unit, time[:, 1:]]}[fe]
        z = np.column_stack([m.T.ravel() for m in xmats] + [(w @ m).T.ravel() for m in xmats] + dummies)
        wstar, nobs, mult, eye = w, n * t, t, np.eye(n)

    def negll(rho):
        b = np.linalg.lstsq(z, ys - rho * wys, rcond=None)[0]
        e = ys - rho * wys - z @ b
        return nobs / 2 * np.log(e @ e / nobs) - mult * np.linalg.slogdet(eye - rho * wstar)[1]

    rho = minimize_scalar(negll, bounds=(-0.99, 0.99), method="bounded", options={"xatol": 1e-12}).x
    b = np.linalg.lstsq(z, ys - rho * wys, rcond=None)[0]
    return rho, b[: 2 * len(xs)]


def _brute_force_twoway_sem(panel: SpatialPanel, w: np.ndarray, xs: list[str], lee_yu: bool):
    """Independent check of the two-way SEM.

    Direct approach: LSDV of (I - lambda W) y on (I - lambda W) [X, unit and time dummies], Jacobian
    T ln|I - lambda W|.  Lee-Yu: explicit orthonormal F_N, F_T transforms and W* = F_N' W F_N.
    """
    n, t = panel.n_regions, panel.n_periods
    ymat = panel.matrix("y").to_numpy()
    xmats = [panel.matrix(v).to_numpy() for v in xs]
    if lee_yu:
        fn = np.linalg.eigh(np.eye(n) - 1 / n)[1][:, 1:]
        ft = np.linalg.eigh(np.eye(t) - 1 / t)[1][:, 1:]
        ys = fn.T @ ymat @ ft
        zs = [fn.T @ m @ ft for m in xmats]
        wstar, mult = fn.T @ w @ fn, t - 1
    else:
        unit = [np.eye(n)[:, [i]] @ np.ones((1, t)) for i in range(n)]
        time = [np.ones((n, 1)) @ np.eye(t)[[s]] for s in range(1, t)]
        ys, zs, wstar, mult = ymat, xmats + unit + time, w, t
    m = ys.shape[0]

    def fit(lam):
        f = np.eye(m) - lam * wstar
        yy = (f @ ys).T.ravel()
        zz = np.column_stack([(f @ z).T.ravel() for z in zs])
        b = np.linalg.lstsq(zz, yy, rcond=None)[0]
        return b, yy - zz @ b

    def negll(lam):
        e = fit(lam)[1]
        return len(e) / 2 * np.log(e @ e / len(e)) - mult * np.linalg.slogdet(np.eye(m) - lam * wstar)[1]

    lam = minimize_scalar(negll, bounds=(-0.99, 0.99), method="bounded", options={"xatol": 1e-12}).x
    return lam, fit(lam)[0][: len(xs)]


@pytest.mark.parametrize("correction", ["none", "lee-yu"])
def test_twoway_sem_is_exact_fe_optimum(sim31, correction):
    geo, w = sim31
    panel = simulate_sdm(geo, w, t=6, seed=5, rho=0.0)
    res = SpatialPanelModel(
        panel, "y", ["x1", "x2"], w, kind="sem", fixed_effects="twoway", bias_correction=correction
    ).fit()
    lam, b = _brute_force_twoway_sem(panel, w.sparse.toarray(), ["x1", "x2"], correction == "lee-yu")
    assert res.lam == pytest.approx(lam, abs=1e-6)
    np.testing.assert_allclose(res.params[["x1", "x2"]].to_numpy(), b, atol=1e-6)


@pytest.fixture(scope="module")
def sim31():
    geo, _ = lattice(5, 6)  # 30 regions; plus one appended below -> 31 (China-sized)
    extra = gpd.GeoDataFrame({"r": ["c30"]}, geometry=[box(6, 0, 7, 1)]).set_index("r")
    geo = pd.concat([geo, extra])
    return geo, Graph.build_contiguity(geo, rook=True).transform("r")


@pytest.mark.parametrize("fe", ["twoway", "time", "unit"])
def test_sdm_is_exact_fe_optimum(sim31, fe):
    geo, w = sim31
    panel = simulate_sdm(geo, w, t=8, seed=1)
    res = SpatialPanelModel(panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects=fe).fit()
    rho, b = _brute_force_twoway_sdm(panel, w.sparse.toarray(), ["x1", "x2"], fe=fe)
    assert res.rho == pytest.approx(rho, abs=1e-6)
    np.testing.assert_allclose(res.params[["x1", "x2", "W*x1", "W*x2"]].to_numpy(), b, atol=1e-6)


def test_twoway_sdm_matches_spreg_with_time_dummies(us_panel, us_w, gal_w):
    # spreg Panel_FE_Lag demeans by unit only; with time dummies (and W*X) as regressors -- excluded from the
    # spatial lag -- its likelihood is the exact two-way FE likelihood (lag first, then demean).
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="twoway").fit()
    n, t = us_panel.n_regions, us_panel.n_periods
    x = np.column_stack([us_panel.stacked(v) for v in X])
    wx = np.vstack([gal_w.sparse @ x[s * n : (s + 1) * n] for s in range(t)])
    dummies = np.kron(np.eye(t), np.ones((n, 1)))[:, 1:]
    ref = spreg.Panel_FE_Lag(us_panel.stacked("ln_gsp")[:, None], np.column_stack([x, wx, dummies]), gal_w)
    assert res.rho == pytest.approx(ref.rho, abs=1e-6)
    np.testing.assert_allclose(res.params.iloc[:8].to_numpy(), ref.betas[:8, 0], atol=1e-6)


def test_lee_yu_twoway_matches_orthonormal_transformation(sim31):
    geo, w = sim31
    panel = simulate_sdm(geo, w, t=6, seed=2)
    res = SpatialPanelModel(
        panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()
    rho, b = _brute_force_twoway_sdm(panel, w.sparse.toarray(), ["x1", "x2"], lee_yu=True)
    assert res.rho == pytest.approx(rho, abs=1e-6)
    np.testing.assert_allclose(res.params[["x1", "x2", "W*x1", "W*x2"]].to_numpy(), b, atol=1e-6)


def test_lee_yu_unit_only_rescales_sigma2(us_panel, us_w):
    # Lee and Yu (2010): with unit effects only, the direct approach's rho and beta are the transformation
    # approach's, and sigma2 is corrected by T/(T-1).
    plain = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="unit").fit()
    ly = SpatialPanelModel(
        us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="unit", bias_correction="lee-yu"
    ).fit()
    assert ly.rho == pytest.approx(plain.rho, abs=1e-7)
    t = us_panel.n_periods
    assert ly.sigma2 == pytest.approx(plain.sigma2 * t / (t - 1), rel=1e-7)  # rho's Brent tolerance


# ---------------------------------------------------------------------------------------------- cross-section
def test_cross_section_sdm_matches_spreg_ml_lag(us_panel, us_w, gal_w):
    res = SpatialCrossSectionModel(us_panel, "ln_gsp", X, us_w, period=1980, kind="sdm").fit()
    one = us_panel.subset(periods=[1980])
    y = one.stacked("ln_gsp")[:, None]
    x = np.column_stack([one.stacked(v) for v in X])
    ref = spreg.ML_Lag(y, x, gal_w, slx_lags=1, method="full")
    # spreg ML_Lag betas: const, X, WX, rho; its Brent tolerance is 1e-7 -> compare at 1e-5
    np.testing.assert_allclose(res.params.to_numpy(), ref.betas[:, 0], atol=1e-5)
    assert res.loglik == pytest.approx(ref.logll, abs=1e-4)


def test_cross_section_needs_a_period(us_panel, us_w):
    with pytest.raises(ModelError, match="period="):
        SpatialCrossSectionModel(us_panel, "ln_gsp", X, us_w)


# ---------------------------------------------------------------------------------------------- sparse path
@pytest.mark.parametrize(
    "kind, correction", [("sdm", "none"), ("sdm", "lee-yu"), ("sem", "none"), ("sdem", "lee-yu")]
)
def test_sparse_path_equals_dense_path(kind, correction):
    geo, w = lattice(8, 9)
    panel = simulate_sdm(geo, w, t=5, seed=3)
    kw = dict(kind=kind, fixed_effects="twoway", bias_correction=correction)
    dense = SpatialPanelModel(panel, "y", ["x1", "x2"], w, method="dense", **kw).fit()
    sparse = SpatialPanelModel(panel, "y", ["x1", "x2"], w, method="sparse", **kw).fit()
    # the sparse log-determinant (LU) is exact: same optimum up to the optimiser's tolerance
    np.testing.assert_allclose(sparse.params.to_numpy(), dense.params.to_numpy(), atol=1e-7)
    # standard errors use power-series traces with exact low powers and a Hutchinson remainder.  Over 40
    # probe seeds on this 72-region lattice (where Monte-Carlo error is largest; it shrinks like 1/sqrt(N))
    # the relative sd of tr(Wt Wt) + tr(Wt'Wt) is 0.3 %, i.e. about 0.15 % on a standard error: 1 % is
    # more than six sd
    np.testing.assert_allclose(sparse.std_errors.to_numpy(), dense.std_errors.to_numpy(), rtol=1e-2)
    assert sparse.sigma2_se == pytest.approx(dense.sigma2_se, rel=1e-2)


# ---------------------------------------------------------------------------------------------- (d) simulation
@pytest.mark.parametrize("seed", [10, 11, 12])
def test_simulated_twoway_sdm_recovers_parameters(sim31, seed):
    geo, w = sim31
    panel = simulate_sdm(geo, w, t=15, seed=seed, rho=0.4)
    res = SpatialPanelModel(panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway").fit()
    truth = pd.Series({"x1": 1.0, "x2": -0.5, "W*x1": 0.5, "W*x2": 0.3, "rho": 0.4})
    z = (res.params[truth.index] - truth) / res.std_errors[truth.index]
    # each estimate within 3.5 standard errors of the truth (a false failure has probability ~5e-4 each)
    assert (z.abs() < 3.5).all(), z
    assert res.sigma2 == pytest.approx(1.0, abs=4 * res.sigma2_se)


def _china_nested_panel(seed: int, t: int = 15, rho: float = 0.4) -> tuple[SpatialPanel, Graph]:
    """China's 31 provinces, nested (multiplicative) W from a simulated GDP per capita, two-way SDM data."""
    from spillover import weights
    from spillover.datasets import china_provinces

    prov = china_provinces()
    rng = np.random.default_rng(seed)
    ids = prov["province"].tolist()
    n = len(ids)
    gdp = np.exp(rng.normal(size=n))
    df = pd.DataFrame(
        [(i, s, gdp[j] * (1 + 0.02 * s)) for s in range(t) for j, i in enumerate(ids)],
        columns=["province", "year", "gdp_pc"],
    )
    base = SpatialPanel(df, prov, id="province", time="year")
    w = weights.nested(base, "gdp_pc")
    wd = weights.to_sparse(w, base.ids).toarray()
    a = np.linalg.inv(np.eye(n) - rho * wd)
    mu = rng.normal(size=n)
    rows = []
    for s in range(t):
        x = rng.normal(size=(n, 2)) + 0.5 * mu[:, None]
        y = a @ (x @ [1.0, -0.5] + wd @ x @ [0.5, 0.3] + mu + rng.normal() + rng.normal(size=n))
        rows += [(i, s, y[j], x[j, 0], x[j, 1]) for j, i in enumerate(base.ids)]
    extra = pd.DataFrame(rows, columns=["province", "year", "y", "x1", "x2"]).set_index(["province", "year"])
    return base.with_data(extra), w


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simulated_twoway_sdm_on_china_nested_w(seed):
    # With time effects and a dense W (nested weights, N = 31) the direct approach's rho is biased by O(1/N)
    # (Lee and Yu 2010; in 20 simulated panels the mean z of rho was -4.7); the Lee-Yu transformation
    # approach removes it (mean z -0.1, SD 1.1 over the same 20 panels), so that is what is checked here.
    panel, w = _china_nested_panel(seed)
    res = SpatialPanelModel(
        panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()
    truth = pd.Series({"x1": 1.0, "x2": -0.5, "W*x1": 0.5, "W*x2": 0.3, "rho": 0.4})
    z = (res.params[truth.index] - truth) / res.std_errors[truth.index]
    assert (z.abs() < 3.5).all(), z


def _numerical_se(
    panel: SpatialPanel, w: np.ndarray, xs: list[str], params: np.ndarray, sigma2: float
) -> np.ndarray:
    """SEs from the observed (finite-difference) Hessian of the explicitly transformed two-way likelihood."""
    n, t = panel.n_regions, panel.n_periods
    fn = np.linalg.eigh(np.eye(n) - 1 / n)[1][:, 1:]
    ft = np.linalg.eigh(np.eye(t) - 1 / t)[1][:, 1:]
    tr = lambda m: (fn.T @ m @ ft).T.ravel()  # noqa: E731
    ymat = panel.matrix("y").to_numpy()
    xm = [panel.matrix(v).to_numpy() for v in xs]
    ys, wys = tr(ymat), tr(w @ ymat)
    z = np.column_stack([tr(m) for m in xm] + [tr(w @ m) for m in xm])
    wstar = fn.T @ w @ fn

    def ll(p):
        e = ys - p[-2] * wys - z @ p[:-2]
        return (
            -len(ys) / 2 * np.log(2 * np.pi * p[-1])
            + (t - 1) * np.linalg.slogdet(np.eye(n - 1) - p[-2] * wstar)[1]
            - e @ e / (2 * p[-1])
        )

    p0 = np.append(params, sigma2)
    k = len(p0)
    steps = 1e-4 * np.maximum(1, np.abs(p0))
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * steps[i], np.eye(k)[j] * steps[j]
            hess[i, j] = (ll(p0 + ei + ej) - ll(p0 + ei - ej) - ll(p0 - ei + ej) + ll(p0 - ei - ej)) / (
                4 * steps[i] * steps[j]
            )
    return np.sqrt(np.diag(np.linalg.inv(-hess)))


def test_analytic_information_agrees_with_observed_hessian_for_dense_w():
    # Regression test: the rho-rho information must use the *demeaned* Wt X b.  Without the demeaning the
    # analytic SE of rho was 5x too small on this panel (dense nested W with time effects).  Expected and
    # observed information differ in finite samples (here by ~6 % for rho): tolerance 15 %.
    from spillover import weights

    panel, w = _china_nested_panel(seed=4)
    res = SpatialPanelModel(
        panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()
    wd = weights.to_sparse(w, panel.ids).toarray()
    se = _numerical_se(panel, wd, ["x1", "x2"], res.params.to_numpy(), res.sigma2)
    np.testing.assert_allclose(res.std_errors.to_numpy(), se[:-1], rtol=0.15)
    assert res.sigma2_se == pytest.approx(se[-1], rel=0.05)


def test_sdem_equals_sem_with_lagged_regressors(us_panel, us_w):
    sdem = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdem", fixed_effects="twoway").fit()
    data = us_panel.data
    wd = us_w.sparse.toarray()
    extra = pd.DataFrame(index=data.index)
    for v in X:
        m = us_panel.matrix(v)
        # "W_" not "W*": the "W*" prefix is reserved for the lags the models generate
        extra[f"W_{v}"] = pd.DataFrame(wd @ m.to_numpy(), index=m.index, columns=m.columns).stack()
    panel = us_panel.with_data(extra)
    sem = SpatialPanelModel(
        panel, "ln_gsp", X + [f"W_{v}" for v in X], us_w, kind="sem", fixed_effects="twoway"
    ).fit()
    np.testing.assert_allclose(sdem.params.to_numpy(), sem.params.to_numpy(), atol=1e-8)
    # (the two optimisations run on different but equivalent inputs: lambda agrees to ~1e-9)
    np.testing.assert_allclose(sdem.std_errors.to_numpy(), sem.std_errors.to_numpy(), rtol=1e-6)


def test_slx_is_ols_on_x_and_wx(us_panel, us_w):
    from spillover.spatial._likelihood import demean, lag

    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="slx", fixed_effects="twoway").fit()
    n = us_panel.n_regions
    x = np.column_stack([us_panel.stacked(v) for v in X])
    z = demean(np.column_stack([x, lag(us_w.sparse, x, n)]), n, "twoway")
    y = demean(us_panel.stacked("ln_gsp"), n, "twoway")
    b = np.linalg.lstsq(z, y, rcond=None)[0]
    e = y - z @ b
    np.testing.assert_allclose(res.params.to_numpy(), b, atol=1e-10)
    # ML variance: sigma2 = e'e / NT (the fixed effects are not counted, as in Elhorst's and xsmle's ML)
    np.testing.assert_allclose(
        res.std_errors.to_numpy(), np.sqrt(np.diag(e @ e / len(y) * np.linalg.inv(z.T @ z))), rtol=1e-10
    )
    assert res.rho is None and res.lam is None


@pytest.mark.filterwarnings("ignore:Method 'bounded' does not support relative tolerance:RuntimeWarning")
def test_cross_section_sem_matches_spreg_ml_error(us_panel, us_w, gal_w):
    res = SpatialCrossSectionModel(us_panel, "ln_gsp", X, us_w, period=1975, kind="sem").fit()
    one = us_panel.subset(periods=[1975])
    ref = spreg.ML_Error(
        one.stacked("ln_gsp")[:, None], np.column_stack([one.stacked(v) for v in X]), gal_w, method="full"
    )
    # spreg's lambda is 2e-5 away from ours on this flat likelihood; ours is the better optimum (checked below
    # with an independent lstsq evaluation), so the comparison is at 5e-5
    np.testing.assert_allclose(res.params.to_numpy(), ref.betas[:, 0], atol=5e-5)
    y = one.stacked("ln_gsp")
    x = np.column_stack([np.ones(48)] + [one.stacked(v) for v in X])
    wd = us_w.sparse.toarray()

    def loglik(lam):
        yy, xx = y - lam * wd @ y, x - lam * wd @ x
        e = yy - xx @ np.linalg.lstsq(xx, yy, rcond=None)[0]
        return -24 * np.log(e @ e) + np.linalg.slogdet(np.eye(48) - lam * wd)[1]

    assert loglik(res.lam) >= loglik(float(ref.lam))


def test_integer_ids_and_shuffled_rows_give_the_same_fit(sim31):
    geo, w = sim31
    panel = simulate_sdm(geo, w, t=5, seed=7)
    res = SpatialPanelModel(panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway").fit()
    codes = {r: k * 10 for k, r in enumerate(panel.ids)}
    df = panel.data.reset_index().sample(frac=1.0, random_state=0)
    df["r"] = df["r"].map(codes)
    geo2 = panel.geometry.reset_index()
    geo2["r"] = geo2["r"].map(codes)
    panel2 = SpatialPanel(df, geo2, id="r", time="t")
    adj = w.adjacency.reset_index()
    adj["focal"], adj["neighbor"] = adj["focal"].map(codes), adj["neighbor"].map(codes)
    res2 = SpatialPanelModel(
        panel2, "y", ["x1", "x2"], Graph.from_adjacency(adj), kind="sdm", fixed_effects="twoway"
    ).fit()
    np.testing.assert_allclose(res2.params.to_numpy(), res.params.to_numpy(), atol=1e-10)


# ---------------------------------------------------------------------------------------------- results object
def test_result_is_read_only_and_labelled(us_panel, us_w):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="twoway").fit()
    with pytest.raises(AttributeError):
        res.sigma2 = 1.0
    assert list(res.params.index) == X + [f"W*{v}" for v in X] + ["rho"]
    assert res.aic == pytest.approx(-2 * res.loglik + 2 * 10)
    assert res.bic == pytest.approx(-2 * res.loglik + 10 * np.log(816))
    assert 0 < res.r2 < 1
    fe = res.fixed_effects_estimates()
    assert abs(fe["unit"].sum()) < 1e-8 and abs(fe["time"].sum()) < 1e-8
    assert list(fe["unit"].index) == list(us_panel.ids)


def test_fixed_effects_recover_mean_residual(us_panel, us_w):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="unit").fit()
    mu = res.fixed_effects_estimates()["unit"]
    # Elhorst (2014, eq. 3.9): mu_i = mean_t (y - rho W y - X b); check Alabama by hand
    w = us_w.sparse.toarray()
    ym = us_panel.matrix("ln_gsp").to_numpy()
    xm = np.stack([us_panel.matrix(v).to_numpy() for v in X], axis=2)
    r = ym - res.rho * (w @ ym) - xm @ res.params[X].to_numpy()
    assert mu["Alabama"] == pytest.approx(r[0].mean(), abs=1e-10)


# ---------------------------------------------------------------------------------------------- (e) errors
def test_unbalanced_panel_is_refused(us_panel):
    df = us_panel.data.reset_index().iloc[1:]
    with pytest.raises(UnbalancedPanelError, match="unbalanced"):
        SpatialPanel(df, us_panel.geometry.reset_index(), id="state", time="year")


def test_nan_in_x_names_the_cell(us_panel, us_w):
    df = us_panel.data.reset_index()
    df.loc[(df["state"] == "Ohio") & (df["year"] == 1975), "unemp"] = np.nan
    panel = SpatialPanel(df, us_panel.geometry.reset_index(), id="state", time="year")
    with pytest.raises(UnbalancedPanelError, match=r"unemp.*Ohio.*1975"):
        SpatialPanelModel(panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="unit").fit()


def test_regressor_absorbed_by_unit_effects_is_named(us_panel, us_w):
    df = us_panel.data.reset_index()
    df["area"] = df.groupby("state")["gsp"].transform("first")
    panel = us_panel.with_data(df.set_index(["state", "year"])[["area"]])
    with pytest.raises(ModelError, match=r"'area'.*absorbed by the unit fixed effects"):
        SpatialPanelModel(panel, "ln_gsp", ["ln_pc", "area"], us_w, kind="sar", fixed_effects="unit").fit()


def test_collinear_regressors_are_named(us_panel, us_w):
    df = us_panel.data.reset_index()
    df["ln_pc2"] = 2 * df["ln_pc"] - df["ln_emp"]
    panel = us_panel.with_data(df.set_index(["state", "year"])[["ln_pc2"]])
    with pytest.raises(ModelError, match=r"'ln_pc', 'ln_emp', 'ln_pc2' are perfectly collinear"):
        SpatialPanelModel(
            panel, "ln_gsp", ["ln_pc", "ln_emp", "ln_pc2"], us_w, kind="sar", fixed_effects="twoway"
        ).fit()


def test_weights_with_other_ids_are_refused(us_panel, us_w):
    wrong = us_w.rename_ids if hasattr(us_w, "rename_ids") else None  # noqa: F841
    adj = us_w.adjacency.reset_index()
    adj["focal"] = adj["focal"].replace({"Ohio": "OHIO"})
    adj["neighbor"] = adj["neighbor"].replace({"Ohio": "OHIO"})
    bad = Graph.from_adjacency(adj)
    with pytest.raises(WeightsError, match="OHIO"):
        SpatialPanelModel(us_panel, "ln_gsp", X, bad, kind="sar", fixed_effects="unit").fit()


def test_error_model_with_time_effects_needs_row_standardised_w(us_panel, us_w):
    binary = us_w.transform("b")
    with pytest.raises(WeightsError, match="row-standardised"):
        SpatialPanelModel(us_panel, "ln_gsp", X, binary, kind="sem", fixed_effects="twoway").fit()


def test_rho_at_the_bound_is_refused():
    # On a rook lattice (bipartite) the checkerboard c satisfies W c = -c, so y = 10 c + tiny noise is fitted
    # perfectly at rho = -1 = 1/lambda_min: the likelihood increases all the way to the lower bound.
    geo, w = lattice(4, 4)
    rng = np.random.default_rng(0)
    checker = {f"c{i}": (-1.0) ** (i % 4 + i // 4) for i in range(16)}
    rows = [(i, t, 10 * checker[i] + 1e-9 * rng.normal(), rng.normal()) for t in range(3) for i in geo.index]
    df = pd.DataFrame(rows, columns=["r", "t", "y", "x1"])
    panel = SpatialPanel(df, geo.reset_index(), id="r", time="t")
    with pytest.raises(ModelError, match="lower bound"):
        SpatialPanelModel(panel, "y", ["x1"], w, kind="sar", fixed_effects="none").fit()


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"kind": "sdmx"}, "'kind' needs to be one of"),
        ({"fixed_effects": "both"}, "'fixed_effects' needs to be one of"),
        ({"bias_correction": "lee_yu"}, "'bias_correction' needs to be one of"),
        ({"kind": "sar", "durbin": ["ln_pc"]}, "durbin"),
        ({"kind": "sdm", "durbin": ["gsp"]}, "not among the regressors"),
    ],
)
def test_bad_options_are_named(us_panel, us_w, kwargs, pattern):
    with pytest.raises(ModelError, match=pattern):
        SpatialPanelModel(us_panel, "ln_gsp", X, us_w, **kwargs)


@pytest.mark.parametrize(
    "x, pattern",
    [
        ([], "x is empty"),
        (["ln_pc", "ln_pc"], "'ln_pc' more than once"),
        (["ln_gsp"], "'ln_gsp' is also listed"),
    ],
)
def test_bad_regressor_lists_are_named(us_panel, us_w, x, pattern):
    with pytest.raises(ModelError, match=pattern):
        SpatialPanelModel(us_panel, "ln_gsp", x, us_w)


def test_one_regressor_may_be_a_string(us_panel, us_w):
    assert SpatialPanelModel(us_panel, "ln_gsp", "ln_emp", us_w).x == ["ln_emp"]


def test_all_errors_are_spillover_errors():
    assert issubclass(ModelError, SpilloverError) and issubclass(WeightsError, SpilloverError)
    assert issubclass(PanelError, SpilloverError)


def test_weights_of_the_wrong_type_are_refused(sim31):
    geo, w = sim31
    panel = simulate_sdm(geo, w, t=3, seed=0)
    with pytest.raises(WeightsError, match="ndarray"):
        SpatialPanelModel(panel, "y", ["x1"], np.eye(31), kind="sar").fit()


_SCALE_PANEL: dict[str, SpatialPanel] = {}


@settings(max_examples=8, deadline=None)
@given(scale=st.floats(min_value=1e-3, max_value=1e3), shift=st.floats(min_value=-100, max_value=100))
def test_scale_and_shift_invariance(scale, shift):
    # y -> a*y + c under two-way effects: rho unchanged, coefficients times a (the shift is absorbed)
    if "p" not in _SCALE_PANEL:
        geo, w = lattice(4, 5)
        _SCALE_PANEL["p"], _SCALE_PANEL["w"] = simulate_sdm(geo, w, t=4, seed=9), w
    panel, w = _SCALE_PANEL["p"], _SCALE_PANEL["w"]
    base = SpatialPanelModel(panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway").fit()
    df = panel.data.reset_index()
    df["y2"] = scale * df["y"] + shift
    moved = SpatialPanel(df, panel.geometry.reset_index(), id="r", time="t")
    res = SpatialPanelModel(moved, "y2", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway").fit()
    assert res.rho == pytest.approx(base.rho, abs=1e-6)  # Brent tolerance on rho
    np.testing.assert_allclose(res.params.iloc[:4] / scale, base.params.iloc[:4], atol=1e-5)
    assert res.sigma2 / scale**2 == pytest.approx(base.sigma2, rel=1e-5)


def test_lee_yu_without_fixed_effects_is_refused(us_panel, us_w):
    with pytest.raises(ModelError, match="nothing to correct"):
        SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", bias_correction="lee-yu")


def test_weights_without_links_or_with_self_links_are_refused(sim31):
    geo, w = sim31
    panel = simulate_sdm(geo, w, t=3, seed=0)
    ids = list(panel.ids)
    empty = pd.DataFrame(0.0, index=ids, columns=ids)
    with pytest.raises(WeightsError, match="no links"):
        SpatialPanelModel(panel, "y", ["x1"], empty, kind="sar").fit()
    selfish = pd.DataFrame(w.sparse.toarray() + np.eye(31), index=ids, columns=ids)
    with pytest.raises(WeightsError, match="diagonal"):
        SpatialPanelModel(panel, "y", ["x1"], selfish, kind="sar").fit()
