"""Weights files: :func:`save`, :func:`load` and the weights shipped with spillover (:func:`prebuilt`)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from importlib.resources import as_file, files
from typing import TYPE_CHECKING, Any

import pandas as pd
from libpysal.graph import Graph

from spillover.errors import WeightsError, check_option
from spillover.weights import _formats
from spillover.weights._graph import (
    _align,
    _as_graph,
    _copy_notes,
    _graph_from_sparse,
    _ids_index,
    _sparse_unchecked,
)
from spillover.weights._types import PrebuiltName, WeightsLike

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel


def save(w: WeightsLike, path: Any, *, format: str | None = None, overwrite: bool = False) -> None:
    """Write weights to a file: GeoDa ``.gal``/``.gwt``, dense ``.csv``, Stata ``.dta``, MATLAB ``.mat`` or ``.parquet``.

    See :mod:`spillover.weights._formats` for each layout.  The file is written atomically (a temporary file is
    renamed into place) and an existing file is only replaced with ``overwrite=True``.

    Parameters
    ----------
    w
        Weights (Graph, W or square DataFrame).
    path
        Target file.
    format
        ``"gal"``, ``"gwt"``, ``"csv"``, ``"dta"``, ``"mat"`` or ``"parquet"`` (a sparse edge list, the
        format for large N); default from the suffix of ``path``.
    overwrite
        Replace an existing file.
    """
    _formats.save(_as_graph(w), path, format=format, overwrite=overwrite)


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
    graph = _formats.load(path, format=format)
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
    return _copy_notes(
        graph, _graph_from_sparse(_sparse_unchecked(graph, have), new_ids, graph.transformation)
    )


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
    check_option(name, PrebuiltName, "name", error=WeightsError)
    with as_file(files("spillover._weights") / f"{name}.csv") as path:
        return load(path, ids=ids)
