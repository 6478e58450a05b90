"""FE-IV: 2SLS coefficients and errors, Kleibergen-Paap statistics, Anderson-Rubin, Hansen J, effective F."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.panel_models import fe_iv, fixed_effects, lag, stock_yogo
from spillover.tables import compare

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def lagged(us_panel):
    return lag(us_panel, ["ln_emp", "ln_pcap", "unemp"])


@pytest.fixture(scope="module")
def simulated() -> SpatialPanel:
    """linearmodels' rank-test data as a 600-region, one-period panel (clusters in a column)."""
    d = pd.read_csv(DATA / "linearmodels_simulated_iv.csv")
    d["region"] = d["index"].astype(int)
    d["period"] = 0
    geo = gpd.GeoDataFrame({"region": d["region"]}, geometry=[box(i, 0, i + 1, 1) for i in d["region"]])
    return SpatialPanel(d.drop(columns=["index", "time"]), geo, id="region", time="period")


def test_just_identified_kp_f_equals_cluster_robust_first_stage_f(lagged):
    res = fe_iv(lagged, "ln_gsp", exog=["ln_pc", "unemp"], endog="ln_emp", instruments="L1.ln_emp")
    fs = res.first_stage
    # One endogenous regressor, one instrument: ivreg2's rk Wald F, W/(n-1) (n-K)(G-1)/(G L), and the CR1
    # Wald F of the first stage, b^2 / V_CR1 with V_CR1 = G/(G-1) (n-1)/(n-K) V_CR0, are the same number
    # when both count K = instruments + exogenous + absorbed effects (our stated convention).
    assert fs.kp_f == pytest.approx(fs.f_stat["ln_emp"].statistic, rel=1e-8)
    # and Olea-Pflueger's effective F reduces to the same robust F with one instrument
    assert fs.effective_f == pytest.approx(fs.kp_f, rel=1e-8)
    t = fs.coefficients["ln_emp"].loc["L1.ln_emp", "t"]
    assert fs.f_stat["ln_emp"].statistic == pytest.approx(t**2, rel=1e-10)
    assert fs.hansen_j is None and res.nobs == 768 and res.dropped.n == 48
    assert list(fs.stock_yogo["critical_value"]) == [16.38, 8.96, 6.66, 5.53]


def test_2sls_matches_linearmodels_on_within_data(lagged):
    """The FE-2SLS point estimates equal linearmodels' IV2SLS on the two-way demeaned data (FWL), and its
    clustered covariance times our stated small-sample factor."""
    from linearmodels.iv import IV2SLS

    from spillover.panel_models._data import prepare

    cols = ["ln_gsp", "ln_emp", "ln_pc", "unemp", "L1.ln_emp", "L1.ln_pcap"]
    sample = prepare(lagged, cols, fixed_effects="twoway", cluster="unit")
    dm = pd.DataFrame(sample.absorber()(sample.matrix(cols)), columns=cols)
    lm = IV2SLS(dm["ln_gsp"], dm[["ln_pc", "unemp"]], dm[["ln_emp"]], dm[["L1.ln_emp", "L1.ln_pcap"]]).fit(
        cov_type="clustered", clusters=pd.Series(sample.unit), debiased=False
    )
    res = fe_iv(
        lagged, "ln_gsp", exog=["ln_pc", "unemp"], endog="ln_emp", instruments=["L1.ln_emp", "L1.ln_pcap"]
    )
    names = ["ln_emp", "ln_pc", "unemp"]
    np.testing.assert_allclose(res.params[names], lm.params[names], rtol=1e-9)
    n, g = sample.nobs, sample.n_units
    k = 3 + sample.n_times  # slopes + the 16 period effects; region effects nested in the region clusters
    # linearmodels' clustered covariance with debiased=False has no small-sample factor; ours is CR1
    factor = g / (g - 1) * (n - 1) / (n - k)
    np.testing.assert_allclose(res.std_errors[names], np.sqrt(factor) * lm.std_errors[names], rtol=1e-7)
    assert res.first_stage.hansen_j is not None and res.first_stage.hansen_j.df == 1


def test_kp_reproduces_linearmodels_reference_values(simulated):
    """linearmodels' test_rank_tests.py REFERENCE (ivreg2r 0.1.0, R port of ivreg2): model B (x1 endogenous,
    x3-x5 exogenous, z1, z2 instruments): clustered rk LM 28.4875757936386 (df 2) and rk Wald F
    22.2146455418097; i.i.d.: Anderson LM 32.763825565663 and Cragg-Donald F 17.1548582963803."""
    kw = {"exog": ["x3", "x4", "x5"], "endog": "x1", "instruments": ["z1", "z2"], "effects": "none"}
    clustered = fe_iv(simulated, "x2", cluster="cluster_id", **kw).first_stage
    assert clustered.kp_lm.statistic == pytest.approx(28.4875757936386, rel=1e-8)
    assert clustered.kp_lm.df == 2
    assert clustered.kp_f == pytest.approx(22.2146455418097, rel=1e-8)
    iid = fe_iv(simulated, "x2", cluster=None, **kw).first_stage
    assert iid.kp_lm.statistic == pytest.approx(32.763825565663, rel=1e-8)
    assert iid.kp_f == pytest.approx(17.1548582963803, rel=1e-8)


def test_anderson_rubin_is_the_reduced_form_wald_test(lagged):
    """AR(beta0 = 0) = Wald test of the instruments in the regression of y on instruments and exogenous
    regressors, i.e. fixed_effects on the reduced form with the same CR1 covariance."""
    res = fe_iv(
        lagged, "ln_gsp", exog=["ln_pc", "unemp"], endog="ln_emp", instruments=["L1.ln_emp", "L1.ln_pcap"]
    )
    rf = fixed_effects(lagged, "ln_gsp", ["L1.ln_emp", "L1.ln_pcap", "ln_pc", "unemp"])
    b = rf.params[["L1.ln_emp", "L1.ln_pcap"]].to_numpy()
    v = rf.cov.loc[["L1.ln_emp", "L1.ln_pcap"], ["L1.ln_emp", "L1.ln_pcap"]].to_numpy()
    wald = float(b @ np.linalg.solve(v, b))
    ar = res.first_stage.anderson_rubin
    assert ar["chi2"].statistic == pytest.approx(wald, rel=1e-8)
    assert ar["F"].statistic == pytest.approx(wald / 2, rel=1e-8)


def test_hansen_j_matches_linearmodels_gmm(lagged):
    """Hansen J of two-step efficient GMM with a cluster-robust weight matrix, as linearmodels' IVGMM
    (weight_type='clustered', no centring, no debiasing) computes it on the within-transformed data."""
    from linearmodels.iv import IVGMM

    from spillover.panel_models._data import prepare

    cols = ["ln_gsp", "ln_emp", "ln_pc", "unemp", "L1.ln_emp", "L1.ln_pcap"]
    sample = prepare(lagged, cols, fixed_effects="twoway", cluster="unit")
    dm = pd.DataFrame(sample.absorber()(sample.matrix(cols)), columns=cols)
    clusters = pd.Series(sample.unit)
    gmm = IVGMM(
        dm["ln_gsp"],
        dm[["ln_pc", "unemp"]],
        dm[["ln_emp"]],
        dm[["L1.ln_emp", "L1.ln_pcap"]],
        weight_type="clustered",
        clusters=clusters,
    ).fit(iter_limit=2, cov_type="clustered", clusters=clusters)
    res = fe_iv(
        lagged, "ln_gsp", exog=["ln_pc", "unemp"], endog="ln_emp", instruments=["L1.ln_emp", "L1.ln_pcap"]
    )
    assert res.first_stage.hansen_j.statistic == pytest.approx(gmm.j_stat.stat, rel=1e-6)


def test_iv_in_paper_table_with_diagnostic_rows(lagged):
    ols = fixed_effects(lagged, "ln_gsp", ["ln_emp", "ln_pc", "unemp"])
    iv = fe_iv(lagged, "ln_gsp", exog=["ln_pc", "unemp"], endog="ln_emp", instruments="L1.ln_emp")
    frame = compare([ols, iv], ["FE", "FE-IV"]).to_frame()
    labels = list(frame.index)
    assert frame.iloc[labels.index("KP rk Wald F")]["FE-IV"] == f"{iv.first_stage.kp_f:.2f}"
    assert frame.iloc[labels.index("KP rk Wald F")]["FE"] == ""
    assert frame.iloc[labels.index("SY 10% size c.v.")]["FE-IV"] == "16.38"
    text = str(iv.summary())
    assert "Kleibergen-Paap rk LM" in text and "Anderson-Rubin" in text and "Stock-Yogo" in text


def test_stock_yogo_table():
    sy = stock_yogo(1, 3)
    bias5 = sy[(sy.criterion == "relative_bias") & (sy.threshold == 0.05)]["critical_value"]
    assert bias5.tolist() == [13.91]  # Stock and Yogo (2005) Table 5.1, K1 = 1, K2 = 3
    assert stock_yogo(2, 2)[lambda f: f.criterion == "size"]["critical_value"].tolist() == [
        7.03,
        4.58,
        3.95,
        3.63,
    ]
    assert stock_yogo(3, 2).empty


def test_iv_bad_input(lagged):
    const = pd.Series(np.repeat(np.arange(48.0), 17), index=lagged.data.index, name="area")
    panel = lagged.with_data(const)
    with pytest.raises(ModelError, match="instrument 'area' does not vary within regions"):
        fe_iv(panel, "ln_gsp", exog=["ln_pc"], endog="ln_emp", instruments="area")
    with pytest.raises(ModelError, match="'ln_emp' is listed both as endogenous and as exogenous"):
        fe_iv(lagged, "ln_gsp", exog=["ln_pc", "ln_emp"], endog="ln_emp", instruments="L1.ln_emp")
    with pytest.raises(ModelError, match="under-identified"):
        fe_iv(lagged, "ln_gsp", exog=["ln_pc"], endog=["ln_emp", "unemp"], instruments="L1.ln_emp")
    with pytest.raises(ModelError, match="also regressors"):
        fe_iv(lagged, "ln_gsp", exog=["ln_pc"], endog="ln_emp", instruments=["ln_pc"])


def test_twoway_clustering_explains_missing_kp(lagged):
    res = fe_iv(lagged, "ln_gsp", exog=["ln_pc"], endog="ln_emp", instruments="L1.ln_emp", cluster="twoway")
    assert res.first_stage.kp_lm is None and np.isnan(res.first_stage.kp_f)
    assert any("two-way" in n for n in res.first_stage.notes)
