"""The mediation, moderated mediation and heterogeneity resampling give bit-identical draws serially, on 1, 2
and 4 worker processes and on a Dask LocalCluster of worker processes (the serial run is the reference; the
serial draws themselves are checked against pyfixest in test_panel_mediation.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spillover.panel_models import heterogeneity, mediation, moderated_mediation

KW = {"x": "ln_pcap", "mediator": "ln_emp", "y": "ln_gsp", "controls": ["unemp"], "draws": 24, "seed": 3}


@pytest.fixture(scope="module")
def serial(us_panel):
    return mediation(us_panel, **KW)


@pytest.fixture(scope="module")
def sized(us_panel):
    big = us_panel.data["emp"].groupby(level=0).transform("mean") > 1000
    return us_panel.with_data(big.map({True: "large", False: "small"}).rename("size"))


@pytest.mark.slow  # worker processes start by forkserver: seconds each
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_mediation_processes(us_panel, serial, workers):
    got = mediation(us_panel, **KW, backend="processes", n_jobs=workers)
    np.testing.assert_array_equal(got.draws, serial.draws)
    assert got.ci == serial.ci


@pytest.mark.slow
def test_heterogeneity_processes(sized):
    kw = {"by": "size", "permutations": 19, "seed": 2}
    ref = heterogeneity(sized, "ln_gsp", ["ln_pcap", "ln_emp"], **kw)
    got = heterogeneity(sized, "ln_gsp", ["ln_pcap", "ln_emp"], **kw, backend="processes", n_jobs=2)
    pd.testing.assert_frame_equal(got.permutation, ref.permutation, check_exact=True)


@pytest.mark.slow
def test_dask_local_cluster(us_panel, serial, sized, dask_client):
    got = mediation(us_panel, **KW, backend="dask", client=dask_client)
    np.testing.assert_array_equal(got.draws, serial.draws)
    mm = {"path": "a", "draws": 16, "seed": 1}
    ref = moderated_mediation(us_panel, "ln_pcap", "ln_emp", "ln_gsp", "ln_pc", **mm)
    remote = moderated_mediation(
        us_panel, "ln_pcap", "ln_emp", "ln_gsp", "ln_pc", **mm, backend="dask", client=dask_client
    )
    np.testing.assert_array_equal(remote.draws, ref.draws)
    kw = {"by": "size", "permutations": 19, "seed": 2}
    het = heterogeneity(sized, "ln_gsp", ["ln_pcap", "ln_emp"], **kw)
    het_d = heterogeneity(sized, "ln_gsp", ["ln_pcap", "ln_emp"], **kw, backend="dask", client=dask_client)
    pd.testing.assert_frame_equal(het_d.permutation, het.permutation, check_exact=True)
