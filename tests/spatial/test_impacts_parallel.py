"""Impact and spillover draws are bit-identical serially, on 1, 2 and 4 worker processes and on a Dask
LocalCluster of worker processes; the drawn parameters follow N(estimate, cov) (sample moments checked
against the model's covariance, the reference)."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from spillover.spatial.model import SpatialPanelModel

imp = importlib.import_module("spillover.spatial.impacts")

X = ["ln_pcap", "ln_emp"]


@pytest.fixture(scope="module")
def sdm(us_panel, us_w):
    return SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="twoway").fit()


def test_parameter_draws_have_the_model_moments(sdm):
    d = imp._parameter_draws(sdm, 20_000, seed=1)
    se = np.sqrt(np.diag(sdm.cov.to_numpy()))
    # mean within 4 Monte Carlo standard errors, covariance within 5 % (20,000 draws)
    assert np.all(np.abs(d.mean().to_numpy() - sdm.params.to_numpy()) < 4 * se / np.sqrt(20_000))
    np.testing.assert_allclose(
        np.cov(d.to_numpy().T), sdm.cov.to_numpy(), rtol=0.05, atol=0.05 * se.max() ** 2
    )


@pytest.mark.slow  # worker processes start by forkserver: seconds each
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_impacts_processes(sdm, workers):
    ref = sdm.impacts(draws=200, seed=4)
    pd.testing.assert_frame_equal(
        sdm.impacts(draws=200, seed=4, backend="processes", n_jobs=workers), ref, check_exact=True
    )


@pytest.mark.slow
def test_sparse_spillover_draws_processes(sdm, monkeypatch):
    monkeypatch.setattr(imp, "SPILLOVER_DENSE_MAX_N", 10)  # the sparse LU path at 48 regions
    ref = sdm.spillovers("ln_emp", draws=20, seed=2)
    got = sdm.spillovers("ln_emp", draws=20, seed=2, backend="processes", n_jobs=2)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)


@pytest.mark.slow
def test_dask_local_cluster(sdm, dask_client):
    ref = sdm.impacts(draws=200, seed=4)
    pd.testing.assert_frame_equal(
        sdm.impacts(draws=200, seed=4, backend="dask", client=dask_client), ref, check_exact=True
    )
    sref = sdm.spillovers("ln_emp", draws=20, seed=2)
    got = sdm.spillovers("ln_emp", draws=20, seed=2, backend="dask", client=dask_client)
    pd.testing.assert_frame_equal(got, sref, check_exact=True)
