"""Read-only models and results: the one mechanism every model and result family uses.

A model is validated once, in ``__init__``; changing an option afterwards (``model.kind = "bogus"``) would
fit something that was never checked, so :class:`ReadOnlyModel` refuses every attribute assignment and
deletion after the outermost ``__init__`` has returned.  Build a new model instead.

A result's numbers must not change behind its back, so :class:`ReadOnly` hands out defensive copies of the
mutable objects it holds: pandas objects are copied (cheap under pandas' copy-on-write), numpy arrays come
back as read-only views (``writeable=False``, no copy, so large arrays cost nothing), and lists, dicts and
tuples are rebuilt around guarded items.  Private attributes (``_name``) are returned as they are, for the
package's own code.  Result classes are frozen dataclasses that also inherit :class:`ReadOnly`, so neither
their fields nor what the fields hold can be changed.

Notebooks show a result through its ``summary()``: :meth:`ReadOnly._repr_html_` renders the
:class:`~spillover.summary.Summary` it returns (the one HTML rendering, :meth:`Summary.as_html`), so every
result with a ``summary()`` displays as a table without a method of its own.

>>> import numpy as np, pandas as pd
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Result(ReadOnly):
...     params: pd.Series
...     draws: np.ndarray
>>> res = Result(pd.Series([1.0, 2.0], index=["a", "b"]), np.zeros(3))
>>> params = res.params
>>> params["a"] = 99.0
>>> float(res.params["a"])
1.0
>>> res.draws.flags.writeable
False
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

from spillover.errors import ReadOnlyError

__all__ = ["ReadOnly", "ReadOnlyModel", "guard"]


def guard(value: Any) -> Any:
    """A copy of ``value`` that cannot change the object it came from.

    pandas Series/DataFrames are copied, numpy arrays become read-only views, lists, tuples and dicts are
    rebuilt with guarded items; anything else (numbers, strings, immutable objects) is returned as is.
    """
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return value.copy()
    if isinstance(value, np.ndarray):
        if not value.flags.writeable:
            return value
        view = value.view()
        view.flags.writeable = False
        return view
    if isinstance(value, list):
        return [guard(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(guard(v) for v in value)
    if isinstance(value, dict):
        return {k: guard(v) for k, v in value.items()}
    return value


_MUTABLE = (pd.Series, pd.DataFrame, np.ndarray, list, tuple, dict)


class ReadOnly:
    """Mixin: public attributes holding pandas objects, arrays or containers are handed out guarded."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name[:1] == "_" or not isinstance(value, _MUTABLE):
            return value
        return guard(value)

    def _repr_html_(self) -> str | None:
        """The HTML of ``self.summary()`` (what Jupyter shows); None, so the plain repr is shown, for an
        object without a ``summary()`` (a model before it is fitted)."""
        summary = getattr(self, "summary", None)
        return summary()._repr_html_() if callable(summary) else None


class ReadOnlyModel(ReadOnly):
    """Mixin for model classes: attributes are set in ``__init__`` (after validation) and never again."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def sealed_init(self: Any, *args: Any, **kw: Any) -> None:
            depth = self.__dict__.get("_init_depth", 0)
            object.__setattr__(self, "_init_depth", depth + 1)
            try:
                init(self, *args, **kw)
            finally:
                object.__setattr__(self, "_init_depth", depth)

        cls.__init__ = sealed_init  # type: ignore[method-assign]  # sealing the class's own __init__

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_init_depth", 0) == 0:
            raise ReadOnlyError(self._read_only_message(name))
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise ReadOnlyError(self._read_only_message(name))

    def _read_only_message(self, name: str) -> str:
        cls = type(self).__name__
        return (
            f"a {cls} is read-only once built (its options were validated in {cls}(...)): '{name}' "
            f"cannot be changed. Build a new model with the option you want, e.g. {cls}(..., "
            f"{name}=...)."
        )
