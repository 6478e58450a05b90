"""Weights as Parquet edge lists (save/load), and boundaries as GeoParquet (io.read/write_boundaries).

References: libpysal's own ``Graph.to_parquet`` / ``libpysal.graph.read_parquet`` (the layout), the
weights before saving (round trips must be exact: same ids, order, links, float bits, transformation) and
geopandas' ``read_parquet``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.graph import Graph, read_parquet

from spillover import io
from spillover.errors import OverwriteError, SpilloverError, WeightsError
from spillover.weights import contiguity, distance, load, save, to_sparse
from spillover.weights._graph import _graph_from_positions

pytestmark = pytest.mark.filterwarnings("ignore::spillover.errors.IslandWarning")


def _geo(ids: list) -> gpd.GeoDataFrame:
    """A 3 x 4 lattice of squares (ids in the given order) plus a far island (the last id)."""
    cells = [shapely.box(i, j, i + 1, j + 1) for j in range(3) for i in range(4)]
    lon = [0.1 * i for i in range(13)]
    lat = [0.05 * i * i for i in range(13)]
    return gpd.GeoDataFrame(
        {"lon": lon, "lat": lat}, geometry=[*cells, shapely.box(9, 9, 10, 10)], index=ids, crs="EPSG:4326"
    )


def _same(a: Graph, b: Graph) -> None:
    assert list(a.unique_ids) == list(b.unique_ids)
    assert a.unique_ids.dtype == b.unique_ids.dtype
    assert a.transformation == b.transformation
    pd.testing.assert_series_equal(a.adjacency, b.adjacency, check_exact=True, check_index_type=False)
    assert a.adjacency.index.equals(b.adjacency.index)


ID_SETS = {
    "text digits": [str(i) for i in range(13)],  # "10" < "2": the order must survive
    "integers": [10 * i for i in range(13)][::-1],
    "names with spaces": [f"region {chr(65 + i)}" for i in range(13)],
}


@pytest.mark.parametrize("ids", ID_SETS.values(), ids=ID_SETS.keys())
def test_round_trip_is_exact(tmp_path: Path, ids: list) -> None:
    geo = _geo(ids)
    for w in (
        contiguity(geo, "rook", islands="keep", transform="none"),  # binary, with an isolate
        contiguity(geo, "queen"),  # row-standardised
        distance(geo, coords=("lon", "lat"), k=3),  # float weights (1/km, row-standardised), asymmetric
        distance(geo, coords=("lon", "lat"), transform="none"),  # dense
    ):
        path = tmp_path / "w.parquet"
        save(w, path, overwrite=True)
        back = load(path)
        _same(back, w)
        assert back.unique_ids.dtype == w.unique_ids.dtype  # integers stay integers
        # libpysal reads the file as it wrote it
        theirs = read_parquet(path)
        np.testing.assert_array_equal(to_sparse(theirs, ids).toarray(), to_sparse(w, ids).toarray())


def test_load_reorders_to_ids_and_reads_libpysal_files(tmp_path: Path) -> None:
    ids = [f"r{i}" for i in range(13)]
    w = contiguity(_geo(ids), "queen", islands="keep", transform="none")
    path = tmp_path / "lib.parquet"
    Graph.build_contiguity(_geo(ids).geometry, rook=False).to_parquet(path)  # written by libpysal
    back = load(path, ids=ids[::-1])
    assert list(back.unique_ids) == ids[::-1]
    np.testing.assert_array_equal(to_sparse(back, ids).toarray(), to_sparse(w, ids).toarray())


def test_save_is_atomic_and_refuses_to_overwrite(tmp_path: Path) -> None:
    w = contiguity(_geo(list("abcdefghijklm")), "rook")
    path = tmp_path / "w.parquet"
    save(w, path)
    with pytest.raises(OverwriteError):
        save(w, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.parquet"]  # no temporary left behind
    save(w, tmp_path / "w.bin", format="parquet")
    _same(load(tmp_path / "w.bin", format="parquet"), load(path))


def _edges(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "edges.parquet"
    frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"focal": ["a"], "weight": [1.0]}),
            r"columns 'focal', 'neighbor', 'weight'; missing 'neighbor'",
        ),
        (
            pd.DataFrame({"focal": ["a", "b"], "neighbor": ["b", "a"], "weight": ["x", "y"]}),
            r"'weight' must hold numbers",
        ),
        (
            pd.DataFrame({"focal": ["a", "b"], "neighbor": ["b", "c"], "weight": [1.0, 1.0]}),
            r"neighbours 'c' are not listed",
        ),
        (
            pd.DataFrame({"focal": ["a", "a", "b"], "neighbor": ["b", "b", "a"], "weight": [1.0, 2.0, 1.0]}),
            r"links listed more than once: \('a', 'b'\)",
        ),
        (
            pd.DataFrame({"focal": ["a", "b"], "neighbor": ["b", "a"], "weight": [np.nan, 1.0]}),
            r"missing or infinite weights for the links \('a', 'b'\)",
        ),
    ],
)
def test_bad_edge_lists_are_named(tmp_path: Path, frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(WeightsError, match=message):
        load(_edges(tmp_path, frame))


def test_a_plain_edge_list_without_libpysal_metadata_loads(tmp_path: Path) -> None:
    frame = pd.DataFrame({"focal": ["b", "a", "c"], "neighbor": ["a", "b", "c"], "weight": [0.5, 2.0, 0.0]})
    w = load(_edges(tmp_path, frame))
    expected = _graph_from_positions(
        np.array([0, 1]), np.array([1, 0]), np.array([0.5, 2.0]), pd.Index(["b", "a", "c"])
    )
    _same(w, expected)


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "w.parquet"
    path.write_text("focal,neighbor,weight\na,b,1\n")
    with pytest.raises(WeightsError, match=r"w.parquet is not a readable Parquet file"):
        load(path)


# ------------------------------------------------------------------------------------------ boundaries
def test_geoparquet_boundaries_round_trip(tmp_path: Path) -> None:
    geo = _geo([f"r{i}" for i in range(13)]).rename_axis("region").reset_index()
    path = io.write_boundaries(geo, tmp_path / "regions.parquet")
    back = io.read_boundaries(path)
    assert back.crs == geo.crs
    pd.testing.assert_frame_equal(
        pd.DataFrame(back.drop(columns="geometry")), pd.DataFrame(geo.drop(columns="geometry"))
    )
    assert back.geometry.geom_equals_exact(geo.geometry, tolerance=0).all()
    assert back.equals(gpd.read_parquet(path))  # geopandas reads it as written
    with pytest.raises(OverwriteError):
        io.write_boundaries(geo, path)
    io.write_boundaries(geo, tmp_path / "regions.geoparquet")
    assert io.read_boundaries(tmp_path / "regions.geoparquet").equals(back)


def test_bad_geoparquet_boundaries(tmp_path: Path) -> None:
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet at all")
    with pytest.raises(SpilloverError, match=r"junk.parquet is not a readable Parquet file"):
        io.read_boundaries(junk)
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"id": ["a"]}).to_parquet(plain)
    with pytest.raises(SpilloverError, match=r"plain.parquet is not a GeoParquet boundary file"):
        io.read_boundaries(plain)
    no_crs = tmp_path / "nocrs.parquet"
    gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]).to_parquet(no_crs)
    with pytest.raises(SpilloverError, match=r"nocrs.parquet has no coordinate reference system"):
        io.read_boundaries(no_crs)
    good = io.write_boundaries(_geo(list("abcdefghijklm")), tmp_path / "good.parquet")
    with pytest.raises(SpilloverError, match=r"has no layers"):
        io.read_boundaries(good, layer="regions")
