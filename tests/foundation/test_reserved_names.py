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

from spillover._names import check_reserved
from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.panel_models import fe_iv, fixed_effects, heterogeneity, mediation, moderated_mediation
from spillover.spatial.lmtests import hausman, lm_tests, lr_fixed_effects
from spillover.spatial.model import SpatialCrossSectionModel, SpatialPanelModel

RESERVED = ["const", "rho", "lambda", "sigma2", "phi", "W*x1", "y(t-1)"]
PANEL_RESERVED = ["const", "rho", "lambda", "sigma2", "phi", "W*x1", "x*w", "m*w"]


@pytest.fixture(scope="module")
def setup() -> tuple[SpatialPanel, Graph]:
    geo = gpd.GeoDataFrame(
        {"r": [f"c{i}" for i in range(16)]},
        geometry=[box(i % 4, i // 4, i % 4 + 1, i // 4 + 1) for i in range(16)],
    )
    rng = np.random.default_rng(3)
    df = pd.DataFrame([(f"c{i}", t) for i in range(16) for t in range(5)], columns=["r", "t"])
    for col in ["x1", "z", *RESERVED, "x*w", "m*w"]:
        df[col] = rng.normal(size=len(df))
    df["y"] = df["x1"] + rng.normal(size=len(df))
    w = Graph.build_contiguity(geo.set_index("r"), rook=True).transform("r")
    return SpatialPanel(df, geo, id="r", time="t"), w


@pytest.mark.parametrize("name", RESERVED)
@pytest.mark.parametrize(
    "kind,effects",
    [
        ("sar", "twoway"),
        ("sem", "unit"),
        ("sdm", "twoway"),
        ("slx", "time"),
        ("sdem", "unit"),
        ("sar", "random"),
        ("sdm", "random"),
        ("sdm", "none"),
    ],
)
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


# ---------------------------------------------------------------- the panel models share the one check
PANEL_FAMILIES = {
    "fe_none": lambda p, n: fixed_effects(p, "y", ["x1", n], fixed_effects="none", cluster=None),
    "fe": lambda p, n: fixed_effects(p, "y", ["x1", n]),
    "fe_iv_exog": lambda p, n: fe_iv(p, "y", exog=[n], endog="x1", instruments="z", cluster=None),
    "fe_iv_instrument": lambda p, n: fe_iv(p, "y", exog=[], endog="x1", instruments=n, cluster=None),
    "mediation": lambda p, n: mediation(
        p, x="x1", mediator="z", y="y", controls=[n], draws=9, progress=False
    ),
    "moderated": lambda p, n: moderated_mediation(
        p, x="x1", mediator="z", y="y", moderator=n, draws=9, progress=False
    ),
    "heterogeneity": lambda p, n: heterogeneity(p, "y", ["x1", n], by="grp", permutations=0, progress=False),
}


@pytest.mark.parametrize("name", PANEL_RESERVED)
@pytest.mark.parametrize("family", list(PANEL_FAMILIES))
def test_panel_model_families_refuse_generated_labels(setup, family: str, name: str) -> None:
    panel, _ = setup
    grp = pd.Series(np.where(panel.data.index.get_level_values(0) < "c5", "a", "b"), index=panel.data.index)
    with pytest.raises(ModelError, match="clash with the labels") as info:
        PANEL_FAMILIES[family](panel.with_data(grp.rename("grp")), name)
    assert repr(name) in str(info.value)


def test_pooled_fe_with_a_const_column_no_longer_breaks_its_summary(setup) -> None:
    # issue 19: fixed_effects="none" and a column 'const' gave two 'const' rows and a TypeError in summary()
    panel, _ = setup
    with pytest.raises(ModelError, match="'const_' for a constant"):
        fixed_effects(panel, "y", ["x1", "const"], fixed_effects="none")
    renamed = panel.with_data(panel.data["const"].rename("const_"))
    res = fixed_effects(renamed, "y", ["x1", "const_"], fixed_effects="none", cluster=None)
    assert list(res.params.index) == ["x1", "const_", "const"] and "const_" in str(res.summary())


def test_one_check_serves_every_family() -> None:
    # the spatial models, the LM tests and the panel models all call spillover._names.check_reserved
    check_reserved(["x1", "W_x1", "x(t-1)"], "y")  # legal names pass (only y's own time lag is taken)
    with pytest.raises(ModelError, match="'y\\(t-1\\)'"):
        check_reserved(["y(t-1)"], "y")
