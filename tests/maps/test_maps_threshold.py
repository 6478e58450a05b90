"""maps.threshold_plot: one LR(gamma) panel per threshold, with the critical-value line."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from shapely.geometry import Point

from spillover import maps
from spillover.errors import SpilloverError
from spillover.panel import SpatialPanel
from spillover.panel_models import threshold


@pytest.fixture(scope="module")
def panel() -> SpatialPanel:
    rng = np.random.default_rng(0)
    n, t = 40, 5
    ids = [f"r{i}" for i in range(n)]
    q, r = rng.uniform(0, 1, (n, t)), rng.normal(size=(n, t))
    y = np.where(q <= 0.5, 1.0, 2.0) * r + rng.normal(size=(n, t))
    data = pd.DataFrame(
        {
            "id": np.repeat(ids, t),
            "year": np.tile(np.arange(t), n),
            "y": y.ravel(),
            "r": r.ravel(),
            "q": q.ravel(),
        }
    )
    return SpatialPanel(
        data, gpd.GeoDataFrame({"id": ids}, geometry=[Point(i, 0) for i in range(n)]), id="id", time="year"
    )


@pytest.mark.parametrize(
    ("m", "titles"), [(1, ["Th-1"]), (2, ["Th-21", "Th-22"]), (3, ["Th-21", "Th-22", "Th-3"])]
)
def test_one_panel_per_threshold_with_the_critical_value(panel, m, titles):
    res = threshold(panel, "y", (), "q", "r", n_thresholds=m, draws=0, grid=30, trim=0.1)
    fig = maps.threshold_plot(res)
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == titles
    for ax, key in zip(fig.axes, titles):
        lines = ax.get_lines()
        curve = res.lr[res.lr["threshold"] == key]
        np.testing.assert_allclose(lines[0].get_ydata(), curve["lr"].to_numpy())  # the stored curve
        assert lines[1].get_ydata()[0] == pytest.approx(-2 * np.log(1 - np.sqrt(0.95)))  # Hansen's c(0.95)
    plt.close(fig)


def test_refuses_other_results():
    with pytest.raises(SpilloverError, match="panel_models.threshold"):
        maps.threshold_plot(object())  # type: ignore[arg-type]
