"""Bad model input raises a SpilloverError naming the offender, never a raw NumPy/ZeroDivision error.

Before: inf in a regressor gave "SVD did not converge" (or "array must not contain infs"), a constant y a
ZeroDivisionError or silently meaningless numbers, and more regressors than observations was reported as
"perfectly collinear".
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from spillover.errors import ModelError, PanelError
from spillover.panel import SpatialPanel
from spillover.spatial.lmtests import hausman, lm_tests, lr_fixed_effects
from spillover.spatial.model import SpatialCrossSectionModel, SpatialPanelModel

XS = [f"x{k}" for k in range(8)]


@pytest.fixture(scope="module")
def setup() -> tuple[SpatialPanel, Graph]:
    geo = gpd.GeoDataFrame(
        {"r": [f"c{i}" for i in range(6)]}, geometry=[box(i, 0, i + 1, 1) for i in range(6)]
    )
    w = Graph.build_contiguity(geo.set_index("r"), rook=True).transform("r")
    rng = np.random.default_rng(0)
    df = pd.DataFrame([(f"c{i}", t) for i in range(6) for t in range(3)], columns=["r", "t"])
    for col in XS:
        df[col] = rng.normal(size=len(df))
    df["y"] = df["x0"] + rng.normal(size=len(df))
    df["flat"] = 5.0
    df["by_region"] = df["r"].str[1:].astype(float)  # constant within each region
    df["bad"] = df["x1"]
    df.loc[3, "bad"] = np.inf  # region c1, period 0
    return SpatialPanel(df, geo, id="r", time="t"), w


def _entries(panel, w, y, x):
    return {
        "sar": lambda: SpatialPanelModel(panel, y, x, w, kind="sar").fit(),
        "sem-unit": lambda: SpatialPanelModel(panel, y, x, w, kind="sem", fixed_effects="unit").fit(),
        "slx-twoway": lambda: SpatialPanelModel(panel, y, x, w, kind="slx", fixed_effects="twoway").fit(),
        "sdm-random": lambda: SpatialPanelModel(panel, y, x, w, kind="sdm", fixed_effects="random").fit(),
        "cross-section": lambda: SpatialCrossSectionModel(panel, y, x, w, period=0, kind="sdm").fit(),
        "lm_tests": lambda: lm_tests(panel, y, x, w, fixed_effects="unit"),
        "lr_fixed_effects": lambda: lr_fixed_effects(panel, y, x),
        "hausman": lambda: hausman(panel, y, x, w),
        "sac": lambda: SpatialPanelModel(panel, y, x, w, kind="sac", fixed_effects="unit").fit(),
        "spreg-engine": lambda: SpatialPanelModel(
            panel, y, x, w, kind="sar", fixed_effects="unit", engine="spreg"
        ).fit(),
    }


ENTRIES = [
    "sar",
    "sem-unit",
    "slx-twoway",
    "sdm-random",
    "cross-section",
    "lm_tests",
    "lr_fixed_effects",
    "hausman",
    "sac",
    "spreg-engine",
]


@pytest.mark.parametrize("entry", ENTRIES)
def test_infinite_regressor_names_the_cell(setup, entry) -> None:
    with pytest.raises(PanelError, match=r"'bad' is infinite at \(region, period\): \('c1', 0\)"):
        _entries(*setup, "y", ["x0", "bad"])[entry]()


@pytest.mark.parametrize("entry", ENTRIES)
def test_constant_dependent_variable_is_named(setup, entry) -> None:
    with pytest.raises(ModelError, match=r"dependent variable 'flat' is constant \(5 everywhere\)"):
        _entries(*setup, "flat", ["x0"])[entry]()


@pytest.mark.parametrize("entry", ["sem-unit", "slx-twoway", "lm_tests"])
def test_dependent_variable_absorbed_by_the_fixed_effects(setup, entry) -> None:
    with pytest.raises(ModelError, match="'by_region' is constant (within every region|once region)"):
        _entries(*setup, "by_region", ["x0"])[entry]()


def test_more_regressors_than_observations_says_so(setup) -> None:
    panel, w = setup
    one = panel.subset(periods=[0])
    for call in (
        lambda: SpatialPanelModel(one, "y", XS, w, kind="sar").fit(),  # 9 coefficients
        lambda: SpatialCrossSectionModel(panel, "y", XS, w, period=0, kind="sdm").fit(),  # 17
        lambda: lm_tests(one, "y", XS, w),
    ):
        with pytest.raises(
            ModelError, match=r"more regressors than observations: \d+ coefficients .* only 6 obs"
        ):
            call()
    # unit effects use 6 of the 18 observations; 8 x and 8 W*x leave none
    with pytest.raises(ModelError, match=r"16 coefficients .* 18 observations .* unit fixed effects use 6"):
        SpatialPanelModel(panel, "y", XS, w, kind="sdm", fixed_effects="unit").fit()
