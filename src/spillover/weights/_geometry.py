"""Regions as points on the sphere: the geometry checks, the regions' points and great-circle distances."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from spillover.errors import WeightsError, check_option, format_items
from spillover.weights._types import GeoLike, PointKind

#: mean Earth radius (IUGG, km) used for great-circle distances
EARTH_RADIUS_KM = 6371.0088
#: points closer than this (km) are treated as the same place
_SAME_PLACE_KM = 1e-6


def _geo_frame(geo: GeoLike, id: str | None = None) -> gpd.GeoDataFrame:
    """The regions as a GeoDataFrame indexed by their ids (a SpatialPanel gives its geometry)."""
    frame = getattr(geo, "geometry", None) if hasattr(geo, "ids") and hasattr(geo, "periods") else geo
    if isinstance(frame, gpd.GeoSeries):
        frame = frame.to_frame()
    if not isinstance(frame, gpd.GeoDataFrame):
        raise WeightsError(f"expected a GeoDataFrame or a SpatialPanel of regions, got {type(geo).__name__}.")
    if id is not None:
        if id not in frame.columns:
            raise WeightsError(
                f"id column {id!r} is not in the geometry; its columns are {format_items(frame.columns)}."
            )
        frame = frame.set_index(id)
    dup = frame.index[frame.index.duplicated()].unique()
    if len(dup):
        raise WeightsError(
            f"the regions' ids have duplicates: {format_items(dup.tolist())}; pass id='column' naming a unique id."
        )
    empty = frame.index[frame.geometry.isna() | frame.geometry.is_empty]
    if len(empty):
        raise WeightsError(f"regions with missing or empty geometry: {format_items(empty.tolist())}.")
    return frame


def _lonlat(frame: gpd.GeoDataFrame, coords: PointKind | tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (degrees) of each region's chosen point."""
    if isinstance(coords, tuple):
        if len(coords) != 2:
            raise WeightsError(f"coords as columns must be (lon_col, lat_col); got {coords!r}.")
        return _lonlat_columns(frame, coords[0], coords[1])
    check_option(coords, PointKind, "coords", error=WeightsError)
    if coords == "capital":
        if not {"capital_lon", "capital_lat"} <= set(frame.columns):
            raise WeightsError(
                "coords='capital' needs the columns 'capital_lon' and 'capital_lat' (as in "
                "spillover.datasets.china_provinces()); use coords='centroid', coords='representative' or "
                "coords=('lon_col', 'lat_col') for other regions."
            )
        return _lonlat_columns(frame, "capital_lon", "capital_lat")
    geographic = _to_lonlat(frame)
    if coords == "representative":
        pts = geographic.representative_point()
    else:  # centroids are computed in an equal-area projection centred on the regions, then back to lon/lat
        # edges are densified first (0.1 degree) so that they follow parallels/meridians once projected
        pts = geographic.segmentize(0.1).to_crs(_laea_crs(geographic)).centroid.to_crs("EPSG:4326")
    return pts.x.to_numpy(dtype=float), pts.y.to_numpy(dtype=float)


def _lonlat_columns(frame: gpd.GeoDataFrame, lon: str, lat: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked numeric lon/lat columns."""
    out = []
    for col, limit in ((lon, 180.0), (lat, 90.0)):
        if col not in frame.columns:
            raise WeightsError(
                f"coordinate column {col!r} is not in the geometry; columns: {format_items(frame.columns)}."
            )
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = frame.index[values.isna() | (values.abs() > limit)]
        if len(bad):
            raise WeightsError(
                f"column {col!r} must hold degrees within +-{limit:g}; missing or invalid for regions "
                f"{format_items(bad.tolist())}."
            )
        out.append(values.to_numpy(dtype=float))
    return out[0], out[1]


def _to_lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The geometries in longitude/latitude (EPSG:4326)."""
    if frame.crs is None:
        raise WeightsError(
            "the geometry has no CRS, so its coordinates cannot be turned into great-circle distances; set it, "
            "e.g. geo.set_crs('EPSG:4326') for longitude/latitude."
        )
    return frame.geometry.to_crs("EPSG:4326")


def _laea_crs(geographic: gpd.GeoSeries) -> str:
    """A Lambert azimuthal equal-area projection centred on the regions."""
    minx, miny, maxx, maxy = geographic.total_bounds
    return f"+proj=laea +lat_0={(miny + maxy) / 2:.6f} +lon_0={(minx + maxx) / 2:.6f} +datum=WGS84 +units=m"


def haversine(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasting like numpy).

    Uses the haversine formula on a sphere of radius :data:`EARTH_RADIUS_KM` (6371.0088 km, the IUGG mean
    radius).

    Examples
    --------
    >>> round(float(haversine(0, 0, 1, 0)), 3)  # one degree of longitude on the equator
    111.195
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere (x, y, z); chord length is monotone in great-circle distance."""
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _chord(km: float) -> float:
    """Chord length on the unit sphere for a great-circle distance in km."""
    return 2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0)


def _check_distinct(tree: cKDTree, ids: pd.Index) -> None:
    """Raise a WeightsError naming a pair of regions whose points coincide (zero distance)."""
    pairs = tree.query_pairs(_chord(_SAME_PLACE_KM), output_type="ndarray")
    if len(pairs):
        shown = [f"({ids[i]!r}, {ids[j]!r})" for i, j in pairs[:10]]
        raise WeightsError(
            f"regions at the same point give a zero distance: {', '.join(shown)}"
            f"{f' (and {len(pairs) - 10} more)' if len(pairs) > 10 else ''}; inverse distance is undefined. "
            "Fix their coordinates, merge them, or choose other points (coords='centroid')."
        )


def _pairs_dense(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ordered pairs i != j and their great-circle distances."""
    n = len(lon)
    rows, cols = np.nonzero(~np.eye(n, dtype=bool))
    return rows, cols, haversine(lon[rows], lat[rows], lon[cols], lat[cols])


def _pairs_band(tree: cKDTree, lon: np.ndarray, lat: np.ndarray, band: float) -> tuple[np.ndarray, ...]:
    """Ordered pairs within ``band`` km (sparse, via the k-d tree of the points on the unit sphere)."""
    pairs = tree.query_pairs(_chord(band) * (1 + 1e-12), output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]]) if len(pairs) else np.empty(0, dtype=np.int64)
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]]) if len(pairs) else np.empty(0, dtype=np.int64)
    dist = haversine(lon[rows], lat[rows], lon[cols], lat[cols])
    keep = dist <= band
    return rows[keep], cols[keep], dist[keep]


def _pairs_knn(
    tree: cKDTree, lon: np.ndarray, lat: np.ndarray, k: int, ids: pd.Index
) -> tuple[np.ndarray, ...]:
    """Each region's ``k`` nearest regions (ties broken by the k-d tree's order), sorted by (row, column).

    ``tree`` holds the regions' points on the unit sphere.  The query runs on every core (``workers=-1``:
    each point's query is independent, so the result is the same as on one core) and asks for the points
    in the tree's own order (``tree.indices``): consecutive queries then walk the same leaves, which keeps
    them in cache (1.8 instead of 4.9 CPU s for a million random points); the answers are put back in the
    regions' order, so they are those of a query in that order.  Two regions at the same point raise as in
    :func:`_check_distinct`, which only runs when the query found such a pair (a point's second-nearest,
    after itself, within the same-place distance): one tree search, not two.
    """
    n = tree.n
    order = tree.indices
    chord_sorted, idx_sorted = tree.query(tree.data[order], k=k + 1, workers=-1)
    idx = np.empty_like(idx_sorted)
    idx[order] = idx_sorted
    del idx_sorted
    if bool((chord_sorted[:, 1] <= _chord(_SAME_PLACE_KM)).any()):  # the order does not matter here
        _check_distinct(tree, ids)
    own = np.arange(n)
    if bool((idx[:, 0] == own).all()):  # each point first finds itself (distance 0): drop that column
        nearest = idx[:, 1:]
    else:  # pragma: no cover - only with coincident points, which are rejected above
        keep = idx != own[:, None]
        if not (keep.sum(axis=1) == k).all():
            raise WeightsError("duplicate points prevent a k-nearest-neighbour search.")
        nearest = idx[keep].reshape(n, k)
    cols = np.sort(nearest, axis=1).ravel()  # each row's neighbours in id order
    rows = np.repeat(own, k)
    return rows, cols, _haversine_rows(lon, lat, k, cols)


def _haversine_rows(lon: np.ndarray, lat: np.ndarray, k: int, cols: np.ndarray) -> np.ndarray:
    """``haversine(lon[rows], lat[rows], lon[cols], lat[cols])`` for ``rows = repeat(arange(n), k)``.

    The same operations on the same numbers, bit for bit, with the radians and the cosines of the
    latitudes taken once per region instead of once per link (k times fewer transcendental calls), and
    each row's own values broadcast over its ``k`` links rather than repeated.
    """
    lam, phi = np.radians(np.asarray(lon, dtype=float)), np.radians(np.asarray(lat, dtype=float))
    cos_phi = np.cos(phi)
    to = cols.reshape(-1, k)
    lam1, phi1, cos1 = lam[:, None], phi[:, None], cos_phi[:, None]
    a = np.sin((phi[to] - phi1) / 2) ** 2 + cos1 * cos_phi[to] * np.sin((lam[to] - lam1) / 2) ** 2
    return (2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))).ravel()
