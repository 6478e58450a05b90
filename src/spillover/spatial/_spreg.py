"""spreg as an estimation engine, and fitted spreg models wrapped into spillover results.

``SpatialPanelModel(..., engine="spreg")`` lets spreg (1.9) find the estimates where spreg's estimator is the
same exact ML estimator as spillover's:

=====================  ==========================  ===============================================
model                  spreg estimator             notes
=====================  ==========================  ===============================================
cross-section / pooled ``ML_Lag`` (SAR, SDM)       SDM through ``slx_lags=1``/``slx_vars``; pooled
                       ``ML_Error`` (SEM, SDEM)    panels with the block-diagonal ``I_T kron W``
unit fixed effects     ``ML_LagFE``, ``ML_ErrorFE``  Durbin terms through ``slx_lags``
random effects         ``ML_LagRE`` (SAR, SDM)     spreg alternates 1-D searches (see below)
cross-section, GMM     ``GM_Lag`` (SAR, SDM),      ``SpatialCrossSectionModel(..., engine="spreg",
(``estimator=``)       ``GM_Error_Hom``/``_Het``   estimator="gm" | "gm-het")``; spreg's covariance
=====================  ==========================  ===============================================

Everything else is spillover's: the standard errors (analytic information matrix, or the observed
information for random effects, at spreg's estimates), the log-likelihood, impacts, Wald/LR tests and the
summary.  Not covered (a :class:`~spillover.errors.ModelError` says so): time and two-way effects (spreg's
panel estimators demean by region only), ``bias_correction="lee-yu"``, the SLX (OLS on [X, WX], nothing
spatial to estimate), random-effects error models (spreg 1.9's ``ML_ErrorRE`` takes the eigenvalues of W as
if W were symmetric, wrong for a row-standardised W), and the kinds spreg has no ML estimator for
(``"sac"``, ``"gns"``; spreg's ``GM_Combo`` is a GMM estimator, wrap it with :func:`from_spreg`).

Why spreg's own inference is not used: for an SDM spreg's ``sp_multipliers`` count all of ``W X theta`` as
indirect (the direct effect is reported as beta) and come without standard errors; its ``ML_LagRE``
information matrix understates the SE of rho (see :mod:`spillover.spatial._random_effects`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from spillover.errors import ModelError, WeightsError
from spillover.spatial import _likelihood as lk
from spillover.spatial._checks import _libpysal_w, _quiet  # one silencer and W converter for spreg calls
from spillover.spatial.results import FitCore, SpatialPanelResults

if TYPE_CHECKING:
    from spillover.spatial.model import SpatialPanelModel, _Design

__all__ = ["check_covered", "spreg_estimates", "spreg_gmm", "from_spreg", "SPREG_EPSILON"]

SPREG_EPSILON = 1e-10
"""Convergence tolerance handed to spreg's optimisers (its default 1e-7 leaves rho ~1e-7 from the optimum)."""


def check_covered(model: SpatialPanelModel) -> None:
    """Raise a ModelError naming what spreg does not cover for this model."""
    fe, kind = model.fixed_effects, model.kind
    why = None
    if model.bias_correction != "none":
        why = (
            "the Lee-Yu bias correction is not in spreg (its panel estimators use the direct approach); "
            "use engine='native'"
        )
    elif fe in ("time", "twoway"):
        why = (
            f"{fe} fixed effects: spreg 1.9's panel estimators (ML_LagFE, ML_ErrorFE) demean by region "
            "only; use engine='native' (exact two-way ML) or fixed_effects='unit'"
        )
    elif kind == "slx":
        why = "the SLX is OLS on [X, WX] with no spatial parameter to estimate; use engine='native'"
    elif kind not in ("sar", "sdm", "sem", "sdem"):
        why = (
            f"kind={kind!r} has no ML estimator in spreg (GM_Combo is GMM; wrap a fitted GM_Combo with "
            "spillover.spatial.from_spreg); use engine='native'"
        )
    elif fe == "random" and kind in ("sem", "sdem"):
        why = (
            "random-effects error models: spreg 1.9's ML_ErrorRE takes the eigenvalues of W as if W were "
            "symmetric (wrong for row-standardised W); use engine='native'"
        )
    elif getattr(model, "dynamic", False):
        why = "dynamic panels are not in spreg; use engine='native'"
    if why:
        raise ModelError(f"engine='spreg' does not cover this model: {why}.")


def _spreg_name(name: str) -> str:
    if name == "const":
        return "CONSTANT"
    return "W_" + name[2:] if name.startswith("W*") else name


def spreg_estimates(model: SpatialPanelModel, d: _Design) -> tuple:
    """spreg's estimates of ``(beta, spatial parameter)`` (random effects: ``(beta, rho, theta)``) in the
    order of the design's names (constant, X, W X)."""
    import spreg

    fe, lag_kind = model.fixed_effects, model.kind in ("sar", "sdm")
    y = d.y[:, None]
    x, slx = _raw_x(model, d)
    opts = {"name_x": list(model.x), "epsilon": SPREG_EPSILON, **slx}
    if fe in ("unit", "random"):
        # spreg 1.9's panel estimators break on a subset in slx_vars (a shape error in its WX builder), so
        # the Durbin terms go in as regressors named as spreg names them (the same likelihood)
        opts = {"name_x": [_spreg_name(nm) for nm in d.names if nm != "const"], "epsilon": SPREG_EPSILON}
        x = d.x[:, [i for i, nm in enumerate(d.names) if nm != "const"]]
        est = spreg.ML_LagRE if fe == "random" else (spreg.ML_LagFE if lag_kind else spreg.ML_ErrorFE)
        w = _libpysal_w(d.w)
    else:
        est = spreg.ML_Lag if lag_kind else spreg.ML_Error
        w = _libpysal_w(d.w if d.t == 1 else sp.kron(sp.identity(d.t), d.w, format="csr"))
        opts["method"] = (
            "full" if model.method == "dense" or (model.method == "auto" and d.n * d.t <= 1000) else "LU"
        )
    fitted = _run(est, (y, x, w), opts, "; try engine='native'")
    betas = np.asarray(fitted.betas, dtype=float).ravel()
    expected = [_spreg_name(nm) for nm in d.names]
    got = list(fitted.name_x)[: len(expected)]
    if got != expected:  # a changed spreg layout must not shift coefficients silently
        raise ModelError(
            f"spreg's {est.__name__} returned coefficients {got}, expected {expected}; this "
            "spreg version is not supported by engine='spreg'."
        )
    k = len(expected)
    if fe == "random":
        return betas[:k], float(betas[k]), float(fitted.phi)  # spreg's phi is the quasi-demeaning theta
    return betas[:k], float(betas[k])


def _raw_x(model: SpatialPanelModel, d: _Design) -> tuple[np.ndarray, dict[str, Any]]:
    """The raw regressors X (without the constant and W X) and spreg's options for the Durbin terms."""
    x = d.x[:, d.names.index(model.x[0]) :][:, : len(model.x)]
    slx = {"slx_lags": 1, "slx_vars": [v in model.durbin for v in model.x]} if model.durbin else {}
    return x, slx


def _run(est: Any, args: tuple, opts: dict[str, Any], hint: str) -> Any:
    """Fit a spreg estimator quietly; its numerical failures become a ModelError naming it."""
    try:
        return _quiet(est, *args, **opts)
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise ModelError(f"spreg's {est.__name__} failed on this model ({exc}){hint}.") from exc


def spreg_gmm(model: SpatialPanelModel, d: _Design) -> SpatialPanelResults:
    """Estimate a cross-section by one of spreg's GMM estimators (``estimator="gm"`` or ``"gm-het"``).

    Lag kinds: ``GM_Lag``, spatial two-stage least squares with instruments ``[X, WX, W^2X]`` (Kelejian
    and Prucha 1998), with White standard errors for ``"gm-het"``.  Error kinds: ``GM_Error_Hom``
    (Drukker, Egger and Prucha 2013) for ``"gm"`` and ``GM_Error_Het`` (Arraiz, Drukker, Kelejian and
    Prucha 2010) for ``"gm-het"``, both with an inference for lambda.  The estimates and their covariance
    are spreg's; impacts (with simulated intervals drawn from that covariance) and the summary are
    spillover's, as for :func:`from_spreg`.  A GMM estimate has no likelihood: ``loglik`` is NaN and the
    LR tests refuse it.
    """
    import spreg

    y = d.y[:, None]
    x, slx = _raw_x(model, d)
    opts: dict[str, Any] = {"name_x": list(model.x), "name_y": model.y, **slx}
    w = _libpysal_w(d.w)
    het = model.estimator == "gm-het"
    if model.kind in ("sar", "sdm"):
        est = spreg.GM_Lag
        args: tuple = (y, x)
        opts.update(w=w, w_lags=1, robust="white" if het else None)
    else:
        est = spreg.GM_Error_Het if het else spreg.GM_Error_Hom
        args = (y, x, w)
    fitted = _run(est, args, opts, "")
    res = _wrap(fitted, d.w, model.panel.ids)
    expected = [*d.names, res.params.index[-1]]
    if list(res.params.index) != expected:  # a changed spreg layout must not shift coefficients silently
        raise ModelError(
            f"spreg's {est.__name__} returned coefficients {list(res.params.index)}, expected "
            f"{expected}; this spreg version is not supported."
        )
    return res


# ---------------------------------------------------------------------------------------------- from_spreg
_LAG = ("ML_Lag", "GM_Lag", "ML_LagFE", "ML_LagRE", "Panel_FE_Lag", "Panel_RE_Lag")
_ERROR = ("ML_Error", "GM_Error", "GM_Error_Het", "GM_Error_Hom", "ML_ErrorFE", "Panel_FE_Error")
_UNIT = ("ML_LagFE", "ML_ErrorFE", "Panel_FE_Lag", "Panel_FE_Error")
_RANDOM = ("ML_LagRE", "Panel_RE_Lag")


def _weights_of(w: Any) -> tuple[sp.csr_matrix, pd.Index]:
    """The sparse matrix and region ids of a libpysal W or Graph (the order spreg used)."""
    if hasattr(w, "id_order") and hasattr(w, "sparse"):
        return sp.csr_matrix(w.sparse, dtype=float), pd.Index(w.id_order)
    if hasattr(w, "unique_ids") and hasattr(w, "sparse"):
        return sp.csr_matrix(w.sparse, dtype=float), pd.Index(w.unique_ids)
    if sp.issparse(w):
        return sp.csr_matrix(w, dtype=float), pd.RangeIndex(w.shape[0])
    raise WeightsError(
        f"w must be the libpysal W or Graph the spreg model was fitted with; got {type(w).__name__}."
    )


def from_spreg(fitted: Any, w: Any) -> SpatialPanelResults:
    """Wrap a fitted spreg model into a :class:`SpatialPanelResults` with spillover's impacts and tests.

    spreg's own ``sp_multipliers`` of an SDM report the direct effect as ``beta`` and count all of
    ``W X theta`` as indirect, without standard errors; the wrapped result gives LeSage-Pace direct,
    indirect and total effects (``direct = beta tr(A)/N + theta tr(AW)/N``) with simulated standard errors
    drawn from spreg's own covariance matrix ``vm``.

    Parameters
    ----------
    fitted
        A fitted ``spreg.ML_Lag``, ``GM_Lag`` (with or without ``slx_lags``), ``ML_Error``, ``GM_Error``
        (``_Het``/``_Hom``), ``ML_LagFE``, ``ML_ErrorFE`` or ``ML_LagRE`` (panels stacked period-major).
    w
        The libpysal ``W`` or ``Graph`` the model was fitted with (N x N; for panels the per-period W).

    Returns
    -------
    SpatialPanelResults
        Coefficients and covariance as spreg estimated them (named ``const``, ``x``, ``W*x``, ``rho`` or
        ``lambda``); ``sigma2``, ``loglik`` and ``r2`` (spreg's pseudo R2) from spreg; ``sigma2_se`` NaN.

    Examples
    --------
    >>> import contextlib, io, libpysal, numpy as np, spreg
    >>> db = libpysal.io.open(libpysal.examples.get_path("columbus.dbf"))
    >>> y = np.array(db.by_col("CRIME"))[:, None]
    >>> x = np.array([db.by_col("INC"), db.by_col("HOVAL")]).T
    >>> w = libpysal.weights.Queen.from_shapefile(libpysal.examples.get_path("columbus.shp"))
    >>> w.transform = "r"
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     sdm = spreg.ML_Lag(y, x, w, slx_lags=1, name_x=["INC", "HOVAL"])
    >>> res = from_spreg(sdm, w)
    >>> list(res.params.index)
    ['const', 'INC', 'HOVAL', 'W*INC', 'W*HOVAL', 'rho']
    >>> imp = res.impacts(draws=0)
    >>> round(float(imp.loc[("direct", "INC"), "estimate"]), 4)  # spreg prints beta = -0.9199
    -1.025
    """
    cls = type(fitted).__name__
    if cls not in _LAG + _ERROR:
        raise ModelError(
            f"from_spreg wraps spreg's spatial lag and error models ({', '.join(_LAG + _ERROR)}); got {cls}."
        )
    return _wrap(fitted, *_weights_of(w))


def _wrap(fitted: Any, wmat: sp.csr_matrix, ids: pd.Index) -> SpatialPanelResults:
    cls = type(fitted).__name__
    n = wmat.shape[0]
    nobs = int(fitted.n)
    if nobs % n:
        raise WeightsError(
            f"the spreg model has {nobs} observations, not a multiple of the {n} regions of w."
        )
    spatial = "rho" if cls in _LAG else "lambda"
    # GMM lag models keep the spatial lag among the endogenous variables: name_z = name_x + ['W_dep_var']
    names_x = list(getattr(fitted, "name_z", None) or fitted.name_x)
    k = len(names_x) - 1 - (cls in _RANDOM)  # coefficients before the spatial parameter (and phi)
    plain = [nm for nm in names_x[:k] if nm != "CONSTANT" and not nm.startswith("W_")]
    durbin = [nm[2:] for nm in names_x[:k] if nm.startswith("W_") and nm[2:] in plain]
    names = [
        "const" if nm == "CONSTANT" else ("W*" + nm[2:] if nm[2:] in durbin and nm.startswith("W_") else nm)
        for nm in names_x[:k]
    ]
    betas = np.asarray(fitted.betas, dtype=float).ravel()[: k + 1]
    vm = np.asarray(fitted.vm, dtype=float)[: k + 1, : k + 1]
    if vm.shape != (k + 1, k + 1):
        raise ModelError(
            f"spreg's {cls} gives no covariance for {spatial} (its vm is {vm.shape[0]} x {vm.shape[1]} for "
            f"{k + 1} parameters: Kelejian and Prucha's 1999 moments estimator has no inference on lambda); "
            "fit GM_Error_Hom or GM_Error_Het instead, which do."
        )
    idx = [*names, spatial]
    kind = ("sdm" if durbin else "sar") if spatial == "rho" else ("sdem" if durbin else "sem")
    fe = "unit" if cls in _UNIT else ("random" if cls in _RANDOM else "none")
    op = lk.make_operator(wmat, "auto")
    x = np.asarray(fitted.x.toarray() if sp.issparse(fitted.x) else fitted.x, dtype=float)[:, :k]
    core = FitCore(
        op=op,
        y=np.asarray(fitted.y, dtype=float).ravel(),
        x=x,
        names=names,
        ids=ids,
        periods=pd.RangeIndex(nobs // n),
        resid=np.asarray(fitted.u, dtype=float).ravel(),
        spatial=spatial,
    )
    return SpatialPanelResults(
        params=pd.Series(betas, index=idx, name="params"),
        cov=pd.DataFrame(vm, index=idx, columns=idx),
        sigma2=_sigma2(fitted),
        sigma2_se=float("nan"),
        loglik=float(getattr(fitted, "logll", np.nan)),
        r2=float(getattr(fitted, "pr2", np.nan)),
        n_regions=n,
        n_periods=nobs // n,
        nobs=nobs,
        kind=kind,
        fixed_effects=fe,
        bias_correction="none",
        y_name=str(getattr(fitted, "name_y", "y")),
        x_names=plain,
        durbin=durbin,
        _core=core,
    )


def _sigma2(fitted: Any) -> float:
    """spreg's sigma2; GM_Error_Het reports none, so that of its spatially filtered residuals e'e/n."""
    if hasattr(fitted, "sig2"):
        return float(np.ravel(fitted.sig2)[0])
    e = np.asarray(fitted.e_filtered, dtype=float).ravel()
    return float(e @ e / e.size)
