"""Random-effects SAR and SEM: ``SpatialPanelModel(..., fixed_effects="random")``.

References used here (numbers copied into this file; nothing is read from the shared reference folder at test time):

* R splm ``spml(ln_gsp ~ ln_pcap + ln_pc + ln_emp + unemp, data = Produc, listw = usaww, model = "random",
  lag = TRUE)`` on the 48 contiguous US states 1970-1986 (Munnell's Produc; usaww is the row-standardised
  queen matrix of libpysal's states48.gal), as listed in the project's reference notes:
  lambda 0.161615 (se 0.029099), phi = sigma2_mu / sigma2 21.3175, intercept 1.65814995,
  ln_pcap 0.01294505, ln_pc 0.22555376, ln_emp 0.67081075, unemp -0.00579716.
* spreg 1.9.0 ``ML_LagRE`` on the same data (an independent implementation of the same estimator).
* The multivariate-normal density of y (scipy.stats.multivariate_normal with the dense NT x NT covariance
  of each model) as an independent evaluation of the log-likelihoods.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import spreg
from libpysal.graph import Graph
from scipy.stats import multivariate_normal
from shapely.geometry import Point

import spillover
from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.spatial import SpatialPanelModel, hausman
from spillover.spatial import _random_effects as rek
from spillover.tables import compare

X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]
N_US, T_US = 48, 17


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def re_sar(us_panel: SpatialPanel, us_w: Graph):
    return SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="random").fit()


@pytest.fixture(scope="module")
def re_sem(us_panel: SpatialPanel, us_w: Graph):
    return SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sem", fixed_effects="random").fit()


def _dense(w: Graph, ids: pd.Index) -> np.ndarray:
    return spillover.weights.to_sparse(w, ids).toarray()


def _sar_density(res, w: np.ndarray, y: np.ndarray, x: np.ndarray) -> float:
    """log N(y; A^-1 X b, A^-1 (sigma2_mu J_T kron I_N + sigma2 I) A^-T), A = I_T kron (I - rho W)."""
    n, t = w.shape[0], len(y) // w.shape[0]
    beta = res.params.drop("rho").to_numpy()
    a_inv = np.kron(np.eye(t), np.linalg.inv(np.eye(n) - res.rho * w))
    omega = res.phi * res.sigma2 * np.kron(np.ones((t, t)), np.eye(n)) + res.sigma2 * np.eye(n * t)
    return float(multivariate_normal(a_inv @ x @ beta, a_inv @ omega @ a_inv.T).logpdf(y))


def _sem_density(res, w: np.ndarray, y: np.ndarray, x: np.ndarray) -> float:
    """log N(y; X b, sigma2_mu J_T kron I_N + sigma2 I_T kron (B'B)^-1), B = I - lambda W."""
    n, t = w.shape[0], len(y) // w.shape[0]
    beta = res.params.drop("lambda").to_numpy()
    b_inv = np.linalg.inv(np.eye(n) - res.lam * w)
    cov = res.phi * res.sigma2 * np.kron(np.ones((t, t)), np.eye(n)) + res.sigma2 * np.kron(
        np.eye(t), b_inv @ b_inv.T
    )
    return float(multivariate_normal(x @ beta, cov).logpdf(y))


def _design(panel: SpatialPanel, y: str, xs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    n_t = panel.n_regions * panel.n_periods
    return panel.stacked(y), np.column_stack([np.ones(n_t), *[panel.stacked(v) for v in xs]])


# ---------------------------------------------------------------------- RE SAR against splm and spreg
def test_re_sar_reproduces_splm(re_sar) -> None:
    assert list(re_sar.params.index) == ["const", *X, "rho"]
    # splm prints 8 decimals for the coefficients and 6 for lambda; splm and spreg stop their optimisers at
    # ~1e-7 (they differ by up to 1.7e-7 here).  The likelihood is flat along the intercept: the exact
    # optimum found here is 4e-7 (5.2e-7 with numpy 2.4 / scipy 1.17) from splm's intercept, at a higher
    # likelihood than splm's printed estimates (checked in tests/spatial/test_lmtests.py): tolerance 1e-6 on the
    # intercept, 5e-7 on the slopes and lambda, as tests/spatial/test_lmtests.py uses for the same numbers.
    expected = [1.65814995, 0.01294505, 0.22555376, 0.67081075, -0.00579716, 0.161615]
    assert re_sar.params.iloc[0] == pytest.approx(expected[0], abs=1e-6)
    assert re_sar.params.to_numpy()[1:] == pytest.approx(expected[1:], abs=5e-7)
    # phi = (1/theta^2 - 1)/T amplifies the optimisers' error in theta ~800-fold (as in test_lmtests).
    assert re_sar.phi == pytest.approx(21.3175, abs=5e-4)
    # standard error of lambda from the observed information: 0.029056 vs splm's 0.029099 (numerical
    # derivatives in both programs; spreg's analytic information would give 0.0182).
    assert re_sar.rho_se == pytest.approx(0.029099, rel=5e-3)
    assert re_sar.fixed_effects == "random" and re_sar.nobs == N_US * T_US


@pytest.mark.slow
def test_re_sar_at_least_as_good_as_spreg(us_panel: SpatialPanel, us_w: Graph, re_sar) -> None:
    wobj = libpysal.weights.W.from_sparse(spillover.weights.to_sparse(us_w, us_panel.ids))
    y, x = _design(us_panel, "ln_gsp", X)
    with contextlib.redirect_stdout(io.StringIO()):
        ref = spreg.ML_LagRE(y[:, None], x[:, 1:], wobj)
    # spreg alternates 1-D searches until its theta changes by < 1e-7: estimates agree to 1e-6 ...
    assert re_sar.params.to_numpy() == pytest.approx(ref.betas.ravel()[:-1], abs=1e-6)
    assert re_sar.phi == pytest.approx((1 / ref.phi**2 - 1) / T_US, abs=5e-4)
    # ... and the joint optimum found here is not worse (spreg's logll includes all constants).
    assert re_sar.loglik >= float(ref.logll) - 1e-9


@pytest.mark.slow
def test_re_sar_loglik_is_the_gaussian_density(us_panel: SpatialPanel, us_w: Graph, re_sar) -> None:
    y, x = _design(us_panel, "ln_gsp", X)
    assert re_sar.loglik == pytest.approx(_sar_density(re_sar, _dense(us_w, us_panel.ids), y, x), rel=1e-10)


def test_re_sar_sparse_path_agrees(us_panel: SpatialPanel, us_w: Graph, re_sar) -> None:
    sparse = SpatialPanelModel(
        us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="random", method="sparse"
    ).fit()
    # same likelihood (sparse LU log-determinants), separate searches: optimiser tolerance ~1e-7
    assert sparse.params.to_numpy() == pytest.approx(re_sar.params.to_numpy(), abs=1e-6)
    assert sparse.loglik == pytest.approx(re_sar.loglik, abs=1e-8)
    # tr(Wt Wt) of the Hessian from power series in the sparse path: standard errors within 0.1%
    assert sparse.std_errors.to_numpy() == pytest.approx(re_sar.std_errors.to_numpy(), rel=1e-3)


def test_re_sar_impacts_match_dense_effects_matrix(us_panel: SpatialPanel, us_w: Graph, re_sar) -> None:
    imp = re_sar.impacts(draws=200, seed=1)
    w = _dense(us_w, us_panel.ids)
    a_inv = np.linalg.inv(np.eye(N_US) - re_sar.rho * w)
    for var in X:
        s_k = a_inv * re_sar.params[var]  # S_k = (I - rho W)^-1 beta_k (no Durbin terms)
        assert imp.loc[("direct", var), "estimate"] == pytest.approx(np.trace(s_k) / N_US, rel=1e-10)
        assert imp.loc[("total", var), "estimate"] == pytest.approx(s_k.sum() / N_US, rel=1e-10)
        # row-standardised W: total = beta / (1 - rho)
        assert imp.loc[("total", var), "estimate"] == pytest.approx(
            re_sar.params[var] / (1 - re_sar.rho), rel=1e-10
        )
    assert "const" not in imp.index.get_level_values("variable")
    emat = re_sar.effects_matrix("ln_pc")
    assert emat.to_numpy() == pytest.approx(a_inv * re_sar.params["ln_pc"], rel=1e-10)


# ---------------------------------------------------------------------- RE SEM: exact optimum
@pytest.mark.slow
def test_re_sem_is_the_exact_optimum(us_panel: SpatialPanel, us_w: Graph, re_sem) -> None:
    y, x = _design(us_panel, "ln_gsp", X)
    w = _dense(us_w, us_panel.ids)
    point = np.r_[re_sem.params.to_numpy(), re_sem.phi, re_sem.sigma2]
    cube_y, cube_x = y.reshape(T_US, N_US, 1), x.reshape(T_US, N_US, -1)
    base = rek.re_sem_loglik(point, cube_y, cube_x, w)
    assert base == pytest.approx(re_sem.loglik, rel=1e-12)
    for i in range(len(point)):  # no coordinate step of 1e-4 (relative) improves the log-likelihood
        for sign in (1, -1):
            step = point.copy()
            step[i] += sign * 1e-4 * max(abs(point[i]), 1e-3)
            assert rek.re_sem_loglik(step, cube_y, cube_x, w) <= base + 1e-9
    # spreg 1.9.0's ML_ErrorRE treats W as symmetric: its estimate has exact log-likelihood 1491.627 (it
    # reports 1490.12); the exact optimum is higher (1491.659, as in tests/spatial/test_lmtests.py).
    assert re_sem.loglik > 1491.65
    assert re_sem.loglik == pytest.approx(_sem_density(re_sem, w, y, x), rel=1e-10)


def test_re_sem_results(re_sem) -> None:
    assert list(re_sem.params.index) == ["const", *X, "lambda"]
    assert re_sem.rho is None and 0 < re_sem.lam < 1
    assert re_sem.phi > 0 and np.isfinite(re_sem.phi_se) and re_sem.phi_se > 0
    frame = re_sem.to_frame()
    assert list(frame.index[-2:]) == ["phi", "sigma2"]
    assert frame.loc["phi", "estimate"] == re_sem.phi
    # parameters: 5 coefficients, lambda, phi, sigma2
    assert re_sem.n_params == 8
    assert re_sem.aic == pytest.approx(-2 * re_sem.loglik + 16)
    assert re_sem.bic == pytest.approx(-2 * re_sem.loglik + 8 * np.log(N_US * T_US))


# ---------------------------------------------------------------------- Durbin terms: RE SDM and SDEM
@pytest.fixture(scope="module")
def re_sdm(us_panel: SpatialPanel, us_w: Graph):
    return SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="random").fit()


def _with_wx(panel: SpatialPanel, w: Graph) -> tuple[np.ndarray, np.ndarray]:
    """y and [1, X, WX] (the Durbin terms written out with the dense W, period by period)."""
    y, x = _design(panel, "ln_gsp", X)
    wd = _dense(w, panel.ids)
    cube = x[:, 1:].reshape(T_US, N_US, -1)
    wx = np.einsum("ij,tjk->tik", wd, cube).reshape(N_US * T_US, -1)
    return y, np.column_stack([x, wx])


@pytest.mark.slow
def test_re_sdm_equals_spreg_with_durbin_terms(us_panel: SpatialPanel, us_w: Graph, re_sdm) -> None:
    assert list(re_sdm.params.index) == ["const", *X, *[f"W*{v}" for v in X], "rho"]
    y, x = _with_wx(us_panel, us_w)
    wobj = libpysal.weights.W.from_sparse(spillover.weights.to_sparse(us_w, us_panel.ids))
    with contextlib.redirect_stdout(io.StringIO()):
        ref = spreg.ML_LagRE(y[:, None], x[:, 1:], wobj)  # spreg's RE SAR on [X, WX] is the RE SDM
    # spreg's alternating searches stop at 1e-7 in theta: estimates agree to 1e-6, logL to 1e-9
    assert re_sdm.params.to_numpy() == pytest.approx(ref.betas.ravel()[:-1], abs=1e-6)
    assert re_sdm.loglik == pytest.approx(float(ref.logll), abs=1e-8)
    assert re_sdm.loglik == pytest.approx(_sar_density(re_sdm, _dense(us_w, us_panel.ids), y, x), rel=1e-10)


def test_re_sdm_impacts_and_wald(us_panel: SpatialPanel, us_w: Graph, re_sdm) -> None:
    imp = re_sdm.impacts(draws=0)
    w = _dense(us_w, us_panel.ids)
    a_inv = np.linalg.inv(np.eye(N_US) - re_sdm.rho * w)
    for var in X:
        beta, theta = re_sdm.params[var], re_sdm.params[f"W*{var}"]
        s_k = a_inv @ (beta * np.eye(N_US) + theta * w)  # LeSage-Pace S_k, dense
        assert imp.loc[("direct", var), "estimate"] == pytest.approx(np.trace(s_k) / N_US, rel=1e-9)
        assert imp.loc[("total", var), "estimate"] == pytest.approx(
            (beta + theta) / (1 - re_sdm.rho), rel=1e-9
        )
    # the Wald tests of the SDM apply unchanged (theta = 0 on the US states is rejected: W*ln_emp z = -8)
    assert re_sdm.wald_test("sar").df == 4 and re_sdm.wald_test("sar").reject(0.001)
    frame = re_sdm.summary(draws=0).to_frame()
    assert frame.iloc[list(frame.index).index("ln_emp")]["Wx"].startswith(f"{re_sdm.params['W*ln_emp']:.3f}")


@pytest.mark.slow
def test_re_sdem_is_the_exact_optimum(us_panel: SpatialPanel, us_w: Graph) -> None:
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdem", fixed_effects="random").fit()
    y, x = _with_wx(us_panel, us_w)
    w = _dense(us_w, us_panel.ids)
    point = np.r_[res.params.to_numpy(), res.phi, res.sigma2]
    cube_y, cube_x = y.reshape(T_US, N_US, 1), x.reshape(T_US, N_US, -1)
    base = rek.re_sem_loglik(point, cube_y, cube_x, w)
    assert base == pytest.approx(res.loglik, rel=1e-12)
    assert res.loglik == pytest.approx(_sem_density(res, w, y, x), rel=1e-10)
    for i in range(len(point)):  # no coordinate step of 1e-4 (relative) improves the log-likelihood
        for sign in (1, -1):
            step = point.copy()
            step[i] += sign * 1e-4 * max(abs(point[i]), 1e-3)
            assert rek.re_sem_loglik(step, cube_y, cube_x, w) <= base + 1e-9


# ---------------------------------------------------------------------- one implementation for Hausman
@pytest.mark.parametrize("kind", ["sar", "sem"])
def test_hausman_uses_the_model_estimates(
    us_panel: SpatialPanel, us_w: Graph, re_sar, re_sem, kind: str
) -> None:
    res = re_sar if kind == "sar" else re_sem
    details = hausman(us_panel, "ln_gsp", X, us_w, kind=kind).details
    names = [*X, "rho" if kind == "sar" else "lambda"]
    assert details["re"].to_numpy() == pytest.approx(res.params[names].to_numpy(), rel=1e-12)
    assert details["se_re"].to_numpy() == pytest.approx(res.std_errors[names].to_numpy(), rel=1e-12)


# ---------------------------------------------------------------------- simulated panels
def _lattice_panel(kind: str, seed: int, side: int = 8, t: int = 6) -> tuple[SpatialPanel, Graph]:
    """RE panel on a side x side lattice with asymmetric W (4 nearest neighbours, row-standardised).

    beta = (1.0, 2.0, -1.0), spatial parameter 0.4, sigma2 = 1, phi = sigma2_mu / sigma2 = 0.5.
    """
    rng = np.random.default_rng(seed)
    n = side * side
    ids = [f"r{i:03d}" for i in range(n)]
    coords = np.array([(i % side + 0.1 * rng.normal(), i // side + 0.1 * rng.normal()) for i in range(n)])
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[Point(*c) for c in coords]).set_index("r")
    graph = Graph.build_knn(geo, k=4).transform("r")
    w = _dense(graph, pd.Index(ids))
    x = rng.normal(size=(t, n, 2))
    mu = np.sqrt(0.5) * rng.normal(size=n)
    a = np.eye(n) - 0.4 * w
    rows = []
    for s in range(t):
        e = rng.normal(size=n)
        xb = 1.0 + 2.0 * x[s, :, 0] - 1.0 * x[s, :, 1]
        y = np.linalg.solve(a, xb + mu + e) if kind == "sar" else xb + mu + np.linalg.solve(a, e)
        rows.append(pd.DataFrame({"r": ids, "t": s, "x1": x[s, :, 0], "x2": x[s, :, 1], "y": y}))
    panel = SpatialPanel(pd.concat(rows), geo.reset_index(), id="r", time="t")
    return panel, graph


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sar", "sem"])
def test_simulated_parameters_recovered_and_density_matches(kind: str) -> None:
    truth = {"const": 1.0, "x1": 2.0, "x2": -1.0, "rho" if kind == "sar" else "lambda": 0.4}
    for seed in (1, 2, 3):
        panel, graph = _lattice_panel(kind, seed)
        res = SpatialPanelModel(panel, "y", ["x1", "x2"], graph, kind=kind, fixed_effects="random").fit()
        z = (res.params - pd.Series(truth)) / res.std_errors
        assert np.abs(z).max() < 3.5, z  # 12 z-values per kind over 3 seeds: |z| < 3.5 (p ~ 5e-4 each)
        assert abs(res.phi - 0.5) < 3.5 * res.phi_se
        assert abs(res.sigma2 - 1.0) < 3.5 * res.sigma2_se
    # the likelihood of the (asymmetric W) fit is the dense Gaussian density of y
    w = _dense(graph, panel.ids)
    y, x = _design(panel, "y", ["x1", "x2"])
    density = _sar_density(res, w, y, x) if kind == "sar" else _sem_density(res, w, y, x)
    assert res.loglik == pytest.approx(density, rel=1e-10)


def test_zero_variance_ratio_on_its_bound() -> None:
    # No region effect at all: phi is estimated on its bound 0; it is held there for the covariance (its
    # standard error is NaN) and the other parameters keep finite standard errors.
    rng = np.random.default_rng(4)
    panel, graph = _lattice_panel("sem", 5)
    data = panel.data.copy()
    data["y"] = 1.0 + 2.0 * data["x1"] - data["x2"] + 0.01 * rng.normal(size=len(data))
    flat = SpatialPanel(data.reset_index(), panel.geometry.reset_index(), id="r", time="t")
    for kind in ("sar", "sem"):
        res = SpatialPanelModel(flat, "y", ["x1", "x2"], graph, kind=kind, fixed_effects="random").fit()
        assert 0 <= res.phi < 1e-8 and np.isnan(res.phi_se)
        assert np.all(np.isfinite(res.std_errors)) and res.params["x1"] == pytest.approx(2.0, abs=0.01)
        frame = res.summary(draws=0).to_frame()
        assert frame.iloc[list(frame.index).index("phi")]["Main"] == f"{res.phi:.3f}"


# ---------------------------------------------------------------------- tables
def test_summary_and_compare(re_sar, re_sem) -> None:
    tab = re_sar.summary(draws=100, seed=0)
    frame = tab.to_frame()
    labels = list(frame.index)
    assert "random effects" in tab.title
    assert {"const", "rho", "phi", "sigma2"} <= set(labels)
    phi_row = frame.iloc[labels.index("phi")]
    assert phi_row["Main"].startswith(f"{re_sar.phi:.3f}")
    assert frame.iloc[labels.index("phi") + 1]["Main"] == f"({re_sar.phi_se:.3f})"
    assert (frame["Wx"] == "").all()  # no Durbin terms: Main column only ...
    assert frame.iloc[labels.index("ln_pc")]["Total"] != ""  # ... and impacts for the RE SAR
    assert frame.iloc[labels.index("const")]["Direct"] == ""
    sem_frame = re_sem.summary(draws=0).to_frame()
    assert (sem_frame[["Wx", "Direct", "Indirect", "Total"]] == "").all().all()
    table = compare([re_sar, re_sem], names=["RE SAR", "RE SEM"]).to_frame()
    rows = list(table.index)
    assert table.iloc[rows.index("phi")].tolist() == [f"{re_sar.phi:.3f}", f"{re_sem.phi:.3f}"]
    assert table.iloc[rows.index("Fixed effects")].tolist() == ["random", "random"]
    assert table.iloc[rows.index("rho")]["RE SEM"] == "" and table.iloc[rows.index("lambda")]["RE SAR"] == ""


def test_results_are_frozen(re_sar) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        re_sar.phi = 1.0  # type: ignore[misc]


# ---------------------------------------------------------------------- errors
def test_slx_refuses_random_effects(us_panel: SpatialPanel, us_w: Graph) -> None:
    with pytest.raises(
        ModelError,
        match=r"supported for kind='sar', 'sem', 'sdm' and 'sdem'.*'slx'.*"
        r"RandomEffects",
    ):
        SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="slx", fixed_effects="random")


def test_random_effects_errors(us_panel: SpatialPanel, us_w: Graph, re_sar, monkeypatch) -> None:
    with pytest.raises(ModelError, match="lee-yu.*random"):
        SpatialPanelModel(
            us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="random", bias_correction="lee-yu"
        )
    with pytest.raises(ModelError, match="random \\(not fixed\\) effects.*params\\['const'\\]"):
        re_sar.fixed_effects_estimates()
    with pytest.raises(ModelError, match="'fixed_effects' needs to be one of .*'random'"):
        SpatialPanelModel(us_panel, "ln_gsp", X, us_w, fixed_effects="re")  # type: ignore[arg-type]
    one = us_panel.subset(periods=[1970])
    with pytest.raises(ModelError, match="at least 2 periods"):
        SpatialPanelModel(one, "ln_gsp", X, us_w, kind="sar", fixed_effects="random").fit()
    monkeypatch.setattr(rek, "SEM_MAX_N", 40)
    with pytest.raises(ModelError, match="limited to 40 regions"):
        SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sem", fixed_effects="random").fit()


def test_regressor_duplicating_the_constant_is_named(us_panel: SpatialPanel, us_w: Graph) -> None:
    # a regressor constant over all observations is collinear with the random-effects model's intercept
    ones = us_panel.with_data(us_panel.data[["ln_pc"]].mul(0.0).add(3.0).rename(columns={"ln_pc": "three"}))
    with pytest.raises(ModelError, match=r"'const'.*'three'.*collinear|'three'.*'const'.*collinear"):
        SpatialPanelModel(ones, "ln_gsp", ["ln_pc", "three"], us_w, kind="sar", fixed_effects="random").fit()
    # constant within regions is fine with random effects (identified by the between variation)
    area = np.repeat(np.arange(N_US, dtype=float), T_US)
    frame = pd.DataFrame({"size": area}, index=us_panel.data.index.sort_values())
    res = SpatialPanelModel(
        us_panel.with_data(frame), "ln_gsp", ["ln_pc", "size"], us_w, kind="sar", fixed_effects="random"
    ).fit()
    assert np.isfinite(res.std_errors["size"])
