"""Placebo draws are bit-identical serially, on 1, 2 and 4 worker processes and on a Dask LocalCluster of
worker processes (the serial run, checked in test_causal_placebo.py, is the reference)."""

from __future__ import annotations

import pandas as pd
import pytest

from spillover.causal import placebo, spatial_did


@pytest.fixture(scope="module")
def did(sim):
    panel, w, _ = sim
    return spatial_did(panel, "y", "treat", w=w)


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_processes(did, workers):
    ref = placebo(did, draws=10, seed=11)
    got = placebo(did, draws=10, seed=11, backend="processes", n_jobs=workers)
    pd.testing.assert_frame_equal(got.distribution, ref.distribution, check_exact=True)
    assert got.pvalues.equals(ref.pvalues) and got.n_failed == ref.n_failed


@pytest.mark.slow
def test_dask_local_cluster(did):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        ref = placebo(did, draws=10, seed=11)
        got = placebo(did, draws=10, seed=11, backend="dask", client=client)
        pd.testing.assert_frame_equal(got.distribution, ref.distribution, check_exact=True)
