"""Regenerate the pre-built weights files in this folder (see README.md).

Usage::

    python weights/build_weights.py             # refuses to replace existing files
    python weights/build_weights.py --overwrite

Everything is built with spillover itself from ``spillover.datasets.china_provinces()`` (shapes/ and the
region registry), so the files are exactly what ``spillover.weights`` returns for the same arguments:

* queen contiguity, binary, Hainan attached to its nearest province across the water (Guangdong) by
  ``contiguity(..., islands="nearest", coords="boundary", k=1)``;
* inverse great-circle distance between provincial capitals (km), power 1 and power 2, not standardised.

GAL/GWT files separate fields by whitespace, so they use the GB/T 2260 province codes ("11" = Beijing...)
as ids; the CSV files use the canonical English ids ("Beijing", "Inner Mongolia", ...).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from libpysal.graph import Graph

from spillover import datasets
from spillover import weights as sw

HERE = Path(__file__).resolve().parent


def build() -> dict[str, Graph]:
    """The pre-built weights, keyed by file stem, with canonical province ids in registry order."""
    prov = datasets.china_provinces()
    return {
        "china_provinces_queen": sw.contiguity(
            prov, "queen", islands="nearest", transform="none", id="province"
        ),
        "china_provinces_invdist1": sw.distance(
            prov, power=1, coords="capital", transform="none", id="province"
        ),
        "china_provinces_invdist2": sw.distance(
            prov, power=2, coords="capital", transform="none", id="province"
        ),
    }


def by_code(w: Graph) -> Graph:
    """The same weights relabelled with GB/T 2260 codes (for GAL/GWT, whose ids cannot hold spaces)."""
    prov = datasets.china_provinces().set_index("province")
    ids = w.unique_ids
    codes = prov.loc[ids, "code"].astype(str)
    return sw._graph_from_sparse(sw.to_sparse(w, ids), type(ids)(codes.tolist()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    for stem, w in build().items():
        text_format = "gal" if stem.endswith("queen") else "gwt"
        sw.save(w, HERE / f"{stem}.csv", overwrite=args.overwrite)
        sw.save(by_code(w), HERE / f"{stem}.{text_format}", overwrite=args.overwrite)
        print(f"{stem}: {sw.describe(w).n_links} links -> .csv, .{text_format}")


if __name__ == "__main__":
    main()
