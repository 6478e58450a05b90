"""Issue 25, item 2: the notebooks in examples/ run end to end (nbclient, the ``python3`` kernel that
ipykernel installs), and the numbers they show are the API's.

Each notebook is executed as a user would open it (working directory examples/, the inline matplotlib
backend).  A probe cell appended to the copy under test prints the notebook's own key numbers as JSON; the
test computes the same numbers by calling the API directly and compares them.  The notebooks are committed
without outputs (checked here too), so a diff of a notebook is a diff of its code.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

import spillover as so

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = ["china_provincial_study.ipynb", "us_states_sdm.ipynb", "green_tfp.ipynb"]


def _execute(name: str, probe: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, float]]:
    """Run examples/<name> with ``probe`` appended; the executed notebook and the probe's JSON."""
    # the kernel imports the spillover this test imports (an editable install or PYTHONPATH=src alike), and
    # draws with the notebook backend (MPLBACKEND=Agg, if the test run sets it, would hide the figures)
    src = str(Path(so.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", src)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import json\n\nprint(json.dumps(" + probe + "))"))
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()  # raises CellExecutionError on the first cell that fails
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{name}: {out.get('ename')}: {out.get('evalue')}"
    printed = "".join(o["text"] for o in nb.cells[-1]["outputs"] if o["output_type"] == "stream")
    return nb, json.loads(printed)


def _outputs(nb: Any, source_start: str) -> list[dict[str, Any]]:
    """The outputs of the first code cell whose source starts with ``source_start``."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start))
    return cell.outputs


def _html(outputs: list[dict[str, Any]]) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in outputs)


def _has_image(outputs: list[dict[str, Any]]) -> bool:
    return any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.slow
def test_china_study_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    nb, got = _execute(
        "china_provincial_study.ipynb",
        '{"digital": res.params["digital"], "rho": res.rho, "weight": digital.weights.loc["internet_rate", "weight"]}',
        monkeypatch,
    )
    # the same chain called here, outside the notebook
    panel = so.datasets.china_simulated(seed=3)
    directions = {
        "internet_rate": "+",
        "broadband_pc": "+",
        "software_share": "+",
        "mobile_per100": "+",
        "digital_emp_share": "+",
        "telecom_cost": "-",
    }
    digital = so.indicators.entropy_index(panel, directions)
    coagglo = so.indicators.coagglomeration(panel, "manuf_emp", "ps_emp", "emp")
    panel = panel.with_data(pd.DataFrame({"digital": digital.scores, "coagglo": coagglo}))
    w = so.weights.nested(panel, "gdp_pc", form="multiplicative")
    x = ["coagglo", "digital", "ln_gdp_pc", "gov"]
    res = so.SpatialPanelModel(
        panel, "ami", x, w, kind="sdm", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()
    assert got["digital"] == pytest.approx(res.params["digital"], rel=1e-10)
    assert got["rho"] == pytest.approx(res.rho, rel=1e-10)
    assert got["weight"] == pytest.approx(digital.weights.loc["internet_rate", "weight"], rel=1e-12)
    shown = _html(_outputs(nb, "res = so.SpatialPanelModel"))  # the result displays as its paper table
    assert f"{res.params['digital']:.3f}" in shown and "Indirect" in shown
    assert "Spatial weights: 31 regions" in _html(_outputs(nb, "w_nested = "))
    assert _has_image(_outputs(nb, "maps.lisa_map")) and _has_image(_outputs(nb, "maps.choropleth"))


@pytest.mark.slow
def test_us_states_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    nb, got = _execute(
        "us_states_sdm.ipynb",
        '{"ln_pcap": res.params["ln_pcap"], "lr": so.lr_test(sar, res).statistic, "best": list(mp.best)}',
        monkeypatch,
    )
    panel = so.datasets.us_states()
    w = so.weights.contiguity(panel, kind="queen")
    x = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]
    kw = dict(fixed_effects="twoway", bias_correction="lee-yu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", so.errors.SmallSampleBiasWarning)
        sdm = so.SpatialPanelModel(panel, "ln_gsp", x, w, kind="sdm", **kw).fit()
        sar = so.SpatialPanelModel(panel, "ln_gsp", x, w, kind="sar", **kw).fit()
    assert got["ln_pcap"] == pytest.approx(sdm.params["ln_pcap"], rel=1e-10)
    # LR statistic written out: 2 (loglik of the SDM - loglik of the SAR)
    assert got["lr"] == pytest.approx(2 * (sdm.loglik - sar.loglik), rel=1e-8)
    assert got["best"][1] == "queen"  # docs/model_choice.md: the data put their weight on queen contiguity
    assert f"{sdm.params['ln_pcap']:.3f}" in _html(_outputs(nb, "res = so.SpatialPanelModel"))
    assert "<table>" in _html(_outputs(nb, 'so.lm_tests(panel, "ln_gsp"'))


@pytest.mark.slow
def test_green_tfp_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    nb, got = _execute(
        "green_tfp.ipynb",
        '{"sbm_mean": float(sbm.efficiency.mean()), "gml_tfpch": gml.mean["tfpch"], "rho": sdm.rho}',
        monkeypatch,
    )
    spec = importlib.util.spec_from_file_location("green_tfp_example", EXAMPLES / "green_tfp.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    data = example.simulate()
    y2019 = data[data["year"] == 2019].set_index("province")
    sbm = so.sbm(
        y2019[["capital", "labour", "energy"]], y2019[["gdp", "co2"]], rts="vrs", undesirable=["co2"]
    )
    panel = so.SpatialPanel(data, so.datasets.china_provinces(), id="province", time="year")
    gml = so.malmquist_luenberger(
        panel, inputs=["capital", "labour", "energy"], outputs=["gdp"], undesirable=["co2"], frontier="global"
    )
    assert got["sbm_mean"] == pytest.approx(float(np.mean(sbm.efficiency)), rel=1e-10)
    assert got["gml_tfpch"] == pytest.approx(gml.mean["tfpch"], rel=1e-10)
    # guide section 8 prints the output of examples/green_tfp.py: mean GML tfpch 1.0104, rho 0.232
    assert got["gml_tfpch"] == pytest.approx(1.0104, abs=5e-5)
    assert got["rho"] == pytest.approx(0.232, abs=5e-4)
    assert _has_image(_outputs(nb, "maps.choropleth"))
