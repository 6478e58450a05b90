"""One weights specification (a kind and its options) turned into a Graph: :func:`from_spec`.

The study runner (``[weights.<name>]``), the ``spillover weights`` command and the QGIS tools all describe
weights this way and all build them here, so a kind or an option means the same thing everywhere.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal

from libpysal.graph import Graph

from spillover.errors import WeightsError, check_option, format_items
from spillover.weights._build import contiguity, distance, economic, nested
from spillover.weights._geometry import _geo_frame
from spillover.weights._io import load, prebuilt
from spillover.weights._transform import transform as _transform
from spillover.weights._types import GeoLike

SpecKind = Literal["contiguity", "queen", "rook", "distance", "knn", "economic", "nested", "file", "prebuilt"]

_BUILDERS: dict[str, Callable[..., Graph]] = {
    "contiguity": contiguity,
    "distance": distance,
    "knn": distance,
    "economic": economic,
    "nested": nested,
}


def from_spec(geo: GeoLike, kind: SpecKind, **options: Any) -> Graph:
    """Build the weights described by ``kind`` and its options, for the regions of ``geo``.

    Parameters
    ----------
    geo
        A SpatialPanel (needed by ``"economic"`` and ``"nested"``), or a GeoDataFrame of the regions (ids in
        the index, or in the column ``id=``).
    kind
        * ``"contiguity"``: :func:`contiguity`, with ``criterion="queen"`` (default) or ``"rook"``
          (``"queen"`` and ``"rook"`` are shorthands) and its options (``islands``, ``k``, ...);
        * ``"distance"``: :func:`distance` (``power``, ``coords``, ``band``, ``k``, ...);
        * ``"knn"``: :func:`distance` with each region linked to its ``k`` nearest (``k=4`` and binary
          weights, ``power=0``, unless given);
        * ``"economic"`` / ``"nested"``: :func:`economic` / :func:`nested` (``var``, ``window``, ...);
        * ``"file"``: :func:`load` of ``path=`` in the regions' order; ``"prebuilt"``: :func:`prebuilt`
          ``name=``.  Both then apply ``transform`` (default ``"r"``) with :func:`transform`.
    options
        The keyword options of that builder, with their defaults, except ``coords``: when it is not given
        (or ``None``) distances are measured between capitals if the regions have the columns
        ``capital_lon`` / ``capital_lat``, else between centroids.

    Raises
    ------
    WeightsError
        An unknown kind, an option the kind does not take (the accepted ones are listed), or any error of the
        builder itself.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> geo = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
    ...                        index=["a", "b", "c"], crs="EPSG:4326")
    >>> w = from_spec(geo, "rook", transform="none")
    >>> sorted(w.neighbors["b"])
    ['a', 'c']
    >>> from_spec(geo, "rook", power=2)
    Traceback (most recent call last):
    ...
    spillover.errors.WeightsError: weights of kind 'rook' take no option 'power'; their options are 'criterion', 'islands', 'k', 'coords', 'strict', 'transform', 'id'.
    """
    check_option(kind, SpecKind, "kind", error=WeightsError)
    options = dict(options)
    if kind in ("queen", "rook"):
        options.setdefault("criterion", kind)
    if kind == "knn":
        options = {"k": 4, "power": 0, **options}
    if kind in ("file", "prebuilt"):
        return _read(geo, kind, options)
    builder = _BUILDERS["contiguity" if kind in ("queen", "rook") else kind]
    _check_options(kind, options, builder)
    if "criterion" in options:
        options["kind"] = options.pop("criterion")
    if "coords" in _parameters(builder) and options.get("coords") is None:
        if builder is contiguity:
            options.pop("coords", None)  # its default: the boundaries
        else:
            options["coords"] = _default_points(geo)
    return builder(geo, **options)


def _parameters(builder: Callable[..., Graph]) -> list[str]:
    """The keyword options of a builder (its parameters after the regions)."""
    return list(inspect.signature(builder).parameters)[1:]


def _check_options(kind: str, options: dict[str, Any], builder: Callable[..., Graph]) -> None:
    accepted = _parameters(builder)
    if builder is contiguity:
        accepted = ["criterion", *(p for p in accepted if p != "kind")]
    unknown = [name for name in options if name not in accepted]
    if unknown:
        raise WeightsError(
            f"weights of kind {kind!r} take no option {format_items(unknown)}; their options are "
            f"{format_items(accepted)}."
        )


def _default_points(geo: GeoLike) -> str:
    """Capitals where the regions have them (China's provinces), else centroids."""
    frame = getattr(geo, "geometry", geo) if hasattr(geo, "periods") else geo
    columns = getattr(frame, "columns", ())
    return "capital" if {"capital_lon", "capital_lat"} <= set(columns) else "centroid"


def _read(geo: GeoLike, kind: str, options: dict[str, Any]) -> Graph:
    """A weights file (``path=``) or shipped weights (``name=``) in the regions' order, then transformed."""
    key = "path" if kind == "file" else "name"
    accepted = [key, "transform", "id"]
    unknown = [name for name in options if name not in accepted]
    if unknown or key not in options:
        raise WeightsError(
            f"weights of kind {kind!r} need {key}= and take the options {format_items(accepted)}; "
            f"got {format_items(list(options)) or 'none'}."
        )
    how = options.get("transform", "r")
    ids = geo if hasattr(geo, "periods") else _geo_frame(geo, options.get("id")).index
    graph = load(options[key], ids=ids) if kind == "file" else prebuilt(options[key], ids=ids)
    return _transform(graph, how) if how != "none" else graph
