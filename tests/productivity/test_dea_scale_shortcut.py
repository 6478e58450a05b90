"""Scale labels when the NIRS LP is skipped (a CRS optimum with sum(lambda) <= 1 gives the NIRS score):
every label and score against scipy's HiGHS, one LP per unit and technology (CRS, VRS, NIRS), every unit
a column, on data with ties and duplicated units."""

from __future__ import annotations

import numpy as np
import pytest
from dea_scale_reference import scale_against_linprog


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scale_labels_match_three_linprogs_per_unit(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 80
    x = rng.integers(1, 8, (n, 2)).astype(float)  # small integers: many ties
    y = np.c_[(x.prod(axis=1) ** 0.4 * rng.uniform(0.5, 1.0, n)).round(1)]
    x[60:70], y[60:70] = x[:10], y[:10]  # duplicated units
    expect, nirs_units = scale_against_linprog(monkeypatch, x, y)
    n_irs = int((expect == "irs").sum())
    assert n_irs > 0
    # the irs units were decided without a NIRS LP (their CRS optimum has sum(lambda) <= 1)
    assert sum(nirs_units) <= int((expect != "-").sum()) - n_irs
