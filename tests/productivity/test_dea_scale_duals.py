"""Scale labels read off the VRS LPs' convexity duals (a "drs" unit needs no NIRS LP when its VRS optimal
basis has a convexity dual <= 0): every label against scipy's HiGHS, one LP per unit and technology
(CRS, VRS, NIRS), every unit a column; and the reported duals against the NIRS LP itself."""

from __future__ import annotations

import numpy as np
import pytest
from dea_scale_reference import scale_against_linprog, theta

from spillover.productivity import _engine


def _data(kind: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    if kind == "smooth":  # the data of benchmarks/dea_scaling.py
        x = rng.uniform(1, 10, (n, 3))
        return x, (x.prod(axis=1) ** 0.3 * np.exp(-np.abs(rng.normal(0, 0.3, n))))[:, None]
    x = rng.integers(1, 8, (n, 2)).astype(float)  # small integers: ties, degenerate LPs
    y = np.c_[(x.prod(axis=1) ** 0.4 * rng.uniform(0.5, 1.0, n)).round(1)]
    x[n - 20 : n - 10], y[n - 20 : n - 10] = x[:10], y[:10]  # duplicated units
    return x, y


@pytest.mark.parametrize("kind", ["smooth", "ties"])
def test_drs_labels_from_convexity_duals_match_linprog(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    n = 90
    x, y = _data(kind, n)
    expect, nirs_units = scale_against_linprog(monkeypatch, x, y)
    n_drs = int((expect == "drs").sum())
    assert n_drs > 10
    # most drs units were decided by their VRS convexity dual, without a NIRS LP
    assert sum(nirs_units) < n_drs // 2


def test_reported_convexity_duals_certify_nirs_scores() -> None:
    """Where the engine reports a convexity dual <= 0, the NIRS LP (scipy) has the VRS score; where it
    reports one > 0, the unit's NIRS score is below its VRS score or the dual is not unique (degenerate)."""
    n = 110
    x, y = _data("smooth", n)
    xn, yn = x.T / x.mean(axis=0)[:, None], y.T / y.mean(axis=0)[:, None]
    out = _engine.solve_within(xn, yn, rts="vrs", orientation="input", slacks="none")
    conv = out["conv_dual"]
    assert np.isfinite(conv).mean() > 0.9  # the batched simplex reports almost all
    vrs = np.array([theta(x, y, o, "vrs") for o in range(n)])
    nirs = np.array([theta(x, y, o, "nirs") for o in range(n)])
    np.testing.assert_allclose(out["score"], vrs, atol=1e-9)
    nonpositive = conv <= 0
    assert nonpositive.sum() > 10 and (conv > 0).sum() > 10
    np.testing.assert_allclose(nirs[nonpositive], vrs[nonpositive], atol=1e-9)
    # the data's strictly concave frontier: an inefficient unit (its dual is unique) with a positive dual
    # has a strictly lower NIRS score (efficient units are degenerate vertices: any sign)
    pos = (conv > 1e-6) & (vrs < 1 - 1e-6)
    assert pos.sum() > 5
    assert (nirs[pos] < vrs[pos] - 1e-9).all()
