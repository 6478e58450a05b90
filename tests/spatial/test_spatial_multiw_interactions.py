"""Interaction terms ('x:z') and several or time-varying W: refused, since the effects at a moderator's
value are derived for one W only (a wrong effect must never be reported silently)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover import SpatialPanel, SpatialPanelModel
from spillover.errors import ModelError

N, T = 8, 3
IDS = [f"r{i}" for i in range(N)]


def _w(shift: int) -> pd.DataFrame:
    m = np.zeros((N, N))
    for i in range(N):
        m[i, (i + shift) % N] = m[i, (i - shift) % N] = 0.5
    return pd.DataFrame(m, index=IDS, columns=IDS)


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(0)
    geo = gpd.GeoDataFrame({"r": IDS}, geometry=[box(i, 0, i + 1, 1) for i in range(N)])
    df = pd.DataFrame([(r, t) for t in range(T) for r in IDS], columns=["r", "t"])
    for col in ("y", "x", "z"):
        df[col] = rng.normal(size=len(df))
    return SpatialPanel(df, geo, id="r", time="t")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"w": {t: _w(1 + t % 2) for t in range(T)}},
        {"w": _w(1), "w_x": _w(2)},
        {"w": [_w(1), _w(2)], "w_x": _w(1)},
    ],
    ids=["time-varying", "w_x", "two-lags"],
)
def test_interactions_with_several_w_are_refused(panel, kwargs):
    model = SpatialPanelModel(panel, "y", ["x", "z", "x:z"], kind="sdm", **kwargs)
    with pytest.raises(ModelError, match="interaction terms"):
        model.fit()
