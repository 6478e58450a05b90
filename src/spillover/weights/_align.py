"""The one gate every model, test and ESDA function passes its weights through: :func:`align` / :func:`to_sparse`."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from libpysal.graph import Graph

from spillover.errors import IslandWarning, WeightsError, check_option, format_items
from spillover.options import warn
from spillover.weights._graph import _align, _sparse_unchecked, notes_of, with_notes
from spillover.weights._types import IslandCheck, WeightsLike

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel


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
    notes = notes_of(graph)
    if accepted:
        notes["islands_kept"] = tuple(dict.fromkeys([*notes.get("islands_kept", ()), *accepted]))
    if allow_negative:
        notes["negative_allowed"] = True
    return with_notes(graph, notes)


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
    allowed = allow_negative or notes_of(graph).get("negative_allowed", False)
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
    kept = set(notes_of(graph).get("islands_kept", ()))
    unexpected = [i for i in lonely if i not in kept]
    if unexpected:
        warn(
            f"{len(unexpected)} region(s) have no neighbours in the weights (an all-zero row, so their "
            f"spatial lag is 0): {format_items(unexpected)}. Accept them silently with "
            "spillover.weights.align(w, ids, islands='keep'), or give them neighbours.",
            IslandWarning,
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
