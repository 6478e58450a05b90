"""Study-file section [hotspots]: local hot-spot statistics per period, their counts and emerging hot spots.

The study runs once for the module on the US states (48 states, queen contiguity); every written table is
compared with spillover.esda called directly on the same panel, weights and seed (period k of the panel uses
seed + k, the emerging analysis the seed itself).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from _study_files import run_quietly, us_states_study, write_study

from spillover import datasets, esda, study
from spillover import weights as wmod

SEED = 5
OUTPUT = """\
[output]
tables = ["csv"]
geopackage = false
"""
SECTION = """\
[hotspots]
variables = ["gsp"]
statistic = "gi_star"
permutations = 49
periods = [1975, 1986]
fdr = true
emerging = true
"""


def _study(hotspots: str, seed: int = SEED) -> str:
    return us_states_study("hot spots wiring", seed, f"{hotspots}\n{OUTPUT}")


def _write(folder, hotspots: str):
    return write_study(folder, _study(hotspots))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hotspots")
    return run_quietly(_write(folder, SECTION), folder / "out")


@pytest.fixture(scope="module")
def panel_w():
    panel = datasets.us_states()
    return panel, wmod.contiguity(panel, kind="queen")


def _csv(run, name: str) -> pd.DataFrame:
    return pd.read_csv(run.folder / "tables" / f"{name}.csv", index_col=0)


@pytest.mark.slow
def test_the_report_has_the_section_maps_and_tables(run):
    html = (run.folder / "report.html").read_text(encoding="utf-8")
    assert '<section id="hotspots">' in html
    figures = set(re.findall(r'<figure id="figure-([^"]+)"', html))
    assert {"hotspots_gsp_1975", "hotspots_gsp_1986", "emerging_gsp"} <= figures
    written = {p.stem for p in (run.folder / "tables").glob("*.csv")}
    assert {
        "hotspots_gsp",
        "hotspots_gsp_1975",
        "hotspots_gsp_1986",
        "emerging_gsp",
        "emerging_counts_gsp",
    } <= written


@pytest.mark.slow
def test_the_tables_are_the_apis(run, panel_w):
    panel, w = panel_w
    counts = _csv(run, "hotspots_gsp")
    for period in (1975, 1986):
        k = list(panel.periods).index(period)
        # reference: spillover.esda.getis_ord called directly with the step's seed (study seed + position)
        res = esda.getis_ord(panel, "gsp", w, period, permutations=49, seed=SEED + k, fdr=True)
        written = _csv(run, f"hotspots_gsp_{period}")
        expected = res.to_frame()
        np.testing.assert_allclose(written["z_norm"], expected["z_norm"], rtol=1e-9)
        # esda's G_Local returns p_sim in float32; the CSV holds its shortest decimal form
        np.testing.assert_allclose(written["p_sim"], expected["p_sim"], rtol=1e-6)
        assert written["cluster"].tolist() == expected["cluster"].tolist()
        assert counts[str(period)].tolist() == res.counts().tolist()
    em = esda.emerging_hotspots(panel, "gsp", w, permutations=49, seed=SEED)
    assert _csv(run, "emerging_gsp")["category"].tolist() == em.to_frame()["category"].tolist()
    assert _csv(run, "emerging_counts_gsp")["regions"].tolist() == em.counts().tolist()


@pytest.mark.slow
def test_local_geary_and_bivariate_are_the_apis(tmp_path, panel_w):
    panel, w = panel_w
    section = '[hotspots]\nvariables = ["gsp"]\nstatistic = "bivariate"\nx = "emp"\npermutations = 19\n'
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = study.run(_write(tmp_path, section), out=tmp_path / "out")
    last = panel.periods[-1]
    # reference: spillover.esda.bivariate_lisa (x = emp against the neighbours' gsp), the last period's seed
    api = esda.bivariate_lisa(
        panel, "emp", "gsp", w, last, permutations=19, seed=SEED + len(panel.periods) - 1
    )
    written = pd.read_csv(res.folder / "tables" / f"hotspots_gsp_{last}.csv", index_col=0)
    np.testing.assert_allclose(written["statistic"], api.to_frame()["statistic"], rtol=1e-9)
    assert written["cluster"].tolist() == api.to_frame()["cluster"].tolist()


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ('[hotspots]\nstatistic = "bivariate"\n', ("hotspots", "x"), "needs x"),
        ('[hotspots]\nx = "emp"\n', ("hotspots", "x"), "only with"),
        ('[hotspots]\nstatistic = "moran"\n', ("hotspots", "statistic"), "gi_star"),
        ('[hotspots]\nvariables = ["nope"]\n', ("hotspots", "variables"), "nope"),
        ('[hotspots]\nweights = "rook"\n', ("hotspots", "weights"), "rook"),
        ('[hotspots]\nstatistic = "local_geary"\npermutations = 0\n', ("hotspots", "permutations"), "1"),
        ("[hotspots]\nalpha = 1.5\n", ("hotspots", "alpha"), "1.5"),
        ("[hotspots]\nperiods = []\n", ("hotspots", "periods"), "no periods"),
        ("[hotspots]\nemerging = 1\n", ("hotspots", "emerging"), "emerging"),
    ],
)
def test_schema_errors_name_the_key(tmp_path, section, key, words):
    with pytest.raises(study.StudyError) as info:
        study.load(_write(tmp_path, section))
    found = [p for p in info.value.problems if tuple(p.path) == key]
    assert found, info.value
    assert words in str(info.value)


def test_the_shipped_china_study_has_hotspots_with_few_permutations():
    shipped = study.load(study.example_path("china_simulated"))
    spec = shipped.options("hotspots")
    assert spec["statistic"] == "gi_star" and spec["emerging"] and spec["permutations"] <= 199


def test_defaults_of_the_section():
    spec = study.loads(_study("[hotspots]\n", seed=0)).options("hotspots")
    assert (spec["statistic"], spec["permutations"], spec["alpha"], spec["fdr"], spec["emerging"]) == (
        "gi_star",
        999,
        0.05,
        False,
        False,
    )
