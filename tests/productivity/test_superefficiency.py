"""Andersen-Petersen (1993) super-efficiency: ``dea(..., super=True)``.

References: the AP LP written out below with ``scipy.optimize.linprog`` (unit o's own lambda fixed at 0),
compared at 1e-6 (HiGHS optima of O(1) scores); DEAP 2.1's EG1 data (Coelli 1996) with its ordinary scores
0.5, 1, 0.833, 0.714, 1.  Properties: efficient units score >= 1 exactly, inefficient units keep their
ordinary score exactly, an infeasible LP is NaN with a warning naming the unit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from spillover.errors import DEAError, InfeasibleWarning
from spillover.productivity import dea

EG1_X = pd.DataFrame({"x1": [2, 2, 6, 3, 6], "x2": [5, 4, 6, 2, 2]}, index=list("ABCDE"))
EG1_Y = pd.DataFrame({"y": [1, 2, 3, 1, 2]}, index=list("ABCDE"))


def ref_ap(X, Y, o, rts, orientation):
    """AP LP: z = (score, lambda); input: min theta, output: max phi (te = 1/phi); lambda_o = 0."""
    n, m = X.shape
    s = Y.shape[1]
    if orientation == "input":
        c = np.concatenate([[1.0], np.zeros(n)])
        A = np.vstack([np.hstack([-X[o][:, None], X.T]), np.hstack([np.zeros((s, 1)), -Y.T])])
        b = np.concatenate([np.zeros(m), -Y[o]])
    else:
        c = np.concatenate([[-1.0], np.zeros(n)])
        A = np.vstack([np.hstack([np.zeros((m, 1)), X.T]), np.hstack([Y[o][:, None], -Y.T])])
        b = np.concatenate([X[o], np.zeros(s)])
    eq = dict(A_eq=np.concatenate([[0.0], np.ones(n)])[None], b_eq=[1.0]) if rts == "vrs" else {}
    bounds = [(None, None)] + [(0, 0) if j == o else (0, None) for j in range(n)]
    res = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs", **eq)
    if res.status != 0:
        return np.nan
    return res.x[0] if orientation == "input" else 1.0 / res.x[0]


@pytest.mark.parametrize("orientation", ["input", "output"])
def test_eg1_crs_matches_written_out_lp(orientation):
    res = dea(EG1_X, EG1_Y, rts="crs", orientation=orientation, super=True)
    base = dea(EG1_X, EG1_Y, rts="crs", orientation=orientation)
    x, y = EG1_X.to_numpy(float), EG1_Y.to_numpy(float)
    for o, unit in enumerate(EG1_X.index):
        if base.efficiency[unit] >= 1 - 1e-9:
            assert res.efficiency[unit] == pytest.approx(ref_ap(x, y, o, "crs", orientation), abs=1e-6)
            assert res.efficiency[unit] >= 1.0
        else:
            assert res.efficiency[unit] == base.efficiency[unit]
    # hand check: every other unit scaled to E's output of 2 uses x2 >= 4 (B: 4, D: 2 x 2, C: 2/3 x 6, A: 10)
    # against E's x2 = 2, and CRS combinations are linear in the output: theta = 1/phi = 2
    assert res.efficiency["E"] == pytest.approx(2.0, abs=1e-9)


def random_data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, 2))
    y = (np.sqrt(x.prod(axis=1)) * rng.uniform(0.5, 1.0, n))[:, None]
    return x, y


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    rts=st.sampled_from(["crs", "vrs"]),
    orientation=st.sampled_from(["input", "output"]),
)
def test_super_efficiency_properties(seed, rts, orientation):
    x, y = random_data(15, seed)
    base = dea(x, y, rts=rts, orientation=orientation, slacks="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfeasibleWarning)  # VRS infeasibility is tested on its own below
        res = dea(x, y, rts=rts, orientation=orientation, slacks="none", super=True)
    eff = base.efficiency >= 1 - 1e-9
    sup = res.efficiency[eff]
    assert (sup.dropna() >= 1.0).all()  # exactly, not up to a tolerance
    pd.testing.assert_series_equal(res.efficiency[~eff], base.efficiency[~eff])  # exactly equal
    for o in np.flatnonzero(eff):
        ref = ref_ap(x, y, o, rts, orientation)
        got = res.efficiency.iloc[o]
        assert (np.isnan(got) and np.isnan(ref)) or got == pytest.approx(ref, abs=1e-6)


def test_infeasible_super_efficiency_is_nan_with_the_unit_named():
    # VRS, input orientation: "big" has the largest output, so no convex combination of the others
    # produces it whatever the inputs -> infeasible -> NaN (never 0, never a made-up large number)
    x = pd.DataFrame({"x": [2.0, 3.0, 6.0]}, index=["a", "b", "big"])
    y = pd.DataFrame({"y": [1.0, 2.0, 4.0]}, index=["a", "b", "big"])
    with pytest.warns(InfeasibleWarning, match="'big'"):
        res = dea(x, y, rts="vrs", super=True)
    assert np.isnan(res.efficiency["big"]) and res.status["big"] == "infeasible"
    assert res.n_infeasible == 1
    with pytest.raises(DEAError, match="super-efficiency"):
        dea(x, y, super=True, reference=(x, y))
