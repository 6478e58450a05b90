"""Fixtures shared by several test modules: the US states panel and its published weights matrix."""

from __future__ import annotations

import libpysal
import pytest
from libpysal.graph import Graph

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
