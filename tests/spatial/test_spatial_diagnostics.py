"""LM SARMA beside the LM lag/error tests, and Moran's I of model residuals per period.

Provenance: spreg 1.9's cross-section ``LMtests`` (``sarma``) run in the test at T = 1; Moran's I written
out as ``n/S0 e'We / e'e`` (Moran 1950) on the period's residuals.
"""

from __future__ import annotations

import numpy as np
import pytest
import spreg
from libpysal.weights import W

import spillover
from spillover.spatial import lm_tests
from spillover.spatial.model import SpatialPanelModel

X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


@pytest.mark.parametrize("year", [1970, 1986])
def test_lm_sarma_equals_spreg_cross_section(us_panel, us_w, year):
    one = us_panel.subset(periods=[year])
    res = lm_tests(one, "ln_gsp", X, us_w)
    wmat = spillover.weights.to_sparse(us_w, one.ids)
    ols = spreg.OLS(one.stacked("ln_gsp")[:, None], np.column_stack([one.stacked(v) for v in X]))
    ref = spreg.diagnostics_sp.LMtests(ols, W.from_sparse(wmat), tests=["all"])
    # same closed form by another route: rounding only, 1e-6 relative as for the other LM tests
    assert res.lm_sarma.statistic == pytest.approx(ref.sarma[0], rel=1e-6)
    assert res.lm_sarma.df == 2
    assert res.lm_sarma.statistic == pytest.approx(
        res.lm_error.statistic + res.robust_lm_lag.statistic, rel=1e-9
    )  # the other decomposition
    assert "LM SARMA" in res.to_frame().index


def test_residual_moran_per_period(us_panel, us_w):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="unit").fit()
    table = res.residual_moran()
    assert list(table.index) == list(us_panel.periods)
    wd = spillover.weights.to_sparse(us_w, us_panel.ids).toarray()
    e = res._core.resid.reshape(us_panel.n_periods, us_panel.n_regions)[3]
    z = e - e.mean()
    expected = len(z) / wd.sum() * (z @ wd @ z) / (z @ z)
    assert table["I"].iloc[3] == pytest.approx(expected, rel=1e-10)
    assert table["E[I]"].iloc[0] == pytest.approx(-1 / (us_panel.n_regions - 1), rel=1e-12)
    # the non-spatial model leaves spatial dependence in its residuals; the SEM removes most of it
    slx = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="slx", fixed_effects="unit").fit()
    sem = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sem", fixed_effects="unit").fit()
    assert slx.residual_moran()["I"].mean() > sem.residual_moran()["I"].mean()
