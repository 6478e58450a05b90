"""Spatial weights for regional studies, built on :class:`libpysal.graph.Graph`.

Every builder returns a new ``Graph`` (graphs are never mutated) whose ids are the regions' ids in the order
of the geometry (or of the panel).  Model and ESDA code calls :func:`align` to check a user's weights against
the panel's ids and put them in the panel's order.

One stage per module (the public names are those of this package):

* build (``_build``) -- :func:`contiguity` (queen / rook, with an explicit islands policy), :func:`distance`
  (inverse great-circle distance ``d_ij^-power``, optional band or k-nearest), :func:`economic`
  (``w_ij = 1 / |Ybar_i - Ybar_j|``), :func:`nested` (economic-geographic, multiplicative or weighted form);
  :func:`by_period` (``_periodic``: ``{period: Graph}`` from each period's data or a moving window, for
  time-varying weights); :func:`from_spec` (``_spec``) builds any of them from a kind and its options (the study runner, the CLI and
  QGIS use it); :func:`haversine` (``_geometry``);
* transform (``_transform``) -- :func:`transform`: row-standardisation, none, spectral normalisation;
* io (``_io``, layouts in ``_formats``) -- :func:`save` / :func:`load` (GeoDa ``.gal`` / ``.gwt``, dense
  ``.csv``, Stata ``.dta``, MATLAB ``.mat``), :func:`prebuilt` (weights shipped with spillover);
* align (``_align``) -- :func:`align` / :func:`to_sparse`, the one gate for weights (ids, values, islands);
* describe (``_describe``) -- :func:`describe`, a :class:`WeightsSummary` for sanity checks.  The map of the
  links is :func:`spillover.maps.links_map`.
"""

from __future__ import annotations

from typing import Any

from spillover.weights._align import align, to_sparse
from spillover.weights._build import contiguity, distance, economic, nested
from spillover.weights._describe import WeightsSummary, describe
from spillover.weights._geometry import EARTH_RADIUS_KM, haversine
from spillover.weights._graph import _sparse_unchecked  # noqa: F401  (maps draws the links without checks)
from spillover.weights._io import load, prebuilt, save
from spillover.weights._periodic import by_period
from spillover.weights._spec import SpecKind, from_spec
from spillover.weights._transform import transform
from spillover.weights._types import (  # noqa: F401  (the option vocabularies, importable from here)
    ContiguityKind,
    GeoLike,
    IslandCheck,
    IslandCoords,
    IslandPolicy,
    NestedForm,
    PointKind,
    PrebuiltName,
    TiePolicy,
    Transformation,
    WeightsLike,
)

__all__ = [
    "EARTH_RADIUS_KM",
    "SpecKind",
    "WeightsSummary",
    "align",
    "by_period",
    "contiguity",
    "describe",
    "distance",
    "economic",
    "from_spec",
    "haversine",
    "load",
    "nested",
    "prebuilt",
    "save",
    "to_sparse",
    "transform",
]


def __getattr__(name: str) -> Any:
    if name == "plot_links":  # weights is the data layer: it does not draw (that would import maps, above it)
        raise AttributeError(
            "spillover.weights.plot_links has moved to the maps: use spillover.maps.links_map(w, geo) "
            "(it returns the figure; its .axes[0] is the axes plot_links returned)."
        )
    raise AttributeError(f"module 'spillover.weights' has no attribute {name!r}")
