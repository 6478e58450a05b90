"""The collinearity check's Gram-matrix fast path decides as the SVD rule it skips (issue #24).

Reference: the SVD rule written out here (columns scaled to unit norm, singular values by
``numpy.linalg.svd``, collinear when the smallest is below 1e-9 of the largest; a column absorbed when its
transformed norm is at most 1e-10 of its raw norm + 1), the rule ``_check_regressors`` applied before the
fast path existed.
"""

from __future__ import annotations

import numpy as np
import pytest

from spillover.errors import ModelError
from spillover.spatial._checks import _check_regressors, _clearly_regular
from spillover.spatial._likelihood import demean


def _svd_rule(xt: np.ndarray, raw: np.ndarray) -> str | None:
    norms = np.linalg.norm(xt, axis=0)
    if np.any(norms <= 1e-10 * (np.linalg.norm(raw, axis=0) + 1.0)):
        return "absorbed"
    sv = np.linalg.svd(xt / norms, compute_uv=False)
    return "collinear" if sv[-1] < 1e-9 * sv[0] else None


def _decision(xt: np.ndarray, raw: np.ndarray) -> str | None:
    try:
        _check_regressors(xt, raw, [f"x{j}" for j in range(xt.shape[1])], "twoway")
    except ModelError as exc:
        return "absorbed" if "absorbed" in str(exc) else "collinear"
    return None


def _design(eps: float, scale: float, seed: int, n: int = 200, t: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n * t, 4)) * np.array([1.0, scale, 1.0, 1.0])
    raw[:, 2] = raw[:, 0] + raw[:, 1] / scale + eps * rng.normal(size=n * t)  # near-collinear column
    return demean(raw, n, "twoway"), raw


@pytest.mark.parametrize("eps", [0.0, 1e-15, 1e-13, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-5, 1e-3, 1e-1, 1.0])
@pytest.mark.parametrize("scale", [1.0, 1e6, 1e-6])
@pytest.mark.parametrize("seed", [0, 1])
def test_decision_equals_the_svd_rule_on_near_collinear_designs(eps, scale, seed):
    xt, raw = _design(eps, scale, seed)
    assert _decision(xt, raw) == _svd_rule(xt, raw)


def test_fast_path_only_where_clear():
    xt, raw = _design(1.0, 1.0, 0)
    assert _clearly_regular(xt, raw)  # a clearly regular design skips the SVD
    for eps in (0.0, 1e-12, 1e-9, 1e-6):  # near the rule's threshold: the SVD decides
        assert not _clearly_regular(*_design(eps, 1.0, 0))
    assert _svd_rule(*_design(1e-6, 1.0, 0)) is None  # ...and there finds nothing, which the SVD confirms
    assert _svd_rule(*_design(0.0, 1.0, 0)) == "collinear"


def test_absorbed_and_message_unchanged():
    n, t = 50, 4
    rng = np.random.default_rng(3)
    raw = rng.normal(size=(n * t, 3))
    raw[:, 1] = np.repeat(rng.normal(size=t), n)  # varies by period only: absorbed by two-way effects
    xt = demean(raw, n, "twoway")
    assert _svd_rule(xt, raw) == "absorbed"
    assert not _clearly_regular(xt, raw)
    with pytest.raises(ModelError, match=r"regressor\(s\) 'b' are constant within regions or periods"):
        _check_regressors(xt, raw, ["a", "b", "c"], "twoway")
    raw[:, 1] = raw[:, 0] * 2.0 - raw[:, 2]  # exactly collinear: the SVD's null vector names all three
    with pytest.raises(ModelError, match=r"regressors 'a', 'b', 'c' are perfectly collinear"):
        _check_regressors(demean(raw, n, "twoway"), raw, ["a", "b", "c"], "twoway")


def test_non_finite_falls_back():
    xt, raw = _design(1.0, 1.0, 0)
    xt[3, 1] = np.nan
    assert not _clearly_regular(xt, raw)
