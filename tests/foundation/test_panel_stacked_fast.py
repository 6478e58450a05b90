"""SpatialPanel.stacked by a numpy reshape equals the pandas unstack it replaced (issue #24).

Reference: an explicit loop over periods then regions reading each cell from the caller's long frame by
its (id, period) key, and pandas' ``matrix(var).to_numpy().T.ravel()`` (the former implementation).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover import SpatialPanel
from spillover.errors import PanelError, UnbalancedPanelError


def _geo(ids: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"region": ids}, geometry=[box(i, 0, i + 1, 1) for i in range(len(ids))])


def _loop(df: pd.DataFrame, ids: list, periods: list, var: str) -> list[float]:
    cell = {(r, t): float(v) for r, t, v in zip(df["region"], df["year"], df[var])}
    return [cell[(r, t)] for t in periods for r in ids]


@pytest.mark.parametrize(
    ("ids", "periods"),
    [
        (["b", "a", "c", "10", "2"], [2003, 2001, 2002]),  # string ids not sorted, integer periods
        ([30, 4, 17, 1], ["2001q2", "2000q4", "2001q1"]),  # integer ids, string periods
        ([0.5, 2.5, 1.5], [3, 1, 2, 0]),
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_stacked_equals_loop_and_pandas_on_shuffled_rows(ids, periods, seed):
    rng = np.random.default_rng(seed)
    rows = [(r, t) for r in ids for t in periods]
    df = pd.DataFrame(rows, columns=["region", "year"])
    df["y"] = rng.normal(size=len(df))
    df["k"] = rng.integers(-5, 5, size=len(df))  # integer column: converted to float
    df = df.sample(frac=1.0, random_state=seed)  # rows in no order at all
    geo = _geo(ids).sample(frac=1.0, random_state=seed + 7)  # geometry order is the panel's region order
    p = SpatialPanel(df, geo, id="region", time="year")
    order = p.ids.tolist()
    assert order == geo["region"].tolist()
    for var in ("y", "k"):
        fast = p.stacked(var)
        assert fast.dtype == np.float64
        assert fast.tolist() == _loop(df, order, sorted(periods), var)
        np.testing.assert_array_equal(fast, p.matrix(var).to_numpy(dtype=float).T.ravel())


def test_stacked_after_subset_with_data_and_interpolation():
    ids, years = ["a", "b", "c"], [1, 2, 3, 4]
    rows = [(r, t) for r in ids for t in years if (r, t) != ("b", 3)]  # looks unbalanced: one cell missing
    df = pd.DataFrame(rows, columns=["region", "year"]).sample(frac=1.0, random_state=3)
    df["y"] = np.arange(len(df), dtype=float) * 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = SpatialPanel(df, _geo(ids), id="region", time="year", interpolate=True)
    full = df.set_index(["region", "year"])["y"].to_dict()
    full[("b", 3)] = (full[("b", 2)] + full[("b", 4)]) / 2  # linear interpolation between periods 2 and 4
    assert p.stacked("y").tolist() == [full[(r, t)] for t in years for r in ids]
    sub = p.subset(periods=[4, 2], ids=["c", "a"])
    assert sub.stacked("y").tolist() == [full[(r, t)] for t in sorted([4, 2]) for r in sub.ids]
    extra = pd.Series({(r, t): 100.0 * (i + 1) + t for i, r in enumerate(ids) for t in years}, name="z")
    p2 = p.with_data(extra)
    assert p2.stacked("z").tolist() == [100.0 * (ids.index(r) + 1) + t for t in years for r in ids]
    np.testing.assert_array_equal(p2.stacked("y"), p.stacked("y"))


def test_stacked_keeps_the_checks():
    ids = ["a", "b"]
    df = pd.DataFrame({"region": ["a", "a", "b", "b"], "year": [1, 2, 1, 2], "y": [1.0, np.inf, 2.0, 3.0]})
    df["m"] = [1.0, np.nan, 2.0, 3.0]
    df["s"] = ["1", "2", "x", "4"]
    p = SpatialPanel(df, _geo(ids), id="region", time="year")
    with pytest.raises(PanelError, match="infinite"):
        p.stacked("y")
    with pytest.raises(UnbalancedPanelError, match="missing value"):
        p.stacked("m")
    with pytest.raises(PanelError, match="not numeric"):
        p.stacked("s")
    with pytest.raises(PanelError, match="not in the panel"):
        p.stacked("nope")
