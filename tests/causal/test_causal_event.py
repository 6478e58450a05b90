"""Event studies: the same coefficients as pyfixest called directly on the same data (pf.feols with i(),
pf.event_study(estimator="saturated").aggregate() for Sun-Abraham, pf.did2s), the pre-trend Wald statistic
recomputed from pyfixest's covariance, recovery of the simulation's effects, bad inputs."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from causal_sim import (
    sim_fixture,  # noqa: F401 - the module-scoped fixture "sim"
    simulate,
)
from scipy import stats

from spillover.causal import EventStudyResult, event_study
from spillover.errors import ModelError, PanelError
from spillover.summary import COLUMNS, Summary, TableResult


def _long(panel, lo: int, hi: int) -> pd.DataFrame:
    """The data as pyfixest wants them: unit codes, event time binned at (lo, hi), never-treated at -1."""
    df = panel.data.reset_index()
    df["unit"] = pd.factorize(df["region"])[0]
    rel = df["year"] - df["g"]
    df["rel"] = np.where(rel.isna(), -1, rel.clip(lo, hi)).astype(int)
    df["g0"] = df["g"].fillna(0).astype(int)
    df["treated"] = (rel >= 0).astype(int)
    return df


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _pf_events(fit) -> pd.Series:
    """pyfixest's i() coefficients by event time (names like ``C(rel, contr.treatment(base=-1))[T.3]``)."""
    coef = fit.coef()
    out = {}
    for name, value in coef.items():
        m = re.search(r"\[T\.(-?\d+)\]$", name) or re.search(r"::(-?\d+)(\.0)?$", name)
        if m:
            out[int(m.group(1))] = value
    return pd.Series(out).sort_index()


def test_twfe_equals_pyfixest_feols_with_i(sim):
    panel, _, _ = sim
    res = event_study(panel, "y", "g", window=(-4, 4), method="twfe")
    fit = _quiet(
        pf.feols, "y ~ i(rel, ref=-1) | unit + year", data=_long(panel, -4, 4), vcov={"CRV1": "unit"}
    )
    expected = _pf_events(fit)
    got = res.to_frame().drop(index=-1)
    np.testing.assert_allclose(got["estimate"].to_numpy(), expected.to_numpy(), rtol=1e-8)
    se = pd.Series(fit.se().to_numpy(), index=expected.index)
    np.testing.assert_allclose(got["std_error"].to_numpy(), se.to_numpy(), rtol=1e-8)
    # pre-trend Wald statistic from pyfixest's covariance: b' V^-1 b over the leads -4..-2
    pre = [i for i, t in enumerate(expected.index) if t < -1]
    b, v = expected.to_numpy()[pre], np.asarray(fit._vcov)[np.ix_(pre, pre)]
    stat = float(b @ np.linalg.solve(v, b))
    assert res.pretrend.statistic == pytest.approx(stat, rel=1e-8)
    assert res.pretrend.df == 3 and res.pretrend.pvalue == pytest.approx(stats.chi2.sf(stat, 3))


def test_sun_abraham_equals_pyfixest_saturated_aggregate(sim):
    panel, _, _ = sim
    # a window covering every event time (2001..2012, adoption 2004..2009), so nothing is binned
    res = event_study(panel, "y", "g", window=(-8, 8), method="sun_abraham")
    es = _quiet(
        pf.event_study,
        _long(panel, -20, 20),
        yname="y",
        idname="unit",
        tname="year",
        gname="g0",
        estimator="saturated",
        cluster="unit",
    )
    agg = _quiet(es.aggregate)
    agg.index = agg.index.astype(int)
    got = res.to_frame().drop(index=-1)
    np.testing.assert_allclose(got["estimate"].to_numpy(), agg["Estimate"].to_numpy(dtype=float), rtol=1e-8)
    np.testing.assert_allclose(
        got["std_error"].to_numpy(), agg["Std. Error"].to_numpy(dtype=float), rtol=1e-8
    )


def test_did2s_equals_pyfixest_did2s(sim):
    panel, _, _ = sim
    res = event_study(panel, "y", "g", window=(-4, 4), method="did2s")
    fit = _quiet(
        pf.did2s,
        _long(panel, -4, 4),
        yname="y",
        first_stage="~ 0 | unit + year",
        second_stage="~ i(rel, ref=-1)",
        treatment="treated",
        cluster="unit",
    )
    expected = _pf_events(fit)
    got = res.to_frame().drop(index=-1)
    np.testing.assert_allclose(got["estimate"].to_numpy(), expected.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(got["std_error"].to_numpy(), fit.se().to_numpy(), rtol=1e-8)


def test_effects_recovered_without_spillover():
    panel, _, _ = simulate(spillover=0.0, seed=2)
    for method in ("sun_abraham", "did2s"):
        frame = event_study(panel, "y", "g", method=method).to_frame()
        post = frame.loc[frame.index >= 0]
        assert ((post["ci_lower"] <= 1.0) & (post["ci_upper"] >= 1.0)).mean() >= 0.8  # truth: 1.0 each
        pre = frame.loc[frame.index < -1]
        assert ((pre["ci_lower"] <= 0.0) & (pre["ci_upper"] >= 0.0)).mean() >= 0.6


def test_exposure_term_recovers_spillover(sim):
    panel, w, _ = sim
    res = event_study(panel, "y", "g", w=w, method="sun_abraham")
    exp = res.exposure.loc["exposure"]
    assert exp["ci_lower"] <= 0.5 <= exp["ci_upper"]  # truth: 0.5 per unit of the share
    post = res.to_frame().loc[lambda f: f.index >= 0]
    assert ((post["ci_lower"] <= 1.0) & (post["ci_upper"] >= 1.0)).mean() >= 0.8
    d2 = event_study(panel, "y", "g", w=w, method="did2s").exposure.loc["exposure"]
    assert d2["ci_lower"] <= 0.5 <= d2["ci_upper"]


def test_result_frame_and_summary(sim):
    panel, _, _ = sim
    res = event_study(panel, "y", "g", window=(-3, 2), method="twfe", controls=["x1"], level=0.9)
    assert isinstance(res, EventStudyResult) and isinstance(res, TableResult)
    frame = res.to_frame()
    assert list(frame.columns) == [*COLUMNS, "reference", "binned"]
    assert frame.index.tolist() == [-3, -2, -1, 0, 1, 2]
    assert frame.loc[-1, "estimate"] == 0 and frame.loc[-1, "reference"]
    assert frame["binned"].tolist() == [True, False, False, False, False, True]
    assert isinstance(res.summary(), Summary) and "Pre-trend" in str(res)
    assert res.att == pytest.approx(frame.loc[[0, 1, 2], "estimate"].mean())


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"treat_time": "x1"}, ModelError, "must be constant within each region"),
        ({"treat_time": "nope"}, PanelError, "'nope'"),
        ({"y": "nope_y"}, PanelError, "'nope_y'"),
        ({"window": (-1, 3)}, ModelError, "lo <= -2"),
        ({"window": (-4, -1)}, ModelError, "hi >= 0"),
        ({"method": "callaway"}, ModelError, "method"),
        ({"method": "did2s", "cluster": None}, ModelError, "did2s needs clustered"),
    ],
)
def test_bad_inputs(sim, kwargs, error, words):
    panel, _, _ = sim
    args = {"y": "y", "treat_time": "g"} | kwargs
    with pytest.raises(error, match=re.escape(words)):
        event_study(panel, args.pop("y"), args.pop("treat_time"), **args)
