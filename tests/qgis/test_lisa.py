"""LISA layers inside a real QGIS: fields, counts and values against spillover.esda.local_moran on the same
data (the shipped GeoPackage read with pyogrio), the cluster-map style, and the map drawn by QGIS into a PNG."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib import image as mpimg

qgis_core = pytest.importorskip("qgis.core")

import spillover as so  # noqa: E402
from spillover.qgis import console, frame_to_layer, render_png  # noqa: E402
from spillover.qgis.analysis import CROSS_SECTION, LISA_FIELDS  # noqa: E402

#: the LISA palette of spillover.maps (GeoDa's convention), as issue #12 fixes it
PALETTE = {
    "High-High": "#ff0000",
    "Low-Low": "#0000ff",
    "Low-High": "#9696ff",
    "High-Low": "#ff9696",
    "Not significant": "#f0f0f0",
}


def test_lisa_layer_fields_counts_values_and_style(provinces, frame, cross_section):
    layer = console.lisa_layer(provinces, "capital_lon", id_field="province", permutations=199, seed=5)
    assert layer.featureCount() == 34
    assert [f.name() for f in layer.fields()] == [f.name() for f in provinces.fields()] + list(LISA_FIELDS)
    got = {f["province"]: f for f in layer.getFeatures()}
    panel = cross_section(frame, "capital_lon")
    want = so.local_moran(
        panel,
        "capital_lon",
        so.weights.contiguity(panel, kind="queen"),
        period=CROSS_SECTION,
        permutations=199,
        seed=5,
    ).to_frame()
    for pid, row in want.iterrows():
        assert got[pid]["Ii"] == row["Ii"] and got[pid]["p_sim"] == row["p_sim"], pid
        assert got[pid]["lisa_cluster"] == row["cluster"] and got[pid]["quadrant"] == row["quadrant"], pid
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "lisa_cluster"
    colours = {c.value(): c.symbol().color().name() for c in renderer.categories() if c.value() is not None}
    assert colours == PALETTE
    assert {k: v.lower() for k, v in so.maps.LISA_COLORS.items()} == PALETTE


def test_lisa_layer_of_a_long_layer_takes_one_period(qgis_app, frame):
    rng = np.random.default_rng(0)
    long = pd.concat(
        [frame.assign(year=t, v=frame["capital_lon"] + rng.normal(size=len(frame))) for t in (2020, 2021)],
        ignore_index=True,
    )
    layer = console.lisa_layer(
        frame_to_layer(gpd.GeoDataFrame(long, crs=frame.crs), "long"),
        "v",
        id_field="province",
        time_field="year",
        period=2020,
        permutations=99,
    )
    years = {f["year"] for f in layer.getFeatures()}
    assert layer.featureCount() == 34 and years == {2020}


def test_lisa_map_renders_to_a_non_blank_png(provinces, tmp_path):
    layer = console.lisa_layer(provinces, "capital_lon", id_field="province", permutations=99, seed=0)
    png = render_png([layer], tmp_path / "lisa.png", size=(400, 300))
    pixels = mpimg.imread(png)[..., :3]
    assert pixels.shape == (300, 400, 3)
    colours = np.unique((pixels * 255).round().astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 5  # polygons, outlines and anti-aliasing, not a single background colour
    painted = np.any(pixels < 0.99, axis=2).mean()
    assert 0.2 < painted < 0.95, painted  # China covers a good part of its bounding box
    clusters = {f["lisa_cluster"] for f in layer.getFeatures()}
    if "High-High" in clusters:  # the east-west gradient of capital longitudes gives High-High in the east
        red = (pixels[..., 0] > 0.95) & (pixels[..., 1] < 0.05) & (pixels[..., 2] < 0.05)
        assert red.sum() > 100
