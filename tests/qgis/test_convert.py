"""Layers <-> frames inside a real QGIS: the shipped GeoPackage, shuffled memory layers, delimited text,
NULLs and field types, and GeoPackage 1.2 output.

Expected values come from reading the same file with pyogrio (GDAL) directly, so a difference means the
QGIS route changed a value, an id or the order.
"""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

qgis_core = pytest.importorskip("qgis.core")

from spillover.errors import SpilloverError  # noqa: E402
from spillover.qgis import frame_to_layer, layer_to_frame, write_geopackage  # noqa: E402

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG" (GeoPackage 1.2+ encoding of the standard)
GPKG_1_2 = 10200


def _gpkg_layer(path, name="provinces"):
    layer = qgis_core.QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    assert layer.isValid()
    return layer


def _pyogrio(path, name="provinces") -> gpd.GeoDataFrame:
    return gpd.read_file(path, layer=name, engine="pyogrio", fid_as_index=True)


def test_shipped_geopackage_opens_without_version_warning(qgis_app, gpkg_path, capfd):
    layer = _gpkg_layer(gpkg_path)
    assert layer.featureCount() == 34
    assert "partially supported" not in capfd.readouterr().err


def test_gpkg_layer_to_frame_matches_gdal(qgis_app, gpkg_path):
    frame = layer_to_frame(_gpkg_layer(gpkg_path))
    want = _pyogrio(gpkg_path)
    assert frame.index.tolist() == want.index.tolist()  # GeoPackage fids are QGIS feature ids
    assert frame.crs.to_epsg() == 4326
    columns = [c for c in want.columns if c != "geometry"]
    assert [c for c in frame.columns if c not in ("fid", "geometry")] == columns
    assert (frame["fid"].to_numpy() == want.index.to_numpy()).all()
    for column in columns:
        assert frame[column].dtype == want[column].dtype, column
        assert frame[column].tolist() == want[column].tolist(), column
    assert shapely.equals_exact(frame.geometry.values, want.geometry.values, tolerance=0).all()


def test_fields_subset_and_unknown_fields(qgis_app, gpkg_path):
    layer = _gpkg_layer(gpkg_path)
    frame = layer_to_frame(layer, ["capital_lat", "province"])
    assert list(frame.columns) == ["capital_lat", "province", "geometry"]
    with pytest.raises(SpilloverError, match="'gdp'.*'province'"):
        layer_to_frame(layer, ["gdp"])


def test_shuffled_memory_layer_keeps_feature_order_and_ids(qgis_app, gpkg_path):
    shuffled = _pyogrio(gpkg_path).sample(frac=1, random_state=0)
    layer = frame_to_layer(shuffled, "shuffled")
    assert layer.providerType() == "memory" and layer.featureCount() == 34
    frame = layer_to_frame(layer)
    assert frame["province"].tolist() == shuffled["province"].tolist()
    ids = [f.id() for f in layer.getFeatures()]
    assert frame.index.tolist() == ids
    assert shapely.equals_exact(frame.geometry.values, shuffled.geometry.values, tolerance=0).all()


def test_types_and_nulls_survive_a_round_trip(qgis_app):
    frame = gpd.GeoDataFrame(
        {
            "i32": np.array([1, 2, 3], dtype="int32"),
            "i64": pd.array([10**12, None, 3], dtype="Int64"),
            "f": [1.5, np.nan, -2.0],
            "b": [True, False, True],
            "s": ["a", None, "Überlingen"],
            "t": pd.to_datetime(["2020-01-02 03:04:05", None, "1999-12-31 00:00:00"]),
        },
        geometry=[shapely.Point(0, 0), None, shapely.Point(1, 2)],
        crs="EPSG:3857",
    )
    back = layer_to_frame(frame_to_layer(frame, "types"))
    assert back.crs.to_epsg() == 3857
    assert back["i32"].dtype == "int32" and back["i32"].tolist() == [1, 2, 3]
    assert str(back["i64"].dtype) == "Int64" and back["i64"].tolist() == [10**12, pd.NA, 3]
    assert np.isnan(back["f"][back.index[1]]) and back["f"].iloc[[0, 2]].tolist() == [1.5, -2.0]
    assert back["b"].tolist() == [True, False, True]
    assert back["s"].iloc[[0, 2]].tolist() == ["a", "Überlingen"] and pd.isna(back["s"].iloc[1])
    assert back["t"].iloc[0] == pd.Timestamp("2020-01-02 03:04:05") and pd.isna(back["t"].iloc[1])
    assert back.geometry.iloc[1] is None and back.geometry.iloc[2].equals(shapely.Point(1, 2))


def test_delimited_text_layers(qgis_app, tmp_path):
    path = tmp_path / "points.csv"
    pd.DataFrame({"name": ["a", "b"], "v": [1.25, 2.5], "wkt": ["POINT (1 2)", "POINT (3 4)"]}).to_csv(
        path, index=False
    )
    uri = f"file://{path}?delimiter=,&wktField=wkt&crs=EPSG:4326&detectTypes=yes"
    frame = layer_to_frame(qgis_core.QgsVectorLayer(uri, "points", "delimitedtext"))
    assert frame["name"].tolist() == ["a", "b"] and frame["v"].tolist() == [1.25, 2.5]
    assert frame.geometry.iloc[1].equals(shapely.Point(3, 4)) and frame.crs.to_epsg() == 4326
    table = layer_to_frame(
        qgis_core.QgsVectorLayer(
            f"file://{path}?delimiter=,&geomType=none&detectTypes=yes", "table", "delimitedtext"
        )
    )
    assert not isinstance(table, gpd.GeoDataFrame) and table["v"].tolist() == [1.25, 2.5]


def test_write_geopackage_writes_version_1_2(qgis_app, gpkg_path, tmp_path):
    target = write_geopackage(_gpkg_layer(gpkg_path), tmp_path / "out.gpkg", layer_name="provinces")
    with sqlite3.connect(target) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert con.execute("PRAGMA user_version").fetchone()[0] == GPKG_1_2
    back, want = _pyogrio(target), _pyogrio(gpkg_path)
    assert back["province"].tolist() == want["province"].tolist()
    assert shapely.equals_exact(back.geometry.values, want.geometry.values, tolerance=0).all()
    with pytest.raises(SpilloverError, match="exists"):
        write_geopackage(_gpkg_layer(gpkg_path), target)
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]
