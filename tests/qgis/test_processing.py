"""spillover's Processing algorithms run through ``processing.run`` inside a real QGIS.

Expected values: spillover's Python API on the same data (the shipped GeoPackage read with pyogrio, the
shipped rice farms panel), computed in the test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

qgis_core = pytest.importorskip("qgis.core")

import spillover as so  # noqa: E402
from spillover.panel import SpatialPanel  # noqa: E402
from spillover.qgis import frame_to_layer, layer_to_frame  # noqa: E402
from spillover.qgis.analysis import CROSS_SECTION  # noqa: E402

ALGORITHM_IDS = [
    "spillover:weights",
    "spillover:moran",
    "spillover:lisa",
    "spillover:sdm",
    "spillover:malmquist",
    "spillover:hotspots",
    "spillover:dagum",
]


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


def test_provider_and_algorithms_are_registered(qgis_app):
    registry = qgis_core.QgsApplication.processingRegistry()
    provider = registry.providerById("spillover")
    assert provider is not None
    assert sorted(a.id() for a in provider.algorithms()) == sorted(ALGORITHM_IDS)
    for alg_id in ALGORITHM_IDS:
        alg = registry.algorithmById(alg_id)
        names = [p.name() for p in alg.parameterDefinitions()]
        assert names[0] == "INPUT" and "OUTPUT" in names


def test_weights(processing, provinces, frame, capfd):
    result = processing.run(
        "spillover:weights",
        {"INPUT": provinces, "ID_FIELD": "province", "WEIGHTS": 1, "OUTPUT": "TEMPORARY_OUTPUT"},
    )
    links = _output(result)
    want = so.weights.contiguity(frame.set_index("province")[["geometry"]], kind="rook")
    summary = so.weights.describe(want)
    assert result["N_LINKS"] == summary.n_links == len(links) and result["N_REGIONS"] == 34
    got = links.set_index(["focal", "neighbor"])["weight"]
    expected = want.adjacency
    assert got.sort_index().to_numpy().tolist() == expected.sort_index().to_numpy().tolist()
    assert capfd.readouterr().out == ""  # algorithms never print


def test_moran(processing, provinces, frame, cross_section):
    result = processing.run(
        "spillover:moran",
        {
            "INPUT": provinces,
            "FIELD": ["capital_lon"],
            "ID_FIELD": "province",
            "PERMUTATIONS": 99,
            "SEED": 4,
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    table = _output(result)
    panel = cross_section(frame, "capital_lon")
    want = so.moran_by_period(
        panel, "capital_lon", so.weights.contiguity(panel, kind="queen"), permutations=99, seed=4
    )
    assert len(table) == 1 and table["period"].tolist() == [CROSS_SECTION]
    for got_col, want_col in (("I", "I"), ("EI", "E[I]"), ("z_rand", "z_rand"), ("p_sim", "p_sim")):
        assert table[got_col].iloc[0] == want[want_col].iloc[0], got_col


def test_lisa(processing, provinces, frame, cross_section):
    result = processing.run(
        "spillover:lisa",
        {
            "INPUT": provinces,
            "FIELD": "capital_lon",
            "ID_FIELD": "province",
            "WEIGHTS": 3,
            "PERMUTATIONS": 99,
            "SEED": 1,
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    out = _output(result)
    panel = cross_section(frame, "capital_lon")
    w = so.weights.distance(panel.geometry, power=1, coords="representative")
    want = so.local_moran(panel, "capital_lon", w, period=CROSS_SECTION, permutations=99, seed=1).to_frame()
    assert len(out) == 34 and out.crs.to_epsg() == 4326
    np.testing.assert_array_equal(out.set_index("province")["Ii"].reindex(want.index), want["Ii"])
    assert out["lisa_cluster"].tolist() == want["cluster"].reindex(out["province"]).tolist()
    assert (
        sum(result.get(k, 0) for k in ("HIGH_HIGH", "LOW_LOW", "LOW_HIGH", "HIGH_LOW", "NOT_SIGNIFICANT"))
        == 34
    )


def test_sdm(processing, provinces, frame):
    rng = np.random.default_rng(3)
    ids = frame.loc[frame["default"], "province"]
    table = pd.DataFrame([(p, t) for p in ids for t in range(2016, 2021)], columns=["province", "year"])
    table["x"] = rng.normal(size=len(table))
    table["y"] = 0.5 * table["x"] + rng.normal(size=len(table))
    provinces.setSubsetString('"default" = 1')
    result = processing.run(
        "spillover:sdm",
        {
            "INPUT": provinces,
            "ID_FIELD": "province",
            "TABLE": frame_to_layer(table, "panel"),
            "TIME_FIELD": "year",
            "Y": "y",
            "X": ["x"],
            "FIXED_EFFECTS": 1,
            "DRAWS": 100,
            "SEED": 0,
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    est = _output(result)
    panel = SpatialPanel(
        table, frame.loc[frame["default"], ["province", "geometry"]], id="province", time="year"
    )
    res = so.SpatialPanelModel(
        panel, "y", ["x"], so.weights.contiguity(panel, kind="queen"), kind="sdm", fixed_effects="unit"
    ).fit()
    coef = est.loc[est["effect"] == "coefficient"].set_index("term")
    assert coef.loc["rho", "estimate"] == pytest.approx(res.rho, abs=1e-12)
    assert coef.loc["W*x", "std_error"] == pytest.approx(res.std_errors["W*x"], rel=1e-10)
    impacts = res.impacts(draws=100, seed=0)
    total = est.loc[(est["effect"] == "total") & (est["term"] == "x")].iloc[0]
    assert total["estimate"] == pytest.approx(impacts.loc[("total", "x"), "estimate"], abs=1e-12)
    assert total["std_error"] == pytest.approx(impacts.loc[("total", "x"), "std_error"], rel=1e-10)
    result = processing.run(
        "spillover:sdm",
        {
            "INPUT": provinces,
            "ID_FIELD": "province",
            "TABLE": frame_to_layer(table, "panel"),
            "TIME_FIELD": "year",
            "Y": "y",
            "X": ["x"],
            "FIXED_EFFECTS": 0,
            "BIAS_CORRECTION": 1,
            "DRAWS": 0,
            "SEED": 0,
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    lee_yu = so.SpatialPanelModel(
        panel,
        "y",
        ["x"],
        so.weights.contiguity(panel, kind="queen"),
        kind="sdm",
        fixed_effects="twoway",
        bias_correction="lee-yu",
    ).fit()
    assert result["RHO"] == pytest.approx(lee_yu.rho, abs=1e-12)


def test_malmquist(processing, qgis_app):
    farms = so.datasets.rice_farms()
    layer = frame_to_layer(farms, "farms")
    result = processing.run(
        "spillover:malmquist",
        {
            "INPUT": layer,
            "ID_FIELD": "farm",
            "TIME_FIELD": "year",
            "INPUT_FIELDS": ["area", "labor", "npk"],
            "OUTPUT_FIELDS": ["prod"],
            "ORIENTATION": 0,
            "FRONTIER": 0,
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    out = _output(result)
    want = so.malmquist(farms, id="farm", time="year", inputs=["area", "labor", "npk"], outputs=["prod"])
    assert result["TFPCH_MEAN"] == pytest.approx(want.mean["tfpch"], abs=1e-12)
    expected = want.to_panel_frame().reset_index()
    assert len(out) == len(expected) == 344
    np.testing.assert_array_equal(out["tfpch"].to_numpy(), expected["tfpch"].to_numpy())


def test_progress_and_cancel(processing, provinces):
    feedback = qgis_core.QgsProcessingFeedback()
    seen: list[float] = []
    feedback.progressChanged.connect(seen.append)
    processing.run(
        "spillover:moran",
        {"INPUT": provinces, "FIELD": ["capital_lat"], "PERMUTATIONS": 9, "OUTPUT": "TEMPORARY_OUTPUT"},
        feedback=feedback,
    )
    assert seen and max(seen) == pytest.approx(100)
    cancelled = qgis_core.QgsProcessingFeedback()
    cancelled.cancel()
    result = processing.run(
        "spillover:moran",
        {"INPUT": provinces, "FIELD": ["capital_lat"], "OUTPUT": "TEMPORARY_OUTPUT"},
        feedback=cancelled,
    )
    assert "OUTPUT" not in result or result["OUTPUT"] is None


def test_spillover_errors_become_processing_errors(processing, frame):
    # A memory layer: QGIS 3.22 run headless crashes at exit after any algorithm (even a minimal one) raised
    # QgsProcessingException on an ogr (GeoPackage) input; that is QGIS's, and not what this test is about.
    layer = frame_to_layer(frame, "provinces")
    with pytest.raises(qgis_core.QgsProcessingException, match="time field"):
        processing.run(
            "spillover:moran",
            {"INPUT": layer, "FIELD": ["capital_lat"], "TIME_FIELD": "code", "OUTPUT": "TEMPORARY_OUTPUT"},
        )
