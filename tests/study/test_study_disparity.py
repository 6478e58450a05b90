"""Study-file sections [disparity], [convergence], [markov] and the threshold / Conley panel-model keys.

The study runs once for the module on the US states (48 states x 17 years, groups: the boundaries' census
sub_region); every written table is compared with the API called directly on the same panel and seed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _study_files import run_quietly, us_states_study, write_study

from spillover import datasets, disparity, panel_models, study
from spillover import weights as wmod
from spillover.options import choices
from spillover.study import schema as S

SEED = 3
STUDY = us_states_study(
    "disparity wiring",
    SEED,
    """\
[disparity]
variables = ["gsp"]
by = "sub_region"
weights = "emp"
draws = 9
[convergence]
variable = "gsp"
kinds = ["sigma", "beta", "spatial_beta"]
draws = 20
[markov]
variable = "gsp"
k = 3
spatial = "queen"
lisa = true
[panel_models.th]
type = "threshold"
x = ["ln_emp"]
q = "unemp"
regime = "ln_pcap"
draws = 9
[panel_models.conley]
type = "fixed_effects"
se = "conley"
cutoff_km = 500
lag = 1
[output]
tables = ["csv"]
geopackage = false
""",
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("disparity")
    return run_quietly(write_study(folder, STUDY), folder / "out")


@pytest.fixture(scope="module")
def panel():
    return datasets.us_states()


def _csv(run, name: str) -> pd.DataFrame:
    return pd.read_csv(run.folder / "tables" / f"{name}.csv", index_col=0)


def _same(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The written CSV holds the API's numbers, column by column, row by row."""
    numeric = [c for c in expected.columns if pd.api.types.is_numeric_dtype(expected[c])]
    assert numeric
    np.testing.assert_allclose(
        written[[str(c) for c in numeric]].to_numpy(float),
        expected[numeric].to_numpy(float),
        rtol=1e-9,
        equal_nan=True,
    )


@pytest.mark.slow
def test_the_report_has_the_sections_tables_and_figures(run):
    html = (run.folder / "report.html").read_text(encoding="utf-8")
    for section in ("disparity", "convergence", "markov", "panel_models"):
        assert f'<section id="{section}">' in html
    figures = set(re.findall(r'<figure id="figure-([^"]+)"', html))
    assert {
        "dagum_gsp",
        "dagum_within_gsp",
        "dagum_between_gsp",
        "theil_gsp",
        "kde_gsp",
        "kde_surface_gsp",
        "convergence_sigma_gsp",
        "convergence_beta_gsp",
        "convergence_spatial_beta_gsp",
        "markov_gsp",
        "spatial_markov_gsp",
        "lisa_markov_gsp",
        "threshold_th",
    } <= figures
    written = {p.stem for p in (run.folder / "tables").glob("*.csv")}
    assert {
        "dagum_gsp",
        "dagum_intervals_gsp",
        "theil_groups_gsp",
        "kde_peaks_gsp",
        "markov_steady_state_gsp",
        "spatial_markov_tests_gsp",
        "convergence_sigma_dispersion_gsp",
        "panel_th",
        "panel_th_tests",
        "panel_conley",
    } <= written


@pytest.mark.slow
def test_the_written_tables_equal_the_api(run, panel):
    w = wmod.contiguity(panel, kind="queen")
    # the API called directly with the study's options and seed
    gini = disparity.dagum_gini(panel, "gsp", "sub_region", weights="emp", draws=9, seed=SEED)
    for name, frame in zip(("dagum_gsp", "dagum_within_gsp", "dagum_between_gsp"), gini.summary().tables):
        _same(_csv(run, name), frame)
    theil = disparity.theil(panel, "gsp", "sub_region", weights="emp")
    _same(_csv(run, "theil_gsp"), theil.to_frame())
    kde = disparity.kernel_density(panel, "gsp")
    _same(_csv(run, "kde_peaks_gsp"), kde.summary().tables[0].select_dtypes("number"))
    chain = disparity.spatial_markov(panel, "gsp", w, k=3)
    _same(_csv(run, "spatial_markov_conditional_gsp"), chain.summary().tables[1])
    beta = disparity.convergence(panel, "gsp", "spatial_beta", w=w, draws=20, seed=SEED)
    _same(_csv(run, "convergence_spatial_beta_gsp"), beta.to_frame())
    th = panel_models.threshold(panel, "ln_gsp", ["ln_emp"], "unemp", "ln_pcap", draws=9, seed=SEED)
    _same(_csv(run, "panel_th"), th.to_frame())
    conley = panel_models.fixed_effects(
        panel, "ln_gsp", ["ln_pcap", "ln_emp"], se="conley", cutoff_km=500, lag=1
    )
    _same(_csv(run, "panel_conley"), conley.to_frame())


def test_schema_choices_are_the_apis():
    from spillover.disparity._convergence import BetaModel, ConvergenceKind
    from spillover.panel_models.threshold import ThresholdEffects

    assert tuple(choices(ConvergenceKind)) == S.CONVERGENCE_KINDS
    assert tuple(choices(BetaModel)) == S.BETA_MODELS
    assert tuple(choices(ThresholdEffects)) == S.THRESHOLD_EFFECTS


BASE = '[study]\ntitle = "t"\n[data]\ndataset = "us_states"\n[variables]\ny = "ln_gsp"\nx = ["ln_pcap"]\n'


def _problems(text: str) -> dict[str, str]:
    with pytest.raises(study.StudyError) as info:
        study.loads(BASE + text)
    return {p.key: p.message for p in info.value.problems}


def test_every_mistake_is_reported_with_its_key():
    problems = _problems(
        "[weights.queen]\nkind = 'contiguity'\n"
        "[disparity]\nvariables = ['gsp']\nmeasure = ['dagum']\n"  # unknown key
        "[convergence]\nvariable = 'gsp'\nkinds = ['sigma', 'gamma']\n"  # bad choice
        "[markov]\nvariable = 'nope'\nspatial = 'rook'\n"  # unknown column, undefined weights entry
        "[panel_models.t]\ntype = 'threshold'\nq = 'unemp'\nregime = 'ln_emp'\nfixed_effects = 'time'\n"
        "[panel_models.c]\ntype = 'fixed_effects'\nse = 'conley'\n"  # no cutoff_km
    )
    assert "did you mean 'measures'" in problems["disparity.measure"]
    assert "'gamma' is not one of" in problems["convergence.kinds"]
    assert "unknown column 'nope'" in problems["markov.variable"]
    assert "weights 'rook' are not defined" in problems["markov.spatial"]
    assert "'time' is not one of ['unit', 'twoway']" in problems["panel_models.t.fixed_effects"]
    assert "cutoff_km" in problems["panel_models.c.cutoff_km"]
    # us_states boundaries have no region4: by is needed
    assert "by" in problems["disparity.by"]


def test_spatial_sections_need_a_weights_entry():
    problems = _problems(
        "[convergence]\nvariable = 'gsp'\nkinds = ['spatial_beta']\n[markov]\nlisa = true\n"
        "[disparity]\nby = 'region9'\n"
    )
    assert "needs weights" in problems["convergence.weights"]
    assert "needs weights" in problems["markov.lisa"]
    assert "unknown column 'region9'" in problems["disparity.by"]
    problems = _problems(
        "[weights.queen]\nkind = 'contiguity'\n[convergence]\nvariable = 'gsp'\nweights = 'qeen'\n"
    )
    assert "did you mean 'queen'" in problems["convergence.weights"]


def test_china_boundaries_give_region4_as_the_default_grouping():
    text = (
        '[study]\ntitle = "t"\n[data]\ndataset = "china_simulated"\n[variables]\ny = "ami"\nx = ["gov"]\n'
        "[disparity]\nvariables = ['gdp_pc']\n"
    )
    spec = study.loads(text).section("disparity")
    assert spec is not None and "by" not in spec and spec["measures"] == ["dagum", "theil", "kde"]


def test_the_shipped_china_study_has_the_new_sections():
    text = Path(study.example_path("china_simulated")).read_text(encoding="utf-8")
    shipped = study.loads(text)
    for section in ("disparity", "convergence", "markov"):
        assert shipped.section(section) is not None


def test_an_infinite_first_passage_time_is_missing_in_stata(tmp_path):
    # a chain that never reaches a state has an infinite mean first passage time: Stata has no infinity
    from spillover.study.outputs import write_tables
    from spillover.study.results import StudyTable, display_table

    frame = pd.DataFrame({"C1": [1.0, np.inf], "C2": [2.0, 3.0]}, index=pd.Index(["C1", "C2"], name="from"))
    table = StudyTable("mfpt", frame, display_table(frame, "first passage"))
    write_tables({"mfpt": table}, tmp_path, ["csv", "dta"])
    back = pd.read_stata(tmp_path / "tables" / "mfpt.dta")
    assert np.isnan(back["C1"][1]) and back["C2"].tolist() == [2.0, 3.0]
    assert np.isinf(pd.read_csv(tmp_path / "tables" / "mfpt.csv")["C1"][1])
