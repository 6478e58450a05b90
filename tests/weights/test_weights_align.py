"""Tests of spillover.weights.align / to_sparse (checking and ordering weights against a panel's ids)."""

from __future__ import annotations

import libpysal
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph

from spillover.errors import WeightsError
from spillover.weights import align, to_sparse

IDS12 = [str(i) for i in range(12)]


def _ring(ids: list) -> Graph:
    """Directed ring i -> i+1 with weight (position + 1): every entry is distinguishable."""
    n = len(ids)
    return Graph.from_dicts(
        {ids[k]: [ids[(k + 1) % n]] for k in range(n)}, {ids[k]: [k + 1.0] for k in range(n)}
    )


def _expected_ring(n: int) -> np.ndarray:
    # hand construction of the ring matrix: row k has (k + 1) in column k + 1 (mod n)
    mat = np.zeros((n, n))
    for k in range(n):
        mat[k, (k + 1) % n] = k + 1.0
    return mat


@pytest.mark.parametrize("ids", [IDS12, list(range(12)), [f"r{k}" for k in range(12)]])
def test_to_sparse_keeps_given_order_for_string_and_integer_ids(ids: list) -> None:
    mat = to_sparse(_ring(ids), ids)
    assert isinstance(mat, __import__("scipy.sparse").sparse.csr_matrix)
    np.testing.assert_array_equal(mat.toarray(), _expected_ring(12))


def test_align_reorders_to_the_panel_order_without_lexicographic_sorting() -> None:
    # "10" and "11" would sort before "2" lexicographically; a shuffled target order proves the reindexing
    rng = np.random.default_rng(0)
    order = list(rng.permutation(IDS12))
    g = align(_ring(IDS12), order)
    assert g.unique_ids.tolist() == order
    pos = [IDS12.index(i) for i in order]
    np.testing.assert_array_equal(to_sparse(g, order).toarray(), _expected_ring(12)[np.ix_(pos, pos)])


def test_align_returns_the_same_graph_when_already_in_order() -> None:
    g = _ring(IDS12)
    assert align(g, IDS12) is g


def test_align_accepts_w_and_square_frame() -> None:
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    ids = [str(i) for i in range(48)]
    dense, _ = w.full()  # libpysal's own dense matrix in w.id_order ("0".."47")
    assert w.id_order == ids
    np.testing.assert_array_equal(to_sparse(w, ids).toarray(), dense)
    frame = pd.DataFrame(dense, index=ids, columns=ids).iloc[::-1, ::-1]
    np.testing.assert_array_equal(to_sparse(frame, ids).toarray(), dense)


def test_isolates_stay_zero_rows() -> None:
    g = Graph.from_dicts({"a": ["b"], "b": ["a"], "c": []})
    g2 = align(g, ["c", "a", "b"])
    assert g2.isolates.tolist() == ["c"]
    np.testing.assert_array_equal(to_sparse(g2, ["c", "a", "b"]).toarray(), [[0, 0, 0], [0, 0, 1], [0, 1, 0]])


def test_mismatching_ids_are_named() -> None:
    with pytest.raises(WeightsError, match=r"1 region\(s\) without weights: 'x'; 1 weights id\(s\) .*'11'"):
        align(_ring(IDS12), IDS12[:-1] + ["x"])


def test_type_mismatch_gets_a_hint() -> None:
    with pytest.raises(WeightsError, match="agree as text but not in type"):
        align(_ring(IDS12), list(range(12)))


def test_duplicate_target_ids() -> None:
    with pytest.raises(WeightsError, match="duplicates: 'a'"):
        align(_ring(["a", "b"]), ["a", "a", "b"])


def test_non_square_frame_and_wrong_type() -> None:
    frame = pd.DataFrame([[0, 1], [1, 0]], index=["a", "b"], columns=["a", "c"])
    with pytest.raises(WeightsError, match="only in the index: 'b'"):
        align(frame, ["a", "b"])
    with pytest.raises(WeightsError, match="got ndarray"):
        align(np.eye(2), ["a", "b"])


@given(st.permutations(list(range(12))))
@settings(max_examples=30, deadline=None)
def test_to_sparse_is_a_permutation_of_the_matrix(order: list) -> None:
    # property: reordering ids permutes rows and columns of the matrix identically, for any order
    ids = [IDS12[i] for i in order]
    np.testing.assert_array_equal(
        to_sparse(_ring(IDS12), ids).toarray(), _expected_ring(12)[np.ix_(order, order)]
    )


def test_align_accepts_a_panel_for_ids() -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from spillover.panel import SpatialPanel

    geo = gpd.GeoDataFrame({"r": ["b", "a"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    panel = SpatialPanel(pd.DataFrame({"r": ["a", "b"], "t": [1, 1], "y": [1.0, 2.0]}), geo, id="r", time="t")
    g = align(Graph.from_dicts({"a": ["b"], "b": ["a"]}), panel)
    assert g.unique_ids.tolist() == ["b", "a"]
