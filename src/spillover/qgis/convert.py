"""QGIS vector layers <-> (Geo)DataFrames, and layers written to GeoPackage 1.2.

A layer is read through ``getFeatures()`` (never through its file), so every provider QGIS can open works
the same way: GeoPackage and Shapefile (ogr), memory layers, delimited text, PostGIS, WFS...  Geometries
travel as WKB.  The frame's index holds the QGIS feature ids, in the order ``getFeatures()`` returns
them, so results can always be joined back to the features they came from (a shapefile's DBF row order or a
table's sort order is never assumed).

Field types map to pandas dtypes and back::

    QGIS            pandas (no NULL)   pandas (with NULL)
    Int             int32              Int32
    LongLong        int64              Int64
    Double          float64            float64 (NaN)
    Bool            bool               boolean
    String          text (object;      text (None or NaN)
                    pandas 3: str)
    Date, DateTime  datetime64[ns]     datetime64[ns] (NaT)

Everything here imports QGIS inside the functions: the module itself can be imported without QGIS.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spillover import io
from spillover.errors import SpilloverError, format_items
from spillover.io import GPKG_VERSION
from spillover.qgis import _compat

__all__ = ["layer_to_frame", "frame_to_layer", "write_geopackage", "INDEX_NAME", "GPKG_VERSION"]

#: name of the index of frames read from layers (QGIS feature ids); "fid" is a field in GeoPackage layers
INDEX_NAME = "feature_id"

Progress = Callable[[int, int], bool]
"""Called as ``progress(done, total)`` while features are read or written; returning False stops."""


# ---------------------------------------------------------------------------------------------- reading
def layer_to_frame(
    layer: Any, fields: Sequence[str] | None = None, *, progress: Progress | None = None
) -> gpd.GeoDataFrame | pd.DataFrame:
    """The features of a vector layer as a GeoDataFrame (a DataFrame for a layer without geometry).

    Parameters
    ----------
    layer
        Any ``QgsVectorLayer`` (or other ``QgsFeatureSource``, such as a Processing source), whatever its
        provider.
    fields
        Attribute fields to read (default: all), in this order.  Unknown names raise an error listing the
        layer's fields.
    progress
        Optional ``progress(done, total)`` callback; reading stops (raising :class:`SpilloverError`) when it
        returns False.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        One row per feature in ``getFeatures()`` order, indexed by the feature ids (index name
        ``"feature_id"``), with the layer's CRS (its ``EPSG:`` code when it has one, otherwise its WKT).
        Curved geometries are linearised; empty geometries become None.

    Examples
    --------
    In the QGIS Python console::

        from spillover.qgis import layer_to_frame
        frame = layer_to_frame(iface.activeLayer())
    """
    all_fields = layer.fields()
    names = [f.name() for f in all_fields] if fields is None else list(fields)
    unknown = [n for n in names if all_fields.indexFromName(n) < 0]
    if unknown:
        raise SpilloverError(
            f"field(s) {format_items(unknown)} not in layer {_layer_name(layer)!r}; its fields are "
            f"{format_items([f.name() for f in all_fields])}."
        )
    kinds = [_compat.field_kind(all_fields.field(n)) for n in names]
    spatial = _has_geometry(layer)
    ids, rows, wkbs = _read_features(layer, names, spatial, progress)
    index = pd.Index(np.asarray(ids, dtype=np.int64), name=INDEX_NAME)
    data = {name: _column(kind, [r[i] for r in rows]) for i, (name, kind) in enumerate(zip(names, kinds))}
    frame = pd.DataFrame(data, index=index, columns=names)
    if not spatial:
        return frame
    geometry = shapely.from_wkb(np.array(wkbs, dtype=object))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=index), crs=_crs_of(layer))


def _read_features(
    layer: Any, names: list[str], spatial: bool, progress: Progress | None
) -> tuple[list[int], list[list[Any]], list[bytes | None]]:
    from qgis.core import QgsFeatureRequest

    request = QgsFeatureRequest()
    request.setSubsetOfAttributes(names, layer.fields())
    if not spatial:
        request.setFlags(QgsFeatureRequest.NoGeometry)
    total = max(int(layer.featureCount()), 0)
    ids: list[int] = []
    rows: list[list[Any]] = []
    wkbs: list[bytes | None] = []
    for feature in layer.getFeatures(request):
        ids.append(int(feature.id()))
        rows.append([feature[n] for n in names])
        if spatial:
            wkbs.append(_wkb(feature.geometry()))
        if progress is not None and len(ids) % 100 == 0 and progress(len(ids), total) is False:
            raise SpilloverError(f"reading layer {_layer_name(layer)!r} was cancelled.")
    return ids, rows, wkbs


def _wkb(geometry: Any) -> bytes | None:
    """ISO WKB of a QgsGeometry, linearised if curved; None when empty or missing."""
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return None
    from qgis.core import QgsGeometry

    abstract = geometry.constGet()
    if abstract.hasCurvedSegments():
        geometry = QgsGeometry(abstract.segmentize())
    return bytes(geometry.asWkb())


def _has_geometry(layer: Any) -> bool:
    from qgis.core import QgsWkbTypes

    return QgsWkbTypes.geometryType(layer.wkbType()) not in _no_geometry_types()


def _no_geometry_types() -> tuple[Any, ...]:
    from qgis.core import QgsWkbTypes

    kinds = [getattr(QgsWkbTypes, n, None) for n in ("NullGeometry", "UnknownGeometry")]
    try:
        from qgis.core import Qgis

        kinds += [Qgis.GeometryType.Null, Qgis.GeometryType.Unknown]
    except AttributeError:  # QGIS < 3.30
        pass
    return tuple(k for k in kinds if k is not None)


def _layer_name(layer: Any) -> str:
    for attr in ("name", "sourceName"):
        fn = getattr(layer, attr, None)
        if callable(fn):
            return str(fn())
    return type(layer).__name__


def _crs_of(layer: Any) -> str | None:
    """``"EPSG:nnnn"`` when the layer's CRS has one, its WKT otherwise, None if it has no valid CRS."""
    crs = layer.sourceCrs() if hasattr(layer, "sourceCrs") else layer.crs()
    if not crs.isValid():
        return None
    authid = crs.authid()
    if authid.upper().startswith("EPSG:"):
        return authid
    return crs.toWkt(_compat.enum("crs_wkt_preferred"))


# ---------------------------------------------------------------------------------------------- values
def _is_null(value: Any) -> bool:
    """A missing attribute: None, or the NULL QVariant PyQGIS returns for it."""
    if value is None:
        return True
    is_null = getattr(value, "isNull", None)
    return bool(is_null()) if callable(is_null) and type(value).__name__ == "QVariant" else False


def _python(value: Any) -> Any:
    """A QGIS attribute value as a plain Python value (QDate/QDateTime converted; NULL -> None)."""
    if _is_null(value):
        return None
    for attr in ("toPyDateTime", "toPyDate", "toPyTime"):
        convert = getattr(value, attr, None)
        if callable(convert):
            if not value.isValid():
                return None
            return convert()
    return value


def _column(kind: str, values: list[Any]) -> pd.Series | pd.arrays.ExtensionArray | np.ndarray:
    values = [_python(v) for v in values]
    has_null = any(v is None for v in values)
    if kind in ("int", "int64"):
        dtype = {"int": "int32", "int64": "int64"}[kind]
        return pd.array(values, dtype=dtype.capitalize()) if has_null else np.asarray(values, dtype=dtype)
    if kind == "double":
        return np.asarray([np.nan if v is None else v for v in values], dtype=float)
    if kind == "bool":
        return pd.array(values, dtype="boolean") if has_null else np.asarray(values, dtype=bool)
    if kind in ("date", "datetime"):
        return pd.to_datetime(pd.Series(values, dtype=object)).to_numpy()
    return np.asarray([None if v is None else str(v) for v in values], dtype=object)


# ---------------------------------------------------------------------------------------------- writing
def frame_to_layer(frame: pd.DataFrame, name: str) -> Any:
    """A new memory layer holding a (Geo)DataFrame's rows (a table layer for a plain DataFrame).

    The columns become fields (types as in the module's table; other dtypes become text), the rows become
    features in frame order, geometries travel as WKB and the CRS is carried over.  The index is not
    written: call ``frame.reset_index()`` first to keep it as a field.

    Examples
    --------
    In the QGIS Python console::

        import spillover as so
        from spillover.qgis import frame_to_layer
        QgsProject.instance().addMapLayer(frame_to_layer(so.datasets.china_provinces(), "provinces"))
    """
    from qgis.core import QgsVectorLayer

    spatial = isinstance(frame, gpd.GeoDataFrame)
    layer = QgsVectorLayer(_memory_uri(frame if spatial else None), name, "memory")
    if not layer.isValid():
        raise SpilloverError(f"QGIS could not create a memory layer for {name!r}.")
    if spatial and frame.crs is not None:
        layer.setCrs(_qgs_crs(frame.crs))
    provider = layer.dataProvider()
    provider.addAttributes(qgs_fields(frame).toList())
    layer.updateFields()
    if not provider.addFeatures(list(iter_features(frame, layer.fields()))):
        raise SpilloverError(f"QGIS refused the features of {name!r}: {provider.lastError()}")
    layer.updateExtents()
    return layer


def _attribute_columns(frame: pd.DataFrame) -> list[str]:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [str(c) for c in frame.columns if c != geometry]


def _kind_of(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int" if np.dtype(getattr(dtype, "numpy_dtype", dtype)).itemsize <= 4 else "int64"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "string"


def qgs_fields(frame: pd.DataFrame) -> Any:
    """``QgsFields`` for the frame's attribute columns (geometry column left out)."""
    from qgis.core import QgsField, QgsFields

    fields = QgsFields()
    for column in _attribute_columns(frame):
        fields.append(QgsField(column, _compat.field_type(_kind_of(frame[column]))))
    return fields


def iter_features(frame: pd.DataFrame, fields: Any) -> Any:
    """``QgsFeature`` objects for the frame's rows, in order (attributes in ``fields`` order)."""
    from qgis.core import QgsFeature, QgsGeometry

    columns = [fields.field(i).name() for i in range(fields.count())]
    values = [[_qgs_value(v) for v in frame[c].tolist()] for c in columns]
    geoms = shapely.to_wkb(frame.geometry.values) if isinstance(frame, gpd.GeoDataFrame) else None
    for i in range(len(frame)):
        feature = QgsFeature(fields)
        feature.setAttributes([col[i] for col in values])
        if geoms is not None and geoms[i] is not None:
            geometry = QgsGeometry()
            geometry.fromWkb(geoms[i])
            feature.setGeometry(geometry)
        yield feature


def _qgs_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | dt.datetime):
        from qgis.PyQt.QtCore import QDateTime

        return QDateTime(pd.Timestamp(value).to_pydatetime())
    return value


def wkb_type(frame: gpd.GeoDataFrame | pd.DataFrame) -> Any:
    """The QGIS WKB type for a frame's geometries (multi-part if any is multi-part; NoGeometry for tables)."""
    from qgis.core import QgsWkbTypes

    if not isinstance(frame, gpd.GeoDataFrame):
        return _compat.enum("wkb_no_geometry")
    types = set(frame.geometry.dropna().geom_type)
    if not types:
        return _compat.enum("wkb_unknown")
    base = {t.removeprefix("Multi") for t in types}
    if len(base) > 1:
        raise SpilloverError(f"a layer holds one kind of geometry; the frame mixes {sorted(types)}.")
    name = ("Multi" if any(t.startswith("Multi") for t in types) else "") + base.pop()
    if frame.geometry.has_z.any():
        name += "Z"
    return QgsWkbTypes.parseType(name)


def _memory_uri(frame: gpd.GeoDataFrame | None) -> str:
    from qgis.core import QgsWkbTypes

    if frame is None:
        return "None"
    return QgsWkbTypes.displayString(wkb_type(frame))


def _qgs_crs(crs: Any) -> Any:
    from pyproj import CRS
    from qgis.core import QgsCoordinateReferenceSystem

    pcrs = CRS.from_user_input(crs)
    epsg = pcrs.to_epsg()
    if epsg is not None:
        return QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
    return QgsCoordinateReferenceSystem.fromWkt(pcrs.to_wkt())


# ---------------------------------------------------------------------------------------------- GeoPackage
def write_geopackage(
    layer: Any,
    path: str | os.PathLike[str],
    *,
    layer_name: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a vector layer (or a GeoDataFrame) to a new GeoPackage (version 1.2), atomically.

    GeoPackage 1.2 is what QGIS 3.22's GDAL 3.6 reads without the "may only be partially supported"
    warning that 1.4 files give.  A layer is read with :func:`layer_to_frame` (its feature ids are not
    written: the GeoPackage numbers its features itself) and written, like a frame, by
    :func:`spillover.io.write_boundaries`, the package's one boundary writer: the file is written beside
    ``path`` under a temporary name and renamed when complete, an existing file is only replaced with
    ``overwrite=True``, and a frame passed in is never modified.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    target = Path(path)
    if target.suffix.lower() != ".gpkg":
        raise SpilloverError(f"{target.name!r}: a GeoPackage's name ends in .gpkg.")
    if isinstance(layer, pd.DataFrame):
        frame = layer
        name = layer_name or target.stem
    else:
        frame = layer_to_frame(layer).reset_index(drop=True)
        name = layer_name or _layer_name(layer) or target.stem
    return io.write_boundaries(frame, target, layer=name, overwrite=overwrite)
