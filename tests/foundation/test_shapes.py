"""Tests of the shipped China boundaries (shapes/china_provinces.gpkg) and their loaders.

Neighbour sets are hand-checked against a political map of China (e.g. Beijing is enclosed by Hebei and
Tianjin; Inner Mongolia borders eight provinces; Hainan is an island province). Capitals must fall inside
their own province: the coordinates are hand-checked city centres (see spillover.regions).
"""

from __future__ import annotations

from importlib import resources

import geopandas as gpd
import pytest
import shapely
from libpysal.graph import Graph
from shapely.geometry import Polygon

from spillover import regions
from spillover._shapes import build_china_provinces as build
from spillover.datasets import _china
from spillover.errors import SpilloverError


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    return _china.china_provinces()


@pytest.fixture(scope="module")
def all_units() -> gpd.GeoDataFrame:
    return _china.china_provinces(include_sar_taiwan=True)


@pytest.fixture(scope="module")
def queen(all_units) -> dict[str, set[str]]:
    graph = Graph.build_contiguity(all_units.set_index("province"), rook=False)
    return {pid: set(graph[pid].index) for pid in graph.unique_ids}


def test_default_is_31_valid_multipolygons_in_code_order(provinces):
    assert len(provinces) == 31
    assert provinces["province"].tolist() == regions.ids()
    assert provinces.geometry.is_valid.all()
    assert (provinces.geom_type == "MultiPolygon").all()
    assert not provinces.geometry.is_empty.any()


def test_include_sar_taiwan_gives_34(all_units):
    assert len(all_units) == 34
    assert all_units["province"].tolist()[-3:] == ["Taiwan", "Hong Kong", "Macao"]
    assert all_units.geometry.is_valid.all()


def test_crs_is_wgs84(provinces):
    assert provinces.crs.to_epsg() == 4326


def test_registry_columns_are_attached(provinces):
    reg = regions.registry()
    for column in reg.columns:
        assert provinces[column].tolist() == reg[column].tolist(), column


def test_caller_cannot_corrupt_later_loads():
    copy = _china.china_provinces()
    copy.loc["Beijing", "province"] = "nowhere"
    assert _china.china_provinces().loc["Beijing", "province"] == "Beijing"


def test_every_capital_falls_inside_its_province(all_units):
    points = gpd.GeoSeries(
        gpd.points_from_xy(all_units["capital_lon"], all_units["capital_lat"]),
        index=all_units.index,
        crs=all_units.crs,
    )
    inside = all_units.geometry.contains(points)
    assert inside.all(), all_units.loc[~inside, "province"].tolist()


def test_provinces_form_a_coverage(all_units):
    # No overlaps between units: simplification kept shared borders identical.
    assert shapely.coverage_is_valid(all_units.geometry.values)


def test_file_is_small():
    path = resources.files("spillover._shapes") / "china_provinces.gpkg"
    with resources.as_file(path) as file:
        assert file.stat().st_size < 5_000_000


def test_beijing_touches_exactly_tianjin_and_hebei(queen):
    assert queen["Beijing"] == {"Tianjin", "Hebei"}


def test_inner_mongolia_touches_eight_provinces(queen):
    assert queen["Inner Mongolia"] == {
        "Heilongjiang",
        "Jilin",
        "Liaoning",
        "Hebei",
        "Shanxi",
        "Shaanxi",
        "Ningxia",
        "Gansu",
    }


@pytest.mark.parametrize("island", ["Hainan", "Taiwan"])
def test_islands_have_no_neighbours(queen, island):
    assert queen[island] == set()


@pytest.mark.parametrize(
    ("pid", "expected"),
    [
        ("Shanghai", {"Jiangsu", "Zhejiang"}),
        ("Chongqing", {"Sichuan", "Guizhou", "Hunan", "Hubei", "Shaanxi"}),
        ("Hong Kong", {"Guangdong"}),
        ("Macao", {"Guangdong"}),
        ("Guangdong", {"Fujian", "Jiangxi", "Hunan", "Guangxi", "Hong Kong", "Macao"}),
        ("Tianjin", {"Beijing", "Hebei"}),
        ("Ningxia", {"Inner Mongolia", "Shaanxi", "Gansu"}),
        ("Xinjiang", {"Gansu", "Qinghai", "Tibet"}),
    ],
)
def test_hand_checked_neighbours(queen, pid, expected):
    assert queen[pid] == expected


def test_south_china_sea_layer():
    scs = _china.south_china_sea()
    assert scs["kind"].tolist() == ["maritime_line", "islands"]
    assert scs.crs.to_epsg() == 4326
    assert scs.geom_type.tolist() == ["MultiLineString", "MultiPolygon"]
    # The Nansha (Spratly) islands reach below 10 N; the maritime line runs south of Hainan island.
    assert scs.geometry.iloc[1].bounds[1] < 10
    assert scs.geometry.iloc[0].bounds[3] < 26


def test_missing_layer_raises_a_clear_error():
    with pytest.raises(SpilloverError, match="layer 'nowhere' is not in china_provinces.gpkg"):
        _china._read_layer("nowhere")


# ------------------------------------------------------------------- build script helpers (toy coverage)


def _toy_coverage() -> gpd.GeoDataFrame:
    """Two squares sharing a finely zig-zagged border, and a separate island."""
    zigzag = [(1 + (0.001 if k % 2 else 0.0), k / 100) for k in range(101)]
    left = Polygon([(0, 0), *zigzag, (0, 1)])
    right = Polygon([(2, 0), (2, 1), *reversed(zigzag)])
    island = Polygon([(3, 0), (3.5, 0), (3.5, 0.5), (3, 0.5)])
    return gpd.GeoDataFrame(
        {"province": ["A", "B", "C"], "capital_lon": [0.5, 1.5, 3.2], "capital_lat": [0.5, 0.5, 0.2]},
        geometry=[left, right, island],
        crs=4326,
    )


def test_build_simplify_keeps_shared_border_and_neighbours():
    raw = _toy_coverage()
    simple = build.simplify(raw, 0.05)
    assert (
        shapely.get_num_coordinates(simple.geometry.values).sum()
        < 0.2 * shapely.get_num_coordinates(raw.geometry.values).sum()
    )
    assert shapely.coverage_is_valid(simple.geometry.values)
    assert build.neighbours(simple) == {"A": {"B"}, "B": {"A"}, "C": set()}
    build.check(raw, simple)  # would exit on any problem
    assert (simple.geom_type == "MultiPolygon").all()


def test_build_check_rejects_a_capital_outside():
    raw = _toy_coverage()
    moved = raw.assign(capital_lon=[1.5, 1.5, 3.2])
    with pytest.raises(SystemExit, match="capital outside"):
        build.check(moved, build.simplify(moved, 0.05))


def test_file_attributes_match_the_registry():
    # QGIS users read the file directly: its attribute table must agree with spillover.regions.
    path = resources.files("spillover._shapes") / "china_provinces.gpkg"
    with resources.as_file(path) as file:
        table = gpd.read_file(file, layer="provinces", engine="pyogrio", ignore_geometry=True)
    reg = regions.registry(include_sar_taiwan=True)
    assert table["province"].tolist() == reg.index.tolist()
    for column in reg.columns:
        assert table[column].tolist() == reg[column].tolist(), column


def test_shipped_file_is_geopackage_1_2():
    # GeoPackage 1.2 (user_version 10200; application_id "GPKG"): QGIS 3.22's GDAL 3.6 warns on 1.4 files.
    import sqlite3

    with resources.as_file(resources.files("spillover._shapes") / "china_provinces.gpkg") as path:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
            assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
            srs = {row[0] for row in con.execute("select srs_id from gpkg_contents")}
    assert srs == {4326}


def test_build_script_writes_geopackage_1_2(tmp_path, all_units):
    import sqlite3

    path = tmp_path / "rebuilt.gpkg"
    build.write(all_units.head(3), all_units.head(1)[["province", "geometry"]], path, overwrite=False)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
