"""The option vocabularies of :mod:`spillover.weights`, defined once (``Literal`` aliases checked at run time)."""

from __future__ import annotations

from typing import Any, Literal

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
PrebuiltName = Literal["china_provinces_queen", "china_provinces_invdist1", "china_provinces_invdist2"]
