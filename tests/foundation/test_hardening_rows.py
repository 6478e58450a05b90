"""Issue 19, class 3: one place decides which rows a model uses.  An infinite cell is an error naming the
region and period in every model family (pyfixest used to drop the row while the result said "no rows
dropped"); a missing cell is dropped and reported, and nobs counts the rows actually used."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from spillover import esda
from spillover.errors import PanelError, SpilloverError
from spillover.panel import SpatialPanel
from spillover.panel_models import fe_iv, fixed_effects, heterogeneity, mediation
from spillover.panel_models._data import check_backend_rows
from spillover.spatial.lmtests import lm_tests
from spillover.spatial.model import SpatialPanelModel

N, T = 20, 10


def _panel(bad: float) -> tuple[SpatialPanel, Graph]:
    rng = np.random.default_rng(7)
    geo = gpd.GeoDataFrame(
        {"r": [f"c{i}" for i in range(N)]},
        geometry=[box(i % 5, i // 5, i % 5 + 1, i // 5 + 1) for i in range(N)],
    )
    df = pd.DataFrame([(f"c{i}", 2000 + t) for i in range(N) for t in range(T)], columns=["r", "t"])
    for col in ["x", "z", "m"]:
        df[col] = rng.normal(size=len(df))
    df["y"] = df.x + df.m + rng.normal(size=len(df))
    df["g"] = np.where(df.r.str[1:].astype(int) < 10, "a", "b")
    df.loc[(df.r == "c3") & (df.t == 2004), "x"] = bad
    w = Graph.build_contiguity(geo.set_index("r"), rook=True).transform("r")
    return SpatialPanel(df, geo, id="r", time="t"), w


FAMILIES = {
    "fixed_effects": lambda p, w: fixed_effects(p, "y", ["x", "z"], cluster=None),
    "pooled": lambda p, w: fixed_effects(p, "y", ["x", "z"], fixed_effects="none", cluster=None),
    "fe_iv": lambda p, w: fe_iv(p, "y", exog=["z"], endog="m", instruments="x", cluster=None),
    "mediation": lambda p, w: mediation(p, x="x", mediator="m", y="y", cluster=None, draws=9, progress=False),
    "heterogeneity": lambda p, w: heterogeneity(
        p, "y", ["x", "z"], by="g", cluster=None, permutations=0, progress=False
    ),
    "spatial": lambda p, w: SpatialPanelModel(p, "y", ["x", "z"], w, kind="sar").fit(),
    "lm_tests": lambda p, w: lm_tests(p, "y", ["x", "z"], w),
    "moran": lambda p, w: esda.moran_by_period(p, "x", w, permutations=0),
}


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_an_infinite_cell_is_an_error_naming_region_and_period(family, sign):
    panel, w = _panel(sign * np.inf)
    with pytest.raises(SpilloverError, match=r"'x' is infinite at \(region, period\): \('c3', 2004\)"):
        FAMILIES[family](panel, w)


def test_a_missing_cell_is_dropped_and_reported_and_nobs_counts_the_rows_used():
    panel, _ = _panel(np.nan)
    res = fixed_effects(panel, "y", ["x", "z"])
    assert res.nobs == N * T - 1 and res.dropped.n == 1  # hand count: one cell set to NaN
    assert res.dropped.cells.tolist() == [("c3", 2004)]
    assert "1 of 200 rows dropped" in str(res.summary())
    # the same numbers as the fit on the panel without that row (hand-built complete-case sample)
    data = panel.data.drop(index=("c3", 2004))
    import pyfixest as pf

    fit = pf.feols("y ~ x + z | r + t", data=data.reset_index(), vcov={"CRV1": "r"})
    assert int(fit._N) == res.nobs
    np.testing.assert_allclose(res.params[["x", "z"]], fit.coef()[["x", "z"]], rtol=1e-10)


def test_a_backend_that_drops_rows_is_an_internal_error():
    check_backend_rows(200, 200, "pyfixest")
    with pytest.raises(RuntimeError, match="internal error: pyfixest estimated on 199 rows but was given"):
        check_backend_rows(199, 200, "pyfixest")
    assert not issubclass(RuntimeError, SpilloverError)  # the CLI reports it as an internal error (exit 1)


def test_the_panel_itself_names_infinite_cells():
    panel, _ = _panel(np.inf)
    with pytest.raises(PanelError, match=r"'x' is infinite at \(region, period\): \('c3', 2004\)"):
        panel.matrix("x")
