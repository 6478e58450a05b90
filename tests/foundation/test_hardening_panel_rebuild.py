"""Issue 19, class 11: a panel rebuilt from another (subset, with_data, lag, the study's [tfp] step) keeps
the geometry's own id column (``geometry_id=``) when it differs from the data's id column."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover import SpatialPanel
from spillover.panel_models import lag

N, T = 6, 4


def _frames() -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(3)
    geo = gpd.GeoDataFrame(
        {"name": [f"r{i}" for i in range(N)], "other": range(N)},
        crs="EPSG:4326",
        geometry=[box(i, 0, i + 1, 1) for i in range(N)],
    )
    df = pd.DataFrame(
        {"region": np.repeat([f"r{i}" for i in range(N)], T), "year": np.tile(range(2001, 2001 + T), N)}
    )
    df["k"] = rng.uniform(1, 2, N * T)
    df["l"] = rng.uniform(1, 2, N * T)
    df["q"] = df.k**0.4 * df.l**0.6 * rng.uniform(0.8, 1.0, N * T)
    return df, geo


@pytest.fixture
def panel() -> SpatialPanel:
    df, geo = _frames()
    return SpatialPanel(df, geo, id="region", time="year", geometry_id="name")


def test_subset_keeps_the_geometry_id(panel):
    sub = panel.subset(periods=[2001, 2002], ids=["r1", "r3"])
    assert list(sub.ids) == ["r1", "r3"] and list(sub.periods) == [2001, 2002]
    assert list(sub.geometry["other"]) == [1, 3]  # the geometry's attributes follow their region
    assert sub.subset(ids=["r3"]).n_regions == 1  # and a rebuilt panel can be rebuilt again


def test_with_data_keeps_the_geometry_id(panel):
    extra = pd.Series(1.0, index=panel.data.index, name="w")
    out = panel.with_data(extra)
    assert list(out.ids) == list(panel.ids) and out.data["w"].sum() == N * T
    assert out.with_data(extra.rename("w2")).n_regions == N


def test_lag_keeps_the_geometry_id(panel):
    out = lag(panel, "k")
    # first period of each region has no lag (hand count: N regions x 1 period)
    assert int(out.data["L1.k"].isna().sum()) == N
    assert out.data.loc[("r2", 2002), "L1.k"] == panel.data.loc[("r2", 2001), "k"]


def test_the_study_tfp_step_works_with_a_boundary_id_of_its_own(tmp_path):
    from spillover import study
    from spillover.study.runner import compute

    df, geo = _frames()
    df.to_csv(tmp_path / "panel.csv", index=False)
    geo.to_file(tmp_path / "regions.geojson", driver="GeoJSON")
    (tmp_path / "s.toml").write_text("""\
[study]
title = "tfp with its own boundary id"
[data]
file = "panel.csv"
id = "region"
time = "year"
[boundaries]
file = "regions.geojson"
id = "name"
[variables]
y = "q"
x = ["k"]
[tfp]
inputs = ["k", "l"]
outputs = ["q"]
""")
    ctx = compute(study.load(tmp_path / "s.toml"))
    assert {"tfpch", "tfp"} <= set(ctx.panel.variables)
    assert list(ctx.panel.ids) == [f"r{i}" for i in range(N)]
