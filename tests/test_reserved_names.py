"""Regressor names that would collide with the labels the models generate are refused up front.

Before the check, ``x=["x1", "W*x1"]`` in an SDM gave two coefficients labelled ``"W*x1"``, ``"const"``
beside the generated constant gave two ``"const"`` rows, and ``"rho"``, ``"lambda"`` or ``"sigma2"`` crashed
with a TypeError deep inside the results (or silently overwrote the sigma2 row of ``to_frame``).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.spatial.lmtests import hausman, lm_tests, lr_fixed_effects
from spillover.spatial.model import SpatialCrossSectionModel, SpatialPanelModel

RESERVED = ["const", "rho", "lambda", "sigma2", "phi", "W*x1", "y(t-1)"]


@pytest.fixture(scope="module")
def setup() -> tuple[SpatialPanel, Graph]:
    geo = gpd.GeoDataFrame({"r": [f"c{i}" for i in range(16)]},
                           geometry=[box(i % 4, i // 4, i % 4 + 1, i // 4 + 1) for i in range(16)])
    rng = np.random.default_rng(3)
    df = pd.DataFrame([(f"c{i}", t) for i in range(16) for t in range(5)], columns=["r", "t"])
    for col in ["x1", *RESERVED]:
        df[col] = rng.normal(size=len(df))
    df["y"] = df["x1"] + rng.normal(size=len(df))
    w = Graph.build_contiguity(geo.set_index("r"), rook=True).transform("r")
    return SpatialPanel(df, geo, id="r", time="t"), w


@pytest.mark.parametrize("name", RESERVED)
@pytest.mark.parametrize("kind,effects", [("sar", "twoway"), ("sem", "unit"), ("sdm", "twoway"),
                                          ("slx", "time"), ("sdem", "unit"), ("sar", "random"),
                                          ("sdm", "random"), ("sdm", "none")])
def test_panel_models_refuse_generated_labels(setup, name: str, kind: str, effects: str) -> None:
    panel, w = setup
    with pytest.raises(ModelError, match="clash with the labels") as info:
        SpatialPanelModel(panel, "y", ["x1", name], w, kind=kind, fixed_effects=effects)
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("name", RESERVED)
@pytest.mark.parametrize("kind", ["sar", "sem", "sdm", "slx", "sdem"])
def test_cross_section_refuses_generated_labels(setup, name: str, kind: str) -> None:
    panel, w = setup
    with pytest.raises(ModelError, match=re.escape(repr(name))):
        SpatialCrossSectionModel(panel, "y", ["x1", name], w, period=0, kind=kind)


@pytest.mark.parametrize("name", ["const", "W*x1"])
def test_specification_tests_refuse_generated_labels(setup, name: str) -> None:
    panel, w = setup
    with pytest.raises(ModelError, match="clash"):
        lm_tests(panel, "y", ["x1", name], w, fixed_effects="none")
    with pytest.raises(ModelError, match="clash"):
        lr_fixed_effects(panel, "y", ["x1", name])
    with pytest.raises(ModelError, match="clash"):
        hausman(panel, "y", ["x1", name], w, kind="sar")


@pytest.mark.parametrize("name", ["y(t-1)", "W*y(t-1)"])
def test_dynamic_models_refuse_their_lag_labels(setup, name: str) -> None:
    panel, w = setup
    with pytest.raises(ModelError, match="clash with the labels"):
        SpatialPanelModel(panel, "y", ["x1", name], w, kind="sdm", fixed_effects="unit", dynamic="space-time")


def test_labels_of_a_legal_fit_are_unique(setup) -> None:
    # A precomputed lag under a legal name is accepted and every label is distinct.
    panel, w = setup
    res = SpatialPanelModel(panel, "y", ["x1"], w, kind="sdm", fixed_effects="random").fit()
    labels = list(res.to_frame().index)
    assert len(labels) == len(set(labels)) and labels[:3] == ["const", "x1", "W*x1"]
