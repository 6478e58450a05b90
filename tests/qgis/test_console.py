"""The console helpers inside a real QGIS, against spillover's Python API on the same data.

Every expected number is computed here by spillover's public functions on the shipped GeoPackage read with
pyogrio (no QGIS in that path); the helpers must give the same numbers, fields and feature counts.  Values
that depend only on arithmetic in the same order are compared exactly; Moran's I of a re-ordered layer
within 1e-12 (the sums run in another order).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

qgis_core = pytest.importorskip("qgis.core")

import spillover as so  # noqa: E402
from spillover.errors import SpilloverError  # noqa: E402
from spillover.panel import SpatialPanel  # noqa: E402
from spillover.qgis import console, frame_to_layer  # noqa: E402


def test_moran_is_moran_by_period(provinces, frame, cross_section):
    got = console.moran(provinces, "capital_lon", id_field="province", permutations=99, seed=2)
    panel = cross_section(frame, "capital_lon")
    want = so.moran_by_period(
        panel, "capital_lon", so.weights.contiguity(panel, kind="queen"), permutations=99, seed=2
    )
    pd.testing.assert_frame_equal(got, want)


def test_moran_of_a_shuffled_memory_layer(qgis_app, frame, cross_section):
    shuffled = frame_to_layer(frame.sample(frac=1, random_state=1), "shuffled")
    got = console.moran(shuffled, "capital_lon", id_field="province", permutations=0)
    panel = cross_section(frame, "capital_lon")
    want = so.moran_by_period(
        panel, "capital_lon", so.weights.contiguity(panel, kind="queen"), permutations=0
    )
    cols = ["I", "E[I]", "var_norm", "z_norm", "p_norm", "var_rand", "z_rand", "p_rand"]
    np.testing.assert_allclose(got[cols].to_numpy(), want[cols].to_numpy(), rtol=1e-12, atol=0)


def test_moran_with_knn_and_inverse_distance(provinces, frame, cross_section):
    panel = cross_section(frame, "capital_lat")
    geo = panel.geometry
    for choice, w in (
        ("knn", so.weights.distance(geo, k=4, power=0, coords="representative")),
        ("inverse_distance", so.weights.distance(geo, power=1, coords="representative")),
    ):
        got = console.moran(provinces, "capital_lat", id_field="province", weights=choice, permutations=0)
        want = so.moran_by_period(panel, "capital_lat", w, permutations=0)
        pd.testing.assert_frame_equal(got, want)


def test_weights_summary_is_describe(provinces, frame):
    got = console.weights_summary(provinces, weights="rook", id_field="province")
    want = so.weights.describe(so.weights.contiguity(frame.set_index("province")[["geometry"]], kind="rook"))
    assert got == want
    assert got.n_regions == 34 and got.islands == ()


def _panel_table(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """A seeded synthetic panel of the 31 provinces x 6 years: y = 1 + 0.8 x1 - 0.5 x2 + e."""
    rng = np.random.default_rng(12)
    ids = frame.loc[frame["default"], "province"]
    rows = pd.DataFrame([(p, t) for p in ids for t in range(2015, 2021)], columns=["province", "year"])
    rows["x1"], rows["x2"] = rng.normal(size=len(rows)), rng.normal(size=len(rows))
    rows["y"] = 1 + 0.8 * rows["x1"] - 0.5 * rows["x2"] + rng.normal(scale=0.5, size=len(rows))
    return rows


def _mainland(layer):
    layer.setSubsetString('"default" = 1')  # the 31 mainland units, filtered by the provider
    assert layer.featureCount() == 31
    return layer


def test_sdm_from_a_csv_and_from_a_table_layer(provinces, frame, tmp_path):
    table = _panel_table(frame)
    path = tmp_path / "panel.csv"
    table.to_csv(path, index=False)
    got = console.sdm(
        _mainland(provinces),
        str(path),
        "y",
        ["x1", "x2"],
        id_field="province",
        time_field="year",
        fixed_effects="twoway",
    )
    geo = frame.loc[frame["default"], ["province", "geometry"]]
    panel = SpatialPanel(table, geo, id="province", time="year")
    want = so.SpatialPanelModel(
        panel,
        "y",
        ["x1", "x2"],
        so.weights.contiguity(panel, kind="queen"),
        kind="sdm",
        fixed_effects="twoway",
    ).fit()
    pd.testing.assert_series_equal(got.params, want.params, rtol=1e-10, atol=1e-12)
    assert got.loglik == pytest.approx(want.loglik, rel=1e-12)
    csv_layer = qgis_core.QgsVectorLayer(
        f"file://{path}?delimiter=,&geomType=none&detectTypes=yes", "panel", "delimitedtext"
    )
    again = console.sdm(
        provinces,
        csv_layer,
        "y",
        ["x1", "x2"],
        id_field="province",
        time_field="year",
        fixed_effects="twoway",
    )
    pd.testing.assert_series_equal(again.params, want.params, rtol=1e-10, atol=1e-12)
    lee_yu = console.sdm(
        _mainland(provinces),
        str(path),
        "y",
        ["x1", "x2"],
        id_field="province",
        time_field="year",
        bias_correction="lee-yu",
    )
    want = so.SpatialPanelModel(
        panel,
        "y",
        ["x1", "x2"],
        so.weights.contiguity(panel, kind="queen"),
        kind="sdm",
        fixed_effects="twoway",
        bias_correction="lee-yu",
    ).fit()
    assert lee_yu.bias_correction == "lee-yu"
    pd.testing.assert_series_equal(lee_yu.params, want.params, rtol=1e-10, atol=1e-12)


def test_spillover_layers(provinces, frame, tmp_path):
    table = _panel_table(frame)
    path = tmp_path / "panel.csv"
    table.to_csv(path, index=False)
    res = console.sdm(_mainland(provinces), path, "y", ["x1", "x2"], id_field="province", time_field="year")
    layer = console.spillover_layers(res, "x1")
    want = res.spillovers("x1")
    again = console.spillover_layers(res, "x1", layer=provinces, id_field="province", field="received")
    assert again.renderer().classAttribute() == "received" and again.featureCount() == 31
    assert layer.featureCount() == 31
    assert [f.name() for f in layer.fields()] == ["region", "direct", "emitted", "received"]
    for f in layer.getFeatures():
        for col in ("direct", "emitted", "received"):
            assert f[col] == want.loc[f["region"], col], (f["region"], col)
    renderer = layer.renderer()
    assert renderer.type() == "graduatedSymbol" and renderer.classAttribute() == "emitted"
    assert len(renderer.ranges()) == 5
    with pytest.raises(SpilloverError, match="layer="):
        console.spillover_layers(so.SpatialPanelModel(*_model_args(res, frame, table)).fit(), "x1")


def _model_args(res, frame, table):
    geo = frame.loc[frame["default"], ["province", "geometry"]]
    panel = SpatialPanel(table, geo, id="province", time="year")
    return panel, "y", ["x1"], so.weights.contiguity(panel, kind="queen")
