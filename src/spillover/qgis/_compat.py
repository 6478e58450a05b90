"""QGIS names that moved between releases, looked up in one place.

spillover targets QGIS 3.22 (Debian bookworm's ``python3-qgis``).  QGIS 3.36-3.40 moved many enums into
``Qgis`` (``Qgis.ProcessingSourceType.VectorAnyGeometry`` for ``QgsProcessing.TypeVectorAnyGeometry``,
``Qgis.WkbType`` for ``QgsWkbTypes.Type``...), QGIS 3.38 switched field types from ``QVariant.Type`` to
``QMetaType.Type``, and QGIS 4 (Qt 6) drops the old spellings.  Every such name is resolved here, newest
spelling first, so that the rest of :mod:`spillover.qgis` never names a deprecated enum.

Nothing here imports QGIS at module import time.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = [
    "enum",
    "field_type",
    "field_kind",
    "FIELD_KINDS",
]


def _resolve(path: str) -> Any:
    """``"Qgis.ProcessingSourceType.VectorAnyGeometry"`` -> the object, looked up in ``qgis.core``."""
    import qgis.core

    obj: Any = qgis.core
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


# Each logical name lists its spellings, newest first.
_ENUMS: dict[str, tuple[str, ...]] = {
    "source_any_geometry": (
        "Qgis.ProcessingSourceType.VectorAnyGeometry",
        "QgsProcessing.TypeVectorAnyGeometry",
    ),
    "source_polygon": ("Qgis.ProcessingSourceType.VectorPolygon", "QgsProcessing.TypeVectorPolygon"),
    "source_any": ("Qgis.ProcessingSourceType.Vector", "QgsProcessing.TypeVector"),
    "number_integer": ("Qgis.ProcessingNumberParameterType.Integer", "QgsProcessingParameterNumber.Integer"),
    "number_double": ("Qgis.ProcessingNumberParameterType.Double", "QgsProcessingParameterNumber.Double"),
    "field_numeric": (
        "Qgis.ProcessingFieldParameterDataType.Numeric",
        "QgsProcessingParameterField.Numeric",
    ),
    "field_any": ("Qgis.ProcessingFieldParameterDataType.Any", "QgsProcessingParameterField.Any"),
    "fast_insert": ("QgsFeatureSink.Flag.FastInsert", "QgsFeatureSink.FastInsert"),
    "wkb_no_geometry": ("Qgis.WkbType.NoGeometry", "QgsWkbTypes.NoGeometry"),
    "wkb_unknown": ("Qgis.WkbType.Unknown", "QgsWkbTypes.Unknown"),
    "crs_wkt_preferred": ("Qgis.CrsWktVariant.Preferred", "QgsCoordinateReferenceSystem.WKT_PREFERRED"),
    "flag_no_threading": (
        "Qgis.ProcessingAlgorithmFlag.NoThreading",
        "QgsProcessingAlgorithm.FlagNoThreading",
    ),
}


@cache
def enum(name: str) -> Any:
    """The enum value behind a logical ``name`` (a key of ``_ENUMS``) in the running QGIS.

    Raises ``AttributeError`` naming every spelling tried when none exists (a QGIS this module does not
    know yet).
    """
    for path in _ENUMS[name]:
        try:
            return _resolve(path)
        except AttributeError:
            continue
    raise AttributeError(f"this QGIS has none of {_ENUMS[name]}; spillover.qgis._compat needs updating.")


#: spillover's field kinds and their Qt meta-type ids (the same numbers in QVariant.Type and QMetaType.Type).
FIELD_KINDS: dict[str, int] = {
    "bool": 1,
    "int": 2,
    "int64": 4,
    "double": 6,
    "string": 10,
    "date": 14,
    "datetime": 16,
}
_KIND_BY_ID = {**{v: k for k, v in FIELD_KINDS.items()}, 3: "int64", 5: "int64", 15: "string", 38: "double"}
# 3 UInt, 5 ULongLong, 15 QTime (kept as text), 38 Float (QMetaType::Float).


def _qt_id(value: Any) -> int:
    """The integer of a Qt enum member (PyQt5 enums are ints; PyQt6 enums carry ``.value``)."""
    return int(getattr(value, "value", value))


def field_kind(field: Any) -> str:
    """spillover's kind (``"int"``, ``"double"``, ``"string"``...) of a ``QgsField``; unknown types -> ``"string"``."""
    return _KIND_BY_ID.get(_qt_id(field.type()), "string")


def field_type(kind: str) -> Any:
    """The type to pass to ``QgsField(name, type)`` for a spillover field kind.

    ``QMetaType.Type`` where QGIS accepts it (3.38+), otherwise ``QVariant.Type`` (3.22-3.36).
    """
    from qgis.core import Qgis

    number = FIELD_KINDS[kind]
    if Qgis.QGIS_VERSION_INT >= 33800:
        from qgis.PyQt.QtCore import QMetaType

        return QMetaType.Type(number)
    from qgis.PyQt.QtCore import QVariant

    return QVariant.Type(number)
