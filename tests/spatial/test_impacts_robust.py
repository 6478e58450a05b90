"""Simulated impacts inference that a few draws with rho near 1 cannot dominate.

With rho's sampling distribution reaching 1, the SDM's indirect and total effects ``(beta + theta)/(1 - rho)``
have no finite variance: the standard deviation of the draws is driven by a handful of them.  The impacts
table adds the 2.5/97.5 % quantiles, the IQR/1.349 spread and the simulation p-value, and the summary's
stars follow the quantile intervals.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from spillover.panel import SpatialPanel
from spillover.spatial.impacts import _parameter_draws
from spillover.spatial.model import SpatialPanelModel
from spillover.summary import COLUMNS

DRAWS = 1000


@pytest.fixture(scope="module")
def fragile():
    """A 4 x 4 lattice, T = 2, SDM with rho = 0.8 (estimate 0.748, se 0.097): draws of rho reach 1."""
    geo = gpd.GeoDataFrame(
        {"r": [f"c{i}" for i in range(16)]},
        geometry=[box(i % 4, i // 4, i % 4 + 1, i // 4 + 1) for i in range(16)],
    )
    w = Graph.build_contiguity(geo.set_index("r"), rook=True).transform("r")
    wd = w.sparse.toarray()
    rng = np.random.default_rng(3)
    a = np.linalg.inv(np.eye(16) - 0.8 * wd)
    rows = []
    for t in range(2):
        x = rng.normal(size=16)
        y = a @ (x + 0.5 * wd @ x + rng.normal(size=16))
        rows += [(f"c{i}", t, y[i], x[i]) for i in range(16)]
    panel = SpatialPanel(pd.DataFrame(rows, columns=["r", "t", "y", "x"]), geo, id="r", time="t")
    return SpatialPanelModel(panel, "y", ["x"], w, kind="sdm", fixed_effects="none").fit(), wd


def _dense_draws(res, wd: np.ndarray) -> dict[str, np.ndarray]:
    """Direct/indirect/total of x for every parameter draw, from the dense S = (I - rho W)^-1 (b I + th W)."""
    par = _parameter_draws(res, DRAWS, 0)
    out = {"direct": [], "total": []}
    for rho, b, th in par[["rho", "x", "W*x"]].to_numpy():
        s = np.linalg.solve(np.eye(16) - rho * wd, b * np.eye(16) + th * wd)
        out["direct"].append(np.trace(s) / 16)
        out["total"].append(s.sum() / 16)
    d, t = np.array(out["direct"]), np.array(out["total"])
    return {"direct": d, "indirect": t - d, "total": t}


def test_robust_columns_equal_the_draws_summaries(fragile) -> None:
    res, wd = fragile
    imp = res.impacts(draws=DRAWS, seed=0)
    assert list(imp.columns) == [*COLUMNS, "p_sim", "std_error_robust"]  # issue 20: one column scheme
    for eff, sims in _dense_draws(res, wd).items():
        row = imp.loc[(eff, "x")]
        q = np.quantile(sims, [0.025, 0.25, 0.75, 0.975])
        # eigenvalue moments vs dense solves of the same draws: equal to rounding
        assert row["std_error"] == pytest.approx(sims.std(ddof=1), rel=1e-8)
        assert row["ci_lower"] == pytest.approx(q[0], rel=1e-8)
        assert row["ci_upper"] == pytest.approx(q[3], rel=1e-8)
        assert row["std_error_robust"] == pytest.approx((q[2] - q[1]) / 1.3489795, rel=1e-6)  # IQR of N(0,1)
        share = min((sims < 0).mean(), (sims > 0).mean())
        assert row["p_sim"] == pytest.approx(2 * share, abs=1e-12)


def test_a_few_draws_near_rho_one_do_not_decide_significance(fragile) -> None:
    res, _ = fragile
    imp = res.impacts(draws=DRAWS, seed=0)
    ind = imp.loc[("indirect", "x")]
    # the SD is several times the robust spread: a few draws with rho near 1 dominate it ...
    assert ind["std_error"] > 3 * ind["std_error_robust"]
    assert ind["p_value"] > 0.1
    # ... while every draw of the indirect effect is positive: the quantile interval excludes 0
    assert ind["ci_lower"] > 0 and ind["p_sim"] < 0.01
    cells = res.summary(draws=DRAWS, seed=0).to_frame()
    assert cells.loc["x", "Indirect"].endswith("***")
    assert "quantile intervals" in res.summary(draws=DRAWS, seed=0).notes


def test_no_draws_gives_nan_summaries(fragile) -> None:
    imp = fragile[0].impacts(draws=0)
    assert imp[["std_error", "ci_lower", "ci_upper", "std_error_robust", "p_sim"]].isna().all().all()
