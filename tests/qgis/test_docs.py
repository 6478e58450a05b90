"""docs/qgis.md runs as written in QGIS and makes non-blank figures (docs/build_qgis_figures.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

pytest.importorskip("qgis.core")

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "build_qgis_figures.py"


def test_console_workflow_of_the_docs_runs_and_draws_maps(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "partially supported" not in done.stderr  # the shipped GeoPackage is 1.2
    for name in ("qgis_lisa.png", "qgis_spillovers.png"):
        pixels = mpimg.imread(tmp_path / name)[..., :3]
        assert pixels.shape == (600, 800, 3)
        assert len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 5, name
    layout = mpimg.imread(tmp_path / "qgis_layout.png")[..., :3]
    assert (
        abs(layout.shape[1] - 297 / 25.4 * 80) <= 1 and abs(layout.shape[0] - 210 / 25.4 * 80) <= 1
    )  # A4, 80 dpi
    assert len(np.unique((layout * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 5
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "qgis_layout.png",
        "qgis_lisa.png",
        "qgis_spillovers.png",
    ]
