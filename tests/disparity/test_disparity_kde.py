"""Kernel density evolution of spillover.disparity against scipy.stats.gaussian_kde and hand-built mixtures.

Provenance: the densities are scipy.stats.gaussian_kde evaluated directly on the same values and grid; the peaks
of a hand-built two-cluster cross-section are where the clusters were put; the quantiles of the density are
checked against scipy's own integral of the KDE (gaussian_kde.integrate_box_1d).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.stats import gaussian_kde
from shapely.geometry import Point

import spillover as so
from spillover import disparity
from spillover.errors import PanelError, SpilloverError


def _panel(values: dict[int, np.ndarray]) -> so.SpatialPanel:
    n = len(next(iter(values.values())))
    ids = [f"r{i:03d}" for i in range(n)]
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i, 0) for i in range(n)])
    data = pd.DataFrame(
        {
            "id": np.tile(ids, len(values)),
            "year": np.repeat(list(values), n),
            "y": np.concatenate(list(values.values())),
        }
    )
    return so.SpatialPanel(data, geo, id="id", time="year")


def _bimodal(n: int, centres: tuple[float, float], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(centres[0], 0.3, n // 2), rng.normal(centres[1], 0.3, n - n // 2)])


def test_densities_equal_scipy(us_panel):
    res = disparity.kernel_density(us_panel, "ln_gsp", periods=[1970, 1986])
    for year in (1970, 1986):
        x = us_panel.matrix("ln_gsp")[year].to_numpy()
        kde = gaussian_kde(x, bw_method="silverman")  # provenance: scipy directly
        np.testing.assert_allclose(res.densities[year].to_numpy(), kde(res.grid))
        assert res.features.loc[year, "bandwidth"] == pytest.approx(np.sqrt(kde.covariance[0, 0]))
    long = res.to_frame()
    assert list(long.columns) == ["period", "value", "density"] and len(long) == 2 * 512
    np.testing.assert_allclose(long.loc[long["period"] == 1986, "density"], res.densities[1986])


def test_relative_values_and_scott_and_factor(us_panel):
    x = us_panel.matrix("ln_gsp")[1980].to_numpy()
    rel = disparity.kernel_density(us_panel, "ln_gsp", periods=[1980], relative=True, bandwidth="scott")
    kde = gaussian_kde(x / x.mean(), bw_method="scott")  # provenance: scipy on value / cross-section mean
    np.testing.assert_allclose(rel.densities[1980].to_numpy(), kde(rel.grid))
    fac = disparity.kernel_density(us_panel, "ln_gsp", periods=[1980], bandwidth=0.5)
    np.testing.assert_allclose(fac.densities[1980].to_numpy(), gaussian_kde(x, bw_method=0.5)(fac.grid))
    assert rel.relative is True


def test_peaks_of_a_bimodal_mixture():
    # hand-built: 2000 regions split between clusters at -2 and 3 (sd 0.3) in 2001; one cluster at 1 in 2002
    rng = np.random.default_rng(5)
    values = {2001: _bimodal(2000, (-2.0, 3.0), seed=1), 2002: rng.normal(1.0, 0.3, 2000)}
    res = disparity.kernel_density(_panel(values), "y")
    f = res.features
    assert f.loc[2001, "n_peaks"] == 2
    np.testing.assert_allclose(f.loc[2001, "peaks"], [-2.0, 3.0], atol=0.1)
    assert f.loc[2002, "n_peaks"] == 1
    assert f.loc[2002, "peak"] == pytest.approx(1.0, abs=0.1)
    # tails: the density's own quantiles (scipy's integral of the KDE up to q05 / q95)
    kde = gaussian_kde(values[2002], bw_method="silverman")
    assert kde.integrate_box_1d(-np.inf, f.loc[2002, "q95"]) == pytest.approx(0.95, abs=2e-3)
    assert kde.integrate_box_1d(-np.inf, f.loc[2002, "q05"]) == pytest.approx(0.05, abs=2e-3)
    assert f.loc[2002, "right_tail"] == pytest.approx(f.loc[2002, "q95"] - f.loc[2002, "peak"])
    # the normal's 95th percentile is 1.645 sd from its mode
    assert f.loc[2002, "right_tail"] == pytest.approx(
        1.645 * np.hypot(0.3, f.loc[2002, "bandwidth"]), rel=0.1
    )
    text = str(res.summary())
    assert "Peaks and tails per period" in text


def test_kde_errors(us_panel):
    with pytest.raises(SpilloverError, match="bandwidth"):
        disparity.kernel_density(us_panel, "ln_gsp", bandwidth="wide")
    with pytest.raises(SpilloverError, match="bandwidth"):
        disparity.kernel_density(us_panel, "ln_gsp", bandwidth=-1.0)
    with pytest.raises(PanelError, match="1900"):
        disparity.kernel_density(us_panel, "ln_gsp", periods=[1900])
    with pytest.raises(PanelError, match="nope"):
        disparity.kernel_density(us_panel, "nope")
    const = _panel({2001: np.ones(5), 2002: np.arange(5.0)})
    with pytest.raises(SpilloverError, match="constant in period 2001"):
        disparity.kernel_density(const, "y")
