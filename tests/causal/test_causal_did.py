"""Spatial DiD and SDM-DiD on simulated panels with known effects (direct 1.0, spillover 0.5).

References: the simulation's truth (tests/causal/causal_sim.py), exposures recomputed here by explicit loops
with the haversine formula written out, and SpatialPanelModel called directly for the SDM-DiD.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from causal_sim import (
    sim_fixture,  # noqa: F401 - the module-scoped fixture "sim"
    simulate,
)

import spillover as so
from spillover.causal import SdmDiDResult, SpatialDiDResult, sdm_did, spatial_did
from spillover.errors import ModelError, PanelError
from spillover.summary import COLUMNS, Summary, TableResult


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance, written out (mean Earth radius 6371.0088 km, IUGG)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _rings_by_loop(panel: so.SpatialPanel, edges: list[float]) -> pd.DataFrame:
    """Ring indicators by a double loop: for each region-period the nearest other treated region."""
    geo = panel.geometry
    lon, lat = geo["lon"].tolist(), geo["lat"].tolist()
    d = panel.matrix("treat").to_numpy().tolist()
    n, periods = len(lon), range(panel.n_periods)
    dist = [[_haversine_km(lon[i], lat[i], lon[j], lat[j]) for j in range(n)] for i in range(n)]
    rows = []
    for i in range(n):
        for t in periods:
            near = math.inf
            for j in range(n):
                if j != i and d[j][t] == 1:
                    near = min(near, dist[i][j])
            row = {}
            for k in range(len(edges) - 1):
                lo, hi = edges[k], edges[k + 1]
                row[f"ring_{lo:g}_{hi:g}km"] = float((lo < near <= hi) or (k == 0 and lo <= near <= hi))
            rows.append(row)
    return pd.DataFrame(rows, index=pd.MultiIndex.from_product([panel.ids, panel.periods]))


def _covers(frame: pd.DataFrame, term: str, value: float) -> bool:
    return bool(frame.loc[term, "ci_lower"] <= value <= frame.loc[term, "ci_upper"])


def test_w_exposure_recovers_direct_and_spillover_and_naive_is_biased(sim):
    panel, w, _ = sim
    res = spatial_did(panel, "y", "treat", w=w)
    frame = res.to_frame()
    assert _covers(frame, "treat", 1.0)  # truth: direct 1.0
    assert _covers(frame, "treat_exposure", 0.5)  # truth: spillover 0.5
    # the naive TWFE absorbs the treated regions' exposure to each other: its interval misses 1.0
    assert not _covers(frame, "treat (naive TWFE)", 1.0)
    assert res.bias > 0.15
    assert res.naive_att == pytest.approx(frame.loc["treat (naive TWFE)", "estimate"])


def test_w_exposure_is_share_of_treated_nearest_neighbours(sim):
    panel, w, _ = sim
    res = spatial_did(panel, "y", "treat", w=w)
    geo, d = panel.geometry, panel.matrix("treat")
    expected = {}
    for i in panel.ids:  # the 5 nearest regions by explicit distances: the k=5 weights of the fixture
        dist = {
            j: _haversine_km(geo.loc[i, "lon"], geo.loc[i, "lat"], geo.loc[j, "lon"], geo.loc[j, "lat"])
            for j in panel.ids
            if j != i
        }
        nearest = sorted(dist, key=dist.get)[:5]
        for t in panel.periods:
            expected[(i, t)] = sum(d.loc[j, t] for j in nearest) / 5
    got = res.exposure_data()["treat_exposure"]
    np.testing.assert_allclose(got.to_numpy(), pd.Series(expected).reindex(got.index).to_numpy(), atol=1e-12)


def test_ring_exposure_equals_haversine_double_loop(sim):
    panel, _, _ = sim
    edges = [0, 60, 120]
    res = spatial_did(panel, "y", "treat", rings_km=edges, coords=("lon", "lat"))
    expected = _rings_by_loop(panel, edges)
    got = res.exposure_data()[list(expected.columns)]
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    assert res.terms == ("ring_0_60km", "ring_60_120km")
    # clean controls: untreated and outside every ring
    clean = (panel.data["treat"].to_numpy() == 0) & (expected.sum(axis=1).to_numpy() == 0)
    assert res.n_clean == int(clean.sum())


def test_rings_recover_known_ring_effects():
    panel, _, _ = simulate(spillover=0.0, seed=4)
    rings = _rings_by_loop(panel, [0, 60, 120])
    y2 = panel.data["y"] + 0.5 * rings["ring_0_60km"].to_numpy()  # truth: 0.5 in the inner ring, 0 beyond
    p2 = panel.with_data(y2.rename("y2"))
    frame = spatial_did(p2, "y2", "treat", rings_km=[0, 60, 120], coords=("lon", "lat")).to_frame()
    assert _covers(frame, "treat", 1.0)
    assert _covers(frame, "ring_0_60km", 0.5)
    assert _covers(frame, "ring_60_120km", 0.0)


def test_frame_summary_and_table_protocol(sim):
    panel, w, _ = sim
    res = spatial_did(panel, "y", "treat", w=w, controls=["x1"], level=0.9)
    frame = res.to_frame()
    assert list(frame.columns) == [*COLUMNS, "role"]
    assert frame["role"].tolist() == ["direct", "spillover", "control", "naive"]
    # the 90% interval is the panel model's own (pyfixest fit through panel_models.fixed_effects)
    ci = res.model.conf_int(0.9)
    assert frame.loc["treat", "ci_lower"] == pytest.approx(ci.loc["treat", "lower"])
    assert isinstance(res.summary(), Summary) and "naive" in str(res.summary())
    assert isinstance(res, TableResult) and "treat" in res._repr_html_()
    assert "Naive TWFE" in str(so.tables.compare([res]))


def test_result_is_read_only(sim):
    panel, w, _ = sim
    res = spatial_did(panel, "y", "treat", w=w)
    with pytest.raises(AttributeError):
        res.treat = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"treat": "y"}, ModelError, "must be 0 (untreated) or 1"),
        ({"treat": "nope"}, PanelError, "'nope'"),
        ({"y": "missing_y"}, PanelError, "'missing_y'"),
        ({"controls": ["zz"]}, PanelError, "'zz'"),
        ({"w": None}, ModelError, "either w="),
        ({"rings_km": [0, 50]}, ModelError, "either w="),
        ({"w": None, "rings_km": [50, 10]}, ModelError, "strictly increasing"),
        ({"w": None, "rings_km": [50]}, ModelError, "at least two edges"),
        ({"fixed_effects": "both"}, ModelError, "fixed_effects"),
    ],
)
def test_bad_inputs(sim, kwargs, error, words):
    panel, w, _ = sim
    args = {"y": "y", "treat": "treat", "w": w} | kwargs
    with pytest.raises(error, match=re.escape(words)):
        spatial_did(panel, args.pop("y"), args.pop("treat"), **args)


@pytest.mark.filterwarnings("ignore::spillover.errors.SmallSampleBiasWarning")
def test_sdm_did_reads_the_sdm_effects_of_the_treatment(sim):
    panel, w, _ = sim
    res = sdm_did(panel, "y", "treat", w, draws=200, seed=3)
    assert isinstance(res, SdmDiDResult)
    frame = res.to_frame()
    assert list(frame.index) == [
        "own treatment effect (direct)",
        "spillover treatment effect (indirect)",
        "total",
    ]
    # reference: the same model fitted and its impacts computed directly
    direct = so.SpatialPanelModel(panel, "y", ["treat"], w, kind="sdm", fixed_effects="twoway").fit()
    imp = direct.impacts(draws=200, seed=3).xs("treat", level="variable")
    np.testing.assert_allclose(
        frame["estimate"].to_numpy(), imp.loc[["direct", "indirect", "total"], "estimate"]
    )
    # the simulation: own effect 1.0 and W D with coefficient 0.5 (rho = 0, so indirect = theta = 0.5)
    assert frame.iloc[0]["ci_lower"] <= 1.0 <= frame.iloc[0]["ci_upper"]
    assert frame.iloc[1]["ci_lower"] <= 0.5 <= frame.iloc[1]["ci_upper"]
    assert isinstance(res.summary(), Summary) and isinstance(res, TableResult)


def test_spatial_did_is_a_result(sim):
    panel, w, _ = sim
    assert isinstance(spatial_did(panel, "y", "treat", w=w), SpatialDiDResult)
    assert so.causal.spatial_did is spatial_did
