"""Numerical core shared by the panel models: absorbing fixed effects, OLS/2SLS, cluster-robust covariances.

Everything here works on plain numpy arrays of integer group codes, so that the bootstrap in
:mod:`spillover.panel_models.mediation` can call it thousands of times without the overhead of a formula
engine.  :func:`spillover.panel_models.fixed_effects` estimates with pyfixest; the tests check that the two
give the same coefficients and covariances.

Degrees-of-freedom convention (fixest/reghdfe, also ivreg2's ``dofminus``/``sdofminus`` for absorbed
effects): the small-sample factor of the cluster-robust covariance is ``G/(G-1) * (n-1)/(n-K)`` where K
counts the slope coefficients *and* the absorbed fixed effects, except the fixed effects nested within the
cluster variable (they cannot absorb any within-cluster variation of the scores).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from spillover.errors import ConvergenceWarning
from spillover.options import warn

__all__ = ["Absorber", "ols", "cluster_meat", "score_cov", "vcov_cluster", "vcov_iid", "group_codes"]


def group_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 of ``values`` and the number of groups G."""
    uniq, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), len(uniq)


def _group_mean(x: np.ndarray, codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per-group means of each column of ``x`` (groups x columns)."""
    out = np.empty((len(counts), x.shape[1]))
    for j in range(x.shape[1]):
        out[:, j] = np.bincount(codes, weights=x[:, j], minlength=len(counts))
    return out / counts[:, None]


@dataclass(frozen=True)
class Absorber:
    """Projects fixed effects out of columns (the within transformation).

    Parameters
    ----------
    codes
        One integer code array per set of fixed effects (region, period); empty for no fixed effects.
    tol, maxiter
        Convergence of the alternating projections used for two sets of effects on an unbalanced sample
        (with a balanced sample the two-way transformation ``x - xbar_i - xbar_t + xbar`` is exact).
    """

    codes: tuple[np.ndarray, ...]
    tol: float = 1e-12
    maxiter: int = 10_000

    @cached_property
    def sizes(self) -> tuple[int, ...]:
        """Number of levels of each set of effects."""
        return tuple(int(c.max()) + 1 if len(c) else 0 for c in self.codes)

    @cached_property
    def balanced(self) -> bool:
        """Whether two sets of effects cross completely (each pair observed exactly once)."""
        if len(self.codes) != 2:
            return False
        a, b = self.codes
        n1, n2 = self.sizes
        if len(a) != n1 * n2:
            return False
        return bool((np.bincount(a * n2 + b, minlength=n1 * n2) == 1).all())

    def degrees_of_freedom(self, nested: tuple[bool, ...] | None = None) -> int:
        """Absorbed degrees of freedom counted in K (fixest's and reghdfe's convention).

        Sets of effects nested within the cluster variable (``nested``) are not counted; the others count
        their levels, less one per connected component of the two sets when both count (one for a
        connected panel).  When every set is nested, one degree of freedom remains for the intercept.
        """
        if not self.codes:
            return 0
        nested = nested or (False,) * len(self.codes)
        kept = [s for s, n in zip(self.sizes, nested) if not n]
        if not kept:
            return 1
        if len(kept) == 2:
            return int(sum(kept) - self.components())
        return int(kept[0])

    def components(self) -> int:
        """Connected components of the bipartite graph of the two sets of effects (1 for most panels)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        a, b = self.codes
        n1, n2 = self.sizes
        graph = coo_matrix((np.ones(len(a)), (a, b + n1)), shape=(n1 + n2, n1 + n2))
        return int(connected_components(graph, directed=False)[0])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The within-transformed columns of ``x`` (a copy)."""
        x = np.asarray(x, dtype=float)
        flat = x.ndim == 1
        x2 = x.reshape(len(x), -1).copy()
        if not self.codes:
            return x2.ravel() if flat else x2
        counts = [np.bincount(c).astype(float) for c in self.codes]
        if len(self.codes) == 1:
            x2 -= _group_mean(x2, self.codes[0], counts[0])[self.codes[0]]
        elif self.balanced:
            grand = x2.mean(axis=0)
            x2 = (
                x2
                - _group_mean(x2, self.codes[0], counts[0])[self.codes[0]]
                - _group_mean(x2, self.codes[1], counts[1])[self.codes[1]]
                + grand
            )
        else:
            x2 = self._alternate(x2, counts)
        return x2.ravel() if flat else x2

    def _alternate(self, x: np.ndarray, counts: list[np.ndarray]) -> np.ndarray:
        scale = np.maximum(np.abs(x).max(axis=0), 1.0)
        for _ in range(self.maxiter):
            change = np.zeros(x.shape[1])
            for c, n in zip(self.codes, counts):
                m = _group_mean(x, c, n)[c]
                x -= m
                change = np.maximum(change, np.abs(m).max(axis=0))
            if np.all(change <= self.tol * scale):
                return x
        warn(
            f"absorbing the fixed effects stopped after {self.maxiter} alternating projections "
            f"without reaching the tolerance {self.tol:g}; the estimates may be inexact.",
            ConvergenceWarning,
        )
        return x


def ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least squares: coefficients, residuals and ``(X'X)^-1`` (via a QR factorisation)."""
    q, r = np.linalg.qr(x)
    beta = np.linalg.solve(r, q.T @ y)
    rinv = np.linalg.solve(r, np.eye(r.shape[0]))
    return beta, y - x @ beta, rinv @ rinv.T


def cluster_meat(scores: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum over clusters of the outer products of the within-cluster score sums."""
    sums = np.empty((n_groups, scores.shape[1]))
    for j in range(scores.shape[1]):
        sums[:, j] = np.bincount(codes, weights=scores[:, j], minlength=n_groups)
    return sums.T @ sums


def vcov_cluster(
    bread: np.ndarray, scores: np.ndarray, clusters: list[tuple[np.ndarray, int]], n_params: int
) -> tuple[np.ndarray, int]:
    """CR1 covariance ``bread (sum_g s_g s_g') bread * G/(G-1) (n-1)/(n-K)``; K = ``n_params``.

    With two cluster dimensions, Cameron, Gelbach and Miller's (2011) ``V_1 + V_2 - V_12`` with
    G = min(G_1, G_2) in the factor (fixest's and pyfixest's default).  Returns the matrix and G.
    """
    n = scores.shape[0]
    meat, g = score_cov(scores, clusters)
    factor = g / (g - 1) * (n - 1) / (n - n_params)
    return factor * bread @ meat @ bread, g


def score_cov(scores: np.ndarray, clusters: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """``sum_g s_g s_g'`` over one or two cluster dimensions (CGM for two; observations without
    clusters), and the number of clusters G (min over two dimensions; n without clusters)."""
    if not clusters:
        return scores.T @ scores, len(scores)
    if len(clusters) == 1:
        codes, g = clusters[0]
        return cluster_meat(scores, codes, g), g
    (c1, g1), (c2, g2) = clusters
    inter, g12 = group_codes(c1 * g2 + c2)
    meat = cluster_meat(scores, c1, g1) + cluster_meat(scores, c2, g2) - cluster_meat(scores, inter, g12)
    return meat, min(g1, g2)


def vcov_iid(bread: np.ndarray, resid: np.ndarray, n_params: int) -> np.ndarray:
    """Classical covariance ``s^2 (X'X)^-1`` with ``s^2 = e'e / (n - K)``."""
    n = len(resid)
    return float(resid @ resid) / (n - n_params) * bread
