"""Row-standardisation without pandas' groupby gives libpysal's weights bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spillover import weights as sw
from spillover.weights._graph import _graph_from_positions


def _random_graph(seed: int, n: int, links: int, string_ids: bool):
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, n, links), rng.integers(0, n, links)
    rows[: links // 4] = 0  # a hub row with hundreds of links (numpy's pairwise blocks)
    code = np.unique(rows * n + cols)
    rows, cols = code // n, code % n
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    # weights over 16 orders of magnitude, so that the order of summation shows in the last bits
    values = rng.random(len(rows)) * 10.0 ** rng.integers(-8, 8, len(rows))
    ids = pd.Index([f"r{i}" for i in range(n)]) if string_ids else pd.RangeIndex(n)
    return _graph_from_positions(rows, cols, values, ids)


@pytest.mark.parametrize("seed", range(6))
def test_row_standardised_bits_equal_libpysal(seed: int) -> None:
    graph = _random_graph(seed, n=400 + 100 * seed, links=2000 + 500 * seed, string_ids=seed % 2 == 1)
    assert len(graph.isolates) > 0  # rows without links (zero self-loops) are part of the check
    # reference: libpysal's own Graph.transform("R") (pandas groupby sums) called directly
    expected = graph.transform("R").adjacency
    got = sw.transform(graph, "r", allow_islands=True).adjacency
    assert got.index.equals(expected.index)
    assert np.array_equal(got.to_numpy(), expected.to_numpy())
    assert sw.transform(graph, "r", allow_islands=True).transformation == "R"
