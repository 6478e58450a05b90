"""Mediation: Baron-Kenny steps, Sobel/Aroian, the cluster bootstrap with new region ids, moderated mediation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.panel_models import fixed_effects, mediation, moderated_mediation
from spillover.panel_models._bootstrap import _Transformer, bc_ci, percentile_ci
from spillover.panel_models._data import prepare
from spillover.panel_models._within import Absorber
from spillover.tables import compare

KW = {"x": "ln_pcap", "mediator": "ln_emp", "y": "ln_gsp", "controls": ["unemp"]}


@pytest.fixture(scope="module")
def med(us_panel):
    return mediation(us_panel, **KW, draws=99, seed=7, progress=False)


def test_steps_are_the_fixed_effects_regressions(us_panel, med):
    a = fixed_effects(us_panel, "ln_emp", ["ln_pcap", "unemp"])
    b = fixed_effects(us_panel, "ln_gsp", ["ln_pcap", "ln_emp", "unemp"])
    c = fixed_effects(us_panel, "ln_gsp", ["ln_pcap", "unemp"])
    assert med.a == pytest.approx(a.params["ln_pcap"], rel=1e-12)
    assert med.b == pytest.approx(b.params["ln_emp"], rel=1e-12)
    assert med.c == pytest.approx(c.params["ln_pcap"], rel=1e-12)
    assert med.c_prime == pytest.approx(b.params["ln_pcap"], rel=1e-12)
    sa, sb = a.std_errors["ln_pcap"], b.std_errors["ln_emp"]
    sobel = np.sqrt(med.b**2 * sa**2 + med.a**2 * sb**2)  # Sobel (1982) delta method, by hand
    assert med.tests.loc["Sobel", "std_error"] == pytest.approx(sobel, rel=1e-12)
    aroian = np.sqrt(sobel**2 + sa**2 * sb**2)
    assert med.tests.loc["Aroian", "std_error"] == pytest.approx(aroian, rel=1e-12)


def _resampled_panel(panel: SpatialPanel, picks: np.ndarray) -> SpatialPanel:
    """The resample built the slow way: copies of the drawn regions, each with a new id (idcluster)."""
    data = panel.data.reset_index()
    parts = []
    for new, r in enumerate(picks):
        block = data[data["state"] == panel.ids[r]].copy()
        block["state"] = f"draw{new}"
        parts.append(block)
    rows = pd.concat(parts)
    geo = gpd.GeoDataFrame(
        {"state": [f"draw{i}" for i in range(len(picks))]},
        geometry=[box(i, 0, i + 1, 1) for i in range(len(picks))],
    )
    return SpatialPanel(rows, geo, id="state", time="year")


def test_bootstrap_draws_equal_the_engine_on_resamples_with_new_ids(us_panel, med):
    # the documented scheme: draw k picks its regions with default_rng(child k of SeedSequence(seed))
    children = np.random.SeedSequence(7).spawn(99)
    picks = [np.random.default_rng(child).integers(0, 48, size=48) for child in children]
    for d in (0, 1, 50):
        boot = _resampled_panel(us_panel, picks[d])
        a = fixed_effects(boot, "ln_emp", ["ln_pcap", "unemp"]).params["ln_pcap"]
        b = fixed_effects(boot, "ln_gsp", ["ln_pcap", "ln_emp", "unemp"]).params["ln_emp"]
        # pyfixest on the explicit resample vs the numpy within transform in the loop: round-off only
        assert med.draws[d] == pytest.approx(a * b, rel=1e-8)


def test_fast_and_general_within_paths_agree(us_panel):
    cols = ["ln_gsp", "ln_emp", "ln_pcap"]
    sample = prepare(us_panel, cols, fixed_effects="twoway", cluster="unit")
    fast = _Transformer(sample, sample.matrix(cols))
    assert fast.fast
    picks = np.random.default_rng(0).integers(0, 48, 48)
    slow = object.__new__(_Transformer)
    slow.sample, slow.raw, slow.fast = sample, sample.matrix(cols), False
    got, ref = fast(picks), slow(picks)
    order_fast = np.lexsort((np.tile(np.arange(17), 48), np.repeat(np.arange(48), 17)))
    np.testing.assert_allclose(got[order_fast], ref, atol=1e-12)
    assert Absorber((np.repeat(np.arange(48), 17), np.tile(np.arange(17), 48))).balanced


def test_seeded_draws_are_identical_and_intervals_cover_the_estimate(us_panel, med):
    again = mediation(us_panel, **KW, draws=99, seed=7, progress=False)
    np.testing.assert_array_equal(med.draws, again.draws)
    other = mediation(us_panel, **KW, draws=99, seed=8, progress=False)
    assert not np.array_equal(med.draws, other.draws)
    lo, hi = med.ci["percentile"]
    assert lo < hi and med.draws.flags.writeable is False
    assert set(med.to_frame().index) == {"a", "b", "c (total)", "c' (direct)", "a*b (indirect)"}


def test_interval_formulas():
    draws = np.arange(1.0, 1002.0)  # 1..1001, median 501
    assert percentile_ci(draws, 0.9) == pytest.approx((np.quantile(draws, 0.05), np.quantile(draws, 0.95)))
    # z0 = 0 when half the draws lie below the estimate: BC reduces to the percentile interval
    assert bc_ci(draws, 501.0, 0.9) == pytest.approx(percentile_ci(draws, 0.9))
    # estimate above most draws: BC interval shifts up
    assert bc_ci(draws, 700.0, 0.9)[0] > percentile_ci(draws, 0.9)[0]


def test_progress_callback_and_table(us_panel, med):
    seen = []
    mediation(us_panel, **KW, draws=20, seed=1, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (20, 20)
    frame = compare([*med.steps(), med], ["Total", "a-path", "b-path", "Mediation"]).to_frame()
    labels = list(frame.index)
    assert frame.iloc[labels.index("Dependent variable")].tolist() == ["ln_gsp", "ln_emp", "ln_gsp", "ln_gsp"]
    assert frame.iloc[labels.index("BC 95% CI of a*b")]["Mediation"].startswith("[")


def test_missing_mediator_names_the_rows(us_panel):
    data = us_panel.data[["ln_emp"]].rename(columns={"ln_emp": "m"})
    data.loc[("Ohio", 1980), "m"] = np.nan
    panel = us_panel.with_data(data)
    with pytest.raises(
        ModelError,
        match=r"mediator 'm' has 1 missing value\(s\) at \(region, period\) "
        r"\('Ohio', 1980\)",
    ):
        mediation(panel, "ln_pcap", "m", "ln_gsp", draws=10, progress=False)
    with pytest.raises(ModelError, match="both as x and as mediator"):
        mediation(us_panel, "ln_emp", "ln_emp", "ln_gsp", draws=10, progress=False)


def test_moderated_mediation_index_and_conditional_effects(us_panel):
    kw = {"controls": ["unemp"], "draws": 49, "seed": 3, "progress": False}
    res = moderated_mediation(us_panel, "ln_pcap", "ln_emp", "ln_gsp", "ln_pc", path="a", center=True, **kw)
    pm, py = res.mediator_model.params, res.outcome_model.params
    w = us_panel.data["ln_pc"]
    assert res.index["estimate"] == pytest.approx(pm["x*w"] * py["ln_emp"], rel=1e-12)
    mean_row = res.conditional.iloc[1]
    assert mean_row["value"] == pytest.approx(w.mean())
    # at the mean of a centred moderator the conditional effect is a1 * b1
    assert mean_row["estimate"] == pytest.approx(pm["ln_pcap"] * py["ln_emp"], rel=1e-10)
    both = moderated_mediation(
        us_panel, "ln_pcap", "ln_emp", "ln_gsp", "ln_pc", path="both", values=[10.0], **kw
    )
    pm, py = both.mediator_model.params, both.outcome_model.params
    theta = (pm["ln_pcap"] + pm["x*w"] * 10) * (py["ln_emp"] + py["m*w"] * 10)
    assert both.conditional["estimate"].iloc[0] == pytest.approx(theta, rel=1e-10) and both.index is None
    with pytest.raises(ModelError, match="moderator 'size' is not in the panel"):
        moderated_mediation(us_panel, "ln_pcap", "ln_emp", "ln_gsp", "size", **kw)
