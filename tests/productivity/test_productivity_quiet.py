"""Quiet output of the productivity code (#13): no solver banner on stdout, no DeprecationWarning leaking.

No reference numbers here: the tests check what reaches the terminal.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd

from spillover.productivity import bootstrap_dea, dea, malmquist

_SCRIPT = """
import numpy as np
from spillover.productivity import dea, malmquist
x = np.array([[2.0, 5], [2, 4], [6, 6], [3, 2], [6, 2]]); y = np.array([[1.0], [2], [3], [1], [2]])
dea(x, y, rts="vrs"); dea(x, y, rts="crs", orientation="output", method="plain")
print("done")
"""


def test_no_highs_banner_on_stdout_of_a_fresh_process():
    """Fails on the old main: HiGHS printed "Running HiGHS ..." on the first DEA call of a process.

    HiGHS writes its banner once per process, from C++ (file descriptor 1, invisible to capsys), so the
    check runs a fresh interpreter and reads its whole stdout."""
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout == "done\n"
    assert "HiGHS" not in out.stderr


def test_highs_models_write_nothing_to_the_file_descriptors(capfd):
    from spillover.productivity._highs import QuietHighs

    h = QuietHighs()
    h.run()  # an empty model: HiGHS would log the model status and run time
    dea(np.array([[1.0], [2.0], [3.0]]), np.array([[1.0], [3.0], [2.0]]), rts="vrs", method="plain")
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_no_deprecation_warning_from_productivity_calls():
    """Passes on the old main too (no leak was found with the pinned pandas/numpy); it guards the rule.

    pyproject's pytest configuration ignores DeprecationWarning globally, so the filter is set here."""
    rng = np.random.default_rng(0)
    names = [f"u{i}" for i in range(30)]
    x = pd.DataFrame(rng.uniform(1, 10, (30, 2)), index=names, columns=["k", "l"])
    y = pd.DataFrame(rng.uniform(1, 10, (30, 1)), index=names, columns=["q"])
    long = pd.DataFrame(
        {
            "u": np.tile(np.arange(12), 3),
            "t": np.repeat([1, 2, 3], 12),
            "x": rng.uniform(1, 5, 36),
            "y": rng.uniform(1, 5, 36),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for rts in ("crs", "vrs", "nirs", "ndrs"):
            for orientation in ("input", "output"):
                res = dea(x, y, rts=rts, orientation=orientation)
                res.to_frame(), res.peers, res.peer_count, res.lambdas, res.targets
        dea(x, y, rts="vrs", slacks="two-stage", method="plain")
        for frontier in ("adjacent", "sequential", "global"):
            m = malmquist(long, id="u", time="t", inputs=["x"], outputs=["y"], frontier=frontier)
            m.summary(), m.unit_means, m.to_panel_frame(), m.n_infeasible_by_period
        bootstrap_dea(x, y, draws=3, seed=0, progress=False)


def test_green_tfp_models_are_quiet_in_a_fresh_process():
    """sbm, directional, malmquist_luenberger and dea(super=True) build their own HiGHS models (_lp.py)."""
    script = """
import numpy as np, pandas as pd
from spillover.productivity import dea, directional, malmquist_luenberger, sbm
x = np.array([[2.0, 5], [2, 4], [6, 6], [3, 2], [6, 2]]); y = np.array([[1.0, 1], [2, 1], [3, 2], [1, 1], [2, 1]])
sbm(x, y, rts="vrs", undesirable=[1], super=True); directional(x, y, undesirable=[1], rts="vrs")
dea(x, y[:, :1], rts="crs", super=True)
df = pd.DataFrame({"u": [1, 2, 3] * 2, "t": [1] * 3 + [2] * 3, "x": [1.0, 2, 3, 1, 2, 3],
                   "g": [1.0, 2, 2, 2, 2, 3], "b": [1.0, 1, 2, 1, 2, 2]})
malmquist_luenberger(df, id="u", time="t", inputs=["x"], outputs=["g"], undesirable=["b"], frontier="global")
print("done")
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout == "done\n"
    assert "HiGHS" not in out.stderr
