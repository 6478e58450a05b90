"""Issue 19, class 13: one report, one story.

The figures, tables and GeoPackage of a study tell the same story: one LISA per variable and period feeds the
Moran scatter and the LISA map, every table of tests shows the tests' notes, the spillover maps mark the
regions whose interval covers zero, the GeoPackage keeps the boundary attributes, the Software table lists
every engine, time axes show whole years and legends show the units the study file gives.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from libpysal.graph import Graph

import spillover as so
from spillover import maps, study
from spillover.spatial.testresult import TestResult, results_frame

ROOT = Path(__file__).resolve().parents[2]

SMALL = """\
[study]
title = "small"
seed = 1
[data]
dataset = "us_states"
units = {{ unemp = "%", ln_gsp = "log $ million" }}
[weights.queen]
kind = "contiguity"
[variables]
y = "ln_gsp"
x = ["ln_pcap", "unemp"]
[moran]
permutations = 49
[[models]]
kind = "sdm"
bias_correction = "lee-yu"
[impacts]
draws = 50
[maps]
lisa = true
spillover = ["unemp"]
choropleth = ["unemp"]
[output]
tables = ["csv"]
folder = "{folder}"
"""


def _legend_counts(texts: list[str]) -> dict[str, int]:
    """{"High-High": 3, ...} from legend entries such as "High-High (3)"."""
    out = {}
    for text in texts:
        m = re.fullmatch(r"(High-High|Low-Low|Low-High|High-Low|Not significant) \((\d+)\)", text)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """The small study, with the legends and colour-bar labels of every figure recorded before rendering."""
    from spillover.study import figures

    folder = tmp_path_factory.mktemp("study")
    path = folder / "small.toml"
    path.write_text(SMALL.format(folder=(folder / "out").as_posix()), encoding="utf-8")
    seen: dict[str, list[str]] = {}
    original = figures.render

    def recording(fig, fmt="png", dpi=110):
        fig.canvas.draw()
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
        seen[len(seen)] = texts
        return original(fig, fmt, dpi)

    figures.render = recording
    try:
        run = study.run(path)
    finally:
        figures.render = original
    return run, seen


# ---------------------------------------------------------------------- one LISA, two figures
def test_scatter_and_map_of_one_lisa_result_show_the_same_clusters():
    panel = so.datasets.us_states()
    w = Graph.build_contiguity(panel.geometry, rook=False)
    lisa = so.local_moran(panel, "ln_gsp", w, period=1986, permutations=99, seed=11)
    expected = {k: int(v) for k, v in lisa.counts().items() if v}
    scatter = maps.moran_scatter(panel, "ln_gsp", w, lisa=lisa)
    scatter_counts = _legend_counts([t.get_text() for t in scatter.axes[0].get_legend().get_texts()])
    cmap = maps.lisa_map(lisa, panel)
    map_counts = _legend_counts([t.get_text() for t in cmap.axes[0].get_legend().get_texts()])
    assert scatter_counts == expected  # the scatter draws only classes with points
    assert {k: v for k, v in map_counts.items() if v} == expected


def test_a_lisa_result_of_another_period_is_refused():
    panel = so.datasets.us_states()
    w = Graph.build_contiguity(panel.geometry, rook=False)
    lisa = so.local_moran(panel, "ln_gsp", w, period=1970, permutations=9, seed=0)
    with pytest.raises(so.errors.SpilloverError, match="1970.*1986"):
        maps.moran_scatter(panel, "ln_gsp", w, 1986, lisa=lisa)


def test_the_study_scatter_and_lisa_map_of_the_last_year_agree(small_run):
    _, seen = small_run
    scatter = next(t for t in seen.values() if any(s.startswith("Moran scatter plot, 1986") for s in t))
    lisa_map = next(t for t in seen.values() if "LISA clusters of ln_gsp, 1986" in t)
    scatter_counts = _legend_counts(scatter)
    assert scatter_counts  # the legend was found
    assert {k: v for k, v in _legend_counts(lisa_map).items() if v} == scatter_counts


# ---------------------------------------------------------------------- notes of tests
def test_every_table_of_tests_carries_the_note():
    # a negative statistic (as a Hausman test with an indefinite V_FE - V_RE gives): p = 1, and the note
    # says why that p-value is not evidence for the null
    neg = TestResult.from_chi2("Hausman", -3.2, 2, "random effects", note="negative: not informative")
    frame = results_frame([neg])
    assert frame.loc["Hausman", "p_value"] == 1.0  # chi2 sf of a negative number (scipy)
    assert frame.loc["Hausman", "note"] == "negative: not informative"
    assert neg.to_dict()["note"] == "negative: not informative"


def test_the_specification_table_shows_the_notes():
    from spillover.spatial.specification import SpecificationResult

    neg = TestResult.from_chi2("Hausman", -3.2, 2, "random effects", note="negative: not informative")
    spec = SpecificationResult((neg,), ("hausman",), "sdm", "because", "twoway", 0.05, {})
    frame = spec.to_frame()
    assert frame.loc[("hausman", "Hausman"), "note"] == "negative: not informative"
    assert not frame.loc[("hausman", "Hausman"), "reject"]
    assert "note: negative: not informative" in str(spec.summary())


# ---------------------------------------------------------------------- spillover maps with intervals
def test_spillover_map_hatches_regions_whose_interval_covers_zero(small_run):
    run, seen = small_run
    res = run.models["sdm_twoway_queen"]
    effects = res.spillovers("unemp", draws=50, seed=1)
    covers = ((effects["direct_lo"] <= 0) & (effects["direct_hi"] >= 0)).sum()
    fig = maps.spillover_map(res, "unemp", spillovers=effects)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"95% interval covers 0 ({int(covers)})" in texts
    # the study's map has the legend entry too (same draws as its GeoPackage)
    spill = next(t for t in seen.values() if any(s == "Spillover emitted" for s in t))
    assert any(s.startswith("95% interval covers 0 (") for s in spill)


def test_spillover_map_without_intervals_is_unchanged():
    panel = so.datasets.us_states()
    w = Graph.build_contiguity(panel.geometry, rook=False).transform("r")
    res = so.SpatialPanelModel(
        panel, "ln_gsp", ["ln_emp"], w, kind="sar", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()
    fig = maps.spillover_map(res, "ln_emp")
    assert fig.axes[0].get_legend() is None  # point estimates only: nothing hatched, no legend entry


def test_effects_of_another_model_are_refused():
    panel = so.datasets.us_states()
    w = Graph.build_contiguity(panel.geometry, rook=False).transform("r")
    res = so.SpatialPanelModel(
        panel, "ln_gsp", ["ln_emp"], w, kind="sar", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()
    frame = res.spillovers("ln_emp").iloc[::-1]
    with pytest.raises(so.errors.SpilloverError, match="spillovers="):
        maps.spillover_map(res, "ln_emp", spillovers=frame)


# ---------------------------------------------------------------------- GeoPackage
def test_the_geopackage_keeps_the_boundary_attributes(small_run):
    run, _ = small_run
    layer = pyogrio.read_dataframe(run.folder / "regions.gpkg", layer="regions")
    # us_states boundaries carry abbr, fips and sub_region (libpysal us48), besides the id "state"
    assert {"state", "abbr", "fips", "sub_region"} <= set(layer.columns)
    assert layer.set_index("state").loc["Ohio", "abbr"] == "OH"
    assert {"unemp_direct", "unemp_direct_lo", "unemp_direct_hi"} <= set(layer.columns)


def test_region_layer_keeps_china_attributes():
    from types import SimpleNamespace

    from spillover.study.outputs import region_layer

    panel = so.datasets.china_simulated()
    layer = region_layer(SimpleNamespace(panel=panel, lisa={}, spillovers={}))
    assert {"province", "code", "name_zh", "region4", "capital_lon", "cluster"} <= set(layer.columns)
    assert layer.set_index("province").loc["Beijing", "name_zh"] == "北京市"


# ---------------------------------------------------------------------- software
def test_software_table_lists_every_runtime_dependency():
    from spillover.study.report import software_versions

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = {re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].lower() for d in deps}
    names = {name for name, _ in software_versions()}
    assert wanted <= names, wanted - names
    assert {"pyfixest", "linearmodels", "spreg", "esda", "libpysal", "highspy"} <= names


def test_the_report_lists_pyfixest(small_run):
    run, _ = small_run
    assert "<td>pyfixest</td>" in run.files["report"][0].read_text(encoding="utf-8")


# ---------------------------------------------------------------------- time axes
@pytest.mark.parametrize(
    "periods", [[2001, 2002, 2003, 2004], [2001.0, 2002.0, 2003.0], list(range(1970, 1987))]
)
def test_moran_over_time_ticks_are_whole_periods(periods):
    n = len(periods)
    table = pd.DataFrame(
        {"I": np.linspace(0.1, 0.3, n), "E[I]": -0.03, "var_rand": 0.01, "p_rand": 0.01},
        index=pd.Index(periods, name="year"),
    )
    fig = maps.moran_over_time(table)
    fig.canvas.draw()
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    labels = [t.get_text() for t in ax.get_xticklabels() if lo <= t.get_position()[0] <= hi]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert all(re.fullmatch(r"\d{4}", s) for s in labels), labels


# ---------------------------------------------------------------------- units
def test_units_reach_the_legends_and_the_descriptive_table(small_run):
    run, seen = small_run
    choro = next(t for t in seen.values() if "unemp, 1986" in " ".join(t) or "unemp (%)" in t)
    assert "unemp (%)" in choro  # the choropleth's legend title
    spill = next(t for t in seen.values() if any(s == "Spillover emitted" for s in t))
    assert any("log $ million per %" in s for s in spill)  # the colour bar of the effects of unemp
    stats = run.tables["descriptive_statistics"].frame
    assert stats.loc["unemp", "units"] == "%" and stats.loc["ln_pcap", "units"] == ""


def test_units_of_an_unknown_column_or_not_text_are_reported():
    text = SMALL.format(folder="out").replace(
        'units = { unemp = "%", ln_gsp = "log $ million" }', 'units = { nosuch = "%", unemp = 3 }'
    )
    with pytest.raises(study.StudyError) as info:
        study.loads(text)
    message = str(info.value)
    assert "nosuch" in message and "expected text" in message
