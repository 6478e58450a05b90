"""A SIMULATED policy on the 48 US states, for the study file ``causal_policy.toml`` (docs/causal.md).

20 western states (representative point west of 100 W) adopt a policy between 1973 and 1980 (seeded); the
outcome rises by 1.0 in a treated state (direct effect) and by 0.5 times the share of its queen neighbours
that are treated (spillover), plus a state effect and noise.  The same simulation as docs/causal.md.
Columns: ``state``, ``year``, ``y``, ``treat`` (0/1), ``adopted`` (first treated year; empty: never).
Run ``python examples/causal_policy.py`` to (re)write ``examples/causal_policy.csv``, then
``spillover run examples/causal_policy.toml``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import spillover as so


def simulate(seed: int = 7) -> pd.DataFrame:
    """The simulated long panel (one row per state and year, 1970-1986)."""
    panel = so.datasets.us_states()
    w = so.weights.contiguity(panel, kind="queen")  # row-standardised: W D is the share of treated neighbours
    rng = np.random.default_rng(seed)
    ids, years = panel.ids, panel.periods.to_numpy()
    lon = panel.geometry.to_crs("EPSG:4326").representative_point().x.reindex(ids).to_numpy()
    first = np.where(lon < -100, rng.choice(np.arange(1973, 1981), len(ids)), np.nan)  # adoption year
    d = (years[None, :] >= first[:, None]).astype(float)  # treated state-years (absorbing)
    wd = so.weights.to_sparse(w, ids) @ d
    y = 1.0 * d + 0.5 * wd + rng.normal(size=(len(ids), 1)) + 0.3 * rng.normal(size=d.shape)
    return pd.DataFrame(
        {
            "state": np.repeat(np.asarray(ids), len(years)),
            "year": np.tile(years, len(ids)),
            "y": y.ravel(),
            "treat": d.ravel().astype(int),
            "adopted": np.repeat(first, len(years)),
        }
    )


DATA = Path(__file__).with_name("causal_policy.csv")


def main(path: Path = DATA) -> Path:
    """Write the simulated panel to ``path`` (default: beside this script)."""
    simulate().to_csv(path, index=False, float_format="%.10g")
    return path


if __name__ == "__main__":
    print(f"wrote {main()}")
