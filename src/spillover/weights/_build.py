"""The builders: contiguity, inverse distance (band, k nearest), economic distance and nested weights.

Every builder returns a new Graph whose ids are the regions' ids in the order of the geometry (or of the
panel), with notes on how it was built (see ``describe``).  The formulas are those of the project design,
restated in each docstring.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from libpysal.graph import Graph
from scipy.spatial import cKDTree

from spillover.errors import IslandWarning, PanelError, WeightsError, check_option, format_items
from spillover.options import check_int, check_number, warn
from spillover.weights._contiguity import polygonal, vertex_pairs
from spillover.weights._geometry import (
    _check_distinct,
    _geo_frame,
    _lonlat,
    _pairs_band,
    _pairs_dense,
    _pairs_knn,
    _to_lonlat,
    _unit_vectors,
    haversine,
)
from spillover.weights._graph import (
    _align,
    _graph_from_positions,
    _graph_from_sparse,
    _ids_index,
    _sparse_unchecked,
)
from spillover.weights._transform import _finish
from spillover.weights._types import (
    ContiguityKind,
    GeoLike,
    IslandCoords,
    IslandPolicy,
    NestedForm,
    PointKind,
    TiePolicy,
    Transformation,
)

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel


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
        ``False`` (default): neighbours share a vertex with the same coordinates (queen) or an edge with
        the same two end points (rook), as in a clean coverage: libpysal's
        :meth:`~libpysal.graph.Graph.build_contiguity` relation with ``strict=False``, computed by sorting
        the coordinates (a million polygons in seconds).  ``True``: GEOS predicates (libpysal's strict
        path, much slower), for imperfect topology, e.g. a vertex lying inside a neighbour's edge without
        being one of its vertices (a T-junction), which ``False`` does not count as shared.
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
    frame = _geo_frame(geo, id)
    _check_k(k, len(frame) if islands == "nearest" else 2)
    if not isinstance(coords, tuple):
        check_option(coords, IslandCoords, "coords", error=WeightsError)
    check_option(transform, Transformation, "transform", error=WeightsError)
    if len(frame) < 2:
        raise WeightsError(f"contiguity needs at least two regions; got {len(frame)}.")
    geoms = frame.geometry.to_numpy()
    if strict or not polygonal(geoms):
        built = Graph.build_contiguity(frame.geometry, rook=kind == "rook", strict=strict)
        graph = _align(built, frame.index)
        lonely = list(graph.isolates)
    else:  # libpysal's strict=False relation, by sorting instead of a Python loop (see _contiguity)
        rows, cols = vertex_pairs(geoms, rook=kind == "rook")
        graph = _graph_from_positions(rows, cols, np.ones(len(rows)), frame.index)
        lonely = frame.index[np.bincount(rows, minlength=len(frame)) == 0].tolist()
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
        warn(
            f"{len(lonely)} region(s) have no neighbours and keep an all-zero row: {format_items(lonely)}.",
            IslandWarning,
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
    tree = cKDTree(xyz)  # one tree for the duplicate check and the pairs
    if k is not None:
        _check_k(k, len(frame))
        rows, cols, dist = _pairs_knn(tree, lon, lat, k, frame.index)  # checks duplicates on the way
    elif band is not None:
        _check_distinct(tree, frame.index)
        _check_band(band)
        rows, cols, dist = _pairs_band(tree, lon, lat, band)
    else:
        _check_distinct(tree, frame.index)
        rows, cols, dist = _pairs_dense(lon, lat)
    graph = _graph_from_positions(rows, cols, dist ** (-float(power)), frame.index)
    notes: dict[str, Any] = {"builder": f"inverse distance (power {power:g}, km, {coords!r} points)"}
    if band is not None and len(graph.isolates):
        _warn_band_islands(graph, xyz, lon, lat, band, notes)
    return _finish(graph, transform, notes, allow_islands=True)


def _check_power(power: float) -> None:
    check_number(power, "power", minimum=0, error=WeightsError, hint=" (1 or 2 are usual)")


def _check_k(k: int, n: int) -> None:
    check_int(k, "k", minimum=1, maximum=n - 1, error=WeightsError, hint=" (regions - 1)")


def _check_band(band: float) -> None:
    check_number(band, "band", minimum=0, strict=True, error=WeightsError, hint=" (a distance in km)")


def _warn_band_islands(
    graph: Graph, xyz: np.ndarray, lon: np.ndarray, lat: np.ndarray, band: float, notes: dict[str, Any]
) -> None:
    """Warn that a distance band leaves regions without neighbours, and say which band would not."""
    _, nearest = cKDTree(xyz).query(xyz, k=2)
    needed = float(haversine(lon, lat, lon[nearest[:, 1]], lat[nearest[:, 1]]).max())
    lonely = list(graph.isolates)
    notes["islands_kept"] = tuple(lonely)
    warn(
        f"a band of {band:g} km leaves {len(lonely)} region(s) without neighbours: {format_items(lonely)}; "
        f"a band of at least {np.ceil(needed * 1000) / 1000:g} km gives every region a neighbour.",
        IslandWarning,
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
    check_number(phi, "phi", minimum=0, maximum=1, error=WeightsError)
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
