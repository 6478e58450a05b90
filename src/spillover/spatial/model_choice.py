"""Which model and which W: Bayesian posterior model probabilities (LeSage 2014; LeSage and Parent 2007).

For each kind (SLX, SAR, SEM, SDM, SDEM) and each candidate W the log-marginal likelihood ``ln p(y | model)``
is computed with flat priors on the coefficients (``p(beta) ~ 1``) and on ``ln sigma`` (``p(sigma) ~
1/sigma``), both integrated out analytically, and a uniform prior on the spatial parameter over its
interval ``(1/omega_min, 1/omega_max)`` (the extreme eigenvalues of W; width D), integrated numerically.
LeSage's (2014, Spatial Statistics 9, eqs. for the SAR/SDM and the SEM/SDEM) closed forms, with
``a = (NT - k - f) / 2`` (k the columns of Z = X or [X, WX] other than the constant, f the fixed effects: 1
for the constant without fixed effects, N unit, T time, N + T - 1 two-way), are

* lag models (SAR: Z = X, SDM: Z = [X, WX])::

    p(y) = 1/D Gamma(a) (2 pi)^-a |Z'Z|^-1/2  int |I - rho W|^T e(rho)'e(rho)^-a d rho,
    e(rho) = M_Z (y - rho W y),

* error models (SEM: Z = X, SDEM: Z = [X, WX])::

    p(y) = 1/D Gamma(a) (2 pi)^-a  int |I - lambda W|^T |Z(l)'Z(l)|^-1/2 e(l)'e(l)^-a d lambda,
    Z(l) = Z - l W Z,  e(l) = M_Z(l) (y - l W y),

* SLX (no spatial parameter): ``Gamma(a) (2 pi)^-a |Z'Z|^-1/2 (e'e)^-a`` with ``e = M_Z y``.

The variables are within-transformed for fixed effects after the spatial lags are formed (as
:class:`~spillover.spatial.SpatialPanelModel`'s direct approach).  The constants are LeSage's, as in his
``log_marginal_panelprob.m`` and SDPDmod's ``blmpSDPD``; unlike their trapezoid rule on a grid of rho
(step 0.001) the integral here is adaptive Gauss-Kronrod quadrature (``scipy.integrate.quad``) split at the
mode, so it is exact to about 1e-10 relative.  Every model and W gets the same prior probability; the
posterior probabilities are ``exp(ln p_m - max) / sum``.  The flat prior on beta is improper, so the
comparison of models with different numbers of regressors rests on LeSage's convention (the constants
above), as in the literature it reproduces.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special

from spillover._readonly import ReadOnly
from spillover.errors import ModelError, format_items
from spillover.options import FixedEffects, SpatialMethod, check_option
from spillover.spatial import _interactions
from spillover.spatial import _likelihood as lk
from spillover.spatial._checks import _regressor_names
from spillover.spatial.model import _to_sparse  # the conversion every spatial model uses
from spillover.summary import Summary

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel

__all__ = ["model_probabilities", "ModelProbabilities", "CHOICE_KINDS"]

#: the kinds :func:`model_probabilities` compares
CHOICE_KINDS = ("slx", "sar", "sem", "sdm", "sdem")


@dataclass(frozen=True)
class ModelProbabilities(ReadOnly):
    """Posterior probabilities of spatial models and weights matrices; read-only.

    Attributes
    ----------
    kinds, weights
        The kinds compared and the labels of the candidate W (in the order given).
    y_name, x_names, fixed_effects, n_regions, n_periods
        The data the models were compared on.
    """

    kinds: tuple[str, ...]
    weights: tuple[str, ...]
    y_name: str
    x_names: tuple[str, ...]
    fixed_effects: str
    n_regions: int
    n_periods: int
    _table: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per (kind, w): ``log_marginal`` (the log-marginal likelihood) and ``probability`` (the
        posterior probability under equal prior probabilities of all rows; they sum to 1)."""
        return self._table.copy()

    @property
    def by_kind(self) -> pd.Series:
        """Posterior probability of each kind, summed over the candidate W."""
        return self._table["probability"].groupby(level="kind", sort=False).sum()

    @property
    def by_w(self) -> pd.Series:
        """Posterior probability of each W, summed over the kinds."""
        return self._table["probability"].groupby(level="w", sort=False).sum()

    @property
    def best(self) -> tuple[str, str]:
        """The (kind, w) with the highest posterior probability."""
        kind, w = self._table["probability"].idxmax()
        return str(kind), str(w)

    def summary(self) -> Summary:
        """The (kind, w) table and the probabilities of the kinds and of the W."""
        wide = (
            self._table["probability"]
            .unstack("w")
            .reindex(index=list(self.kinds), columns=list(self.weights))
        )
        kinds = self.by_kind.to_frame("probability")
        ws = self.by_w.to_frame("probability")
        kind, w = self.best
        return Summary(
            title="Posterior model probabilities",
            tables=(self._table, wide, kinds, ws),
            header={
                "dependent": self.y_name,
                "regressors": ", ".join(self.x_names),
                "fixed effects": self.fixed_effects,
                "N x T": f"{self.n_regions} x {self.n_periods}",
                "most probable": f"{kind.upper()} with {w}",
            },
            captions=("Log-marginal likelihood by kind and W", "Probability: kind x W", "By kind", "By W"),
            notes=(
                "LeSage (2014): flat priors on beta and sigma, uniform prior on the spatial parameter over "
                "(1/omega_min, 1/omega_max); equal prior probability of every kind and W."
            ),
        )

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __str__(self) -> str:
        return str(self.summary())


def model_probabilities(
    panel: SpatialPanel,
    y: str,
    x: Sequence[str],
    w: Any,
    *,
    kinds: Sequence[str] = CHOICE_KINDS,
    fixed_effects: FixedEffects = "none",
    method: SpatialMethod = "auto",
) -> ModelProbabilities:
    """Bayesian posterior probabilities of spatial models and weights matrices (LeSage 2014).

    Parameters
    ----------
    panel
        A balanced :class:`~spillover.panel.SpatialPanel` (one period: a cross-section).
    y, x
        The dependent variable and the regressors (interactions ``"x:z"`` allowed); a constant is added
        without fixed effects; the Durbin models lag every regressor.
    w
        One weights object, a list of them (labelled ``W1``, ``W2``, ...) or a dict ``{label: weights}``
        (libpysal Graph or W, or a square DataFrame of the panel's regions), used as given.
    kinds
        Any of ``"slx"``, ``"sar"``, ``"sem"``, ``"sdm"``, ``"sdem"``.
    fixed_effects
        ``"none"``, ``"unit"``, ``"time"`` or ``"twoway"`` (within transformation, direct approach).
    method
        The log-determinant's path, as :class:`~spillover.spatial.SpatialPanelModel`'s: ``"auto"`` (dense
        eigenvalues up to 1,000 regions, sparse LU above), ``"dense"`` or ``"sparse"``.

    Returns
    -------
    ModelProbabilities
        ``to_frame()``: log-marginal and probability of every (kind, w); ``by_kind``, ``by_w``, ``best``,
        ``summary()``.  Drawn by :func:`spillover.maps.model_probability_plot`.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> queen = Graph.build_contiguity(panel.geometry, rook=False).transform("r")
    >>> knn = Graph.build_knn(panel.geometry.representative_point(), k=4).transform("r")
    >>> mp = so.spatial.model_probabilities(panel, "ln_gsp", ["ln_pcap", "ln_emp"],
    ...                                     {"queen": queen, "knn4": knn}, fixed_effects="twoway")
    >>> round(float(mp.to_frame()["probability"].sum()), 12)
    1.0
    """
    check_option(fixed_effects, ("none", "unit", "time", "twoway"), "fixed_effects", error=ModelError)
    check_option(method, SpatialMethod, "method", error=ModelError)
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if not kinds:
        raise ModelError(f"kinds is empty: give at least one of {format_items(list(CHOICE_KINDS))}.")
    for kind in kinds:
        check_option(kind, CHOICE_KINDS, "kinds", error=ModelError)
    if len(set(kinds)) != len(kinds):
        raise ModelError(f"kinds lists a kind more than once: {kinds}.")
    xs = _regressor_names(x, y)
    _interactions.check_interactions(panel, xs)
    candidates = _labelled(w)
    n, t = panel.n_regions, panel.n_periods
    yv = panel.stacked(y)
    xv = np.column_stack([_interactions.stacked(panel, v) for v in xs])
    if not (np.isfinite(yv).all() and np.isfinite(xv).all()):
        raise ModelError(f"{y!r} or one of {format_items(xs)} has missing values; the comparison needs all.")
    rows = []
    for label, weights in candidates.items():
        op = lk.make_operator(_to_sparse(weights, panel.ids, f"w[{label!r}]"), method)
        for kind in kinds:
            rows.append((kind, label, log_marginal(yv, xv, op, n, t, kind, fixed_effects)))
    table = pd.DataFrame(rows, columns=["kind", "w", "log_marginal"]).set_index(["kind", "w"])
    lm = table["log_marginal"].to_numpy()
    p = np.exp(lm - lm.max())
    table["probability"] = p / p.sum()
    return ModelProbabilities(
        kinds=tuple(kinds),
        weights=tuple(candidates),
        y_name=y,
        x_names=tuple(xs),
        fixed_effects=fixed_effects,
        n_regions=n,
        n_periods=t,
        _table=table,
    )


def _labelled(w: Any) -> dict[str, Any]:
    if isinstance(w, Mapping):
        out = {str(k): v for k, v in w.items()}
    elif isinstance(w, (list, tuple)):
        out = {f"W{i + 1}": v for i, v in enumerate(w)}
    else:
        out = {"W": w}
    if not out:
        raise ModelError("w is empty: give at least one weights matrix.")
    return out


def _dof_adjustment(n: int, t: int, fixed_effects: str) -> int:
    """The parameters the fixed effects (or the constant) absorb: LeSage's degrees-of-freedom adjustment."""
    return {"none": 1, "unit": n, "time": t, "twoway": n + t - 1}[fixed_effects]


def log_marginal(
    y: np.ndarray, x: np.ndarray, op: lk.SpatialOperator, n: int, t: int, kind: str, fixed_effects: str
) -> float:
    """``ln p(y | kind, W)`` of one model (see the module docstring); ``y``, ``x`` raw and period-major."""
    fe: Any = fixed_effects
    wx = lk.lag(op.w, x, n)
    z_raw = np.column_stack([x, wx]) if kind in ("slx", "sdm", "sdem") else x
    k = z_raw.shape[1]
    a = (n * t - k - _dof_adjustment(n, t, fixed_effects)) / 2
    if a <= 0:
        raise ModelError(
            f"the {kind.upper()} has {k} regressors and {n * t} observations: too few observations for the "
            "marginal likelihood (needs more than the regressors plus the fixed effects)."
        )
    const = fixed_effects == "none"
    z = lk.demean(z_raw, n, fe)
    yt = lk.demean(y, n, fe)
    wy = lk.demean(lk.lag(op.w, y, n), n, fe)
    if const:
        z = np.column_stack([np.ones(n * t), z])
    log_c = float(special.gammaln(a) - a * np.log(2 * np.pi))
    if kind == "slx":
        return log_c - 0.5 * _logdet_gram(z) - a * np.log(_ssr(z, yt))
    lo, hi = op.bounds
    log_c -= np.log(hi - lo)
    if kind in ("sar", "sdm"):
        log_c -= 0.5 * _logdet_gram(z)
        q, _ = np.linalg.qr(z)
        e0 = yt - q @ (q.T @ yt)
        ed = wy - q @ (q.T @ wy)
        s00, s0d, sdd = e0 @ e0, e0 @ ed, ed @ ed

        def rest(r: float) -> float:
            return float(-a * np.log(s00 - 2 * r * s0d + r * r * sdd))

    else:
        wz = lk.demean(lk.lag(op.w, z_raw, n), n, fe)
        if const:
            wz = np.column_stack([np.tile(np.asarray(op.w.sum(axis=1)).ravel(), t), wz])  # W 1
        # cross-products once: Z(r)'Z(r), Z(r)'y(r), y(r)'y(r) are quadratics in r (as LeSage's code)
        zz, zwz, wzwz = z.T @ z, z.T @ wz, wz.T @ wz
        zy, zwy, wzy, wzwy = z.T @ yt, z.T @ wy, wz.T @ yt, wz.T @ wy
        yy, ywy, wywy = yt @ yt, yt @ wy, wy @ wy

        def rest(r: float) -> float:
            axx = zz - r * (zwz + zwz.T) + r * r * wzwz
            axy = zy - r * (zwy + wzy) + r * r * wzwy
            ayy = yy - 2 * r * ywy + r * r * wywy
            sign, logdet_x = np.linalg.slogdet(axx)
            if sign <= 0:
                raise ModelError("the regressors are collinear (Z'Z is singular); drop a regressor.")
            ssr = ayy - axy @ np.linalg.solve(axx, axy)
            return float(-a * np.log(ssr) - 0.5 * logdet_x)

    return log_c + _log_integral(rest, op, t, lo, hi)


def _ssr(z: np.ndarray, y: np.ndarray) -> float:
    beta, *_ = np.linalg.lstsq(z, y, rcond=None)
    e = y - z @ beta
    return float(e @ e)


def _logdet_gram(z: np.ndarray) -> float:
    sign, value = np.linalg.slogdet(z.T @ z)
    if sign <= 0:
        raise ModelError("the regressors are collinear (Z'Z is singular); drop a regressor.")
    return float(value)


def _log_integral(
    rest: Callable[[float], float], op: lk.SpatialOperator, mult: float, lo: float, hi: float
) -> float:
    """``ln int_lo^hi exp(kernel(r)) dr`` with ``kernel(r) = rest(r) + mult ln|I - r W|``, sharply peaked.

    The mode comes from a grid and a bounded search (above 1,000 regions on the operator's cheap surrogate
    log-determinant where it has one); the window around it is widened from 8 curvature standard deviations
    until the kernel has fallen by :data:`WINDOW_DROP` at both ends (or the window meets the interval's
    ends); then adaptive Gauss-Kronrod quadrature (``scipy.integrate.quad``) of ``exp(kernel -
    kernel(mode))`` on each side of the mode.  On the sparse path (one LU per log-determinant) the
    log-determinant inside the window is a Chebyshev interpolant of :data:`CHEBYSHEV_NODES` exact values,
    used only when it matches two further exact values to 1e-10 (else every value is exact).
    """
    span = hi - lo
    eps = 1e-9 * span

    def kernel(r: float) -> float:
        return rest(r) + mult * op.logdet(r)

    with op.surrogate() if op.has_surrogate else contextlib.nullcontext():
        grid = lo + span * np.linspace(0.02, 0.98, 25)
        values = [kernel(float(r)) for r in grid]
        i = int(np.argmax(values))
        left = grid[i - 1] if i > 0 else lo + eps
        right = grid[i + 1] if i < len(grid) - 1 else hi - eps
        opt = optimize.minimize_scalar(
            lambda r: -kernel(r), bounds=(left, right), method="bounded", options={"xatol": 1e-8 * span}
        )
    mode = float(opt.x)
    top = kernel(mode)
    h = 1e-5 * span
    curvature = (kernel(min(mode + h, hi - eps)) - 2 * top + kernel(max(mode - h, lo + eps))) / h**2
    sd = 1 / np.sqrt(-curvature) if curvature < 0 else span
    ends = []
    for side, bound in ((-1.0, lo + eps), (1.0, hi - eps)):
        step = 8 * sd
        while True:
            edge = mode + side * step
            if side * (edge - bound) >= 0:
                ends.append(bound)
                break
            if kernel(edge) < top - WINDOW_DROP:
                ends.append(edge)
                break
            step *= 2
    logdet = _window_logdet(op, ends[0], ends[1])

    def f(r: float) -> float:
        return float(np.exp(rest(r) + mult * logdet(r) - top))

    total = 0.0
    for a, b in ((ends[0], mode), (mode, ends[1])):
        if b > a:
            val, _ = integrate.quad(f, a, b, limit=200, epsabs=0.0, epsrel=1e-10)
            total += val
    return top + float(np.log(total))


def _window_logdet(op: lk.SpatialOperator, a: float, b: float) -> Callable[[float], float]:
    """``ln|I - r W|`` on [a, b]: exact on the dense path (eigenvalues: microseconds), a checked Chebyshev
    interpolant on the sparse path."""
    if op.method == "dense":
        return op.logdet
    cheb = np.polynomial.Chebyshev.interpolate(np.vectorize(op.logdet), CHEBYSHEV_NODES - 1, domain=[a, b])
    for r in (a + 0.37 * (b - a), a + 0.81 * (b - a)):
        exact = op.logdet(r)
        if abs(float(cheb(r)) - exact) > 1e-10 * (1 + abs(exact)):
            return op.logdet
    return lambda r: float(cheb(r))


#: exact log-determinants behind the interpolant of the sparse path
CHEBYSHEV_NODES = 24
#: fall of the log-kernel at the ends of the integration window (exp(-60) ~ 1e-26 of the peak)
WINDOW_DROP = 60.0
