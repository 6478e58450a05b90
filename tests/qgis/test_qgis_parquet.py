"""Parquet weights and GeoParquet boundaries inside QGIS's Python (NumPy 1.x, where pyarrow must be below 26:
docs/qgis.md); the round trips must equal what went in, as in tests/weights/test_weights_parquet.py."""

from __future__ import annotations

import numpy as np
import pytest

qgis_core = pytest.importorskip("qgis.core")

import spillover as so  # noqa: E402
from spillover.io import read_boundaries, write_boundaries  # noqa: E402


def test_parquet_weights_and_geoparquet_boundaries_round_trip(tmp_path):
    import pyarrow  # noqa: F401  (importable next to Debian's NumPy 1.x: the pin of docs/qgis.md)

    panel = so.datasets.china_simulated()
    w = so.weights.contiguity(panel, kind="queen", islands="nearest")
    so.weights.save(w, tmp_path / "w.parquet")
    back = so.weights.load(tmp_path / "w.parquet")
    ids = list(panel.ids)
    np.testing.assert_array_equal(
        so.weights.to_sparse(back, ids).toarray(), so.weights.to_sparse(w, ids).toarray()
    )
    geo = panel.geometry.reset_index()
    write_boundaries(geo, tmp_path / "regions.parquet")
    again = read_boundaries(tmp_path / "regions.parquet")
    assert list(again.columns) == list(geo.columns)
    assert again.geometry.equals(geo.geometry)
