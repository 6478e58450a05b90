"""Placebo draws on 1, 2 and 4 worker processes and on a Dask LocalCluster of worker processes equal the
serial ones (the reference, checked in test_causal_placebo.py): the same reassignments (each draw's own
SeedSequence child), and estimates equal to round-off only: pyfixest's fits of the same data differ in the
last bits between processes (measured here: up to ~1e-16 relative; the same task in one process is
bit-identical), so these tests allow 1e-12."""

from __future__ import annotations

import pandas as pd
import pytest
from causal_sim import sim_fixture  # noqa: F401 - the module-scoped fixture "sim"

from spillover.causal import placebo, spatial_did


@pytest.fixture(scope="module")
def did(sim):
    panel, w, _ = sim
    return spatial_did(panel, "y", "treat", w=w)


def _close(got, ref):
    pd.testing.assert_frame_equal(
        got.distribution, ref.distribution, check_exact=False, rtol=1e-12, atol=1e-12
    )
    assert got.n_failed == ref.n_failed


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_processes(did, workers):
    ref = placebo(did, draws=10, seed=11)
    _close(placebo(did, draws=10, seed=11, backend="processes", n_jobs=workers), ref)


@pytest.mark.slow
def test_dask_local_cluster(did, dask_client):
    ref = placebo(did, draws=10, seed=11)
    _close(placebo(did, draws=10, seed=11, backend="dask", client=dask_client), ref)
