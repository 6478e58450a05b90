"""Callaway-Sant'Anna event studies (method="callaway_santanna", diff-diff as the engine).

References:
* the did vignette "Getting Started with the did Package" (Callaway and Sant'Anna,
  https://bcallaway11.github.io/did/articles/did-basics.html), which prints ATT(g,t), the "simple" and the
  "dynamic" aggregations on `mpdta` (tests/data/mpdta.csv.gz, provenance in tests/data/README.md) with
  never-treated controls and no covariates; diff-diff called directly must reproduce them (it is why we
  wrap it);
* diff-diff's CallawaySantAnna called directly on the same data: event_study must give its numbers, and
  the pre-trend Wald statistic is recomputed here from its covariance.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from causal_sim import simulate
from scipy import stats
from shapely.geometry import Point

from spillover import maps
from spillover.causal import EventStudyResult, event_study, placebo
from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.summary import COLUMNS, Summary

diff_diff = pytest.importorskip("diff_diff")  # the `causal` extra (in the `test` extra, so CI has it)

DATA = Path(__file__).resolve().parents[1] / "data"

# did vignette, att_gt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", data=mpdta)
VIGNETTE_ATT_GT = {
    (2004, 2004): -0.0105,
    (2004, 2005): -0.0704,
    (2004, 2006): -0.1373,
    (2004, 2007): -0.1008,
    (2006, 2004): 0.0065,
    (2006, 2005): -0.0028,
    (2006, 2006): -0.0046,
    (2006, 2007): -0.0412,
    (2007, 2004): 0.0305,
    (2007, 2005): -0.0027,
    (2007, 2006): -0.0311,
    (2007, 2007): -0.0261,
}
# aggte(type="dynamic"): event time -> ATT (R's default "varying" base period)
VIGNETTE_DYNAMIC = {-3: 0.0305, -2: -0.0006, -1: -0.0245, 0: -0.0199, 1: -0.0510, 2: -0.1373, 3: -0.1008}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv.gz")


@pytest.fixture(scope="module")
def mpdta_panel(mpdta: pd.DataFrame) -> SpatialPanel:
    ids = sorted(mpdta["countyreal"].unique())
    geo = gpd.GeoDataFrame({"countyreal": ids}, geometry=[Point(i, 0) for i in range(len(ids))])
    return SpatialPanel(mpdta, geo, id="countyreal", time="year")


def _cs(data: pd.DataFrame, **kwargs):
    """diff-diff's CallawaySantAnna called directly (the reference)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return diff_diff.CallawaySantAnna(**kwargs).fit(
            data, outcome="lemp", unit="countyreal", time="year", first_treat="first_treat"
        )


def test_diff_diff_reproduces_the_did_vignette(mpdta):
    fit = _cs(mpdta, control_group="never_treated")
    att = {(int(g), int(t)): v["effect"] for (g, t), v in fit.group_time_effects.items()}
    assert att.keys() == VIGNETTE_ATT_GT.keys()
    for key, published in VIGNETTE_ATT_GT.items():
        assert round(att[key], 4) == published, key
    # aggte(type="simple"): ATT -0.04, SE 0.0118 (the vignette's SE is a multiplier bootstrap; diff-diff's
    # is analytic, 0.0120)
    assert round(fit.overall_att, 4) == -0.0400
    assert fit.overall_se == pytest.approx(0.0118, abs=5e-4)
    es = fit.aggregate("event_study")
    dyn = dict(zip(es.event_time.astype(int), es.att, strict=True))
    for e, published in VIGNETTE_DYNAMIC.items():
        assert round(dyn[e], 4) == published, e


def test_event_study_equals_diff_diff_and_the_vignette(mpdta, mpdta_panel):
    res = event_study(mpdta_panel, "lemp", "first_treat", method="callaway_santanna", window=(-4, 3))
    assert isinstance(res, EventStudyResult)
    frame = res.to_frame()
    assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert list(frame.index) == [-4, -3, -2, -1, 0, 1, 2, 3]
    assert frame.loc[-1, "estimate"] == 0.0 and frame.loc[-1, "reference"]
    assert not frame["binned"].any()
    es = _cs(mpdta, control_group="never_treated", base_period="universal").aggregate("event_study")
    ref = pd.DataFrame({"att": es.att, "se": es.se}, index=es.event_time.astype(int)).drop(index=-1)
    est = frame.drop(index=-1)
    np.testing.assert_allclose(est["estimate"], ref["att"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(est["std_error"], ref["se"], rtol=1e-10)
    # normal inference: p = 2 (1 - Phi(|z|))
    np.testing.assert_allclose(est["p_value"], 2 * stats.norm.sf(np.abs(ref["att"] / ref["se"])), rtol=1e-8)
    # post-period event times are the same under the universal and varying base periods: the vignette's
    for e in range(4):
        assert round(frame.loc[e, "estimate"], 4) == VIGNETTE_DYNAMIC[e]
    # the pre-trend Wald statistic from diff-diff's covariance of the leads -4..-2
    idx = [int(e) for e in es.vcov_index]
    pre = [idx.index(e) for e in (-4, -3, -2)]
    b = ref.loc[[-4, -3, -2], "att"].to_numpy()
    v = np.asarray(es.vcov)[np.ix_(pre, pre)]
    stat = float(b @ np.linalg.solve(v, b))
    assert res.pretrend.statistic == pytest.approx(stat, rel=1e-8)
    assert res.pretrend.df == 3
    assert res.pretrend.pvalue == pytest.approx(stats.chi2.sf(stat, 3), rel=1e-8)
    assert res.nobs == 2500 and res.n_clusters == 500
    assert res.att == pytest.approx(float(ref.loc[0:3, "att"].mean()))
    summary = res.summary()
    assert isinstance(summary, Summary)
    assert "Callaway-Sant'Anna" in str(res) and "never treated" in str(res)


def test_not_yet_treated_controls_equal_diff_diff(mpdta, mpdta_panel):
    res = event_study(
        mpdta_panel, "lemp", "first_treat", method="callaway_santanna", control="notyet", window=(-2, 2)
    )
    es = _cs(mpdta, control_group="not_yet_treated", base_period="universal").aggregate("event_study")
    ref = pd.Series(es.att, index=es.event_time.astype(int))
    frame = res.to_frame()
    assert list(frame.index) == [-2, -1, 0, 1, 2]  # the window's event times, no binning
    np.testing.assert_allclose(frame.loc[[-2, 0, 1, 2], "estimate"], ref.loc[[-2, 0, 1, 2]], rtol=1e-10)
    assert res.control == "notyet" and "not yet treated" in str(res)


def test_refusals(mpdta_panel):
    sim_panel, w, _ = simulate()
    with pytest.raises(ModelError, match="no exposure terms"):
        event_study(sim_panel, "y", "g", w=w, method="callaway_santanna")
    with pytest.raises(ModelError, match="callaway_santanna' only"):
        event_study(sim_panel, "y", "g", method="sun_abraham", control="notyet")
    with pytest.raises(ModelError, match="control"):
        event_study(sim_panel, "y", "g", method="callaway_santanna", control="later")
    with pytest.raises(ModelError, match="cluster='unit'"):
        event_study(mpdta_panel, "lemp", "first_treat", method="callaway_santanna", cluster="time")


def test_missing_package_names_the_extra(mpdta_panel, monkeypatch):
    monkeypatch.setitem(sys.modules, "diff_diff", None)  # import diff_diff now raises ImportError
    with pytest.raises(ModelError, match=r"pip install spillover\[causal\]"):
        event_study(mpdta_panel, "lemp", "first_treat", method="callaway_santanna")


def test_simulation_and_placebo():
    """The simulated direct effect (1.0 plus the spillover among treated neighbours) is positive after
    adoption and the leads are near zero; the placebo reruns the same estimator."""
    panel, _, _ = simulate()
    res = event_study(panel, "y", "g", method="callaway_santanna", window=(-3, 3))
    frame = res.to_frame()
    assert (frame.loc[0:3, "estimate"] > 0.8).all()
    assert (frame.loc[[-3, -2], "ci_lower"] < 0).all() and (frame.loc[[-3, -2], "ci_upper"] > 0).all()
    pl = placebo(res, draws=3, seed=1)
    assert np.isfinite(pl.to_frame()["estimate"]).all()
    fig = maps.event_study_plot(res)  # the window's ends are labelled as plain event times (no binning)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["-3", "-2", "-1", "0", "1", "2", "3"] and "Callaway" in fig.axes[0].get_title()


def test_covariates_and_a_cluster_column_equal_diff_diff():
    """controls= become diff-diff's covariates (doubly robust) and cluster= a column its cluster=."""
    panel, _, _ = simulate()
    data = panel.data
    codes = pd.Index(panel.ids).get_indexer(data.index.get_level_values(0))
    group = pd.Series(codes // 4, index=data.index, name="grp")  # 4 regions per cluster, constant in region
    panel = panel.with_data(group)
    res = event_study(
        panel, "y", "g", method="callaway_santanna", window=(-2, 2), controls=["x1"], cluster="grp"
    )
    frame = pd.DataFrame(
        {
            "y": data["y"].to_numpy(),
            "unit": codes,
            "time": data.index.get_level_values(1).to_numpy(),
            "first_treat": data["g"].fillna(0).to_numpy(),
            "x1": data["x1"].to_numpy(),
            "grp": codes // 4,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = diff_diff.CallawaySantAnna(base_period="universal", cluster="grp").fit(
            frame, outcome="y", unit="unit", time="time", first_treat="first_treat", covariates=["x1"]
        )
    es = fit.aggregate("event_study")
    ref = pd.DataFrame({"att": es.att, "se": es.se}, index=es.event_time.astype(int))
    out = res.to_frame().drop(index=-1)
    np.testing.assert_allclose(out["estimate"], ref.loc[out.index, "att"], rtol=1e-10)
    np.testing.assert_allclose(out["std_error"], ref.loc[out.index, "se"], rtol=1e-10)
    assert res.n_clusters == int(fit.n_clusters) < panel.n_regions
