"""Time-varying and several spatial weights in one spatial panel model, by exact maximum likelihood.

Four extensions of :class:`~spillover.spatial.model.SpatialPanelModel` share this module (the ordinary
one-W models stay in :mod:`spillover.spatial.model`):

* **time-varying weights**, ``w={period: W_t, ...}``: one weights matrix per period (economic or nested
  weights rebuilt from each year's GDP, :func:`spillover.weights.by_period`).  For period t::

      y_t = rho W_t y_t + X_t beta + W_t X_t theta + mu + alpha_t 1 + e_t

  The log-likelihood's Jacobian is ``sum_t ln|I - rho W_t|`` (one exact log-determinant per distinct
  period matrix), the spatial lag ``W_t y_t`` and the Durbin terms ``W_t X_t`` are formed period by
  period, and the fixed effects are removed by the within transformation *after* the lags are formed
  ("lag first, then demean").  With a constant W the two orders coincide for row-standardised W; with
  time-varying W they do not (the unit mean of ``W_t y_t`` is not ``W`` times the unit mean of y), and only
  lag-then-demean is exact: the fixed effects enter the model additively after the lag.  Error models
  (``"sem"``, ``"sdem"``) filter ``(I - lambda W_t)`` the fixed effects too, so with time-varying W unit
  effects do not drop out; they are supported with ``fixed_effects="none"`` or ``"time"`` (row-standardised
  W_t) only.
* **Durbin weights** ``w_x=``: a different W for the ``W x`` terms of an SDM, SLX or SDEM (a single W or one
  per period).
* **two (or more) spatial lags of y**, ``w=[W1, W2]`` (kinds ``"sar"``, ``"sdm"``)::

      y = rho1 W1 y + rho2 W2 y + X beta [+ Wx X theta] + FE + e

  with ``ln|I - rho1 W1 - rho2 W2|`` exact (dense LU up to :data:`EXACT_MAX_N` regions, sparse LU above,
  the sparsity pattern of ``I - rho1 W1 - rho2 W2`` found once), maximised over
  (rho1, rho2) jointly on ``sum_j |rho_j| ||W_j||_inf < 1`` (``|rho1| + |rho2| < 1`` for row-standardised W:
  the sufficient condition for ``I - rho1 W1 - rho2 W2`` to be invertible that Lee and Yu 2014 and
  Elhorst, Lacombe and Piras 2012 use for higher-order spatial lags).  An SDM needs ``w_x=`` (which W
  multiplies X is a choice the model cannot make).
* **convex combination**, ``w=[W1, ..., WK], combine="convex"``: ``W(gamma) = sum_k gamma_k W_k`` with
  ``gamma_k >= 0`` and ``sum_k gamma_k = 1``, estimated by ML jointly with rho (Debarsy and LeSage 2018;
  the Durbin terms use ``W(gamma) X`` unless ``w_x=`` is given).  gamma is reported for every W (the last
  is ``1 - sum`` of the others, its standard error by the delta method); gamma is identified only through
  rho (with rho = 0 every gamma fits equally), so a rho indistinguishable from 0 warns.

beta and sigma2 are concentrated out (OLS on cross-products of the transformed columns for each trial value
of the spatial parameters).  One spatial parameter: the search of :func:`spillover.spatial._likelihood.
maximise` (grid, then bounded Brent); several: a grid, then Nelder-Mead.  Standard errors: with one spatial
parameter the analytic information matrix (Elhorst 2014, eq. 3.13, with the traces summed over the periods'
``W_t (I - rho W_t)^-1``), so that with all W_t equal the fit is the ordinary fit to the last digit;
with several (two lags, convex) the inverse observed information, a central-difference Hessian of the exact
log-likelihood (:func:`spillover.spatial._likelihood.numerical_hessian`).

Effects (LeSage and Pace 2009) per period with ``S_t = (I - sum_j rho_j W_jt)^-1 (beta_k I + theta_k Wx_t)``
(``W(gamma)`` for the convex combination) and averaged over the periods, with simulated intervals.  Above
:data:`EXACT_MAX_N` regions no N x N matrix is formed: one W per period uses the operators' power series or
eigenvalues, two lags (or the convex combination of two W) one table of traces of the products of W1 and W2
for all draws (:func:`_two_lag_moments`), and otherwise a sparse LU and Hutchinson probes per draw
(:func:`stochastic_moments`).

Not supported here (refused with a :class:`~spillover.errors.ModelError`): dynamic panels, random effects,
the SAC/GNS, ``engine="spreg"`` and ``bias_correction="lee-yu"``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import stats
from scipy.optimize import minimize

from spillover.errors import ConvergenceWarning, IdentificationWarning, ModelError, WeightsError, format_items
from spillover.options import FixedEffects, check_int, warn
from spillover.spatial import _likelihood as lk
from spillover.spatial._checks import _check_dependent, _check_observations, _check_regressors
from spillover.spatial.impacts import EFFECTS, effects_table
from spillover.spatial.results import FitCore, SpatialPanelResults

if TYPE_CHECKING:
    from spillover.spatial.model import SpatialPanelModel

__all__ = ["MultiWeightResults", "SUPPORTED", "is_multi", "check_model", "estimate_multi"]

SUPPORTED = (
    "time-varying weights (w={period: W}) and Durbin weights (w_x=) are supported by SpatialPanelModel "
    "with kind='sar', 'sdm', 'slx', 'sem' or 'sdem'; several lags of y (w=[W1, W2]) and the convex "
    "combination (combine='convex') with kind='sar' or 'sdm'; all static, fixed_effects='none', 'unit', "
    "'time' or 'twoway', engine='native', bias_correction='none' (see docs/weights_choice.md)"
)
"""Which estimators take time-varying or several weights (quoted by every refusal)."""

_LAG = ("sar", "sdm")
_ERROR = ("sem", "sdem")
_DURBIN = ("sdm", "slx", "sdem")
_PROBES = 64
"""Rademacher probes of the remainder of the traces of the effects on the sparse path (above
:data:`EXACT_MAX_N` regions) with several weights; the totals stay exact."""
_SERIES_MAX_TERMS = 300
"""Above this many power-series terms (``||C||_inf`` near 1) the probes of the effects are solved by LU."""
EXACT_MAX_N = 250
"""Up to this many regions (``method="auto"``) the several/time-varying weights path is dense and exact:
``slogdet`` of ``I - sum_j c_j W_j``, one eigendecomposition per distinct W_t, exact traces of the effects
(one dense inverse per draw).  Above it: sparse LU log-determinants (exact too), the sparse operators of
:mod:`spillover.spatial._likelihood` per period, and Hutchinson estimates of the traces of the effects (the
totals stay exact).  The dense path costs O(N^3) per likelihood evaluation and per draw, which at 900
regions took minutes; the sparse one O(nnz) per evaluation on contiguity-like weights."""


def is_multi(w: Any, w_x: Any, combine: Any) -> bool:
    """Whether a model's weights need this module (a dict or a list of weights, ``w_x`` or ``combine``)."""
    return isinstance(w, (dict, list, tuple)) or w_x is not None or combine is not None


def check_model(model: SpatialPanelModel) -> None:
    """Refuse, at construction, what the several/time-varying weights estimators do not do."""
    w, kind = model.w, model.kind
    bad = []
    if model.dynamic:
        bad.append("dynamic panels")
    if model.fixed_effects == "random":
        bad.append("random effects")
    if kind in ("sac", "gns"):
        bad.append(f"kind={kind!r}")
    if model.engine != "native":
        bad.append("engine='spreg'")
    if model.bias_correction != "none":
        bad.append("bias_correction='lee-yu'")
    if bad:
        raise ModelError(f"{format_items(bad)} cannot take several or time-varying weights: {SUPPORTED}.")
    if model.combine not in (None, "convex"):
        raise ModelError(f"combine must be None or 'convex'; got {model.combine!r}.")
    several = isinstance(w, (list, tuple))
    if several:
        if len(w) < 2:
            raise ModelError("w=[...] takes two or more weights (one weights object: pass it alone).")
        if kind not in _LAG:
            raise ModelError(
                f"w=[W1, W2] gives several spatial lags of y (or their convex combination); kind={kind!r} has "
                f"none: {SUPPORTED}."
            )
        if kind == "sdm" and model.combine is None and model.w_x is None:
            raise ModelError(
                "an SDM with several spatial lags of y needs w_x= (the weights of its W x terms): which of "
                "the W's multiplies X is part of the model."
            )
    elif model.combine is not None:
        raise ModelError("combine='convex' combines several weights: pass w=[W1, W2, ...].")
    if model.w_x is not None and kind not in _DURBIN:
        raise ModelError(
            f"w_x= is the weights of the W x terms, which a {kind!r} model does not have; use kind='sdm', "
            "'slx' or 'sdem'."
        )
    if kind in _ERROR and isinstance(w, dict) and model.fixed_effects in ("unit", "twoway"):
        raise ModelError(
            f"a {kind.upper()} with time-varying weights and {model.fixed_effects} fixed effects is not "
            "identified by the within transformation: the error filter (I - lambda W_t) turns the unit "
            "effects mu into (I - lambda W_t) mu, which changes every period and does not drop out. Use "
            "fixed_effects='none' or 'time', or a lag model (kind='sar'/'sdm')."
        )


# ---------------------------------------------------------------------------------------------- weights
@dataclass(frozen=True)
class _Weights:
    """The model's weights as sparse matrices per period: ``lags[j][t]`` (lag or error weights) and
    ``wx[t]`` (Durbin weights; None for the convex combination's W(gamma)); ``groups`` lists the periods
    sharing the same matrices (their log-determinants and effects are computed once)."""

    lags: list[list[sp.csr_matrix]]
    wx: list[sp.csr_matrix] | None
    groups: list[list[int]]
    convex: bool
    time_varying: bool


def _per_period(w: Any, panel: Any, label: str) -> list[sp.csr_matrix]:
    from spillover.weights import to_sparse

    periods = list(panel.periods)
    if not isinstance(w, dict):
        return [_sparse(to_sparse, w, panel.ids, label)] * len(periods)
    missing = [p for p in periods if p not in w]
    extra = [p for p in w if p not in set(periods)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no weights for the periods {format_items(missing)}")
        if extra:
            parts.append(f"weights for periods {format_items(extra)} that are not in the panel")
        raise WeightsError(
            f"time-varying {label} must have one weights object per period of the panel "
            f"({format_items(periods)}); there are {' and '.join(parts)}."
        )
    return [_sparse(to_sparse, w[p], panel.ids, f"{label}[{p!r}]") for p in periods]


def _sparse(to_sparse: Callable[..., sp.csr_matrix], w: Any, ids: pd.Index, label: str) -> sp.csr_matrix:
    try:
        out = to_sparse(w, ids)
    except WeightsError as exc:
        raise WeightsError(f"{label}: {exc}") from None
    except (TypeError, AttributeError) as exc:
        raise WeightsError(
            f"{label} must be a libpysal Graph, a libpysal W or a square DataFrame of the panel's regions; "
            f"got {type(w).__name__} ({exc})."
        ) from None
    out = sp.csr_matrix(out, dtype=float)
    out.eliminate_zeros()
    if np.any(out.diagonal() != 0):
        raise WeightsError(f"{label} has non-zero diagonal entries (a region is its own neighbour).")
    return out


def _same(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return a is b or (a.shape == b.shape and (a != b).nnz == 0)


def _weights(model: SpatialPanelModel) -> _Weights:
    panel = model.panel
    several = isinstance(model.w, (list, tuple))
    items = list(model.w) if several else [model.w]
    lags = [_per_period(w, panel, f"w[{j}]" if several else "w") for j, w in enumerate(items)]
    wx = None
    if model.kind in _DURBIN:
        if model.w_x is not None:
            wx = _per_period(model.w_x, panel, "w_x")
        elif not model.combine:
            wx = lags[0]
    t = panel.n_periods
    groups: list[list[int]] = []
    for s in range(t):
        for g in groups:
            r = g[0]
            if all(_same(m[s], m[r]) for m in lags) and (wx is None or _same(wx[s], wx[r])):
                g.append(s)
                break
        else:
            groups.append([s])
    tv = any(isinstance(w, dict) for w in [*items, model.w_x])
    return _Weights(lags, wx, groups, bool(model.combine), tv)


def lag_periods(mats: Sequence[sp.csr_matrix], v: np.ndarray, n: int) -> np.ndarray:
    """``W_t v_t`` period by period for a period-major stacked vector or matrix ``v``."""
    out = np.empty_like(np.asarray(v, dtype=float))
    for t, m in enumerate(mats):
        out[t * n : (t + 1) * n] = m @ v[t * n : (t + 1) * n]
    return out


# ---------------------------------------------------------------------------------------------- the profile
class _Problem:
    """Transformed columns, the spatial parameters' map to coefficients, log-determinants and bounds."""

    def __init__(self, model: SpatialPanelModel, ws: _Weights, method: str) -> None:
        panel = model.panel
        self.n, self.t = n, t = panel.n_regions, panel.n_periods
        self.fe = fe = model.fixed_effects
        self.kind = model.kind
        self.ws = ws
        y = panel.stacked(model.y)
        xs = [panel.stacked(v) for v in model.x]
        x = np.column_stack(xs) if xs else np.empty((n * t, 0))
        cols = [model.x.index(d) for d in model.durbin]
        xd = x[:, cols]
        names = [*model.x]
        fixed = [x]
        self.durbin_blocks: list[np.ndarray] = []
        if cols and ws.wx is not None:
            fixed.append(lag_periods(ws.wx, xd, n))
            names += [f"W*{d}" for d in model.durbin]
        elif cols:  # convex: sum_k gamma_k W_k X_d
            self.durbin_blocks = [lag_periods(m, xd, n) for m in ws.lags]
            names += [f"W*{d}" for d in model.durbin]
        if fe == "none":
            fixed.insert(0, np.ones((n * t, 1)))
            names = ["const", *names]
        self.names = names
        self.y = y
        self.x_fixed = np.column_stack(fixed)
        self.k = len(names)
        self.k_fixed = self.x_fixed.shape[1]
        self.kd = len(cols)
        dm = self.demean
        self.n_eff = float(n * t)
        if self.kind in _LAG:
            self.n_lags = len(ws.lags)
            ycols = [y, *(lag_periods(m, y, n) for m in ws.lags)]
            # each column demeaned on its own, as the one-W model does (the same rounding, the same fit)
            z = [*(dm(c)[:, None] for c in ycols), dm(self.x_fixed), *(dm(b) for b in self.durbin_blocks)]
        elif self.kind in _ERROR:
            self.n_lags = 1
            full = self.x_fixed
            w0 = ws.lags[0]
            z = [dm(y)[:, None], dm(lag_periods(w0, y, n))[:, None], dm(full), dm(lag_periods(w0, full, n))]
        else:  # slx
            self.n_lags = 0
            z = [dm(y)[:, None], dm(self.x_fixed)]
        self.z = np.column_stack(z)
        self.g = self.z.T @ self.z
        self.spatial = self._spatial_names(model)
        self.dense = method == "dense" or (method == "auto" and n <= EXACT_MAX_N)
        self.series_cache: dict[tuple[int, int], np.ndarray] = {}
        self._patterns: dict[int, tuple[sp.csc_matrix, np.ndarray, list[np.ndarray]]] = {}
        self.ops = self._operators(method)
        self.bounds = self._bounds()

    def demean(self, v: np.ndarray) -> np.ndarray:
        fe: FixedEffects = "none" if self.fe == "random" else self.fe  # random effects are refused earlier
        return lk.demean(v, self.n, fe) if fe != "none" else np.asarray(v, dtype=float)

    def _spatial_names(self, model: SpatialPanelModel) -> list[str]:
        if self.kind == "slx":
            return []
        if self.kind in _ERROR:
            return ["lambda"]
        if self.ws.convex:
            return ["rho", *(f"gamma{k + 1}" for k in range(len(self.ws.lags) - 1))]
        if self.n_lags == 1:
            return ["rho"]
        return [f"rho{j + 1}" for j in range(self.n_lags)]

    @property
    def single(self) -> bool:
        """One spatial parameter in one W per period (the exact operators of ``_likelihood`` apply)."""
        return self.n_lags == 1 and not self.ws.convex

    def _operators(self, method: str) -> list[lk.SpatialOperator] | None:
        if self.kind == "slx" or not self.single:
            return None
        if len(self.ws.groups) > 1 and method == "auto":
            # several distinct W_t: one dense eigendecomposition each only while N is small
            method = "dense" if self.dense else "sparse"
        return [lk.make_operator(self.ws.lags[0][g[0]], method) for g in self.ws.groups]  # type: ignore[arg-type]

    def _bounds(self) -> list[tuple[float, float]]:
        if self.ops is not None:
            return [(max(o.bounds[0] for o in self.ops), min(o.bounds[1] for o in self.ops))]
        if self.kind == "slx":
            return []
        self.norms = [max(_row_norm(m) for m in mats) for mats in self.ws.lags]
        if self.ws.convex:
            r = max(self.norms)
            return [(-1.0 / r, 1.0 / r)] + [(0.0, 1.0)] * (len(self.ws.lags) - 1)
        return [(-1.0 / r, 1.0 / r) for r in self.norms]

    # -------------------------------------------------------------- the spatial parameters
    def gammas(self, s: np.ndarray) -> np.ndarray:
        """All K convex weights from the K - 1 free ones (projected onto the simplex)."""
        return _simplex_projection(np.append(s[1:], 1.0 - np.sum(s[1:])))

    def lag_coefs(self, s: np.ndarray) -> np.ndarray:
        """Coefficients of the lag terms ``W_j y``: rho_j, or rho gamma_k for the convex combination."""
        if self.ws.convex:
            return s[0] * self.gammas(s)
        return np.asarray(s[: self.n_lags], dtype=float)

    def feasible(self, s: np.ndarray) -> bool:
        if self.ops is not None or self.kind in _ERROR:
            lo, hi = self.bounds[0]
            return bool(lo < s[0] < hi)
        if self.ws.convex:
            lo, hi = self.bounds[0]
            return bool(lo < s[0] < hi)
        return bool(np.sum(np.abs(s) * np.array(self.norms)) < 1.0)

    def coefs(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(a, B): the transformed y is ``z a`` and the transformed regressors ``z B``."""
        k, kf = self.k, self.k_fixed
        ncol = self.z.shape[1]
        a = np.zeros(ncol)
        b = np.zeros((ncol, k))
        if self.kind == "slx":
            a[0] = 1.0
            b[1:, :] = np.eye(k)
            return a, b
        if self.kind in _ERROR:
            lam = s[0]
            a[:2] = [1.0, -lam]
            b[2 : 2 + k] = np.eye(k)
            b[2 + k :] = -lam * np.eye(k)
            return a, b
        j = self.n_lags
        a[0] = 1.0
        a[1 : 1 + j] = -self.lag_coefs(s)
        b[1 + j : 1 + j + kf, :kf] = np.eye(kf)
        if self.durbin_blocks:
            g = self.gammas(s)
            kd = self.kd
            for q, gk in enumerate(g):
                start = 1 + j + kf + q * kd
                b[start : start + kd, kf:] = gk * np.eye(kd)
        return a, b

    def profile(self, s: np.ndarray) -> tuple[np.ndarray, float]:
        a, b = self.coefs(s)
        gb = self.g @ b
        beta = np.linalg.solve(b.T @ gb, gb.T @ a)
        c = a - b @ beta
        return beta, float(c @ self.g @ c)

    def ssr(self, s: np.ndarray, beta: np.ndarray) -> float:
        a, b = self.coefs(s)
        c = a - b @ beta
        return float(c @ self.g @ c)

    def resid(self, s: np.ndarray, beta: np.ndarray) -> np.ndarray:
        a, b = self.coefs(s)
        return self.z @ (a - b @ beta)

    # -------------------------------------------------------------- log-determinants
    def logdet(self, s: np.ndarray) -> float:
        """``sum_t ln|I - sum_j c_j W_jt|`` (-inf outside the region where it is defined)."""
        if self.kind == "slx":
            return 0.0
        if self.ops is not None:
            return float(sum(len(g) * op.logdet(float(s[0])) for g, op in zip(self.ws.groups, self.ops)))
        c = self.lag_coefs(s)
        total = 0.0
        for g in self.ws.groups:
            a = self.a_matrix(c, g[0])
            val = _logdet(a, self.dense)
            if not np.isfinite(val):
                return -np.inf
            total += len(g) * val
        return total

    def a_matrix(self, c: np.ndarray, period: int) -> sp.csc_matrix:
        """``I - sum_j c_j W_jt`` (CSC): its entries written into the union sparsity pattern of I and the
        W_jt, found once per period (each likelihood evaluation then costs O(nnz) before the LU)."""
        pattern, eye, parts = self._pattern(period)
        data = eye.copy()
        for cj, part in zip(c, parts):
            data -= cj * part
        return sp.csc_matrix((data, pattern.indices, pattern.indptr), shape=pattern.shape)

    def _pattern(self, period: int) -> tuple[sp.csc_matrix, np.ndarray, list[np.ndarray]]:
        if period not in self._patterns:
            n = self.n
            mats = [sp.csc_matrix(m[period]) for m in self.ws.lags]
            pattern = sp.csc_matrix(sp.identity(n, format="csc") + sum(abs(m) for m in mats))
            pattern.sort_indices()
            cols = np.repeat(np.arange(n), np.diff(pattern.indptr))
            keys = cols.astype(np.int64) * n + pattern.indices

            def on_pattern(m: sp.spmatrix) -> np.ndarray:
                coo = sp.coo_matrix(m)
                out = np.zeros(len(keys))
                np.add.at(out, np.searchsorted(keys, coo.col.astype(np.int64) * n + coo.row), coo.data)
                return out

            self._patterns[period] = (pattern, on_pattern(sp.identity(n)), [on_pattern(m) for m in mats])
        return self._patterns[period]

    def concentrated(self, s: np.ndarray) -> float:
        ld = self.logdet(s)
        if not np.isfinite(ld):
            return -np.inf
        ssr = self.profile(s)[1]
        return -self.n_eff / 2 * np.log(ssr / self.n_eff) + ld

    def loglik(self, p: np.ndarray) -> float:
        """The exact log-likelihood at ``p = (beta, spatial, sigma2)``."""
        k, q = self.k, len(self.spatial)
        s, s2 = p[k : k + q], p[-1]
        if s2 <= 0 or not self.feasible(s):
            return -np.inf
        ld = self.logdet(s)
        return float(-self.n_eff / 2 * np.log(2 * np.pi * s2) - self.ssr(s, p[:k]) / (2 * s2) + ld)


def _row_norm(m: sp.csr_matrix) -> float:
    return float(np.max(np.asarray(abs(m).sum(axis=1)).ravel()))


def _logdet(a: sp.csr_matrix, dense: bool) -> float:
    """``ln|A|`` (-inf where ``|A| <= 0``): dense LU, or sparse LU with the signs of its permutations."""
    if dense:
        sign, val = np.linalg.slogdet(a.toarray())
        return float(val) if sign > 0 else -np.inf
    try:  # COLAMD with partial pivoting: the most accurate of SuperLU's orderings for a non-symmetric A
        lu = spla.splu(sp.csc_matrix(a), permc_spec="COLAMD")
    except RuntimeError:
        return -np.inf
    d = lu.U.diagonal()
    sign = np.prod(np.sign(d)) * _perm_sign(lu.perm_r) * _perm_sign(lu.perm_c)
    return float(np.sum(np.log(np.abs(d)))) if sign > 0 else -np.inf


def _perm_sign(perm: np.ndarray) -> float:
    """Sign of a permutation (the parity of its cycles)."""
    seen = np.zeros(len(perm), dtype=bool)
    sign = 1.0
    for i in range(len(perm)):
        if seen[i]:
            continue
        j, length = i, 0
        while not seen[j]:
            seen[j] = True
            j = perm[j]
            length += 1
        if length % 2 == 0:
            sign = -sign
    return sign


def _simplex_projection(v: np.ndarray) -> np.ndarray:
    """Euclidean projection onto the probability simplex (Held, Wolfe and Crowder 1974)."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    idx = np.arange(1, len(v) + 1)
    r = idx[u - css / idx > 0][-1]
    return np.maximum(v - css[r - 1] / r, 0.0)


# ---------------------------------------------------------------------------------------------- estimation
@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    s: np.ndarray
    sigma2: float
    loglik: float
    cov: np.ndarray  # over (beta, spatial) incl. all gammas
    sigma2_se: float
    resid: np.ndarray
    names: list[str]
    s_free: np.ndarray  # the searched spatial parameters (without the last gamma of a convex combination)


def _search(prob: _Problem) -> np.ndarray:
    q = len(prob.spatial)
    if q == 0:
        return np.empty(0)
    if q == 1:
        rho = lk.maximise(lambda r: prob.concentrated(np.array([r])), prob.bounds[0], prob.spatial[0], 21)
        return np.array([rho])
    grids = [np.linspace(lo, hi, 13)[1:-1] for lo, hi in prob.bounds]
    if prob.ws.convex and q > 2:  # K > 2 weights: equal weights and the vertices
        k = q - 1
        starts = [np.full(k, 1.0 / (k + 1)), *np.eye(k), np.zeros(k)]
        cands = [np.r_[r, g] for r in grids[0] for g in starts]
    else:
        mesh = np.meshgrid(*grids, indexing="ij")
        cands = list(np.column_stack([m.ravel() for m in mesh]))
    cands = [c for c in cands if prob.feasible(c)]
    vals = [prob.concentrated(c) for c in cands]
    start = cands[int(np.nanargmax(vals))]

    def neg(s: np.ndarray) -> float:
        if not prob.feasible(s):
            return np.inf
        v = prob.concentrated(s)
        return -v if np.isfinite(v) else np.inf

    res = minimize(
        neg,
        start,
        method="Nelder-Mead",
        options={
            "xatol": 1e-10,
            "fatol": 1e-13 * max(1.0, abs(max(vals))),
            "maxiter": 8000,
            "initial_simplex": np.vstack([start, start + 0.05 * np.eye(q)]),
        },
    )
    if not res.success:
        warn(
            f"the search over {format_items(prob.spatial)} did not converge: {res.message}",
            ConvergenceWarning,
        )
    s = np.asarray(res.x, dtype=float)
    if prob.ws.convex:
        s = np.r_[s[0], prob.gammas(s)[:-1]]
    _check_interior(prob, s)
    return s


def _check_interior(prob: _Problem, s: np.ndarray) -> None:
    if prob.ws.convex:
        lo, hi = prob.bounds[0]
        near = min(s[0] - lo, hi - s[0]) < 1e-4 * (hi - lo)
    else:
        near = np.sum(np.abs(s) * np.array(prob.norms)) > 1 - 1e-4
    if near:
        raise ModelError(
            f"the maximum-likelihood estimate of {format_items(prob.spatial)} = {np.round(s, 6).tolist()} is on "
            "the bound of the parameter space (sum_j |rho_j| ||W_j|| < 1); the model is not identified on "
            "these data. Check the weights, or fit one W at a time."
        )


def _information_single(prob: _Problem, beta: np.ndarray, s: float, sigma2: float) -> np.ndarray:
    """Analytic information of (beta, rho or lambda, sigma2) with the traces summed over the periods."""
    assert prob.ops is not None
    k = prob.k
    t1 = t2 = t3 = 0.0
    for g, op in zip(prob.ws.groups, prob.ops):
        a, b, c = op.traces(s)
        t1, t2, t3 = t1 + len(g) * a, t2 + len(g) * b, t3 + len(g) * c
    bmat = prob.coefs(np.array([s]))[1]
    xt = prob.z @ bmat
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = xt.T @ xt / sigma2
    if prob.kind in _LAG:
        xb = prob.x_fixed @ beta
        w = prob.ws.lags[0]
        n = prob.n
        solved = np.empty_like(xb)
        for g, op in zip(prob.ws.groups, prob.ops):  # one solve per distinct W_t, its periods as columns
            block = np.column_stack([xb[p * n : (p + 1) * n] for p in g])
            out = np.asarray(op.solve(s, block)).reshape(n, len(g))
            for col, p in enumerate(g):
                solved[p * n : (p + 1) * n] = out[:, col]
        wxb = prob.demean(lag_periods(w, solved, n))
        info[:k, k] = info[k, :k] = xt.T @ wxb / sigma2
        info[k, k] = wxb @ wxb / sigma2
    info[k, k] += t2 + t3
    info[k, k + 1] = info[k + 1, k] = t1 / sigma2
    info[k + 1, k + 1] = prob.n_eff / (2 * sigma2**2)
    return info


class _Summed:
    """The per-period operators seen as one: ``logdet`` is ``sum_t ln|I - rho W_t|`` (duck-typed for
    :func:`spillover.spatial._likelihood.fit_lag`'s search, with multiplier 1)."""

    has_surrogate = False

    def __init__(self, prob: _Problem) -> None:
        assert prob.ops is not None
        self.prob = prob
        self.bounds = prob.bounds[0]
        self.method = prob.ops[0].method

    def logdet(self, rho: float) -> float:
        return self.prob.logdet(np.array([rho]))


def _single_fit(prob: _Problem) -> lk.LagFit:
    """One spatial parameter: the concentrated ML of :mod:`spillover.spatial._likelihood` itself, with the
    Jacobian summed over the periods (with one distinct W the very same computation as the one-W model)."""
    assert prob.ops is not None
    k = prob.k
    z = prob.z
    if len(prob.ops) == 1:
        op: Any = prob.ops[0]
        mult = float(prob.t)
    else:
        op, mult = _Summed(prob), 1.0
    if prob.kind in _LAG:
        return lk.fit_lag(z[:, 0], z[:, 1], z[:, 2 : 2 + k], op, prob.n_eff, mult, False)
    return lk.fit_error(z[:, 0], z[:, 1], z[:, 2 : 2 + k], z[:, 2 + k :], op, prob.n_eff, mult, False)


def _fit(prob: _Problem) -> _Fit:
    n_eff = prob.n_eff
    if prob.single and prob.kind != "slx":
        lf = _single_fit(prob)
        s, beta, sigma2, loglik = np.array([lf.rho]), lf.beta, lf.sigma2, lf.loglik
    else:
        s = _search(prob)
        beta, ssr = prob.profile(s)
        sigma2 = ssr / n_eff
        loglik = float(-n_eff / 2 * (np.log(2 * np.pi * sigma2) + 1) + prob.logdet(s))
    k, q = prob.k, len(s)
    names = [*prob.names, *prob.spatial]
    if q == 0:
        info = np.zeros((k + 1, k + 1))
        xt = prob.z[:, 1:]
        info[:k, :k] = xt.T @ xt / sigma2
        info[k, k] = n_eff / (2 * sigma2**2)
        cov = lk.invert_information(info, [*prob.names, "sigma2"])
    elif prob.single:
        cov = lk.invert_information(_information_single(prob, beta, float(s[0]), sigma2), [*names, "sigma2"])
    else:
        cov = _observed_cov(prob, beta, s, sigma2, names)
    full_names = list(names)
    cov_main = cov[: k + q, : k + q]
    s_free, resid = s, prob.resid(s, beta)
    if prob.ws.convex:  # the last gamma = 1 - sum of the others (delta method)
        jac = np.zeros((k + q + 1, k + q))
        jac[: k + q, : k + q] = np.eye(k + q)
        jac[-1, k + 1 :] = -1.0
        cov_main = jac @ cov_main @ jac.T
        s = np.append(s, 1.0 - np.sum(s[1:]))
        full_names.append(f"gamma{q}")
    return _Fit(beta, s, sigma2, loglik, cov_main, float(np.sqrt(cov[-1, -1])), resid, full_names, s_free)


def _observed_cov(
    prob: _Problem, beta: np.ndarray, s: np.ndarray, sigma2: float, names: list[str]
) -> np.ndarray:
    k, q = prob.k, len(s)
    point = np.r_[beta, s, sigma2]
    free = np.ones(len(point), dtype=bool)
    if prob.ws.convex:
        g = prob.gammas(s)
        edge = np.where((g[:-1] < 1e-6) | (g[:-1] > 1 - 1e-6) | (g[-1] < 1e-6))[0]
        if len(edge):
            free[k + 1 :] = False
            free[-1] = True
            warn(
                f"the convex weights gamma = {np.round(g, 6).tolist()} are on the boundary of the simplex; "
                "their standard errors are not defined there (reported as NaN) and the other standard errors "
                "are conditional on gamma.",
                IdentificationWarning,
            )
    idx = np.where(free)[0]

    def ll(sub: np.ndarray) -> float:
        p = point.copy()
        p[idx] = sub
        return prob.loglik(p)

    hess = lk.numerical_hessian(ll, point[idx], positive=[len(idx) - 1])
    sub = lk.invert_information(-hess, [names[i] if i < len(names) else "sigma2" for i in idx])
    cov = np.full((len(point), len(point)), np.nan)
    cov[np.ix_(idx, idx)] = sub
    if prob.ws.convex and len(idx) < len(point):
        cov[k + 1 : k + q, :] = np.nan
        cov[:, k + 1 : k + q] = np.nan
    if prob.ws.convex:
        z = s[0] / np.sqrt(cov[k, k])
        if abs(z) < stats.norm.ppf(0.975):
            warn(
                f"rho = {s[0]:.4f} is not significantly different from 0 (z = {z:.2f}); the convex weights "
                "gamma are identified only through rho (Debarsy and LeSage 2018) and are weakly identified "
                "here.",
                IdentificationWarning,
            )
    return cov


def estimate_multi(model: SpatialPanelModel) -> MultiWeightResults:
    """Fit a model with time-varying or several weights (see the module's docstring)."""
    panel = model.panel
    n, t, fe = panel.n_regions, panel.n_periods, model.fixed_effects
    if fe in ("unit", "twoway") and t < 2:
        raise ModelError(f"unit fixed effects need at least 2 periods; the panel has {t}.")
    if fe in ("time", "twoway") and n < 3:
        raise ModelError(f"time fixed effects need at least 3 regions; the panel has {n}.")
    ws = _weights(model)
    if model.kind in _ERROR and fe == "time":
        for t_, m in enumerate(ws.lags[0]):
            if not np.allclose(np.asarray(m.sum(axis=1)).ravel(), 1.0):
                raise WeightsError(
                    f"a spatial error model with time fixed effects needs row-standardised weights; those of "
                    f"period {panel.periods[t_]!r} are not. Pass w.transform('r')."
                )
    prob = _Problem(model, ws, model.method)
    y_t = prob.demean(prob.y)
    _check_dependent(prob.y, y_t, model.y, fe)
    _check_observations(prob.names, n, t, fe)
    _check_regressors(prob.demean(prob.x_fixed), prob.x_fixed, prob.names[: prob.k_fixed], fe)
    f = _fit(prob)
    values = np.r_[f.beta, f.s]
    idx = f.names
    if model.kind in _LAG:  # the reduced form, as the one-W models report it
        fitted = prob.demean(_reduced_form(prob, f.s_free, f.beta))
    else:
        fitted = prob.demean(prob.x_fixed) @ f.beta
    r2 = float(np.corrcoef(y_t, fitted)[0, 1] ** 2) if np.std(fitted) > 0 else float("nan")
    op0 = (
        prob.ops[0]
        if prob.ops is not None
        else lk.make_operator(ws.lags[0][0], "dense" if prob.dense else "sparse")
    )
    core = FitCore.of_model(model, _CoreDesign(prob.y, prob.x_fixed, prob.names), op0, f.resid, None)
    return MultiWeightResults(
        params=pd.Series(values, index=idx, name="params"),
        cov=pd.DataFrame(f.cov, index=idx, columns=idx),
        sigma2=f.sigma2,
        sigma2_se=f.sigma2_se,
        loglik=f.loglik,
        r2=r2,
        n_regions=n,
        n_periods=t,
        nobs=n * t,
        kind=model.kind,
        fixed_effects=fe,
        bias_correction="none",
        y_name=model.y,
        x_names=list(model.x),
        durbin=list(model.durbin),
        _core=core,
        spatial_names=tuple(f.names[prob.k :]),
        weights_note=_describe(ws, model),
        _prob=prob,
    )


@dataclass(frozen=True)
class _CoreDesign:
    y: np.ndarray
    x: np.ndarray
    names: list[str]


def _reduced_form(prob: _Problem, s: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``A_t^-1 X_t beta`` per period (convex Durbin terms included)."""
    n = prob.n
    xb = _xbeta(prob, s, beta)
    c = prob.lag_coefs(s)
    out = np.empty_like(xb)
    for g in prob.ws.groups:
        lu = lk._splu(prob.a_matrix(c, g[0]))
        for p in g:
            out[p * n : (p + 1) * n] = lu.solve(xb[p * n : (p + 1) * n])
    return out


def _describe(ws: _Weights, model: SpatialPanelModel) -> str:
    parts = []
    if ws.time_varying:
        parts.append(f"time-varying weights ({len(ws.groups)} distinct over {model.panel.n_periods} periods)")
    if len(ws.lags) > 1:
        parts.append(
            f"convex combination of {len(ws.lags)} weights"
            if ws.convex
            else f"{len(ws.lags)} spatial lags of y"
        )
    if model.w_x is not None:
        parts.append("separate Durbin weights (w_x)")
    return "; ".join(parts) or "one weights matrix"


# ---------------------------------------------------------------------------------------------- effects
def _moments(prob: _Problem, s: np.ndarray, group: list[int], seed: int) -> np.ndarray:
    """``[tr(A^-1), tr(A^-1 Wx), 1'A^-1 1, 1'A^-1 Wx 1] / N`` for one period group at spatial values ``s``."""
    p = group[0]
    n = prob.n
    if prob.ws.wx is not None:
        wx = prob.ws.wx[p]
    elif prob.durbin_blocks:
        g = prob.gammas(s)
        wx = sum((gk * m[p] for gk, m in zip(g, prob.ws.lags)), sp.csr_matrix((n, n)))
    else:
        wx = sp.csr_matrix((n, n))
    wx1 = np.asarray(wx @ np.ones(n)).ravel()
    if prob.kind not in _LAG:
        return np.array([1.0, wx.diagonal().sum() / n, 1.0, wx1.sum() / n])
    a = prob.a_matrix(prob.lag_coefs(s), p)
    if prob.dense:
        inv = np.linalg.inv(a.toarray())
        return np.array(
            [
                np.trace(inv) / n,
                float(np.sum(inv * wx.T.toarray())) / n,
                inv.sum() / n,
                inv.sum(axis=0) @ wx1 / n,
            ]
        )
    return stochastic_moments(a, wx, seed)[0]


def stochastic_moments(
    a: sp.spmatrix, wx: sp.spmatrix, seed: int, probes: int = _PROBES
) -> tuple[np.ndarray, np.ndarray]:
    """``[tr(A^-1), tr(A^-1 Wx), 1'A^-1 1, 1'A^-1 Wx 1] / N`` without ``A^-1``, and their standard errors.

    One sparse LU of A.  The totals are exact (one transposed solve).  The traces:
    ``A^-1 = I + C + C^2 + A^-1 C^3`` with ``C = I - A``; the first three terms' traces exactly from the
    sparse entries, the damped remainder by Hutchinson's estimator with ``probes`` Rademacher probes (seeded)
    (the Neumann series ``sum_j C^j`` to 1e-10 while ``||C||_inf < 1``, else sparse LU solves), so its error
    shrinks with ``||C||^3`` (``(|rho1| + |rho2|)^3`` for two lags of
    row-standardised W).  The standard errors are those of the probe means (0 for the exact totals).
    """
    n = a.shape[0]
    lu = lk._splu(a)
    u = lu.solve(np.ones(n), trans="T")
    wx = sp.csr_matrix(wx)
    wx1 = np.asarray(wx @ np.ones(n)).ravel()
    c = (sp.identity(n, format="csr") - a).tocsr()
    c2 = (c @ c).tocsr()
    z = lk._rademacher(n, probes, seed)
    exact_a = n + c.diagonal().sum() + c2.diagonal().sum()
    exact_aw = wx.diagonal().sum() + c.multiply(wx.T).sum() + c2.multiply(wx.T).sum()
    block = np.hstack([c @ (c2 @ z), c @ (c2 @ np.asarray(wx @ z))])
    m = lk.series_length(_row_norm(c))
    if m <= _SERIES_MAX_TERMS:  # A^-1 v = sum_j C^j v: sparse products, many times faster than the
        both = block.copy()  # probe-by-probe triangular solves of SuperLU
        for _ in range(m):
            block = c @ block
            both += block
    else:
        both = lu.solve(block)
    rest_a = np.einsum("ij,ij->j", z, both[:, :probes])
    rest_aw = np.einsum("ij,ij->j", z, both[:, probes:])
    se = np.array([rest_a.std(ddof=1), rest_aw.std(ddof=1)]) / np.sqrt(probes) / n
    est = np.array([exact_a + rest_a.mean(), exact_aw + rest_aw.mean(), u.sum(), u @ wx1]) / n
    return est, np.r_[se, 0.0, 0.0]


def _period_effects(res: MultiWeightResults, params: pd.DataFrame, seed: int) -> dict[str, np.ndarray]:
    """Direct/indirect/total, each (draws, T, K)."""
    prob = res._prob
    q = prob.k + len(prob.spatial)
    arr = params.to_numpy()
    n_draws = arr.shape[0]
    t = prob.t
    beta = params[res.x_names].to_numpy()
    theta = np.column_stack(
        [params[f"W*{v}"].to_numpy() if v in res.durbin else np.zeros(n_draws) for v in res.x_names]
    )
    mom = np.empty((n_draws, t, 4))
    for i, g in enumerate(prob.ws.groups):
        if prob.single and prob.kind in _LAG and prob.ops is not None and _durbin_is_lag(prob, g[0]):
            # W x uses the lag's own W_t: the operator's moments (eigenvalues, or power series above
            # 1,000 regions) for all draws at once
            mom[:, g, :] = prob.ops[i].resolvent_moments(arr[:, prob.k])[:, None, :]
            continue
        eig = _eigen_moments(prob, g[0]) if prob.single and prob.kind in _LAG else None
        if eig is not None:
            mom[:, g, :] = eig(arr[:, prob.k])[:, None, :]
            continue
        if prob.kind in _LAG and len(prob.ws.lags) == 2 and not prob.dense:
            two = _two_lag_moments(prob, arr[:, prob.k : q], g[0], seed)
            if two is not None:
                mom[:, g, :] = two[:, None, :]
                continue
        for d in range(n_draws):
            mom[d, g, :] = _moments(prob, arr[d, prob.k : q], g, seed)
    direct = beta[:, None, :] * mom[:, :, :1] + theta[:, None, :] * mom[:, :, 1:2]
    total = beta[:, None, :] * mom[:, :, 2:3] + theta[:, None, :] * mom[:, :, 3:4]
    return {"direct": direct, "indirect": total - direct, "total": total}


_SERIES_MAX_DEGREE = 80
_SERIES_MAX_BYTES = 2 * 1024**3
"""Above this degree of the bivariate series (``|rho1| + |rho2|`` near 1) the draws are solved one by one."""


def _two_lag_moments(prob: _Problem, spatial: np.ndarray, p: int, seed: int) -> np.ndarray | None:
    """The four moments of :func:`_moments` for every draw at once, two lags of y (or a convex combination
    of two W): ``A^-1 = sum_k C^k`` with ``C = c1 W1 + c2 W2``, and ``tr(C^k) = sum_j c1^j c2^(k-j) T_kj``
    where ``T_kj`` sums the traces of the words of length k with j factors W1.  The ``T_kj`` (and their
    products with the Durbin weights) are computed once, exactly for k <= 2 and by Hutchinson's estimator
    (the probes of :func:`stochastic_moments`) above; the totals ``1' C^k Wx 1`` exactly.  Each draw is then
    a polynomial in (c1, c2).  None where the series would be too long."""
    n = prob.n
    coefs = np.array([prob.lag_coefs(row) for row in spatial])  # (draws, 2)
    w1, w2 = (sp.csr_matrix(m[p]) for m in prob.ws.lags)
    norms = [_row_norm(w1), _row_norm(w2)]
    m = lk.series_length(float(np.max(np.abs(coefs) @ np.array(norms))))
    if m > _SERIES_MAX_DEGREE:
        return None
    nw_max = 2 if prob.durbin_blocks else 1
    if 2 * (m + 1) * n * ((1 + nw_max) * (_PROBES + 1)) * 8 > _SERIES_MAX_BYTES:
        return None  # the words of one length held at once would not fit: one draw at a time
    if prob.ws.wx is not None:
        wxs = [sp.csr_matrix(prob.ws.wx[p])]
    elif prob.durbin_blocks:
        wxs = [w1, w2]  # W(gamma) = g1 W1 + g2 W2: linear in the two
    else:
        wxs = []
    key = (p, seed)
    cached = prob.series_cache.get(key)
    if cached is None or cached.shape[0] <= m:  # the table of a longer series holds the shorter one
        cached = prob.series_cache[key] = _word_table(w1, w2, wxs, m, seed)
    coef = cached[: m + 1, : m + 1]
    nw = len(wxs)
    kk, jj = np.meshgrid(np.arange(m + 1), np.arange(m + 1), indexing="ij")
    valid = jj <= kk
    c1, c2 = coefs[:, :1, None], coefs[:, 1:, None]
    weights = np.where(valid, c1**jj * c2 ** np.where(valid, kk - jj, 0), 0.0)  # (draws, m+1, m+1)
    sums = np.einsum("dkj,kjc->dc", weights, coef) / n
    out = np.zeros((len(coefs), 4))
    out[:, 0], out[:, 2] = sums[:, 0], sums[:, 1 + nw]
    if nw == 1:
        out[:, 1], out[:, 3] = sums[:, 1], sums[:, 2 + nw]
    elif nw == 2:
        g = np.array([prob.gammas(row) for row in spatial])
        out[:, 1] = g[:, 0] * sums[:, 1] + g[:, 1] * sums[:, 2]
        out[:, 3] = g[:, 0] * sums[:, 4] + g[:, 1] * sums[:, 5]
    return out


def _word_table(
    w1: sp.csr_matrix, w2: sp.csr_matrix, wxs: list[sp.csr_matrix], m: int, seed: int
) -> np.ndarray:
    """``coef[k, j] = [tr(T_kj), tr(T_kj Wx)..., 1'T_kj 1, 1'T_kj Wx 1...]`` for the sums ``T_kj`` of the
    words of length k <= m with j factors W1 (exact for k <= 2, Hutchinson above)."""
    n = w1.shape[0]
    z = lk._rademacher(n, _PROBES, seed)
    ones = np.ones(n)
    cols = [
        z,
        *(np.asarray(wx @ z) for wx in wxs),
        ones[:, None],
        *(np.asarray(wx @ ones)[:, None] for wx in wxs),
    ]
    nw = len(wxs)
    probe_sl = [slice(i * _PROBES, (i + 1) * _PROBES) for i in range(1 + nw)]
    tot0 = (1 + nw) * _PROBES
    level = [np.hstack(cols)]  # level[j] = (sum of the words of length k with j factors W1) @ cols
    # trace and total coefficients: coef[k][j] -> [tr, tr*Wx_1.., 1'.1, 1'.Wx_1 1..]
    exact = _exact_low_words(w1, w2, wxs, n)
    coef = np.zeros((m + 1, m + 1, 2 * (1 + nw)))
    for k in range(m + 1):
        if k:
            nxt = [np.zeros_like(level[0]) for _ in range(k + 1)]
            for j, block in enumerate(level):
                nxt[j] += w2 @ block
                nxt[j + 1] += w1 @ block
            level = nxt
        for j, block in enumerate(level):
            if k <= 2:
                coef[k, j, : 1 + nw] = exact[k][j]
            else:
                coef[k, j, : 1 + nw] = [_mean_probe(z, block[:, sl]) for sl in probe_sl]
            coef[k, j, 1 + nw :] = ones @ block[:, tot0:]
    return coef


def _mean_probe(z: np.ndarray, block: np.ndarray) -> float:
    return float(np.mean(np.einsum("ij,ij->j", z, block)))


def _exact_low_words(
    w1: sp.csr_matrix, w2: sp.csr_matrix, wxs: list[sp.csr_matrix], n: int
) -> list[list[list[float]]]:
    """``[tr(words), tr(words Wx)...]`` for the words of length 0, 1, 2 by their count of W1, exactly."""
    eye = sp.identity(n, format="csr")
    words = [[eye], [w2, w1], [(w2 @ w2).tocsr(), (w1 @ w2 + w2 @ w1).tocsr(), (w1 @ w1).tocsr()]]

    def tr(a: sp.csr_matrix, b: sp.csr_matrix | None) -> float:
        return float(a.diagonal().sum()) if b is None else float(a.multiply(b.T).sum())

    return [[[tr(wd, None), *(tr(wd, wx) for wx in wxs)] for wd in level] for level in words]


def _durbin_is_lag(prob: _Problem, p: int) -> bool:
    wx = prob.ws.wx
    return wx is None or wx is prob.ws.lags[0] or _same(wx[p], prob.ws.lags[0][p])


def _eigen_moments(prob: _Problem, p: int) -> Callable[[np.ndarray], np.ndarray] | None:
    """The four moments of one period for a vector of rho at once, from ``W = V diag(lambda) V^-1``:
    ``tr(A^-1) = sum 1/(1 - rho lambda)``, ``tr(A^-1 Wx) = sum_i (V^-1 Wx V)_ii / (1 - rho lambda_i)``,
    ``1'A^-1 v = sum_i (1'V)_i (V^-1 v)_i / (1 - rho lambda_i)``.  None above the dense size or when V is
    ill-conditioned (then the draws are solved one by one)."""
    n = prob.n
    if not prob.dense:
        return None
    w = prob.ws.lags[0][p]
    wx = prob.ws.wx[p].toarray() if prob.ws.wx is not None else np.zeros((n, n))
    d = lk._symmetriser(w)  # W = D^-1/2 S D^1/2 with S symmetric: V = D^-1/2 Q, V^-1 = Q' D^1/2
    if d is not None:
        root = np.sqrt(d)
        sym = root[:, None] * w.toarray() / root[None, :]
        lam, q = np.linalg.eigh((sym + sym.T) / 2)
        vec, vinv = q / root[:, None], q.T * root[None, :]
    else:
        lam, vec = np.linalg.eig(w.toarray())
        if np.linalg.cond(vec) > 1e8:
            return None
        vinv = np.linalg.inv(vec)
    ones = np.ones(n)
    left = ones @ vec
    d_x = np.sum(vinv * (wx @ vec).T, axis=1)
    c1 = left * (vinv @ ones)
    cx = left * (vinv @ (wx @ ones))

    def moments(rhos: np.ndarray) -> np.ndarray:
        inv = 1.0 / (1.0 - np.outer(rhos, lam))
        return np.real(np.column_stack([inv.sum(axis=1), inv @ d_x, inv @ c1, inv @ cx])) / n

    return moments


def _draws(res: MultiWeightResults, draws: int, seed: int) -> pd.DataFrame:
    prob = res._prob
    rng = np.random.default_rng(seed)
    mean = res.params.to_numpy()
    cov = np.nan_to_num(res.cov.to_numpy())
    q = prob.k + len(prob.spatial)

    def ok(row: np.ndarray) -> bool:
        s = row[prob.k : q]
        if prob.ws.convex and (np.any(row[prob.k + 1 :] < 0) or np.any(row[prob.k + 1 :] > 1)):
            return False
        return prob.feasible(s) if len(s) else True

    out = rng.multivariate_normal(mean, cov, size=draws, method="eigh")
    for _ in range(100):
        bad = np.array([not ok(r) for r in out])
        if not bad.any():
            break
        out[bad] = rng.multivariate_normal(mean, cov, size=int(bad.sum()), method="eigh")
    return pd.DataFrame(out, columns=res.params.index)


@dataclass(frozen=True)
class MultiWeightResults(SpatialPanelResults):
    """Result of a :class:`~spillover.spatial.model.SpatialPanelModel` with time-varying or several weights.

    As :class:`~spillover.spatial.results.SpatialPanelResults`; the spatial parameters are ``"rho"`` (one lag
    of y), ``"rho1"``, ``"rho2"``, ... (several lags), ``"rho"`` and ``"gamma1"``, ..., ``"gammaK"`` (convex
    combination; the last gamma is ``1 - sum`` of the others) or ``"lambda"`` (error models), listed in
    ``spatial_names``.  ``impacts`` averages the per-period effects; ``impacts(period=p)`` gives one period's
    and :meth:`impacts_by_period` all of them.
    """

    spatial_names: tuple[str, ...] = ()
    weights_note: str = ""
    _prob: Any = field(default=None, repr=False, compare=False)

    def impacts(
        self,
        draws: int = 1000,
        seed: int = 0,
        period: Hashable | None = None,
        *,
        at: dict[str, Any] | None = None,
        backend: str = "serial",
        n_jobs: int | None = None,
        client: Any = None,
    ) -> pd.DataFrame:
        """Direct, indirect and total effects averaged over the periods (or of one ``period``), with simulated
        standard errors and quantile intervals as :func:`spillover.spatial.impacts.impacts`.

        The average over the periods is ``(1/T) sum_t`` of the per-period averages ``tr(S_t)/N`` and
        ``1'S_t 1/N``; each draw of the parameters gives one draw of that average.  ``at=`` (effects of
        interaction terms at a moderator value) is derived for one W and refused here.
        """
        if backend != "serial":
            raise ModelError(
                f"the impacts of a model with several or time-varying weights draw serially; got "
                f"backend={backend!r}. Leave backend='serial'."
            )
        if at is not None:
            raise ModelError(
                "at= gives the effects of interaction terms ('x:z'), which are supported with one weights "
                "matrix; this model has time-varying or several weights."
            )
        periods = list(self._core.periods)
        if period is not None and period not in periods:
            raise ModelError(
                f"period {period!r} is not a period of this model; its periods are {format_items(periods)}."
            )
        key = "mean" if period is None else period
        return self._impact_frames(draws, seed, [key])[key]

    def impacts_by_period(self, draws: int = 1000, seed: int = 0) -> pd.DataFrame:
        """The effects of every period (``S_t`` with that period's weights), indexed (period, effect,
        variable)."""
        periods = list(self._core.periods)
        frames = self._impact_frames(draws, seed, periods)
        out = pd.concat([frames[p] for p in periods], keys=periods, names=["period"])
        out.attrs.update({"draws": draws, "seed": seed})
        return out

    def _impact_frames(self, draws: int, seed: int, keys: list[Hashable]) -> dict[Hashable, pd.DataFrame]:
        check_int(draws, "draws", minimum=0, error=ModelError)
        point = _period_effects(self, self.params.to_frame().T, seed)
        sims = _period_effects(self, _draws(self, draws, seed), seed) if draws > 1 else None
        periods = list(self._core.periods)
        out: dict[Hashable, pd.DataFrame] = {}
        for key in keys:
            sel: Any = slice(None) if key == "mean" else periods.index(key)
            parts = []
            for eff in EFFECTS:
                est = point[eff][0, sel]
                est = est.mean(axis=0) if est.ndim == 2 else est
                if sims is not None:
                    sm = sims[eff][:, sel]
                    sm = sm.mean(axis=1) if sm.ndim == 3 else sm
                else:
                    sm = np.full((2, len(self.x_names)), np.nan)
                fr = effects_table(est, sm, valid=sims is not None)
                fr.index = pd.MultiIndex.from_product([[eff], self.x_names], names=["effect", "variable"])
                parts.append(fr)
            frame = pd.concat(parts)
            frame.attrs.update({"draws": draws, "seed": seed, "period": key})
            out[key] = frame
        return out

    def effects_matrix(self, var: str, max_n: int = 5000, period: Hashable | None = None) -> pd.DataFrame:
        """The N x N effects matrix ``S = A_t^-1 (beta I + theta Wx_t)`` of ``var`` in ``period`` (default:
        the first period; with time-varying weights pass the period)."""
        prob = self._prob
        if var not in self.x_names:
            raise ModelError(f"{var!r} is not a regressor of this model; its regressors are {self.x_names}.")
        if prob.n > max_n:
            raise ModelError(f"the effects matrix of {prob.n} regions is refused above max_n={max_n}.")
        periods = list(self._core.periods)
        p = 0 if period is None else periods.index(period) if period in periods else -1
        if p < 0:
            raise ModelError(f"period {period!r} is not a period of this model ({format_items(periods)}).")
        s = self.params[list(prob.spatial)].to_numpy()
        n = prob.n
        beta = float(self.params[var])
        theta = float(self.params[f"W*{var}"]) if var in self.durbin else 0.0
        if prob.ws.wx is not None:
            wx = prob.ws.wx[p].toarray()
        elif prob.durbin_blocks:
            wx = sum(gk * m[p].toarray() for gk, m in zip(prob.gammas(s), prob.ws.lags))
        else:
            wx = np.zeros((n, n))
        a = prob.a_matrix(prob.lag_coefs(s), p).toarray() if prob.kind in _LAG else np.eye(n)
        mat = np.linalg.solve(a, beta * np.eye(n) + theta * wx)
        return pd.DataFrame(mat, index=self._core.ids, columns=self._core.ids)

    def spillovers(
        self,
        x: str,
        *,
        draws: int | None = None,
        level: float = 0.95,
        seed: int = 0,
        backend: str = "serial",
        n_jobs: int | None = None,
        client: Any = None,
    ) -> pd.DataFrame:
        """Not available with several or time-varying weights (use :meth:`effects_matrix` per period)."""
        raise ModelError(
            "per-region spillovers are computed for one W; with several or time-varying weights use "
            "res.effects_matrix(x, period=...) (column sums: emitted, row sums: received)."
        )

    def residual_moran(self) -> pd.DataFrame:
        """Moran's I of the residuals of every period with that period's (first) weights."""
        import warnings

        from esda import Moran
        from libpysal.weights import W

        prob = self._prob
        resid = np.asarray(self._core.resid).reshape(self.n_periods, self.n_regions)
        rows = []
        for p, e in enumerate(resid):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w = W.from_sparse(prob.ws.lags[0][p].tocsr())
            m = Moran(e, w, transformation="O", permutations=0)
            rows.append((m.I, m.EI, m.z_norm, 2 * stats.norm.sf(abs(m.z_norm))))
        return pd.DataFrame(rows, index=self._core.periods, columns=["I", "E[I]", "z_norm", "p_norm"])

    def _fe_residual(self) -> np.ndarray:
        prob = self._prob
        beta = self.params[prob.names].to_numpy()
        s = self.params[list(prob.spatial)].to_numpy()
        if prob.kind in _LAG:
            a, _ = prob.coefs(s)
            j = prob.n_lags
            raw = np.column_stack([prob.y, *(lag_periods(m, prob.y, prob.n) for m in prob.ws.lags)])
            r = raw @ a[: 1 + j] - _xbeta(prob, s, beta)
        else:
            r = prob.y - _xbeta(prob, s, beta)
        return r


def _xbeta(prob: _Problem, s: np.ndarray, beta: np.ndarray) -> np.ndarray:
    xb = prob.x_fixed @ beta[: prob.k_fixed]
    if prob.durbin_blocks:
        theta = beta[prob.k_fixed :]
        for gk, block in zip(prob.gammas(s), prob.durbin_blocks):
            xb = xb + gk * (block @ theta)
    return xb
