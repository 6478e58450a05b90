"""Issue 20, item 2: one result vocabulary.  Every ``summary()`` returns :class:`spillover.summary.Summary`;
every estimate-like ``to_frame()`` uses :data:`spillover.summary.COLUMNS`; the numbers are those of the
results' own attributes (so nothing changed but the names)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spillover as so
from spillover.panel_models import fe_iv, fixed_effects, heterogeneity, lag, mediation
from spillover.spatial import DynamicPanelResults, SpatialPanelModel, lm_tests
from spillover.summary import COLUMNS, P_SIM, Summary, coefficient_frame
from spillover.tables import SummaryTable, compare

X = ["ln_pcap", "ln_emp"]


@pytest.fixture(scope="module")
def us():
    return so.datasets.us_states()


@pytest.fixture(scope="module")
def w(us):
    return so.weights.contiguity(us.geometry, kind="queen")


@pytest.fixture(scope="module")
def sdm(us, w):
    with pytest.warns(so.errors.SmallSampleBiasWarning):
        return SpatialPanelModel(us, "ln_gsp", X, w, kind="sdm", fixed_effects="twoway").fit()


def test_summary_renders_every_block_in_text_html_and_latex():
    a = pd.DataFrame({"estimate": [0.5, -1.25]}, index=["x", "z"])
    b = pd.DataFrame({"stat": ["3.1"]}, index=["LM"])
    s = Summary("Title", (a, b), header={"N": 10}, notes="a note", captions=("Coefficients", "Tests"))
    text = str(s)
    # hand-checked layout: title, header, caption, table rule/columns/rule/rows/rule, caption, ..., notes
    assert text.splitlines()[:3] == ["Title", "N: 10", "Coefficients"]
    assert "-1.2500" in text and "3.1" in text and text.endswith("a note")
    assert s._repr_html_() == s.as_html() and s.as_html().count("<table>") == 2
    assert s.as_latex().count(r"\begin{tabular}") == 2 and r"\multicolumn{2}{l}{a note}" in s.as_latex()
    pd.testing.assert_frame_equal(s.frame, a)
    assert s.header["N"] == 10 and len(s.tables) == 2


def test_summary_is_read_only_and_keeps_its_own_copies():
    a = pd.DataFrame({"estimate": [0.5]}, index=["x"])
    s = Summary("T", (a,))
    a.loc["x", "estimate"] = 99.0
    got = s.frame
    got.loc["x", "estimate"] = 98.0  # a copy: the summary's table stays as built
    assert s.frame.loc["x", "estimate"] == 0.5
    with pytest.raises(AttributeError):
        s.title = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.header["k"] = 1  # type: ignore[index]
    assert SummaryTable is Summary


def test_coefficient_frame_puts_the_scheme_first():
    frame = coefficient_frame([1.0], [0.5], [2.0], [0.05], index=["x"], p_sim=[0.04], extra=[1])
    assert list(frame.columns) == [*COLUMNS, P_SIM, "extra"]
    assert COLUMNS == ("estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper")


def test_spatial_results_use_the_scheme_with_unchanged_numbers(sdm):
    frame = sdm.to_frame()
    assert list(frame.columns) == list(COLUMNS)
    np.testing.assert_array_equal(frame.loc[sdm.params.index, "estimate"], sdm.params)
    np.testing.assert_array_equal(frame.loc[sdm.params.index, "statistic"], sdm.zstats)
    np.testing.assert_array_equal(frame.loc[sdm.params.index, "p_value"], sdm.pvalues)
    ci = sdm.conf_int()
    np.testing.assert_allclose(frame.loc[sdm.params.index, "ci_lower"], ci["lower"], rtol=1e-14)
    # sigma2 row: z = sigma2 / se, p two-sided normal (scipy), as before the rename
    z = sdm.sigma2 / sdm.sigma2_se
    assert frame.loc["sigma2", "p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-14)
    imp = sdm.impacts(draws=50, seed=0)
    assert list(imp.columns) == [*COLUMNS, P_SIM, "std_error_robust"]
    assert isinstance(sdm.summary(draws=0), Summary)


def test_panel_results_use_the_scheme_and_one_summary_type(us):
    res = fixed_effects(us, "ln_gsp", X)
    frame = res.to_frame()
    assert list(frame.columns) == list(COLUMNS)
    np.testing.assert_array_equal(frame["statistic"], res.tstats)
    np.testing.assert_array_equal(frame["p_value"], res.pvalues)
    summ = res.summary()
    assert isinstance(summ, Summary) and summ.header["Observations"] == "816"
    pd.testing.assert_frame_equal(summ.frame, frame)
    lagged = lag(us, ["ln_emp"])
    iv = fe_iv(lagged, "ln_gsp", exog=["ln_pcap"], endog="ln_emp", instruments="L1.ln_emp")
    assert isinstance(iv.summary(), Summary) and isinstance(iv.first_stage.summary(), Summary)
    med = mediation(us, x="ln_pcap", mediator="ln_emp", y="ln_gsp", draws=49, seed=0, progress=False)
    assert list(med.to_frame().columns) == list(COLUMNS) and isinstance(med.summary(), Summary)
    # a*b: statistic = indirect / bootstrap se (hand: the definition of the z it reports)
    assert med.to_frame().loc["a*b (indirect)", "statistic"] == pytest.approx(med.indirect / med.bootstrap_se)
    assert compare([res, med]).frame.shape[1] == 2  # the table protocol reads p_value from both


def test_every_other_summary_is_a_summary(us, w):
    lm = lm_tests(us, "ln_gsp", X, w, fixed_effects="twoway")
    assert isinstance(lm.summary(), Summary) and "p_value" in lm.to_frame().columns
    big = (us.data["emp"].groupby(level=0).transform("mean") > 1000).map({True: "large", False: "small"})
    het = heterogeneity(
        us.with_data(big.rename("size")), "ln_gsp", X, by="size", permutations=10, progress=False
    )
    assert isinstance(het.summary(), Summary) and "Chow" in str(het.summary())


def test_the_dynamic_result_is_an_importable_class(us, w):
    with pytest.warns(so.errors.SmallSampleBiasWarning):
        res = SpatialPanelModel(us, "ln_gsp", X, w, kind="sdm", fixed_effects="twoway", dynamic=True).fit()
    assert type(res) is DynamicPanelResults and isinstance(res.summary(draws=0), Summary)
    assert list(res.dynamic_impacts(draws=20, seed=0).columns[:7]) == [*COLUMNS, P_SIM]
