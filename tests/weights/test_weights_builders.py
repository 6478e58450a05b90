"""Builders of spillover.weights checked against values computed here from the formulas on a toy map.

Toy geography (lon/lat degrees, EPSG:4326)::

    lat 4-5              [d]      d = box(4, 4, 5, 5): an island
    lat 1-2      [c]              c = box(1, 1, 2, 2): shares an edge with b, only the corner (1, 1) with a
    lat 0-1  [a][b]               a = box(0, 0, 1, 1), b = box(1, 0, 2, 1)

So rook: a-b, b-c; queen: a-b, a-c, b-c; d has no contiguous neighbour.  "Capitals" are the box centres.
Expected distances use the atan2 (Vincenty) form of the spherical great-circle distance, an independent
formula from the haversine used by the code; both are exact on the sphere, so agreement is to rounding
(rtol 1e-10).  The Earth radius 6371.0088 km is the IUGG mean radius, documented in the module.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from spillover.errors import IslandWarning, WeightsError
from spillover.panel import SpatialPanel
from spillover.weights import (
    EARTH_RADIUS_KM,
    contiguity,
    describe,
    distance,
    economic,
    haversine,
    nested,
    to_sparse,
    transform,
)

IDS = ["a", "b", "c", "d"]
LON = np.array([0.5, 1.5, 1.5, 4.5])
LAT = np.array([0.5, 0.5, 1.5, 4.5])
# a variable over 3 years; region means Ybar = (2, 3, 5, 9) (hand: (1+2+3)/3, (3+3+3)/3, (4+5+6)/3, (9+9+9)/3)
Y = {"a": [1.0, 2.0, 3.0], "b": [3.0, 3.0, 3.0], "c": [4.0, 5.0, 6.0], "d": [9.0, 9.0, 9.0]}
YBAR = np.array([2.0, 3.0, 5.0, 9.0])


@pytest.fixture
def geo() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"capital_lon": LON, "capital_lat": LAT},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(1, 1, 2, 2), box(4, 4, 5, 5)],
        index=pd.Index(IDS, name="region"),
        crs="EPSG:4326",
    )


@pytest.fixture
def panel(geo: gpd.GeoDataFrame) -> SpatialPanel:
    rows = [{"region": r, "year": 2000 + t, "y": v} for r, vals in Y.items() for t, v in enumerate(vals)]
    return SpatialPanel(pd.DataFrame(rows), geo.reset_index(), id="region", time="year")


def great_circle(lon1, lat1, lon2, lat2):
    """Vincenty/atan2 form of the spherical great-circle distance (km), independent of haversine."""
    l1, p1, l2, p2 = map(np.radians, (lon1, lat1, lon2, lat2))
    dl = l2 - l1
    num = np.hypot(np.cos(p2) * np.sin(dl), np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl))
    den = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
    return EARTH_RADIUS_KM * np.arctan2(num, den)


def dist_matrix() -> np.ndarray:
    return great_circle(LON[:, None], LAT[:, None], LON[None, :], LAT[None, :])


def rowstd(m: np.ndarray) -> np.ndarray:
    return m / m.sum(axis=1, keepdims=True)


def dense(w, ids=IDS) -> np.ndarray:
    return to_sparse(w, ids).toarray()


# ------------------------------------------------------------------------------------------- haversine
def test_haversine_one_degree_on_equator_and_meridian() -> None:
    # one degree of arc = 2 pi R / 360 on the equator and along any meridian (exact on a sphere)
    arc = 2 * np.pi * EARTH_RADIUS_KM / 360
    assert haversine(10, 0, 11, 0) == pytest.approx(arc, rel=1e-12)
    assert haversine(100, 30, 100, 31) == pytest.approx(arc, rel=1e-12)
    # Beijing (116.4074, 39.9042) to Shanghai (121.4737, 31.2304): ~1067 km (published great-circle figures
    # 1,065-1,068 km); checked here against the independent atan2 formula
    assert haversine(116.4074, 39.9042, 121.4737, 31.2304) == pytest.approx(
        great_circle(116.4074, 39.9042, 121.4737, 31.2304), rel=1e-10
    )


# ------------------------------------------------------------------------------------------- contiguity
def test_rook_and_queen_with_island_attached_to_nearest(geo: gpd.GeoDataFrame) -> None:
    d = dist_matrix()
    nearest_to_d = IDS[int(np.argsort(d[3])[1])]  # hand: c (1.5, 1.5) is closest to (4.5, 4.5)
    assert nearest_to_d == "c"
    rook = np.zeros((4, 4))
    for i, j in [(0, 1), (1, 2), (3, 2)]:
        rook[i, j] = rook[j, i] = 1
    queen = rook.copy()
    queen[0, 2] = queen[2, 0] = 1
    np.testing.assert_array_equal(dense(contiguity(geo, "rook", transform="none")), rook)
    np.testing.assert_array_equal(dense(contiguity(geo, "queen", transform="none")), queen)
    np.testing.assert_allclose(dense(contiguity(geo)), rowstd(queen), rtol=1e-15)
    summary = describe(contiguity(geo))
    assert summary.attached == (("d", ("c",)),)
    assert summary.islands == () and summary.symmetric and summary.row_standardised
    assert "island 'd' attached to its nearest: 'c'" in str(summary)


def test_island_attached_to_k_nearest(geo: gpd.GeoDataFrame) -> None:
    # by boundary (default): d's corner (4, 4) is nearest to the corners a (1, 1), b (2, 1), c (2, 2)
    gap = great_circle(np.array([1.0, 2.0, 2.0]), np.array([1.0, 1.0, 2.0]), 4.0, 4.0)
    two = sorted(IDS[j] for j in np.argsort(gap)[:2])
    assert two == ["b", "c"]
    w = contiguity(geo, "rook", k=2, transform="none")
    assert sorted(w.neighbors["d"]) == two
    for j in two:  # symmetric: the neighbours also get the island
        assert "d" in list(w.neighbors[j])
    # by capitals (box centres), using the formula's distances
    by_capital = sorted(IDS[j] for j in np.argsort(dist_matrix()[3])[1:3])
    w = contiguity(geo, "rook", k=2, coords="capital", transform="none")
    assert sorted(w.neighbors["d"]) == by_capital
    assert "'capital' points" in dict(describe(w).notes)["attached_by"]


def test_island_nearest_by_boundary_differs_from_capitals() -> None:
    # p = box(0,0,1,1) and q = box(1,0,10,1) touch; island i = box(0,1.1,0.9,1.5) lies 0.1 degree north of p
    # and ~0.14 degree from q's corner (1, 1).  Capitals: i (0.8, 1.3), p (0.5, 0.5), q (1.2, 0.8), so i's
    # capital is nearer q's (|(0.4, 0.5)| = 0.64 degree) than p's (|(0.3, 0.8)| = 0.85 degree).
    geo = gpd.GeoDataFrame(
        {"capital_lon": [0.5, 1.2, 0.8], "capital_lat": [0.5, 0.8, 1.3]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 10, 1), box(0, 1.1, 0.9, 1.5)],
        index=["p", "q", "i"],
        crs="EPSG:4326",
    )
    assert sorted(contiguity(geo, transform="none").neighbors["i"]) == ["p"]
    assert sorted(contiguity(geo, coords="capital", transform="none").neighbors["i"]) == ["q"]


def test_islands_keep_warns_and_raise_lists(geo: gpd.GeoDataFrame) -> None:
    with pytest.warns(IslandWarning, match="'d'"):
        w = contiguity(geo, islands="keep")
    assert list(w.isolates) == ["d"]
    np.testing.assert_array_equal(dense(w)[3], 0.0)
    with pytest.raises(WeightsError, match=r"1 region\(s\) have no contiguous neighbour: 'd'"):
        contiguity(geo, islands="raise")


def test_contiguity_from_panel_and_id_column(geo: gpd.GeoDataFrame, panel: SpatialPanel) -> None:
    expected = dense(contiguity(geo))
    np.testing.assert_array_equal(dense(contiguity(panel)), expected)
    np.testing.assert_array_equal(dense(contiguity(geo.reset_index(), id="region")), expected)


def test_builders_do_not_mutate_input(geo: gpd.GeoDataFrame) -> None:
    before = geo.copy()
    contiguity(geo)
    distance(geo, coords="centroid")
    pd.testing.assert_frame_equal(geo, before)


# ------------------------------------------------------------------------------------------- distance
@pytest.mark.parametrize("power", [1, 2])
def test_inverse_distance_power(geo: gpd.GeoDataFrame, power: int) -> None:
    d = dist_matrix()
    with np.errstate(divide="ignore"):
        raw = np.where(np.eye(4, dtype=bool), 0.0, d ** (-float(power)))
    np.testing.assert_allclose(dense(distance(geo, power=power, transform="none")), raw, rtol=1e-10)
    np.testing.assert_allclose(dense(distance(geo, power=power)), rowstd(raw), rtol=1e-10)


def test_distance_band_and_knn(geo: gpd.GeoDataFrame) -> None:
    d = dist_matrix()
    band = 160.0  # a-b and b-c are ~111 km apart, a-c ~157 km, d is > 400 km from all (see d above)
    assert d[0, 1] < band and d[0, 2] < band and d[2, 3] > band
    with pytest.warns(IslandWarning, match=r"leaves 1 region\(s\) without neighbours: 'd'"):
        w = distance(geo, band=band, transform="none")
    expected = np.where((d <= band) & ~np.eye(4, dtype=bool), 1 / np.where(d == 0, 1, d), 0.0)
    np.testing.assert_allclose(dense(w), expected, rtol=1e-10)
    knn = dense(distance(geo, k=1, transform="none", power=0))
    nearest = [int(np.argsort(row)[1]) for row in d]
    np.testing.assert_array_equal(knn, np.eye(4)[nearest])


def test_distance_centroid_and_representative_are_on_the_sphere() -> None:
    # an equal-area centroid of a high-latitude box lies south of the mid-latitude (the box is wider there);
    # a planar-degree centroid would be exactly at 65 N.
    geo = gpd.GeoDataFrame(
        {"lon": [5.0, 25.0]},
        geometry=[box(0, 60, 10, 70), box(20, 60, 30, 70)],
        index=["x", "y"],
        crs="EPSG:4326",
    )
    from spillover.weights._geometry import _lonlat

    lon, lat = _lonlat(geo, "centroid")
    one_lon, one_lat = _lonlat(geo.iloc[:1], "centroid")  # projection centred on this box alone
    np.testing.assert_allclose(one_lon, [5.0], atol=1e-6)  # symmetric about the box's central meridian
    assert 64.0 < one_lat[0] < 65.0
    assert (lat < 65.0).all() and (lat > 64.0).all()
    w = distance(geo, coords="centroid", transform="none")
    assert 1 / w.adjacency[("x", "y")] == pytest.approx(
        great_circle(lon[0], lat[0], lon[1], lat[1]), rel=1e-10
    )
    lon_r, lat_r = _lonlat(geo, "representative")
    assert all(geo.geometry.iloc[i].contains(gpd.points_from_xy(lon_r, lat_r)[i]) for i in range(2))


def test_distance_works_from_a_projected_crs(geo: gpd.GeoDataFrame) -> None:
    projected = geo.to_crs("EPSG:3857")
    a = dense(distance(geo, coords="representative"))
    b = dense(distance(projected, coords="representative"))
    np.testing.assert_allclose(a, b, rtol=1e-6)  # same points after a round trip through the projection


# ------------------------------------------------------------------------------------------- economic
def test_economic_distance(panel: SpatialPanel) -> None:
    diff = np.abs(YBAR[:, None] - YBAR[None, :])
    with np.errstate(divide="ignore"):
        raw = np.where(np.eye(4, dtype=bool), 0.0, 1 / diff)
    np.testing.assert_allclose(dense(economic(panel, "y", transform="none")), raw, rtol=1e-12)
    np.testing.assert_allclose(dense(economic(panel, "y")), rowstd(raw), rtol=1e-12)


def test_economic_window(panel: SpatialPanel) -> None:
    # window (2001, 2002): means (2.5, 3, 5.5, 9) by hand
    ybar = np.array([2.5, 3.0, 5.5, 9.0])
    diff = np.abs(ybar[:, None] - ybar[None, :])
    with np.errstate(divide="ignore"):
        raw = np.where(np.eye(4, dtype=bool), 0.0, 1 / diff)
    np.testing.assert_allclose(
        dense(economic(panel, "y", window=(2001, 2002), transform="none")), raw, rtol=1e-12
    )
    np.testing.assert_allclose(
        dense(economic(panel, "y", window=[2002, 2001], transform="none")), raw, rtol=1e-12
    )


def test_economic_ties_raise_or_drop(panel: SpatialPanel) -> None:
    # the panel's means are distinct, so ties come from a Series of means: b and c tie at 2
    means = pd.Series([1.0, 2.0, 2.0, 4.0], index=IDS)
    with pytest.raises(WeightsError, match=r"\('b', 'c': 2\)"):
        economic(means)
    w = economic(means, ties="drop", transform="none")
    expected = np.array([[0, 1, 1, 1 / 3], [1, 0, 0, 0.5], [1, 0, 0, 0.5], [1 / 3, 0.5, 0.5, 0]])
    np.testing.assert_allclose(dense(w), expected, rtol=1e-12)
    assert "ties_dropped" in dict(describe(w).notes)


# ------------------------------------------------------------------------------------------- nested
@pytest.mark.parametrize("power", [1, 2])
def test_nested_multiplicative(panel: SpatialPanel, power: int) -> None:
    d = dist_matrix()
    with np.errstate(divide="ignore"):
        raw = np.where(np.eye(4, dtype=bool), 0.0, d ** (-float(power)) * YBAR[None, :] / YBAR.mean())
    np.testing.assert_allclose(dense(nested(panel, "y", power=power, transform="none")), raw, rtol=1e-10)
    np.testing.assert_allclose(dense(nested(panel, "y", power=power)), rowstd(raw), rtol=1e-10)


@pytest.mark.parametrize("phi", [0.0, 0.3, 1.0])
def test_nested_weighted(panel: SpatialPanel, phi: float) -> None:
    d = dist_matrix()
    off = ~np.eye(4, dtype=bool)
    wd = rowstd(np.where(off, 1 / np.where(off, d, 1), 0.0))
    diff = np.abs(YBAR[:, None] - YBAR[None, :])
    we = rowstd(np.where(off, 1 / np.where(off, diff, 1), 0.0))
    expected = rowstd(phi * wd + (1 - phi) * we)
    np.testing.assert_allclose(dense(nested(panel, "y", form="weighted", phi=phi)), expected, rtol=1e-10)


# ------------------------------------------------------------------------------------------- transform
def test_transform_spectral_and_none(geo: gpd.GeoDataFrame) -> None:
    w = contiguity(geo, transform="none")
    raw = dense(w)
    radius = np.abs(np.linalg.eigvals(raw)).max()  # numpy's eigenvalues of the binary matrix
    spec = transform(w, "spectral")
    np.testing.assert_allclose(dense(spec), raw / radius, rtol=1e-12)
    assert np.abs(np.linalg.eigvals(dense(spec))).max() == pytest.approx(1.0, rel=1e-12)
    assert transform(w, "none") is w
    assert describe(spec).symmetric_weights


def test_row_standardising_zero_rows_names_region(geo: gpd.GeoDataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IslandWarning)
        w = contiguity(geo, islands="keep", transform="none")
    with pytest.raises(WeightsError, match=r"sum to zero: 'd'"):
        transform(w, "r")
    kept = transform(w, "r", allow_islands=True)
    np.testing.assert_array_equal(dense(kept)[3], 0.0)


# ------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda g: contiguity(g, "bishop"),
            r"'kind' needs to be one of \['queen', 'rook'\]; 'bishop' was given",
        ),
        (
            lambda g: contiguity(g, islands="drop"),
            r"'islands' needs to be one of \['nearest', 'keep', 'raise'",
        ),
        (lambda g: contiguity(g, k=4), r"k must be an integer from 1 to 3 \(regions - 1\)"),
        (lambda g: contiguity(g, coords="center"), r"'coords' needs to be one of \['boundary', 'capital'"),
        (
            lambda g: contiguity(g, transform="row"),
            r"'transform' needs to be one of \['r', 'none', 'spectral'",
        ),
        (lambda g: distance(g, coords="centroids"), r"'coords' needs to be one of \['capital', 'centroid'"),
        (lambda g: distance(g, coords=("lon", "lat")), r"coordinate column 'lon' is not in the geometry"),
        (lambda g: distance(g, band=100, k=2), r"either band \(km\) or k"),
        (lambda g: distance(g, band=-1), r"band must be a finite number > 0 \(a distance in km\)"),
        (lambda g: distance(g, power=-1), r"power must be a finite number >= 0"),
        (lambda g: distance(g.drop(columns="capital_lon")), r"coords='capital' needs the columns"),
        (lambda g: distance(g.set_crs(None, allow_override=True), coords="centroid"), r"has no CRS"),
        (lambda g: distance(g.assign(capital_lat=[0.5, 0.5, np.nan, 4.5])), r"invalid for regions 'c'"),
        (lambda g: contiguity(pd.DataFrame(g)), r"expected a GeoDataFrame or a SpatialPanel"),
        (lambda g: contiguity(g, id="nope"), r"id column 'nope' is not in the geometry"),
    ],
)
def test_bad_options_are_named(geo: gpd.GeoDataFrame, call, message: str) -> None:
    with pytest.raises(WeightsError, match=message):
        call(geo)


def test_duplicate_points_name_the_pair(geo: gpd.GeoDataFrame) -> None:
    same = geo.assign(capital_lon=[0.5, 0.5, 1.5, 4.5], capital_lat=[0.5, 0.5, 1.5, 4.5])
    with pytest.raises(WeightsError, match=r"same point give a zero distance: \('a', 'b'\)"):
        distance(same)
    with pytest.raises(WeightsError, match=r"\('a', 'b'\)"):
        distance(same, k=1)


def test_missing_values_for_ybar_are_named(panel: SpatialPanel, geo: gpd.GeoDataFrame) -> None:
    data = panel.data.reset_index()
    data.loc[(data["region"] == "c") & (data["year"] == 2001), "y"] = np.nan
    holed = SpatialPanel(data, geo.reset_index(), id="region", time="year")
    with pytest.raises(WeightsError, match=r"cannot average 'y'.*\('c', 2001\)"):
        economic(holed, "y")
    # a window that avoids the hole works
    assert economic(holed, "y", window=[2000, 2002]).n == 4
    with pytest.raises(WeightsError, match=r"\('c', 2001\)"):
        nested(holed, "y")


def test_window_and_variable_errors(panel: SpatialPanel) -> None:
    with pytest.raises(WeightsError, match=r"1999 not among the panel's periods \(2000..2002\)"):
        economic(panel, "y", window=(1999, 2001))
    with pytest.raises(WeightsError, match=r"window periods 2005 are not among"):
        economic(panel, "y", window=[2000, 2005])
    with pytest.raises(WeightsError, match=r"window must be \(start, end\) or a list"):
        economic(panel, "y", window="2000")
    with pytest.raises(WeightsError, match=r"cannot average 'gdp'.*not in the panel"):
        economic(panel, "gdp")
    with pytest.raises(WeightsError, match=r"'ties' needs to be one of \['raise', 'drop'"):
        economic(panel, "y", ties="mean")
    with pytest.raises(WeightsError, match=r"'form' needs to be one of \['multiplicative', 'weighted'"):
        nested(panel, "y", form="additive")
    with pytest.raises(WeightsError, match=r"phi must be a finite number in \[0, 1\]"):
        nested(panel, "y", form="weighted", phi=1.5)


def test_multiplicative_needs_positive_means(panel: SpatialPanel) -> None:
    neg = panel.with_data(pd.Series(-panel.data["y"], name="neg"))
    with pytest.raises(
        WeightsError, match=r"positive means of 'neg'; non-positive for regions 'a', 'b', 'c', 'd'"
    ):
        nested(neg, "neg")


def test_describe_directed_weights() -> None:
    # hand example: a triangle where only a -> b is one-way
    geo = gpd.GeoDataFrame(
        {"lon": [0.0, 1.0, 5.0], "lat": [0.0, 0.0, 0.0]},
        geometry=[Polygon([(0, 0), (1, 0), (0, 1)])] * 3,
        index=["a", "b", "c"],
    )
    w = distance(geo, coords=("lon", "lat"), k=1, transform="none")  # a->b, b->a, c->b
    s = describe(w)
    assert (s.n_regions, s.n_links, s.min_neighbours, s.max_neighbours) == (3, 3, 1, 1)
    assert not s.symmetric and not s.row_standardised


@pytest.mark.slow
def test_spectral_on_a_large_ring_uses_the_sparse_solver() -> None:
    # a symmetric binary ring of 2,500 regions has spectral radius exactly 2 (eigenvalues 2 cos(2 pi k / n))
    from libpysal.graph import Graph

    n = 2500
    ids = [f"r{k}" for k in range(n)]
    ring = Graph.from_dicts({ids[k]: [ids[(k - 1) % n], ids[(k + 1) % n]] for k in range(n)})
    spec = transform(ring, "spectral")
    np.testing.assert_allclose(spec.adjacency.to_numpy(), 0.5, rtol=1e-8)  # ARPACK tolerance


def test_transform_and_describe_accept_libpysal_w(geo: gpd.GeoDataFrame) -> None:
    w = contiguity(geo, transform="none").to_W()
    assert describe(w).n_links == 8
    np.testing.assert_allclose(transform(w, "r").adjacency.groupby(level=0).sum(), 1.0, rtol=1e-15)
    with pytest.raises(
        WeightsError, match=r"'how' needs to be one of \['r', 'none', 'spectral'\]; 'R' was given"
    ):
        transform(w, "R")


def test_prebuilt_name_is_checked() -> None:
    from spillover.weights import prebuilt

    with pytest.raises(WeightsError, match=r"'name' needs to be one of \['china_provinces_queen'"):
        prebuilt("china_queen")
