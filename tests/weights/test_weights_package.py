"""Issue 20, items 5 and 6: weights as a package, notes that survive libpysal's transform, one from_spec.

* No attribute is ever attached to a libpysal Graph; spillover's notes live on its own ``NotedGraph``,
  whose ``transform``/``copy`` keep them: a graph row-standardised by libpysal's ``w.transform("r")``
  (what the model's error message tells users to do) does not raise a spurious IslandWarning.
* ``weights.from_spec`` is the one place a kind and its options become a Graph; each kind equals its
  builder called directly (exact equality: the same code path), and the study runner, the CLI and the
  QGIS tools call it.
"""

from __future__ import annotations

import pickle
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

import spillover as so
from spillover import datasets, weights
from spillover.errors import IslandWarning, WeightsError
from spillover.panel import SpatialPanel

IDS = [f"r{i}" for i in range(6)]


@pytest.fixture(scope="module")
def island_panel() -> SpatialPanel:
    """Six unit boxes: r0..r4 in a row, r5 far away (an island)."""
    boxes = [box(i, 0, i + 1, 1) for i in range(5)] + [box(20, 20, 21, 21)]
    geo = gpd.GeoDataFrame({"r": IDS}, geometry=boxes, crs="EPSG:4326")
    rng = np.random.default_rng(0)
    df = pd.DataFrame([(r, t) for r in IDS for t in range(4)], columns=["r", "t"])
    df["x"] = rng.normal(size=len(df))
    df["y"] = df["x"] + rng.normal(size=len(df))
    return SpatialPanel(df, geo, id="r", time="t")


@pytest.fixture(scope="module")
def china() -> SpatialPanel:
    return datasets.china_simulated()


def _same(a: Graph, b: Graph) -> None:
    assert a.unique_ids.tolist() == b.unique_ids.tolist()
    pd.testing.assert_series_equal(a.adjacency, b.adjacency)
    assert a.transformation == b.transformation


# ---------------------------------------------------------------------------------------------- item 5
def test_libpysal_transform_keeps_the_islands_the_user_kept(island_panel) -> None:
    with pytest.warns(IslandWarning, match="'r5'"):  # warned once, when built
        w = weights.contiguity(island_panel, islands="keep", transform="none")
    w2 = w.transform("r")  # libpysal's own method, as the model's error message suggests
    with warnings.catch_warnings():
        warnings.simplefilter("error", IslandWarning)
        for g in (w, w2, w2.copy(), pickle.loads(pickle.dumps(w2))):
            so.SpatialPanelModel(island_panel, "y", ["x"], g, kind="sar", fixed_effects="unit").fit()
            so.moran_by_period(island_panel, "y", g, permutations=0)
    # row-standardised by hand: each of r0's and r4's single neighbour gets 1, r1..r3's two get 1/2
    assert weights.to_sparse(w2, IDS).sum(axis=1).ravel().tolist()[0] == [1, 1, 1, 1, 1, 0]


def test_a_plain_graph_with_islands_still_warns_and_is_never_modified(island_panel) -> None:
    g = Graph.from_dicts({"a": ["b"], "b": ["a"], "c": []})
    with pytest.warns(IslandWarning, match="'c'"):
        weights.align(g, ["a", "b", "c"])
    kept = weights.align(g, ["a", "b", "c"], islands="keep")
    # nothing attached to the input (libpysal's own cached properties aside)
    assert type(g) is Graph and not [k for k in vars(g) if "spillover" in k or "notes" in k]
    with warnings.catch_warnings():
        warnings.simplefilter("error", IslandWarning)
        weights.to_sparse(kept.transform("R"), ["a", "b", "c"])


def test_negative_weights_accepted_once_stay_accepted_after_transform() -> None:
    g = Graph.from_dicts({"a": ["b"], "b": ["a"]}, {"a": [-1.0], "b": [2.0]})
    with pytest.raises(WeightsError, match="negative"):
        weights.to_sparse(g.transform("d"), ["a", "b"])
    accepted = weights.align(g, ["a", "b"], allow_negative=True).transform("d")
    # double-standardised by hand: each weight divided by the sum of all weights, -1 + 2 = 1
    assert weights.to_sparse(accepted, ["a", "b"]).toarray().tolist() == [[0.0, -1.0], [2.0, 0.0]]


def test_describe_notes_survive_libpysal_transform() -> None:
    geo = gpd.GeoDataFrame(
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(1, 1, 2, 2), box(5, 5, 6, 6)],
        index=["a", "b", "c", "d"],
        crs="EPSG:4326",
    )
    s = weights.describe(weights.contiguity(geo, transform="none").transform("r"))
    assert s.attached == (("d", ("c",)),)  # d's nearest boundary is c's (hand-drawn boxes)
    assert dict(s.notes)["transform"] == "r" and s.row_standardised


def test_package_layout_and_public_names() -> None:
    import spillover.weights._align as gate

    assert weights.__file__.endswith("weights/__init__.py")
    for name in weights.__all__:
        assert getattr(so.weights, name) is getattr(weights, name)
    assert weights.align is gate.align and callable(weights.transform)
    with pytest.raises(AttributeError, match="links_map"):
        weights.plot_links  # noqa: B018


# ---------------------------------------------------------------------------------------------- item 6
@pytest.mark.parametrize(
    "kind, options, direct",
    [
        ("contiguity", {}, lambda g: weights.contiguity(g)),
        (
            "contiguity",
            {"criterion": "rook", "transform": "none"},
            lambda g: weights.contiguity(g, "rook", transform="none"),
        ),
        ("queen", {"islands": "nearest"}, lambda g: weights.contiguity(g, "queen", islands="nearest")),
        ("rook", {}, lambda g: weights.contiguity(g, "rook")),
        ("distance", {"power": 2}, lambda g: weights.distance(g, power=2, coords="capital")),
        (
            "distance",
            {"band": 800.0, "coords": "capital", "transform": "none"},
            lambda g: weights.distance(g, band=800.0, coords="capital", transform="none"),
        ),
        ("knn", {"k": 3}, lambda g: weights.distance(g, k=3, power=0, coords="capital")),
        (
            "economic",
            {"var": "gdp_pc", "window": (2015, 2018)},
            lambda g: weights.economic(g, "gdp_pc", window=(2015, 2018)),
        ),
        (
            "nested",
            {"var": "gdp_pc", "form": "weighted", "phi": 0.3},
            lambda g: weights.nested(g, "gdp_pc", form="weighted", phi=0.3, coords="capital"),
        ),
        (
            "prebuilt",
            {"name": "china_provinces_invdist1"},
            lambda g: weights.transform(weights.prebuilt("china_provinces_invdist1", ids=g), "r"),
        ),
    ],
)
def test_from_spec_equals_the_builder(china, kind, options, direct) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IslandWarning)  # a band may leave islands: same warning both ways
        _same(weights.from_spec(china, kind, **options), direct(china))


def test_from_spec_reads_files_in_the_regions_order(china, tmp_path) -> None:
    w = weights.contiguity(china, transform="none")
    weights.save(w, tmp_path / "w.csv")
    _same(
        weights.from_spec(china, "file", path=tmp_path / "w.csv", transform="none"),
        weights.load(tmp_path / "w.csv", ids=china),
    )


def test_from_spec_default_points_are_capitals_where_there_are_some() -> None:
    geo = gpd.GeoDataFrame(
        geometry=[box(0, 0, 1, 1), box(3, 0, 4, 1), box(0, 5, 1, 6)], index=list("abc"), crs="EPSG:4326"
    )
    _same(weights.from_spec(geo, "distance"), weights.distance(geo, coords="centroid"))


@pytest.mark.parametrize(
    "kind, options, message",
    [
        ("bogus", {}, "'kind' needs to be one of"),
        ("rook", {"power": 2}, r"kind 'rook' take no option 'power'; their options are 'criterion'"),
        ("distance", {"criterion": "queen"}, r"kind 'distance' take no option 'criterion'"),
        ("file", {}, r"kind 'file' need path="),
        ("distance", {"power": -1}, "power must be a finite number >= 0"),  # the builder's own error
    ],
)
def test_from_spec_errors(china, kind, options, message) -> None:
    with pytest.raises(WeightsError, match=message):
        weights.from_spec(china, kind, **options)


@pytest.fixture
def spy(monkeypatch):
    calls: list[tuple[str, dict]] = []
    original = weights.from_spec

    def recording(geo, kind, **options):
        calls.append((kind, options))
        return original(geo, kind, **options)

    monkeypatch.setattr(weights, "from_spec", recording)
    return calls


def test_the_study_runner_builds_weights_with_from_spec(china, spy) -> None:
    from spillover.study.runner import build_weights

    entry = {"kind": "economic", "var": "gdp_pc", "window": [2015, 2018], "transform": "r", "label": "eco"}
    w = build_weights(None, china, entry)
    assert spy == [("economic", {"var": "gdp_pc", "window": (2015, 2018), "transform": "r"})]
    _same(w, weights.economic(china, "gdp_pc", window=(2015, 2018)))


def test_the_cli_builds_weights_with_from_spec(china, spy, tmp_path) -> None:
    from click.testing import CliRunner

    from spillover.cli import main

    china.geometry.reset_index().to_file(tmp_path / "p.gpkg", driver="GPKG", engine="pyogrio")
    result = CliRunner().invoke(
        main,
        [
            "weights",
            str(tmp_path / "p.gpkg"),
            "--id",
            "province",
            "--kind",
            "rook",
            "--out",
            str(tmp_path / "w.csv"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0 and [kind for kind, _ in spy] == ["rook"]


def test_qgis_builds_weights_with_from_spec(china, spy) -> None:
    from spillover.qgis.analysis import build_weights

    w = build_weights(china.geometry, "knn", k=2, coords="capital")
    assert spy == [("knn", {"k": 2, "power": 0, "coords": "capital"})]
    _same(w, weights.distance(china.geometry, k=2, power=0, coords="capital"))
