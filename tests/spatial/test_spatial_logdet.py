"""Approximate log-determinants (``logdet="chebyshev"`` / ``"lanczos"``), Monte-Carlo traces and the
memory-lean panel algebra of the spatial models (issue #24).

References: ``np.linalg.slogdet`` of the dense ``I - rho W`` and the traces of dense matrix powers
(computed in the tests), the exact sparse-LU fit (``logdet="exact"``) for the estimates, and explicit
Kronecker products / per-unit loops for the lag and the within transformation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from spillover.errors import ModelError
from spillover.spatial import _likelihood as lk


def grid_w(side: int) -> sp.csr_matrix:
    """Row-standardised rook weights of a side x side grid."""
    n = side * side
    idx = np.arange(n).reshape(side, side)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:, 1:].ravel(), idx[:-1].ravel(), idx[1:].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[:, :-1].ravel(), idx[1:].ravel(), idx[:-1].ravel()])
    a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return (sp.diags(1.0 / np.asarray(a.sum(axis=1)).ravel()) @ a).tocsr()


def hutchinson_se(a: np.ndarray, probes: int) -> float:
    """Standard error of Hutchinson's Rademacher estimator of tr(A) with ``probes`` probes:
    var(z'Az) = 2 (||S||_F^2 - sum s_ii^2), S = (A + A')/2 (Hutchinson 1990)."""
    s = (a + a.T) / 2
    return float(np.sqrt(2 * (np.sum(s * s) - np.sum(np.diag(s) ** 2)) / probes))


@pytest.mark.parametrize("method", ["chebyshev", "lanczos"])
def test_approximate_logdet_within_its_bound(method):
    w = grid_w(20)  # 400 regions; the approximate path runs on the sparse operator whatever N
    op = lk.make_operator(w, logdet=method)
    assert op.method == "sparse" and op.logdet_method == method
    dense = w.toarray()
    for rho in (-0.6, 0.2, 0.4, 0.7, 0.85):
        ref = np.linalg.slogdet(np.eye(400) - rho * dense)[1]  # independent: dense LU
        err = abs(op.logdet(rho) - ref)
        bound = op.logdet_error(rho)
        assert 0 < bound < 0.05 * abs(ref) + 1.0
        assert err <= bound, (rho, err, bound)


def test_exact_logdet_has_no_error():
    op = lk.make_operator(grid_w(40), logdet="exact")  # 1,600 regions: sparse LU
    ref = np.linalg.slogdet(np.eye(1600) - 0.5 * grid_w(40).toarray())[1]
    assert op.logdet(0.5) == pytest.approx(ref, abs=1e-9)
    assert op.logdet_error(0.5) == 0.0


def test_auto_keeps_exact_up_to_the_limit(monkeypatch):
    w = grid_w(40)
    assert lk.make_operator(w, logdet="auto").logdet_method == "exact"
    monkeypatch.setattr(lk, "EXACT_MAX_N", 1000)  # pretend 1,600 regions is large
    assert lk.make_operator(w, logdet="auto").logdet_method == "lanczos"


@pytest.mark.parametrize("method", ["exact", "lanczos"])
def test_monte_carlo_trace_powers_within_their_error(method):
    w = grid_w(20)
    op = lk.make_operator(w, method="sparse", logdet=method)
    tr = op.trace_powers(14)  # exact up to j = 6 (sparse powers), Monte Carlo beyond
    dense = w.toarray()
    probes = lk.LOGDET_PROBES if method == "lanczos" else lk.n_probes(400)
    power = np.eye(400)
    for j in range(15):
        ref = np.trace(power)  # independent: dense matrix powers
        if j <= 6:
            assert tr[j] == pytest.approx(ref, abs=1e-8)
        else:
            assert abs(tr[j] - ref) <= 4 * hutchinson_se(power, probes) + 1e-8, j
        power = power @ dense


def test_monte_carlo_information_traces_within_their_error():
    w = grid_w(20)
    rho = 0.5
    exact = lk.make_operator(w, method="dense").traces(rho)  # dense inverse
    approx = lk.make_operator(w, method="sparse", logdet="lanczos").traces(rho)
    wd = w.toarray()
    wt = wd @ np.linalg.inv(np.eye(400) - rho * wd)
    q = wd + rho * wd @ wd + rho**2 * wd @ wd @ wd  # the control variate of tr(Wt'Wt)
    se = hutchinson_se(wt.T @ wt - q.T @ q, lk.n_probes(400))
    # tr(Wt) = sum_j rho^(j-1) tr(W^j), tr(Wt^2) = sum_j (j-1) rho^(j-2) tr(W^j): exact to j = 6, the
    # Lanczos probes' Hutchinson estimates beyond (their remainders' errors, from dense powers)
    r1, r2, power = np.zeros_like(wd), np.zeros_like(wd), np.linalg.matrix_power(wd, 7)
    for j in range(7, 60):
        r1 += rho ** (j - 1) * power
        r2 += (j - 1) * rho ** (j - 2) * power
        power = power @ wd
    assert abs(approx[0] - exact[0]) <= 4 * hutchinson_se(r1, lk.LOGDET_PROBES)
    assert abs(approx[1] - exact[1]) <= 4 * hutchinson_se(r2, lk.LOGDET_PROBES)
    assert abs(approx[2] - exact[2]) <= 4 * se


def test_iterative_solve_matches_dense():
    w = grid_w(15)
    op = lk.make_operator(w, logdet="chebyshev")
    b = np.random.default_rng(1).normal(size=(225, 3))
    ref = np.linalg.solve(np.eye(225) - 0.6 * w.toarray(), b)
    np.testing.assert_allclose(op.solve(0.6, b), ref, atol=1e-8)


def test_approximation_needs_a_real_spectrum():
    # a directed cycle: row-standardised, not similar to a symmetric matrix (complex eigenvalues)
    n = 50
    w = sp.csr_matrix((np.ones(n), (np.arange(n), (np.arange(n) + 1) % n)), shape=(n, n))
    with pytest.raises(ModelError, match="similar to a symmetric"):
        lk.make_operator(w, logdet="lanczos")
    with pytest.raises(ModelError, match="method='dense'"):
        lk.make_operator(grid_w(5), method="dense", logdet="chebyshev")


def test_lag_and_demean_match_explicit_forms():
    n, t = 9, 4
    w = grid_w(3)
    v = np.random.default_rng(2).normal(size=(n * t, 2))
    big = np.kron(np.eye(t), w.toarray())  # explicit I_T kron W
    np.testing.assert_allclose(lk.lag(w, v, n), big @ v, atol=1e-14)
    np.testing.assert_allclose(lk.lag(w, v[:, 0], n), big @ v[:, 0], atol=1e-14)
    ref = v.copy()  # two-way within transformation by explicit means (balanced panel)
    for c in range(2):
        m = v[:, c].reshape(t, n)
        ref[:, c] = (m - m.mean(0) - m.mean(1)[:, None] + m.mean()).ravel()
    out = lk.demean(v, n, "twoway")
    np.testing.assert_allclose(out, ref, atol=1e-12)
    assert not np.shares_memory(out, v)
    own = v.copy()
    assert lk.demean(own, n, "twoway", inplace=True) is own


def _panel(side: int, t: int, seed: int = 0):
    """A simulated two-way SDM on the grid (rho 0.4): panel and Graph."""
    import geopandas as gpd
    from libpysal.graph import Graph

    from spillover.panel import SpatialPanel

    n = side * side
    w = grid_w(side)
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    rows = []
    a = (sp.identity(n, format="csc") - 0.4 * w).tocsc()
    solve = sp.linalg.factorized(a)
    for s in range(t):
        x = rng.normal(size=(n, 2)) + 0.5 * mu[:, None]
        y = solve(x @ [1.0, -0.5] + w @ x @ [0.5, 0.3] + mu + rng.normal() + rng.normal(size=n))
        rows.append(pd.DataFrame({"id": np.arange(n), "t": s, "y": y, "x1": x[:, 0], "x2": x[:, 1]}))
    geo = gpd.GeoDataFrame(
        {"id": np.arange(n)}, geometry=gpd.points_from_xy(np.arange(n) % side, np.arange(n) // side)
    )
    return SpatialPanel(pd.concat(rows), geo, id="id", time="t"), Graph.from_sparse(w, ids=np.arange(n))


def _fit(panel, graph, logdet):
    from spillover.spatial.model import SpatialPanelModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SpatialPanelModel(
            panel, "y", ["x1", "x2"], graph, kind="sdm", fixed_effects="twoway", logdet=logdet
        )
        return model.fit()


def test_approximate_fit_agrees_with_exact_small():
    panel, graph = _panel(40, 4)  # 1,600 regions: sparse path
    exact = _fit(panel, graph, "exact")
    assert exact.logdet_error == 0.0
    for method in ("lanczos", "chebyshev"):
        res = _fit(panel, graph, method)
        assert abs(res.rho - exact.rho) < 1e-4
        np.testing.assert_allclose(res.params, exact.params, atol=1e-4)
        np.testing.assert_allclose(res.std_errors, exact.std_errors, rtol=0.02)
        assert res.logdet_error > 0
        assert method in res.summary().notes
        imp_a = res.impacts(draws=0).loc[("total", "x1"), "estimate"]
        imp_e = exact.impacts(draws=0).loc[("total", "x1"), "estimate"]
        assert imp_a == pytest.approx(imp_e, rel=1e-3)


def test_logdet_option_is_checked():
    panel, graph = _panel(5, 3)
    from spillover.spatial.model import SpatialPanelModel

    with pytest.raises(ModelError, match="logdet"):
        SpatialPanelModel(panel, "y", ["x1"], graph, logdet="pace")


@pytest.mark.slow
def test_approximate_rho_agrees_with_exact_at_100k():
    panel, graph = _panel(317, 3)  # 100,489 regions
    exact = _fit(panel, graph, "exact")
    for method in ("lanczos", "chebyshev"):
        res = _fit(panel, graph, method)
        assert abs(res.rho - exact.rho) < 1e-4, (method, res.rho, exact.rho)
