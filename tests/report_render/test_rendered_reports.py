"""The demo reports rendered by headless Chromium (in CI, `.ci/run`) are real pictures, not blank pages.

Skipped unless SPILLOVER_RENDERED_REPORTS names the folder of the PNG screenshots; `.ci/run` renders both demo
reports and the China study with ``[report] language = "zh"`` (fonts-noto-cjk installed) with
`chromium --headless --screenshot` at 1280 x 2000 and then runs this module.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

FOLDER = os.environ.get("SPILLOVER_RENDERED_REPORTS")
WIDTH, HEIGHT = 1280, 2000  # --window-size of the screenshots in .ci/run

pytestmark = pytest.mark.skipif(not FOLDER, reason="set SPILLOVER_RENDERED_REPORTS to the rendered PNGs")


@pytest.mark.parametrize("name", ["us_states", "china_simulated", "china_simulated_zh"])
def test_rendered_report_is_not_blank(name):
    from matplotlib.image import imread

    path = Path(FOLDER or ".") / f"{name}.png"
    assert path.is_file(), f"{path} was not rendered"
    image = imread(path)[..., :3]
    assert image.shape[:2] == (HEIGHT, WIDTH)
    pixels = (image.reshape(-1, 3) * 255).round().astype(np.uint8)
    colours = np.unique(pixels, axis=0)
    assert len(colours) > 50  # text, tables and the header, not a flat page
    not_white = np.any(pixels < 245, axis=1).mean()
    assert 0.05 < not_white < 0.95
    header = pixels.reshape(HEIGHT, WIDTH, 3)[:40, :, :].reshape(-1, 3)
    assert (
        np.mean(np.all(np.abs(header.astype(int) - [0x1F, 0x3B, 0x63]) < 12, axis=1)) > 0.5
    )  # styled header


def test_chinese_report_is_not_the_english_one():
    # the same study and numbers: the headings, table headers and notes in Chinese change the picture
    from matplotlib.image import imread

    folder = Path(FOLDER or ".")
    en, zh = (imread(folder / f"{name}.png")[..., :3] for name in ("china_simulated", "china_simulated_zh"))
    assert en.shape == zh.shape
    assert np.any(np.abs(en - zh) > 0.1, axis=2).mean() > 0.005
