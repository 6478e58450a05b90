"""Contiguity by shared vertices/edges (the vectorised strict=False path) against libpysal called directly,
and k nearest neighbours against scipy's k-d tree called directly.

Reference for contiguity: ``libpysal.graph.Graph.build_contiguity(..., strict=False)``, the per-vertex loop
the builder replaced (and ``strict=True``, GEOS predicates, where the two relations differ).  Reference for
kNN: ``scipy.spatial.cKDTree.query`` on the same unit-sphere points (its tie order is the one documented),
and a dense brute force of great-circle distances where there are no ties.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.graph import Graph
from scipy.spatial import cKDTree

from spillover.errors import WeightsError
from spillover.weights import contiguity, distance, haversine, to_sparse
from spillover.weights._contiguity import vertex_pairs

pytestmark = pytest.mark.filterwarnings("ignore::spillover.errors.IslandWarning")


def _pairs(graph: Graph) -> set[tuple]:
    adj = graph.adjacency
    adj = adj[adj != 0]
    return set(zip(adj.index.get_level_values(0), adj.index.get_level_values(1), strict=True))


def _libpysal(geo: gpd.GeoDataFrame, kind: str, strict: bool = False) -> set[tuple]:
    return _pairs(Graph.build_contiguity(geo.geometry, rook=kind == "rook", strict=strict))


def _voronoi(n: int, seed: int) -> gpd.GeoDataFrame:
    """Voronoi cells of random points clipped to a square: an irregular coverage (3-way vertices)."""
    rng = np.random.default_rng(seed)
    frame = shapely.box(0, 0, 100, 100)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform(0, 100, (n, 2)))))
    cells = shapely.intersection(cells, frame)
    return gpd.GeoDataFrame(geometry=cells, index=[f"v{i}" for i in range(len(cells))], crs="EPSG:3857")


def _jittered(side: int, seed: int) -> gpd.GeoDataFrame:
    """Quadrilaterals on a jittered vertex lattice (4-way vertices, so queen != rook), with irregularities:

    a cell with a hole and an enclave filling it, a multipolygon made of two distant cells, a cell whose
    ring runs clockwise, a cell with a vertex repeated, a T-junction (a vertex added inside one cell's edge
    only: rook by GEOS, not by vertices), a far island and a pair of squares touching at one corner only.
    """
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(side + 1.0), np.arange(side + 1.0), indexing="ij")
    px = gx + rng.uniform(-0.3, 0.3, gx.shape)
    py = gy + rng.uniform(-0.3, 0.3, gy.shape)
    cells = {}
    for i in range(side):
        for j in range(side):
            ring = [(px[i, j], py[i, j]), (px[i + 1, j], py[i + 1, j]), (px[i + 1, j + 1], py[i + 1, j + 1])]
            ring.append((px[i, j + 1], py[i, j + 1]))
            cells[f"c{i}_{j}"] = shapely.Polygon(ring)
    # a hole in c1_1 and the enclave that fills it (the hole's vertices shared exactly)
    hole = shapely.Polygon(shapely.get_coordinates(cells["c1_1"].centroid.buffer(0.15, quad_segs=2)))
    cells["c1_1"] = shapely.Polygon(cells["c1_1"].exterior.coords, [hole.exterior.coords])
    cells["enclave"] = hole
    # two distant cells as one multipolygon
    cells["c0_3"] = shapely.MultiPolygon([cells["c0_3"], cells.pop(f"c{side - 1}_{side - 1}")])
    cells["c2_2"] = shapely.reverse(cells["c2_2"])  # clockwise ring: edges run the other way
    ring = list(cells["c3_1"].exterior.coords)[:-1]
    cells["c3_1"] = shapely.Polygon([ring[0], ring[0], *ring[1:]])  # a repeated vertex
    # T-junction: t_b has a vertex (71, 71) inside t_a's top edge; t_a lacks it
    cells["t_a"] = shapely.box(70, 70, 72, 71)
    cells["t_b"] = shapely.Polygon([(70, 71), (71, 71), (72, 71), (72, 72), (70, 72)])
    cells["island"] = shapely.box(50, 50, 51, 51)
    cells["corner_a"] = shapely.box(60, 60, 61, 61)
    cells["corner_b"] = shapely.box(61, 61, 62, 62)
    cells["signed_zero"] = shapely.Polygon([(-0.0, -5.0), (-0.0, -4.0), (1.0, -4.0), (1.0, -5.0)])
    cells["zero_twin"] = shapely.Polygon([(0.0, -5.0), (-1.0, -5.0), (-1.0, -4.0), (0.0, -4.0)])
    return gpd.GeoDataFrame(geometry=list(cells.values()), index=list(cells), crs="EPSG:3857")


@pytest.mark.parametrize("kind", ["rook", "queen"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_neighbours_as_libpysal_on_irregular_polygons(kind: str, seed: int) -> None:
    for geo in (_voronoi(300, seed), _jittered(8, seed)):
        got = _pairs(contiguity(geo, kind, islands="keep", transform="none"))
        assert got == _libpysal(geo, kind)
        assert len(got) > len(geo)  # not vacuous


def test_the_irregular_cases_link_as_libpysal_says() -> None:
    geo = _jittered(6, 0)
    rook = _pairs(contiguity(geo, "rook", islands="keep", transform="none"))
    queen = _pairs(contiguity(geo, "queen", islands="keep", transform="none"))
    assert ("enclave", "c1_1") in rook  # through the hole's edges
    assert ("corner_a", "corner_b") in queen and ("corner_a", "corner_b") not in rook
    assert ("signed_zero", "zero_twin") in rook  # -0.0 == 0.0
    assert ("c2_2", "c1_2") in rook  # a clockwise ring still shares its edges
    assert not any("island" in pair for pair in queen)
    # the T-junction: the two end points are shared, the edge is not (c4_0 has a vertex inside it)
    assert ("t_a", "t_b") in queen and ("t_a", "t_b") not in rook
    assert ("t_a", "t_b") in _libpysal(geo, "rook", strict=True)  # GEOS sees the shared segment


@pytest.mark.parametrize("kind", ["rook", "queen"])
def test_default_weights_equal_libpysal_row_standardised(kind: str) -> None:
    geo = _voronoi(200, 5)
    expected = Graph.build_contiguity(geo.geometry, rook=kind == "rook", strict=False).transform("R")
    got = contiguity(geo, kind)
    np.testing.assert_array_equal(
        to_sparse(got, geo.index).toarray(), to_sparse(expected, geo.index).toarray()
    )


def test_islands_attached_as_before() -> None:
    geo = _jittered(5, 3)
    w = contiguity(geo, "rook", transform="none")
    # the island's nearest boundary is corner_a's (50-51 vs 60: 9 * sqrt(2) away)
    assert sorted(w.neighbors["island"]) == ["corner_a"]
    assert "island" in w.neighbors["corner_a"]


def test_strict_true_is_libpysal_predicates() -> None:
    geo = _jittered(5, 4)
    for kind in ("rook", "queen"):
        got = _pairs(contiguity(geo, kind, strict=True, islands="keep", transform="none"))
        assert got == _libpysal(geo, kind, strict=True)


def test_vertex_pairs_on_a_lattice_by_a_double_loop() -> None:
    # 5 x 4 unit squares: rook = shares a side, queen = also a corner (the lattice's definition)
    side_x, side_y = 5, 4
    cells = [(i, j) for j in range(side_y) for i in range(side_x)]
    geoms = np.array([shapely.box(i, j, i + 1, j + 1) for i, j in cells])
    for rook in (True, False):
        rows, cols = vertex_pairs(geoms, rook=rook)
        expected = {
            (a, b)
            for a, (i, j) in enumerate(cells)
            for b, (k, m) in enumerate(cells)
            if a != b and max(abs(i - k), abs(j - m)) == 1 and (not rook or abs(i - k) + abs(j - m) == 1)
        }
        assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == expected
        assert np.all(np.diff(rows * len(geoms) + cols) > 0)  # sorted, no duplicates


def test_non_polygons_go_to_libpysal() -> None:
    lines = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (1, 0)]), shapely.LineString([(1, 0), (2, 0)])],
        index=["a", "b"],
        crs="EPSG:3857",
    )
    assert _pairs(contiguity(lines, "queen", transform="none")) == _libpysal(lines, "queen")


# ------------------------------------------------------------------------------------------------ kNN
def _points(n: int, seed: int, lattice: bool = False) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    if lattice:  # equal distances everywhere: the k-th neighbour is a tie
        lon, lat = (v.ravel() for v in np.meshgrid(np.arange(20.0), np.arange(n // 20.0)))
    else:
        lon, lat = rng.uniform(73.5, 135, n), rng.uniform(18, 53.5, n)
    return gpd.GeoDataFrame(
        {"lon": lon, "lat": lat}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    ).set_axis([f"p{i}" for i in range(len(lon))])


def _tree_neighbours(geo: gpd.GeoDataFrame, k: int) -> set[tuple]:
    lam, phi = np.radians(geo["lon"].to_numpy()), np.radians(geo["lat"].to_numpy())
    xyz = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    _, idx = cKDTree(xyz).query(xyz, k=k + 1)  # one worker: the reference order
    return {(geo.index[i], geo.index[j]) for i in range(len(geo)) for j in idx[i] if j != i}


@pytest.mark.parametrize("lattice", [False, True])
def test_knn_equals_the_kd_tree_called_directly(lattice: bool) -> None:
    geo = _points(400, 7, lattice=lattice)
    for k in (1, 4, 8):
        w = distance(geo, coords=("lon", "lat"), k=k, transform="none")
        assert _pairs(w) == _tree_neighbours(geo, k)


def test_knn_equals_brute_force_and_weights_are_inverse_haversine() -> None:
    geo = _points(300, 11)
    lon, lat = geo["lon"].to_numpy(), geo["lat"].to_numpy()
    w = distance(geo, coords=("lon", "lat"), k=5, transform="none")
    dense = to_sparse(w, geo.index).toarray()
    for i in range(len(geo)):  # a double loop over all pairs
        d = np.array(
            [haversine(lon[i], lat[i], lon[j], lat[j]) if j != i else np.inf for j in range(len(geo))]
        )
        nearest = np.argsort(d, kind="stable")[:5]
        assert set(np.flatnonzero(dense[i])) == set(nearest)
        np.testing.assert_allclose(dense[i, nearest], 1 / d[nearest], rtol=1e-13)


def test_knn_row_order_is_the_regions_order() -> None:
    geo = _points(50, 2)
    w = distance(geo, coords=("lon", "lat"), k=3)
    assert list(w.unique_ids) == list(geo.index)
    adj = w.adjacency
    pos = pd.Index(geo.index)
    codes = pos.get_indexer(adj.index.get_level_values(0)) * len(pos) + pos.get_indexer(
        adj.index.get_level_values(1)
    )
    assert np.all(np.diff(codes) > 0)


@pytest.mark.parametrize("k", [None, 1, 3])
def test_regions_at_the_same_point_raise_with_or_without_k(k: int | None) -> None:
    geo = _points(30, 3)
    geo.iloc[7, :2] = geo.iloc[19, :2].to_numpy()  # p7 moved onto p19
    with pytest.raises(WeightsError, match=r"same point give a zero distance: \('p7', 'p19'\)"):
        distance(geo, coords=("lon", "lat"), k=k)
