"""The reference for the scale-step tests (test_dea_scale_shortcut.py, test_dea_scale_duals.py): scipy's HiGHS,
one radial LP per unit and technology with every unit a column, and ``dea``'s scale step run with its NIRS
LPs counted (a plain module, not a conftest: tests/conftest.py is the only one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from spillover.productivity import _engine
from spillover.productivity.dea import SCALE_TOL, dea


def theta(x: np.ndarray, y: np.ndarray, o: int, rts: str) -> float:
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


def scale_against_linprog(
    monkeypatch: pytest.MonkeyPatch, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """``dea(x, y, rts="vrs").scale`` checked against :func:`theta` (CRS and VRS scores to 1e-8, every
    label); returns the expected labels and the sizes of the NIRS LP batches the engine solved."""
    n = len(x)
    nirs_units: list[int] = []
    inner = _engine.radial_scores

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        if args[4] == "nirs" and args[2].shape[1] != args[0].shape[1]:
            nirs_units.append(args[2].shape[1])
        return inner(*args, **kwargs)

    monkeypatch.setattr(_engine, "radial_scores", counted)
    res = dea(pd.DataFrame(x), pd.DataFrame(y), rts="vrs").scale
    crs = np.array([theta(x, y, o, "crs") for o in range(n)])
    vrs = np.array([theta(x, y, o, "vrs") for o in range(n)])
    nirs = np.array([theta(x, y, o, "nirs") for o in range(n)])
    np.testing.assert_allclose(res["crste"], crs, atol=1e-8)
    np.testing.assert_allclose(res["vrste"], vrs, atol=1e-8)
    expect = np.where(
        np.abs(vrs - crs) < SCALE_TOL, "-", np.where(np.abs(nirs - vrs) < SCALE_TOL, "drs", "irs")
    )
    assert list(res["rts"]) == list(expect)
    return expect, nirs_units
