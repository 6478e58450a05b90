"""Two-way fixed effects with clustered errors: checked against a hand-built dummy-variable OLS with a CR1
sandwich (numpy, in the test), pyfixest called directly, and R plm's published output on Munnell's Produc."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spillover.errors import ModelError
from spillover.panel_models import fixed_effects, lag
from spillover.panel_models._data import prepare
from spillover.panel_models.fe import within_fit
from spillover.tables import TableResult, compare

X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


def dummy_ols_cr1(frame: pd.DataFrame, y: str, x: list[str], cluster: np.ndarray, k_small: int):
    """Least-squares dummy-variable regression (region and year dummies, one year dropped) with the CR1
    sandwich ``G/(G-1) (n-1)/(n-k_small) (X'X)^-1 (sum_g X_g'e_g e_g'X_g) (X'X)^-1`` built by hand."""
    ids = frame.index.get_level_values(0)
    years = frame.index.get_level_values(1)
    d_id = pd.get_dummies(ids).to_numpy(float)
    d_yr = pd.get_dummies(years).to_numpy(float)[:, 1:]
    xm = np.column_stack([frame[x].to_numpy(float), d_id, d_yr])
    yv = frame[y].to_numpy(float)
    beta, *_ = np.linalg.lstsq(xm, yv, rcond=None)
    e = yv - xm @ beta
    bread = np.linalg.inv(xm.T @ xm)
    groups = pd.unique(cluster)
    meat = np.zeros((xm.shape[1], xm.shape[1]))
    for g in groups:
        s = xm[cluster == g].T @ e[cluster == g]
        meat += np.outer(s, s)
    n, gn = len(yv), len(groups)
    v = gn / (gn - 1) * (n - 1) / (n - k_small) * bread @ meat @ bread
    k = len(x)
    return beta[:k], np.sqrt(np.diag(v))[:k]


def test_twoway_matches_dummy_variable_ols_with_cr1(us_panel):
    res = fixed_effects(us_panel, "ln_gsp", X, fixed_effects="twoway", cluster="unit")
    frame = us_panel.data
    # K = 4 slopes + 17 year effects; the 48 state effects are nested in the state clusters and not counted,
    # so none of the 17 year levels is redundant (fixest/reghdfe convention, stated in the docstring).
    beta, se = dummy_ols_cr1(frame, "ln_gsp", X, frame.index.get_level_values(0).to_numpy(), k_small=4 + 17)
    np.testing.assert_allclose(res.params[X], beta, rtol=1e-9)  # same least-squares problem: round-off only
    np.testing.assert_allclose(res.std_errors[X], se, rtol=1e-8)
    assert res.nobs == 816 and res.n_clusters == 48 and res.df_resid == 47
    assert res.dropped.n == 0


def test_twoway_matches_pyfixest_called_directly(us_panel):
    import pyfixest as pf

    data = us_panel.data.reset_index()
    fit = pf.feols(
        "ln_gsp ~ ln_pcap + ln_pc + ln_emp + unemp | state + year", data=data, vcov={"CRV1": "state"}
    )
    res = fixed_effects(us_panel, "ln_gsp", X)
    np.testing.assert_allclose(res.params[X], fit.coef()[X], rtol=1e-10)
    np.testing.assert_allclose(res.std_errors[X], fit.se()[X], rtol=1e-10)
    # t(G-1) tails; the p-value of ln_emp is 7e-12, where the two cdf routines differ in the 7th digit
    np.testing.assert_allclose(res.pvalues[X], fit.pvalue()[X], rtol=1e-5)
    assert res.r2_within == pytest.approx(float(fit._r2_within), rel=1e-10)


@pytest.mark.parametrize(
    "effects,cluster",
    [
        ("twoway", "time"),
        ("twoway", "twoway"),
        ("unit", None),
        ("time", "unit"),
        ("none", "unit"),
        ("twoway", "region"),
    ],
)
def test_numpy_core_matches_pyfixest(us_panel, effects, cluster):
    # a column of groups of whole states: the states' initials (18 clusters; two halves A-L / M-Z gave
    # 2 clusters for 4 coefficients, a singular covariance now refused)
    panel = us_panel.with_data(
        pd.Series(us_panel.data.index.get_level_values(0).str[0], index=us_panel.data.index, name="region")
    )
    res = fixed_effects(panel, "ln_gsp", X, fixed_effects=effects, cluster=cluster)
    fit = within_fit(prepare(panel, ["ln_gsp", *X], fixed_effects=effects, cluster=cluster), "ln_gsp", X)
    # the bootstrap's plain-numpy within regression gives pyfixest's numbers to round-off
    np.testing.assert_allclose(fit.beta, res.params.to_numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), res.std_errors.to_numpy(), rtol=1e-8)
    assert fit.r2_within == pytest.approx(res.r2_within, rel=1e-9)


def test_plm_published_within_estimates(us_panel):
    """plm's reference-manual example: plm(log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp, data =
    Produc, index = c("state", "year")), one-way (individual) within model, printed summary(zz):
    estimates -0.02614965, 0.29200693, 0.76815947, -0.00529774; std. errors 0.02900158, 0.02511967,
    0.03009174, 0.00098873 (s^2 = RSS / (816 - 48 - 4))."""
    res = fixed_effects(us_panel, "ln_gsp", X, fixed_effects="unit", cluster=None)
    np.testing.assert_allclose(
        res.params[X], [-0.02614965, 0.29200693, 0.76815947, -0.00529774], rtol=0, atol=5e-9
    )  # printed to 8 decimals
    np.testing.assert_allclose(
        res.std_errors[X], [0.02900158, 0.02511967, 0.03009174, 0.00098873], rtol=0, atol=5e-9
    )
    assert res.r2_within == pytest.approx(0.94134, abs=5e-6)  # plm's "R-Squared: 0.94134"


def test_plm_sandwich_arellano_clustered_errors(us_panel):
    """Same model, coeftest(zz, vcov = vcovHC(zz, method = "arellano")) as printed in public plm
    tutorials: std. errors 0.0603262, 0.0617425, 0.0816652, 0.0024958.  plm's default type "HC0" has no
    small-sample factor; ours is CR1 with G/(G-1) (n-1)/(n-K), K = 4 + 1 (the state effects are nested in
    the state clusters; one degree of freedom is kept for the intercept, as fixest and reghdfe), so
    ours = plm * sqrt(48/47 * 815/811)."""
    res = fixed_effects(us_panel, "ln_gsp", X, fixed_effects="unit", cluster="unit")
    factor = np.sqrt(48 / 47 * 815 / 811)
    np.testing.assert_allclose(
        res.std_errors[X],
        factor * np.array([0.0603262, 0.0617425, 0.0816652, 0.0024958]),
        rtol=0,
        atol=5.1e-8,
    )
    # printed to 7 decimals (+-5e-8), times the factor (~1.0055)


def test_lagged_regressor_and_unbalanced_sample(us_panel):
    panel = lag(us_panel, "ln_pcap")
    data = panel.data
    holes = [("Texas", 1975), ("Ohio", 1980), ("Ohio", 1981), ("Maine", 1986)]
    for cell in holes:
        data.loc[cell, "unemp"] = np.nan
    panel = panel.with_data(data[["unemp"]].rename(columns={"unemp": "unemp_holes"}))
    x = ["L1.ln_pcap", "ln_pc", "ln_emp", "unemp_holes"]
    res = fixed_effects(panel, "ln_gsp", x)
    assert res.dropped.n == 48 + 4
    assert res.dropped.by_period[1970] == 48 and "Ohio" in res.dropped.by_region.index
    assert "52 of 816 rows dropped" in res.dropped.describe()
    frame = panel.data[["ln_gsp", *x]].dropna()
    beta, se = dummy_ols_cr1(
        frame, "ln_gsp", x, frame.index.get_level_values(0).to_numpy(), k_small=4 + 16
    )  # 16 years left, all counted (state effects nested)
    # unbalanced two-way: alternating projections converge to 1e-12; allow 1e-7
    np.testing.assert_allclose(res.params[x], beta, rtol=1e-7)
    np.testing.assert_allclose(res.std_errors[x], se, rtol=1e-7)
    assert "rows dropped" in str(res.summary())


def test_result_is_read_only_and_exports(us_panel):
    res = fixed_effects(us_panel, "ln_gsp", X)
    with pytest.raises(AttributeError):
        res.nobs = 3  # type: ignore[misc]
    frame = res.to_frame()
    assert list(frame.columns) == ["estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper"]
    ci = res.conf_int(0.9)
    assert (ci["lower"] < res.params).all() and (res.params < ci["upper"]).all()
    assert "<table>" in res._repr_html_() and "Region FE: Yes" in str(res)  # issue 20: one Summary type


def test_paper_table_mixes_fe_and_spatial_models(us_panel, us_w):
    from spillover.spatial.model import SpatialPanelModel

    fe = fixed_effects(us_panel, "ln_gsp", X)
    fe_t = fixed_effects(us_panel, "ln_gsp", X, fixed_effects="unit", cluster="twoway")
    sar = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="twoway").fit()
    assert isinstance(fe, TableResult) and isinstance(sar, TableResult)
    tab = compare([fe, fe_t, sar], ["FE", "FE (2-way cl.)", "SAR"])
    frame = tab.to_frame()
    labels = list(frame.index)
    row = frame.iloc[labels.index("ln_emp")]
    stars = "***" if fe.pvalues["ln_emp"] < 0.01 else "**"
    assert row["FE"] == f"{fe.params['ln_emp']:.3f}{stars}"
    assert frame.iloc[labels.index("ln_emp") + 1]["FE"] == f"({fe.std_errors['ln_emp']:.3f})"
    assert frame.iloc[labels.index("Period FE")].tolist() == ["Yes", "No", ""]
    assert frame.iloc[labels.index("Cluster")]["FE (2-way cl.)"] == "region and period"
    assert frame.iloc[labels.index("N")].tolist() == ["816", "816", "816"]
    assert frame.iloc[labels.index("rho")]["FE"] == ""
    assert "* p<0.1, ** p<0.05, *** p<0.01" in tab.notes


def test_bad_input_names_the_offender(us_panel):
    with pytest.raises(ModelError, match="'nope' is not in the panel"):
        fixed_effects(us_panel, "ln_gsp", ["nope"])
    const = pd.Series(np.repeat(np.arange(48.0), 17), index=us_panel.data.index, name="area")
    with pytest.raises(ModelError, match="'area' does not vary within regions"):
        fixed_effects(us_panel.with_data(const), "ln_gsp", ["ln_pc", "area"])
    with pytest.raises(ModelError, match="column 'province_group' is not in the panel"):
        fixed_effects(us_panel, "ln_gsp", X, cluster="province_group")
    with pytest.raises(ModelError, match="'fixed_effects' needs to be one of"):
        fixed_effects(us_panel, "ln_gsp", X, fixed_effects="individual")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="listed more than once"):
        fixed_effects(us_panel, "ln_gsp", ["ln_pc", "ln_pc"])


def test_maketables_plug_in(us_panel):
    """maketables (a pyfixest dependency, optional for us) renders our results through its plug-in format."""
    maketables = pytest.importorskip("maketables")
    res = fixed_effects(us_panel, "ln_gsp", X)
    table = maketables.ETable([res], coef_fmt="b:.4f \n (se:.4f)")
    text = table.df.to_string()
    assert f"{res.params['ln_emp']:.4f}" in text and f"({res.std_errors['ln_emp']:.4f})" in text


def test_numpy_core_on_an_unbalanced_sample_matches_pyfixest(us_panel):
    """Holes make the two-way transformation iterative (alternating projections to 1e-12)."""
    data = us_panel.data[["unemp"]].rename(columns={"unemp": "u"})
    for cell in [("Texas", 1975), ("Ohio", 1980), ("Ohio", 1981), ("Maine", 1970), ("Utah", 1986)]:
        data.loc[cell, "u"] = np.nan
    panel = us_panel.with_data(data)
    x = ["ln_pcap", "ln_pc", "ln_emp", "u"]
    sample = prepare(panel, ["ln_gsp", *x], fixed_effects="twoway", cluster="unit")
    assert not sample.absorber().balanced
    fit = within_fit(sample, "ln_gsp", x)
    res = fixed_effects(panel, "ln_gsp", x)
    np.testing.assert_allclose(fit.beta, res.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), res.std_errors.to_numpy(), rtol=1e-7)
