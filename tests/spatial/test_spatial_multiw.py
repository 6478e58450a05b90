"""Time-varying and several spatial weights (spatial/_multiw.py) against dense brute force written here.

References: the log-likelihoods below are written out densely in this file (numpy ``slogdet`` of
``I - rho W_t`` per period, explicit per-period lags ``W_t y_t``, lag first then demean) and maximised with
scipy.optimize; effects from the dense N x N derivative matrices ``S_t = A_t^-1 (beta I + theta Wx_t)``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from scipy.optimize import minimize
from shapely.geometry import box

import spillover as so
from spillover.errors import ModelError, WeightsError
from spillover.panel import SpatialPanel
from spillover.spatial import SpatialPanelModel

N, T = 12, 3
IDS = [f"r{i:02d}" for i in range(N)]


def _random_w(rng: np.random.Generator, density: float = 0.4) -> np.ndarray:
    a = (rng.random((N, N)) < density) * rng.uniform(0.5, 2.0, (N, N))
    a = np.triu(a, 1)
    a = a + a.T
    for i in range(N):  # every region has a neighbour
        if a[i].sum() == 0:
            a[i, (i + 1) % N] = a[(i + 1) % N, i] = 1.0
    return a / a.sum(axis=1, keepdims=True)


def _frame(m: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(m, index=IDS, columns=IDS)


def _panel(y: np.ndarray, x: np.ndarray) -> SpatialPanel:
    """y and x stacked period-major (T*N)."""
    geo = gpd.GeoDataFrame({"r": IDS}, geometry=[box(i, 0, i + 1, 1) for i in range(N)])
    df = pd.DataFrame([(r, t) for t in range(T) for r in IDS], columns=["r", "t"])
    df["y"], df["x"] = y, x
    return SpatialPanel(df, geo, id="r", time="t")


def _demean(v: np.ndarray, fe: str) -> np.ndarray:
    m = v.reshape(T, N).copy()
    if fe in ("unit", "twoway"):
        m -= m.mean(axis=0, keepdims=True)
    if fe in ("time", "twoway"):
        m -= m.mean(axis=1, keepdims=True)
    return m.ravel()


def _lag(ws: list[np.ndarray], v: np.ndarray) -> np.ndarray:
    return np.concatenate([ws[t] @ v[t * N : (t + 1) * N] for t in range(T)])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    wt = [_random_w(rng) for _ in range(T)]
    w1, w2 = _random_w(rng, 0.3), _random_w(rng, 0.6)
    x = rng.normal(size=N * T)
    mu = np.tile(rng.normal(size=N), T)
    e = rng.normal(scale=0.5, size=N * T)
    # y_t = (I - 0.4 W_t)^-1 (x_t + 0.5 W_t x_t + mu + e_t)
    rhs = x + 0.5 * _lag(wt, x) + mu + e
    y = np.concatenate([np.linalg.solve(np.eye(N) - 0.4 * wt[t], rhs[t * N : (t + 1) * N]) for t in range(T)])
    return {"wt": wt, "w1": w1, "w2": w2, "x": x, "y": y, "panel": _panel(y, x)}


def _maximise(loglik, start: np.ndarray) -> tuple[np.ndarray, float]:
    res = minimize(
        lambda p: -loglik(p),
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 40000, "maxfev": 40000},
    )
    res = minimize(lambda p: -loglik(p), res.x, method="BFGS", options={"gtol": 1e-9})
    return res.x, -res.fun


def _lag_model_loglik(y, xcols, lag_terms, jac, fe):
    """Full log-likelihood of y - sum_j c_j L_j y = X beta + FE + e (lag first, then demean)."""
    xt = np.column_stack([_demean(c, fe) for c in xcols])
    k = xt.shape[1]

    def loglik(p):
        beta, sp_, ls2 = p[:k], p[k:-1], p[-1]
        s2 = np.exp(ls2)
        ld = jac(sp_)
        if not np.isfinite(ld):
            return -1e10
        ystar = _demean(y - sum(c * term for c, term in zip(lag_terms(sp_), _lag_terms_cache[0])), fe)
        e = ystar - xt @ beta
        return -N * T / 2 * np.log(2 * np.pi * s2) - e @ e / (2 * s2) + ld

    return loglik


_lag_terms_cache: list = [None]


def _slogdet_sum(mats_per_period):
    def jac(c):
        total = 0.0
        for mats in mats_per_period:
            sign, val = np.linalg.slogdet(np.eye(N) - sum(ci * m for ci, m in zip(c, mats)))
            if sign <= 0:
                return -np.inf
            total += val
        return total

    return jac


# ---------------------------------------------------------------------------------------------- likelihoods
@pytest.mark.parametrize("fe", ["unit", "twoway"])
def test_time_varying_sdm_equals_dense_brute_force(data, fe):
    wt, x, y = data["wt"], data["x"], data["y"]
    w = {t: _frame(wt[t]) for t in range(T)}
    res = SpatialPanelModel(data["panel"], "y", ["x"], w, kind="sdm", fixed_effects=fe).fit()
    _lag_terms_cache[0] = [_lag(wt, y)]
    ll = _lag_model_loglik(y, [x, _lag(wt, x)], lambda s: [s[0]], _slogdet_sum([[m] for m in wt]), fe)
    est, llmax = _maximise(ll, np.r_[res.params.to_numpy() + 0.05, np.log(res.sigma2) + 0.1])
    np.testing.assert_allclose(res.params.to_numpy(), est[:-1], atol=1e-5)
    np.testing.assert_allclose(res.loglik, llmax, rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.sigma2, np.exp(est[-1]), rtol=1e-5)


def test_durbin_weights_w_x_equal_dense_brute_force(data):
    wt, w2, x, y = data["wt"], data["w2"], data["x"], data["y"]
    res = SpatialPanelModel(
        data["panel"],
        "y",
        ["x"],
        {t: _frame(wt[t]) for t in range(T)},
        kind="sdm",
        fixed_effects="unit",
        w_x=_frame(w2),
    ).fit()
    _lag_terms_cache[0] = [_lag(wt, y)]
    ll = _lag_model_loglik(
        y, [x, _lag([w2] * T, x)], lambda s: [s[0]], _slogdet_sum([[m] for m in wt]), "unit"
    )
    est, llmax = _maximise(ll, np.r_[res.params.to_numpy() + 0.05, np.log(res.sigma2)])
    np.testing.assert_allclose(res.params.to_numpy(), est[:-1], atol=1e-5)
    np.testing.assert_allclose(res.loglik, llmax, rtol=0, atol=1e-8)
    # effects: the lag's W_t in A_t, w_x in the Durbin part (dense derivative matrices)
    b, th, rho = res.params["x"], res.params["W*x"], res.params["rho"]
    s = [np.linalg.solve(np.eye(N) - rho * wt[t], b * np.eye(N) + th * w2) for t in range(T)]
    imp = res.impacts(draws=0)["estimate"]
    assert imp[("direct", "x")] == pytest.approx(np.mean([np.trace(m) / N for m in s]), abs=1e-10)
    assert imp[("total", "x")] == pytest.approx(np.mean([m.sum() / N for m in s]), abs=1e-10)
    by = res.impacts_by_period(draws=0)["estimate"]
    for t in range(T):
        assert by[(t, "direct", "x")] == pytest.approx(np.trace(s[t]) / N, abs=1e-10)
        assert by[(t, "indirect", "x")] == pytest.approx((s[t].sum() - np.trace(s[t])) / N, abs=1e-10)
    np.testing.assert_allclose(res.effects_matrix("x", period=1).to_numpy(), s[1], atol=1e-12)


def test_time_varying_sem_equals_dense_brute_force(data):
    wt, x, y = data["wt"], data["x"], data["y"]
    res = SpatialPanelModel(
        data["panel"], "y", ["x"], {t: _frame(wt[t]) for t in range(T)}, kind="sem", fixed_effects="time"
    ).fit()
    jac = _slogdet_sum([[m] for m in wt])

    def ll(p):  # (I - lam W_t)(y_t - x_t b): filter first, then demean the time effects
        b, lam, s2 = p[0], p[1], np.exp(p[2])
        ld = jac([lam])
        if not np.isfinite(ld):
            return -1e10
        e = _demean(y - lam * _lag(wt, y), "time") - b * _demean(x - lam * _lag(wt, x), "time")
        return -N * T / 2 * np.log(2 * np.pi * s2) - e @ e / (2 * s2) + ld

    est, llmax = _maximise(ll, np.r_[res.params.to_numpy() + 0.05, np.log(res.sigma2)])
    np.testing.assert_allclose(res.params.to_numpy(), est[:-1], atol=1e-5)
    np.testing.assert_allclose(res.loglik, llmax, rtol=0, atol=1e-8)


def test_two_lags_of_y_equal_dense_brute_force(data):
    w1, w2, x, y = data["w1"], data["w2"], data["x"], data["y"]
    res = SpatialPanelModel(
        data["panel"], "y", ["x"], [_frame(w1), _frame(w2)], kind="sar", fixed_effects="unit"
    ).fit()
    assert list(res.params.index) == ["x", "rho1", "rho2"]
    _lag_terms_cache[0] = [_lag([w1] * T, y), _lag([w2] * T, y)]
    ll = _lag_model_loglik(y, [x], lambda s: list(s), _slogdet_sum([[w1, w2]] * T), "unit")
    est, llmax = _maximise(ll, np.r_[res.params.to_numpy() + 0.03, np.log(res.sigma2)])
    np.testing.assert_allclose(res.params.to_numpy(), est[:-1], atol=1e-5)
    np.testing.assert_allclose(res.loglik, llmax, rtol=0, atol=1e-8)
    # standard errors: the inverse of the brute-force log-likelihood's Hessian in (beta, rho1, rho2, sigma2)
    p0 = np.r_[res.params.to_numpy(), res.sigma2]

    def ll_s2(p):
        return ll(np.r_[p[:-1], np.log(p[-1])])

    h = np.empty((4, 4))
    step = 1e-4
    for i in range(4):
        for j in range(4):
            ei, ej = np.eye(4)[i] * step, np.eye(4)[j] * step
            h[i, j] = (
                ll_s2(p0 + ei + ej) - ll_s2(p0 + ei - ej) - ll_s2(p0 - ei + ej) + ll_s2(p0 - ei - ej)
            ) / (4 * step * step)
    se = np.sqrt(np.diag(np.linalg.inv(-h)))
    np.testing.assert_allclose(res.std_errors.to_numpy(), se[:3], rtol=2e-3)
    # effects from (I - rho1 W1 - rho2 W2)^-1 beta
    a = np.linalg.inv(np.eye(N) - res.params["rho1"] * w1 - res.params["rho2"] * w2) * res.params["x"]
    imp = res.impacts(draws=0)["estimate"]
    assert imp[("direct", "x")] == pytest.approx(np.trace(a) / N, abs=1e-10)
    assert imp[("total", "x")] == pytest.approx(a.sum() / N, abs=1e-10)


def test_convex_combination_equals_dense_brute_force(data):
    w1, w2, x, y = data["w1"], data["w2"], data["x"], data["y"]
    with _nothing():  # a weakly identified gamma warns (rho insignificant on these 36 observations)
        res = SpatialPanelModel(
            data["panel"],
            "y",
            ["x"],
            [_frame(w1), _frame(w2)],
            kind="sdm",
            fixed_effects="unit",
            combine="convex",
        ).fit()
    assert list(res.params.index) == ["x", "W*x", "rho", "gamma1", "gamma2"]
    assert res.params["gamma1"] + res.params["gamma2"] == pytest.approx(1.0, abs=1e-14)
    xd = _demean(x, "unit")
    l1y, l2y = _demean(_lag([w1] * T, y), "unit"), _demean(_lag([w2] * T, y), "unit")
    l1x, l2x = _demean(_lag([w1] * T, x), "unit"), _demean(_lag([w2] * T, x), "unit")
    yd = _demean(y, "unit")

    def ll(p):  # W(g) = g W1 + (1 - g) W2 in the lag and in the Durbin term
        b, th, rho, g, s2 = p[0], p[1], p[2], p[3], np.exp(p[4])
        if not 0 <= g <= 1:
            return -1e10
        sign, ld = np.linalg.slogdet(np.eye(N) - rho * (g * w1 + (1 - g) * w2))
        if sign <= 0:
            return -1e10
        e = yd - rho * (g * l1y + (1 - g) * l2y) - b * xd - th * (g * l1x + (1 - g) * l2x)
        return -N * T / 2 * np.log(2 * np.pi * s2) - e @ e / (2 * s2) + T * ld

    start = np.r_[res.params[["x", "W*x", "rho", "gamma1"]].to_numpy() + 0.02, np.log(res.sigma2)]
    est, llmax = _maximise(ll, start)
    np.testing.assert_allclose(res.params[["x", "W*x", "rho", "gamma1"]].to_numpy(), est[:-1], atol=1e-5)
    np.testing.assert_allclose(res.loglik, llmax, rtol=0, atol=1e-8)
    wg = res.params["gamma1"] * w1 + res.params["gamma2"] * w2
    s = np.linalg.solve(
        np.eye(N) - res.params["rho"] * wg, res.params["x"] * np.eye(N) + res.params["W*x"] * wg
    )
    imp = res.impacts(draws=0)["estimate"]
    assert imp[("direct", "x")] == pytest.approx(np.trace(s) / N, abs=1e-10)
    assert imp[("total", "x")] == pytest.approx(s.sum() / N, abs=1e-10)
    # the delta method: gamma2 = 1 - gamma1 has gamma1's standard error
    assert res.std_errors["gamma2"] == pytest.approx(res.std_errors["gamma1"], rel=1e-12)


class _nothing:
    def __enter__(self):
        import warnings

        self._c = warnings.catch_warnings()
        self._c.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        self._c.__exit__(*exc)


# ---------------------------------------------------------------------------------------------- equivalence
@pytest.mark.parametrize(
    ("kind", "fe"),
    [
        ("sar", "twoway"),
        ("sdm", "unit"),
        ("sdm", "time"),
        ("slx", "twoway"),
        ("sem", "none"),
        ("sdem", "time"),
    ],
)
def test_equal_weights_every_period_is_the_ordinary_fit(data, kind, fe):
    w = _frame(data["wt"][0])
    with _nothing():
        one = SpatialPanelModel(data["panel"], "y", ["x"], w, kind=kind, fixed_effects=fe).fit()
        tv = SpatialPanelModel(
            data["panel"], "y", ["x"], dict.fromkeys(range(T), w), kind=kind, fixed_effects=fe
        ).fit()
    np.testing.assert_allclose(tv.params.to_numpy(), one.params.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(tv.cov.to_numpy(), one.cov.to_numpy(), rtol=1e-10, atol=1e-14)
    assert tv.loglik == pytest.approx(one.loglik, abs=1e-10)
    np.testing.assert_allclose(
        tv.impacts(draws=0)["estimate"].to_numpy(), one.impacts(draws=0)["estimate"].to_numpy(), atol=1e-10
    )


def test_lag_first_then_demean_differs_from_demean_then_lag(data):
    """With two-way effects and time-varying W the lag of the demeaned y is not the demeaned lag: the fit uses
    the latter (exact), which the brute force of test_time_varying_sdm_equals_dense_brute_force confirms."""
    wt, y = data["wt"], data["y"]
    assert np.max(np.abs(_demean(_lag(wt, y), "twoway") - _lag(wt, _demean(y, "twoway")))) > 1e-3


# ---------------------------------------------------------------------------------------------- simulations
@pytest.mark.slow
def test_simulation_recovers_rho1_rho2_and_gamma():
    # 20 replications of the two-lag design below (seeds 0-19): mean z of rho1 0.03, of rho2 0.11, both
    # 95 % intervals covering in 19 of 20; one replication is checked here.
    rng = np.random.default_rng(0)
    n, t = 100, 8
    side = 10
    geo = gpd.GeoDataFrame(
        {"r": [f"r{i:03d}" for i in range(n)]},
        geometry=[box(i % side, i // side, i % side + 1, i // side + 1) for i in range(n)],
    )
    ids = geo["r"].tolist()
    g = geo.set_index("r")
    w1 = so.weights.contiguity(g, kind="rook")
    w2 = Graph.build_knn(g.centroid, k=8).transform("r")
    m1 = so.weights.to_sparse(w1, ids).toarray()
    m2 = so.weights.to_sparse(w2, ids).toarray()
    x = rng.normal(size=(t, n))
    mu = rng.normal(size=n)
    ys = []
    for s in range(t):
        ys.append(np.linalg.solve(np.eye(n) - 0.3 * m1 - 0.35 * m2, 1.0 * x[s] + mu + rng.normal(size=n)))
    df = pd.DataFrame([(r, s) for s in range(t) for r in ids], columns=["r", "t"])
    df["y"], df["x"] = np.concatenate(ys), x.ravel()
    panel = SpatialPanel(df, geo, id="r", time="t")
    res = SpatialPanelModel(panel, "y", ["x"], [w1, w2], kind="sar", fixed_effects="unit").fit()
    ci = res.conf_int()
    for name, true in (("rho1", 0.3), ("rho2", 0.35)):
        assert ci.loc[name].iloc[0] < true < ci.loc[name].iloc[1], (name, res.params[name])
    ys = [
        np.linalg.solve(np.eye(n) - 0.6 * (0.7 * m1 + 0.3 * m2), x[s] + mu + rng.normal(size=n))
        for s in range(t)
    ]
    df["y"] = np.concatenate(ys)
    panel = SpatialPanel(df, geo, id="r", time="t")
    conv = SpatialPanelModel(
        panel, "y", ["x"], [w1, w2], kind="sar", fixed_effects="unit", combine="convex"
    ).fit()
    ci = conv.conf_int()
    assert ci.loc["gamma1"].iloc[0] < 0.7 < ci.loc["gamma1"].iloc[1], conv.params
    assert ci.loc["rho"].iloc[0] < 0.6 < ci.loc["rho"].iloc[1], conv.params
    imp = conv.impacts(draws=200, seed=1)
    assert imp.loc[("total", "x"), "ci_lower"] < 1 / 0.4 < imp.loc[("total", "x"), "ci_upper"]


# ---------------------------------------------------------------------------------------------- refusals
def test_refusals(data):
    panel, wt = data["panel"], data["wt"]
    w = {t: _frame(wt[t]) for t in range(T)}
    with pytest.raises(WeightsError, match=r"no weights for the periods 2"):
        SpatialPanelModel(panel, "y", ["x"], {0: w[0], 1: w[1]}, kind="sar").fit()
    with pytest.raises(WeightsError, match=r"periods 7 that are not in the panel"):
        SpatialPanelModel(panel, "y", ["x"], {**w, 7: w[0]}, kind="sar").fit()
    bad = _frame(wt[0]).rename(index={"r00": "zz"}, columns={"r00": "zz"})
    with pytest.raises(WeightsError, match=r"w\[1\]"):
        SpatialPanelModel(panel, "y", ["x"], {**w, 1: bad}, kind="sar").fit()
    for kw, what in [
        ({"dynamic": True, "fixed_effects": "unit"}, "dynamic"),
        ({"fixed_effects": "random"}, "random effects"),
        ({"engine": "spreg"}, "spreg"),
        ({"bias_correction": "lee-yu", "fixed_effects": "unit"}, "lee-yu"),
    ]:
        with pytest.raises(ModelError, match=f"(?s){what}.*supported by SpatialPanelModel"):
            SpatialPanelModel(panel, "y", ["x"], w, kind="sar", **kw)
    with pytest.raises(ModelError, match="kind='sac'"):
        SpatialPanelModel(panel, "y", ["x"], w, kind="sac")
    with pytest.raises(ModelError, match="unit effects mu"):
        SpatialPanelModel(panel, "y", ["x"], w, kind="sem", fixed_effects="unit")
    with pytest.raises(ModelError, match="needs w_x="):
        SpatialPanelModel(panel, "y", ["x"], [w[0], w[1]], kind="sdm")
    with pytest.raises(ModelError, match="several spatial lags"):
        SpatialPanelModel(panel, "y", ["x"], [w[0], w[1]], kind="sem")
    with pytest.raises(ModelError, match="W x terms"):
        SpatialPanelModel(panel, "y", ["x"], w[0], kind="sar", w_x=w[1])
    with pytest.raises(ModelError, match="combines several weights"):
        SpatialPanelModel(panel, "y", ["x"], w[0], kind="sar", combine="convex")
    with pytest.raises(ModelError, match="two or more"):
        SpatialPanelModel(panel, "y", ["x"], [w[0]], kind="sar")
    res = SpatialPanelModel(panel, "y", ["x"], w, kind="sar").fit()
    with pytest.raises(ModelError, match="period 9"):
        res.impacts(draws=0, period=9)
    with pytest.raises(ModelError, match="effects_matrix"):
        res.spillovers("x")


# ---------------------------------------------------------------------------------------------- builder
def test_by_period_builds_each_periods_economic_weights():
    panel = so.datasets.us_states()
    periods = panel.periods.tolist()
    ws = so.weights.by_period(panel, "ln_gsp", span=2)
    assert list(ws) == periods
    ids = panel.ids
    # period 3's weights: economic distance of the means over periods 2 and 3 (the builder called directly)
    direct = so.weights.economic(panel, "ln_gsp", window=[periods[2], periods[3]])
    np.testing.assert_allclose(
        so.weights.to_sparse(ws[periods[3]], ids).toarray(), so.weights.to_sparse(direct, ids).toarray()
    )
    first = so.weights.economic(panel, "ln_gsp", window=[periods[0]])
    np.testing.assert_allclose(
        so.weights.to_sparse(ws[periods[0]], ids).toarray(), so.weights.to_sparse(first, ids).toarray()
    )
    with pytest.raises(WeightsError, match="span"):
        so.weights.by_period(panel, "ln_gsp", window=[periods[0]])


def test_fixed_effects_and_summary_of_two_lags(data):
    w1, w2, x, y = data["w1"], data["w2"], data["x"], data["y"]
    res = SpatialPanelModel(
        data["panel"], "y", ["x"], [_frame(w1), _frame(w2)], kind="sar", fixed_effects="unit"
    ).fit()
    r = (
        y
        - res.params["rho1"] * _lag([w1] * T, y)
        - res.params["rho2"] * _lag([w2] * T, y)
        - res.params["x"] * x
    )
    np.testing.assert_allclose(
        res.fixed_effects_estimates()["unit"].to_numpy(), r.reshape(T, N).mean(axis=0), atol=1e-12
    )
    text = str(res.summary(draws=20))
    assert "rho1" in text and "rho2" in text and "Indirect" in text


def test_sparse_path_equals_dense_path(data):
    """Sparse LU log-determinants (with the signs of the permutations) give the dense fit; the effects'
    totals are exact there and the direct effects Hutchinson estimates past three exact terms (64 probes)."""
    w = [_frame(data["w1"]), _frame(data["w2"])]
    dense = SpatialPanelModel(
        data["panel"], "y", ["x"], w, kind="sar", fixed_effects="unit", method="dense"
    ).fit()
    sparse = SpatialPanelModel(
        data["panel"], "y", ["x"], w, kind="sar", fixed_effects="unit", method="sparse"
    ).fit()
    np.testing.assert_allclose(sparse.params.to_numpy(), dense.params.to_numpy(), atol=1e-7)
    assert sparse.loglik == pytest.approx(dense.loglik, abs=1e-8)
    a, b = dense.impacts(draws=0)["estimate"], sparse.impacts(draws=0)["estimate"]
    assert b[("total", "x")] == pytest.approx(a[("total", "x")], abs=1e-8)
    assert b[("direct", "x")] == pytest.approx(a[("direct", "x")], rel=0.01)
    tv = {t: _frame(data["wt"][t]) for t in range(T)}
    one = SpatialPanelModel(
        data["panel"], "y", ["x"], tv, kind="sar", fixed_effects="unit", method="dense"
    ).fit()
    two = SpatialPanelModel(
        data["panel"], "y", ["x"], tv, kind="sar", fixed_effects="unit", method="sparse"
    ).fit()
    assert two.loglik == pytest.approx(one.loglik, abs=1e-8)
    assert two.params["rho"] == pytest.approx(one.params["rho"], abs=1e-6)


def test_cross_section_two_lags(data):
    """One period: the cross-section model takes the same weights options (a constant, no fixed effects)."""
    w1, w2, x, y = data["w1"], data["w2"], data["x"][:N], data["y"][:N]
    res = so.SpatialCrossSectionModel(
        data["panel"], "y", ["x"], [_frame(w1), _frame(w2)], period=0, kind="sar"
    ).fit()

    def ll(p):
        c, b, r1, r2, s2 = p[0], p[1], p[2], p[3], np.exp(p[4])
        sign, ld = np.linalg.slogdet(np.eye(N) - r1 * w1 - r2 * w2)
        if sign <= 0:
            return -1e10
        e = y - r1 * w1 @ y - r2 * w2 @ y - c - b * x
        return -N / 2 * np.log(2 * np.pi * s2) - e @ e / (2 * s2) + ld

    est, llmax = _maximise(ll, np.r_[res.params.to_numpy() + 0.02, np.log(res.sigma2)])
    np.testing.assert_allclose(res.params.to_numpy(), est[:-1], atol=1e-5)
    assert res.loglik == pytest.approx(llmax, abs=1e-8)


def test_convex_combination_of_three_weights_equals_dense_brute_force(data):
    wt, w1, w2, x, y = data["wt"], data["w1"], data["w2"], data["x"], data["y"]
    w3 = wt[0]
    with _nothing():
        res = SpatialPanelModel(
            data["panel"],
            "y",
            ["x"],
            [_frame(w1), _frame(w2), _frame(w3)],
            kind="sar",
            fixed_effects="unit",
            combine="convex",
        ).fit()
    assert list(res.params.index) == ["x", "rho", "gamma1", "gamma2", "gamma3"]
    lags = [_demean(_lag([m] * T, y), "unit") for m in (w1, w2, w3)]
    yd, xd = _demean(y, "unit"), _demean(x, "unit")

    def ll(p):
        b, rho, g1, g2, s2 = p[0], p[1], p[2], p[3], np.exp(p[4])
        g = np.array([g1, g2, 1 - g1 - g2])
        if np.any(g < 0):
            return -1e10
        sign, ld = np.linalg.slogdet(np.eye(N) - rho * (g[0] * w1 + g[1] * w2 + g[2] * w3))
        if sign <= 0:
            return -1e10
        e = yd - rho * (g[0] * lags[0] + g[1] * lags[1] + g[2] * lags[2]) - b * xd
        return -N * T / 2 * np.log(2 * np.pi * s2) - e @ e / (2 * s2) + T * ld

    start = np.r_[res.params[["x", "rho", "gamma1", "gamma2"]].to_numpy(), np.log(res.sigma2)]
    est, best = _maximise(ll, start + np.r_[0.02, 0.02, -0.01, 0.01, 0.0])
    np.testing.assert_allclose(res.params[["x", "rho", "gamma1", "gamma2"]].to_numpy(), est[:-1], atol=1e-5)
    assert res.loglik == pytest.approx(best, abs=1e-8)
    assert res.params[["gamma1", "gamma2", "gamma3"]].sum() == pytest.approx(1.0, abs=1e-12)
    assert res.params[["gamma1", "gamma2", "gamma3"]].min() >= 0
