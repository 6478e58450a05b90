"""Checks and helpers shared by the spatial models, the specification tests and the spreg engine.

They sit below :mod:`~spillover.spatial.model`, :mod:`~spillover.spatial.lmtests`,
:mod:`~spillover.spatial._spreg` and :mod:`~spillover.spatial._sac` so that none of those imports another
for them (no import cycle, not even inside a function).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from spillover._names import check_reserved
from spillover.errors import ModelError, format_items


def _regressor_names(x: Sequence[str] | str, y: str) -> list[str]:
    """``x`` as a list of names (one name may be given as a string), checked: not empty, no name twice,
    not the dependent variable, no name the models generate themselves
    (:func:`spillover._names.check_reserved`, shared with every model family).  Shared by the models and
    the specification tests, so that every generated coefficient label is unique."""
    names = [x] if isinstance(x, str) else list(x)
    if not names:
        raise ModelError("x is empty: give at least one explanatory variable.")
    dup = sorted({n for n in names if names.count(n) > 1}, key=str)
    if dup:
        raise ModelError(f"x lists {format_items(dup)} more than once.")
    if y in names:
        raise ModelError(f"the dependent variable {y!r} is also listed in x.")
    check_reserved(names, y)
    return names


_WITHIN = {
    "unit": "within every region",
    "time": "within every period",
    "twoway": "once region and period means are removed",
}


def _check_dependent(raw: np.ndarray, transformed: np.ndarray, name: str, fe: str) -> None:
    """Refuse a dependent variable with nothing to explain: constant, or constant within the fixed effects.

    Shared by the models and the specification tests (a constant y gives sigma2 = 0 and a log of zero).
    """
    scale = float(np.abs(raw).max())  # relative tolerances: y may be measured in any unit
    if float(np.ptp(raw)) <= 1e-12 * scale:
        raise ModelError(
            f"the dependent variable {name!r} is constant ({float(raw[0]):g} everywhere): there is nothing to "
            "explain. Check the column."
        )
    if fe in _WITHIN and float(np.abs(transformed).max()) <= 1e-10 * scale:
        raise ModelError(
            f"the dependent variable {name!r} is constant {_WITHIN[fe]}, so the {fe} fixed effects absorb "
            "all of it and nothing is left to explain; use other fixed effects."
        )


def _check_observations(names: list[str], n: int, t: int, fe: str) -> None:
    """Refuse more coefficients than the observations left after the fixed effects can identify.

    Shared by the models and the specification tests.
    """
    lost = {"unit": n, "time": t, "twoway": n + t - 1}.get(fe, 0)
    available = n * t - lost
    if len(names) >= available:
        used = f", of which the {fe} fixed effects use {lost}" if lost else ""
        raise ModelError(
            f"more regressors than observations: {len(names)} coefficients ({format_items(names)}) but only "
            f"{n * t} observations ({n} regions x {t} periods{used}), which leaves no residual degrees of "
            "freedom. Use fewer regressors (or Durbin terms), or more regions or periods."
        )


_CLEAR_EIGEN = 1e-6
"""Smallest eigenvalue of the unit-diagonal Gram matrix of the transformed regressors above which
:func:`_check_regressors` needs no SVD: the rule is ``s_min < 1e-9 s_max`` (``lambda_min < 1e-18
lambda_max``, the largest at most k), and the Gram's rounding moves its eigenvalues by at most ``k n eps``
(kept below 1e-7 by :func:`_clearly_regular`), so above 1e-6 the SVD's answer is "not collinear" for sure."""


def _clearly_regular(xt: np.ndarray, raw: np.ndarray) -> bool:
    """True where the SVD rule of :func:`_check_regressors` certainly finds nothing: no column within 100
    times of the "absorbed" threshold and the standardised Gram matrix clearly non-singular.

    One BLAS pass over the ``n x k`` data for a ``k x k`` Gram matrix (no ``n x k`` standardised copy and
    no SVD of it: 3 s at a million regions x 10 periods); anything near a threshold returns False, and the
    caller runs the SVD rule unchanged, so the decision and its message are the SVD's in every case.
    """
    n, k = xt.shape
    if k == 0 or k * n * np.finfo(float).eps > 0.1 * _CLEAR_EIGEN:  # bound too loose (k n > 4.5e8): SVD
        return False
    gram = xt.T @ xt
    sq = np.diag(gram).copy()
    raw_sq = np.einsum("ij,ij->j", raw, raw)
    if not np.all(np.isfinite(gram)) or np.any(np.sqrt(sq) <= 1e-8 * (np.sqrt(raw_sq) + 1.0)):
        return False
    d = 1.0 / np.sqrt(sq)
    return bool(np.linalg.eigvalsh(gram * d[:, None] * d[None, :])[0] > _CLEAR_EIGEN)


def _check_regressors(xt: np.ndarray, raw: np.ndarray, names: list[str], fe: str) -> None:
    """Name regressors absorbed by the fixed effects, then perfectly collinear groups.

    The rule: a column whose norm after the transformation is at most 1e-10 of its raw norm (+1) is
    absorbed; the columns scaled to unit norm are collinear when their smallest singular value is below
    1e-9 of the largest.  A Gram-matrix test (:func:`_clearly_regular`) settles the clear cases first.
    """
    if _clearly_regular(xt, raw):
        return
    norms = np.linalg.norm(xt, axis=0)
    scale = np.linalg.norm(raw, axis=0) + 1.0
    absorbed = [nm for nm, a, b in zip(names, norms, scale) if a <= 1e-10 * b]
    if absorbed and fe in ("none", "random"):
        raise ModelError(f"regressor(s) {format_items(absorbed)} are zero everywhere; drop them.")
    if absorbed:
        where = {"unit": "within regions", "time": "within periods", "twoway": "within regions or periods"}[
            fe
        ]
        raise ModelError(
            f"regressor(s) {format_items(absorbed)} are constant {where} and are absorbed by the "
            f"{fe} fixed effects (or are all zero); drop them or change fixed_effects."
        )
    std = xt / norms
    _, sv, vt = np.linalg.svd(std, full_matrices=False)
    if sv[-1] < 1e-9 * sv[0]:
        null = vt[-1]
        group = [nm for nm, c in zip(names, null) if abs(c) > 1e-6]
        raise ModelError(
            f"regressors {format_items(group)} are perfectly collinear (after the {fe} fixed-effects "
            "transformation); drop one of them."
        )


def _quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a spreg estimator silencing the title it prints and its warnings about the input layout."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _libpysal_w(wmat: sp.csr_matrix) -> Any:
    from libpysal.weights import W

    with warnings.catch_warnings():  # islands are the weights module's business, not ours
        warnings.simplefilter("ignore")
        return W.from_sparse(wmat)
