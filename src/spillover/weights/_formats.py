"""Reading and writing spatial weights files (behind :func:`spillover.weights.save` / ``load``).

Layouts
-------
``.gal`` (GeoDa, neighbours only)
    Header ``0 n spillover id``; then per region a line ``id k`` and a line with its ``k`` neighbour ids.
    Only binary weights can be stored (save ``w.transform("B")`` or use ``.gwt``/``.csv`` to keep weights).
``.gwt`` (GeoDa, weighted links)
    Header ``0 n spillover id``; then one line ``focal neighbour weight`` per link, weights written with 17
    significant digits; a region without neighbours is written as ``id id 0`` (libpysal's convention).
``.csv``
    Dense matrix, first column and header = region ids (rows are focal regions); UTF-8 with a byte-order
    mark, and ids that a spreadsheet would run as formulas (``=...``, ``+...``, ``@...``) are written with a
    leading ``'``, which :func:`load` removes (:func:`spillover.io.write_csv`).
``.dta`` (Stata)
    Column ``_id`` holds the region ids; then one variable per region (the column j of W) named after the
    region id made a valid Stata name (letters, digits, ``_``; at most 32 characters; ``w1..wN`` if that
    is not unique), with the original id as the variable label.
``.mat`` (MATLAB, ``scipy.io.savemat``)
    ``W`` (dense matrix up to 2,000 regions, sparse above), ``ids`` (numeric vector or cell array of
    strings) and ``transformation``.
``.parquet`` (Apache Parquet, libpysal's layout)
    An edge list, one row per link: columns ``focal``, ``neighbor`` (the ids, with their type: integers
    stay integers) and ``weight`` (float64, exact), rows in the regions' order; a region without
    neighbours is a row ``id id 0`` (libpysal's isolate); the transformation is kept in the file's
    metadata.  Written by :meth:`libpysal.graph.Graph.to_parquet`, so
    :func:`libpysal.graph.read_parquet` reads it too (and :func:`load` reads libpysal's files).
    Sparse: a million regions with eight neighbours each take 115 MB (a dense ``.csv`` would take
    terabytes).  Needs ``pyarrow``.

libpysal has GAL/GWT writers, but they round weights to 7 decimals, silently replace spaces in ids and read
GAL ids back as integers; we need loss-less weights, explicit errors and ids that stay text, so the text
formats are written here.  Whitespace cannot be part of an id in GAL/GWT: such ids raise a WeightsError.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.io
import scipy.sparse as sp
from libpysal.graph import Graph, read_parquet

from spillover.errors import WeightsError, format_items
from spillover.io import atomic_path, restore_csv_text, write_csv
from spillover.weights._graph import _graph_from_positions, _graph_from_sparse, _sparse_unchecked

FORMATS = ("gal", "gwt", "csv", "dta", "mat", "parquet")
_DENSE_MAT_LIMIT = 2000


def save(graph: Graph, path: Any, *, format: str | None = None, overwrite: bool = False) -> None:
    """Write ``graph`` to ``path`` in ``format`` (see the module docstring)."""
    target = Path(path)
    fmt = _format(target, format)
    ids = graph.unique_ids
    mat = _sparse_unchecked(graph, ids)
    with atomic_path(target, overwrite=overwrite) as tmp:
        _WRITERS[fmt](mat, ids, tmp, graph)


def load(path: Any, *, format: str | None = None) -> Graph:
    """Read a weights file into a Graph in the file's order of regions."""
    source = Path(path)
    fmt = _format(source, format)
    if not source.is_file():
        raise WeightsError(f"weights file {source} does not exist.")
    return _READERS[fmt](source)


def _format(path: Path, format: str | None) -> str:
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise WeightsError(
            f"unknown weights format {fmt!r} for {path.name}; use a suffix or format= among {format_items(FORMATS)}."
        )
    return fmt


# ---------------------------------------------------------------------------------------------- GAL / GWT
def _text_ids(ids: pd.Index, fmt: str) -> list[str]:
    text = [str(i) for i in ids]
    bad = [t for t in text if not t or re.search(r"\s", t)]
    if bad:
        raise WeightsError(
            f"{fmt.upper()} files separate fields by whitespace, so ids {format_items(bad)} cannot be written; "
            "use ids without spaces (e.g. codes) or save as .csv, .dta or .mat."
        )
    if len(set(text)) != len(text):
        raise WeightsError(
            f"ids {format_items(text)} are not unique as text; {fmt.upper()} stores ids as text."
        )
    return text


def _write_gal(mat: sp.csr_matrix, ids: pd.Index, tmp: Path, graph: Graph) -> None:
    text = _text_ids(ids, "gal")
    if mat.nnz and not np.all(mat.data == 1.0):
        raise WeightsError(
            "GAL files store neighbours only, and these weights are not binary (e.g. row-standardised or "
            "distance-based). Save w.transform('B') to keep the neighbours, or use .gwt/.csv to keep weights."
        )
    lines = [f"0 {len(text)} spillover id"]
    for i, name in enumerate(text):
        nbrs = mat.indices[mat.indptr[i] : mat.indptr[i + 1]]
        lines += [f"{name} {len(nbrs)}", " ".join(text[j] for j in nbrs)]
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_gwt(mat: sp.csr_matrix, ids: pd.Index, tmp: Path, graph: Graph) -> None:
    text = _text_ids(ids, "gwt")
    lines = [f"0 {len(text)} spillover id"]
    for i, name in enumerate(text):
        start, end = mat.indptr[i], mat.indptr[i + 1]
        if start == end:
            lines.append(f"{name} {name} 0")
        lines += [
            f"{name} {text[j]} {v:.17g}"
            for j, v in zip(mat.indices[start:end], mat.data[start:end], strict=True)
        ]
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _header_n(first: str, path: Path) -> int:
    tokens = first.split()
    try:
        return int(tokens[1] if len(tokens) > 1 else tokens[0])
    except (IndexError, ValueError):
        raise WeightsError(
            f"{path.name}: the first line {first!r} is not a GAL/GWT header ('0 n ...' or 'n')."
        ) from None


def _read_gal(path: Path) -> Graph:
    lines = path.read_text(encoding="utf-8").splitlines()
    n = _header_n(lines[0] if lines else "", path)
    ids: list[str] = []
    neighbours: list[list[str]] = []
    pos = 1
    for _ in range(n):
        if pos >= len(lines):
            raise WeightsError(f"{path.name}: the header announces {n} regions but the file has {len(ids)}.")
        head = lines[pos].split()
        nbrs = lines[pos + 1].split() if pos + 1 < len(lines) else []
        if len(head) != 2 or not head[1].isdigit() or int(head[1]) != len(nbrs):
            raise WeightsError(f"{path.name}, line {pos + 1}: expected 'id k' followed by k neighbour ids.")
        ids.append(head[0])
        neighbours.append(nbrs)
        pos += 2
    index = _unique_index(ids, path)
    rows = np.repeat(np.arange(n), [len(nb) for nb in neighbours])
    cols = _positions(index, [j for nb in neighbours for j in nb], path)
    return _graph_from_positions(rows, cols, np.ones(len(rows)), index)


def _read_gwt(path: Path) -> Graph:
    lines = [ln.split() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    n = _header_n(" ".join(lines[0]) if lines else "", path)
    body = lines[1:]
    bad = [k + 2 for k, ln in enumerate(body) if len(ln) != 3]
    if bad:
        raise WeightsError(f"{path.name}: lines {format_items(bad)} are not 'focal neighbour weight'.")
    focal = [ln[0] for ln in body]
    nbr = [ln[1] for ln in body]
    index = pd.Index(list(dict.fromkeys(focal + nbr)))
    if len(index) != n:
        raise WeightsError(f"{path.name}: the header announces {n} regions but the links name {len(index)}.")
    weights = np.array([float(ln[2]) for ln in body])
    rows, cols = index.get_indexer(focal), index.get_indexer(nbr)
    keep = ~((rows == cols) & (weights == 0))  # 'id id 0' marks a region without neighbours
    return _graph_from_positions(rows[keep], cols[keep], weights[keep], index)


def _unique_index(ids: list[Any], path: Path) -> pd.Index:
    index = pd.Index(ids)
    dup = index[index.duplicated()].unique()
    if len(dup):
        raise WeightsError(f"{path.name}: region ids appear more than once: {format_items(dup.tolist())}.")
    return index


def _positions(index: pd.Index, labels: list[Any], path: Path) -> np.ndarray:
    pos = index.get_indexer(labels)
    if (pos < 0).any():
        unknown = sorted({str(lab) for lab, p in zip(labels, pos, strict=True) if p < 0})
        raise WeightsError(
            f"{path.name}: neighbours {format_items(unknown)} are not among the file's regions."
        )
    return pos


# ---------------------------------------------------------------------------------------------- CSV
def _write_csv(mat: sp.csr_matrix, ids: pd.Index, tmp: Path, graph: Graph) -> None:
    text = [str(i) for i in ids]
    frame = pd.DataFrame(mat.toarray(), index=pd.Index(text, name="id"), columns=text)
    write_csv(frame, tmp, float_format="%.17g")


def _read_csv(path: Path) -> Graph:
    frame = pd.read_csv(path, index_col=0, dtype={0: str}, keep_default_na=False, encoding="utf-8-sig")
    frame.index = frame.index.astype(str)
    frame = restore_csv_text(frame)
    if list(frame.index) != list(frame.columns):
        raise WeightsError(
            f"{path.name}: the header and the first column must list the same region ids in the same order; "
            f"first differences: header {format_items(list(frame.columns)[:3])}, rows {format_items(list(frame.index)[:3])}."
        )
    values = frame.apply(pd.to_numeric, errors="coerce")
    if values.isna().any().any():
        bad = values.index[values.isna().any(axis=1)].tolist()
        raise WeightsError(f"{path.name}: non-numeric or empty weights in the rows of {format_items(bad)}.")
    return _graph_from_sparse(
        sp.csr_matrix(values.to_numpy(dtype=float)), _unique_index(list(frame.index), path)
    )


# ---------------------------------------------------------------------------------------------- Stata
def _stata_names(ids: pd.Index) -> list[str]:
    """Valid, unique Stata variable names for the regions (fallback ``w1..wN``)."""
    names = []
    for i in ids:
        name = re.sub(r"[^A-Za-z0-9_]", "_", str(i))
        if not name or name[0].isdigit():
            name = "_" + name
        names.append(name[:32])
    if len(set(names)) != len(names) or "_id" in names:
        names = [f"w{k + 1}" for k in range(len(ids))]
    return names


def _write_dta(mat: sp.csr_matrix, ids: pd.Index, tmp: Path, graph: Graph) -> None:
    names = _stata_names(ids)
    numeric = pd.api.types.is_integer_dtype(ids.dtype)
    frame = pd.DataFrame(mat.toarray(), columns=names)
    frame.insert(0, "_id", ids.to_numpy() if numeric else [str(i) for i in ids])
    labels = {name: str(i)[:80] for name, i in zip(names, ids, strict=True)}
    labels["_id"] = "region id"
    frame.to_stata(
        tmp, write_index=False, variable_labels=labels, data_label="spatial weights (spillover)", version=118
    )


def _read_dta(path: Path) -> Graph:
    frame = pd.read_stata(path)
    if "_id" not in frame.columns or frame.shape[1] != len(frame) + 1:
        raise WeightsError(
            f"{path.name}: expected a column '_id' of region ids followed by one weights column per region "
            f"(got {frame.shape[0]} rows and {frame.shape[1]} columns)."
        )
    raw = frame["_id"]
    ids = raw.astype(np.int64) if pd.api.types.is_numeric_dtype(raw) else raw.astype(str)
    values = frame.drop(columns="_id").to_numpy(dtype=float)
    return _graph_from_sparse(sp.csr_matrix(values), _unique_index(ids.tolist(), path))


# ---------------------------------------------------------------------------------------------- MATLAB
def _write_mat(mat: sp.csr_matrix, ids: pd.Index, tmp: Path, graph: Graph) -> None:
    numeric = pd.api.types.is_integer_dtype(ids.dtype)
    id_array = ids.to_numpy(dtype=np.int64) if numeric else np.array([str(i) for i in ids], dtype=object)
    matrix = mat.toarray() if mat.shape[0] <= _DENSE_MAT_LIMIT else mat.tocsc()
    with open(tmp, "wb") as fh:
        scipy.io.savemat(fh, {"W": matrix, "ids": id_array, "transformation": str(graph.transformation)})


def _read_mat(path: Path) -> Graph:
    content = scipy.io.loadmat(path, squeeze_me=True)
    if "W" not in content or "ids" not in content:
        raise WeightsError(
            f"{path.name}: expected variables 'W' (the matrix) and 'ids'; found {format_items(sorted(k for k in content if not k.startswith('__')))}."
        )
    raw = np.atleast_1d(content["ids"])
    ids = [int(i) for i in raw] if np.issubdtype(raw.dtype, np.number) else [str(i) for i in raw]
    matrix = content["W"]
    matrix = (
        sp.csr_matrix(matrix)
        if sp.issparse(matrix)
        else sp.csr_matrix(np.atleast_2d(np.asarray(matrix, dtype=float)))
    )
    if matrix.shape != (len(ids), len(ids)):
        raise WeightsError(
            f"{path.name}: W is {matrix.shape[0]}x{matrix.shape[1]} but there are {len(ids)} ids."
        )
    transformation = str(content.get("transformation", "O")) or "O"
    return _graph_from_sparse(
        matrix,
        _unique_index(ids, path),
        transformation if transformation in {"O", "R", "B", "D", "V", "C"} else "O",
    )


# ---------------------------------------------------------------------------------------------- Parquet
_PARQUET_COLUMNS = ("focal", "neighbor", "weight")


def _write_parquet(mat: sp.csr_matrix, ids: pd.Index, tmp: Path, graph: Graph) -> None:
    # libpysal's writer (its layout and metadata), given the graph in its canonical order
    canonical = _graph_from_sparse(mat, ids, str(graph.transformation))
    try:
        canonical.to_parquet(tmp)
    except (TypeError, ValueError, ImportError) as exc:  # pyarrow.ArrowException derives from these
        raise WeightsError(
            f"cannot write the weights to Parquet ({type(exc).__name__}: {exc}); ids must be numbers or "
            "text (save as .gwt or .csv otherwise)."
        ) from None


def _read_parquet(path: Path) -> Graph:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise WeightsError(f"{path.name} is not a readable Parquet file: {exc}") from None
    missing = [c for c in _PARQUET_COLUMNS if c not in schema.names]
    if missing:
        raise WeightsError(
            f"{path.name}: a weights Parquet file is an edge list with columns "
            f"{format_items(_PARQUET_COLUMNS)}; missing {format_items(missing)} (it has "
            f"{format_items(schema.names)})."
        )
    if not (
        pa.types.is_floating(schema.field("weight").type) or pa.types.is_integer(schema.field("weight").type)
    ):
        raise WeightsError(
            f"{path.name}: column 'weight' must hold numbers; it is {schema.field('weight').type}."
        )
    if b"libpysal" in (schema.metadata or {}):  # written by libpysal (or save): its reader, its metadata
        try:
            graph = read_parquet(path)
        except (pa.ArrowException, OSError, KeyError, ValueError, TypeError) as exc:
            raise WeightsError(f"{path.name}: not a weights edge list libpysal can read ({exc}).") from None
        adj = graph.adjacency
        focal, neighbor = adj.index.get_level_values(0), adj.index.get_level_values(1)
        return _checked_edges(focal, neighbor, adj.to_numpy(dtype=float), str(graph.transformation), path)
    # a plain edge list (DuckDB, R's arrow, pandas without the index): the three columns
    frame = pq.read_table(path, columns=list(_PARQUET_COLUMNS)).to_pandas()
    return _checked_edges(
        pd.Index(frame["focal"]),
        pd.Index(frame["neighbor"]),
        frame["weight"].to_numpy(dtype=float),
        "O",
        path,
    )


def _checked_edges(
    focal: pd.Index, neighbor: pd.Index, weights: np.ndarray, transformation: str, path: Path
) -> Graph:
    """The Graph of an edge list, checked and in its canonical order (regions as first listed as focal)."""
    if focal.hasnans or neighbor.hasnans:
        raise WeightsError(f"{path.name}: missing region ids in columns 'focal'/'neighbor'.")
    bad = ~np.isfinite(weights)
    if bad.any():
        where = [f"({f!r}, {n!r})" for f, n in zip(focal[bad][:10], neighbor[bad][:10], strict=True)]
        raise WeightsError(f"{path.name}: missing or infinite weights for the links {', '.join(where)}.")
    ids = pd.Index(pd.unique(focal))
    unknown = neighbor.difference(ids, sort=False)
    if len(unknown):
        raise WeightsError(
            f"{path.name}: neighbours {format_items(unknown.tolist())} are not listed as focal regions; every "
            "region needs a row (a region without neighbours is written as 'id id 0')."
        )
    rows, cols = ids.get_indexer(focal), ids.get_indexer(neighbor)
    dup = pd.Index(rows.astype(np.int64) * len(ids) + cols).duplicated()
    if dup.any():
        pairs = [f"({f!r}, {n!r})" for f, n in zip(focal[dup][:10], neighbor[dup][:10], strict=True)]
        raise WeightsError(f"{path.name}: links listed more than once: {', '.join(pairs)}.")
    keep = ~((rows == cols) & (weights == 0))  # isolate markers are rebuilt
    return _graph_from_positions(rows[keep], cols[keep], weights[keep], ids, transformation)


_WRITERS = {
    "gal": _write_gal,
    "gwt": _write_gwt,
    "csv": _write_csv,
    "dta": _write_dta,
    "mat": _write_mat,
    "parquet": _write_parquet,
}
_READERS = {
    "gal": _read_gal,
    "gwt": _read_gwt,
    "csv": _read_csv,
    "dta": _read_dta,
    "mat": _read_mat,
    "parquet": _read_parquet,
}
