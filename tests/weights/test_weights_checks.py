"""Weights that are not weights are refused (or accepted explicitly) at the one alignment gate.

``weights.align`` / ``to_sparse`` are what Moran's I, the LM tests and every model call, so one test per
entry point proves the gate is shared: negative weights are an error unless accepted with
``allow_negative=True``; regions without neighbours warn (or raise, or are accepted with
``islands="keep"``); a missing or infinite weight names its cell; economic weights with all means equal
say so.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from spillover import esda
from spillover.errors import IslandWarning, WeightsError
from spillover.panel import SpatialPanel
from spillover.spatial.lmtests import lm_tests
from spillover.spatial.model import SpatialPanelModel
from spillover.weights import align, contiguity, economic, to_sparse

IDS = [f"r{i}" for i in range(6)]


@pytest.fixture(scope="module")
def panel() -> SpatialPanel:
    geo = gpd.GeoDataFrame({"r": IDS}, geometry=[box(i, 0, i + 1, 1) for i in range(6)], crs="EPSG:4326")
    rng = np.random.default_rng(0)
    df = pd.DataFrame([(r, t) for r in IDS for t in range(4)], columns=["r", "t"])
    df["x"] = rng.normal(size=len(df))
    df["y"] = df["x"] + rng.normal(size=len(df))
    return SpatialPanel(df, geo, id="r", time="t")


def _chain(negative: bool = False, island: bool = False) -> pd.DataFrame:
    """Binary chain r0-r1-...-r5; optionally one weight -0.5, or r5 cut off."""
    mat = np.zeros((6, 6))
    last = 4 if island else 5
    for i in range(last):
        mat[i, i + 1] = mat[i + 1, i] = 1.0
    if negative:
        mat[2, 3] = -0.5
    return pd.DataFrame(mat, index=IDS, columns=IDS)


def _entry_points(panel: SpatialPanel):
    return {
        "moran": lambda w: esda.moran_by_period(panel, "y", w, permutations=0, transform="r"),
        "local_moran": lambda w: esda.local_moran(panel, "y", w, period=0, permutations=9, transform="r"),
        "lm_tests": lambda w: lm_tests(panel, "y", ["x"], w, fixed_effects="unit"),
        "sar": lambda w: SpatialPanelModel(panel, "y", ["x"], w, kind="sar", fixed_effects="unit").fit(),
        "sdm": lambda w: SpatialPanelModel(panel, "y", ["x"], w, kind="sdm", fixed_effects="none").fit(),
    }


@pytest.mark.parametrize("entry", ["moran", "local_moran", "lm_tests", "sar", "sdm"])
def test_negative_weights_are_refused_naming_the_cell(panel, entry) -> None:
    with pytest.raises(WeightsError, match=r"negative in 1 cell.*\('r2', 'r3'\) = -0\.5"):
        _entry_points(panel)[entry](_chain(negative=True))


@pytest.mark.parametrize("entry", ["moran", "lm_tests", "sar"])
def test_negative_weights_accepted_when_asked(panel, entry) -> None:
    w = align(_chain(negative=True), panel, allow_negative=True)
    _entry_points(panel)[entry](w)  # no error: the Graph remembers the user's choice
    assert to_sparse(w, IDS).min() == pytest.approx(-0.5)


@pytest.mark.parametrize("entry", ["moran", "local_moran", "lm_tests", "sar", "sdm"])
def test_islands_warn_by_default_at_every_entry_point(panel, entry) -> None:
    with pytest.warns(IslandWarning, match=r"1 region\(s\) have no neighbours.*'r5'"):
        _entry_points(panel)[entry](_chain(island=True))


def test_islands_policy_raise_and_keep(panel) -> None:
    w = _chain(island=True)
    with pytest.raises(WeightsError, match=r"no neighbours.*'r5'"):
        align(w, panel, islands="raise")
    kept = align(w, panel, islands="keep")
    with warnings.catch_warnings():
        warnings.simplefilter("error", IslandWarning)  # accepted once, silent afterwards
        _entry_points(panel)["sar"](kept)
        _entry_points(panel)["moran"](kept)
    with pytest.raises(WeightsError, match="'islands' needs to be one of"):
        align(w, panel, islands="drop")


def test_islands_kept_by_the_builder_do_not_warn_again(panel) -> None:
    geo = panel.geometry
    geo.loc["r5", "geometry"] = box(20, 20, 21, 21)
    with pytest.warns(IslandWarning):
        w = contiguity(geo, islands="keep", transform="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error", IslandWarning)
        to_sparse(w, IDS)


def test_nan_and_inf_weights_name_the_cell() -> None:
    frame = _chain()
    frame.loc["r1", "r2"] = np.nan
    with pytest.raises(WeightsError, match=r"\('r1', 'r2'\) = nan"):
        to_sparse(frame, IDS)
    g = Graph.from_dicts({"a": ["b"], "b": ["a"]}, {"a": [np.inf], "b": [1.0]})
    with pytest.raises(WeightsError, match=r"infinite in 1 cell.*\('a', 'b'\) = inf"):
        align(g, ["a", "b"])


def test_economic_weights_with_all_means_equal_say_so() -> None:
    for ties in ("raise", "drop"):
        with pytest.raises(WeightsError, match="every region has the same mean"):
            economic(pd.Series(2.5, index=list("abcd")), ties=ties)
