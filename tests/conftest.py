"""Fixtures shared by several test modules: the US states panel and its published weights matrix; Baltagi's
cigarette panel and Elhorst's 46-state contiguity matrix; a Dask LocalCluster client."""

from __future__ import annotations

import contextlib
from pathlib import Path

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import Point

from spillover.datasets import us_states
from spillover.panel import SpatialPanel


@pytest.fixture(scope="session")
def us_panel() -> SpatialPanel:
    """Munnell's Produc panel, 48 states x 1970-1986, states in alphabetical order."""
    return us_states()


@pytest.fixture(scope="session")
def us_w(us_panel: SpatialPanel) -> Graph:
    """libpysal's states48.gal relabelled with state names, row-standardised.

    Its ids "0".."47" are the 48 contiguous states in alphabetical order, the panel's order; this matrix is
    splm's ``usaww``, the W behind the published splm results the tests reproduce.
    """
    gal = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    adj = gal.to_adjlist(drop_islands=True)
    ids = list(us_panel.ids)
    adj["focal"] = [ids[int(i)] for i in adj["focal"]]
    adj["neighbor"] = [ids[int(i)] for i in adj["neighbor"]]
    return Graph.from_adjacency(adj).transform("r")


# ---------------------------------------------------------------------- the cigarette panel (Elhorst 2014)
# Baltagi's Cigar state codes 1..51 = the 50 states and DC in alphabetical order of their names.
BALTAGI_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]
# libpysal's states48.gal ids "0".."47" = the 48 contiguous states in alphabetical order of their names.
CONTIGUOUS_48 = [s for s in BALTAGI_STATES if s not in ("AK", "DC", "HI")]


def _gal_neighbors() -> dict[str, list[str]]:
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    name = {str(i): s for i, s in enumerate(CONTIGUOUS_48)}
    return {name[str(k)]: [name[str(j)] for j in v] for k, v in w.neighbors.items()}


def _points(ids: list) -> gpd.GeoDataFrame:
    """Placeholder geometry: the tests below need the panel's ids, not its shapes."""
    return gpd.GeoDataFrame({"state": ids}, geometry=[Point(i, 0) for i in range(len(ids))])


@pytest.fixture(scope="session")
def cigar_panel() -> SpatialPanel:
    raw = pd.read_csv(Path(__file__).parent / "data" / "cigar.csv", index_col=0)
    df = pd.DataFrame(
        {
            "state": [BALTAGI_STATES[c - 1] for c in raw["state"]],
            "year": 1900 + raw["year"],
            "logc": np.log(
                raw["sales"]
            ),  # sales: packs per capita (Elhorst 2014: log of consumption per capita)
            "logp": np.log(raw["price"] / raw["cpi"]),  # real price
            "logy": np.log(raw["ndi"] / raw["cpi"]),  # real per capita disposable income
        }
    )
    ids = [s for s in BALTAGI_STATES if s in set(df["state"])]
    return SpatialPanel(df, _points(ids), id="state", time="year")


@pytest.fixture(scope="session")
def cigar_w(cigar_panel: SpatialPanel) -> Graph:
    """Elhorst's 46-unit binary contiguity: states48 minus CO, NC, OR, plus DC linked to MD and VA."""
    drop = {"CO", "NC", "OR"}
    nb = {k: [j for j in v if j not in drop] for k, v in _gal_neighbors().items() if k not in drop}
    nb["DC"] = ["MD", "VA"]
    nb["MD"] = nb["MD"] + ["DC"]
    nb["VA"] = nb["VA"] + ["DC"]
    assert set(nb) == set(cigar_panel.ids)
    return Graph.from_dicts(nb).transform("r")


@pytest.fixture(scope="module")
def dask_client():
    """A real Dask LocalCluster of 2 single-threaded worker processes (what CI runs), shared by the module and
    not made the default client; the test is skipped without the optional ``distributed``."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture
def dask_client_of():
    """``dask_client_of(n)``: a context manager giving a Client of a fresh LocalCluster of ``n`` single-threaded
    worker processes (tests that compare worker counts start one cluster per count: scaling one cluster down
    and up made distributed's close race on a removed worker, KeyError in ``_update_worker_status``)."""
    distributed = pytest.importorskip("distributed")

    @contextlib.contextmanager
    def client_of(n: int):
        with (
            distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster, set_as_default=False) as client,
        ):
            client.wait_for_workers(n, timeout=120)
            assert len(client.scheduler_info()["workers"]) == n
            yield client

    return client_of
