"""Graphs in a given order of regions, and the notes spillover keeps about how they were built.

Everything here is unchecked plumbing shared by the gate (``align``), the builders and the files:
converting the accepted weights types to a :class:`libpysal.graph.Graph`, re-ordering it, and the sparse
matrix in a given order.

Notes (how the weights were built, islands the user accepted, ...) live on :class:`NotedGraph`, a
:class:`libpysal.graph.Graph` subclass whose notes are set when it is created and never changed.  Its
``transform`` and ``copy`` return a ``NotedGraph`` with the same notes, so a graph row-standardised with
libpysal's own ``w.transform("r")`` keeps them (islands kept at the user's request do not warn again).
Nothing is ever attached to a plain libpysal ``Graph``; a Graph derived by another libpysal method is a
plain Graph without notes (its islands warn again, as for weights from anywhere).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from libpysal.graph import Graph
from libpysal.weights import W

from spillover.errors import WeightsError, format_items
from spillover.weights._types import WeightsLike

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel


# ---------------------------------------------------------------------------------------------- notes
class NotedGraph(Graph):
    """A :class:`libpysal.graph.Graph` with spillover's read-only build notes (see ``describe``).

    Examples
    --------
    >>> g = Graph.from_dicts({"a": ["b"], "b": ["a"], "c": []})
    >>> h = with_notes(g, {"islands_kept": ("c",)}).transform("r")  # libpysal's transform keeps them
    >>> type(h).__name__, dict(h.notes)
    ('NotedGraph', {'islands_kept': ('c',), 'transform': 'r'})
    >>> hasattr(g, "notes")  # the plain Graph is left as it was
    False
    """

    def __init__(
        self,
        adjacency: pd.Series,
        transformation: str = "O",
        is_sorted: bool = False,
        *,
        notes: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(adjacency, transformation, is_sorted)
        self._notes = dict(notes or {})

    @property
    def notes(self) -> Mapping[str, Any]:
        """How the weights were built (builder, transformation, islands attached or kept...), read-only."""
        return MappingProxyType(self._notes)

    def transform(self, transformation: Any) -> NotedGraph:
        """libpysal's :meth:`~libpysal.graph.Graph.transform`, keeping the notes (the new transformation noted)."""
        how = transformation.lower() if isinstance(transformation, str) else "custom"
        return with_notes(super().transform(transformation), dict(self._notes, transform=how))

    def copy(self, deep: bool = True) -> NotedGraph:
        """libpysal's :meth:`~libpysal.graph.Graph.copy`, keeping the notes."""
        return with_notes(super().copy(deep=deep), self._notes)


def notes_of(graph: Graph) -> dict[str, Any]:
    """A copy of the notes of ``graph`` (empty for a Graph spillover did not build or accept)."""
    return dict(graph.notes) if isinstance(graph, NotedGraph) else {}


def with_notes(graph: Graph, notes: Mapping[str, Any]) -> NotedGraph:
    """The same weights as a new :class:`NotedGraph` carrying ``notes`` (``graph`` is not modified)."""
    return NotedGraph(graph.adjacency, graph.transformation, is_sorted=True, notes=notes)


def _copy_notes(src: Graph, dst: Graph) -> Graph:
    """``dst`` carrying the notes of ``src`` (a new Graph; ``dst`` itself when ``src`` has none)."""
    return with_notes(dst, src.notes) if isinstance(src, NotedGraph) else dst


# ---------------------------------------------------------------------------------------------- graphs
def _align(w: WeightsLike, ids: Iterable[Hashable] | SpatialPanel) -> Graph:
    """:func:`align` without the checks of the values (for spillover's own, already checked, graphs)."""
    target = _ids_index(ids)
    graph = _as_graph(w)
    have = graph.unique_ids
    _check_same_ids(have, target)
    if have.equals(target) and _neighbor_order_ok(graph):
        return graph
    return _reorder(graph, target)


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
    raw: Any = getattr(ids, "ids", ids)  # ids, or the panel's ids
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
    # sorted by (row, col): one int64 key sorts like lexsort((cols, rows)) at a fraction of the time, and
    # links that come sorted (the builders') are not sorted again
    code = rows * n + cols
    if len(code) > 1 and not bool((code[1:] >= code[:-1]).all()):
        order = np.argsort(code, kind="stable")
        rows, cols, data, code = rows[order], cols[order], data[order], code[order]
    isolated = np.flatnonzero(np.bincount(rows, minlength=n) == 0)
    if len(isolated):  # an isolated row has no links, so its place in the order is unambiguous
        at = np.searchsorted(code, isolated * n + isolated)
        rows, cols = np.insert(rows, at, isolated), np.insert(cols, at, isolated)
        data = np.insert(data, at, 0.0)
    index = pd.MultiIndex(
        levels=[ids, ids], codes=[rows, cols], names=["focal", "neighbor"], verify_integrity=False
    )
    return Graph(pd.Series(data, index=index, name="weight"), transformation=transformation, is_sorted=True)


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
    return _copy_notes(graph, out)
