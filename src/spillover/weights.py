"""Spatial weights for regional studies, built on :class:`libpysal.graph.Graph`.

Every builder returns a new ``Graph`` (graphs are never mutated) whose ids are the regions' ids in the order
of the geometry (or of the panel).  Model and ESDA code calls :func:`align` to check a user's weights against
the panel's ids and put them in the panel's order.

Builders (the formulas are those of the project design, restated in each docstring):

* :func:`contiguity` -- queen / rook contiguity with an explicit islands policy;
* :func:`distance` -- inverse great-circle (haversine, km) distance ``d_ij^-power``, optional band or k-nearest;
* :func:`economic` -- economic distance ``w_ij = 1 / |Ybar_i - Ybar_j|``;
* :func:`nested` -- economic-geographic nested weights (multiplicative or weighted form);
* :func:`transform` -- row-standardisation, none, spectral normalisation;
* :func:`save` / :func:`load` -- GeoDa ``.gal`` / ``.gwt``, dense ``.csv``, Stata ``.dta``, MATLAB ``.mat``;
* :func:`describe` / :func:`plot_links` -- a summary and a map of the links for sanity checks.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from libpysal.graph import Graph
from libpysal.weights import W
from scipy.spatial import cKDTree

from spillover.errors import IslandWarning, WeightsError, check_option, format_items, user_stacklevel

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel

__all__ = [
    "EARTH_RADIUS_KM",
    "WeightsSummary",
    "align",
    "contiguity",
    "describe",
    "distance",
    "economic",
    "haversine",
    "load",
    "nested",
    "plot_links",
    "prebuilt",
    "save",
    "to_sparse",
    "transform",
]

#: weights accepted wherever spillover takes spatial weights
WeightsLike = Any  # libpysal.graph.Graph | libpysal.weights.W | square pandas.DataFrame
#: a GeoDataFrame (ids in its index, or in the column ``id=``) or a SpatialPanel (its ``.geometry``)
GeoLike = Any

ContiguityKind = Literal["queen", "rook"]
IslandPolicy = Literal["nearest", "keep", "raise"]
IslandCheck = Literal["warn", "keep", "raise"]
Transformation = Literal["r", "none", "spectral"]
PointKind = Literal["capital", "centroid", "representative"]
IslandCoords = Literal["boundary", "capital", "centroid", "representative"]
NestedForm = Literal["multiplicative", "weighted"]
TiePolicy = Literal["raise", "drop"]

#: mean Earth radius (IUGG, km) used for great-circle distances
EARTH_RADIUS_KM = 6371.0088
#: points closer than this (km) are treated as the same place
_SAME_PLACE_KM = 1e-6


# ---------------------------------------------------------------------------------------------- alignment
def align(
    w: WeightsLike,
    ids: Iterable[Hashable] | SpatialPanel,
    *,
    islands: IslandCheck = "warn",
    allow_negative: bool = False,
) -> Graph:
    """Check that weights are weights of exactly the regions ``ids`` and return them as a Graph in that order.

    This is the one gate every model, test and ESDA function passes its weights through: ids, missing or
    infinite values, negative weights and regions without neighbours are checked here.

    Parameters
    ----------
    w
        A :class:`libpysal.graph.Graph`, a :class:`libpysal.weights.W`, or a square DataFrame whose index and
        columns are the region ids (a dense matrix, rows = focal regions).
    ids
        The regions in the wanted order (e.g. ``panel.ids``), or a :class:`~spillover.panel.SpatialPanel`.
    islands
        Regions without neighbours (an all-zero row: their spatial lag is 0), the policy of
        :func:`contiguity`'s ``islands`` for weights from anywhere:

        * ``"warn"`` (default): keep them and warn with :class:`IslandWarning`, unless spillover's builder
          already kept exactly those regions at the user's request (``contiguity(..., islands="keep")``,
          a distance band) or an earlier ``align(..., islands="keep")`` accepted them;
        * ``"keep"``: keep them silently; the returned Graph remembers the choice, so passing it on to a
          model or to Moran's I does not warn again;
        * ``"raise"``: raise a :class:`WeightsError` naming them.

        To drop such regions, subset the panel (:meth:`SpatialPanel.subset`) and rebuild the weights.
    allow_negative
        Negative weights are refused (spatial weights are non-negative by definition and every inference
        spillover reports assumes it).  ``True`` accepts them; the returned Graph remembers the choice.

    Returns
    -------
    libpysal.graph.Graph
        The same weights, ordered as ``ids``.  The input is not modified; if it is already a Graph in that
        order it is returned as is (Graphs are immutable).

    Raises
    ------
    WeightsError
        If ``ids`` has duplicates, or if some ids are missing on either side (both lists are named).  Ids are
        compared exactly: the GAL ids ``"0".."47"`` (strings) do not match the integers ``0..47``, and string
        ids are never sorted lexicographically.  If a weight is missing (NaN) or infinite, or negative
        without ``allow_negative=True`` (the cells are named), or if regions have no neighbours and
        ``islands="raise"``.

    Examples
    --------
    >>> import pandas as pd
    >>> dense = pd.DataFrame([[0, 1, 0], [1, 0, 1], [0, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> g = align(dense, ["c", "b", "a"])
    >>> g.unique_ids.tolist()
    ['c', 'b', 'a']
    >>> to_sparse(g, ["c", "b", "a"]).toarray().tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    check_option(islands, IslandCheck, "islands", error=WeightsError)
    graph = _align(w, ids)
    _check_values(graph, allow_negative)
    accepted = _check_islands(graph, islands)
    if not (accepted or allow_negative):
        return graph
    out = _copy_notes(graph, Graph(graph.adjacency.copy(), transformation=graph.transformation, is_sorted=True))
    notes = dict(getattr(out, _NOTES, None) or {})
    if accepted:
        notes["islands_kept"] = tuple(dict.fromkeys([*notes.get("islands_kept", ()), *accepted]))
    if allow_negative:
        notes["negative_allowed"] = True
    setattr(out, _NOTES, notes)
    return out


def _align(w: WeightsLike, ids: Iterable[Hashable] | SpatialPanel) -> Graph:
    """:func:`align` without the checks of the values (for spillover's own, already checked, graphs)."""
    target = _ids_index(ids)
    graph = _as_graph(w)
    have = graph.unique_ids
    _check_same_ids(have, target)
    if have.equals(target) and _neighbor_order_ok(graph):
        return graph
    return _reorder(graph, target)


def _bad_cells(graph: Graph, mask: np.ndarray) -> str:
    """The (focal, neighbour) cells selected by ``mask`` over the adjacency, for an error message."""
    cells = graph.adjacency.index[mask]
    values = graph.adjacency.to_numpy(dtype=float)[mask]
    shown = [f"({f!r}, {n!r}) = {v:g}" for (f, n), v in zip(cells[:10], values[:10])]
    more = f" (and {len(cells) - 10} more)" if len(cells) > 10 else ""
    return f"{len(cells)} cell(s) (focal, neighbour): {', '.join(shown)}{more}"


def _check_values(graph: Graph, allow_negative: bool) -> None:
    """Refuse missing or infinite weights, and negative ones unless accepted (now or earlier)."""
    values = graph.adjacency.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise WeightsError(
            f"the weights are missing (NaN) or infinite in {_bad_cells(graph, bad)}; fix or fill them "
            "(a missing link is a weight of 0)."
        )
    negative = values < 0
    allowed = allow_negative or (getattr(graph, _NOTES, None) or {}).get("negative_allowed", False)
    if negative.any() and not allowed:
        raise WeightsError(
            f"the weights are negative in {_bad_cells(graph, negative)}. Spatial weights are non-negative; "
            "if the negative weights are intended, accept them with "
            "spillover.weights.align(w, ids, allow_negative=True) and use the Graph it returns."
        )


def _check_islands(graph: Graph, policy: str) -> list[Hashable]:
    """Apply the islands policy; return the islands the caller accepted with ``"keep"``."""
    ids = graph.unique_ids
    rows = np.asarray(abs(_sparse_unchecked(graph, ids)).sum(axis=1)).ravel()
    lonely = ids[rows == 0].tolist()
    if not lonely:
        return []
    if policy == "raise":
        raise WeightsError(
            f"{len(lonely)} region(s) have no neighbours (an all-zero row, so their spatial lag is 0): "
            f"{format_items(lonely)}. Give them neighbours (e.g. contiguity(..., islands='nearest')), drop "
            "them from the panel, or accept them with islands='keep'."
        )
    if policy == "keep":
        return lonely
    kept = set((getattr(graph, _NOTES, None) or {}).get("islands_kept", ()))
    unexpected = [i for i in lonely if i not in kept]
    if unexpected:
        warnings.warn(
            f"{len(unexpected)} region(s) have no neighbours in the weights (an all-zero row, so their "
            f"spatial lag is 0): {format_items(unexpected)}. Accept them silently with "
            "spillover.weights.align(w, ids, islands='keep'), or give them neighbours.",
            IslandWarning,
            stacklevel=user_stacklevel(),
        )
    return []


def to_sparse(
    w: WeightsLike,
    ids: Iterable[Hashable] | SpatialPanel,
    *,
    islands: IslandCheck = "warn",
    allow_negative: bool = False,
) -> sp.csr_matrix:
    """Weights as a ``scipy.sparse.csr_matrix`` with rows and columns in the order of ``ids``.

    Isolates (regions without neighbours) are all-zero rows; no explicit zeros are stored.
    See :func:`align` for the accepted inputs, the checks (``islands``, ``allow_negative``) and the errors.

    Examples
    --------
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_dicts({"a": ["b"], "b": ["a"], "c": []})
    >>> to_sparse(g, ["b", "c", "a"], islands="keep").toarray().tolist()  # "c" has no neighbours
    [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    return _sparse_unchecked(align(w, ids, islands=islands, allow_negative=allow_negative), ids)


def _sparse_unchecked(w: WeightsLike, ids: Iterable[Hashable] | SpatialPanel) -> sp.csr_matrix:
    """:func:`to_sparse` without the checks of the values (for spillover's own graphs)."""
    target = _ids_index(ids)
    adj = _align(w, target).adjacency
    rows = target.get_indexer(adj.index.get_level_values(0))
    cols = target.get_indexer(adj.index.get_level_values(1))
    n = len(target)
    mat = sp.csr_matrix((adj.to_numpy(dtype=float), (rows, cols)), shape=(n, n))
    mat.eliminate_zeros()
    return mat


def _ids_index(ids: Iterable[Hashable] | SpatialPanel) -> pd.Index:
    """The wanted ids as a unique pandas Index (a SpatialPanel gives its ``ids``)."""
    raw = getattr(ids, "ids", ids)
    index = pd.Index(list(raw) if not isinstance(raw, pd.Index) else raw)
    dup = index[index.duplicated()].unique()
    if len(dup):
        raise WeightsError(
            f"the region ids have duplicates: {format_items(dup.tolist())}; ids must be unique."
        )
    return index


def _as_graph(w: WeightsLike) -> Graph:
    """Convert the accepted weights types to a Graph (no copy for a Graph)."""
    if isinstance(w, Graph):
        return w
    if isinstance(w, pd.DataFrame):
        return _graph_from_frame(w)
    if isinstance(w, W):
        return Graph.from_W(w)
    raise WeightsError(
        f"expected spatial weights as a libpysal.graph.Graph, a libpysal.weights.W or a square DataFrame, "
        f"got {type(w).__name__}. Build them with spillover.weights (e.g. weights.contiguity(geo))."
    )


def _graph_from_frame(frame: pd.DataFrame) -> Graph:
    """A Graph from a dense square frame whose index and columns are the same ids."""
    if frame.shape[0] != frame.shape[1] or not frame.index.equals(frame.columns):
        if set(frame.index) != set(frame.columns) or frame.shape[0] != frame.shape[1]:
            raise WeightsError(
                "a weights DataFrame must be square with the same region ids as index and columns; "
                f"ids only in the index: {format_items(frame.index.difference(frame.columns).tolist())}, "
                f"only in the columns: {format_items(frame.columns.difference(frame.index).tolist())}."
            )
        frame = frame.loc[:, frame.index]
    ids = _ids_index(frame.index)
    try:
        values = frame.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise WeightsError("a weights DataFrame must hold numbers only; fix its non-numeric cells.") from None
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        cells = [f"({ids[i]!r}, {ids[j]!r}) = {values[i, j]:g}" for i, j in bad[:10]]
        raise WeightsError(
            f"the weights DataFrame is missing (NaN) or infinite in {len(bad)} cell(s) (row, column): "
            f"{', '.join(cells)}{' ...' if len(bad) > 10 else ''}; fill them (a missing link is a weight of 0)."
        )
    return _graph_from_sparse(sp.csr_matrix(values), ids)


def _graph_from_sparse(mat: sp.spmatrix | sp.sparray, ids: pd.Index, transformation: str = "O") -> Graph:
    """A Graph in the order of ``ids`` from a sparse matrix (isolates become zero self-loops)."""
    coo = sp.coo_matrix(mat)
    keep = coo.data != 0
    return _graph_from_positions(coo.row[keep], coo.col[keep], coo.data[keep], ids, transformation)


def _graph_from_positions(
    rows: np.ndarray, cols: np.ndarray, data: np.ndarray, ids: pd.Index, transformation: str = "O"
) -> Graph:
    """Build a canonically sorted Graph from integer positions into ``ids``.

    Regions without any link get libpysal's isolate encoding (a self-loop of weight 0).  The MultiIndex is
    built from codes into ``ids`` so that no label sorting can happen (string ids "0".."11" stay in order).
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    data = np.asarray(data, dtype=float)
    n = len(ids)
    isolated = np.setdiff1d(np.arange(n), rows)
    rows = np.concatenate([rows, isolated])
    cols = np.concatenate([cols, isolated])
    data = np.concatenate([data, np.zeros(len(isolated))])
    order = np.lexsort((cols, rows))
    index = pd.MultiIndex(
        levels=[ids, ids],
        codes=[rows[order], cols[order]],
        names=["focal", "neighbor"],
        verify_integrity=False,
    )
    return Graph(
        pd.Series(data[order], index=index, name="weight"), transformation=transformation, is_sorted=True
    )


def _check_same_ids(have: pd.Index, want: pd.Index) -> None:
    """Raise a WeightsError naming the ids missing on either side."""
    missing = want.difference(have, sort=False)
    extra = have.difference(want, sort=False)
    if not len(missing) and not len(extra):
        return
    hint = ""
    if len(missing) and len(extra) and {str(i) for i in have} == {str(i) for i in want}:
        hint = (
            " The ids agree as text but not in type (e.g. GAL ids are the strings '0', '1', ...); "
            "convert one side, e.g. load(path, ids=panel.ids) matches file ids by their text."
        )
    raise WeightsError(
        f"the weights' region ids do not match: {len(missing)} region(s) without weights: "
        f"{format_items(missing.tolist())}; {len(extra)} weights id(s) not among the regions: "
        f"{format_items(extra.tolist())}.{hint}"
    )


def _neighbor_order_ok(graph: Graph) -> bool:
    """True if the Graph's MultiIndex levels are exactly its ids in order (its canonical form)."""
    index = graph.adjacency.index
    ids = graph.unique_ids
    return bool(index.levels[0].equals(ids) and index.levels[1].equals(ids))


def _reorder(graph: Graph, target: pd.Index) -> Graph:
    """The Graph re-expressed in the order of ``target`` (same ids, same weights)."""
    adj = graph.adjacency
    rows = target.get_indexer(adj.index.get_level_values(0))
    cols = target.get_indexer(adj.index.get_level_values(1))
    values = adj.to_numpy(dtype=float)
    keep = ~((rows == cols) & (values == 0))  # isolate markers are rebuilt by _graph_from_positions
    out = _graph_from_positions(rows[keep], cols[keep], values[keep], target, graph.transformation)
    _copy_notes(graph, out)
    return out


# ---------------------------------------------------------------------------------------------- notes
_NOTES = "_spillover_notes"


def _copy_notes(src: Graph, dst: Graph) -> Graph:
    """Carry spillover's build notes (e.g. islands attached) from one Graph to a derived one."""
    notes = getattr(src, _NOTES, None)
    if notes is not None:
        setattr(dst, _NOTES, dict(notes))
    return dst


# ---------------------------------------------------------------------------------------------- geometry
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


def _pairs_band(xyz: np.ndarray, lon: np.ndarray, lat: np.ndarray, band: float) -> tuple[np.ndarray, ...]:
    """Ordered pairs within ``band`` km (sparse, via a k-d tree on the unit sphere)."""
    pairs = cKDTree(xyz).query_pairs(_chord(band) * (1 + 1e-12), output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]]) if len(pairs) else np.empty(0, dtype=np.int64)
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]]) if len(pairs) else np.empty(0, dtype=np.int64)
    dist = haversine(lon[rows], lat[rows], lon[cols], lat[cols])
    keep = dist <= band
    return rows[keep], cols[keep], dist[keep]


def _pairs_knn(xyz: np.ndarray, lon: np.ndarray, lat: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """Each region's ``k`` nearest regions (ties broken by the k-d tree's order)."""
    _, idx = cKDTree(xyz).query(xyz, k=k + 1)
    idx = idx.reshape(len(xyz), k + 1)
    rows = np.repeat(np.arange(len(xyz)), k + 1)
    cols = idx.ravel()
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    extra = np.bincount(rows, minlength=len(xyz)) > k  # a coincident point may have displaced i itself
    if extra.any():  # pragma: no cover - duplicates are rejected before
        raise WeightsError("duplicate points prevent a k-nearest-neighbour search.")
    return rows, cols, haversine(lon[rows], lat[rows], lon[cols], lat[cols])


# ---------------------------------------------------------------------------------------------- builders
def contiguity(
    geo: GeoLike,
    kind: ContiguityKind = "queen",
    *,
    islands: IslandPolicy = "nearest",
    k: int = 1,
    coords: PointKind | Literal["boundary"] | tuple[str, str] = "boundary",
    strict: bool = False,
    transform: Transformation = "r",
    id: str | None = None,
) -> Graph:
    """Queen or rook contiguity between polygons, with an explicit policy for islands.

    Parameters
    ----------
    geo
        GeoDataFrame of the regions (ids in the index, or in column ``id``) or a SpatialPanel.
    kind
        ``"queen"`` (a shared point makes neighbours) or ``"rook"`` (a shared edge is needed).
    islands
        What to do with regions that touch no other region (Hainan on China's provincial map):

        * ``"nearest"`` (default): link each island to its ``k`` nearest regions (measured as set by
          ``coords``); the links are symmetric (the neighbour also gets the island) and are
          listed by :func:`describe` (``attached``);
        * ``"keep"``: keep them without neighbours (an all-zero row) and warn with :class:`IslandWarning`;
        * ``"raise"``: raise a :class:`WeightsError` listing them.
    k
        Number of nearest regions each island is attached to.
    coords
        How an island's nearest regions are found: ``"boundary"`` (default: the shortest distance between
        the polygons, i.e. the closest region across the water) or the great-circle distance between points
        ``"capital"``, ``"centroid"``, ``"representative"`` or ``(lon_col, lat_col)``.  The choice matters
        for Hainan: the Qiongzhou Strait (~15 km) separates it from Guangdong, which ``"boundary"`` picks,
        while Haikou is closer to Nanning (Guangxi, ~374 km) than to Guangzhou (~459 km), so
        ``"capital"`` picks Guangxi.
    strict
        Passed to :meth:`libpysal.graph.Graph.build_contiguity`: ``False`` (fast, needs shared vertices,
        as in a clean coverage) or ``True`` (geometric predicates, for imperfect topology).
    transform
        ``"r"`` (row-standardised, default), ``"none"`` (binary) or ``"spectral"``; see :func:`transform`.
    id
        Column of ``geo`` holding the region ids (default: the index).

    Returns
    -------
    libpysal.graph.Graph

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> geo = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(1, 1, 2, 2), box(5, 5, 6, 6)],
    ...                        index=["a", "b", "c", "d"], crs="EPSG:4326")
    >>> w = contiguity(geo, "rook", transform="none")
    >>> sorted(w.neighbors["a"]), sorted(w.neighbors["d"])  # d is an island, attached to its nearest (c)
    (['b'], ['c'])
    """
    check_option(kind, ContiguityKind, "kind", error=WeightsError)
    check_option(islands, IslandPolicy, "islands", error=WeightsError)
    _check_k(k, len(_geo_frame(geo, id)) if islands == "nearest" else 2)
    if not isinstance(coords, tuple):
        check_option(coords, IslandCoords, "coords", error=WeightsError)
    check_option(transform, Transformation, "transform", error=WeightsError)
    frame = _geo_frame(geo, id)
    if len(frame) < 2:
        raise WeightsError(f"contiguity needs at least two regions; got {len(frame)}.")
    built = Graph.build_contiguity(frame.geometry, rook=kind == "rook", strict=strict)
    graph = _align(built, frame.index)
    lonely = list(graph.isolates)
    notes: dict[str, Any] = {"builder": f"contiguity ({kind})"}
    if lonely:
        graph = _handle_islands(graph, frame, lonely, islands, k, coords, notes)
    return _finish(graph, transform, notes, allow_islands=islands == "keep")


def _handle_islands(
    graph: Graph,
    frame: gpd.GeoDataFrame,
    lonely: list[Hashable],
    policy: str,
    k: int,
    coords: PointKind | Literal["boundary"] | tuple[str, str],
    notes: dict[str, Any],
) -> Graph:
    """Apply the islands policy to a binary contiguity Graph."""
    if policy == "raise":
        raise WeightsError(
            f"{len(lonely)} region(s) have no contiguous neighbour: {format_items(lonely)}. Use "
            "islands='nearest' to attach them to their nearest regions, or islands='keep' to keep them."
        )
    if policy == "keep":
        warnings.warn(
            f"{len(lonely)} region(s) have no neighbours and keep an all-zero row: {format_items(lonely)}.",
            IslandWarning,
            stacklevel=4,
        )
        notes["islands_kept"] = tuple(lonely)
        return graph
    positions = frame.index.get_indexer(lonely)
    if coords is None or coords == "boundary":
        attached = [(int(i), _nearest_by_boundary(frame, int(i), k)) for i in positions]
        how = "the shortest distance between boundaries"
    else:
        lon, lat = _lonlat(frame, coords)
        attached = [(int(i), _nearest_by_points(lon, lat, int(i), k)) for i in positions]
        how = f"great-circle distance between {coords!r} points"
    notes["attached"] = tuple((frame.index[i], tuple(frame.index[j] for j in js)) for i, js in attached)
    notes["attached_by"] = f"{k} nearest by {how}"
    return _add_links(graph, frame.index, attached)


def _nearest_by_points(lon: np.ndarray, lat: np.ndarray, i: int, k: int) -> list[int]:
    """Positions of the ``k`` regions whose points are nearest (great-circle) to region ``i``'s point."""
    dist = haversine(lon[i], lat[i], lon, lat)
    dist[i] = np.inf
    return [int(j) for j in np.argsort(dist, kind="stable")[:k]]


def _nearest_by_boundary(frame: gpd.GeoDataFrame, i: int, k: int) -> list[int]:
    """Positions of the ``k`` regions whose boundaries come closest to region ``i``.

    Distances are measured in an azimuthal equidistant projection centred on the island's representative
    point: exact for distances from the centre and very close for the nearby coasts that decide the choice.
    """
    geographic = _to_lonlat(frame)
    centre = geographic.iloc[i].representative_point()
    aeqd = f"+proj=aeqd +lat_0={centre.y:.8f} +lon_0={centre.x:.8f} +datum=WGS84 +units=m"
    projected = geographic.to_crs(aeqd)
    dist = projected.distance(projected.iloc[i]).to_numpy(dtype=float, copy=True)
    dist[i] = np.inf
    return [int(j) for j in np.argsort(dist, kind="stable")[:k]]


def _add_links(graph: Graph, ids: pd.Index, attached: list[tuple[int, list[int]]]) -> Graph:
    """A binary Graph with symmetric links island <-> nearest added."""
    mat = _sparse_unchecked(graph, ids).tolil()
    for i, js in attached:
        for j in js:
            mat[i, j] = 1.0
            mat[j, i] = 1.0
    return _graph_from_sparse(mat.tocsr(), ids)


def distance(
    geo: GeoLike,
    *,
    power: float = 1,
    coords: PointKind | tuple[str, str] = "capital",
    band: float | None = None,
    k: int | None = None,
    transform: Transformation = "r",
    id: str | None = None,
) -> Graph:
    r"""Inverse great-circle distance weights :math:`w_{ij} = d_{ij}^{-\text{power}}`.

    :math:`d_{ij}` is the great-circle (haversine) distance in km between the regions' points (see
    :func:`haversine`); distances are never computed on degrees as if they were planar.

    Parameters
    ----------
    geo
        GeoDataFrame of the regions (ids in the index, or in column ``id``) or a SpatialPanel.
    power
        Distance decay exponent (1 and 2 are the common choices; 0 gives binary weights).
    coords
        ``"capital"`` (columns ``capital_lon``/``capital_lat``, default), ``"centroid"`` (computed in a
        Lambert azimuthal equal-area projection centred on the regions, then converted back to lon/lat),
        ``"representative"`` (a point inside each polygon) or a pair of column names ``(lon_col, lat_col)``.
    band
        If given, only pairs at most ``band`` km apart are linked (sparse).  Regions left without a neighbour
        get an :class:`IslandWarning` that says which band would connect every region.
    k
        If given, each region is linked to its ``k`` nearest regions (sparse, not symmetric).
        ``band`` and ``k`` cannot be combined.
    transform
        ``"r"`` (row-standardised, default), ``"none"`` or ``"spectral"``; see :func:`transform`.
    id
        Column of ``geo`` holding the region ids (default: the index).

    Raises
    ------
    WeightsError
        Two regions at the same point (the pair is named), missing coordinates, bad options.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> geo = gpd.GeoDataFrame({"lon": [0.0, 1.0, 3.0], "lat": [0.0, 0.0, 0.0]},
    ...                        geometry=[Point(0, 0), Point(1, 0), Point(3, 0)], index=["a", "b", "c"])
    >>> w = distance(geo, coords=("lon", "lat"), transform="none")
    >>> round(float(w.adjacency[("a", "b")] / w.adjacency[("a", "c")]), 6)  # 1/d_ab over 1/d_ac = 3
    3.0
    """
    check_option(transform, Transformation, "transform", error=WeightsError)
    _check_power(power)
    if band is not None and k is not None:
        raise WeightsError("give either band (km) or k (nearest neighbours), not both.")
    frame = _geo_frame(geo, id)
    if len(frame) < 2:
        raise WeightsError(f"distance weights need at least two regions; got {len(frame)}.")
    lon, lat = _lonlat(frame, coords)
    xyz = _unit_vectors(lon, lat)
    _check_distinct(cKDTree(xyz), frame.index)
    if k is not None:
        _check_k(k, len(frame))
        rows, cols, dist = _pairs_knn(xyz, lon, lat, k)
    elif band is not None:
        _check_band(band)
        rows, cols, dist = _pairs_band(xyz, lon, lat, band)
    else:
        rows, cols, dist = _pairs_dense(lon, lat)
    graph = _graph_from_positions(rows, cols, dist ** (-float(power)), frame.index)
    notes: dict[str, Any] = {"builder": f"inverse distance (power {power:g}, km, {coords!r} points)"}
    if band is not None and len(graph.isolates):
        _warn_band_islands(graph, xyz, lon, lat, band, notes)
    return _finish(graph, transform, notes, allow_islands=True)


def _check_power(power: float) -> None:
    if isinstance(power, bool) or not isinstance(power, (int, float, np.number)) or not 0 <= power < np.inf:
        raise WeightsError(f"power must be a finite number >= 0 (1 or 2 are usual); got {power!r}.")


def _check_k(k: int, n: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise WeightsError(f"k must be an integer between 1 and {n - 1} (regions - 1); got {k!r}.")


def _check_band(band: float) -> None:
    if isinstance(band, bool) or not isinstance(band, (int, float, np.number)) or not 0 < band < np.inf:
        raise WeightsError(f"band must be a positive distance in km; got {band!r}.")


def _warn_band_islands(
    graph: Graph, xyz: np.ndarray, lon: np.ndarray, lat: np.ndarray, band: float, notes: dict[str, Any]
) -> None:
    """Warn that a distance band leaves regions without neighbours, and say which band would not."""
    _, nearest = cKDTree(xyz).query(xyz, k=2)
    needed = float(haversine(lon, lat, lon[nearest[:, 1]], lat[nearest[:, 1]]).max())
    lonely = list(graph.isolates)
    notes["islands_kept"] = tuple(lonely)
    warnings.warn(
        f"a band of {band:g} km leaves {len(lonely)} region(s) without neighbours: {format_items(lonely)}; "
        f"a band of at least {np.ceil(needed * 1000) / 1000:g} km gives every region a neighbour.",
        IslandWarning,
        stacklevel=3,
    )


def economic(
    panel: SpatialPanel | pd.Series,
    var: str | None = None,
    *,
    window: tuple[Hashable, Hashable] | Iterable[Hashable] | None = None,
    ties: TiePolicy = "raise",
    transform: Transformation = "r",
) -> Graph:
    r"""Economic-distance weights :math:`w_{ij} = 1 / |\bar Y_i - \bar Y_j|` (:math:`i \ne j`).

    :math:`\bar Y_i` is region *i*'s mean of ``var`` over the periods in ``window``.  Regions with similar
    means get large weights.

    Parameters
    ----------
    panel
        A SpatialPanel, or a Series of means indexed by region id (then ``var`` and ``window`` are unused).
    var
        Panel variable (e.g. GDP per capita).
    window
        Periods averaged: ``None`` (all), a tuple ``(start, end)`` (inclusive; both must be periods of the
        panel) or any other iterable (a list) of periods.
    ties
        Two regions with the same mean (equal to within 1e-12 of the largest absolute mean) would get an
        infinite weight.  ``"raise"`` (default) raises a
        :class:`WeightsError` naming the pairs, because any finite value chosen silently would dominate the
        row; ``"drop"`` leaves such pairs unlinked (weight 0), stated in :func:`describe`'s notes.
    transform
        ``"r"`` (row-standardised, default), ``"none"`` or ``"spectral"``; see :func:`transform`.

    Examples
    --------
    >>> import pandas as pd
    >>> w = economic(pd.Series([1.0, 2.0, 4.0], index=["a", "b", "c"]), transform="none")
    >>> float(w.adjacency[("a", "b")]), float(w.adjacency[("a", "c")])  # 1/|1-2|, 1/|1-4|
    (1.0, 0.3333333333333333)
    """
    check_option(ties, TiePolicy, "ties", error=WeightsError)
    check_option(transform, Transformation, "transform", error=WeightsError)
    ybar = _region_means(panel, var, window)
    mat, dropped = _economic_matrix(ybar, ties)
    notes: dict[str, Any] = {
        "builder": "economic distance 1/|Ybar_i - Ybar_j|",
        "window": _window_label(panel, window),
    }
    if dropped:
        notes["ties_dropped"] = tuple(dropped)
    graph = _graph_from_sparse(sp.csr_matrix(mat), ybar.index)
    return _finish(graph, transform, notes)


def nested(
    panel: SpatialPanel,
    var: str,
    *,
    form: NestedForm = "multiplicative",
    phi: float = 0.5,
    power: float = 1,
    window: tuple[Hashable, Hashable] | Iterable[Hashable] | None = None,
    coords: PointKind | tuple[str, str] = "capital",
    ties: TiePolicy = "raise",
    transform: Transformation = "r",
) -> Graph:
    r"""Economic-geographic nested weights, in either form used in the literature.

    * ``form="multiplicative"``: :math:`w_{ij} = d_{ij}^{-\text{power}} \, \bar Y_j / \bar Y`, with
      :math:`\bar Y_j` region *j*'s mean of ``var`` over ``window`` and :math:`\bar Y` the mean of all
      :math:`\bar Y_i` (the means must be positive);
    * ``form="weighted"``: :math:`W = \phi W_d + (1 - \phi) W_e` with :math:`W_d` the row-standardised inverse
      distance weights (:func:`distance`) and :math:`W_e` the row-standardised economic weights
      (:func:`economic`).

    Both are row-standardised after combining (``transform="r"``, default).  Distances are great-circle km
    between ``coords`` points of the panel's geometry.

    Parameters
    ----------
    panel, var, window, ties
        As in :func:`economic` (``ties`` only matters for the weighted form).
    form
        ``"multiplicative"`` or ``"weighted"``.
    phi
        Weight of geography in the weighted form, in [0, 1].
    power, coords
        As in :func:`distance`.
    transform
        ``"r"`` (default), ``"none"`` or ``"spectral"``.
    """
    check_option(form, NestedForm, "form", error=WeightsError)
    check_option(transform, Transformation, "transform", error=WeightsError)
    _check_power(power)
    if isinstance(phi, bool) or not isinstance(phi, (int, float, np.number)) or not 0 <= phi <= 1:
        raise WeightsError(f"phi must be a number in [0, 1]; got {phi!r}.")
    ybar = _region_means(panel, var, window)
    frame = _geo_frame(panel)
    lon, lat = _lonlat(frame, coords)
    _check_distinct(cKDTree(_unit_vectors(lon, lat)), frame.index)
    dist = haversine(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    np.fill_diagonal(dist, np.inf)
    wd = dist ** (-float(power))
    notes: dict[str, Any] = {
        "builder": f"nested ({form}, power {power:g})",
        "window": _window_label(panel, window),
    }
    if form == "multiplicative":
        mat = wd * _positive_means(ybar, var)[None, :] / ybar.mean()
    else:
        we, dropped = _economic_matrix(ybar, ties)
        if dropped:
            notes["ties_dropped"] = tuple(dropped)
        mat = phi * _row_standardise_dense(wd, ybar.index) + (1 - phi) * _row_standardise_dense(
            we, ybar.index
        )
        notes["builder"] += f", phi {phi:g}"
    return _finish(_graph_from_sparse(sp.csr_matrix(mat), ybar.index), transform, notes)


def _region_means(
    panel: SpatialPanel | pd.Series,
    var: str | None,
    window: tuple[Hashable, Hashable] | Iterable[Hashable] | None,
) -> pd.Series:
    """Each region's mean of ``var`` over the window (or the given Series of means, checked)."""
    if isinstance(panel, pd.Series):
        _ids_index(panel.index)  # unique region ids
        means = pd.to_numeric(panel, errors="coerce").astype(float)
        bad = means.index[means.isna() | ~np.isfinite(means)]
        if len(bad):
            raise WeightsError(
                f"the means are missing or not finite for regions {format_items(bad.tolist())}."
            )
        return means
    if not (hasattr(panel, "periods") and hasattr(panel, "matrix")):
        raise WeightsError(f"expected a SpatialPanel (or a Series of means), got {type(panel).__name__}.")
    if var is None:
        raise WeightsError("name the panel variable whose means define economic distance, e.g. var='gdp_pc'.")
    periods = _window_periods(panel.periods, window)
    from spillover.errors import PanelError

    try:
        values = (
            panel.subset(periods=periods).matrix(var)
            if len(periods) < len(panel.periods)
            else panel.matrix(var)
        )
    except PanelError as exc:
        raise WeightsError(f"cannot average {var!r} over periods {format_items(periods)}: {exc}") from exc
    return values.mean(axis=1)


def _window_periods(periods: pd.Index, window: tuple[Hashable, Hashable] | Iterable[Hashable] | None) -> list:
    """The periods selected by ``window`` (see :func:`economic`)."""
    if window is None:
        return periods.tolist()
    if isinstance(window, (str, bytes)) or not isinstance(window, Iterable):
        raise WeightsError(f"window must be (start, end) or a list of periods; got {window!r}.")
    if isinstance(window, tuple) and len(window) == 2:
        start, end = window
        unknown = [p for p in (start, end) if p not in periods]
        if unknown:
            raise WeightsError(
                f"window (start, end) = {window!r}: {format_items(unknown)} not among the panel's periods "
                f"({_span(periods)})."
            )
        chosen = periods[(periods >= start) & (periods <= end)].tolist()
        if not chosen:
            raise WeightsError(f"window {window!r} is empty: start must not be after end.")
        return chosen
    chosen = list(dict.fromkeys(window))
    unknown = [p for p in chosen if p not in periods]
    if unknown or not chosen:
        raise WeightsError(
            f"window periods {format_items(unknown) or '(none given)'} are not among the panel's periods "
            f"({_span(periods)})."
        )
    return [p for p in periods if p in chosen]


def _span(periods: pd.Index) -> str:
    first, last = periods.tolist()[0], periods.tolist()[-1]
    return f"{first!r}..{last!r}"


def _window_label(panel: object, window: object) -> str:
    return "all periods" if window is None or isinstance(panel, pd.Series) else repr(window)


def _economic_matrix(ybar: pd.Series, ties: str) -> tuple[np.ndarray, list[tuple[Hashable, Hashable]]]:
    """Dense 1/|Ybar_i - Ybar_j| with zero diagonal; tied pairs raise or get 0."""
    y = ybar.to_numpy(dtype=float)
    diff = np.abs(y[:, None] - y[None, :])
    scale = max(float(np.abs(y).max()), np.finfo(float).tiny)
    tied = diff <= 1e-12 * scale
    np.fill_diagonal(tied, False)
    if len(y) > 1 and tied.sum() == len(y) * (len(y) - 1):
        raise WeightsError(
            f"every region has the same mean ({y[0]:.6g}), so every pair is a tie and economic distance "
            "1/|Ybar_i - Ybar_j| is undefined for all of them; use a variable (or window) that differs "
            "between regions."
        )
    pairs = [(ybar.index[i], ybar.index[j]) for i, j in zip(*np.nonzero(np.triu(tied)), strict=True)]
    if pairs and ties == "raise":
        shown = ", ".join(f"({a!r}, {b!r}: {ybar[a]:.6g})" for a, b in pairs[:10])
        raise WeightsError(
            f"{len(pairs)} pair(s) of regions have the same mean, so 1/|Ybar_i - Ybar_j| is infinite: {shown}. "
            "Pass ties='drop' to leave such pairs unlinked, or use another window or variable."
        )
    with np.errstate(divide="ignore"):
        mat = np.where(tied | np.eye(len(y), dtype=bool), 0.0, 1.0 / np.where(diff == 0, 1.0, diff))
    return mat, pairs


def _positive_means(ybar: pd.Series, var: str) -> np.ndarray:
    bad = ybar.index[ybar <= 0]
    if len(bad):
        raise WeightsError(
            f"the multiplicative nested form needs positive means of {var!r}; non-positive for regions "
            f"{format_items(bad.tolist())}. Use form='weighted' or a positive variable (levels, not logs)."
        )
    return ybar.to_numpy(dtype=float)


def _row_standardise_dense(mat: np.ndarray, ids: pd.Index) -> np.ndarray:
    sums = mat.sum(axis=1)
    zero = ids[sums == 0]
    if len(zero):
        raise WeightsError(
            f"rows that sum to zero cannot be row-standardised; regions {format_items(zero.tolist())}."
        )
    return mat / sums[:, None]


# ---------------------------------------------------------------------------------------------- transform
def transform(w: WeightsLike, how: Transformation = "r", *, allow_islands: bool = False) -> Graph:
    """Transform weights: row-standardise, leave as they are, or normalise spectrally.

    Parameters
    ----------
    w
        Weights (Graph, W or square DataFrame).  Not modified.
    how
        * ``"r"``: divide each row by its sum, so each row sums to 1 (the usual choice for spatial models);
        * ``"none"``: the weights unchanged;
        * ``"spectral"``: divide every weight by the largest absolute eigenvalue of W, so the spectral radius
          is 1 and symmetry is kept.
    allow_islands
        With ``how="r"``, regions without any neighbour keep an all-zero row instead of raising.

    Raises
    ------
    WeightsError
        A row that sums to zero (naming the regions) for ``"r"``; no links at all for ``"spectral"``.

    Examples
    --------
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_dicts({"a": ["b", "c"], "b": ["a"], "c": ["a"]})
    >>> transform(g, "r").adjacency.tolist()
    [0.5, 0.5, 1.0, 1.0]
    >>> [round(v, 6) for v in transform(g, "spectral").adjacency]  # largest eigenvalue is sqrt(2)
    [0.707107, 0.707107, 0.707107, 0.707107]
    """
    check_option(how, Transformation, "how", error=WeightsError)
    graph = _as_graph(w)
    if how == "none":
        return graph
    out = _row_standardised(graph, allow_islands) if how == "r" else _spectral(graph)
    notes = getattr(graph, _NOTES, None)
    if notes is not None:
        setattr(out, _NOTES, dict(notes, transform=how))
    return out


def _row_standardised(graph: Graph, allow_islands: bool) -> Graph:
    ids = graph.unique_ids
    sums = np.asarray(_sparse_unchecked(graph, ids).sum(axis=1)).ravel()
    islands = ids.isin(graph.isolates)
    zero = ids[(np.abs(sums) <= 1e-300) & ~(islands & allow_islands)]
    if len(zero):
        raise WeightsError(
            f"cannot row-standardise: the weights of {len(zero)} region(s) sum to zero: "
            f"{format_items(zero.tolist())}. Give them neighbours (e.g. contiguity(..., islands='nearest')), "
            "pass allow_islands=True to keep all-zero rows, or use how='none'."
        )
    return graph.transform("R")


def _spectral(graph: Graph) -> Graph:
    mat = _sparse_unchecked(graph, graph.unique_ids)
    if mat.nnz == 0:
        raise WeightsError("spectral normalisation needs at least one link; these weights have none.")
    if mat.shape[0] <= 2000:
        radius = float(np.abs(np.linalg.eigvals(mat.toarray())).max())
    else:
        from scipy.sparse.linalg import eigs

        radius = float(np.abs(eigs(mat.astype(float), k=1, which="LM", return_eigenvectors=False)).max())
    if radius <= 0:
        raise WeightsError("spectral normalisation: the largest eigenvalue is zero (nilpotent weights).")
    return Graph(graph.adjacency / radius, transformation="C", is_sorted=True)


def _finish(graph: Graph, how: str, notes: dict[str, Any], *, allow_islands: bool = False) -> Graph:
    """Apply the requested transformation and attach the build notes."""
    setattr(graph, _NOTES, dict(notes, transform=how))
    return transform(graph, how, allow_islands=allow_islands)


# ---------------------------------------------------------------------------------------------- description
@dataclass(frozen=True)
class WeightsSummary:
    """What a weights matrix looks like, for sanity checks (see :func:`describe`).

    Attributes
    ----------
    n_regions, n_links
        Number of regions, and of non-zero links (each direction counted; a symmetric pair counts twice).
    min_neighbours, mean_neighbours, max_neighbours
        Neighbours per region (non-zero weights in its row).
    islands
        Regions without any neighbour.
    symmetric
        True if j is a neighbour of i whenever i is a neighbour of j.
    symmetric_weights
        True if w_ij == w_ji for every pair (row-standardised contiguity is symmetric but not this).
    row_standardised
        True if every row with neighbours sums to 1.
    attached
        Islands linked to their nearest regions by ``contiguity(..., islands="nearest")``, as
        ``(island, (neighbour, ...))``.
    notes
        How the weights were built, when spillover built them (builder, transformation, window...).
    """

    n_regions: int
    n_links: int
    min_neighbours: int
    mean_neighbours: float
    max_neighbours: int
    islands: tuple[Hashable, ...]
    symmetric: bool
    symmetric_weights: bool
    row_standardised: bool
    attached: tuple[tuple[Hashable, tuple[Hashable, ...]], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        lines = [
            f"Spatial weights: {self.n_regions} regions, {self.n_links} links",
            (
                f"  neighbours per region: min {self.min_neighbours}, mean {self.mean_neighbours:.2f}, "
                f"max {self.max_neighbours}"
            ),
            f"  islands (no neighbours): {format_items(self.islands) if self.islands else 'none'}",
            (
                f"  symmetric links: {'yes' if self.symmetric else 'no'}; symmetric weights: "
                f"{'yes' if self.symmetric_weights else 'no'}; row-standardised: "
                f"{'yes' if self.row_standardised else 'no'}"
            ),
        ]
        for island, neighbours in self.attached:
            lines.append(f"  island {island!r} attached to its nearest: {format_items(neighbours)}")
        lines += [f"  {key}: {value}" for key, value in self.notes]
        return "\n".join(lines)


def describe(w: WeightsLike) -> WeightsSummary:
    """Summarise weights: regions, links, neighbours per region, islands, symmetry, standardisation.

    Examples
    --------
    >>> from libpysal.graph import Graph
    >>> s = describe(Graph.from_dicts({"a": ["b"], "b": ["a", "c"], "c": ["b"], "d": []}))
    >>> s.n_links, s.max_neighbours, s.islands, s.symmetric
    (4, 2, ('d',), True)
    >>> print(s)  # doctest: +ELLIPSIS
    Spatial weights: 4 regions, 4 links
      neighbours per region: min 0, mean 1.00, max 2
    ...
    """
    graph = _as_graph(w)
    ids = graph.unique_ids
    mat = _sparse_unchecked(graph, ids)
    counts = np.diff(mat.indptr)
    pattern = (mat != 0).astype(np.int8)
    sums = np.asarray(mat.sum(axis=1)).ravel()
    notes = dict(getattr(graph, _NOTES, None) or {})
    attached = notes.pop("attached", ())
    return WeightsSummary(
        n_regions=len(ids),
        n_links=int(mat.nnz),
        min_neighbours=int(counts.min()),
        mean_neighbours=float(counts.mean()),
        max_neighbours=int(counts.max()),
        islands=tuple(ids[counts == 0]),
        symmetric=(pattern != pattern.T).nnz == 0,
        symmetric_weights=bool(abs(mat - mat.T).max() <= 1e-12 * max(abs(mat).max(), 1e-300))
        if mat.nnz
        else True,
        row_standardised=bool(np.allclose(sums[counts > 0], 1.0, rtol=0, atol=1e-10)),
        attached=tuple(attached),
        notes=tuple((k, str(v)) for k, v in notes.items()),
    )


def plot_links(
    w: WeightsLike, geo: GeoLike, ax: Any = None, *, id: str | None = None, **line_kwargs: Any
) -> Any:
    """Draw the regions and a line between the representative points of every pair of linked regions.

    The drawing is :func:`spillover.maps.links_map`'s (China conventions included); this returns the axes.

    Parameters
    ----------
    w
        Weights whose ids are the regions of ``geo``.
    geo
        GeoDataFrame (ids in the index or in column ``id``) or SpatialPanel.
    ax
        Matplotlib Axes to draw on (default: a new figure).
    line_kwargs
        Passed to :class:`matplotlib.collections.LineCollection` (e.g. ``color``, ``linewidth``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> geo = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], index=["a", "b"])
    >>> ax = plot_links(contiguity(geo, islands="raise"), geo)
    >>> len(ax.collections[-1].get_segments())  # one undirected link
    1
    """
    from spillover.maps._links import links_axes

    return links_axes(w, _geo_frame(geo, id), ax=ax, **line_kwargs)


# ---------------------------------------------------------------------------------------------- files
def save(w: WeightsLike, path: Any, *, format: str | None = None, overwrite: bool = False) -> None:
    """Write weights to a file: GeoDa ``.gal``/``.gwt``, dense ``.csv``, Stata ``.dta`` or MATLAB ``.mat``.

    See :mod:`spillover._weights_io` for each layout.  The file is written atomically (a temporary file is
    renamed into place) and an existing file is only replaced with ``overwrite=True``.

    Parameters
    ----------
    w
        Weights (Graph, W or square DataFrame).
    path
        Target file.
    format
        ``"gal"``, ``"gwt"``, ``"csv"``, ``"dta"`` or ``"mat"``; default from the suffix of ``path``.
    overwrite
        Replace an existing file.
    """
    from spillover import _weights_io

    _weights_io.save(_as_graph(w), path, format=format, overwrite=overwrite)


def load(
    path: Any, *, ids: Iterable[Hashable] | SpatialPanel | None = None, format: str | None = None
) -> Graph:
    """Read weights written by :func:`save` (or by GeoDa, Stata, MATLAB in the same layouts).

    Parameters
    ----------
    path
        File to read.
    ids
        The regions in the wanted order (e.g. ``panel.ids``).  The file's ids must be exactly these; they are
        matched exactly, or by their text when the file stores ids as text (``.gal``, ``.gwt``, ``.csv``:
        ``"7"`` in the file matches the integer 7).  The result is in the order of ``ids``.  Without
        ``ids`` the file's own order is kept (text formats give string ids, e.g. ``"0".."47"``, never
        sorted).
    format
        As in :func:`save`; default from the suffix.
    """
    from spillover import _weights_io

    graph = _weights_io.load(path, format=format)
    if ids is None:
        return graph
    target = _ids_index(ids)
    return _align(_match_by_text(graph, target), target)


def _match_by_text(graph: Graph, target: pd.Index) -> Graph:
    """Relabel a Graph whose ids are text versions of ``target``'s ids (``"7"`` -> 7)."""
    have = graph.unique_ids
    if set(have) == set(target) or not all(isinstance(i, str) for i in have):
        return graph
    as_text = {str(t): t for t in target}
    if len(as_text) != len(target) or set(have) != set(as_text):
        return graph  # align names the mismatch
    new_ids = pd.Index([as_text[i] for i in have])
    return _copy_notes(graph, _graph_from_sparse(_sparse_unchecked(graph, have), new_ids, graph.transformation))


PrebuiltName = Literal["china_provinces_queen", "china_provinces_invdist1", "china_provinces_invdist2"]


def prebuilt(name: PrebuiltName, *, ids: Iterable[Hashable] | SpatialPanel | None = None) -> Graph:
    """Weights shipped with spillover (the ``weights/`` folder), with canonical region ids.

    Parameters
    ----------
    name
        ``"china_provinces_queen"`` (binary queen contiguity, Hainan attached to Guangdong),
        ``"china_provinces_invdist1"`` / ``"china_provinces_invdist2"`` (inverse great-circle distance in km
        between provincial capitals, power 1 / 2, not standardised).
    ids
        Reorder to these ids (e.g. ``panel.ids``); they must be the same 31 provinces.

    Examples
    --------
    >>> w = prebuilt("china_provinces_queen")
    >>> sorted(w.neighbors["Beijing"]), sorted(w.neighbors["Hainan"])
    (['Hebei', 'Tianjin'], ['Guangdong'])
    """
    from importlib.resources import as_file, files

    check_option(name, PrebuiltName, "name", error=WeightsError)
    with as_file(files("spillover._weights") / f"{name}.csv") as path:
        return load(path, ids=ids)
