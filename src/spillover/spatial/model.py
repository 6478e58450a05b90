"""Spatial panel models (SAR, SEM, SDM, SLX, SDEM) with fixed effects, estimated by maximum likelihood.

Model (Elhorst 2014, ch. 3), for period t = 1..T and N regions::

    y_t = rho W y_t + X_t beta + W X_t theta + mu + alpha_t 1 + u_t,    u_t = lambda W u_t + e_t

``kind`` switches terms on: ``"sar"`` (rho), ``"sdm"`` (rho, theta), ``"sem"`` (lambda), ``"sdem"``
(lambda, theta), ``"slx"`` (theta only).  Fixed effects ``mu`` (unit), ``alpha_t`` (time) or both are
eliminated exactly by the within transformation after the spatial lags are formed ("lag first, then demean"),
and beta and sigma2 are concentrated out of the likelihood, which is maximised over the spatial parameter
(Elhorst 2014, sections 3.3.1-3.3.2).  ``bias_correction="lee-yu"`` uses the Lee and Yu (2010)
transformation approach (orthonormal ``F_T``/``F_N`` transforms).  ``fixed_effects="random"`` fits the
random-effects SAR, SEM, SDM or SDEM (``mu ~ N(0, sigma2_mu)``, with a constant) by exact ML, shared with
:func:`spillover.spatial.hausman` (see :mod:`spillover.spatial._random_effects`).

Why not spreg's estimators: spreg 1.9.0's ``Panel_FE_Lag``/``Panel_FE_Error`` demean by unit only (no time
or two-way effects), invert a dense N x N matrix for the variance and take the log-determinant from dense
eigenvalues, which fails beyond a few thousand regions.  The unit-FE results of this module are checked
against spreg in the tests; time and two-way effects and large N use the code in
:mod:`spillover.spatial._likelihood`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from spillover._names import LAG_PREFIX, RESERVED_NAMES, check_reserved  # noqa: F401 (re-exported)
from spillover._readonly import ReadOnlyModel
from spillover.errors import ModelError, WeightsError, format_items
from spillover.options import (
    BiasCorrection,
    Effects,
    Engine,
    Estimator,
    FixedEffects,
    Kind,
    LogDet,
    check_option,
    warn,
)
from spillover.options import SpatialMethod as Method
from spillover.spatial import _interactions
from spillover.spatial import _likelihood as lk
from spillover.spatial import _random_effects as rek
from spillover.spatial._checks import (
    _check_dependent,
    _check_observations,
    _check_regressors,
    _regressor_names,
)
from spillover.spatial._dynamic import estimate_dynamic
from spillover.spatial._multiw import check_model as _check_multi
from spillover.spatial._multiw import estimate_multi, is_multi
from spillover.spatial._sac import estimate_sac
from spillover.spatial._spreg import check_covered, spreg_estimates, spreg_gmm
from spillover.spatial.results import FitCore, SpatialPanelResults

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel

__all__ = [
    "SpatialPanelModel",
    "SpatialCrossSectionModel",
    "Kind",
    "FixedEffects",
    "Effects",
    "BiasCorrection",
    "Engine",
]


_LAG_KINDS = ("sar", "sdm")
_ERROR_KINDS = ("sem", "sdem")
_DURBIN_KINDS = ("sdm", "slx", "sdem", "gns")
_SAC_KINDS = ("sac", "gns")  # lag and error together (see _sac.py)
_RANDOM_KINDS = ("sar", "sem", "sdm", "sdem")  # a spatial parameter; Durbin terms are extra regressors


@dataclass(frozen=True)
class _Design:
    """The model's data after conversion: raw stacked arrays (period-major) and names."""

    y: np.ndarray
    x: np.ndarray  # raw regressors [X, WX_durbin] (+ const when no fixed effects)
    names: list[str]
    x_names: list[str]
    durbin: list[str]
    w: sp.csr_matrix
    n: int
    t: int
    m: sp.csr_matrix | None = None  # the error process's weights of the SAC/GNS


class SpatialPanelModel(ReadOnlyModel):
    """Spatial panel model estimated by maximum likelihood on a balanced panel.

    Parameters
    ----------
    panel
        A balanced :class:`~spillover.panel.SpatialPanel`.
    y
        Name of the dependent variable.
    x
        Names of the regressors (a constant is added only when ``fixed_effects="none"`` or ``"random"``).
    w
        Spatial weights (:class:`libpysal.graph.Graph`, :class:`libpysal.weights.W` or a square DataFrame)
        with exactly the panel's regions; they are used as given (row-standardise them first with
        ``graph.transform("r")`` if you want row-standardised weights).  Also ``{period: weights, ...}``
        (time-varying weights, one per period of the panel) or ``[W1, W2, ...]`` (several spatial lags of
        y, or with ``combine="convex"`` their convex combination), see :mod:`spillover.spatial._multiw`
        and docs/weights_choice.md.
    kind
        ``"sar"``, ``"sem"``, ``"sdm"``, ``"slx"``, ``"sdem"``, ``"sac"`` (lag and error, SARAR) or ``"gns"``
        (general nesting: SAC with W X); the last two by joint ML over (rho, lambda), see
        :mod:`spillover.spatial._sac`.
    fixed_effects
        ``"none"``, ``"unit"``, ``"time"``, ``"twoway"`` or ``"random"`` (random unit effects for the SAR,
        SEM, SDM and SDEM: exact ML of Elhorst 2014, section 3.4.2, with a constant and the Durbin terms as
        extra regressors; the results carry ``phi = sigma2_mu / sigma2`` as R splm reports it).
    durbin
        Regressors whose spatial lags ``W*x`` enter (``sdm``/``slx``/``sdem`` only; default: all of ``x``).
    bias_correction
        ``"none"`` (direct approach, as Elhorst's and xsmle's default) or ``"lee-yu"`` (Lee and Yu 2010
        transformation approach: N(T-1) effective observations and (T-1) ln|I - rho W| with unit effects;
        (N-1) and ln|I - rho W| - ln(1 - rho) with time effects, which requires row-standardised W).
    method
        ``"auto"`` (dense eigenvalues up to 1,000 regions, sparse matrices and stochastic traces above),
        ``"dense"`` or ``"sparse"``: the computational path.
    logdet
        How ``ln|I - rho W|`` is evaluated on the sparse path: ``"exact"`` (sparse LU), ``"chebyshev"``
        (Pace and LeSage 2004's Chebyshev expansion with Barry-Pace Monte-Carlo traces), ``"lanczos"``
        (stochastic Lanczos quadrature) or ``"auto"`` (exact up to 100,000 regions, Lanczos above).  The
        approximations need W similar to a symmetric matrix (contiguity, distance bands) and report their
        error bound at the estimate as ``res.logdet_error`` (0 when exact); see ``docs/large_n.md``.
    m
        Weights of the error process of a ``"sac"`` or ``"gns"`` (default: ``w``; same forms as ``w``).
        With M = W the SAC is identified through X beta only, and the GNS weakly: the fit raises or warns
        (:class:`~spillover.errors.IdentificationWarning`) when rho and lambda cannot be told apart.
    dynamic
        ``False`` (static), ``True`` (adds ``y_{t-1}``) or ``"space-time"`` (adds ``y_{t-1}`` and
        ``W y_{t-1}``): dynamic SAR/SDM with unit or two-way effects, needs at least 3 periods (the first
        is lost to the lag).  With ``bias_correction="lee-yu"`` the Lee-Yu transformation and the bias
        correction of Yu, de Jong and Lee (2008) are applied; ``res.impacts(horizon="long")`` gives
        long-run effects (see :mod:`spillover.spatial._dynamic`).
    w_x
        Weights of the Durbin terms ``W x`` of an SDM, SLX or SDEM when they differ from ``w`` (one weights
        object or ``{period: weights}``); the effects use ``w`` for the lag and ``w_x`` for the Durbin part.
    combine
        ``None`` or ``"convex"``: with ``w=[W1, ..., WK]``, estimate ``W(gamma) = sum_k gamma_k W_k``
        (Debarsy and LeSage 2018) jointly with rho.
    engine
        ``"native"`` (default) or ``"spreg"``: spreg's ML estimators find the estimates (cross-section
        ``ML_Lag``/``ML_Error`` with ``slx_lags`` for the Durbin terms, panel ``ML_LagFE``/``ML_ErrorFE``
        with unit effects, ``ML_LagRE``); the standard errors, log-likelihood, impacts and tests are then
        spillover's own, evaluated at spreg's estimates.  Cases spreg does not cover raise a
        :class:`~spillover.errors.ModelError` naming them (see ``docs/spreg.md``).

    Notes
    -----
    With time (or two-way) effects the direct approach's rho is biased by O(1/N) (Lee and Yu 2010); with few
    regions and a dense W (e.g. 31 provinces and economic-geographic nested weights) the bias is several
    standard errors (mean z of rho -4.7 in 20 simulated panels in our tests), while
    ``bias_correction="lee-yu"`` is unbiased there.  Prefer ``"lee-yu"`` for time or two-way effects with
    small N.

    Standard errors come from the analytic information matrix (Elhorst 2014, ch. 3); for the unit-FE SAR and
    SEM on Produc they reproduce splm's published values.

    Examples
    --------
    >>> import numpy as np, pandas as pd, geopandas as gpd
    >>> from shapely.geometry import box
    >>> from libpysal.graph import Graph
    >>> from spillover.panel import SpatialPanel
    >>> geo = gpd.GeoDataFrame({"r": list("abcdef")}, geometry=[box(i, 0, i + 1, 1) for i in range(6)])
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame([(r, t) for r in "abcdef" for t in range(8)], columns=["r", "t"])
    >>> df["x"] = rng.normal(size=len(df)); df["y"] = 2 * df["x"] + rng.normal(size=len(df))
    >>> panel = SpatialPanel(df, geo, id="r", time="t")
    >>> w = Graph.build_contiguity(geo.set_index("r"), rook=False).transform("r")
    >>> res = SpatialPanelModel(panel, "y", ["x"], w, kind="sdm", fixed_effects="unit").fit()
    >>> list(res.params.index)
    ['x', 'W*x', 'rho']
    >>> bool(abs(res.params["x"] - 2) < 0.5)
    True
    >>> re = SpatialPanelModel(panel, "y", ["x"], w, kind="sar", fixed_effects="random").fit()
    >>> list(re.params.index), re.phi >= 0
    (['const', 'x', 'rho'], True)
    """

    def __init__(
        self,
        panel: SpatialPanel,
        y: str,
        x: Sequence[str],
        w: Any,
        *,
        kind: Kind = "sar",
        fixed_effects: Effects = "none",
        durbin: Sequence[str] | None = None,
        bias_correction: BiasCorrection = "none",
        method: Method = "auto",
        engine: Engine = "native",
        m: Any = None,
        dynamic: bool | Literal["space-time"] = False,
        w_x: Any = None,
        combine: Literal["convex"] | None = None,
        logdet: LogDet = "auto",
    ) -> None:
        check_option(kind, Kind, "kind", error=ModelError)
        check_option(engine, Engine, "engine", error=ModelError)
        check_option(fixed_effects, Effects, "fixed_effects", error=ModelError)
        check_option(bias_correction, BiasCorrection, "bias_correction", error=ModelError)
        check_option(method, Method, "method", error=ModelError)
        check_option(logdet, LogDet, "logdet", error=ModelError)
        self.panel = panel
        self.y = y
        self.x = _regressor_names(x, y)
        _interactions.check_interactions(panel, self.x)  # "x:z": the product of two columns
        self.kind: Kind = kind
        self.fixed_effects: Effects = fixed_effects
        self.bias_correction: BiasCorrection = bias_correction
        self.method: Method = method
        self.logdet: LogDet = logdet
        self.engine: Engine = engine
        self.estimator: Estimator = (
            "ml"  # spreg's GMM estimators: cross-sections only (SpatialCrossSectionModel)
        )
        if bias_correction == "lee-yu" and fixed_effects == "none":
            raise ModelError(
                "bias_correction='lee-yu' corrects for fixed effects; with fixed_effects='none' there is "
                "nothing to correct. Use fixed_effects='unit', 'time' or 'twoway', or bias_correction='none'."
            )
        if fixed_effects == "random":
            _check_random(kind, bias_correction)
        self.durbin = _durbin_names(kind, self.x, durbin)
        self.w = w
        if m is not None and kind not in _SAC_KINDS:
            raise ModelError(
                f"m= is the error process's weights of a 'sac' or 'gns' model; a {kind!r} model "
                "has none (its error model uses w)."
            )
        self.m = m
        self.dynamic = _check_dynamic(dynamic, kind, fixed_effects, panel.n_periods)
        self.w_x = w_x
        self.combine = combine
        if is_multi(w, w_x, combine):  # time-varying or several weights: spatial/_multiw.py
            _check_multi(self)
        if engine == "spreg":
            check_covered(self)

    def __repr__(self) -> str:
        return (
            f"SpatialPanelModel(y={self.y!r}, x={self.x!r}, kind={self.kind!r}, "
            f"fixed_effects={self.fixed_effects!r}, bias_correction={self.bias_correction!r})"
        )

    def fit(self) -> SpatialPanelResults:
        """Estimate the model by (concentrated) maximum likelihood.

        Returns
        -------
        SpatialPanelResults
            Immutable results: coefficients, spatial parameter, analytic standard errors, fit statistics,
            impacts and tests.
        """
        return _interactions.attach(self._fit(), self.panel, self.x)

    def _fit(self) -> SpatialPanelResults:
        if is_multi(self.w, self.w_x, self.combine):
            if any(_interactions.factors(v) for v in self.x):
                # the effects at a moderator's value are derived for one W (S(W) per value of z); with several
                # or time-varying W they are not implemented, so refuse rather than report wrong effects
                raise ModelError(
                    "interaction terms ('x:z') are supported with one weights matrix; with time-varying "
                    "weights, w_x= or several W use the product as an ordinary regressor column instead."
                )
            return estimate_multi(self)
        design = self._design()
        _check_design(design, self.y, self.fixed_effects)
        op = lk.make_operator(design.w, self.method, logdet=self.logdet)
        self._check_weights_for_method(op)
        at = None
        if self.estimator != "ml":
            return spreg_gmm(self, design)
        if self.engine == "spreg":
            at = spreg_estimates(self, design)
        if self.dynamic:
            return estimate_dynamic(self, design, op)
        if self.kind in _SAC_KINDS:
            return estimate_sac(self, design, op)
        if self.fixed_effects == "random":
            return _estimate_random(self, design, op, at)
        return _estimate(self, design, op, at)

    # ------------------------------------------------------------------ conversion and checks
    def _design(self) -> _Design:
        panel = self.panel
        n, t = panel.n_regions, panel.n_periods
        if self.fixed_effects in ("unit", "twoway") and t < 2:
            raise ModelError(f"unit fixed effects need at least 2 periods; the panel has {t}.")
        if self.fixed_effects in ("time", "twoway") and n < 3:
            raise ModelError(f"time fixed effects need at least 3 regions; the panel has {n}.")
        w = _to_sparse(self.w, panel.ids, "w")
        y = panel.stacked(self.y)
        # one preallocated design [const, X, W X]: each column written once (no column_stack copies)
        const = self.fixed_effects in ("none", "random")
        k, kd = len(self.x), len(self.durbin)
        full = np.empty((n * t, int(const) + k + kd))
        if const:
            full[:, 0] = 1.0
        x = full[:, int(const) : int(const) + k]
        for j, v in enumerate(self.x):
            x[:, j] = _interactions.stacked(panel, v)
        cols = [self.x.index(d) for d in self.durbin]
        if cols:
            lk.lag(w, x[:, cols], n, out=full[:, int(const) + k :])
        names = self.x + [f"W*{d}" for d in self.durbin]
        if const:
            names = ["const", *names]
        m = None
        if self.kind in _SAC_KINDS:
            m = w if self.m is None else _to_sparse(self.m, panel.ids, "m")
        return _Design(y, full, names, list(self.x), list(self.durbin), w, n, t, m)

    def _check_weights_for_method(self, op: lk.SpatialOperator) -> None:
        needs_row = (self.kind in _ERROR_KINDS + _SAC_KINDS and self.fixed_effects in ("time", "twoway")) or (
            self.bias_correction == "lee-yu" and self.fixed_effects in ("time", "twoway")
        )
        if needs_row and not op.row_standardised:
            rows = np.asarray(op.w.sum(axis=1)).ravel()
            bad = self.panel.ids[~np.isclose(rows, 1.0)].tolist()
            why = (
                "Lee-Yu with time effects"
                if self.kind not in _ERROR_KINDS
                else f"a spatial error model with {self.fixed_effects} fixed effects"
            )
            raise WeightsError(
                f"{why} needs row-standardised weights (W 1 = 1) so that the time effects drop out exactly; "
                f"the rows of {format_items(bad)} do not sum to 1. Pass w.transform('r') (regions without "
                "neighbours must be linked first, e.g. islands='nearest')."
            )


class SpatialCrossSectionModel(SpatialPanelModel):
    """The same models for one period of a panel (cross-section ML, as spreg's ``ML_Lag`` with Durbin terms).

    Parameters
    ----------
    panel
        A :class:`~spillover.panel.SpatialPanel`.
    period
        The period to use (default: the panel must have exactly one period).
    y, x, w, kind, durbin, method, engine, m, w_x, combine, logdet
        As in :class:`SpatialPanelModel`; no fixed effects (a constant is included).
    estimator
        ``"ml"`` (default): maximum likelihood.  ``"gm"`` / ``"gm-het"`` (with ``engine="spreg"``; kinds
        ``"sar"``, ``"sdm"``, ``"sem"``, ``"sdem"``): spreg's GMM estimators -- spatial 2SLS ``GM_Lag``
        (White SEs for ``"gm-het"``) for lag models, ``GM_Error_Hom`` / ``GM_Error_Het`` for error models;
        robust to non-normal (``"gm-het"``: heteroskedastic) errors, with spreg's covariance and
        spillover's impacts.  No likelihood: ``loglik`` is NaN.
    """

    def __init__(
        self,
        panel: SpatialPanel,
        y: str,
        x: Sequence[str],
        w: Any,
        *,
        period: Any = None,
        kind: Kind = "sar",
        durbin: Sequence[str] | None = None,
        method: Method = "auto",
        engine: Engine = "native",
        m: Any = None,
        estimator: Estimator = "ml",
        w_x: Any = None,
        combine: Literal["convex"] | None = None,
        logdet: LogDet = "auto",
    ) -> None:
        check_option(estimator, Estimator, "estimator", error=ModelError)
        if estimator != "ml" and engine != "spreg":
            raise ModelError(
                f"estimator={estimator!r} is one of spreg's GMM estimators; pass engine='spreg' "
                "(spillover's own engine estimates by maximum likelihood)."
            )
        if estimator != "ml" and kind not in ("sar", "sdm", "sem", "sdem"):
            raise ModelError(
                f"estimator={estimator!r} covers kind='sar', 'sdm', 'sem' and 'sdem'; for "
                f"kind={kind!r} fit spreg's GM_Combo yourself or use estimator='ml'."
            )
        if period is None and panel.n_periods != 1:
            raise ModelError(
                f"the panel has {panel.n_periods} periods; pass period= one of "
                f"{format_items(panel.periods.tolist())} for a cross-section."
            )
        one = panel if period is None else panel.subset(periods=[period])
        super().__init__(
            one,
            y,
            x,
            w,
            kind=kind,
            fixed_effects="none",
            durbin=durbin,
            method=method,
            engine=engine,
            m=m,
            w_x=w_x,
            combine=combine,
            logdet=logdet,
        )
        self.estimator = estimator


# ---------------------------------------------------------------------------------------------- helpers
def _to_sparse(w: Any, ids: pd.Index, label: str) -> sp.csr_matrix:
    from spillover.weights import to_sparse

    try:
        return to_sparse(w, ids)  # WeightsError (naming the ids) passes through
    except (TypeError, AttributeError) as exc:
        raise WeightsError(
            f"{label} must be a libpysal Graph, a libpysal W or a square DataFrame of the panel's regions; "
            f"got {type(w).__name__} ({exc})."
        ) from None


def _durbin_names(kind: str, x: list[str], durbin: Sequence[str] | None) -> list[str]:
    if kind not in _DURBIN_KINDS:
        if durbin:
            raise ModelError(
                f"durbin= adds W*x terms, which a {kind!r} model does not have; use kind='sdm', 'slx' or "
                "'sdem'."
            )
        return []
    if durbin is None:
        return list(x)
    durbin = [durbin] if isinstance(durbin, str) else list(durbin)
    unknown = [d for d in durbin if d not in x]
    if unknown:
        raise ModelError(f"durbin variables {format_items(unknown)} are not among the regressors {x}.")
    if not durbin and kind == "slx":
        raise ModelError("an SLX model needs at least one durbin variable.")
    return durbin


def _check_dynamic(dynamic: Any, kind: str, fixed_effects: str, periods: int) -> str | bool:
    if dynamic is False:
        return False
    if dynamic is not True and dynamic != "space-time":
        raise ModelError(f"dynamic must be False, True or 'space-time'; got {dynamic!r}.")
    if kind not in ("sar", "sdm"):
        raise ModelError(f"dynamic panels are spatial lag models: use kind='sar' or 'sdm', not {kind!r}.")
    if fixed_effects not in ("unit", "twoway"):
        raise ModelError(
            f"dynamic panels need unit or two-way fixed effects (Yu, de Jong and Lee 2008; Lee "
            f"and Yu 2010); got fixed_effects={fixed_effects!r}."
        )
    if periods < 3:
        raise ModelError(
            f"dynamic={dynamic!r} needs at least 3 periods (one is lost to y(t-1) and the unit "
            f"effects need two more); the panel has {periods}."
        )
    return "space-time" if dynamic == "space-time" else "time"


def _check_random(kind: str, bias_correction: str) -> None:
    if kind not in _RANDOM_KINDS:
        raise ModelError(
            f"fixed_effects='random' is supported for kind='sar', 'sem', 'sdm' and 'sdem' (random-effects "
            f"models with a spatial parameter); {kind!r} with random effects is not: an SLX with random "
            "effects is a non-spatial random-effects regression on [X, WX] (e.g. linearmodels' "
            "RandomEffects), or use fixed effects ('unit', 'time' or 'twoway')."
        )
    if bias_correction != "none":
        raise ModelError(
            "bias_correction='lee-yu' corrects the fixed-effects estimator; random effects have no "
            "incidental parameters to correct. Use bias_correction='none' with fixed_effects='random'."
        )


def _check_design(d: _Design, y_name: str, fe: Effects) -> None:
    """The checks every estimation path (native, spreg engine, SAC/GNS, random effects) needs first."""
    yt = d.y if fe == "none" or fe == "random" else lk.demean(d.y, d.n, fe)
    _check_dependent(d.y, yt, y_name, fe)
    _check_observations(d.names, d.n, d.t, fe)


def _fixed(model: SpatialPanelModel) -> FixedEffects:
    """The fixed-effects transformation of a model that :func:`_estimate` fits (``fit`` sends random effects
    to :func:`_estimate_random`)."""
    fe = model.fixed_effects
    if fe == "random":
        raise RuntimeError("random effects are fitted by _estimate_random")  # unreachable from fit
    return fe


def _estimate(
    model: SpatialPanelModel, d: _Design, op: lk.SpatialOperator, at: tuple[np.ndarray, float] | None = None
) -> SpatialPanelResults:
    fe = _fixed(model)
    yt = lk.demean(d.y, d.n, fe)
    xt = lk.demean(d.x, d.n, fe)
    _check_regressors(xt, d.x, d.names, fe)
    f, info, spatial, fitted = _fit_kind(model, d, op, yt, xt, at)
    k = xt.shape[1]
    cov = lk.invert_information(info, d.names + [spatial or "_none", "sigma2"])
    keep = k + 1 if spatial else k
    idx = d.names + ([spatial] if spatial else [])
    values = np.append(f.beta, f.rho) if spatial else f.beta
    r2 = float(np.corrcoef(yt, fitted)[0, 1] ** 2) if np.std(fitted) > 0 else float("nan")
    core = FitCore.of_model(model, d, op, f.resid, spatial)
    return SpatialPanelResults(
        params=pd.Series(values, index=idx, name="params"),
        cov=pd.DataFrame(cov[:keep, :keep], index=idx, columns=idx),
        sigma2=f.sigma2,
        sigma2_se=float(np.sqrt(cov[-1, -1])),
        loglik=f.loglik,
        r2=r2,
        n_regions=d.n,
        n_periods=d.t,
        nobs=d.n * d.t,
        kind=model.kind,
        fixed_effects=fe,
        bias_correction=model.bias_correction,
        y_name=model.y,
        x_names=d.x_names,
        durbin=d.durbin,
        _core=core,
    )


def _estimate_random(
    model: SpatialPanelModel,
    d: _Design,
    op: lk.SpatialOperator,
    at: tuple[np.ndarray, float, float] | None = None,
) -> SpatialPanelResults:
    """Random-effects SAR/SEM (SDM/SDEM: with WX among the regressors) by exact ML (shared with the Hausman
    test, see ``_random_effects``); ``at = (beta, rho, theta)`` evaluates the SAR at given estimates."""
    _check_regressors(d.x, d.x, d.names, "random")
    lag_model = model.kind in _LAG_KINDS
    if at is not None:
        f = rek.sar_at(d.y, d.x, op, d.t, *at)
    else:
        f = rek.fit_random_effects(d.y, d.x, op, d.t, "sar" if lag_model else "sem")
    spatial = "rho" if lag_model else "lambda"
    idx = [*d.names, spatial]
    keep = len(idx)
    fitted = lk.solve_stacked(op, f.spatial, d.x @ f.beta, d.t) if lag_model else d.x @ f.beta
    r2 = float(np.corrcoef(d.y, fitted)[0, 1] ** 2) if np.std(fitted) > 0 else float("nan")
    core = FitCore.of_model(model, d, op, f.resid, spatial)
    se = np.sqrt(np.diag(f.cov))
    return SpatialPanelResults(
        params=pd.Series(np.append(f.beta, f.spatial), index=idx, name="params"),
        cov=pd.DataFrame(f.cov[:keep, :keep], index=idx, columns=idx),
        sigma2=f.sigma2,
        sigma2_se=float(se[-1]),
        loglik=f.loglik,
        r2=r2,
        n_regions=d.n,
        n_periods=d.t,
        nobs=d.n * d.t,
        kind=model.kind,
        fixed_effects="random",
        bias_correction="none",
        y_name=model.y,
        x_names=d.x_names,
        durbin=d.durbin,
        _core=core,
        phi=f.phi,
        phi_se=float(se[keep]),
    )


def _fit_kind(
    model: SpatialPanelModel,
    d: _Design,
    op: lk.SpatialOperator,
    yt: np.ndarray,
    xt: np.ndarray,
    at: tuple[np.ndarray, float] | None = None,
) -> tuple[lk.LagFit, np.ndarray, str | None, np.ndarray]:
    """(fit, information matrix of (coefficients, spatial parameter, sigma2), its name, fitted values).

    ``at = (beta, spatial parameter)``: estimates from another engine; the fit is evaluated there."""
    fe = _fixed(model)
    lee_yu = model.bias_correction == "lee-yu"
    drop_root = lee_yu and fe in ("time", "twoway")
    n_eff, mult = lk.effective_sizes(d.n, d.t, fe, lee_yu)
    wy = lk.demean(lk.lag(d.w, d.y, d.n), d.n, fe, inplace=True)
    if model.kind in _LAG_KINDS:
        f = (
            lk.fit_lag(yt, wy, xt, op, n_eff, mult, drop_root)
            if at is None
            else lk.lag_fit_at(yt, wy, xt, op, n_eff, mult, drop_root, *at)
        )
        info = lk.lag_information(xt, f.beta, f.rho, f.sigma2, op, n_eff, mult, drop_root, d.t, fe)
        _warn_small_n(
            model, d, op, f.rho, info, "rho", lambda ne, m: lk.fit_lag(yt, wy, xt, op, ne, m, True).rho
        )
        fitted = lk.demean(lk.solve_stacked(op, f.rho, d.x @ f.beta, d.t), d.n, fe, inplace=True)
        return f, info, "rho", fitted
    if model.kind in _ERROR_KINDS:
        wx = lk.demean(lk.lag(d.w, d.x, d.n), d.n, fe, inplace=True)
        f = (
            lk.fit_error(yt, wy, xt, wx, op, n_eff, mult, drop_root)
            if at is None
            else lk.error_fit_at(yt, wy, xt, wx, op, n_eff, mult, drop_root, *at)
        )
        info = lk.error_information(xt - f.rho * wx, f.rho, f.sigma2, op, n_eff, mult, drop_root)
        _warn_small_n(
            model,
            d,
            op,
            f.rho,
            info,
            "lambda",
            lambda ne, m: lk.fit_error(yt, wy, xt, wx, op, ne, m, True).rho,
        )
        return f, info, "lambda", xt @ f.beta
    f = _fit_ols(yt, xt, n_eff)
    k = xt.shape[1]
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = xt.T @ xt / f.sigma2
    info[k, k] = 1.0  # placeholder for the absent spatial parameter (dropped by the caller)
    info[k + 1, k + 1] = n_eff / (2 * f.sigma2**2)
    return f, info, None, xt @ f.beta


SMALL_N_GAP = 0.5
"""Gap between the direct and the Lee-Yu estimate of the spatial parameter, in standard errors, above which
the direct approach with time effects warns (:class:`~spillover.errors.SmallSampleBiasWarning`)."""


def _warn_small_n(
    model: SpatialPanelModel,
    d: _Design,
    op: lk.SpatialOperator,
    value: float,
    info: np.ndarray,
    name: str,
    lee_yu_fit: Any,
) -> None:
    """Warn when the direct approach's O(1/N) bias with time effects is large enough to matter.

    With time (or two-way) effects the direct approach's spatial parameter is biased by O(1/N) (Lee and Yu
    2010) while its standard error shrinks like 1/sqrt(NT), so the bias in standard errors grows like
    sqrt(T/N).  Rather than a fixed N, the check refits with Lee and Yu's transformation (same data and
    cross-products; only the likelihood's constants change) and warns when the two estimates differ by more
    than :data:`SMALL_N_GAP` standard errors.  It runs on the dense path (N <= 1,000, where a refit costs
    milliseconds) with row-standardised W; above 1,000 regions the bias is below 0.1 % of a unit of rho times
    a constant of order one, negligible against any practical standard error.
    """
    fe = model.fixed_effects
    if fe not in ("time", "twoway") or model.bias_correction != "none":
        return
    if op.method != "dense" or not op.row_standardised:
        return
    try:
        other = lee_yu_fit(*lk.effective_sizes(d.n, d.t, fe, True))
        se = float(np.sqrt(np.linalg.inv(info)[-2, -2]))
    except (ModelError, np.linalg.LinAlgError):
        return
    gap = (value - other) / se
    if abs(gap) > SMALL_N_GAP:
        from spillover.errors import SmallSampleBiasWarning

        warn(
            f"with {fe} fixed effects and {d.n} regions the direct approach's {name} = {value:.4f} is "
            f"{gap:+.2f} standard errors from the bias-corrected {other:.4f} (its O(1/N) bias, Lee and Yu "
            f"2010); consider bias_correction='lee-yu' (the direct approach is kept as the default for "
            "comparability with xsmle and Elhorst's code).",
            SmallSampleBiasWarning,
        )


def _fit_ols(y: np.ndarray, x: np.ndarray, n_eff: float) -> lk.LagFit:
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    sigma2 = float(resid @ resid / n_eff)
    loglik = -n_eff / 2 * (np.log(2 * np.pi * sigma2) + 1)
    return lk.LagFit(beta, 0.0, sigma2, float(loglik), resid)
