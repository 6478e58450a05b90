"""Conley (1999) spatial-HAC standard errors of the panel models.

References: an independent implementation in this file (an explicit double loop over all pairs of
observations with the haversine formula, the within transformation by a dense dummy projection, 2SLS by
hand); pyfixest's ``"hetero"`` covariance and statsmodels' HC1 called directly (a cutoff below every distance,
no lag); the sum over all pairs (a cutoff beyond every distance, uniform kernel, no lag, one period).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.panel_models import fe_iv, fixed_effects
from spillover.panel_models._conley import conley_meat
from spillover.panel_models._data import prepare
from spillover.weights._geometry import _lonlat, _unit_vectors

R_KM = 6371.0088  # the mean Earth radius the package uses (IUGG)
N_REGIONS, N_PERIODS = 14, 5


def make_panel(n_regions: int = N_REGIONS, n_periods: int = N_PERIODS, seed: int = 3) -> SpatialPanel:
    """Square regions (0.4 degrees) scattered over 8 x 6 degrees; y, x1, x2, an instrument z and an
    endogenous xe; point columns lon/lat that move a little from period to period."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i:02d}" for i in range(n_regions)]
    lon0, lat0 = rng.uniform(5, 13, n_regions), rng.uniform(44, 50, n_regions)
    geo = gpd.GeoDataFrame(
        {"id": ids}, geometry=[box(a, b, a + 0.4, b + 0.4) for a, b in zip(lon0, lat0)], crs="EPSG:4326"
    )
    rows = []
    common = rng.normal(size=n_periods)
    for i, r in enumerate(ids):
        for t in range(n_periods):
            z = rng.normal()
            u = rng.normal() + 0.8 * common[t] * (lon0[i] > 9)
            xe = 0.7 * z + 0.5 * u + rng.normal()
            x1, x2 = rng.normal() + 0.3 * lon0[i], rng.normal()
            rows.append(
                {
                    "id": r,
                    "year": 2000 + t,
                    "x1": x1,
                    "x2": x2,
                    "z": z,
                    "xe": xe,
                    "y": 1 + 0.5 * x1 - 0.3 * x2 + 0.8 * xe + u,
                    "lon": lon0[i] + 0.2 + 0.05 * rng.normal(),
                    "lat": lat0[i] + 0.2 + 0.05 * rng.normal(),
                }
            )
    return SpatialPanel(pd.DataFrame(rows), geo, id="id", time="year")


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2, l1, l2 = map(np.radians, (lat1, lat2, lon1, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return float(2 * R_KM * np.arcsin(np.sqrt(a)))


def reference_meat(scores, lon, lat, unit, period, cutoff, kernel, lag):
    """The Conley meat by an explicit double loop: same period -> distance kernel (the own term once),
    same region and 0 < |t - s| <= lag -> Bartlett weight in time, anything else 0."""
    k = scores.shape[1]
    meat = np.zeros((k, k))
    for a in range(len(scores)):
        for b in range(len(scores)):
            if period[a] == period[b]:
                d = haversine_km(lon[a], lat[a], lon[b], lat[b])
                if d > cutoff:
                    continue
                w = 1.0 if kernel == "uniform" else 1 - d / cutoff
            elif unit[a] == unit[b] and abs(period[a] - period[b]) <= lag:
                w = 1 - abs(period[a] - period[b]) / (lag + 1)
            else:
                continue
            meat += w * np.outer(scores[a], scores[b])
    return meat


def within(frame: pd.DataFrame, fe: str, cols: list[str]) -> np.ndarray:
    """Residuals of ``cols`` on region/period dummies (a dense projection): the within transformation."""
    x = frame[cols].to_numpy(float)
    if fe == "none":
        return x
    ids, years = frame.index.get_level_values(0), frame.index.get_level_values(1)
    d = np.column_stack([pd.get_dummies(ids).to_numpy(float), pd.get_dummies(years).to_numpy(float)])
    return x - d @ np.linalg.lstsq(d, x, rcond=None)[0]


def absorbed(frame: pd.DataFrame, fe: str) -> int:
    return {
        "none": 0,
        "twoway": frame.index.get_level_values(0).nunique() + frame.index.get_level_values(1).nunique() - 1,
    }[fe]


def reference_se(panel, fe, y, exog, endog, instruments, cutoff, kernel, lag, points, frame=None):
    frame = panel.data if frame is None else frame
    yt = within(frame, fe, [y])[:, 0]
    w = within(frame, fe, exog)
    if fe == "none":  # pooled OLS: a constant, last (the package's order)
        w = np.column_stack([w, np.ones(len(w))])
    if endog:
        xmat = np.column_stack([within(frame, fe, endog), w])
        zmat = np.column_stack([within(frame, fe, instruments), w])
        xhat = zmat @ np.linalg.lstsq(zmat, xmat, rcond=None)[0]
        beta = np.linalg.solve(xhat.T @ xmat, xhat.T @ yt)
        resid, reg = yt - xmat @ beta, xhat
    else:
        beta = np.linalg.lstsq(w, yt, rcond=None)[0]
        resid, reg = yt - w @ beta, w
    if points == "columns":
        lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    else:  # region centroids: the weights layer's points (tested there); this checks the plumbing
        clon, clat = _lonlat(panel.geometry, "centroid")
        pos = panel.geometry.index.get_indexer(frame.index.get_level_values(0))
        lon, lat = clon[pos], clat[pos]
    unit = pd.factorize(frame.index.get_level_values(0))[0]
    period = pd.factorize(frame.index.get_level_values(1), sort=True)[0]
    meat = reference_meat(reg * resid[:, None], lon, lat, unit, period, cutoff, kernel, lag)
    bread = np.linalg.inv(reg.T @ reg)
    n, k = len(yt), reg.shape[1] + absorbed(frame, fe)
    return beta, np.sqrt(np.diag(n / (n - k) * bread @ meat @ bread))


@pytest.fixture(scope="module")
def panel() -> SpatialPanel:
    return make_panel()


CASES = [(kernel, lag) for kernel in ("uniform", "bartlett") for lag in (0, 2)]


@pytest.mark.parametrize(("kernel", "lag"), CASES)
@pytest.mark.parametrize("fe", ["twoway", "none"])
def test_ols_matches_double_loop(panel, kernel, lag, fe):
    res = fixed_effects(
        panel,
        "y",
        ["x1", "x2"],
        fixed_effects=fe,
        se="conley",
        cutoff_km=300,
        coords=("lon", "lat"),
        kernel=kernel,
        lag=lag,
    )
    beta, se = reference_se(panel, fe, "y", ["x1", "x2"], [], [], 300, kernel, lag, "columns")
    np.testing.assert_allclose(res.params.to_numpy(), beta, rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), se, rtol=1e-10)
    assert res.df_resid == res.nobs - (3 if fe == "none" else 2 + N_REGIONS + N_PERIODS - 1)


@pytest.mark.parametrize(("kernel", "lag"), CASES)
@pytest.mark.parametrize("fe", ["twoway", "none"])
def test_iv_matches_double_loop(panel, kernel, lag, fe):
    res = fe_iv(
        panel,
        "y",
        exog=["x1", "x2"],
        endog="xe",
        instruments="z",
        fixed_effects=fe,
        se="conley",
        cutoff_km=300,
        coords=("lon", "lat"),
        kernel=kernel,
        lag=lag,
    )
    beta, se = reference_se(panel, fe, "y", ["x1", "x2"], ["xe"], ["z"], 300, kernel, lag, "columns")
    np.testing.assert_allclose(res.params.to_numpy(), beta, rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), se, rtol=1e-10)


def test_centroids_by_default(panel):
    res = fixed_effects(panel, "y", ["x1", "x2"], se="conley", cutoff_km=400, kernel="bartlett", lag=1)
    _, se = reference_se(panel, "twoway", "y", ["x1", "x2"], [], [], 400, "bartlett", 1, "centroids")
    np.testing.assert_allclose(res.std_errors.to_numpy(), se, rtol=1e-10)
    text = str(res.summary())
    assert "Conley spatial HAC (bartlett kernel, cutoff 400 km, serial Bartlett up to lag 1" in text
    assert f"N/(N-K) = {res.nobs}/{res.df_resid}" in text


def test_unbalanced_panel_lag_counts_periods_in_order(panel):
    data = panel.data.copy()
    data.loc[("r03", 2002), "y"] = np.nan  # region r03 loses its middle period
    data.loc[("r07", 2000), "y"] = np.nan
    sub = panel.with_data(data[["y"]].rename(columns={"y": "y2"}))
    res = fixed_effects(
        sub,
        "y2",
        ["x1", "x2"],
        fixed_effects="none",
        se="conley",
        cutoff_km=250,
        coords=("lon", "lat"),
        lag=3,
    )
    kept = sub.data.dropna(subset=["y2"])
    _, se = reference_se(sub, "none", "y2", ["x1", "x2"], [], [], 250, "bartlett", 3, "columns", kept)
    np.testing.assert_allclose(res.std_errors.to_numpy(), se, rtol=1e-10)


def test_tiny_cutoff_is_pyfixest_hetero(panel):
    import pyfixest as pf

    res = fixed_effects(panel, "y", ["x1", "x2"], se="conley", cutoff_km=1e-6, coords=("lon", "lat"))
    data = panel.data.reset_index()
    fit = pf.feols("y ~ x1 + x2 | id + year", data=data, vcov="hetero")
    np.testing.assert_allclose(res.std_errors.to_numpy(), fit.se().to_numpy(), rtol=1e-10)


def test_tiny_cutoff_pooled_is_statsmodels_hc1(panel):
    import statsmodels.api as sm

    res = fixed_effects(
        panel,
        "y",
        ["x1", "x2"],
        fixed_effects="none",
        se="conley",
        cutoff_km=1e-6,
        coords=("lon", "lat"),
        kernel="uniform",
    )
    data = panel.data
    fit = sm.OLS(data["y"].to_numpy(), sm.add_constant(data[["x1", "x2"]].to_numpy(), prepend=False)).fit(
        cov_type="HC1"
    )
    np.testing.assert_allclose(res.std_errors.to_numpy(), fit.bse, rtol=1e-10)  # HC1 = n/(n-K) HC0


def test_huge_cutoff_is_sum_over_all_pairs():
    rng = np.random.default_rng(0)
    n = 40
    scores = rng.normal(size=(n, 3))
    xyz = _unit_vectors(rng.uniform(-180, 180, n), rng.uniform(-90, 90, n))
    zeros = np.zeros(n, dtype=np.int64)
    meat = conley_meat(scores, xyz, np.arange(n), zeros, cutoff_km=30_000, kernel="uniform", lag=0)
    total = scores.sum(axis=0)
    np.testing.assert_allclose(meat, np.outer(total, total), rtol=1e-12)


def test_huge_cutoff_pooled_cross_section_scores_sum_to_zero(panel):
    """With a constant the OLS scores sum to zero, so the all-pairs meat (and the covariance) vanishes."""
    cs = SpatialPanel(
        panel.data.xs(2001, level=1, drop_level=False).reset_index(),
        panel.geometry.reset_index(),
        id="id",
        time="year",
    )
    res = fixed_effects(
        cs,
        "y",
        ["x1", "x2"],
        fixed_effects="none",
        se="conley",
        cutoff_km=30_000,
        kernel="uniform",
        coords=("lon", "lat"),
    )
    hc = fixed_effects(
        cs, "y", ["x1", "x2"], fixed_effects="none", se="conley", cutoff_km=1e-6, coords=("lon", "lat")
    )
    assert (np.abs(np.diag(res.cov.to_numpy())) < 1e-12 * np.diag(hc.cov.to_numpy())).all()


def test_matches_reference_on_random_subsets_of_pairs():
    """conley_meat against the double loop on scattered points with several periods (no model)."""
    rng = np.random.default_rng(5)
    n_u, n_t = 25, 4
    lon, lat = rng.uniform(0, 20, n_u), rng.uniform(35, 55, n_u)
    unit, period = np.repeat(np.arange(n_u), n_t), np.tile(np.arange(n_t), n_u)
    keep = rng.random(len(unit)) > 0.15
    unit, period = unit[keep], period[keep]
    scores = rng.normal(size=(len(unit), 2))
    for kernel in ("uniform", "bartlett"):
        got = conley_meat(
            scores, _unit_vectors(lon[unit], lat[unit]), unit, period, cutoff_km=600, kernel=kernel, lag=2
        )
        want = reference_meat(scores, lon[unit], lat[unit], unit, period, 600, kernel, 2)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------- checks
def test_coords_columns_checked(panel):
    data = panel.data
    with pytest.raises(ModelError, match="'lonx' is not in the panel"):
        fixed_effects(panel, "y", "x1", se="conley", cutoff_km=100, coords=("lonx", "lat"))
    bad = data[["lat"]].rename(columns={"lat": "lat2"}).copy()
    bad.loc[("r01", 2003), "lat2"] = 95.0
    bad.loc[("r02", 2000), "lat2"] = np.nan
    p2 = panel.with_data(bad)
    with pytest.raises(
        ModelError, match=r"'lat2' must hold degrees within \+-90.*r01/2003.*r02/2000|r02/2000.*r01/2003"
    ):
        fixed_effects(p2, "y", "x1", se="conley", cutoff_km=100, coords=("lon", "lat2"))
    with pytest.raises(ModelError, match="coords must name two columns"):
        fixed_effects(panel, "y", "x1", se="conley", cutoff_km=100, coords="lon")


def test_options_checked(panel):
    with pytest.raises(ModelError, match="needs cutoff_km="):
        fixed_effects(panel, "y", "x1", se="conley")
    with pytest.raises(ModelError, match="cutoff_km"):
        fixed_effects(panel, "y", "x1", se="conley", cutoff_km=0)
    with pytest.raises(ModelError, match="kernel"):
        fixed_effects(panel, "y", "x1", se="conley", cutoff_km=10, kernel="gaussian")
    with pytest.raises(ModelError, match="lag"):
        fixed_effects(panel, "y", "x1", se="conley", cutoff_km=10, lag=-1)
    with pytest.raises(ModelError, match="se"):
        fixed_effects(panel, "y", "x1", se="spatial")
    with pytest.raises(ModelError, match="'cutoff_km' and 'lag'|cutoff_km.*lag.*se='conley'"):
        fixed_effects(panel, "y", "x1", cutoff_km=10, lag=1)
    with pytest.raises(ModelError, match="cluster='time' does not apply"):
        fixed_effects(panel, "y", "x1", se="conley", cutoff_km=10, cluster="time")
    with pytest.raises(ModelError, match="inference='wild' does not apply"):
        fixed_effects(panel, "y", "x1", se="conley", cutoff_km=10, inference="wild")


def test_no_crs_asks_for_coords(panel):
    geo = panel.geometry.reset_index()
    geo = gpd.GeoDataFrame(geo.drop(columns="geometry"), geometry=gpd.GeoSeries(geo.geometry.to_numpy()))
    p = SpatialPanel(panel.data.reset_index(), geo, id="id", time="year")
    with pytest.raises(ModelError, match="coords=\\('lon_col', 'lat_col'\\)"):
        fixed_effects(p, "y", "x1", se="conley", cutoff_km=100)


def test_sample_keeps_cluster_path_unchanged(panel):
    """se='cluster' leaves the sample (and pyfixest's CR1) as before."""
    s = prepare(panel, ["y", "x1"])
    assert s.conley is None and s.cluster == "unit"
