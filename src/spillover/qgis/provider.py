"""spillover's QGIS Processing provider (id ``spillover``): the algorithms of
:mod:`spillover.qgis.algorithms` as ``QgsProcessingAlgorithm`` classes.

``register()`` adds the provider to QGIS's Processing registry (the plugin written by ``spillover
qgis-plugin`` calls it); afterwards ``processing.run("spillover:moran", {...})`` works in the console, in
models and in scripts.  Algorithms read their inputs through ``QgsProcessingFeatureSource`` (any vector
layer, selected features only when asked), report progress and honour cancel through the
``QgsProcessingFeedback``, pass spillover's warnings to it and never print.

The QGIS classes are defined inside :func:`_classes` so that this module imports without QGIS.
"""

from __future__ import annotations

import warnings
from functools import cache
from types import SimpleNamespace
from typing import Any

from spillover import __version__
from spillover.errors import SpilloverError
from spillover.qgis import _compat
from spillover.qgis.algorithms import ALGORITHMS, Algorithm, Cancelled, Param

__all__ = ["register", "unregister", "PROVIDER_ID"]

PROVIDER_ID = "spillover"
_REGISTERED: list[Any] = []  # keeps the Python side of the provider alive while QGIS holds it


def register() -> Any:
    """Add spillover's provider to QGIS's Processing registry (once) and return it.

    Needs a running ``QgsApplication`` (inside QGIS, or after ``initQgis()`` in a script).
    """
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById(PROVIDER_ID)
    if existing is not None:
        return existing
    provider = _classes().Provider()
    if not registry.addProvider(provider):
        raise SpilloverError("QGIS refused to register spillover's Processing provider.")
    _REGISTERED.append(provider)
    return provider


def unregister() -> None:
    """Remove spillover's provider from the Processing registry (nothing happens if it is not there)."""
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    if registry.providerById(PROVIDER_ID) is not None:
        registry.removeProvider(PROVIDER_ID)
    _REGISTERED.clear()


# ---------------------------------------------------------------------------------------------- parameters
def _parameter(param: Param) -> Any:
    """The ``QgsProcessingParameter*`` for a :class:`Param`."""
    import qgis.core as q

    kind = param.kind
    if kind in ("source", "table"):
        types = [_compat.enum("source_any_geometry" if kind == "source" else "source_any")]
        return q.QgsProcessingParameterFeatureSource(param.name, param.label, types, optional=param.optional)
    if kind in ("field", "fields"):
        return q.QgsProcessingParameterField(
            param.name,
            param.label,
            None,
            param.parent,
            _compat.enum("field_numeric" if param.numeric else "field_any"),
            allowMultiple=kind == "fields",
            optional=param.optional,
        )
    if kind == "enum":
        return q.QgsProcessingParameterEnum(
            param.name, param.label, list(param.options), False, param.default
        )
    if kind in ("int", "float"):
        number = q.QgsProcessingParameterNumber(
            param.name,
            param.label,
            _compat.enum("number_integer" if kind == "int" else "number_double"),
            param.default,
            param.optional,
        )
        if param.minimum is not None:
            number.setMinimum(param.minimum)
        return number
    if kind == "string":
        return q.QgsProcessingParameterString(param.name, param.label, param.default, optional=param.optional)
    types = _compat.enum("source_any_geometry" if kind == "sink" else "source_any")
    return q.QgsProcessingParameterFeatureSink(param.name, param.label, types)


def _value(alg: Any, param: Param, parameters: dict, context: Any, reader: Any) -> Any:
    """A parameter's value for the ``run`` functions (sources read into frames)."""
    kind = param.kind
    if kind in ("source", "table"):
        source = alg.parameterAsSource(parameters, param.name, context)
        return None if source is None else reader(source, param.name)
    if kind in ("field", "fields"):
        names = list(alg.parameterAsFields(parameters, param.name, context))
        return names if kind == "fields" else (names[0] if names else None)
    if kind == "enum":
        return param.options[alg.parameterAsEnum(parameters, param.name, context)]
    if kind == "int":
        return alg.parameterAsInt(parameters, param.name, context)
    if kind == "float":
        return alg.parameterAsDouble(parameters, param.name, context)
    if kind == "string":
        return alg.parameterAsString(parameters, param.name, context) or None
    return None


# ---------------------------------------------------------------------------------------------- running
class _Feedback:
    """:class:`spillover.qgis.algorithms.Feedback` on a ``QgsProcessingFeedback``."""

    def __init__(self, feedback: Any) -> None:
        self._feedback = feedback

    def progress(self, percent: float) -> None:
        if self._feedback is not None:
            self._feedback.setProgress(percent)

    def cancelled(self) -> bool:
        return self._feedback is not None and self._feedback.isCanceled()

    def info(self, message: str) -> None:
        if self._feedback is not None:
            self._feedback.pushInfo(message)

    def warning(self, message: str) -> None:
        if self._feedback is not None:
            getattr(self._feedback, "pushWarning", self._feedback.pushInfo)(message)


def _read_sources(alg: Any, spec: Algorithm, parameters: dict, context: Any, fb: _Feedback) -> dict[str, Any]:
    """Every parameter's value; sources are read with progress 0-40% and stop on cancel."""
    from spillover.qgis.convert import layer_to_frame

    def reader(source: Any, name: str) -> Any:
        def progress(done: int, total: int) -> bool:
            fb.progress(40 * done / max(total, 1))
            return not fb.cancelled()

        fb.info(f"Reading {name}: {source.featureCount()} features")
        try:
            return layer_to_frame(source, progress=progress)
        except SpilloverError:
            if fb.cancelled():
                raise Cancelled from None
            raise

    return {p.name: _value(alg, p, parameters, context, reader) for p in spec.params}


def _write_sink(alg: Any, name: str, frame: Any, parameters: dict, context: Any, fb: _Feedback) -> str:
    """Write a frame into the output sink ``name``; returns the sink's destination id."""
    from qgis.core import QgsCoordinateReferenceSystem

    from spillover.qgis.convert import _qgs_crs, iter_features, qgs_fields, wkb_type

    fields = qgs_fields(frame)
    crs = getattr(frame, "crs", None)
    sink, dest = alg.parameterAsSink(
        parameters,
        name,
        context,
        fields,
        wkb_type(frame),
        _qgs_crs(crs) if crs is not None else QgsCoordinateReferenceSystem(),
    )
    if sink is None:
        from qgis.core import QgsProcessingException

        raise QgsProcessingException(alg.invalidSinkError(parameters, name))
    total = max(len(frame), 1)
    for i, feature in enumerate(iter_features(frame, fields)):
        if fb.cancelled():
            raise Cancelled
        sink.addFeature(feature, _compat.enum("fast_insert"))
        fb.progress(90 + 10 * (i + 1) / total)
    return dest


def _process(alg: Any, spec: Algorithm, parameters: dict, context: Any, feedback: Any) -> dict[str, Any]:
    """``processAlgorithm``: read, run, write; spillover's errors become ``QgsProcessingException``."""
    from qgis.core import QgsProcessingException

    fb = _Feedback(feedback)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values = _read_sources(alg, spec, parameters, context, fb)
            outputs = spec.run(values, fb)
        for w in caught:
            if not issubclass(w.category, DeprecationWarning):
                fb.warning(f"{w.category.__name__}: {w.message}")
        results = {}
        for param in spec.params:
            if param.kind in ("sink", "table_sink"):
                results[param.name] = _write_sink(
                    alg, param.name, outputs.pop(param.name), parameters, context, fb
                )
        return {**results, **outputs}
    except Cancelled:
        fb.info("Cancelled.")
        return {}
    except SpilloverError as exc:
        raise QgsProcessingException(str(exc)) from exc


# ---------------------------------------------------------------------------------------------- QGIS classes
@cache
def _classes() -> SimpleNamespace:
    """The provider and algorithm classes (built on first use, when QGIS is importable)."""
    from qgis.core import QgsProcessingAlgorithm, QgsProcessingProvider

    class SpilloverAlgorithm(QgsProcessingAlgorithm):
        """One spillover algorithm, driven by its :class:`~spillover.qgis.algorithms.Algorithm` spec."""

        def __init__(self, spec: Algorithm) -> None:
            super().__init__()
            self._spec = spec

        def name(self) -> str:
            return self._spec.name

        def displayName(self) -> str:
            return self._spec.display_name

        def group(self) -> str:
            return "Spatial econometrics"

        def groupId(self) -> str:
            return "spatial_econometrics"

        def shortHelpString(self) -> str:
            return self._spec.help

        def createInstance(self) -> SpilloverAlgorithm:
            return SpilloverAlgorithm(self._spec)

        def initAlgorithm(self, config: Any = None) -> None:
            for param in self._spec.params:
                self.addParameter(_parameter(param))

        def processAlgorithm(self, parameters: dict, context: Any, feedback: Any) -> dict:
            return _process(self, self._spec, parameters, context, feedback)

    class SpilloverProvider(QgsProcessingProvider):
        """The ``spillover`` provider."""

        def id(self) -> str:
            return PROVIDER_ID

        def name(self) -> str:
            return "spillover"

        def longName(self) -> str:
            return f"spillover {__version__} (regional spatial econometrics)"

        def versionInfo(self) -> str:
            return __version__

        def loadAlgorithms(self) -> None:
            for spec in ALGORITHMS:
                self.addAlgorithm(SpilloverAlgorithm(spec))

    return SimpleNamespace(Algorithm=SpilloverAlgorithm, Provider=SpilloverProvider)
