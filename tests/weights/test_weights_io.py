"""Round trips of spillover.weights.save / load in every format, and the files' error messages."""

from __future__ import annotations

from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import pytest
import scipy.io
from libpysal.graph import Graph

from spillover.errors import OverwriteError, WeightsError
from spillover.weights import describe, load, save, to_sparse
from spillover.weights._graph import _graph_from_sparse

FORMATS = ["gal", "gwt", "csv", "dta", "mat"]
ID_SETS = {
    "text digits": [str(i) for i in range(12)],  # "10" < "2" lexicographically: order must survive
    "integers": list(range(12)),
    "codes": [110000 + 10000 * i for i in range(12)],
    "names": [
        "Beijing",
        "Inner Mongolia",
        "Heilongjiang",
        "Shanghai",
        "Hainan",
        "Tibet",
        "Xinjiang",
        "Hebei",
        "Tianjin",
        "Shanxi",
        "Liaoning",
        "Jilin",
    ],
}


def _weights(ids: list, binary: bool) -> Graph:
    """A seeded random sparse weights matrix on ``ids`` with one isolate (row 5) and asymmetric weights."""
    rng = np.random.default_rng(3)
    mat = (rng.random((12, 12)) < 0.3).astype(float)
    np.fill_diagonal(mat, 0.0)
    mat[5, :] = 0.0
    mat[:, 5] = 0.0
    if not binary:
        mat *= rng.random((12, 12)) * 10 + 1e-3  # weights with full float precision
    return _graph_from_sparse(__import__("scipy.sparse").sparse.csr_matrix(mat), pd.Index(ids))


def _writable(fmt: str, label: str) -> bool:
    return not (fmt in ("gal", "gwt") and label == "names")  # whitespace ids cannot go into GAL/GWT


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("label", list(ID_SETS))
def test_round_trip_same_matrix_and_ids(tmp_path: Path, fmt: str, label: str) -> None:
    if not _writable(fmt, label):
        return _check_whitespace_refused(tmp_path, fmt, ID_SETS[label])
    ids = ID_SETS[label]
    w = _weights(ids, binary=fmt == "gal")
    path = tmp_path / f"w.{fmt}"
    save(w, path)
    back = load(path, ids=ids)
    assert back.unique_ids.tolist() == ids
    # exact: text formats write 17 significant digits, binary formats store doubles
    np.testing.assert_array_equal(to_sparse(back, ids).toarray(), to_sparse(w, ids).toarray())
    assert list(back.isolates) == [ids[5]]
    # without ids, the file's order is kept; text formats give text ids, dta/mat keep integer ids
    raw = load(path)
    text_format = fmt in ("gal", "gwt", "csv")
    assert raw.unique_ids.tolist() == ([str(i) for i in ids] if text_format else ids)


def _check_whitespace_refused(tmp_path: Path, fmt: str, ids: list) -> None:
    w = _weights(ids, binary=True)
    with pytest.raises(WeightsError, match=r"ids 'Inner Mongolia' cannot be written"):
        save(w, tmp_path / f"w.{fmt}")
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize("fmt", FORMATS)
def test_load_reorders_to_given_ids(tmp_path: Path, fmt: str) -> None:
    ids = ID_SETS["text digits"]
    w = _weights(ids, binary=fmt == "gal")
    save(w, tmp_path / f"w.{fmt}")
    order = list(np.random.default_rng(1).permutation(ids))
    back = load(tmp_path / f"w.{fmt}", ids=order)
    pos = [ids.index(i) for i in order]
    assert back.unique_ids.tolist() == order
    np.testing.assert_array_equal(
        to_sparse(back, order).toarray(), to_sparse(w, ids).toarray()[np.ix_(pos, pos)]
    )


def test_libpysal_states48_gal_loads_as_text_in_file_order() -> None:
    path = libpysal.examples.get_path("states48.gal")
    g = load(path)
    ids = [str(i) for i in range(48)]
    assert g.unique_ids.tolist() == ids  # "0".."47", not "0", "1", "10", "11", ...
    reference, _ = libpysal.io.open(path).read().full()  # libpysal's own reader of the same file
    np.testing.assert_array_equal(to_sparse(g, ids).toarray(), reference)
    assert describe(g).n_links == int(reference.sum())


def test_stata_names_and_labels(tmp_path: Path) -> None:
    ids = ID_SETS["names"]
    save(_weights(ids, binary=False), tmp_path / "w.dta")
    frame = pd.read_stata(tmp_path / "w.dta")
    assert frame.columns.tolist()[:3] == ["_id", "Beijing", "Inner_Mongolia"]
    with pd.io.stata.StataReader(tmp_path / "w.dta") as reader:
        labels = reader.variable_labels()
    assert labels["Inner_Mongolia"] == "Inner Mongolia"
    assert frame["_id"].tolist() == ids


def test_stata_names_fall_back_when_not_unique(tmp_path: Path) -> None:
    ids = ["a b", "a_b", "c"]  # both become a_b
    g = Graph.from_dicts({"a b": ["c"], "a_b": ["c"], "c": ["a b"]})
    save(g, tmp_path / "w.dta")
    assert pd.read_stata(tmp_path / "w.dta").columns.tolist() == ["_id", "w1", "w2", "w3"]
    assert load(tmp_path / "w.dta", ids=ids).unique_ids.tolist() == ids


def test_mat_layout_for_matlab(tmp_path: Path) -> None:
    ids = ID_SETS["names"]
    w = _weights(ids, binary=False)
    save(w, tmp_path / "w.mat")
    content = scipy.io.loadmat(tmp_path / "w.mat", squeeze_me=True)
    np.testing.assert_array_equal(content["W"], to_sparse(w, ids).toarray())
    assert [str(i) for i in content["ids"]] == ids


def test_gal_refuses_non_binary_and_overwrite_needs_flag(tmp_path: Path) -> None:
    w = _weights(ID_SETS["integers"], binary=False)
    with pytest.raises(WeightsError, match="GAL files store neighbours only"):
        save(w, tmp_path / "w.gal")
    save(w, tmp_path / "w.csv")
    with pytest.raises(OverwriteError, match="pass overwrite=True"):
        save(w, tmp_path / "w.csv")
    save(w.transform("B"), tmp_path / "w.csv", overwrite=True)
    assert set(np.unique(to_sparse(load(tmp_path / "w.csv"), [str(i) for i in range(12)]).toarray())) == {
        0,
        1,
    }


def test_format_and_content_errors(tmp_path: Path) -> None:
    w = _weights(ID_SETS["integers"], binary=True)
    with pytest.raises(WeightsError, match=r"unknown weights format 'xls'"):
        save(w, tmp_path / "w.xls")
    save(w, tmp_path / "w.txt", format="gwt")
    assert load(tmp_path / "w.txt", format="gwt").n == 12
    with pytest.raises(WeightsError, match=r"does not exist"):
        load(tmp_path / "missing.gal")
    (tmp_path / "bad.gal").write_text("3\na 1\nb\nb 1\na\n")
    with pytest.raises(WeightsError, match=r"header announces 3 regions but the file has 2"):
        load(tmp_path / "bad.gal")
    (tmp_path / "bad2.gal").write_text("2\na 1\nz\nb 1\na\n")
    with pytest.raises(WeightsError, match=r"neighbours 'z' are not among the file's regions"):
        load(tmp_path / "bad2.gal")
    (tmp_path / "bad.csv").write_text("id,a,b\na,0,1\nc,1,0\n")
    with pytest.raises(WeightsError, match=r"header and the first column must list the same region ids"):
        load(tmp_path / "bad.csv")


def test_load_with_wrong_ids_names_them(tmp_path: Path) -> None:
    save(_weights(ID_SETS["text digits"], binary=True), tmp_path / "w.gal")
    with pytest.raises(WeightsError, match=r"1 region\(s\) without weights: '12'; 1 weights id\(s\) .*'11'"):
        load(tmp_path / "w.gal", ids=[str(i) for i in range(11)] + ["12"])
