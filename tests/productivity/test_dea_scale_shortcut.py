"""Scale labels when the NIRS LP is skipped (a CRS optimum with sum(lambda) <= 1 gives the NIRS score):
every label and score against scipy's HiGHS, one LP per unit and technology (CRS, VRS, NIRS), every unit
a column, on data with ties and duplicated units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from spillover.productivity import _engine
from spillover.productivity.dea import SCALE_TOL, dea


def _theta(x: np.ndarray, y: np.ndarray, o: int, rts: str) -> float:
    """min theta s.t. X'lam <= theta x_o, Y'lam >= y_o, sum(lam) = 1 (vrs), <= 1 (nirs), free (crs)."""
    n, m = x.shape
    a_ub = np.vstack([np.c_[-x[o][:, None], x.T], np.c_[np.zeros((y.shape[1], 1)), -y.T]])
    b_ub = np.r_[np.zeros(m), -y[o]]
    row = np.r_[0.0, np.ones(n)][None, :]
    kw: dict = {"A_eq": row, "b_eq": [1.0]} if rts == "vrs" else {}
    if rts == "nirs":
        a_ub, b_ub = np.vstack([a_ub, row]), np.r_[b_ub, 1.0]
    res = linprog(
        np.r_[1.0, np.zeros(n)],
        A_ub=a_ub,
        b_ub=b_ub,
        bounds=[(None, None)] + [(0, None)] * n,
        method="highs",
        **kw,
    )
    return float(res.x[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scale_labels_match_three_linprogs_per_unit(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 80
    x = rng.integers(1, 8, (n, 2)).astype(float)  # small integers: many ties
    y = np.c_[(x.prod(axis=1) ** 0.4 * rng.uniform(0.5, 1.0, n)).round(1)]
    x[60:70], y[60:70] = x[:10], y[:10]  # duplicated units
    nirs_units: list[int] = []
    inner = _engine.radial_scores

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        if args[4] == "nirs" and args[2].shape[1] != args[0].shape[1]:
            nirs_units.append(args[2].shape[1])
        return inner(*args, **kwargs)

    monkeypatch.setattr(_engine, "radial_scores", counted)
    res = dea(pd.DataFrame(x), pd.DataFrame(y), rts="vrs").scale
    crs = np.array([_theta(x, y, o, "crs") for o in range(n)])
    vrs = np.array([_theta(x, y, o, "vrs") for o in range(n)])
    nirs = np.array([_theta(x, y, o, "nirs") for o in range(n)])
    np.testing.assert_allclose(res["crste"], crs, atol=1e-8)
    np.testing.assert_allclose(res["vrste"], vrs, atol=1e-8)
    expect = np.where(
        np.abs(vrs - crs) < SCALE_TOL, "-", np.where(np.abs(nirs - vrs) < SCALE_TOL, "drs", "irs")
    )
    assert list(res["rts"]) == list(expect)
    n_irs = int((expect == "irs").sum())
    assert n_irs > 0
    # the irs units were decided without a NIRS LP (their CRS optimum has sum(lambda) <= 1)
    assert sum(nirs_units) <= int((expect != "-").sum()) - n_irs
