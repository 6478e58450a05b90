"""Numerical core of the spatial panel models: W operators, log-determinants, traces, likelihoods.

Everything here works on plain NumPy / SciPy objects; the public classes in :mod:`spillover.spatial.model`
convert the user's panel and weights once and call these functions.

Two computational paths share one interface (:class:`SpatialOperator`):

* ``"dense"`` (small N, default up to :data:`DENSE_MAX_N` regions): the eigenvalues of W give the exact
  log-determinant ``ln|I - rho W| = sum ln(1 - rho lambda_i)`` (Ord 1975) and exact traces; the eigenvalues of
  a row-standardised symmetric matrix are taken from the symmetric similar matrix ``D^1/2 W D^-1/2``.
* ``"sparse"`` (large N): the log-determinant comes from a sparse LU factorisation of ``I - rho W`` (exact up
  to rounding, no interpolation).  When W is similar to a symmetric matrix (symmetric, or row-standardised
  from a symmetric one) the search over rho runs on a stochastic Lanczos quadrature surrogate of the
  log-determinant, valid for every rho at once, and only the last few trial values are factorised: the
  optimum is polished on the exact likelihood (:func:`maximise`), so the estimate is the exact ML estimate.
  Traces of ``(I - rho W)^-1``, ``W (I - rho W)^-1`` and its square come from power series in ``tr(W^j)``
  (LeSage and Pace 2009, ch. 4),
  truncated where the remaining terms are below ``|rho|^(m+1) / (1 - |rho|)`` (for row-standardised W,
  ``|tr(W^j)| <= N``) with ``tr(W^j)`` exact from sparse powers for low j (up to 6 on contiguity graphs) and
  estimated with Hutchinson's Rademacher estimator beyond, where the terms are damped by ``rho^j``.
  ``tr(Wt'Wt)`` is estimated with its own probes (``W (I - rho W)^-1 z`` by the same power series, or the
  LU past :data:`SERIES_SOLVE_MAX_TERMS` terms) after its leading terms have been taken out exactly
  (control variate).  Totals ``1'(I - rho W)^-1 1`` use exact ``1'W^j 1``.  No dense N x N matrix is formed;
  the Monte-Carlo error of the standard errors is typically well below 1 % (checked against the dense path
  in the tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.optimize import minimize_scalar
from scipy.sparse import csgraph

from spillover.errors import ConvergenceWarning, ModelError, WeightsError
from spillover.options import FixedEffects, LogDet, warn
from spillover.options import SpatialMethod as Method

DENSE_MAX_N = 1000
"""Largest N for which the dense (eigenvalue) path is chosen by ``method="auto"``."""

N_PROBES = 100
"""Rademacher probes used by the stochastic trace estimators of the sparse path (up to
:data:`EXACT_MAX_N` regions; fewer above, see :func:`n_probes`)."""

MIN_PROBES = 16
"""Fewest probes of the stochastic trace estimators at very large N: Hutchinson's relative error of a trace
of N terms shrinks like ``1/sqrt(N p)``, so a million regions need far fewer probes than a thousand."""

PROBE_BLOCK = 16
"""Probes pushed through W together: the memory of a probe chain is a few ``N x PROBE_BLOCK`` blocks, not
``N x N_PROBES`` (0.8 GB per copy at a million regions)."""

EXACT_MAX_N = 100_000
"""Largest N for which ``logdet="auto"`` keeps the exact log-determinant (sparse LU)."""

LOGDET_PROBES, LOGDET_STEPS, CHEBYSHEV_ORDER = 16, 30, 60
"""Probes of the approximate log-determinants (``logdet="lanczos"`` and ``"chebyshev"``), Lanczos steps
(Gauss quadrature exact for polynomials of degree 59: the error of ``ln(1 - rho x)`` is ~ ``q^60`` with
``q = (1 - sqrt(1 - rho^2)) / rho``, below 1e-12 for ``|rho| <= 0.85``) and the order of the Chebyshev
expansion."""

SERIES_SOLVE_MAX_TERMS = 200
"""Longest power series used instead of a sparse solve for ``W (I - rho W)^-1`` applied to the probes."""

SLQ_PROBES, SLQ_STEPS = 16, 40
"""Probes and Lanczos steps of the surrogate log-determinant that guides the search over rho on the sparse
path (:meth:`SpatialOperator.logdet_surrogate`); the optimum itself is polished on the exact LU
log-determinant."""

GRID_POINTS = {"dense": 21, "sparse": 11}
"""Points of the coarse grid over the parameter space scanned before the Brent search (each point of the
sparse path without a surrogate log-determinant costs one sparse LU)."""

SURROGATE_GRID_POINTS = 41
"""Grid points of the search on the surrogate log-determinant (each costs microseconds)."""


# ---------------------------------------------------------------------------------------------- panel algebra
def lag(w: sp.csr_matrix, v: np.ndarray, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """``(I_T kron W) v`` for a period-major stacked vector or matrix ``v`` (N*T rows).

    One product per period into the output (``out`` if given, e.g. the columns of a preallocated design):
    no transposed copy of the data and no Kronecker product."""
    arr = np.asarray(v, dtype=float)
    res = np.empty(arr.shape) if out is None else out
    for s in range(arr.shape[0] // n):
        res[s * n : (s + 1) * n] = w @ arr[s * n : (s + 1) * n]
    return res


def demean(v: np.ndarray, n: int, fixed_effects: FixedEffects, *, inplace: bool = False) -> np.ndarray:
    """Within transformation of a period-major stacked array for unit, time or two-way fixed effects.

    One copy of the data (none with ``inplace=True``, for a float array the caller owns); the means are
    subtracted in place, so two-way effects do not make two more copies."""
    arr = np.asarray(v, dtype=float)
    out = arr if inplace else arr.copy()
    mat = out.reshape(-1, n, 1 if out.ndim == 1 else out.shape[1])  # (T, N, k), a view
    if fixed_effects in ("unit", "twoway"):
        mat -= mat.mean(axis=0, keepdims=True)
    if fixed_effects in ("time", "twoway"):
        mat -= mat.mean(axis=1, keepdims=True)
    return out


def effective_sizes(n: int, t: int, fixed_effects: FixedEffects, lee_yu: bool) -> tuple[float, float]:
    """(number of effective observations, multiplier of ln|I - rho W|) of the (transformed) likelihood.

    Direct approach (Elhorst 2014, eq. 3.7): ``N*T`` and ``T``.  Lee and Yu (2010) transformation approach
    (orthonormal transformations ``F_T`` and ``F_N``): unit effects ``N(T-1)`` and ``T-1``; time effects
    ``(N-1)T`` and ``T``; two-way ``(N-1)(T-1)`` and ``T-1`` (with time effects the Jacobian is
    ``ln|I - rho W| - ln(1 - rho)``, see :func:`jacobian`).
    """
    if not lee_yu:
        return float(n * t), float(t)
    n_eff = n - 1 if fixed_effects in ("time", "twoway") else n
    t_eff = t - 1 if fixed_effects in ("unit", "twoway") else t
    return float(n_eff * t_eff), float(t_eff)


# ---------------------------------------------------------------------------------------------- W operator
@dataclass(frozen=True)
class SpatialOperator:
    """A spatial weights matrix with the log-determinant and trace machinery of one computational path."""

    w: sp.csr_matrix
    method: Literal["dense", "sparse"]
    row_standardised: bool
    bounds: tuple[float, float]
    eigenvalues: np.ndarray | None = None
    _eigvecs: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    seed: int = 0
    _cache: dict = field(default_factory=dict, repr=False, compare=False)
    """Sparse powers of W and the longest ``tr(W^j)`` series computed so far (deterministic given the seed,
    so a prefix of a longer series is the shorter one): the fit's information matrix and the impacts'
    point estimate and draws reuse them instead of recomputing."""
    logdet_method: Literal["exact", "chebyshev", "lanczos"] = "exact"
    """``"exact"`` (eigenvalues or sparse LU) or an approximation with a reported error bound
    (:meth:`logdet_error`); the approximations also replace the LU solves by power series (no
    factorisation at all)."""

    @property
    def n(self) -> int:
        """Number of regions."""
        return self.w.shape[0]

    # -------------------------------------------------------------- log-determinant
    def logdet(self, rho: float) -> float:
        """``ln|I - rho W|`` (exact; inside :meth:`surrogate` the cheap stochastic approximation)."""
        if self.eigenvalues is not None:
            return float(np.sum(np.log(1.0 - rho * self.eigenvalues)).real)
        if self._cache.get("surrogate_on") or self.logdet_method == "lanczos":
            return self.logdet_surrogate(rho)
        if self.logdet_method == "chebyshev":
            return self._chebyshev(rho)[0]
        lu = self._lu(rho)
        return float(np.sum(np.log(np.abs(lu.U.diagonal()))))

    def logdet_error(self, rho: float) -> float:
        """Error bound of :meth:`logdet` at ``rho``: 0 when exact; for the approximations three Monte-Carlo
        standard errors (the spread of the probes' estimates) plus, for Chebyshev, the truncation bound
        ``N sum_{k>K} |c_k|`` (``|tr T_k| <= N`` on the spectrum's interval)."""
        if self.eigenvalues is not None or self.logdet_method == "exact":
            return 0.0
        if self.logdet_method == "chebyshev":
            _, se, trunc = self._chebyshev(rho)
            return 3.0 * se + trunc
        theta, tau, exact = self._slq()
        j = np.arange(1, len(exact) + 1)
        rest = np.log1p(-rho * theta) + (theta[..., None] ** j) @ (rho**j / j)
        per_probe = self.n * np.sum(tau * rest, axis=1)
        return float(3.0 * per_probe.std(ddof=1) / np.sqrt(len(per_probe)))

    def _chebyshev(self, rho: float) -> tuple[float, float, float]:
        """Chebyshev approximation of ``ln|I - rho W|`` (Pace and LeSage 2004): ``sum_k c_k(rho) tr T_k(V)``
        with ``V = alpha W + beta I`` mapping W's real spectrum [a, b] onto [-1, 1] and ``c_k`` the Chebyshev
        interpolant of ``x -> ln(1 - rho (x - beta) / alpha)``.  ``tr T_k(V)`` exact for low k (from the
        exact ``tr(W^j)``), by Rademacher probes of the three-term recurrence beyond (Barry and Pace 1999):
        (value, Monte-Carlo standard error, truncation bound)."""
        exact, probes, alpha, beta = self._chebyshev_moments()
        order = probes.shape[1] - 1

        def f(x: Any) -> Any:
            return np.log1p(-rho * (x - beta) / alpha)

        c = np.polynomial.chebyshev.chebinterpolate(f, order)
        tail = np.polynomial.chebyshev.chebinterpolate(f, 2 * order)[order + 1 :]
        low = len(exact)
        per_probe = probes[:, low:] @ c[low:]
        value = float(c[:low] @ exact + per_probe.mean())
        se = float(per_probe.std(ddof=1) / np.sqrt(len(per_probe)))
        return value, se, float(self.n * np.abs(tail).sum())

    def _chebyshev_moments(self) -> tuple[np.ndarray, np.ndarray, float, float]:
        if "chebyshev" not in self._cache:
            lo, hi = 1.0 / self.bounds[0], 1.0 / self.bounds[1]  # W's spectrum lies in [lo, hi]
            alpha, beta = 2.0 / (hi - lo), -(hi + lo) / (hi - lo)
            top = 2 * (len(self.sparse_powers()) - 1)
            tr = self.trace_powers(top)
            exact = np.empty(top + 1)
            for k in range(top + 1):  # T_k(alpha W + beta I) expanded in powers of W
                mono = np.polynomial.chebyshev.cheb2poly(np.eye(k + 1)[k])
                exact[k] = sum(
                    mono[i] * sum(_binom(i, j) * alpha**j * beta ** (i - j) * tr[j] for j in range(i + 1))
                    for i in range(k + 1)
                )
            bits = _rademacher_bits(self.n, LOGDET_PROBES, self.seed + 3)
            moments = np.empty((LOGDET_PROBES, CHEBYSHEV_ORDER + 1))
            for cols in _blocks(LOGDET_PROBES):
                z = _signs(bits[:, cols])
                prev, cur = z, alpha * (self.w @ z) + beta * z
                moments[cols, 0] = self.n
                moments[cols, 1] = np.einsum("ij,ij->j", z, cur)
                for k in range(2, CHEBYSHEV_ORDER + 1):
                    prev, cur = cur, 2.0 * (alpha * (self.w @ cur) + beta * cur) - prev
                    moments[cols, k] = np.einsum("ij,ij->j", z, cur)
            self._cache["chebyshev"] = (exact, moments, alpha, beta)
        return self._cache["chebyshev"]

    # -------------------------------------------------------------- surrogate log-determinant for the search
    @property
    def has_surrogate(self) -> bool:
        """Whether the search over rho may use :meth:`logdet_surrogate` (sparse path, W similar to a
        symmetric matrix: symmetric or a row-scaled symmetric matrix, see :func:`_symmetriser`)."""
        return (
            self.method == "sparse"
            and self.logdet_method == "exact"
            and self._symmetric_scaling() is not None
        )

    @contextmanager
    def surrogate(self) -> Iterator[None]:
        """Inside the block :meth:`logdet` returns :meth:`logdet_surrogate` (used by :func:`maximise`)."""
        self._cache["surrogate_on"] = True
        try:
            yield
        finally:
            self._cache["surrogate_on"] = False

    def logdet_surrogate(self, rho: float) -> float:
        """Stochastic Lanczos quadrature estimate of ``ln|I - rho W|`` for every rho at once.

        ``W = D^-1/2 S D^1/2`` with S symmetric, so ``ln|I - rho W| = tr ln(I - rho S)``; each Rademacher
        probe z gives ``z' f(S) z ~= N sum_i tau_i f(theta_i)`` from the Gauss quadrature of its Lanczos
        tridiagonal matrix (Golub and Meurant 2010; Ubaru, Chen and Saad 2017), with the exactly known
        ``tr(W^j)``, j <= 6, taken out as a control variate.  Its error is smooth in rho; the exact
        log-determinant (LU) decides the optimum (:func:`maximise`).
        """
        theta, tau, exact = self._slq()
        j = np.arange(1, len(exact) + 1)
        head = rho**j / j
        rest = np.log1p(-rho * theta) + (theta[..., None] ** j) @ head
        return float(-head @ exact + self.n * np.sum(tau * rest) / theta.shape[0])

    def _symmetric_scaling(self) -> np.ndarray | None:
        if "sym" not in self._cache:
            self._cache["sym"] = _symmetriser(self.w)
        return self._cache["sym"]

    def _slq(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if "slq" not in self._cache:
            scaling = self._symmetric_scaling()
            assert scaling is not None  # the Lanczos path runs only where a symmetric scaling exists
            s = np.sqrt(scaling)
            sym = sp.diags(s) @ self.w @ sp.diags(1.0 / s)
            sym = ((sym + sym.T) / 2).tocsr()
            probes, steps = (
                (LOGDET_PROBES, LOGDET_STEPS) if self.logdet_method == "lanczos" else (SLQ_PROBES, SLQ_STEPS)
            )
            theta, tau = _lanczos_quadrature(sym, probes, steps, self.seed + 2)
            top = len(self.sparse_powers()) - 1
            exact = self.trace_powers(2 * top)[1:]
            self._cache["slq"] = (
                np.clip(theta, -1.0 / abs(self.bounds[0]), 1.0 / self.bounds[1]),
                tau,
                exact,
            )
        return self._cache["slq"]

    def _lu(self, rho: float) -> spla.SuperLU:
        """Sparse LU of ``I - rho W``; the last one is kept (the optimum's log-determinant, the information
        matrix's traces and the fitted values all factorise the same matrix)."""
        last = self._cache.get("lu")
        if last is not None and last[0] == rho:
            return last[1]
        lu = _splu(self._i_minus(rho).tocsc())
        self._cache["lu"] = (rho, lu)
        return lu

    def _i_minus(self, rho: float) -> sp.csr_matrix:
        return (sp.identity(self.n, format="csr") - rho * self.w).tocsr()

    def solve(self, rho: float, b: np.ndarray) -> np.ndarray:
        """``(I - rho W)^-1 b`` for a vector or an N x k matrix."""
        if self.method == "dense":
            return np.linalg.solve(np.eye(self.n) - rho * self.w.toarray(), b)
        if self.logdet_method != "exact":
            return self._iterative_solve(rho, np.asarray(b, dtype=float))
        return self._lu(rho).solve(np.asarray(b, dtype=float))

    def _iterative_solve(self, rho: float, b: np.ndarray) -> np.ndarray:
        """``(I - rho W)^-1 b`` without a factorisation: the power series ``sum_j (rho W)^j b`` truncated as the
        traces' (tail below 1e-10 of ``|b|`` for row-standardised W), GMRES when that series is long."""
        radius = max(abs(1.0 / self.bounds[0]), abs(1.0 / self.bounds[1]))
        m = series_length(abs(rho) * radius)
        if m > SERIES_SOLVE_MAX_TERMS:
            a = self._i_minus(rho)
            cols = b.reshape(self.n, -1)
            out = np.empty_like(cols)
            for i in range(cols.shape[1]):
                out[:, i], _ = spla.gmres(a, cols[:, i], rtol=1e-12, atol=0.0, restart=50, maxiter=200)
            return out.reshape(b.shape)
        out = b.copy()
        v = b
        for _ in range(m):
            v = self.w @ v
            v *= rho  # in place: the same products as rho * (W v), one N x k array fewer per term
            out += v
        return out

    # -------------------------------------------------------------- traces used by the information matrix
    def traces(self, rho: float) -> tuple[float, float, float]:
        """``tr(Wt), tr(Wt Wt), tr(Wt' Wt)`` with ``Wt = W (I - rho W)^-1``."""
        if self.method == "dense":
            wd = self.w.toarray()
            wt = wd @ np.linalg.inv(np.eye(self.n) - rho * wd)
            return float(np.trace(wt)), float(np.sum(wt * wt.T)), float(np.sum(wt * wt))
        return self._stochastic_traces(rho)

    def _stochastic_traces(self, rho: float) -> tuple[float, float, float]:
        # tr(Wt) = sum_j rho^j tr(W^(j+1)) and tr(Wt^2) = sum_j (j+1) rho^j tr(W^(j+2)) from the power series
        # (traces of W^j exact for low j, see trace_powers); tr(Wt'Wt) by Hutchinson's estimator with the
        # exact tr(W'W) taken out as a control variate (only the small remainder is estimated).
        radius = max(abs(1.0 / self.bounds[0]), abs(1.0 / self.bounds[1]))
        m = series_length(abs(rho) * radius)
        tr = self.trace_powers(m + 2)
        j = np.arange(m + 1)
        t1 = float(np.sum(rho**j * tr[1 : m + 2]))
        t2 = float(np.sum((j + 1) * rho**j * tr[2 : m + 3]))
        # control variate Q = W + rho W^2 + rho^2 W^3 (the leading terms of Wt), tr(Q'Q) exact
        powers = self.sparse_powers()
        q = sum(rho ** (a - 1) * powers[a] for a in range(1, len(powers)))
        p = n_probes(self.n)
        bits = _rademacher_bits(self.n, p, self.seed)  # independent of the trace probes: t2 and t3 add up
        rest = np.empty(p)
        for cols in _blocks(p):  # probe blocks: a few N x PROBE_BLOCK arrays at a time
            z = _signs(bits[:, cols])
            qz = q @ z
            u = self._wt_probes(rho, z, m)
            rest[cols] = np.einsum("ij,ij->j", u, u) - np.einsum("ij,ij->j", qz, qz)
        t3 = float(q.multiply(q).sum()) + float(np.mean(rest))
        return t1, t2, t3

    def _wt_probes(self, rho: float, z: np.ndarray, m: int) -> np.ndarray:
        """``Wt z = W (I - rho W)^-1 z`` for the probe block: the power series ``sum_j rho^j W^(j+1) z``
        (m terms, the same truncation as the traces) while it is short, else a solve with the LU.

        The series costs m sparse products with the block; SuperLU's triangular solves treat the probes one
        at a time, several times slower at these sizes.
        """
        if m > SERIES_SOLVE_MAX_TERMS:
            return self.w @ self.solve(rho, z)
        v = self.w @ z
        out = v.copy()
        for _ in range(m):
            v = self.w @ v
            v *= rho  # in place, as in _iterative_solve
            out += v
        return out

    # -------------------------------------------------------------- resolvent moments used by impacts
    def resolvent_moments(self, rhos: np.ndarray) -> np.ndarray:
        """For each rho: ``[tr(A)/N, tr(A W)/N, 1'A1/N, 1'AW1/N]`` with ``A = (I - rho W)^-1`` (k x 4)."""
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        if self._eigvecs is not None and self.eigenvalues is not None:
            lam = self.eigenvalues
            left, right = self._eigvecs  # 1'V and V^-1 1
            inv = 1.0 / (1.0 - np.outer(rhos, lam))
            lw = left * right
            out = [inv.mean(axis=1), (inv * lam).mean(axis=1), inv @ lw / self.n, (inv * lam) @ lw / self.n]
            return np.real(np.column_stack(out))
        return self._power_series_moments(rhos)

    def _power_series_moments(self, rhos: np.ndarray) -> np.ndarray:
        radius = max(abs(1.0 / self.bounds[0]), abs(1.0 / self.bounds[1]))  # spectral radius of W
        m = series_length(float(np.max(np.abs(rhos))) * radius)
        tr = self.trace_powers(m + 1) / self.n
        ones = np.ones(self.n)
        tot = np.empty(m + 2)
        v = ones
        for j in range(m + 2):  # exact 1' W^j 1
            tot[j] = v.sum() / self.n
            v = self.w @ v
        powers = rhos[:, None] ** np.arange(m + 1)[None, :]
        return np.column_stack([powers @ tr[:-1], powers @ tr[1:], powers @ tot[:-1], powers @ tot[1:]])

    def trace_powers(self, m: int) -> np.ndarray:
        """``tr(W^j)`` for j = 0..m.

        Dense path: from the eigenvalues (exact).  Sparse path: exact for ``j <= 2A`` from sparse powers
        ``W^a`` (a <= A <= 3, kept while they stay sparse: ``tr(W^(a+b)) = sum(W^a * (W^b)')``), Monte Carlo
        (Hutchinson, :data:`N_PROBES` Rademacher probes) beyond, where the terms are damped by ``rho^j``.
        """
        if self.eigenvalues is not None:
            return np.real(np.array([np.sum(self.eigenvalues**j) for j in range(m + 1)]))
        cached = self._cache.get("trace_powers")
        if cached is not None and len(cached) > m:
            return cached[: m + 1].copy()
        tr = self._trace_powers(m)
        self._cache["trace_powers"] = tr
        return tr.copy()

    def sparse_powers(self) -> list[sp.csr_matrix]:
        """``[I, W, W^2, W^3]`` while they stay sparse (cached)."""
        if "powers" not in self._cache:
            self._cache["powers"] = _sparse_powers(self.w, max_power=3, max_nnz=60 * self.n)
        return self._cache["powers"]

    def _trace_powers(self, m: int) -> np.ndarray:
        tr = np.empty(m + 1)
        tr[0] = self.n
        powers = self.sparse_powers()
        top = len(powers) - 1
        known = self._cache.get("trace_powers")  # a shorter earlier call: its exact traces are reused
        for j in range(1, min(m, 2 * top) + 1):
            if known is not None and j < len(known):
                tr[j] = known[j]  # exact (j <= 2 top), deterministic: the same number, not recomputed
            elif j == 1:
                tr[j] = float(self.w.diagonal().sum())
            else:
                a = min(top, j - 1)
                tr[j] = float(powers[a].multiply(powers[j - a].T).sum())
        if m > 2 * top and self.logdet_method == "lanczos" and m < 2 * LOGDET_STEPS:
            # the log-determinant's Lanczos quadrature is exact for z'W^j z up to j = 2 steps - 1: the same
            # Hutchinson estimator of tr(W^j) on its probes, without another chain of products
            theta, tau, _ = self._slq()
            js = np.arange(2 * top + 1, m + 1)
            tr[2 * top + 1 :] = self.n * np.mean(
                np.sum(tau[..., None] * theta[..., None] ** js, axis=1), axis=0
            )
            return tr
        if m > 2 * top:
            p = n_probes(self.n)
            bits = _rademacher_bits(self.n, p, self.seed + 1)
            sums = np.zeros(m + 1)
            for cols in _blocks(p):  # probe blocks: a few N x PROBE_BLOCK arrays at a time
                z = _signs(bits[:, cols])
                v = z
                for j in range(1, m + 1):  # W^j z by products with W (sparser than its powers)
                    v = self.w @ v
                    if j > 2 * top:
                        sums[j] += float(np.einsum("ij,ij->", z, v))
            tr[2 * top + 1 :] = sums[2 * top + 1 :] / p
        return tr


def _sparse_powers(w: sp.csr_matrix, max_power: int, max_nnz: int) -> list[sp.csr_matrix]:
    """``[I, W, W^2, ...]`` up to ``max_power`` while each power has at most ``max_nnz`` entries."""
    powers = [sp.identity(w.shape[0], format="csr"), w]
    while len(powers) <= max_power:
        nxt = (powers[-1] @ w).tocsr()
        if nxt.nnz > max_nnz:
            break
        powers.append(nxt)
    return powers


def series_length(rho_abs: float, tol: float = 1e-10) -> int:
    """Number of power-series terms m with tail bound ``rho^(m+1)/(1-rho) <= tol`` (row-standardised W)."""
    rho_abs = min(rho_abs, 0.999)
    if rho_abs <= 0:
        return 2
    return int(min(10_000, max(2, np.ceil(np.log(tol * (1 - rho_abs)) / np.log(rho_abs)))))


def _splu(a: sp.spmatrix) -> spla.SuperLU:
    """Sparse LU of ``I - rho W`` (or its transpose).

    Minimum-degree ordering on A + A' with diagonal pivoting preferred: spatial weights are (nearly)
    structurally symmetric and ``I - rho W`` is diagonally dominant inside the parameter space, and this
    ordering halves the fill and the time of SciPy's default (COLAMD) on lattices.
    """
    return spla.splu(sp.csc_matrix(a), permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})


def _lanczos_quadrature(
    sym: sp.csr_matrix, probes: int, steps: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Gauss quadrature nodes and weights (probes x steps) of ``z' f(S) z / N`` for Rademacher probes z.

    Block Lanczos recurrences without reorthogonalisation (its ghost eigenvalues split the quadrature weight
    but leave the quadrature accurate; Meurant and Strakos 2006); a probe whose Krylov space is exhausted
    (small N) keeps its exact quadrature with zero weights on the unused nodes.
    """
    n = sym.shape[0]
    steps = max(1, min(steps, n))
    q = _rademacher(n, probes, seed) / np.sqrt(n)
    q_prev = np.zeros_like(q)
    alpha = np.zeros((steps, probes))
    beta = np.zeros((steps, probes))
    length = np.full(probes, steps)
    live = np.ones(probes, dtype=bool)
    scratch = np.empty_like(q)  # the recurrence's products written into one buffer, not a new array each
    for i in range(steps):
        v = sym @ q
        alpha[i] = np.einsum("ij,ij->j", q, v)
        v -= np.multiply(q, alpha[i], out=scratch)
        if i:
            v -= np.multiply(q_prev, beta[i - 1], out=scratch)
        beta[i] = np.sqrt(np.einsum("ij,ij->j", v, v))
        dead = live & (beta[i] <= 1e-10 * np.maximum(1.0, np.abs(alpha[i])))
        if dead.any():  # Krylov space exhausted: the quadrature of that probe is exact with i + 1 nodes
            length[dead] = i + 1
            live &= ~dead
            v[:, dead] = 0.0
            if not live.any():
                break
        v /= np.where(live, beta[i], 1.0)
        q_prev, q = q, v
    theta = np.zeros((probes, steps))
    tau = np.zeros((probes, steps))
    for p in range(probes):
        m = length[p]
        vals, vecs = sla.eigh_tridiagonal(alpha[:m, p], beta[: m - 1, p])
        theta[p, :m], tau[p, :m] = vals, vecs[0] ** 2
    return theta, tau


def _rademacher(n: int, p: int, seed: int) -> np.ndarray:
    """n x p independent signs +-1 (``rng.choice`` is ten times slower at 10^7 draws)."""
    return _signs(_rademacher_bits(n, p, seed))


def _rademacher_bits(n: int, p: int, seed: int) -> np.ndarray:
    """The 0/1 draws behind :func:`_rademacher` (one byte each): blocks of columns become float signs one
    at a time (:func:`_signs`), the same signs as the whole matrix."""
    return np.random.default_rng(seed).integers(0, 2, size=(n, p), dtype=np.int8)


def _signs(bits: np.ndarray) -> np.ndarray:
    return 2.0 * bits - 1.0


def _blocks(p: int) -> list[slice]:
    """Column blocks of at most :data:`PROBE_BLOCK` probes."""
    return [slice(i, min(i + PROBE_BLOCK, p)) for i in range(0, p, PROBE_BLOCK)]


def n_probes(n: int) -> int:
    """Probes of the stochastic traces: :data:`N_PROBES` up to :data:`EXACT_MAX_N` regions, then fewer in
    proportion to 1/N (the estimators' relative error ~ ``1/sqrt(N p)`` stays below that at 100,000
    regions), at least :data:`MIN_PROBES`."""
    return int(np.clip(N_PROBES * EXACT_MAX_N // max(n, 1), MIN_PROBES, N_PROBES))


def _binom(i: int, j: int) -> float:
    from math import comb

    return float(comb(i, j))


def _exact_low_traces(w: sp.csr_matrix) -> tuple[float, float, float]:
    """``tr(W), tr(W^2), tr(W'W)`` exactly from the sparse entries."""
    return float(w.diagonal().sum()), float(w.multiply(w.T).sum()), float(w.multiply(w).sum())


def make_operator(
    w: sp.csr_matrix, method: Method = "auto", seed: int = 0, logdet: LogDet = "exact"
) -> SpatialOperator:
    """Prepare W for estimation: eigenvalues (dense path) or bounds from sparse eigen-solvers.

    ``logdet``: ``"exact"``; ``"chebyshev"`` or ``"lanczos"`` (sparse path, W similar to a symmetric matrix
    so that its spectrum is real); ``"auto"``: exact up to :data:`EXACT_MAX_N` regions, Lanczos above where
    W allows it.
    """
    w = sp.csr_matrix(w, dtype=float)
    w.eliminate_zeros()
    n = w.shape[0]
    if w.nnz == 0:
        raise WeightsError(
            "the spatial weights have no links (every weight is zero); a spatial model needs "
            "neighbours. Check the weights builder (islands, distance band)."
        )
    if np.any(w.diagonal() != 0):
        raise WeightsError(
            "the spatial weights have non-zero diagonal entries (a region is its own "
            "neighbour); spatial models need w_ii = 0."
        )
    rows = np.asarray(w.sum(axis=1)).ravel()
    row_std = bool(np.allclose(rows, 1.0, atol=1e-10))
    approx = logdet in ("chebyshev", "lanczos")
    if approx and method == "dense":
        raise ModelError(
            f"logdet={logdet!r} approximates the log-determinant on the sparse path; method='dense' computes "
            "it exactly from the eigenvalues. Use method='auto' or 'sparse' with it, or logdet='exact'."
        )
    chosen = ("dense" if n <= DENSE_MAX_N and not approx else "sparse") if method == "auto" else method
    if chosen == "dense":
        lam, vecs = _dense_eigen(w)
        real = lam.real
        bounds = (1.0 / real.min(), 1.0 / real.max())
        return SpatialOperator(w, "dense", row_std, bounds, lam, vecs, seed)
    d = _symmetriser(w)
    if approx and d is None:
        raise ModelError(
            f"logdet={logdet!r} needs weights similar to a symmetric matrix (symmetric, or row-standardised "
            "symmetric weights such as contiguity or distance bands), whose eigenvalues are real; these "
            "weights (e.g. k-nearest neighbours) are not. Use logdet='exact'."
        )
    if logdet == "auto":
        logdet = "lanczos" if n > EXACT_MAX_N and d is not None else "exact"
    op = SpatialOperator(
        w, "sparse", row_std, _sparse_bounds(w, row_std, d), None, None, seed, logdet_method=logdet
    )
    op._cache["sym"] = d  # found once: the bounds and the surrogate both need it
    return op


def _symmetriser(w: sp.csr_matrix) -> np.ndarray | None:
    """Positive d with ``diag(d) W`` symmetric, or None when there is none.

    Such a d exists exactly when W is a row-scaled symmetric matrix, ``W = D^-1 A`` with ``A = A'``: symmetric
    W (d = 1), row-standardised contiguity (d = the neighbour counts), row-standardised inverse-distance or
    economic-distance weights (d = the row sums of A).  Then ``D^1/2 W D^-1/2`` is symmetric with the same
    eigenvalues, which makes the eigenvalues real and lets the log-determinant use symmetric algorithms.
    d is found along a breadth-first spanning forest (``d_j = d_i w_ij / w_ji`` on tree edges) and then
    checked on every link; k-nearest-neighbour weights (not structurally symmetric) have none.
    """
    n = w.shape[0]
    if _asymmetry(w, np.ones(n))[0] < 1e-12:
        return np.ones(n)
    counts = np.diff(w.indptr).astype(float)  # row-standardised binary: d = the neighbour counts
    if counts.min() > 0 and _asymmetry(w, counts)[0] < 1e-10:
        return counts
    if (w != 0).nnz != _link_graph(w).nnz:
        return None  # a link without its reverse
    d = _spanning_forest_scaling(w)
    if d is None or not np.all(np.isfinite(d)) or d.min() <= 0:
        return None
    asym, scale = _asymmetry(w, d)
    return None if asym > 1e-10 * scale else d


def _asymmetry(w: sp.csr_matrix, d: np.ndarray) -> tuple[float, float]:
    """``max |C - C'|`` and ``max |C|`` of ``C = diag(d) W``."""
    c = sp.diags(d) @ w
    asym = c - c.T
    return (float(abs(asym).max()) if asym.nnz else 0.0), (float(abs(c).max()) if c.nnz else 0.0)


def _link_graph(w: sp.csr_matrix) -> sp.csr_matrix:
    """The undirected graph of W's links (0/1, symmetric)."""
    return ((w != 0) + (w.T != 0)).astype(np.int8).tocsr()


def _spanning_forest_scaling(w: sp.csr_matrix) -> np.ndarray | None:
    """``d`` propagated level by level down breadth-first trees of the undirected graph of W."""
    n = w.shape[0]
    coo = w.tocoo()
    key = coo.row.astype(np.int64) * n + coo.col
    order = np.argsort(key)
    key, vals = key[order], np.abs(coo.data[order])

    def lookup(rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
        want = rows.astype(np.int64) * n + cols
        pos = np.minimum(np.searchsorted(key, want), len(key) - 1)
        return vals[pos] if np.array_equal(key[pos], want) else None

    graph = _link_graph(w)
    _, labels = csgraph.connected_components(graph, directed=False)
    depth = np.zeros(n)
    pred = np.full(n, -1)
    for root in np.unique(labels, return_index=True)[1]:
        nodes, parents = csgraph.breadth_first_order(graph, root, directed=False, return_predecessors=True)
        pred[nodes[1:]] = parents[nodes[1:]]
        depth[nodes] = csgraph.shortest_path(graph, indices=root, unweighted=True, directed=False)[nodes]
    logd = np.zeros(n)
    by_depth = np.argsort(depth, kind="stable")
    edges = np.searchsorted(depth[by_depth], np.arange(1, int(depth.max()) + 2 if n else 1))
    for lo, hi in zip(edges[:-1], edges[1:]):
        kids = by_depth[lo:hi]
        down, up = lookup(pred[kids], kids), lookup(kids, pred[kids])
        if down is None or up is None:
            return None
        logd[kids] = (
            logd[pred[kids]] + np.log(down) - np.log(up)
        )  # d_kid = d_parent w_parent,kid / w_kid,parent
    return np.exp(logd - logd.max())


def _dense_eigen(w: sp.csr_matrix) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    n = w.shape[0]
    ones = np.ones(n)
    d = _symmetriser(w)
    if d is not None:
        s = np.sqrt(d)
        sym = (sp.diags(s) @ w @ sp.diags(1 / s)).toarray()
        lam, q = np.linalg.eigh((sym + sym.T) / 2)
        # W = D^-1/2 Q L Q' D^1/2  =>  1'V = 1' D^-1/2 Q,  V^-1 1 = Q' D^1/2 1
        return lam.astype(float), ((ones / s) @ q, q.T @ (s * ones))
    lam, vecs = sla.eig(w.toarray())
    if np.abs(lam.imag).max() < 1e-10:
        lam = lam.real
    return lam, (ones @ vecs, np.linalg.solve(vecs, ones))


def _sparse_bounds(w: sp.csr_matrix, row_std: bool, d: np.ndarray | None) -> tuple[float, float]:
    """``(1/lambda_min, 1/lambda_max)`` of W without a dense eigen-decomposition.

    Row-standardised W: ``lambda_max = 1``, and ``lambda_min = -1`` exactly when a connected part of the
    graph is bipartite (lattices, rook contiguity of grids), found in O(nnz) from the bipartite double
    cover, which has two components for each bipartite component and one for each other.  Otherwise
    Lanczos (ARPACK) to a relative tolerance of :data:`_EIG_TOL`: lattice-like spectra cluster at their ends,
    so a tight tolerance costs thousands of iterations.  A Ritz value lies inside the spectrum, so the
    computed extreme eigenvalue is moved outwards by the tolerance: the bounds stay inside the parameter
    space where ``I - rho W`` is non-singular.  ``d`` is :func:`_symmetriser`'s answer for W.
    """
    if row_std and _has_bipartite_component(w):
        return -1.0, 1.0
    try:
        if d is not None:
            s = np.sqrt(d)
            sym = sp.diags(s) @ w @ sp.diags(1 / s)
            sym = (sym + sym.T) / 2
            lo = float(
                spla.eigsh(sym, k=1, which="SA", return_eigenvectors=False, tol=_EIG_TOL, maxiter=5000)[0]
            )
            hi = (
                1.0
                if row_std
                else float(
                    spla.eigsh(sym, k=1, which="LA", return_eigenvectors=False, tol=_EIG_TOL, maxiter=5000)[0]
                )
            )
        else:
            lo = float(
                spla.eigs(w, k=1, which="SR", return_eigenvectors=False, tol=_EIG_TOL, maxiter=5000)[0].real
            )
            hi = (
                1.0
                if row_std
                else float(
                    spla.eigs(w, k=1, which="LR", return_eigenvectors=False, tol=_EIG_TOL, maxiter=5000)[
                        0
                    ].real
                )
            )
    except spla.ArpackNoConvergence:
        warn(
            "the smallest eigenvalue of W did not converge; rho is searched in (-1, 1/lambda_max).",
            ConvergenceWarning,
        )
        lo, hi = -1.0, 1.0
    lo -= 10 * _EIG_TOL * abs(lo)
    if row_std:
        lo = max(lo, -1.0)  # the spectrum of a row-stochastic matrix lies in the unit disc
    else:
        hi += 10 * _EIG_TOL * abs(hi)
    return 1.0 / min(lo, -1e-12), 1.0 / hi


_EIG_TOL = 1e-5
"""Relative tolerance of the Lanczos extreme eigenvalues that bound the spatial parameters."""


def _has_bipartite_component(w: sp.csr_matrix) -> bool:
    """Whether the undirected graph of W has a bipartite connected component (with at least one link)."""
    a = _link_graph(w)
    linked = np.diff(a.indptr) > 0
    if not linked.any():
        return False
    a = a[linked][:, linked]
    n_comp = csgraph.connected_components(a, directed=False)[0]
    cover = sp.bmat([[None, a], [a, None]], format="csr")
    return csgraph.connected_components(cover, directed=False)[0] > n_comp


# ---------------------------------------------------------------------------------------------- optimiser
def maximise(
    func: Callable[[float], float],
    bounds: tuple[float, float],
    name: str,
    grid_points: int = 21,
    op: SpatialOperator | None = None,
) -> float:
    """Maximise a scalar concentrated log-likelihood on the open interval ``bounds``; refuse the bound.

    With an operator that has a surrogate log-determinant (large sparse W, see
    :meth:`SpatialOperator.logdet_surrogate`) the grid and the Brent search run on the surrogate, and the
    optimum is then polished on the exact log-determinant (:func:`_polish`): a handful of sparse LU
    factorisations instead of one per trial value, and the same optimum.
    """
    lo, hi = bounds
    if op is not None and op.has_surrogate:
        with op.surrogate():
            rough = _search(func, bounds, SURROGATE_GRID_POINTS, 1e-8)
        rho = _polish(func, op, rough, bounds, name)
    else:
        rho = _search(func, bounds, grid_points, 1e-10, name)
    if min(rho - lo, hi - rho) < 1e-4 * (hi - lo):
        side = "lower" if rho - lo < hi - rho else "upper"
        raise ModelError(
            f"the maximum-likelihood estimate of {name} is at the {side} bound of its parameter space "
            f"({lo:.4g}, {hi:.4g}): {name} = {rho:.6f}. The model is not identified on these data; check the "
            "weights (are they the intended ones, row-standardised?), the fixed effects and the regressors, "
            "or try another spatial model."
        )
    return rho


def _search(
    func: Callable[[float], float],
    bounds: tuple[float, float],
    grid_points: int,
    xatol: float,
    name: str | None = None,
) -> float:
    lo, hi = bounds
    pad = 1e-6 * (hi - lo)
    # a coarse grid first, so that Brent's search is bracketed around the global maximum even when the
    # concentrated likelihood is not unimodal (possible for error models)
    grid = np.linspace(lo + pad, hi - pad, grid_points)
    best = int(np.argmax([func(r) for r in grid]))
    left, right = grid[max(best - 1, 0)], grid[min(best + 1, grid_points - 1)]
    res = minimize_scalar(
        lambda r: -func(r), bounds=(left, right), method="bounded", options={"xatol": xatol, "maxiter": 500}
    )
    if not res.success and name is not None:
        warn(f"the search for {name} did not converge: {res.message}", ConvergenceWarning)
    return float(res.x)


def _resolution(vals: dict[float, float]) -> float:
    """How precisely computed values of a smooth function locate its maximum: ``sqrt(u |F| / |F''|)`` with
    the curvature of the parabola through the three evaluations nearest the best one and ``u = 100 eps``
    (a log-likelihood sums N T terms and a log-determinant N logs, so its rounding error is well above one
    unit in the last place), within [1e-10, 1e-6]."""
    best = max(vals, key=vals.__getitem__)
    pts = sorted(vals, key=lambda r: abs(r - best))[:3]
    x = np.array(pts) - best
    curvature = (
        2
        * abs(np.polyfit(x / max(np.abs(x).max(), 1e-300), [vals[r] for r in pts], 2)[0])
        / max(np.abs(x).max(), 1e-300) ** 2
    )
    top = max(1.0, abs(vals[best]))
    return float(np.clip(np.sqrt(100 * np.finfo(float).eps * top / max(curvature, 1e-300)), 1e-10, 1e-6))


def _polish(
    func: Callable[[float], float],
    op: SpatialOperator,
    start: float,
    bounds: tuple[float, float],
    name: str,
    step: float = 2e-3,
) -> float:
    """Maximise ``func`` (exact log-determinant) near the surrogate's optimum ``start``.

    The exact function is ``F = F_s + g`` with ``F_s`` the surrogate and ``g`` the surrogate's (smooth,
    small) error.  ``g`` is interpolated through the exact evaluations at ``start +- step`` and at the
    latest estimate, ``F_s + g_hat`` is maximised and its optimum evaluated exactly, until the optimum
    stops moving by more than :func:`_resolution` (successive interpolation of the correction: usually
    three factorisations in all, the last one at the optimum).  If that does not settle, bounded Brent on the
    exact function around the evaluated points decides.
    """
    lo, hi = bounds
    pad = 1e-6 * (hi - lo)
    inner = (lo + pad, hi - pad)

    def surrogate(r: float) -> float:
        with op.surrogate():
            return func(r)

    base = sorted({float(np.clip(start + d, *inner)) for d in (-step, step)})
    vals = {r: func(r) for r in base}
    corr = {r: vals[r] - surrogate(r) for r in base}
    rho = start
    for _ in range(12):
        near = _interpolation_points(vals, rho, 1e-5 * (hi - lo))
        g_hat = _newton_interpolant(near, [corr[r] for r in near])
        res = minimize_scalar(
            lambda r, g=g_hat: -(surrogate(r) + g(r)),
            bounds=inner,
            method="bounded",
            options={"xatol": 1e-12, "maxiter": 500},
        )
        new = float(res.x)
        nearest = min(vals, key=lambda r: abs(r - new))
        if len(vals) >= 3 and abs(nearest - new) < _resolution(vals):
            if vals[nearest] >= max(vals.values()) - 1e-9 * max(1.0, abs(vals[nearest])):
                func(nearest)  # the exact factorisation at the optimum stays cached for what follows
                return nearest
            break
        vals[new] = func(new)
        corr[new] = vals[new] - surrogate(new)
        rho = new
    warn(
        f"the search for {name} on the surrogate log-determinant did not settle; searching the "
        "exact likelihood over the whole parameter space instead (slower, same estimate).",
        ConvergenceWarning,
    )
    return _search(func, bounds, GRID_POINTS["sparse"], 1e-10, name)


def _newton_interpolant(xs: list[float], ys: list[float]) -> Callable[[float], float]:
    """The polynomial through the points (degree len - 1 <= 2) in Newton's divided-difference form, which
    stays accurate for close points where a Vandermonde fit (``np.polyfit``) loses digits."""
    c0 = ys[0]
    c1 = (ys[1] - ys[0]) / (xs[1] - xs[0]) if len(xs) > 1 else 0.0
    c2 = ((ys[2] - ys[1]) / (xs[2] - xs[1]) - c1) / (xs[2] - xs[0]) if len(xs) > 2 else 0.0
    return lambda r: c0 + (r - xs[0]) * (c1 + (r - xs[1]) * c2) if len(xs) > 1 else c0


def _interpolation_points(vals: dict[float, float], rho: float, separation: float) -> list[float]:
    """Up to three evaluated points nearest to ``rho``, at least ``separation`` apart from each other."""
    chosen: list[float] = []
    for r in sorted(vals, key=lambda r: abs(r - rho)):
        if all(abs(r - c) >= separation for c in chosen):
            chosen.append(r)
        if len(chosen) == 3:
            break
    return chosen


# ---------------------------------------------------------------------------------------------- likelihoods
@dataclass(frozen=True)
class LagFit:
    """Result of the concentrated ML of a spatial lag model on transformed data."""

    beta: np.ndarray
    rho: float
    sigma2: float
    loglik: float
    resid: np.ndarray


def jacobian(op: SpatialOperator, rho: float, mult: float, drop_unit_root: bool) -> float:
    """``mult * (ln|I - rho W| - [ln(1 - rho)])``; the bracket only for Lee-Yu with time effects."""
    val = op.logdet(rho)
    if drop_unit_root:
        val -= np.log(1.0 - rho)
    return mult * val


def fit_lag(
    y: np.ndarray,
    wy: np.ndarray,
    x: np.ndarray,
    op: SpatialOperator,
    n_eff: float,
    mult: float,
    drop_unit_root: bool,
) -> LagFit:
    """Concentrated ML of ``y = rho Wy + X beta + e`` (Anselin 1988; Elhorst 2014, section 3.3.1)."""
    coef, *_ = np.linalg.lstsq(x, np.column_stack([y, wy]), rcond=None)
    e0 = y - x @ coef[:, 0]
    e1 = wy - x @ coef[:, 1]
    a, b, c = e0 @ e0, e0 @ e1, e1 @ e1

    def conc(rho: float) -> float:
        ssr = a - 2 * rho * b + rho * rho * c
        return -n_eff / 2 * np.log(ssr / n_eff) + jacobian(op, rho, mult, drop_unit_root)

    rho = maximise(conc, op.bounds, "rho", GRID_POINTS[op.method], op)
    beta = coef[:, 0] - rho * coef[:, 1]
    resid = e0 - rho * e1
    sigma2 = float(resid @ resid / n_eff)
    loglik = -n_eff / 2 * (np.log(2 * np.pi * sigma2) + 1) + jacobian(op, rho, mult, drop_unit_root)
    return LagFit(beta, rho, sigma2, float(loglik), resid)


def fit_error(
    y: np.ndarray,
    wy: np.ndarray,
    x: np.ndarray,
    wx: np.ndarray,
    op: SpatialOperator,
    n_eff: float,
    mult: float,
    drop_unit_root: bool,
) -> LagFit:
    """Concentrated ML of ``y = X beta + u, u = lambda W u + e`` (Elhorst 2014, section 3.3.2).

    ``wy`` and ``wx`` are the (transformed) spatial lags; for each lambda beta is the GLS estimate on
    ``y - lambda Wy`` and ``X - lambda WX``, computed from precomputed cross-products.
    """
    z0 = np.column_stack([y, x])
    z1 = np.column_stack([wy, wx])
    m00, m01, m11 = z0.T @ z0, z0.T @ z1, z1.T @ z1

    def parts(lam: float) -> tuple[np.ndarray, float]:
        m = m00 - lam * (m01 + m01.T) + lam * lam * m11
        beta = np.linalg.solve(m[1:, 1:], m[1:, 0])
        ssr = m[0, 0] - m[0, 1:] @ beta
        return beta, float(ssr)

    def conc(lam: float) -> float:
        return -n_eff / 2 * np.log(parts(lam)[1] / n_eff) + jacobian(op, lam, mult, drop_unit_root)

    lam = maximise(conc, op.bounds, "lambda", GRID_POINTS[op.method], op)
    beta, ssr = parts(lam)
    resid = (y - lam * wy) - (x - lam * wx) @ beta
    sigma2 = ssr / n_eff
    loglik = -n_eff / 2 * (np.log(2 * np.pi * sigma2) + 1) + jacobian(op, lam, mult, drop_unit_root)
    return LagFit(beta, lam, sigma2, float(loglik), resid)


def lag_fit_at(
    y: np.ndarray,
    wy: np.ndarray,
    x: np.ndarray,
    op: SpatialOperator,
    n_eff: float,
    mult: float,
    drop_unit_root: bool,
    beta: np.ndarray,
    rho: float,
) -> LagFit:
    """The lag model's fit at given ``(beta, rho)`` (estimates from another engine, e.g. spreg): residuals,
    ML sigma2 and the log-likelihood of the same (transformed) model that :func:`fit_lag` maximises."""
    resid = y - rho * wy - x @ beta
    sigma2 = float(resid @ resid / n_eff)
    loglik = -n_eff / 2 * (np.log(2 * np.pi * sigma2) + 1) + jacobian(op, rho, mult, drop_unit_root)
    return LagFit(np.asarray(beta, dtype=float), float(rho), sigma2, float(loglik), resid)


def error_fit_at(
    y: np.ndarray,
    wy: np.ndarray,
    x: np.ndarray,
    wx: np.ndarray,
    op: SpatialOperator,
    n_eff: float,
    mult: float,
    drop_unit_root: bool,
    beta: np.ndarray,
    lam: float,
) -> LagFit:
    """The error model's fit at given ``(beta, lambda)`` (see :func:`lag_fit_at`)."""
    resid = (y - lam * wy) - (x - lam * wx) @ beta
    sigma2 = float(resid @ resid / n_eff)
    loglik = -n_eff / 2 * (np.log(2 * np.pi * sigma2) + 1) + jacobian(op, lam, mult, drop_unit_root)
    return LagFit(np.asarray(beta, dtype=float), float(lam), sigma2, float(loglik), resid)


def adjusted_traces(op: SpatialOperator, rho: float, drop_unit_root: bool) -> tuple[float, float, float]:
    """Traces of ``Wt = W(I - rho W)^-1``; for Lee-Yu with time effects, of ``F_N' Wt F_N``.

    With row-standardised W, ``Wt 1 = c 1`` (``c = 1/(1 - rho)``) and the projection ``J = I - 11'/N`` gives
    ``tr(J Wt) = tr(Wt) - c``, ``tr((Wt J)^2) = tr(Wt^2) - c^2``, ``tr(J Wt' J Wt) = tr(Wt'Wt) - |Wt'1|^2/N``.
    """
    t1, t2, t3 = op.traces(rho)
    if not drop_unit_root:
        return t1, t2, t3
    c = 1.0 / (1.0 - rho)
    wt1 = np.asarray(op.w.T @ np.ones(op.n)).ravel()  # Wt' 1 = (I - rho W')^-1 W' 1
    if op.method == "dense":
        col = np.linalg.solve(np.eye(op.n) - rho * op.w.toarray().T, wt1)
    else:
        col = _splu((sp.identity(op.n) - rho * op.w.T).tocsc()).solve(wt1)
    return t1 - c, t2 - c * c, t3 - float(col @ col) / op.n


def lag_information(
    x: np.ndarray,
    beta: np.ndarray,
    rho: float,
    sigma2: float,
    op: SpatialOperator,
    n_eff: float,
    mult: float,
    drop_unit_root: bool,
    t: int,
    fixed_effects: FixedEffects = "none",
) -> np.ndarray:
    """Analytic information matrix of (beta, rho, sigma2) for the spatial lag model with fixed effects.

    Elhorst (2014, eq. 3.13 / sar_panel_FE.m): with ``Wt = W(I - rho W)^-1`` and ``m`` the Jacobian multiplier
    (T, or T-1 under Lee-Yu), the rho-rho element is ``m tr(Wt Wt + Wt'Wt) + (Wt X b)'(Wt X b)/s2``, the
    rho-beta block ``X'(Wt X b)/s2``, rho-sigma2 ``m tr(Wt)/s2`` and sigma2-sigma2 ``n_eff/(2 s2^2)``.

    ``Wt X b`` is the expectation of the spatial lag of the transformed model, so it is itself demeaned for
    the fixed effects: with time effects and row-standardised W its cross-sectional mean is absorbed by the
    time effects and carries no information on rho (with a dense W, e.g. economic-geographic nested weights,
    keeping it overstates the information on rho several times; the observed Hessian confirms the demeaned
    form).
    """
    k = x.shape[1]
    xb = x @ beta
    wxb = demean(lag(op.w, solve_stacked(op, rho, xb, t), op.n), op.n, fixed_effects)
    t1, t2, t3 = adjusted_traces(op, rho, drop_unit_root)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = x.T @ x / sigma2
    info[:k, k] = info[k, :k] = x.T @ wxb / sigma2
    info[k, k] = mult * (t2 + t3) + wxb @ wxb / sigma2
    info[k, k + 1] = info[k + 1, k] = mult * t1 / sigma2
    info[k + 1, k + 1] = n_eff / (2 * sigma2**2)
    return info


def error_information(
    xt: np.ndarray,
    lam: float,
    sigma2: float,
    op: SpatialOperator,
    n_eff: float,
    mult: float,
    drop_unit_root: bool,
) -> np.ndarray:
    """Analytic information matrix of (beta, lambda, sigma2) of the spatial error model (Elhorst 2014).

    ``xt`` is the spatially filtered ``X - lambda WX``; the beta block is ``xt'xt/s2`` and is
    block-diagonal to (lambda, sigma2), whose block is ``[[m tr(Wt Wt + Wt'Wt), m tr(Wt)/s2],
    [., n_eff/(2 s2^2)]]``.
    """
    k = xt.shape[1]
    t1, t2, t3 = adjusted_traces(op, lam, drop_unit_root)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = xt.T @ xt / sigma2
    info[k, k] = mult * (t2 + t3)
    info[k, k + 1] = info[k + 1, k] = mult * t1 / sigma2
    info[k + 1, k + 1] = n_eff / (2 * sigma2**2)
    return info


def solve_stacked(op: SpatialOperator, rho: float, v: np.ndarray, t: int) -> np.ndarray:
    """``(I_T kron (I - rho W))^-1 v`` for a period-major vector."""
    mat = v.reshape(t, op.n).T
    return np.asarray(op.solve(rho, mat)).T.ravel()


def invert_information(info: np.ndarray, names: list[str]) -> np.ndarray:
    """Invert an information matrix, naming the parameters if it is singular."""
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.full_like(info, np.nan)
    bad = [nm for nm, v in zip(names, np.diag(cov)) if not np.isfinite(v) or v <= 0]
    if bad:
        raise ModelError(
            f"the information matrix is singular or not positive definite for {bad}; the model is not "
            "identified (collinear regressors or a degenerate spatial parameter)."
        )
    return cov


HESSIAN_STEP = float(np.finfo(float).eps ** 0.25)
"""Relative step of :func:`numerical_hessian` (eps^(1/4) ~ 1.2e-4: balances the O(h^2) truncation error of
central second differences against the O(eps |f| / h^2) rounding error)."""


def hessian_steps(params: np.ndarray, positive: np.ndarray | list[int] | tuple[int, ...] = ()) -> np.ndarray:
    """Steps ``h_i = eps^(1/4) max(|x_i|, 1)`` of :func:`numerical_hessian`.

    The absolute floor (1, the natural scale of a spatial parameter and of a slope) keeps the step of an
    estimate near 0 from collapsing: a purely relative step gives lambda = 0.001 a step of 1e-7, whose
    second difference is rounding noise (the GNS of the US states reported SE(lambda) 0.03 for a profile-
    likelihood value of about 0.4).  Parameters listed in ``positive`` (variances and variance ratios,
    bounded below by 0) are stepped relative to their own size, ``eps^(1/4) |x_i|``, so that no step
    crosses the bound.

    >>> hessian_steps(np.array([0.001, 250.0, 0.004]), positive=[2]) / HESSIAN_STEP
    array([1.0e+00, 2.5e+02, 4.0e-03])
    """
    params = np.asarray(params, dtype=float)
    scale = np.maximum(np.abs(params), 1.0)
    pos = np.zeros(len(params), dtype=bool)
    pos[list(positive)] = True
    scale[pos] = np.where(np.abs(params[pos]) > 1e-8, np.abs(params[pos]), 1.0)
    return HESSIAN_STEP * scale


def numerical_hessian(
    func: Callable[[np.ndarray], float],
    params: np.ndarray,
    positive: np.ndarray | list[int] | tuple[int, ...] = (),
) -> np.ndarray:
    """Central-difference Hessian of ``func`` at ``params`` (the one helper every model's observed
    information uses: SAC/GNS, random effects, the Hausman test's fixed-effects side).

    Steps from :func:`hessian_steps`; ``positive`` lists the variance-type parameters.

    >>> f = lambda p: -(p[0] ** 2) - 3 * p[0] * p[1] - 5 * p[1] ** 2 - np.log(p[2]) / 2
    >>> np.round(numerical_hessian(f, np.array([1e-3, 2.0, 0.5]), positive=[2]), 6)
    array([[ -2.,  -3.,   0.],
           [ -3., -10.,   0.],
           [  0.,   0.,   2.]])
    """
    params = np.asarray(params, dtype=float)
    k = len(params)
    steps = hessian_steps(params, positive)
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i], ej[j] = steps[i], steps[j]
            value = (
                func(params + ei + ej)
                - func(params + ei - ej)
                - func(params - ei + ej)
                + func(params - ei - ej)
            ) / (4.0 * steps[i] * steps[j])
            hess[i, j] = hess[j, i] = value
    return hess
