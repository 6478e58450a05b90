"""SpatialPanel: validation at the boundary, layouts, and never mutating the caller's frames.

Expected values are hand-computed from the tiny frames built here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover import SpatialPanel
from spillover.errors import InterpolationWarning, PanelError, UnbalancedPanelError


def _geo(ids: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"region": ids}, geometry=[box(i, 0, i + 1, 1) for i in range(len(ids))], crs="EPSG:4326"
    )


def _data(ids: list, years: list[int]) -> pd.DataFrame:
    rows = [(r, t) for r in ids for t in years]
    df = pd.DataFrame(rows, columns=["region", "year"])
    df["y"] = np.arange(len(df), dtype=float)
    df["x"] = 10.0 * np.arange(len(df))
    return df


@pytest.mark.parametrize("ids", [["a", "b", "c"], [3, 1, 2], ["0", "10", "2"]])
def test_orders_follow_geometry_and_layouts(ids):
    geo = _geo(ids)
    df = _data(ids, [2001, 2000])
    shuffled = df.sample(frac=1.0, random_state=1)
    p = SpatialPanel(shuffled, geo, id="region", time="year")
    assert p.ids.tolist() == ids  # geometry order, never sorted (no lexicographic "0","10","2" surprise)
    assert p.periods.tolist() == [2000, 2001]
    # y was numbered row by row in _data: region i, year 2001 -> 2i, year 2000 -> 2i + 1
    m = p.matrix("y")
    assert m.to_numpy().tolist() == [[1.0, 0.0], [3.0, 2.0], [5.0, 4.0]]
    # period-major stacking: all regions in 2000, then all in 2001
    assert p.stacked("y").tolist() == [1.0, 3.0, 5.0, 0.0, 2.0, 4.0]
    assert p.data.index.names == ["region", "year"]
    assert p.geometry.index.tolist() == ids


def test_never_mutates_callers_frames():
    geo, df = _geo(["a", "b"]), _data(["a", "b"], [1, 2])
    geo_before, df_before = geo.copy(), df.copy()
    p = SpatialPanel(df, geo, id="region", time="year")
    view = p.data
    view.loc[("a", 1), "y"] = -99.0  # a copy: the panel is not changed either
    assert p.matrix("y").loc["a", 1] == 0.0
    pd.testing.assert_frame_equal(df, df_before)
    pd.testing.assert_frame_equal(geo, geo_before)


def test_cross_section_is_geodataframe():
    p = SpatialPanel(_data(["a", "b"], [1, 2]), _geo(["a", "b"]), id="region", time="year")
    cs = p.cross_section(2)
    assert isinstance(cs, gpd.GeoDataFrame)
    assert cs.loc["b", "y"] == 3.0 and cs.crs == "EPSG:4326"
    with pytest.raises(PanelError, match="period 3 is not in the panel"):
        p.cross_section(3)


def test_duplicate_rows_named():
    df = _data(["a", "b"], [1, 2])
    df = pd.concat([df, df.iloc[[2]]])
    with pytest.raises(PanelError, match=r"duplicate \(region, year\) rows: \('b', 1\)"):
        SpatialPanel(df, _geo(["a", "b"]), id="region", time="year")


def test_ids_missing_on_either_side_named():
    with pytest.raises(PanelError, match="ids in the data but not in the geometry: 'c'"):
        SpatialPanel(_data(["a", "b", "c"], [1]), _geo(["a", "b"]), id="region", time="year")
    with pytest.raises(PanelError, match="ids in the geometry but not in the data: 'c'"):
        SpatialPanel(_data(["a", "b"], [1]), _geo(["a", "b", "c"]), id="region", time="year")


def test_id_type_mismatch_hint():
    with pytest.raises(PanelError, match=r"holds \['int'\].*\['str'\]"):
        SpatialPanel(_data([1, 2], [1]), _geo(["1", "2"]), id="region", time="year")


def test_missing_geometry_named():
    geo = _geo(["a", "b"])
    geo.loc[1, "geometry"] = None
    with pytest.raises(PanelError, match="missing or empty geometry: 'b'"):
        SpatialPanel(_data(["a", "b"], [1]), geo, id="region", time="year")


def test_missing_column_named():
    with pytest.raises(PanelError, match="column 'province' is not in the data"):
        SpatialPanel(_data(["a"], [1]), _geo(["a"]), id="province", time="year")


def test_non_numeric_variable_named_with_cell():
    df = _data(["a", "b"], [1, 2]).astype({"x": object})
    df.loc[3, "x"] = "n/a"
    p = SpatialPanel(df, _geo(["a", "b"]), id="region", time="year")
    with pytest.raises(PanelError, match=r"'x' is not numeric.*b/2: 'n/a'"):
        p.matrix("x")
    with pytest.raises(PanelError, match=r"'x' is not numeric"):
        SpatialPanel(df, _geo(["a", "b"]), id="region", time="year", variables=["x"])
    with pytest.raises(PanelError, match="variable 'z' is not in the panel"):
        p.matrix("z")


def test_unbalanced_lists_missing_cells():
    df = _data(["a", "b"], [1, 2, 3]).drop(index=[4])  # b, 2
    with pytest.raises(UnbalancedPanelError, match=r"1 \(region, period\) cell\(s\) are missing: \('b', 2\)"):
        SpatialPanel(df, _geo(["a", "b"]), id="region", time="year")


def test_interpolation_fills_interior_and_reports():
    df = _data(["a", "b"], [1, 2, 4]).drop(index=[4])  # b, 2 missing; b has 1 -> 3.0, 4 -> 5.0
    df.loc[1, "x"] = np.nan  # a, 2: a's x is 0 at 1, 20 at 4
    with pytest.warns(InterpolationWarning, match="filled 3 value"):
        p = SpatialPanel(df, _geo(["a", "b"]), id="region", time="year", interpolate=True)
    # linear in the period value, not the position: year 2 lies 1/3 of the way from 1 to 4
    assert p.matrix("y").loc["b", 2] == pytest.approx(3.0 + (5.0 - 3.0) / 3)
    assert p.matrix("x").loc["a", 2] == pytest.approx(0.0 + (20.0 - 0.0) / 3)
    filled = p.filled
    assert len(filled) == 3
    assert set(map(tuple, filled[["region", "year", "variable"]].itertuples(index=False))) == {
        ("b", 2, "y"),
        ("b", 2, "x"),
        ("a", 2, "x"),
    }


def test_interpolation_refuses_edges():
    df = _data(["a", "b"], [1, 2, 3]).drop(index=[3])  # b, 1: first period
    with pytest.raises(UnbalancedPanelError, match=r"start or end.*\('b', 1\)"):
        SpatialPanel(df, _geo(["a", "b"]), id="region", time="year", interpolate=True)


def test_nan_value_named_when_variable_used():
    df = _data(["a", "b"], [1, 2])
    df.loc[2, "y"] = np.nan
    p = SpatialPanel(df, _geo(["a", "b"]), id="region", time="year")
    with pytest.raises(UnbalancedPanelError, match=r"'y' has 1 missing value.*\('b', 1\)"):
        p.stacked("y")


def test_with_data_and_subset():
    p = SpatialPanel(_data(["a", "b"], [1, 2]), _geo(["a", "b"]), id="region", time="year")
    extra = pd.DataFrame({"region": ["a", "b"], "year": [2, 2], "tfp": [1.5, 0.5]})
    q = p.with_data(extra)
    assert q.matrix("y").equals(p.matrix("y"))
    assert np.isnan(q.data.loc[("a", 1), "tfp"]) and q.data.loc[("b", 2), "tfp"] == 0.5
    with pytest.raises(PanelError, match="already in the panel"):
        q.with_data(extra)
    with pytest.raises(PanelError, match="not in the panel"):
        p.with_data(pd.DataFrame({"region": ["c"], "year": [1], "tfp": [1.0]}))
    s = p.subset(periods=[2], ids=["b"])
    assert s.n_regions == 1 and s.matrix("y").to_numpy().tolist() == [[3.0]]  # b, 2 is the 4th row
    with pytest.raises(PanelError, match="unknown region"):
        p.subset(ids=["zz"])


def test_describe_mentions_shape():
    p = SpatialPanel(_data(["a", "b"], [1, 2]), _geo(["a", "b"]), id="region", time="year")
    text = p.describe()
    assert "2 regions x 2 periods = 4 observations" in text and "'y', 'x'" in text
