"""The large-N search over rho: parameter-space bounds, the surrogate log-determinant, the exact polish.

Every reference here is exact: dense eigenvalues of W (``numpy.linalg.eigvalsh`` of the symmetric similar
matrix, Ord 1975) for log-determinants and bounds, the dense estimation path for the estimates, and graph
facts checkable by hand (a grid is bipartite, a triangle is not).
"""

from __future__ import annotations

import libpysal
import numpy as np
import pytest
import scipy.sparse as sp
from test_spatial_model import lattice, simulate_sdm  # same folder (rootdir-relative import mode)

from spillover.spatial import _likelihood as lk
from spillover.spatial.model import SpatialPanelModel


def _row_std(side: int, rook: bool) -> sp.csr_matrix:
    w = libpysal.weights.lat2W(side, side, rook=rook)
    w.transform = "r"  # freshly built here
    return w.sparse.tocsr()


def _dense_eigenvalues(w: sp.csr_matrix) -> np.ndarray:
    d = np.diff(w.indptr).astype(float)  # W = D^-1 A with A binary symmetric: D^1/2 W D^-1/2 symmetric
    s = np.sqrt(d)
    sym = (sp.diags(s) @ w @ sp.diags(1 / s)).toarray()
    return np.linalg.eigvalsh((sym + sym.T) / 2)


# ---------------------------------------------------------------------------------------------- bounds
def test_bipartite_components_found_by_hand_cases():
    triangle = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], float))
    square = sp.csr_matrix(np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]], float))
    assert lk._has_bipartite_component(square)  # a 4-cycle is 2-colourable
    assert not lk._has_bipartite_component(triangle)  # an odd cycle is not
    assert lk._has_bipartite_component(sp.block_diag([triangle, square]).tocsr())  # one part is enough
    assert lk._has_bipartite_component(_row_std(6, rook=True))  # a rook grid is a chessboard
    assert not lk._has_bipartite_component(_row_std(6, rook=False))  # queen grids contain triangles


@pytest.mark.parametrize("rook", [True, False])
def test_sparse_bounds_lie_inside_the_exact_parameter_space(rook):
    w = _row_std(20, rook)
    lam = _dense_eigenvalues(w)
    exact = (1 / lam.min(), 1 / lam.max())
    lo, hi = lk._sparse_bounds(w, True, lk._symmetriser(w))
    assert hi == 1.0 and exact[1] == pytest.approx(1.0)
    # inside (I - rho W stays non-singular over the whole search) and tight to 1e-4
    assert exact[0] * (1 + 1e-12) <= lo <= exact[0] * (1 - 1e-4)
    if rook:  # bipartite: lambda_min = -1 exactly, no eigen-solver
        assert lo == -1.0


def test_sparse_bounds_of_an_unstandardised_matrix_are_inside_too():
    w = libpysal.weights.lat2W(18, 18, rook=False).sparse.tocsr().astype(float)  # binary queen
    lam = np.linalg.eigvalsh(w.toarray())
    lo, hi = lk._sparse_bounds(w, False, lk._symmetriser(w))
    assert 1 / lam.min() <= lo <= (1 / lam.min()) * (1 - 1e-4)
    assert (1 / lam.max()) * (1 - 1e-4) <= hi <= 1 / lam.max()


# ---------------------------------------------------------------------------------------------- surrogate
@pytest.mark.parametrize("rook", [True, False])
def test_surrogate_log_determinant_is_close_to_the_exact_one(rook):
    w = _row_std(24, rook)
    lam = _dense_eigenvalues(w)
    op = lk.make_operator(w, "sparse")
    assert op.has_surrogate
    for rho in (-0.5, 0.2, 0.5, 0.8):
        exact = float(np.sum(np.log1p(-rho * lam)))
        # Monte-Carlo error of 16 probes after the exact tr(W^j), j <= 6, are taken out; it shrinks like
        # 1/sqrt(N): observed up to 1.6e-3 relative on these 576 regions, 2e-4-6e-4 on 10,000
        assert op.logdet_surrogate(rho) == pytest.approx(exact, rel=5e-3, abs=1e-6)
        assert op.logdet(rho) == pytest.approx(exact, rel=1e-10)  # the LU outside the surrogate block
        with op.surrogate():
            assert op.logdet(rho) == op.logdet_surrogate(rho)


def test_surrogate_handles_an_exhausted_krylov_space():
    w = _row_std(3, rook=True)  # 9 regions, fewer than the Lanczos steps
    lam = _dense_eigenvalues(w)
    op = lk.make_operator(w, "sparse")
    theta, tau, _ = op._slq()
    assert np.all(np.isfinite(theta)) and np.allclose(tau.sum(axis=1), 1.0)
    # each probe's quadrature is exact once its Krylov space is exhausted: only the Rademacher (Hutchinson)
    # error remains, which the exact tr(W^j), j <= 6, absorb almost entirely on 9 regions
    assert op.logdet_surrogate(0.5) == pytest.approx(np.sum(np.log1p(-0.5 * lam)), rel=1e-2)


# ---------------------------------------------------------------------------------------------- polish
def _count_factorisations(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = lk._splu

    def counting(a):
        calls.append(a.shape[0])
        return real(a)

    monkeypatch.setattr(lk, "_splu", counting)
    return calls


def test_sparse_fit_factorises_only_near_the_optimum(monkeypatch):
    geo, w = lattice(12, 12)
    panel = simulate_sdm(geo, w, t=4, seed=5)
    calls = _count_factorisations(monkeypatch)
    sparse = SpatialPanelModel(
        panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway", method="sparse"
    ).fit()
    # two start points of the polish and the optimum (before: an 11-point grid and Brent, ~22 LUs)
    assert len(calls) <= 4
    dense = SpatialPanelModel(
        panel, "y", ["x1", "x2"], w, kind="sdm", fixed_effects="twoway", method="dense"
    ).fit()
    np.testing.assert_allclose(sparse.params.to_numpy(), dense.params.to_numpy(), atol=1e-7)
    assert sparse.loglik == pytest.approx(dense.loglik, abs=1e-7)


@pytest.mark.parametrize("kind", ["sdm", "sem"])
def test_polish_finds_the_exact_optimum_when_the_surrogate_is_off(monkeypatch, kind):
    """A surrogate with a smooth error that moves its optimum by several steps: the estimate must still be
    the exact maximum likelihood estimate (the dense eigenvalue path decides)."""
    geo, w = lattice(9, 10)
    panel = simulate_sdm(geo, w, t=5, seed=8)

    def biased(self, rho):
        exact = float(np.sum(np.log(np.abs(self._lu(rho).U.diagonal()))))
        return exact + 40.0 * rho - 25.0 * rho**2  # pulls the surrogate's optimum upwards

    monkeypatch.setattr(lk.SpatialOperator, "logdet_surrogate", biased)
    kw = dict(kind=kind, fixed_effects="twoway")
    sparse = SpatialPanelModel(panel, "y", ["x1", "x2"], w, method="sparse", **kw).fit()
    dense = SpatialPanelModel(panel, "y", ["x1", "x2"], w, method="dense", **kw).fit()
    np.testing.assert_allclose(sparse.params.to_numpy(), dense.params.to_numpy(), atol=1e-7)


# ---------------------------------------------------------------------------------------------- symmetriser
def test_symmetriser_finds_the_scaling_of_row_standardised_distance_weights():
    """W = D^-1 A with A symmetric (inverse distances): diag(d) W must come out symmetric with d the row sums
    of A up to a constant (checked by hand from A); k-nearest neighbours have no such d."""
    rng = np.random.default_rng(0)
    pts = rng.uniform(size=(300, 2))
    dist = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    a = np.where((dist > 0) & (dist < 0.15), 1.0 / np.where(dist > 0, dist, 1.0), 0.0)
    keep = a.sum(1) > 0
    a = a[keep][:, keep]
    w = sp.csr_matrix(a / a.sum(1, keepdims=True))
    d = lk._symmetriser(w)
    np.testing.assert_allclose(d / d[0], a.sum(1) / a.sum(1)[0], rtol=1e-12)
    c = (sp.diags(d) @ w).toarray()
    np.testing.assert_allclose(c, c.T, atol=1e-14)
    assert lk.make_operator(w, "sparse").has_surrogate
    knn = libpysal.weights.KNN(pts, k=4)
    knn.transform = "r"
    assert lk._symmetriser(knn.sparse.tocsr()) is None


def test_distance_weights_use_the_surrogate_and_match_the_dense_path():
    """Row-standardised inverse-distance weights on a lattice's centroids: sparse (surrogate + polish) and
    dense (eigenvalues of the symmetric similar matrix) paths give the same estimates."""
    geo, _ = lattice(9, 9)
    from libpysal.graph import Graph

    w = Graph.build_distance_band(geo.centroid, threshold=2.5, binary=False, alpha=-1.0).transform("r")
    panel = simulate_sdm(geo, w, t=4, seed=11)
    kw = dict(kind="sdm", fixed_effects="twoway")
    dense = SpatialPanelModel(panel, "y", ["x1", "x2"], w, method="dense", **kw).fit()
    sparse = SpatialPanelModel(panel, "y", ["x1", "x2"], w, method="sparse", **kw).fit()
    np.testing.assert_allclose(sparse.params.to_numpy(), dense.params.to_numpy(), atol=1e-7)
