"""disparity.convergence on the shipped US states panel (Munnell 1990, 48 states, 1970-1986).

Provenance of every number:
* sigma: the SDs and CV computed here with numpy per year; the trend slope by numpy least squares with the
  textbook OLS variance s^2 (X'X)^-1 and scipy's t distribution.
* beta: pyfixest's ``feols`` called directly on growth data built here with pandas (ln y_t - ln y_{t-1} on
  ln y_{t-1}), CRV1 clustered by state.
* speed and half-life: -ln(1 + beta)/tau and ln 2/lambda written out here; delta-method SEs by hand.
* spatial beta: :class:`spillover.SpatialPanelModel` fitted directly on the same constructed data, and its
  ``impacts`` with the same draws and seed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from scipy import stats

import spillover as so
from spillover.disparity import ConvergenceResults, convergence
from spillover.errors import ModelError, PanelError
from spillover.summary import COLUMNS, Summary


@pytest.fixture(scope="module")
def panel() -> so.SpatialPanel:
    return so.datasets.us_states()


@pytest.fixture(scope="module")
def growth_frame(panel: so.SpatialPanel) -> pd.DataFrame:
    """Growth data built independently: columns state, year, g, lag, ln_emp (first year dropped)."""
    d = panel.data.reset_index().sort_values(["state", "year"])
    ln = np.log(d["gsp"])
    d["lag"] = ln.groupby(d["state"]).shift(1)
    d["g"] = ln - d["lag"]
    return d.dropna(subset=["g"])[["state", "year", "g", "lag", "ln_emp"]].reset_index(drop=True)


def test_sigma_equals_numpy(panel: so.SpatialPanel) -> None:
    res = convergence(panel, "gsp", "sigma")
    mat = panel.data["gsp"].unstack("year").to_numpy()  # states x years
    sd_log = np.log(mat).std(axis=0, ddof=1)
    cv = mat.std(axis=0, ddof=1) / mat.mean(axis=0)
    np.testing.assert_allclose(res.dispersion["sd_log"].to_numpy(), sd_log, rtol=1e-12)
    np.testing.assert_allclose(res.dispersion["cv"].to_numpy(), cv, rtol=1e-12)
    # trend: OLS of sd_log on year by least squares, textbook variance
    t = np.arange(1970, 1987, dtype=float)
    x = np.column_stack([np.ones_like(t), t])
    for row, y in (("sd_log_trend", sd_log), ("cv_trend", cv)):
        b, *_ = np.linalg.lstsq(x, y, rcond=None)
        e = y - x @ b
        s2 = e @ e / (len(t) - 2)
        se = np.sqrt(s2 * np.linalg.inv(x.T @ x)[1, 1])
        p = 2 * stats.t.sf(abs(b[1] / se), len(t) - 2)
        got = res.to_frame().loc[row]
        np.testing.assert_allclose(
            [got["estimate"], got["std_error"], got["p_value"]], [b[1], se, p], rtol=1e-8
        )
    assert list(res.to_frame().columns) == list(COLUMNS)
    assert res.converging  # the SD of logs falls over 1970-1986 (slope about -0.003)


def test_absolute_beta_equals_pyfixest(panel: so.SpatialPanel, growth_frame: pd.DataFrame) -> None:
    res = convergence(panel, "gsp", "beta")
    assert res.form == "absolute" and res.fixed_effects == "none"
    fit = pf.feols("g ~ lag", data=growth_frame, vcov={"CRV1": "state"})
    assert res.beta == pytest.approx(fit.coef()["lag"], rel=1e-10)
    assert res.to_frame().loc["beta", "std_error"] == pytest.approx(fit.se()["lag"], rel=1e-8)
    assert res.model.nobs == len(growth_frame) == 48 * 16


def test_conditional_beta_equals_pyfixest(panel: so.SpatialPanel, growth_frame: pd.DataFrame) -> None:
    res = convergence(panel, "gsp", "beta", controls="ln_emp")
    assert res.form == "conditional" and res.fixed_effects == "twoway"
    fit = pf.feols("g ~ lag + ln_emp | state + year", data=growth_frame, vcov={"CRV1": "state"})
    frame = res.to_frame()
    assert res.beta == pytest.approx(fit.coef()["lag"], rel=1e-8)
    assert frame.loc["beta", "std_error"] == pytest.approx(fit.se()["lag"], rel=1e-6)
    assert frame.loc["ln_emp", "estimate"] == pytest.approx(fit.coef()["ln_emp"], rel=1e-8)


def test_speed_and_half_life_by_hand(panel: so.SpatialPanel) -> None:
    res = convergence(panel, "gsp", "beta", controls="ln_emp", tau=2.0)
    b, se = res.to_frame().loc["beta", ["estimate", "std_error"]]
    lam = -np.log(1 + b) / 2.0
    se_lam = se / (2.0 * abs(1 + b))  # d lambda / d beta = -1 / (tau (1 + beta))
    assert res.speed == pytest.approx(lam, rel=1e-12)
    assert res.half_life == pytest.approx(np.log(2) / lam, rel=1e-12)
    frame = res.to_frame()
    assert frame.loc["speed", "std_error"] == pytest.approx(se_lam, rel=1e-12)
    assert frame.loc["half_life", "std_error"] == pytest.approx(np.log(2) * se_lam / lam**2, rel=1e-12)


@pytest.mark.parametrize("model", ["sar", "sem", "sdm"])
def test_spatial_beta_equals_spatial_panel_model(
    panel: so.SpatialPanel, growth_frame: pd.DataFrame, model: str
) -> None:
    w = so.weights.contiguity(panel.geometry, kind="queen")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = convergence(panel, "gsp", "spatial_beta", model=model, w=w, draws=200, seed=3)  # type: ignore[arg-type]
        extra = growth_frame.rename(columns={"g": "gg", "lag": "ll"}).set_index(["state", "year"])[
            ["gg", "ll"]
        ]
        direct = panel.with_data(extra).subset(periods=range(1971, 1987))
        fit = so.SpatialPanelModel(direct, "gg", ["ll"], w, kind=model, fixed_effects="twoway").fit()  # type: ignore[arg-type]
    want = fit.to_frame()
    frame = res.to_frame()
    np.testing.assert_allclose(frame.loc["beta"].to_numpy(), want.loc["ll"].to_numpy(), rtol=1e-8)
    spatial = "lambda" if model == "sem" else "rho"
    np.testing.assert_allclose(frame.loc[spatial].to_numpy(), want.loc[spatial].to_numpy(), rtol=1e-8)
    if model == "sem":
        assert "direct" not in frame.index
    else:
        imp = fit.impacts(draws=200, seed=3).xs("ll", level="variable")
        for effect in ("direct", "indirect", "total"):
            np.testing.assert_allclose(
                frame.loc[effect].to_numpy(), imp.loc[effect, list(COLUMNS)].to_numpy(dtype=float), rtol=1e-8
            )
    assert res.speed == pytest.approx(-np.log1p(res.beta), rel=1e-12)


def test_result_is_read_only_with_summary(panel: so.SpatialPanel) -> None:
    res = convergence(panel, "gsp", "beta")
    assert isinstance(res, ConvergenceResults)
    assert isinstance(res.summary(), Summary)
    assert "Beta convergence of gsp" in str(res)
    with pytest.raises(AttributeError):
        res.kind = "sigma"  # type: ignore[misc]
    frame = res.coefficients
    frame.loc["beta", "estimate"] = 99.0
    assert res.beta != 99.0


def test_errors(panel: so.SpatialPanel) -> None:
    rows = panel.data.reset_index()
    rows.loc[(rows["state"] == "Alabama") & (rows["year"] == 1975), "gsp"] = 0.0
    bad = so.SpatialPanel(rows, panel.geometry.reset_index(), id="state", time="year")
    with pytest.raises(PanelError, match=r"positive.*Alabama.*1975"):
        convergence(bad, "gsp", "beta")
    with pytest.raises(PanelError, match="at least 3 periods"):
        convergence(panel.subset(periods=[1970, 1971]), "gsp", "sigma")
    with pytest.raises(ModelError, match="kind"):
        convergence(panel, "gsp", "gamma")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="w="):
        convergence(panel, "gsp", "spatial_beta")
    with pytest.raises(ModelError, match="nope"):
        convergence(panel, "gsp", "beta", controls="nope")
    with pytest.raises(PanelError, match="nope"):
        convergence(panel, "nope", "sigma")


def test_speed_edge_cases() -> None:
    from spillover.disparity._convergence import speed_and_half_life

    # divergence (beta > 0): speed = -ln(1.1) < 0 by hand, no half-life
    speed, half = speed_and_half_life(0.1, 0.01)
    assert speed[0] == pytest.approx(-np.log(1.1), rel=1e-12)
    assert np.isnan(half).all()
    # beta <= -1: the log is undefined
    speed, half = speed_and_half_life(-1.0, 0.01)
    assert np.isnan(speed).all() and np.isnan(half).all()
