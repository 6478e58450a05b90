"""[study] backend = "processes" | "dask": the grid of [[models]] x weights, Moran's I and the LISA of every
period equal the serial study's exactly, in the same order, with the progress events in the same order."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from spillover import datasets, esda, spatial
from spillover import weights as wmod
from spillover.study import StudyError, loads
from spillover.study.runner import compute

STUDY = """\
[study]
title = "grid"
seed = 3
{backend}
[data]
dataset = "us_states"
[weights.queen]
kind = "contiguity"
[weights.knn]
kind = "distance"
k = 4
power = 0
[variables]
y = "ln_gsp"
x = ["ln_pcap", "ln_emp"]
[moran]
permutations = 19
[impacts]
draws = 20
[[models]]
name = "m"
kind = ["sar", "sdm"]
weights = ["queen", "knn"]
[tests]
lr = false
"""


def _run(backend: str = ""):
    events = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ctx = compute(loads(STUDY.format(backend=backend)), progress=events.append)
    ctx.caught = sorted({(str(w.message), w.category.__name__) for w in caught})
    return ctx, [(e.step, e.status) for e in events]


def _identical(got, want):
    ctx, events = got
    ref, ref_events = want
    assert events == ref_events
    # the fits' warnings (e.g. the small-sample bias of rho) come back from the workers
    assert ctx.caught == ref.caught and any("SmallSample" in c for _, c in ref.caught)
    assert list(ctx.models) == list(ref.models)
    for name, res in ref.models.items():
        pd.testing.assert_frame_equal(ctx.models[name].to_frame(), res.to_frame(), check_exact=True)
    for var, table in ref.moran.items():
        pd.testing.assert_frame_equal(ctx.moran[var], table, check_exact=True)
    assert list(ctx.lisa) == list(ref.lisa)
    for key, lisa in ref.lisa.items():
        pd.testing.assert_frame_equal(ctx.lisa[key].to_frame(), lisa.to_frame(), check_exact=True)


@pytest.fixture(scope="module")
def serial():
    return _run()


@pytest.mark.slow  # fits 4 models and 17 LISA
def test_serial_grid_is_the_models_fitted_directly(serial):
    # provenance: SpatialPanelModel and esda.local_moran called directly with the same weights and seeds
    ctx, _ = serial
    panel = datasets.us_states()
    knn = wmod.from_spec(panel, "distance", k=4, power=0)
    assert len(ctx.models) == 4
    direct = spatial.SpatialPanelModel(
        panel, "ln_gsp", ["ln_pcap", "ln_emp"], knn, kind="sdm", fixed_effects="twoway"
    ).fit()
    [name] = [n for n, m in ctx.specs.items() if m.kind == "sdm" and m.weights == "knn"]
    np.testing.assert_allclose(ctx.models[name].params.to_numpy(), direct.params.to_numpy(), rtol=1e-10)
    queen = wmod.from_spec(panel, "contiguity")
    k, period = 2, panel.periods[2]
    lisa = esda.local_moran(panel, "ln_gsp", queen, period=period, permutations=19, seed=3 + k)
    pd.testing.assert_frame_equal(ctx.lisa[("ln_gsp", period)].to_frame(), lisa.to_frame())


def test_backend_is_validated():
    with pytest.raises(StudyError, match="backend"):
        loads(STUDY.format(backend='backend = "threads"'))
    with pytest.raises(StudyError, match="n_jobs"):
        loads(STUDY.format(backend="n_jobs = 0"))


@pytest.mark.slow  # worker processes import spillover and fit the models
def test_processes_give_the_serial_study(serial):
    _identical(_run('backend = "processes"\nn_jobs = 2'), serial)


@pytest.mark.slow  # a real LocalCluster with 2 worker processes, used as the active client
def test_dask_gives_the_serial_study(serial, dask_client):
    with dask_client.as_current():
        _identical(_run('backend = "dask"'), serial)
