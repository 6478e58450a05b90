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


def _check_regressors(xt: np.ndarray, raw: np.ndarray, names: list[str], fe: str) -> None:
    """Name regressors absorbed by the fixed effects, then perfectly collinear groups."""
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
