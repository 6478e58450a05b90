"""spillover.qgis without QGIS: lazy imports, the analysis behind the tools, the Processing algorithms' run
functions, the plugin writer and its CLI command.

The same analyses run inside a real QGIS in ``tests/qgis/`` (CI's QGIS stage).  Here every expected value
comes from calling spillover's own public functions directly on the same data, so the tests check that the
QGIS layer code wires the right function to the right data (ids, order, periods, weights).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

import spillover as so
from spillover.cli import main as cli
from spillover.errors import OverwriteError, SpilloverError
from spillover.qgis import algorithms as algs
from spillover.qgis import analysis as an
from spillover.qgis.plugin import PLUGIN_NAME, write_plugin


# ---------------------------------------------------------------------------------------------- fixtures
def _grid(n_side: int = 4) -> gpd.GeoDataFrame:
    """A 4 x 4 grid of unit squares, ids "r00".."r33" (strings), shuffled feature ids as the index."""
    cells = [(i, j) for i in range(n_side) for j in range(n_side)]
    frame = gpd.GeoDataFrame(
        {"rid": [f"r{i}{j}" for i, j in cells], "y": [float(i + 0.5 * j + (i * j) % 3) for i, j in cells]},
        geometry=[box(j, i, j + 1, i + 1) for i, j in cells],
        crs="EPSG:4326",
    )
    frame.index = pd.Index(np.random.default_rng(0).permutation(100)[: len(frame)], name="feature_id")
    return frame


def _long(frame: gpd.GeoDataFrame, years: tuple[int, ...] = (2001, 2002, 2003)) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    parts = []
    for t in years:
        part = frame.assign(year=t, y=frame["y"] + rng.normal(size=len(frame)), x=rng.normal(size=len(frame)))
        parts.append(part)
    out = pd.concat(parts)
    out.index = pd.Index(range(len(out)), name="feature_id")
    return out


class _Feedback:
    """The Feedback protocol of spillover.qgis.algorithms, recording what it is told."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.steps: list[float] = []
        self.messages: list[str] = []
        self.cancel_after = cancel_after

    def progress(self, percent: float) -> None:
        self.steps.append(percent)

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.steps) >= self.cancel_after

    def info(self, message: str) -> None:
        self.messages.append(message)


def _values(spec: algs.Algorithm, **given: object) -> dict[str, object]:
    """Parameter values as the provider passes them: defaults (enum defaults as option text) plus ``given``."""
    out: dict[str, object] = {}
    for p in spec.params:
        default = p.options[p.default] if p.kind == "enum" else p.default
        out[p.name] = given.get(p.name, default)
    return out


def _spec(name: str) -> algs.Algorithm:
    return next(a for a in algs.ALGORITHMS if a.name == name)


# ---------------------------------------------------------------------------------------------- imports
def test_importing_spillover_and_spillover_qgis_never_imports_qgis():
    code = textwrap.dedent("""
        import sys
        import spillover, spillover.qgis
        from spillover.qgis import (_compat, algorithms, analysis, console, convert, plugin, provider, style)
        assert spillover.qgis.__all__
        loaded = sorted(m for m in sys.modules if m == "qgis" or m.startswith("qgis.") or m.startswith("PyQt"))
        print(loaded)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_qgis_is_a_lazy_submodule_of_spillover():
    assert "qgis" in dir(so)
    assert so.qgis.__name__ == "spillover.qgis"
    assert callable(so.qgis.layer_to_frame) and callable(so.qgis.register)
    with pytest.raises(AttributeError):
        so.qgis.nothing_here  # noqa: B018


# ---------------------------------------------------------------------------------------------- panels
def test_cross_section_panel_uses_feature_ids_in_feature_order():
    frame = _grid()
    panel = an.layer_panel(frame)
    assert panel.ids.tolist() == frame.index.tolist()
    assert panel.periods.tolist() == [an.CROSS_SECTION]
    assert panel.matrix("y").iloc[:, 0].tolist() == frame["y"].tolist()


def test_cross_section_panel_with_an_id_field():
    frame = _grid()
    panel = an.layer_panel(frame, id_field="rid")
    assert panel.ids.tolist() == frame["rid"].tolist()


def test_long_layer_panel_takes_each_region_once():
    frame = _long(_grid())
    panel = an.layer_panel(frame, id_field="rid", time_field="year")
    assert (panel.n_regions, panel.n_periods) == (16, 3)
    expected = frame.loc[frame["year"] == 2002].set_index("rid")["y"]
    assert panel.matrix("y")[2002].tolist() == expected.reindex(panel.ids).tolist()


def test_long_layer_without_id_field_is_refused():
    with pytest.raises(SpilloverError, match="id_field"):
        an.layer_panel(_long(_grid()), time_field="year")


def test_duplicate_region_ids_are_named():
    frame = _grid()
    frame.loc[frame.index[1], "rid"] = "r00"
    with pytest.raises(SpilloverError, match="'r00'"):
        an.regions(frame, "rid")


def test_unknown_field_lists_the_layer_fields():
    with pytest.raises(SpilloverError, match="'nope'.*'rid'"):
        an.layer_panel(_grid(), id_field="nope")


def test_joined_panel_reads_csv_ids_as_text_like_the_layer(tmp_path):
    geo = _grid()
    geo["code"] = [f"0{i:02d}" for i in range(len(geo))]  # codes with a leading zero
    rows = [(c, t, float(k + t)) for k, c in enumerate(geo["code"]) for t in (1, 2)]
    path = tmp_path / "panel.csv"
    pd.DataFrame(rows, columns=["code", "t", "v"]).to_csv(path, index=False)
    panel = an.joined_panel(geo, path, id_field="code", time_field="t")
    assert panel.ids.tolist() == geo["code"].tolist()
    assert panel.matrix("v")[2].tolist() == [k + 2.0 for k in range(len(geo))]


def test_joined_panel_with_a_differently_named_table_id():
    geo = _grid()
    table = pd.DataFrame(
        {"region": np.repeat(geo["rid"].to_numpy(), 2), "t": [1, 2] * 16, "v": np.arange(32.0)}
    )
    panel = an.joined_panel(geo, table, id_field="rid", time_field="t", table_id_field="region")
    assert panel.matrix("v")[1].tolist() == list(np.arange(0, 32.0, 2))


# ---------------------------------------------------------------------------------------------- weights
@pytest.mark.parametrize(
    ("choice", "direct"),
    [
        ("queen", lambda g: so.weights.contiguity(g, kind="queen")),
        ("rook", lambda g: so.weights.contiguity(g, kind="rook")),
        ("knn", lambda g: so.weights.distance(g, k=3, power=0, coords="representative")),
        ("inverse_distance", lambda g: so.weights.distance(g, power=2, coords="representative")),
    ],
)
def test_weights_choices_are_spillovers_builders(choice, direct):
    geo = an.regions(_grid(), "rid")
    got = an.build_weights(geo, choice, k=3, power=2)
    want = direct(geo[["geometry"]])
    np.testing.assert_allclose(
        so.weights.to_sparse(got, geo.index).toarray(),
        so.weights.to_sparse(want, geo.index).toarray(),
        rtol=0,
        atol=1e-15,
    )


def test_unknown_weights_choice_is_refused():
    with pytest.raises(SpilloverError, match="'weights' needs to be one of"):
        an.build_weights(an.regions(_grid()), "gabriel")


def test_links_frame_lists_every_link_and_no_island_row():
    geo = an.regions(_grid(), "rid")
    links = an.links_frame(an.build_weights(geo, "rook"))
    # 4 x 4 rook grid: 2 * (3 * 4) horizontal + vertical edges, both directions = 48 links
    assert len(links) == 48
    assert links.groupby("focal")["weight"].sum().round(12).eq(1).all()


# ---------------------------------------------------------------------------------------------- statistics
def test_lisa_frame_is_local_moran():
    frame = _grid()
    panel = an.layer_panel(frame, id_field="rid")
    w = an.build_weights(panel.geometry, "queen")
    got = an.lisa_frame(panel, "y", w, permutations=99, seed=3)
    want = so.local_moran(panel, "y", w, period=an.CROSS_SECTION, permutations=99, seed=3).to_frame()
    assert list(got.columns) == list(an.LISA_FIELDS)
    np.testing.assert_array_equal(got["Ii"], want["Ii"])
    np.testing.assert_array_equal(got["p_sim"], want["p_sim"])
    assert got["lisa_cluster"].tolist() == want["cluster"].tolist()


def test_period_typed_as_text_finds_the_panel_period():
    panel = an.layer_panel(_long(_grid()), id_field="rid", time_field="year")
    assert an.resolve_period(panel, "2002") == 2002
    assert an.resolve_period(panel, None) == 2003
    with pytest.raises(SpilloverError, match="1999"):
        an.resolve_period(panel, "1999")


def test_new_fields_may_not_hide_the_layers_own():
    with pytest.raises(SpilloverError, match="'Ii'"):
        an.check_new_fields(_grid().assign(Ii=1.0), an.LISA_FIELDS)


# ---------------------------------------------------------------------------------------------- algorithms
def test_algorithm_ids_and_parameter_names():
    assert [a.name for a in algs.ALGORITHMS] == [
        "weights",
        "moran",
        "lisa",
        "hotspots",
        "dagum",
        "sdm",
        "malmquist",
    ]
    for spec in algs.ALGORITHMS:
        names = [p.name for p in spec.params]
        assert names[0] == "INPUT" and "OUTPUT" in names, spec.name
        assert len(set(names)) == len(names), spec.name
        for p in spec.params:
            if p.parent is not None:
                assert p.parent in names[: names.index(p.name)], (spec.name, p.name)
        if spec.name not in ("malmquist", "dagum"):  # neither uses spatial weights
            assert "WEIGHTS" in names
    assert list(algs.WEIGHTS_LABELS.values()) == list(an.WEIGHTS_CHOICES)


def test_weights_algorithm():
    frame = _grid()
    out = _spec("weights").run(
        _values(_spec("weights"), INPUT=frame, ID_FIELD="rid", WEIGHTS="Rook contiguity"), _Feedback()
    )
    assert out["N_REGIONS"] == 16 and out["N_LINKS"] == 48 and out["ISLANDS"] == ""
    assert set(out["OUTPUT"].columns) == {"focal", "neighbor", "weight"}


def test_moran_algorithm_is_moran_by_period():
    frame = _long(_grid())
    spec = _spec("moran")
    out = spec.run(
        _values(spec, INPUT=frame, FIELD=["y"], ID_FIELD="rid", TIME_FIELD="year", PERMUTATIONS=99),
        _Feedback(),
    )["OUTPUT"]
    panel = an.layer_panel(frame, id_field="rid", time_field="year")
    want = so.moran_by_period(panel, "y", so.weights.contiguity(panel, kind="queen"), permutations=99, seed=0)
    assert out["period"].tolist() == ["2001", "2002", "2003"]
    assert out["variable"].unique().tolist() == ["y"]
    np.testing.assert_array_equal(out["I"], want["I"])
    np.testing.assert_array_equal(out["EI"], want["E[I]"])
    np.testing.assert_array_equal(out["p_sim"], want["p_sim"])


def test_lisa_algorithm_keeps_the_features_of_the_period():
    frame = _long(_grid())
    spec = _spec("lisa")
    out = spec.run(
        _values(
            spec, INPUT=frame, FIELD="y", ID_FIELD="rid", TIME_FIELD="year", PERIOD="2002", PERMUTATIONS=99
        ),
        _Feedback(),
    )
    layer = out["OUTPUT"]
    assert len(layer) == 16 and (layer["year"] == 2002).all()
    panel = an.layer_panel(frame, id_field="rid", time_field="year")
    want = so.local_moran(
        panel, "y", so.weights.contiguity(panel, kind="queen"), period=2002, permutations=99, seed=0
    ).to_frame()
    np.testing.assert_array_equal(layer["Ii"], want["Ii"].reindex(layer["rid"]))
    assert sum(v for k, v in out.items() if k != "OUTPUT") == 16


def test_sdm_algorithm_is_spatial_panel_model():
    geo = _grid()
    table = pd.DataFrame(_long(geo).drop(columns="geometry"))
    spec = _spec("sdm")
    out = spec.run(
        _values(
            spec,
            INPUT=geo,
            ID_FIELD="rid",
            TABLE=table,
            TIME_FIELD="year",
            Y="y",
            X=["x"],
            FIXED_EFFECTS="unit",
            DRAWS=50,
        ),
        _Feedback(),
    )
    panel = an.joined_panel(geo, table, id_field="rid", time_field="year")
    res = so.SpatialPanelModel(
        panel, "y", ["x"], so.weights.contiguity(panel, kind="queen"), kind="sdm", fixed_effects="unit"
    ).fit()
    est = out["OUTPUT"]
    coef = est.loc[est["effect"] == "coefficient"].set_index("term")["estimate"]
    assert coef["rho"] == pytest.approx(res.rho, abs=1e-12)
    assert out["RHO"] == pytest.approx(res.rho, abs=1e-12)
    direct = est.loc[(est["effect"] == "direct") & (est["term"] == "x"), "estimate"].item()
    assert direct == pytest.approx(res.impacts(draws=50, seed=0).loc[("direct", "x"), "estimate"], abs=1e-12)


def test_malmquist_algorithm_is_malmquist():
    data = so.datasets.rice_farms()
    spec = _spec("malmquist")
    inputs, outputs = ["area", "labor", "npk"], ["prod"]
    out = spec.run(
        _values(
            spec, INPUT=data, ID_FIELD="farm", TIME_FIELD="year", INPUT_FIELDS=inputs, OUTPUT_FIELDS=outputs
        ),
        _Feedback(),
    )
    want = so.malmquist(data, id="farm", time="year", inputs=inputs, outputs=outputs)
    assert out["TFPCH_MEAN"] == pytest.approx(want.mean["tfpch"], abs=1e-12)
    assert len(out["OUTPUT"]) == len(data)


def test_algorithms_stop_when_cancelled():
    feedback = _Feedback(cancel_after=0)
    spec = _spec("moran")
    with pytest.raises(algs.Cancelled):
        spec.run(_values(spec, INPUT=_grid(), FIELD=["y"]), feedback)


# ---------------------------------------------------------------------------------------------- plugin
def test_write_plugin_writes_a_plugin_folder(tmp_path):
    folder = write_plugin(tmp_path)
    assert folder == tmp_path / PLUGIN_NAME
    meta = (folder / "metadata.txt").read_text()
    for line in ("hasProcessingProvider=yes", "qgisMinimumVersion=3.22", f"version={so.__version__}"):
        assert line in meta.splitlines()
    assert "def classFactory(iface)" in (folder / "__init__.py").read_text()
    compile((folder / "plugin.py").read_text(), "plugin.py", "exec")
    with pytest.raises(OverwriteError):
        write_plugin(tmp_path)
    assert write_plugin(tmp_path, overwrite=True) == folder
    assert [p.name for p in tmp_path.iterdir()] == [PLUGIN_NAME]  # no temporary folder left behind


def test_cli_writes_the_plugin(tmp_path):
    result = CliRunner().invoke(cli, ["qgis-plugin", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(tmp_path / PLUGIN_NAME)
    assert (tmp_path / PLUGIN_NAME / "metadata.txt").is_file()
