"""so.datasets.us_states() reads its two files where libpysal and linearmodels install them, without
importing either package (issue #24, item 6: the imports cost most of the first call)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd

import spillover as so
from spillover import datasets


def test_produc_is_what_linearmodels_loads():
    # reference: linearmodels' own loader, called directly
    from linearmodels.datasets import munnell

    pd.testing.assert_frame_equal(datasets._produc(), munnell.load())


def test_geometry_is_libpysals_us48():
    # reference: the shapefile libpysal's example registry points to
    from libpysal import examples

    path = datasets._installed_file("libpysal", "examples", "us_income", "us48.shp")
    assert path is not None and path.samefile(examples.get_path("us48.shp"))
    geo = so.datasets.us_states_geometry()
    assert len(geo) == 48 and geo.crs.to_epsg() == 4326


def test_installed_file_is_none_for_missing_files_and_packages():
    assert datasets._installed_file("libpysal", "examples", "no_such_file.shp") is None
    assert datasets._installed_file("no_such_package_xyz", "a.csv") is None


def test_first_use_imports_neither_linearmodels_nor_libpysal():
    code = textwrap.dedent(
        """
        import sys
        import spillover as so
        panel = so.datasets.us_states()
        print(panel.n_regions, panel.n_periods, "linearmodels" in sys.modules, "libpysal" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["48", "17", "False", "False"]
