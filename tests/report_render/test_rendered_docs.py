"""The documentation site rendered by headless Chromium (in CI, `.ci/run`'s docs stage) is a styled page.

Skipped unless SPILLOVER_RENDERED_DOCS names the folder of the PNG screenshots; `.ci/run` builds the site
(`make docs`) and screenshots the home page and the reference page of spillover.spatial with
`chromium --headless --screenshot` at 1280 x 1600, then runs this module.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

FOLDER = os.environ.get("SPILLOVER_RENDERED_DOCS")
WIDTH, HEIGHT = 1280, 1600  # --window-size of the screenshots in .ci/run
HEADER = (0x3F, 0x51, 0xB5)  # Material's "indigo" primary colour (mkdocs.yml's theme.palette.primary)

pytestmark = pytest.mark.skipif(not FOLDER, reason="set SPILLOVER_RENDERED_DOCS to the rendered PNGs")


@pytest.mark.parametrize("name", ["docs_home", "docs_api_spatial"])
def test_rendered_docs_page_is_styled(name):
    from matplotlib.image import imread

    path = Path(FOLDER or ".") / f"{name}.png"
    assert path.is_file(), f"{path} was not rendered"
    image = imread(path)[..., :3]
    assert image.shape[:2] == (HEIGHT, WIDTH)
    pixels = (image * 255).round().astype(np.uint8)
    flat = pixels.reshape(-1, 3)
    assert len(np.unique(flat, axis=0)) > 50  # text, code and navigation, not a flat page
    not_white = np.any(flat < 245, axis=1).mean()
    assert 0.03 < not_white < 0.9
    # the theme's stylesheet loaded: the header bar is Material's indigo, not an unstyled white page
    header = pixels[:40].reshape(-1, 3).astype(int)
    assert np.mean(np.all(np.abs(header - HEADER) < 16, axis=1)) > 0.5
    # the left navigation is there (dark text in the left column below the header)
    nav = pixels[100:800, 30:250].reshape(-1, 3)
    assert np.any(nav < 100, axis=1).mean() > 0.005
