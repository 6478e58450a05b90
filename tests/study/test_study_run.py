"""`make demo` runs the two shipped studies: each writes a self-contained report, a GeoPackage and tables.

The demo runs once for the module (about 30 s); the other tests use a small study of the US states.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from _study_files import us_states_study

from spillover import study
from spillover.errors import OverwriteError

SMALL = us_states_study(
    "small",
    1,
    """\
[moran]
permutations = 49
[[models]]
kind = "sdm"
bias_correction = "lee-yu"
[impacts]
draws = 100
[maps]
lisa = true
[output]
tables = ["csv"]
""",
)


class _Report(HTMLParser):
    """Collects tables, images and every src/href attribute of a report."""

    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.images: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.tables += tag == "table"
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.links.append(value)
                if tag == "img":
                    self.images.append(value)


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    from spillover.demo import run_demo

    lines: list[str] = []
    runs = run_demo(tmp_path_factory.mktemp("demo"), echo=lines.append)
    return runs, "\n".join(lines)


def _parse(path: Path) -> _Report:
    report = _Report()
    report.feed(path.read_text(encoding="utf-8"))
    return report


@pytest.mark.slow
@pytest.mark.parametrize("name, n_figures", [("us_states", 6), ("china_simulated", 6)])
def test_each_report_is_self_contained_with_tables_and_figures(demo_runs, name, n_figures):
    run = demo_runs[0][name]
    html_text = run.files["report"][0].read_text(encoding="utf-8")
    report = _parse(run.files["report"][0])
    assert report.tables >= 8
    assert len(report.images) >= n_figures
    assert all(src.startswith("data:image/png;base64,") for src in report.images)
    assert not [u for u in report.links if u.startswith(("http://", "https://", "//"))]
    assert "script" not in report.tags and "link" not in report.tags
    for heading in (
        "Spatial autocorrelation",
        "Panel LM tests",
        "Spatial panel models",
        "Main",
        "Indirect",
        "across weights",
        "Study file",
        "Software",
        "LISA clusters",
    ):
        assert heading in html_text


def test_the_geopackage_has_one_row_per_region_and_the_promised_fields(demo_runs):
    for name, n_regions, x in (("us_states", 48, "ln_pcap"), ("china_simulated", 31, "coagglo")):
        path = demo_runs[0][name].files["geopackage"][0]
        info = pyogrio.read_info(path, layer="regions")
        fields = list(info["fields"])
        assert info["features"] == n_regions
        assert {f"{x}_direct", f"{x}_emitted", f"{x}_received"} <= set(fields)
        assert any(f.startswith("mean_") for f in fields) and any(f.startswith("lisa_") for f in fields)
        with sqlite3.connect(path) as con:  # GeoPackage 1.2: user_version 10200 (QGIS 3.22 reads it quietly)
            assert con.execute("PRAGMA user_version").fetchone()[0] == 10200


def test_tables_come_in_every_format(demo_runs):
    run = demo_runs[0]["us_states"]
    folder = run.folder / "tables"
    assert "\\toprule" in (folder / "model_sdm_twoway_queen.tex").read_text()
    dta = pd.read_stata(folder / "tests.dta")
    assert {"model", "test", "statistic", "p_value"} <= set(dta.columns)
    sheets = pd.read_excel(folder / "tables.xlsx", sheet_name=None)
    assert "compare_sdm_twoway" in sheets and "moran_ln_gsp" in sheets
    csv = pd.read_csv(folder / "effects_sdm_twoway_queen.csv")
    assert len(csv) == 12  # direct, indirect, total x 4 regressors


def test_simulated_study_recovers_the_truth_and_says_it_is_simulated(demo_runs):
    from spillover.datasets import CHINA_SIMULATED_SEED, CHINA_SIMULATED_TRUTH

    run = demo_runs[0]["china_simulated"]
    truth = run.tables["truth"].frame
    assert bool(truth["within 2 SE"].all()), truth
    spec = tomllib.loads(study.example_path("china_simulated").read_text())
    assert spec["truth"]["params"] == CHINA_SIMULATED_TRUTH  # the file shows the generator's parameters
    assert spec["data"]["seed"] == CHINA_SIMULATED_SEED
    text = run.files["report"][0].read_text(encoding="utf-8")
    assert "SIMULATED DATA" in text and "True parameters beside the estimates" in text


def test_the_demo_prints_the_paths_it_wrote(demo_runs):
    runs, out = demo_runs
    for run in runs.values():
        assert str(run.files["report"][0]) in out and str(run.files["geopackage"][0]) in out
    assert "true parameters recovered within two standard errors: 9 of 9" in out


def _small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_an_existing_output_folder_is_kept_unless_forced(tmp_path):
    path = _small(tmp_path)
    (tmp_path / "small-results").mkdir()
    (tmp_path / "small-results" / "mine.txt").write_text("keep")
    t0 = time.perf_counter()
    for force in (False, True):  # not written by spillover (no marker): kept even with force
        with pytest.raises(OverwriteError, match="no .spillover-output file"):
            study.run(path, overwrite=force)
    assert time.perf_counter() - t0 < 5  # refused before computing anything
    assert (tmp_path / "small-results" / "mine.txt").read_text() == "keep"
    (tmp_path / "small-results" / "mine.txt").unlink()
    first = study.run(path, overwrite=True)  # an empty folder may be replaced
    (first.folder / "stale.txt").write_text("from the first run")
    with pytest.raises(OverwriteError, match="pass overwrite=True"):
        study.run(path)
    run = study.run(path, overwrite=True)  # marked by the first run: replaced
    assert not (run.folder / "stale.txt").exists() and run.files["report"][0].is_file()
    assert "writer: spillover.study.run(" in (run.folder / ".spillover-output").read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers


def test_progress_callback_sees_every_step(tmp_path):
    events = []
    study.run(_small(tmp_path), out=tmp_path / "o", progress=events.append)
    done = [e.step for e in events if e.status == "done"]
    assert done == ["data", "weights", "moran", "models", "tests", "effects", "figures", "outputs"]
    assert all(e.total == 8 for e in events)


_KILLED = """
import sys, time
from pathlib import Path
import spillover.study.outputs as outputs
original = outputs.write_geopackage
def slow(layer, path):
    result = original(layer, path)
    Path(sys.argv[3]).write_text("writing")   # report and GeoPackage written, tables not yet
    time.sleep(60)
    return result
outputs.write_geopackage = slow
from spillover import study
study.run(sys.argv[1], out=sys.argv[2], overwrite=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("existing", [False, True])
def test_a_run_killed_mid_write_leaves_the_folder_absent_or_complete(tmp_path, existing):
    path = _small(tmp_path)
    target, marker = tmp_path / "out", tmp_path / "marker"
    if existing:
        (target / "tables").mkdir(parents=True)
        (target / "report.html").write_text("old complete run")
        (target / ".spillover-output").write_text("an earlier run")
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED, str(path), str(target), str(marker)],
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    try:
        deadline = time.time() + 240
        while not marker.exists():
            assert proc.poll() is None, "the study stopped before writing"
            assert time.time() < deadline
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    staged = [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp-")]
    assert staged and (staged[0] / "regions.gpkg").exists()  # it was killed in the middle of writing
    if existing:
        assert (target / "report.html").read_text() == "old complete run"
    else:
        assert not target.exists()


@pytest.mark.slow
def test_every_random_draw_comes_from_the_study_seed(tmp_path):
    path = _small(tmp_path)
    a = study.run(path, out=tmp_path / "a")
    b = study.run(path, out=tmp_path / "b")
    assert (tmp_path / "a/tables/moran_ln_gsp.csv").read_text() == (
        tmp_path / "b/tables/moran_ln_gsp.csv"
    ).read_text()
    pd.testing.assert_frame_equal(
        a.tables["effects_sdm_twoway_queen"].frame, b.tables["effects_sdm_twoway_queen"].frame
    )
    c = study.run(path.write_text(SMALL.replace("seed = 1", "seed = 2")) and path, out=tmp_path / "c")
    assert not a.tables["moran_ln_gsp"].frame["p_sim"].equals(c.tables["moran_ln_gsp"].frame["p_sim"])


def test_panel_models_share_one_table_with_the_spatial_model(tmp_path):
    path = tmp_path / "pm.toml"
    path.write_text(
        SMALL
        + textwrap.dedent("""\
        [panel_models.fe]
        type = "fixed_effects"
        [panel_models.iv]
        type = "fe_iv"
        exog = ["ln_emp"]
        endog = ["ln_pcap"]
        instruments = ["hwy", "water"]
        [panel_models.med]
        type = "mediation"
        x = "ln_pcap"
        mediator = "ln_pc"
        controls = ["ln_emp"]
        draws = 49
        """)
    )
    run = study.run(path, out=tmp_path / "o")
    mixed = run.tables["panel_models"].frame
    assert list(mixed.columns) == ["fe", "iv", "med", "sdm_twoway_queen"]
    assert {"ln_pcap", "ln_emp"} <= {str(i) for i in mixed.index}
    fe = run.tables["panel_fe"].frame
    from spillover.datasets import us_states
    from spillover.panel_models import fixed_effects

    direct = fixed_effects(us_states(), "ln_gsp", ["ln_pcap", "ln_emp"])
    pd.testing.assert_frame_equal(fe, direct.to_frame())  # the study adds nothing of its own to the numbers
    assert "a*b (indirect)" in run.tables["panel_med"].frame.index
