"""Tests of spillover.spatial.lmtests: panel LM tests, LR tests of fixed effects, Hausman FE vs RE.

References used here (numbers copied, with provenance, into this file; nothing is read from the shared reference folder at test time):

* Elhorst (2014), Spatial Econometrics, section 3.6.2 (cigarette demand, Baltagi's Cigar panel):
  LR test of the spatial fixed effects 2315.7 (46 df), of the time-period fixed effects 473.1 (30 df);
  classic LM lag and LM error reject at 1% in every fixed-effects specification; robust LM lag is not
  rejected (5%) once time-period or two-way fixed effects are included.
* R splm ``spml`` on Produc with the 48-state queen matrix (usaww = libpysal's states48.gal):
  SAR unit FE lambda 0.274689 (0.023516), log(pcap) -0.0465819 (0.0254425), log(pc) 0.1874325
  (0.0230441), log(emp) 0.6250902 (0.0297044), unemp -0.0044816 (0.0008653);
  SEM unit FE rho 0.557401 (0.033075), 0.0051438 (0.0250109), 0.2053026 (0.0231427), 0.7822540
  (0.0278057), -0.0022317 (0.0010709);
  SAR random effects lambda 0.161615 (0.029099), phi 21.3175, intercept 1.65814995, 0.01294505,
  0.22555376, 0.67081075, -0.00579716.
* spreg 1.9.0 ``diagnostics_sp.LMtests`` on OLS (cross-section LM tests, Anselin 1988 / Anselin et al.
  1996): for T = 1 and no fixed effects the panel formulas must equal them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import spreg
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph
from shapely.geometry import Point

import spillover
from spillover.errors import ModelError, PanelError, UnbalancedPanelError, WeightsError
from spillover.panel import SpatialPanel
from spillover.spatial import lmtests as lmt
from spillover.spatial._likelihood import demean
from spillover.spatial.lmtests import LMTests, TestResult, hausman, lm_tests, lr_fixed_effects

DATA = Path(__file__).parents[1] / "data"
FIXED_EFFECTS = ["none", "unit", "time", "twoway"]
US_X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


@pytest.fixture(scope="module")
def us_sar_pair(us_panel: SpatialPanel, us_w: Graph) -> tuple:
    """FE and RE SAR fits on the US states (shared by several tests: each fit takes about a second)."""
    return lmt._fit_fe_re(us_panel, "ln_gsp", US_X, spillover.weights.to_sparse(us_w, us_panel.ids), "sar")


def _direct_lm(y: np.ndarray, x: np.ndarray, w: np.ndarray, t: int, fixed_effects: str) -> dict[str, float]:
    """Elhorst's LM formulas written out with dense Kronecker products and explicit dummy variables.

    Independent of the module's route (within transformation and reshaping): the fixed effects enter as
    least-squares dummy variables (LSDV), X b is the full LSDV fit and M projects off the dummies too.
    """
    n = w.shape[0]
    nt = n * t
    unit = np.kron(np.ones((t, 1)), np.eye(n))
    period = np.kron(np.eye(t), np.ones((n, 1)))
    dummies = {
        "none": np.ones((nt, 1)),
        "unit": unit,
        "time": period,
        "twoway": np.column_stack([unit, period[:, 1:]]),
    }[fixed_effects]
    xf = np.column_stack([x, dummies])
    beta = np.linalg.lstsq(xf, y, rcond=None)[0]
    e = y - xf @ beta
    s2 = e @ e / nt
    big_w = np.kron(np.eye(t), w)
    m = np.eye(nt) - xf @ np.linalg.pinv(xf)
    wxb = big_w @ xf @ beta
    tw = np.trace(w @ w + w.T @ w)
    j = (wxb @ m @ wxb + t * tw * s2) / s2
    ewy = e @ big_w @ y / s2
    ewe = e @ big_w @ e / s2
    return {
        "lm_lag": ewy**2 / j,
        "lm_error": ewe**2 / (t * tw),
        "robust_lm_lag": (ewy - ewe) ** 2 / (j - t * tw),
        "robust_lm_error": (ewe - t * tw / j * ewy) ** 2 / (t * tw * (1 - t * tw / j)),
    }


def _spreg_lm(panel: SpatialPanel, y: str, x: list[str], w: Graph) -> dict[str, float]:
    """spreg 1.9.0's cross-section LM tests on OLS with a constant (one period)."""
    from libpysal.weights import W

    wmat = spillover.weights.to_sparse(w, panel.ids)
    ols = spreg.OLS(panel.stacked(y)[:, None], np.column_stack([panel.stacked(v) for v in x]))
    lm = spreg.diagnostics_sp.LMtests(ols, W.from_sparse(wmat), tests=["all"])
    return {
        "lm_lag": lm.lml[0],
        "lm_error": lm.lme[0],
        "robust_lm_lag": lm.rlml[0],
        "robust_lm_error": lm.rlme[0],
    }


def _values(res: LMTests) -> dict[str, float]:
    return {
        "lm_lag": res.lm_lag.statistic,
        "lm_error": res.lm_error.statistic,
        "robust_lm_lag": res.robust_lm_lag.statistic,
        "robust_lm_error": res.robust_lm_error.statistic,
    }


# ---------------------------------------------------------------------- the cigarette panel (Elhorst 2014)
def test_cigar_panel_and_w_match_elhorst(cigar_panel: SpatialPanel, cigar_w: Graph) -> None:
    assert (cigar_panel.n_regions, cigar_panel.n_periods) == (46, 30)
    assert cigar_panel.periods[0] == 1963 and cigar_panel.periods[-1] == 1992
    binary = spillover.weights.to_sparse(cigar_w, cigar_panel.ids) > 0
    assert binary.sum() == 188  # Elhorst: 188 links (directed, i.e. 94 pairs)
    assert (binary != binary.T).nnz == 0
    assert sorted(cigar_w.neighbors["DC"]) == ["MD", "VA"]
    assert "CO" not in cigar_panel.ids and "DC" in cigar_panel.ids


def test_lr_fixed_effects_reproduce_elhorst(cigar_panel: SpatialPanel) -> None:
    unit, time = lr_fixed_effects(cigar_panel, "logc", ["logp", "logy"])
    # Elhorst (2014, 3.6.2) prints 2315.7 and 473.1: tolerance half a unit of the printed last digit.
    assert unit.statistic == pytest.approx(2315.7, abs=0.05)
    assert time.statistic == pytest.approx(473.1, abs=0.05)
    assert (unit.df, time.df) == (46, 30)  # Elhorst's convention: N and T degrees of freedom
    assert unit.pvalue < 1e-12 and time.pvalue < 1e-12


def test_lr_fixed_effects_restrictions_df(cigar_panel: SpatialPanel) -> None:
    unit, time = lr_fixed_effects(cigar_panel, "logc", ["logp", "logy"], df="restrictions")
    assert (unit.df, time.df) == (45, 29)
    assert unit.statistic == pytest.approx(2315.7, abs=0.05)


def test_lr_equals_sum_of_squares_form(cigar_panel: SpatialPanel) -> None:
    """LR = NT log(SSR_restricted / SSR_twoway): an independent route through linearmodels' PanelOLS."""
    from linearmodels.panel import PanelOLS

    df = cigar_panel.data
    ssr = {}
    for name, (entity, time) in {"two": (True, True), "unit": (True, False), "time": (False, True)}.items():
        fit = PanelOLS(df["logc"], df[["logp", "logy"]], entity_effects=entity, time_effects=time).fit()
        ssr[name] = float(fit.resid_ss)
    nt = 46 * 30
    unit, time = lr_fixed_effects(cigar_panel, "logc", ["logp", "logy"])
    assert unit.statistic == pytest.approx(nt * np.log(ssr["time"] / ssr["two"]), rel=1e-9)
    assert time.statistic == pytest.approx(nt * np.log(ssr["unit"] / ssr["two"]), rel=1e-9)


@pytest.mark.parametrize("fe", FIXED_EFFECTS)
def test_lm_pattern_reported_by_elhorst(cigar_panel: SpatialPanel, cigar_w: Graph, fe: str) -> None:
    res = lm_tests(cigar_panel, "logc", ["logp", "logy"], cigar_w, fixed_effects=fe)
    assert res.lm_lag.pvalue < 0.01 and res.lm_error.pvalue < 0.01
    if fe in ("time", "twoway"):
        assert res.robust_lm_lag.pvalue > 0.05


@pytest.mark.parametrize("fe", FIXED_EFFECTS)
def test_lm_equals_direct_formula_cigar(cigar_panel: SpatialPanel, cigar_w: Graph, fe: str) -> None:
    y = cigar_panel.stacked("logc")
    x = np.column_stack([cigar_panel.stacked("logp"), cigar_panel.stacked("logy")])
    w = spillover.weights.to_sparse(cigar_w, cigar_panel.ids).toarray()
    expected = _direct_lm(y, x, w, cigar_panel.n_periods, fe)
    got = _values(lm_tests(cigar_panel, "logc", ["logp", "logy"], cigar_w, fixed_effects=fe))
    # Two exact routes in double precision (dense LSDV vs within transformation): 1e-7 relative.
    assert got == pytest.approx(expected, rel=1e-7)


# ---------------------------------------------------------------------- T = 1: spreg's cross-section tests
@pytest.mark.parametrize("year", [1970, 1986])
def test_single_period_equals_spreg_cross_section(us_panel: SpatialPanel, us_w: Graph, year: int) -> None:
    one = us_panel.subset(periods=[year])
    got = _values(lm_tests(one, "ln_gsp", US_X, us_w, fixed_effects="none"))
    # spreg computes the same closed forms by another route (dense M, inverse X'X); differences are
    # rounding only (observed up to 2e-8 relative on small statistics): 1e-6 relative.
    assert got == pytest.approx(_spreg_lm(one, "ln_gsp", US_X, us_w), rel=1e-6)


def test_single_period_equals_spreg_cigar(cigar_panel: SpatialPanel, cigar_w: Graph) -> None:
    one = cigar_panel.subset(periods=[1980])
    got = _values(lm_tests(one, "logc", ["logp", "logy"], cigar_w))
    assert got == pytest.approx(_spreg_lm(one, "logc", ["logp", "logy"], cigar_w), rel=1e-6)


def test_not_spreg_panel_lmlag(us_panel: SpatialPanel, us_w: Graph) -> None:
    """spreg's panel_LMlag uses T_W^2 where Elhorst has T T_W: for T > 1 without effects they must differ."""
    from libpysal.weights import W

    wmat = spillover.weights.to_sparse(us_w, us_panel.ids)
    xs = np.column_stack([us_panel.stacked(v) for v in US_X])
    spreg_lag, _ = spreg.panel_LMlag(us_panel.stacked("ln_gsp")[:, None], xs, W.from_sparse(wmat))
    ours = lm_tests(us_panel, "ln_gsp", US_X, us_w).lm_lag.statistic
    assert abs(ours - spreg_lag) > 0.01 * ours


# ---------------------------------------------------------------------- US states
@pytest.mark.parametrize("fe", FIXED_EFFECTS)
def test_us_states_every_fixed_effects_option(us_panel: SpatialPanel, us_w: Graph, fe: str) -> None:
    res = lm_tests(us_panel, "ln_gsp", US_X, us_w, fixed_effects=fe)
    assert res.fixed_effects == fe and (res.n_regions, res.n_periods) == (48, 17)
    w = spillover.weights.to_sparse(us_w, us_panel.ids).toarray()
    y = us_panel.stacked("ln_gsp")
    x = np.column_stack([us_panel.stacked(v) for v in US_X])
    assert _values(res) == pytest.approx(_direct_lm(y, x, w, 17, fe), rel=1e-7)
    assert all(t.df == (2 if t.name == "LM SARMA" else 1) and 0.0 <= t.pvalue <= 1.0 for t in res.tests)
    # The LM error test rejects strongly on Produc in every specification (statistics above 90).
    assert res.lm_error.pvalue < 1e-10


def test_lm_tests_frame_and_text(us_panel: SpatialPanel, us_w: Graph) -> None:
    res = lm_tests(us_panel, "ln_gsp", US_X, us_w, fixed_effects="twoway")
    frame = res.to_frame()
    assert frame.index.tolist() == ["LM lag", "LM error", "robust LM lag", "robust LM error", "LM SARMA"]
    assert frame.columns.tolist() == ["statistic", "df", "p_value", "null", "note"]
    assert frame.loc["LM error", "statistic"] == res.lm_error.statistic
    text = str(res)
    assert "twoway" in text and "robust LM error" in text and "N = 48, T = 17" in text
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.lm_lag = res.lm_error  # type: ignore[misc]


def test_invariant_to_row_order_and_affine_rescaling(us_panel: SpatialPanel, us_w: Graph) -> None:
    base = _values(lm_tests(us_panel, "ln_gsp", US_X, us_w, fixed_effects="unit"))
    df = us_panel.data.reset_index().sample(frac=1.0, random_state=np.random.default_rng(3))
    df["ln_gsp"] = 10.0 * df["ln_gsp"] + 3.0
    df["unemp"] = df["unemp"] / 100.0
    shuffled = SpatialPanel(df, us_panel.geometry.reset_index(), id="state", time="year")
    assert _values(lm_tests(shuffled, "ln_gsp", US_X, us_w, fixed_effects="unit")) == pytest.approx(
        base, rel=1e-8
    )


def test_binary_weights_equal_direct_formula(us_panel: SpatialPanel, us_w: Graph) -> None:
    """Not row-standardised W: the LSDV form still holds exactly (the lag is taken before demeaning)."""
    binary = us_w.transform("b")
    w = spillover.weights.to_sparse(binary, us_panel.ids).toarray()
    y = us_panel.stacked("ln_gsp")
    x = np.column_stack([us_panel.stacked(v) for v in US_X])
    for fe in ("time", "twoway"):
        got = _values(lm_tests(us_panel, "ln_gsp", US_X, binary, fixed_effects=fe))
        assert got == pytest.approx(_direct_lm(y, x, w, 17, fe), rel=1e-7)


def test_accepts_libpysal_w_and_dataframe(us_panel: SpatialPanel, us_w: Graph) -> None:
    base = _values(lm_tests(us_panel, "ln_gsp", US_X, us_w, fixed_effects="twoway"))
    as_w = us_w.to_W()
    reversed_ids = us_panel.ids[::-1]
    dense = pd.DataFrame(
        spillover.weights.to_sparse(us_w, reversed_ids).toarray(), index=reversed_ids, columns=reversed_ids
    )
    for w in (as_w, dense):
        assert _values(lm_tests(us_panel, "ln_gsp", US_X, w, fixed_effects="twoway")) == pytest.approx(
            base, rel=1e-10
        )


@settings(max_examples=15, deadline=None)
@given(
    scale_y=st.floats(0.01, 100.0),
    shift=st.floats(-50.0, 50.0),
    scale_x=st.floats(0.01, 100.0),
    fe=st.sampled_from(FIXED_EFFECTS),
)
def test_lm_invariant_to_units_of_measurement(scale_y: float, shift: float, scale_x: float, fe: str) -> None:
    rng = np.random.default_rng(21)
    ids = [f"r{i}" for i in range(6)]
    df = pd.DataFrame({"r": np.repeat(ids, 4), "t": np.tile(range(4), 6), "x": rng.normal(size=24)})
    df["y"] = df["x"] + rng.normal(size=24)
    ring = Graph.from_dicts({ids[i]: [ids[i - 1], ids[(i + 1) % 6]] for i in range(6)}).transform("r")
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[Point(i, 0) for i in range(6)])
    base = _values(lm_tests(SpatialPanel(df, geo, id="r", time="t"), "y", "x", ring, fixed_effects=fe))
    df2 = df.assign(y=scale_y * df["y"] + shift, x=scale_x * df["x"])
    got = _values(lm_tests(SpatialPanel(df2, geo, id="r", time="t"), "y", "x", ring, fixed_effects=fe))
    assert got == pytest.approx(base, rel=1e-6, abs=1e-9)


def test_integer_ids_and_unordered_weights() -> None:
    rng = np.random.default_rng(7)
    ids = [30, 10, 20, 40]
    df = pd.DataFrame({"r": np.repeat(ids, 5), "t": np.tile(range(5), 4), "x": rng.normal(size=20)})
    df["y"] = df["x"] + rng.normal(size=20)
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[Point(i, 0) for i in range(4)])
    panel = SpatialPanel(df, geo, id="r", time="t")
    ring = Graph.from_dicts({10: [20, 40], 20: [10, 30], 30: [20, 40], 40: [30, 10]}).transform("r")
    y = panel.stacked("y")
    x = panel.stacked("x")[:, None]
    w = spillover.weights.to_sparse(ring, panel.ids).toarray()
    got = _values(lm_tests(panel, "y", "x", ring, fixed_effects="time"))
    assert got == pytest.approx(_direct_lm(y, x, w, 5, "time"), rel=1e-7)


# ---------------------------------------------------------------------- Hausman
def test_random_effects_sar_reproduces_splm(us_panel: SpatialPanel, us_w: Graph, us_sar_pair: tuple) -> None:
    _, re = us_sar_pair
    # splm prints 8 decimals and stops its optimiser at ~1e-7 in the log-likelihood; the likelihood is
    # flat along the constant, so splm's constant is ~5e-7 off the optimum (the two fits differ by
    # 5.2e-7 with numpy 2.4 / scipy 1.17, 1.7e-7 with earlier versions).  The slopes and lambda agree to
    # 5e-7; the constant to 1e-6, and the likelihood at spillover's estimates is not below the likelihood
    # at splm's printed ones (a check that does not depend on where either optimiser stopped).
    splm_beta = np.array([1.65814995, 0.01294505, 0.22555376, 0.67081075, -0.00579716])
    assert re.extra["const"] == pytest.approx(splm_beta[0], abs=1e-6)
    assert re.params == pytest.approx([*splm_beta[1:], 0.161615], abs=5e-7)
    ours = np.r_[re.extra["const"], re.params[:-1]]
    ll_ours = _re_sar_loglik_at(us_panel, us_w, ours, re.params[-1], re.extra["sigma2_mu_ratio"])
    ll_splm = _re_sar_loglik_at(us_panel, us_w, splm_beta, 0.161615, 21.3175)
    assert ll_ours >= ll_splm - 1e-10
    # splm's phi = sigma2_mu / sigma2 = (1/theta^2 - 1)/T amplifies theta's optimiser error ~800-fold.
    assert re.extra["sigma2_mu_ratio"] == pytest.approx(21.3175, abs=5e-4)
    # lambda's standard error from the observed information: 0.029056 vs splm's 0.029099 (0.15% apart,
    # numerical derivatives in both programs); spreg's analytic information would give 0.0182.
    assert np.sqrt(re.cov[-1, -1]) == pytest.approx(0.029099, rel=5e-3)


def _re_sar_loglik_at(panel: SpatialPanel, w: Graph, beta: np.ndarray, rho: float, phi: float) -> float:
    """The RE SAR log-likelihood (Elhorst 2014, section 3.4.2) at given estimates, sigma2 concentrated;
    splm's phi = sigma2_mu / sigma2 gives theta = 1 / sqrt(1 + T phi)."""
    n, t = panel.n_regions, panel.n_periods
    wmat = spillover.weights.to_sparse(w, panel.ids).toarray()
    y = lmt._stack(panel, ["ln_gsp"])
    x = np.column_stack([np.ones(n * t), lmt._stack(panel, US_X)])
    wy = (wmat @ y[:, 0].reshape(t, n).T).T.reshape(-1, 1)
    theta = 1.0 / np.sqrt(1.0 + t * phi)
    cube = (y[:, 0] - rho * wy[:, 0] - x @ beta).reshape(t, n)
    quasi = cube - (1.0 - theta) * cube.mean(axis=0, keepdims=True)
    sigma2 = float(np.sum(quasi * quasi)) / (n * t)
    return lmt._re_sar_loglik(np.r_[beta, rho, theta, sigma2], y, x, wy, np.linalg.eigvals(wmat), n, t)


@pytest.mark.parametrize(
    ("kind", "params", "ses"),
    [
        (
            "sar",
            [-0.0465819, 0.1874325, 0.6250902, -0.0044816, 0.274689],
            [0.0254425, 0.0230441, 0.0297044, 0.0008653, 0.023516],
        ),
        (
            "sem",
            [0.0051438, 0.2053026, 0.7822540, -0.0022317, 0.557401],
            [0.0250109, 0.0231427, 0.0278057, 0.0010709, 0.033075],
        ),
    ],
)
def test_fixed_effects_side_reproduces_splm(
    us_panel: SpatialPanel, us_w: Graph, us_sar_pair: tuple, kind: str, params: list, ses: list
) -> None:
    wmat = spillover.weights.to_sparse(us_w, us_panel.ids)
    fe, _ = us_sar_pair if kind == "sar" else lmt._fit_fe_re(us_panel, "ln_gsp", US_X, wmat, kind)
    # splm prints 7 (coefficients) / 6 (spatial parameter) decimals: tolerance one unit of the last digit.
    assert fe.params == pytest.approx(params, abs=1e-6)
    assert [fe.extra[f"spreg_se_{name}"] for name in fe.names] == pytest.approx(ses, abs=1e-6)


def test_hausman_us_states(us_panel: SpatialPanel, us_w: Graph) -> None:
    res = hausman(us_panel, "ln_gsp", US_X, us_w, kind="sar")
    d = res.details
    assert d.index.tolist() == [*US_X, "rho"]
    assert d["difference"].to_numpy() == pytest.approx((d["fe"] - d["re"]).to_numpy())
    # On Produc the RE SAR estimates have larger variances than the FE ones (rho: 0.029 vs 0.022; FE and
    # RE rho differ by 0.113), so V_FE - V_RE is indefinite: the result must say so rather than pass the
    # generalised-inverse number off as a chi2 draw.
    assert "not positive definite" in res.note and "generalised inverse" in res.note
    conservative = hausman(us_panel, "ln_gsp", US_X, us_w, kind="sar", variance="fe")
    assert conservative.statistic > 0 and conservative.df == 5
    assert f"{conservative.statistic:.4g}" in res.note
    assert conservative.reject(0.001)


def test_hausman_sem_us_states(us_panel: SpatialPanel, us_w: Graph) -> None:
    res = hausman(us_panel, "ln_gsp", US_X, us_w, kind="sem")
    assert res.details.index[-1] == "lambda" and res.df == 5 and res.statistic > 0
    conservative = hausman(us_panel, "ln_gsp", US_X, us_w, kind="sem", variance="fe")
    assert 0 < conservative.statistic < res.statistic  # d'V_FE^-1 d never exceeds d'(V_FE - V_RE)^+ d here


def test_hausman_statistic_sign_and_generalised_inverse() -> None:
    d = np.array([0.3, -0.2])
    v_re = np.array([[0.02, 0.005], [0.005, 0.03]])
    v_fe = v_re + np.array([[0.04, 0.01], [0.01, 0.05]])
    stat, df, note = lmt._hausman_statistic(d, v_fe, v_re)
    vd = v_fe - v_re
    assert stat == pytest.approx(d @ np.linalg.inv(vd) @ d) and stat > 0 and df == 2 and note == ""
    # spreg 1.9.0's panel_Hausman takes V_RE - V_FE: exactly the negative of the correct statistic.
    assert d @ np.linalg.inv(v_re - v_fe) @ d == pytest.approx(-stat)
    # Singular difference: generalised inverse, df = rank, and a note.
    v_fe_singular = v_re + np.array([[0.04, 0.0], [0.0, 0.0]])
    stat, df, note = lmt._hausman_statistic(d, v_fe_singular, v_re)
    assert df == 1 and stat == pytest.approx(0.3**2 / 0.04) and "generalised inverse" in note


def _re_simulation(correlated: bool, seed: int) -> tuple[SpatialPanel, Graph]:
    """SAR panel with region effects on a 6 x 6 rook lattice, T = 8, rho = 0.3, beta = 1."""
    rng = np.random.default_rng(seed)
    side, t = 6, 8
    n = side * side
    ids = [f"r{i:02d}" for i in range(n)]
    nb = {
        ids[i]: [
            ids[j]
            for j in (i - side, i + side, i - 1 if i % side else -1, i + 1 if (i + 1) % side else -1)
            if 0 <= j < n
        ]
        for i in range(n)
    }
    graph = Graph.from_dicts(nb).transform("r")
    w = spillover.weights.to_sparse(graph, ids).toarray()
    mu = 0.5 * rng.normal(size=n)  # sigma_mu = 0.5, sigma = 1: theta = 0.58, RE uses between variation
    x = rng.normal(size=(t, n)) + (2.0 * mu if correlated else 0.0)
    a_inv = np.linalg.inv(np.eye(n) - 0.3 * w)
    y = np.stack([a_inv @ (1.0 + 1.0 * x[s] + mu + rng.normal(size=n)) for s in range(t)])
    df = pd.DataFrame({"r": np.tile(ids, t), "t": np.repeat(range(t), n), "x": x.ravel(), "y": y.ravel()})
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[Point(i % side, i // side) for i in range(n)])
    return SpatialPanel(df, geo, id="r", time="t"), graph


def _simulated_hausman(correlated: bool, seed: int) -> TestResult:
    """Hausman on a simulated panel (seeds 11-20 checked: with correlated effects 8/10 reject at 1%, the
    other two have an indefinite V_FE - V_RE; under random effects 8/10 do not reject at 5%)."""
    panel, graph = _re_simulation(correlated, seed)
    return hausman(panel, "y", ["x"], graph, kind="sar")


def test_hausman_detects_correlated_effects() -> None:
    # Region effects correlated with x: FE consistent, RE not.  In 5 seeded draws at least 4 reject at 1%
    # (in the 5th, V_FE - V_RE can be indefinite; the note then says so).
    pvalues = [_simulated_hausman(True, seed).pvalue for seed in range(11, 16)]
    assert sum(p < 0.01 for p in pvalues) >= 4


def test_hausman_accepts_random_effects() -> None:
    # Random effects true: in 5 seeded draws at least 4 do not reject at 5% (the test is unstable in
    # small samples because the FE and RE variances of rho are nearly equal).
    results = [_simulated_hausman(False, seed) for seed in range(11, 16)]
    assert sum(r.pvalue > 0.05 for r in results) >= 4
    assert all(r.note == "" and r.statistic > 0 for r in results)  # V_FE - V_RE positive definite


def test_hausman_slopes_only() -> None:
    panel, graph = _re_simulation(True, 11)
    res = hausman(panel, "y", ["x"], graph, include_spatial=False)
    assert res.details.index.tolist() == ["x"] and res.df == 1 and res.reject(0.01)
    with pytest.raises(ModelError, match="include_spatial"):
        hausman(panel, "y", ["x"], graph, include_spatial="no")  # type: ignore[arg-type]


def _ring(n: int) -> np.ndarray:
    w = np.zeros((n, n))
    for i in range(n):
        w[i, (i + 1) % n] = w[i, (i - 1) % n] = 1.0
    w[0, 2] = 1.0  # make W asymmetric after row-standardisation
    return w / w.sum(axis=1, keepdims=True)


def test_re_sar_loglik_equals_dense_gaussian_density() -> None:
    """Independent check: the RE SAR likelihood is the N(A^-1 X b, A^-1 Omega A^-T) density of y."""
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(5)
    n, t = 5, 3
    w = _ring(n)
    x = np.column_stack([np.ones(n * t), rng.normal(size=n * t)])
    y = rng.normal(size=n * t)
    beta, rho, theta, sigma2 = np.array([0.5, 1.2]), 0.35, 0.6, 0.8
    sigma2_mu = sigma2 * (1 / theta**2 - 1) / t
    a_inv = np.kron(np.eye(t), np.linalg.inv(np.eye(n) - rho * w))
    omega = sigma2_mu * np.kron(np.ones((t, t)), np.eye(n)) + sigma2 * np.eye(n * t)
    expected = multivariate_normal(a_inv @ x @ beta, a_inv @ omega @ a_inv.T).logpdf(y)
    wy = (np.kron(np.eye(t), w) @ y)[:, None]
    got = lmt._re_sar_loglik(np.r_[beta, rho, theta, sigma2], y[:, None], x, wy, np.linalg.eigvals(w), n, t)
    assert got == pytest.approx(expected, rel=1e-10)


def test_re_sem_loglik_equals_dense_gaussian_density() -> None:
    """Independent check: the RE SEM likelihood is the N(X b, sigma2_mu J kron I + sigma2 I kron (B'B)^-1) density."""
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(6)
    n, t = 5, 4
    w = _ring(n)
    x = np.column_stack([np.ones(n * t), rng.normal(size=n * t)])
    y = rng.normal(size=n * t)
    beta, lam, phi, sigma2 = np.array([0.5, 1.2]), 0.4, 0.7, 0.9
    b_inv = np.linalg.inv(np.eye(n) - lam * w)
    cov = sigma2 * phi * np.kron(np.ones((t, t)), np.eye(n)) + sigma2 * np.kron(np.eye(t), b_inv @ b_inv.T)
    expected = multivariate_normal(x @ beta, cov).logpdf(y)
    got = lmt._re_sem_loglik(np.r_[beta, lam, phi, sigma2], y.reshape(t, n, 1), x.reshape(t, n, 2), w)
    assert got == pytest.approx(expected, rel=1e-10)


def test_re_sem_is_the_exact_optimum(us_panel: SpatialPanel, us_w: Graph) -> None:
    wmat = spillover.weights.to_sparse(us_w, us_panel.ids)
    _, re = lmt._fit_fe_re(us_panel, "ln_gsp", US_X, wmat, "sem")
    x = np.column_stack([np.ones(48 * 17), *[us_panel.stacked(v) for v in US_X]]).reshape(17, 48, -1)
    y = us_panel.stacked("ln_gsp").reshape(17, 48, 1)
    point = np.r_[re.extra["const"], re.params, re.extra["sigma2_mu_ratio"], re.extra["sigma2"]]
    base = lmt._re_sem_loglik(point, y, x, wmat.toarray())
    assert base == pytest.approx(re.extra["loglik"], rel=1e-12)
    for i in range(len(point)):  # no coordinate step of 1e-4 (relative) improves the log-likelihood
        for sign in (1, -1):
            step = point.copy()
            step[i] += sign * 1e-4 * max(abs(point[i]), 1e-3)
            assert lmt._re_sem_loglik(step, y, x, wmat.toarray()) <= base + 1e-9
    # spreg 1.9.0's ML_ErrorRE treats W as symmetric: its estimate has exact log-likelihood 1491.627
    # (it reports 1490.12); the exact optimum is higher (1491.659).
    assert re.extra["loglik"] > 1491.65


def test_fe_lee_yu_likelihood_is_maximised_at_spreg_estimates(
    us_panel: SpatialPanel, us_w: Graph, us_sar_pair: tuple
) -> None:
    wmat = spillover.weights.to_sparse(us_w, us_panel.ids)
    fe, _ = us_sar_pair
    y = demean(us_panel.stacked("ln_gsp")[:, None], 48, "unit")[:, 0]
    x = demean(np.column_stack([us_panel.stacked(v) for v in US_X]), 48, "unit")
    e = lmt._fe_loglik_residual(fe.params, y, x, wmat, 48, 17, "sar")
    point = np.r_[fe.params, e @ e / (48 * 16)]
    eig = np.linalg.eigvals(wmat.toarray())
    grad = [
        (
            lmt._fe_loglik(point + h, y, x, wmat, eig, 48, 17, "sar")
            - lmt._fe_loglik(point - h, y, x, wmat, eig, 48, 17, "sar")
        )
        / (2 * h.sum())
        for h in np.diag(1e-6 * np.maximum(np.abs(point), 1e-3))
    ]
    # Scores at the optimum vanish up to spreg's optimiser tolerance (1e-7 in rho): scale ~ 1e4 per unit.
    assert np.abs(grad[:-1]).max() < 5.0 and abs(grad[-1]) < 1.0


# ---------------------------------------------------------------------- errors
def _small_panel(**columns: list) -> SpatialPanel:
    ids = ["a", "b", "c", "d"]
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "r": np.repeat(ids, 3),
            "t": np.tile([2001, 2002, 2003], 4),
            "x": rng.normal(size=12),
            "y": rng.normal(size=12),
        }
    )
    for name, values in columns.items():
        df[name] = values
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[Point(i, 0) for i in range(4)])
    return SpatialPanel(df, geo, id="r", time="t")


RING4 = Graph.from_dicts({"a": ["b", "d"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c", "a"]}).transform("r")


def test_nan_cell_is_named() -> None:
    values = list(np.arange(12.0))
    values[4] = np.nan  # region b, 2002
    panel = _small_panel(z=values)
    with pytest.raises(UnbalancedPanelError, match=r"'z'.*\('b', 2002\)"):
        lm_tests(panel, "y", ["x", "z"], RING4)


def test_x_constant_within_units_is_named() -> None:
    panel = _small_panel(size=np.repeat([1.0, 2.0, 3.0, 5.0], 3).tolist())
    for fe in ("unit", "twoway"):
        with pytest.raises(ModelError, match=r"'size'.*constant"):
            lm_tests(panel, "y", ["x", "size"], RING4, fixed_effects=fe)
    with pytest.raises(ModelError, match=r"'size'"):
        hausman(panel, "y", ["x", "size"], RING4)
    with pytest.raises(ModelError, match=r"'size'"):
        lr_fixed_effects(panel, "y", ["x", "size"])
    lm_tests(panel, "y", ["x", "size"], RING4, fixed_effects="time")  # identified with time effects only


def test_collinear_x_is_named() -> None:
    panel = _small_panel()
    panel = panel.with_data(panel.data[["x"]].mul(2.0).rename(columns={"x": "x2"}))
    with pytest.raises(ModelError, match=r"collinear.*: 'x2' can be written as a combination"):
        lm_tests(panel, "y", ["x", "x2"], RING4, fixed_effects="twoway")
    with pytest.raises(ModelError, match=r"'ones' are constant, duplicating the intercept"):
        lm_tests(
            panel.with_data(panel.data[["x"]].mul(0.0).add(1.0).rename(columns={"x": "ones"})),
            "y",
            ["x", "ones"],
            RING4,
            fixed_effects="none",
        )


def test_hausman_needs_row_standardised_w() -> None:
    binary = RING4.transform("b")
    with pytest.raises(WeightsError, match=r"row-standardised.*'a'"):
        hausman(_small_panel(), "y", ["x"], binary)


def test_weights_ids_must_match_panel() -> None:
    wrong = Graph.from_dicts({"a": ["b"], "b": ["a", "e"], "e": ["b"], "d": []})
    with pytest.raises(WeightsError, match="'e'|'c'"):
        lm_tests(_small_panel(), "y", ["x"], wrong)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"fixed_effects": "both"}, r"'fixed_effects' needs to be one of .*'twoway'.*'both'"),
        ({"x": []}, "x is empty"),
        ({"x": ["x", "x"]}, "more than once"),
        ({"x": ["y"]}, "also listed"),
    ],
)
def test_bad_options(kwargs: dict, pattern: str) -> None:
    call = {"x": ["x"], **kwargs}
    with pytest.raises(ModelError, match=pattern):
        lm_tests(_small_panel(), "y", call.pop("x"), RING4, **call)


def test_other_bad_options() -> None:
    panel = _small_panel()
    with pytest.raises(ModelError, match="'kind'"):
        hausman(panel, "y", ["x"], RING4, kind="sdm")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="'model'"):
        lr_fixed_effects(panel, "y", ["x"], model="sar")  # type: ignore[arg-type]
    with pytest.raises(PanelError, match="SpatialPanel"):
        lm_tests(panel.data, "y", ["x"], RING4)  # type: ignore[arg-type]
    with pytest.raises(PanelError, match="'nope'"):
        lm_tests(panel, "nope", ["x"], RING4)


def test_too_few_observations() -> None:
    ids = ["a", "b"]
    df = pd.DataFrame({"r": ids, "t": [1, 1], "x": [1.0, 2.0], "y": [1.0, 3.0]})
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[Point(0, 0), Point(1, 0)])
    panel = SpatialPanel(df, geo, id="r", time="t")
    with pytest.raises(ModelError, match="degrees of freedom"):
        lm_tests(panel, "y", ["x"], Graph.from_dicts({"a": ["b"], "b": ["a"]}))


def test_test_result_value_object() -> None:
    r = TestResult.from_chi2("LR", 5.0, 2, "nothing")
    assert r.pvalue == pytest.approx(np.exp(-2.5))  # chi2(2) survival function is exp(-x/2)
    assert str(r) == "LR = 5.0000, df = 2, p = 0.0821 (H0: nothing)"
    assert "\n  note: careful" in str(dataclasses.replace(r, note="careful"))
    assert r == TestResult.from_chi2("LR", 5.0, 2, "nothing")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.statistic = 1.0  # type: ignore[misc]
