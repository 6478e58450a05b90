"""Quiet, honest output: no library DeprecationWarning from spillover's own calls, readable results, ids that
agree between the shipped boundaries and the panels built on them, lazily loaded names listed by dir().
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib
import pytest

import spillover as so
from spillover import esda, io, maps, weights

matplotlib.use("Agg")
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"


def test_no_deprecation_warning_leaks_from_our_calls(tmp_path) -> None:
    # pyproject filters DeprecationWarning for the whole suite; here they are errors again
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        warnings.simplefilter("error", FutureWarning)  # pandas' Pandas4Warning is a FutureWarning
        us = so.datasets.us_states()
        prov = so.datasets.china_provinces()
        w = weights.contiguity(us)
        weights.distance(prov, coords="capital")
        weights.economic(us, "ln_gsp")
        esda.moran_by_period(us, "ln_gsp", w, permutations=9)
        esda.geary_by_period(us, "ln_gsp", w, permutations=9)
        esda.local_moran(us, "ln_gsp", w, period=1980, permutations=9)
        maps.moran_scatter(us, "ln_gsp", w, period=1980)
        so.lm_tests(us, "ln_gsp", ["ln_pcap", "ln_emp"], w, fixed_effects="twoway")
        res = so.SpatialPanelModel(
            us, "ln_gsp", ["ln_pcap", "ln_emp"], w, kind="sdm", fixed_effects="twoway"
        ).fit()
        str(res.summary(draws=50))
        for suffix in (".csv", ".xlsx", ".dta"):
            io.read_panel(io.write_panel(us.data, tmp_path / f"p{suffix}"))
        io.read_boundaries(io.write_boundaries(prov[["province", "geometry"]], tmp_path / "b.gpkg"))
        for suffix in (".csv", ".dta", ".mat", ".gwt"):  # codes as ids: GWT cannot hold "Inner Mongolia"
            weights.save(weights.contiguity(prov, id="code"), tmp_path / f"w{suffix}")
            weights.load(tmp_path / f"w{suffix}")


def test_lr_fixed_effects_prints_a_table_and_still_unpacks(us_panel) -> None:
    out = so.lr_fixed_effects(us_panel, "ln_gsp", ["ln_pcap", "ln_emp"])
    unit, time = out
    assert out.unit is unit and out.time is time and out[0] is unit
    text = str(out)
    assert text.startswith("LR tests of fixed effects") and "N = 48, T = 17" in text
    assert re.search(r"LR spatial fixed effects\s+\d+\.\d{4}\s+df = 48", text)
    assert list(out.to_frame().index) == ["LR spatial fixed effects", "LR time fixed effects"]


def test_shipped_boundaries_are_indexed_by_their_region_ids() -> None:
    prov = so.datasets.china_provinces()
    assert prov.index.tolist() == prov["province"].tolist() == so.regions.ids()
    rows = [(p, t, 1.0) for p in prov.index for t in (1, 2)]
    import pandas as pd

    panel = so.SpatialPanel(
        pd.DataFrame(rows, columns=["province", "year", "y"]), prov, id="province", time="year"
    )
    assert weights.contiguity(prov).unique_ids.tolist() == panel.ids.tolist()
    us_geo = so.datasets.us_states_geometry()
    assert weights.contiguity(us_geo).unique_ids.tolist() == so.datasets.us_states().ids.tolist()


def test_dir_lists_lazily_loaded_names() -> None:
    names = dir(so.datasets)
    assert {"china_provinces", "south_china_sea", "china_simulated", "us_states", "rice_farms"} <= set(names)
    assert {"datasets", "weights", "SpatialPanelModel"} <= set(dir(so))


def test_guide_weights_files_example_runs_on_the_shipped_china_data(tmp_path, monkeypatch) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "china_queen.gal" in b)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"so": so}
    exec(compile(block, str(GUIDE), "exec"), namespace)
    assert (tmp_path / "china_queen.gal").exists() and (tmp_path / "china_queen.csv").exists()


def test_gal_writer_refuses_ids_with_spaces(tmp_path) -> None:
    prov = so.datasets.china_provinces()
    w = weights.contiguity(prov, transform="none")
    with pytest.raises(so.SpilloverError, match="'Inner Mongolia' cannot be written"):
        weights.save(w, tmp_path / "named.gal")
    assert not list(tmp_path.iterdir())  # nothing half-written


QUIET_SCRIPT = """
import logging, sys
import spillover as so
from spillover import io

root = logging.getLogger()
before = (root.level, list(root.handlers))
us = so.datasets.us_states()
res = so.panel_models.fixed_effects(us, "ln_gsp", ["ln_pcap", "ln_emp"], cluster="unit")
assert (root.level, list(root.handlers)) == before, (root.level, root.handlers)
prov = so.datasets.china_provinces()
io.write_boundaries(prov[["province", "geometry"]], sys.argv[1] + "/b.gpkg")
print(res.params.round(6).to_dict())
"""


@pytest.mark.slow
def test_fitting_with_pyfixest_leaves_the_users_logging_alone(tmp_path) -> None:
    # before: pyfixest's logging.basicConfig(level=INFO), run at its first feols, set the root logger to INFO
    # with a stderr handler, and pyogrio then printed "Created 31 records" for every GeoPackage written
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", QUIET_SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nothing logged: no "Created 31 records"
    assert done.stdout.startswith("{'ln_pcap': ")
