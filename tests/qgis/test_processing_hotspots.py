"""``spillover:hotspots`` and ``spillover:dagum`` run through ``processing.run`` inside a real QGIS.

Expected values: spillover's Python API called directly on the same data (the shipped provinces GeoPackage
read with pyogrio; the simulated China panel), computed in the test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

qgis_core = pytest.importorskip("qgis.core")

import spillover as so  # noqa: E402
from spillover import datasets, disparity, esda  # noqa: E402
from spillover.qgis import frame_to_layer, layer_to_frame  # noqa: E402
from spillover.qgis.analysis import CROSS_SECTION  # noqa: E402


@pytest.fixture
def processing(qgis_app):
    import processing

    return processing


def _output(result, key="OUTPUT"):
    value = result[key]
    if isinstance(value, str):
        value = qgis_core.QgsProcessingUtils.mapLayerFromString(
            value, qgis_core.QgsProcessingContext()
        ) or qgis_core.QgsVectorLayer(value, key, "ogr")
    return layer_to_frame(value)


@pytest.mark.parametrize(("statistic", "index"), [("gi_star", 0), ("local_geary", 2)])
def test_hotspots_equal_the_api(processing, provinces, frame, cross_section, statistic, index):
    result = processing.run(
        "spillover:hotspots",
        {
            "INPUT": provinces,
            "FIELD": "capital_lat",
            "ID_FIELD": "province",
            "WEIGHTS": 0,  # queen contiguity
            "STATISTIC": index,
            "PERMUTATIONS": 99,
            "SEED": 2,
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    out = _output(result).set_index("province")
    panel = cross_section(frame, "capital_lat")
    w = so.weights.contiguity(panel, kind="queen")
    # reference: spillover.esda called directly on the layer's data, weights, seed and permutations
    if statistic == "gi_star":
        want = esda.getis_ord(panel, "capital_lat", w, CROSS_SECTION, permutations=99, seed=2).to_frame()
        np.testing.assert_allclose(out["hs_z"].reindex(want.index), want["z_norm"], rtol=1e-12)
        np.testing.assert_allclose(out["hs_p_norm"].reindex(want.index), want["p_value"], rtol=1e-12)
    else:
        want = esda.local_geary(panel, "capital_lat", w, CROSS_SECTION, permutations=99, seed=2).to_frame()
        assert out["hs_p_norm"].isna().all()
    np.testing.assert_allclose(out["hs_stat"].reindex(want.index), want["statistic"], rtol=1e-12)
    np.testing.assert_allclose(out["hs_p_sim"].reindex(want.index), want["p_sim"], rtol=1e-7)
    assert out["hs_class"].reindex(want.index).tolist() == want["cluster"].tolist()
    assert len(out) == 34 and out.crs.to_epsg() == 4326
    counts = want["cluster"].value_counts()
    assert all(result[k.upper().replace("-", "_").replace(" ", "_")] == v for k, v in counts.items())


def test_hotspots_layer_takes_the_hot_cold_style(processing, provinces):
    from spillover.maps import HOTSPOT_COLORS
    from spillover.qgis.style import hotspot_renderer

    result = processing.run(
        "spillover:hotspots",
        {
            "INPUT": provinces,
            "FIELD": "capital_lat",
            "ID_FIELD": "province",
            "PERMUTATIONS": 0,
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    layer = result["OUTPUT"]
    if isinstance(layer, str):
        layer = qgis_core.QgsProcessingUtils.mapLayerFromString(layer, qgis_core.QgsProcessingContext())
    renderer = hotspot_renderer(layer)
    values = [c.value() for c in renderer.categories()]
    assert values[: len(HOTSPOT_COLORS)] == list(HOTSPOT_COLORS)


def test_dagum_equals_the_api(processing):
    china = datasets.china_simulated()
    table = china.data.reset_index().merge(
        china.geometry[["region4"]].reset_index(), on="province", how="left"
    )[["province", "year", "gdp_pc", "emp", "region4"]]
    result = processing.run(
        "spillover:dagum",
        {
            "INPUT": frame_to_layer(table, "panel"),
            "ID_FIELD": "province",
            "TIME_FIELD": "year",
            "FIELD": "gdp_pc",
            "GROUP_FIELD": "region4",
            "WEIGHTS_FIELD": "emp",
            "DRAWS": 9,
            "SEED": 4,
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    out = _output(result)
    # reference: spillover.disparity.dagum_gini on the same panel, grouping, weights, draws and seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = disparity.dagum_gini(china, "gdp_pc", "region4", weights="emp", draws=9, seed=4)
    frame = want.to_frame()
    assert out["period"].tolist() == [str(p) for p in frame.index]
    for col in frame.columns:
        np.testing.assert_allclose(out[col], frame[col], rtol=1e-12)
    for group in want.within.columns:
        np.testing.assert_allclose(out[f"G_jj_{group}"], want.within[group], rtol=1e-12)
    for pair in want.between.columns:
        np.testing.assert_allclose(out[f"G_jh_{pair}"], want.between[pair], rtol=1e-12)
    lower = want.intervals.xs("G", level=1)["ci_lower"]
    np.testing.assert_allclose(out["G_ci_lower"], lower.to_numpy(), rtol=1e-12)
    assert result["G_LAST"] == pytest.approx(float(frame["G"].iloc[-1]))
    assert not isinstance(out, pd.DataFrame) or "geometry" not in out.columns
