"""The direct approach's small-N bias with time effects is said out loud (SmallSampleBiasWarning).

Provenance: the reference for the warning is the same model fitted with ``bias_correction="lee-yu"``
(Lee and Yu 2010), run in the test; the warning must fire exactly when the two estimates differ by more than
``SMALL_N_GAP`` standard errors.
"""

from __future__ import annotations

import warnings

import pytest

from spillover.errors import SmallSampleBiasWarning
from spillover.spatial import model as sm
from spillover.spatial.model import SpatialPanelModel

X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


@pytest.mark.parametrize(
    ("kind", "fe"), [("sdm", "twoway"), ("sem", "time"), ("sar", "twoway"), ("sar", "unit")]
)
def test_warning_fires_exactly_when_lee_yu_differs(us_panel, us_w, kind, fe):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        direct = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind=kind, fixed_effects=fe).fit()
    fired = [w for w in caught if issubclass(w.category, SmallSampleBiasWarning)]
    name = "lambda" if kind == "sem" else "rho"
    if fe == "unit":  # no time effects: no O(1/N) bias of the spatial parameter, nothing to say
        assert not fired
        return
    ly = SpatialPanelModel(
        us_panel, "ln_gsp", X, us_w, kind=kind, fixed_effects=fe, bias_correction="lee-yu"
    ).fit()
    gap = (direct.params[name] - ly.params[name]) / direct.std_errors[name]
    assert bool(fired) == (abs(gap) > sm.SMALL_N_GAP)
    if fired:
        assert "bias_correction='lee-yu'" in str(fired[0].message)
        assert f"{ly.params[name]:.4f}" in str(fired[0].message)


def test_summary_states_the_approach(us_panel, us_w):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleBiasWarning)
        direct = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="twoway").fit()
    ly = SpatialPanelModel(
        us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()
    assert "(direct approach)" in direct.summary().title
    assert "(Lee-Yu transformation approach)" in ly.summary().title
