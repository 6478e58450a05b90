"""What weights look like, for sanity checks: :func:`describe` and its :class:`WeightsSummary`.

Everything is computed from the graph itself (regions, links, islands = regions without neighbours,
symmetry, standardisation); only how spillover built it (islands attached to their nearest regions, the
builder, the window...) comes from the notes of its builder.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spillover.errors import format_items
from spillover.summary import Summary
from spillover.weights._graph import _as_graph, _sparse_unchecked, notes_of
from spillover.weights._types import WeightsLike


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

    def summary(self) -> Summary:
        """The same facts as ``str()`` as a :class:`~spillover.summary.Summary`: one table of the counts and
        properties, and one of how spillover built the weights (when it did)."""
        yes = {True: "yes", False: "no"}
        facts = {
            "regions": self.n_regions,
            "links": self.n_links,
            "neighbours per region (min)": self.min_neighbours,
            "neighbours per region (mean)": f"{self.mean_neighbours:.2f}",
            "neighbours per region (max)": self.max_neighbours,
            "islands (no neighbours)": format_items(self.islands) if self.islands else "none",
            "symmetric links": yes[self.symmetric],
            "symmetric weights": yes[self.symmetric_weights],
            "row-standardised": yes[self.row_standardised],
        }
        facts |= {f"island {i!r} attached to": format_items(nb) for i, nb in self.attached}
        tables = [pd.DataFrame({"value": [str(v) for v in facts.values()]}, index=list(facts))]
        captions = [""]
        if self.notes:
            tables.append(
                pd.DataFrame({"value": [v for _, v in self.notes]}, index=[k for k, _ in self.notes])
            )
            captions.append("How spillover built them")
        return Summary(
            f"Spatial weights: {self.n_regions} regions, {self.n_links} links",
            tuple(tables),
            captions=tuple(captions),
        )

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


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
    notes = notes_of(graph)
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
