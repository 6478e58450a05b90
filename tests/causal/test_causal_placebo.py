"""Placebo inference: reproducible with the seed, large p-values without an effect, the smallest possible
p-value with a strong one, the p-value recomputed from the stored distribution; and the two figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from causal_sim import (
    sim_fixture,  # noqa: F401 - the module-scoped fixture "sim"
    simulate,
)

import spillover as so
from spillover.causal import PlaceboResult, event_study, placebo, spatial_did
from spillover.errors import ModelError
from spillover.summary import Summary


@pytest.fixture(scope="module")
def did(sim):
    panel, w, _ = sim
    return spatial_did(panel, "y", "treat", w=w)


def test_reproducible_with_seed(did):
    a = placebo(did, draws=8, seed=11)
    b = placebo(did, draws=8, seed=11)
    c = placebo(did, draws=8, seed=12)
    assert a.distribution.equals(b.distribution) and a.pvalues.equals(b.pvalues)
    assert not a.distribution.equals(c.distribution)
    # SeedSequence spawning: draw k does not depend on how many draws follow it
    np.testing.assert_array_equal(placebo(did, draws=4, seed=11).distribution, a.distribution.iloc[:4])


def test_strong_effect_gives_the_smallest_p_value(did):
    res = placebo(did, draws=9, seed=0)
    assert isinstance(res, PlaceboResult)
    assert res.pvalues["treat"] == pytest.approx(1 / 10)  # no placebo reaches 1.0: (1 + 0) / (1 + 9)
    # the p-value from the stored distribution, counted here
    dist, est = res.distribution, res.estimate
    for term in est.index:
        count = sum(abs(v) >= abs(est[term]) for v in dist[term])
        assert res.pvalues[term] == pytest.approx((1 + count) / (1 + len(dist)))
    frame = res.to_frame()
    assert list(frame.columns) == ["estimate", "placebo_mean", "placebo_std", "p_sim", "draws"]
    assert isinstance(res.summary(), Summary)


@pytest.mark.slow
def test_no_effect_gives_large_p_value():
    panel, w, _ = simulate(direct=0.0, spillover=0.0, seed=5)
    res = placebo(spatial_did(panel, "y", "treat", w=w), draws=40, seed=1)
    assert res.pvalues["treat"] > 0.1
    ev = placebo(event_study(panel, "y", "g", method="twfe"), draws=40, seed=1, scheme="regions_and_timing")
    assert ev.pvalues["att"] > 0.1


def test_event_study_placebo_and_schemes(sim):
    panel, _, _ = sim
    res = placebo(event_study(panel, "y", "g", method="twfe"), draws=5, seed=3, scheme="regions_and_timing")
    assert list(res.estimate.index) == ["att"] and res.distribution.shape == (5, 1)
    assert res.scheme == "regions_and_timing"


def test_bad_inputs(sim, did):
    panel, w, _ = sim
    with pytest.raises(ModelError, match="draws"):
        placebo(did, draws=1)
    with pytest.raises(ModelError, match="scheme"):
        placebo(did, draws=5, scheme="time")
    with pytest.raises(ModelError, match="spatial_did or event_study"):
        placebo(did.model, draws=5)
    on_off = panel.data["treat"].copy()
    on_off.loc[on_off.index[(on_off == 1).to_numpy()][-1]] = 0  # one treated region-period switches off
    p2 = panel.with_data(on_off.rename("treat2"))
    with pytest.raises(ModelError, match="absorbing"):
        placebo(spatial_did(p2, "y", "treat2", w=w), draws=3, scheme="regions_and_timing")


def test_figures(sim, did):
    panel, _, _ = sim
    ev = event_study(panel, "y", "g", method="sun_abraham")
    fig = so.maps.event_study_plot(ev)
    ax = fig.axes[0]
    assert "pre-trends" in ax.get_title()
    assert next(t.get_text() for t in ax.get_xticklabels()) == "<=-4"
    fig2 = so.maps.placebo_plot(placebo(did, draws=5, seed=0))
    assert "permutation p" in fig2.axes[0].get_title()
    with pytest.raises(so.errors.SpilloverError, match="term"):
        so.maps.placebo_plot(placebo(did, draws=3, seed=0), term="nope")
    with pytest.raises(so.errors.SpilloverError, match="event_study result"):
        so.maps.event_study_plot(did)
