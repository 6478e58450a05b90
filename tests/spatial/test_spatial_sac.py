"""SAC (SARAR) and GNS panels: exact ML checked against a brute-force dense likelihood; identification.

Provenance: the reference is the full Gaussian log-likelihood written out below with dense NT x NT
matrices, explicit fixed-effect dummies and ``numpy.linalg.slogdet`` (no within transformation, no
eigenvalues, no cross-product tricks): the estimator's log-likelihood and coefficients must equal it at the
estimates (1e-8: both are exact formulas in double precision) and the estimates must be its maximum
(every neighbour of (rho, lambda) on a 1e-4 grid has a lower value).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from spillover.errors import IdentificationWarning, ModelError, WeightsError
from spillover.panel import SpatialPanel
from spillover.spatial import _sac
from spillover.spatial.model import SpatialPanelModel

N_SIDE, T = 6, 5


def _lattice() -> tuple[gpd.GeoDataFrame, Graph, Graph]:
    n = N_SIDE * N_SIDE
    geo = gpd.GeoDataFrame(
        {"r": [f"c{i}" for i in range(n)]},
        geometry=[box(i % N_SIDE, i // N_SIDE, i % N_SIDE + 1, i // N_SIDE + 1) for i in range(n)],
    ).set_index("r")
    rook = Graph.build_contiguity(geo, rook=True).transform("r")
    queen = Graph.build_contiguity(geo, rook=False).transform("r")
    return geo, rook, queen


@pytest.fixture(scope="module")
def sim():
    """A two-way SAC panel: y = (I - 0.4 W)^-1 (X b + mu + alpha_t + (I - 0.5 M)^-1 e), W rook, M queen."""
    geo, rook, queen = _lattice()
    n = len(geo)
    wd, md = rook.sparse.toarray(), queen.sparse.toarray()
    rng = np.random.default_rng(7)
    mu = rng.normal(size=n)
    rows = []
    for s in range(T):
        x = rng.normal(size=(n, 2))
        u = np.linalg.solve(np.eye(n) - 0.5 * md, rng.normal(size=n))
        y = np.linalg.solve(np.eye(n) - 0.4 * wd, x @ [1.0, -0.5] + mu + rng.normal() + u)
        rows += [(geo.index[j], s, y[j], x[j, 0], x[j, 1]) for j in range(n)]
    df = pd.DataFrame(rows, columns=["r", "t", "y", "x1", "x2"])
    panel = SpatialPanel(df, geo.reset_index(), id="r", time="t")
    return panel, rook, queen


def brute_loglik(panel, wg, mg, rho, lam, fe, durbin=False):
    """Full log-likelihood with the fixed effects as dummies, GLS-profiled beta, dense NT x NT algebra."""
    n, t = panel.n_regions, panel.n_periods
    y = panel.stacked("y")
    x = np.column_stack([panel.stacked("x1"), panel.stacked("x2")])
    wbig = np.kron(np.eye(t), wg.sparse.toarray())
    mbig = np.kron(np.eye(t), mg.sparse.toarray())
    if durbin:
        x = np.column_stack([x, wbig @ x])
    dummies = [np.ones((n * t, 1))]
    if fe in ("unit", "twoway"):
        dummies.append(np.kron(np.ones((t, 1)), np.eye(n))[:, 1:])
    if fe == "twoway":
        dummies.append(np.kron(np.eye(t), np.ones((n, 1)))[:, 1:])
    z = np.column_stack([x, *dummies])
    a = np.eye(n * t) - rho * wbig
    b = np.eye(n * t) - lam * mbig
    ys, zs = b @ a @ y, b @ z
    g, *_ = np.linalg.lstsq(zs, ys, rcond=None)
    e = ys - zs @ g
    nt = n * t
    ll = -nt / 2 * (np.log(2 * np.pi * e @ e / nt) + 1) + np.linalg.slogdet(a)[1] + np.linalg.slogdet(b)[1]
    return float(ll), g[: x.shape[1]]


@pytest.mark.slow
@pytest.mark.parametrize("fe", ["none", "unit", "twoway"])
def test_sac_is_the_brute_force_optimum(sim, fe):
    panel, rook, queen = sim
    res = SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="sac", fixed_effects=fe, m=queen).fit()
    rho, lam = res.params["rho"], res.params["lambda"]
    ll, beta = brute_loglik(panel, rook, queen, rho, lam, fe)
    assert res.loglik == pytest.approx(ll, abs=1e-8)
    np.testing.assert_allclose(res.params[["x1", "x2"]], beta, atol=1e-8)
    for dr in (-1e-4, 0.0, 1e-4):  # all eight neighbours of the estimate on a 1e-4 grid are lower
        for dl in (-1e-4, 0.0, 1e-4):
            if dr or dl:
                assert brute_loglik(panel, rook, queen, rho + dr, lam + dl, fe)[0] < ll
    if fe == "twoway":  # the data's own model (without effects the pooled SAC is misspecified)
        assert abs(res.rho - 0.4) < 3 * res.rho_se and abs(res.lam - 0.5) < 3 * res.lam_se


def test_gns_is_the_brute_force_optimum_and_warns_with_m_equal_w(sim):
    panel, rook, queen = sim
    res = SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="gns", fixed_effects="unit", m=queen).fit()
    ll, beta = brute_loglik(panel, rook, queen, res.rho, res.lam, "unit", durbin=True)
    assert res.loglik == pytest.approx(ll, abs=1e-8)
    np.testing.assert_allclose(res.params[["x1", "x2", "W*x1", "W*x2"]], beta, atol=1e-8)
    with pytest.warns(IdentificationWarning, match="weakly identified"):
        SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="gns", fixed_effects="unit").fit()


@pytest.mark.slow
def test_sac_standard_errors_match_the_brute_force_hessian(sim):
    """Observed information of the profile likelihood in (rho, lambda) from the dense formula."""
    panel, rook, queen = sim
    res = SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="sac", fixed_effects="unit", m=queen).fit()
    p0, h = np.array([res.rho, res.lam]), 1e-3
    f = lambda p: brute_loglik(panel, rook, queen, p[0], p[1], "unit")[0]  # noqa: E731
    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (f(p0 + ei + ej) - f(p0 + ei - ej) - f(p0 - ei + ej) + f(p0 - ei - ej)) / (4 * h * h)
    # the inverse Hessian of the profile likelihood is the (rho, lambda) block of the full inverse
    # information (profiling beta and sigma2 out does not change that block); the direct approach's unit
    # dummies make both the same here.  2% covers the finite-difference step.
    np.testing.assert_allclose(
        np.sqrt(np.diag(np.linalg.inv(-hess))), res.std_errors[["rho", "lambda"]], rtol=0.02
    )


def test_sac_with_m_equal_w_is_identified_through_x(sim):
    panel, rook, _ = sim
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentificationWarning)  # X beta is strong here: no warning
        res = SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="sac", fixed_effects="unit").fit()
    assert res.rho != pytest.approx(res.lam, abs=1e-3)


def test_identification_rule():
    fit = _sac.SACFit(np.zeros(1), 0.3, 0.3, 1.0, 0.1, 0.0, np.eye(3), np.zeros(3), swapped_lr=0.0)
    with pytest.raises(ModelError, match="not identified"):
        _sac.identification_check(fit, "sac")
    weak = _sac.SACFit(np.zeros(1), 0.3, 0.2, 1.0, 0.1, 0.0, np.eye(3), np.zeros(3), swapped_lr=1.2)
    with pytest.warns(IdentificationWarning, match="weakly identified"):
        _sac.identification_check(weak, "sac")
    other_m = _sac.SACFit(np.zeros(1), 0.3, 0.2, 1.0, 0.1, 0.0, np.eye(3), np.zeros(3), swapped_lr=np.nan)
    _sac.identification_check(other_m, "gns")  # M differs from W: nothing to say


def test_sac_impacts_ignore_the_error_process(sim):
    panel, rook, queen = sim
    res = SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="sac", fixed_effects="twoway", m=queen).fit()
    imp = res.impacts(draws=0)
    # row-standardised W: total = beta / (1 - rho) whatever lambda is
    assert imp.loc[("total", "x1"), "estimate"] == pytest.approx(res.params["x1"] / (1 - res.rho), rel=1e-10)


def test_sac_bad_input(sim):
    panel, rook, queen = sim
    with pytest.raises(ModelError, match="m= is the error process"):
        SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="sar", m=queen)
    binary = Graph.from_adjacency(queen.adjacency.reset_index().assign(weight=1.0))
    with pytest.raises(WeightsError, match="row-standardised M"):
        SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="sac", fixed_effects="twoway", m=binary).fit()
    with pytest.raises(ModelError, match="random effects"):
        SpatialPanelModel(panel, "y", ["x1", "x2"], rook, kind="sac", fixed_effects="random").fit()
