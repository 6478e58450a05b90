"""DEA window analysis (Charnes, Clark, Cooper and Golany 1985).

References: width 1 is DEA period by period and width T is DEA on all observations pooled, both computed
directly with :func:`dea` (validated against DEAP 2.1); the doctest's 0.5 is a hand computation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spillover.errors import DEAError
from spillover.productivity import dea, window_dea


def panel(n: int = 8, T: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 5, (T, n, 2))
    y = np.sqrt(x.prod(axis=2)) * rng.uniform(0.5, 1.0, (T, n))
    return pd.DataFrame(
        {
            "u": np.tile([f"u{i}" for i in range(n)], T),
            "t": np.repeat(np.arange(T) + 1, n),
            "x1": x[..., 0].ravel(),
            "x2": x[..., 1].ravel(),
            "y": y.ravel(),
        }
    )


KW = dict(id="u", time="t", inputs=["x1", "x2"], outputs=["y"])


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_width_one_and_full_width_are_plain_dea(rts):
    df = panel()
    one = window_dea(df, width=1, rts=rts, **KW)
    for t, part in df.groupby("t"):
        te = dea(part[["x1", "x2"]].to_numpy(), part[["y"]].to_numpy(), rts=rts).efficiency.to_numpy()
        np.testing.assert_allclose(one.scores[str(t)].xs(t, level="t").to_numpy(), te, atol=1e-9)
    full = window_dea(df, width=4, rts=rts, **KW)
    pooled = dea(df[["x1", "x2"]].to_numpy(), df[["y"]].to_numpy(), rts=rts).efficiency.to_numpy()
    got = full.efficiency.reindex(pd.MultiIndex.from_frame(df[["u", "t"]])).to_numpy()
    np.testing.assert_allclose(got, pooled, atol=1e-9)


def test_windows_layout_and_summary():
    df = panel(T=5)
    res = window_dea(df, width=3, **KW)
    assert res.windows == ["1-3", "2-4", "3-5"]
    assert len(res.to_frame()) == 8 * 3 * 3  # units x windows x periods per window
    counts = res.scores.notna().sum(axis=1).xs("u0", level="u").tolist()
    assert counts == [1, 2, 3, 2, 1]  # how many windows contain each period
    table = res.table("u0")
    assert list(table.index) == res.windows and list(table.columns) == [1, 2, 3, 4, 5]
    summ = res.summary().frame
    assert (summ["ldp"] >= 0).all() and (summ["max"] <= 1 + 1e-9).all()
    assert (summ["min"] <= summ["mean"]).all()
    assert (res.efficiency <= 1 + 1e-9).all()


def test_width_is_checked():
    with pytest.raises(DEAError, match="width"):
        window_dea(panel(), width=0, **KW)
    with pytest.raises(DEAError, match="width"):
        window_dea(panel(), width=5, **KW)
