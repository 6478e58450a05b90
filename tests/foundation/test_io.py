"""Readers and writers: round trips in every format, atomic writes, refusal to overwrite."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from spillover import io
from spillover.errors import OverwriteError, SpilloverError


@pytest.fixture
def panel_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "province": ["Beijing", "Beijing", "Hebei", "Hebei"],
            "year": [2020, 2021, 2020, 2021],
            "gdp": [3.61, 4.03, 3.62, 4.04],
            "pop": [2189, 2188, 7461, 7448],
        }
    )


@pytest.fixture
def boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"region": ["a", "b"], "value": [1.5, 2.5]},
        geometry=[box(0, 0, 1, 1), Polygon([(1, 0), (2, 0), (2, 1)])],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".dta"])
def test_panel_round_trip(tmp_path, panel_frame, suffix):
    path = io.write_panel(panel_frame, tmp_path / f"panel{suffix}")
    back = io.read_panel(path)
    if suffix == ".dta":  # Stata stores int64 as int32/float; values are what matter
        back = back.astype({"year": "int64", "pop": "int64"})
    pd.testing.assert_frame_equal(back, panel_frame, check_dtype=False)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_panel_index_is_written(tmp_path, panel_frame):
    indexed = panel_frame.set_index(["province", "year"])
    back = io.read_panel(io.write_panel(indexed, tmp_path / "p.csv"))
    assert list(back.columns) == ["province", "year", "gdp", "pop"]


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_boundaries_round_trip(tmp_path, boundaries, suffix):
    path = io.write_boundaries(boundaries, tmp_path / f"regions{suffix}")
    back = io.read_boundaries(path)
    assert back["region"].tolist() == ["a", "b"]
    assert np.allclose(back["value"], [1.5, 2.5])
    assert back.crs.to_epsg() == 4326
    assert all(g1.equals(g2) for g1, g2 in zip(back.geometry.normalize(), boundaries.geometry.normalize()))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".shp"])
def test_refuses_to_overwrite(tmp_path, panel_frame, boundaries, suffix):
    path = tmp_path / f"out{suffix}"
    write = io.write_panel if suffix == ".csv" else io.write_boundaries
    obj = panel_frame if suffix == ".csv" else boundaries
    write(obj, path)
    before = path.read_bytes()
    with pytest.raises(OverwriteError, match="exists; pass overwrite=True"):
        write(obj, path)
    assert path.read_bytes() == before
    write(obj, path, overwrite=True)


def test_atomic_path_leaves_original_on_failure(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("original")

    def crash() -> None:
        with io.atomic_path(target, overwrite=True) as tmp:
            tmp.write_text("half")
            raise RuntimeError("writer crashed")

    with pytest.raises(RuntimeError):
        crash()
    assert target.read_text() == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_atomic_path_missing_folder(tmp_path):
    with pytest.raises(SpilloverError, match="does not exist"):
        with io.atomic_path(tmp_path / "nope" / "x.csv"):
            pass


def test_unknown_suffix_and_missing_file(tmp_path, panel_frame):
    with pytest.raises(SpilloverError, match="cannot tell the panel format of 'p.parquet'"):
        io.write_panel(panel_frame, tmp_path / "p.parquet")
    with pytest.raises(SpilloverError, match="no such file"):
        io.read_panel(tmp_path / "absent.csv")


def test_boundaries_without_crs_refused(tmp_path, boundaries):
    path = tmp_path / "nocrs.shp"  # a shapefile without .prj (GeoJSON is WGS84 by definition)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        boundaries.set_crs(None, allow_override=True).to_file(path)
    with pytest.raises(SpilloverError, match="no coordinate reference system"):
        io.read_boundaries(path)


def _gpkg_version(path) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        return (
            con.execute("PRAGMA application_id").fetchone()[0],
            con.execute("PRAGMA user_version").fetchone()[0],
        )


def test_geopackages_are_written_as_version_1_2(tmp_path, boundaries):
    # "GPKG" application id and user_version 10200 = GeoPackage 1.2 (QGIS 3.22's GDAL 3.6 warns on 1.4 files)
    path = io.write_boundaries(boundaries, tmp_path / "b.gpkg")
    assert _gpkg_version(path) == (0x47504B47, 10200)
    assert io.read_boundaries(path).geometry.geom_equals(boundaries.geometry).all()
