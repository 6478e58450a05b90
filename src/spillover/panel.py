"""SpatialPanel: a validated long panel (region x period) joined to region geometry.

The panel is checked once, here, at the boundary; everything downstream (weights, ESDA, models) trusts it.
Regions keep the order of the geometry; periods are sorted.  The caller's frames are never mutated.

Layout conventions used across spillover:

* ``panel.data`` is indexed by ``(id, period)``, region-major (all periods of region 1, then region 2...).
* ``panel.matrix(var)`` is an ``N x T`` frame (regions x periods).
* ``panel.stacked(var)`` is a length ``N*T`` vector, period-major (all regions in period 1, then period 2...),
  the layout spreg and Elhorst's code use for spatial panels.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spillover.errors import (
    GeometryWarning,
    InterpolationWarning,
    PanelError,
    SpilloverError,
    UnbalancedPanelError,
    format_items,
)
from spillover.io import checked_geometry
from spillover.options import warn

__all__ = ["SpatialPanel", "check_finite"]


class SpatialPanel:
    """A long panel of regional indicators with the regions' boundaries.

    Parameters
    ----------
    data
        Long frame with one row per (region, period) and the columns ``id`` and ``time``.
    geometry
        GeoDataFrame of the regions.  Its ids are taken from the column ``geometry_id`` (default: the
        column named ``id`` if present, otherwise the index).
    id, time
        Names of the region and period columns in ``data``.
    geometry_id
        Column of ``geometry`` holding the region ids, if it differs from ``id``.
    variables
        Columns that must be numeric; they are checked now (default: every column other than id and time
        that is numeric is kept, non-numeric ones are kept as they are and checked when asked for).
    make_valid
        Repair invalid region polygons (e.g. self-intersecting rings) with GEOS ``make_valid``; by default
        they are kept and a :class:`~spillover.errors.GeometryWarning` names them.
    interpolate
        If True, missing (region, period) cells and missing values of numeric variables that lie between two
        observed periods of the same region are filled by linear interpolation in the period; what was
        filled is reported in :attr:`filled` and by an :class:`InterpolationWarning`.  Gaps at the start or
        end of a region's series are never filled.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> geo = gpd.GeoDataFrame({"region": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> df = pd.DataFrame({"region": ["a", "a", "b", "b"], "year": [1, 2, 1, 2], "y": [1.0, 2, 3, 4]})
    >>> p = SpatialPanel(df, geo, id="region", time="year")
    >>> p.matrix("y").to_numpy().tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    >>> p.stacked("y").tolist()
    [1.0, 3.0, 2.0, 4.0]
    """

    def __init__(
        self,
        data: pd.DataFrame,
        geometry: gpd.GeoDataFrame,
        *,
        id: str,
        time: str,
        geometry_id: str | None = None,
        variables: Sequence[str] | None = None,
        interpolate: bool = False,
        make_valid: bool = False,
    ) -> None:
        _require_frame(data, "data")
        if data.empty:
            raise PanelError(
                f"the data have no rows (columns: {format_items(data.columns)}); read the right file or sheet."
            )
        if not isinstance(geometry, gpd.GeoDataFrame):
            raise PanelError(f"geometry must be a GeoDataFrame, got {type(geometry).__name__}.")
        for col in (id, time):
            if col not in data.columns:
                raise PanelError(
                    f"column {col!r} is not in the data; its columns are {format_items(data.columns)}."
                )
        self._id = id
        self._time = time
        self._geometry_id = geometry_id if geometry_id is not None else id
        geo = _geometry_by_id(geometry, self._geometry_id, make_valid)
        frame = data.copy()
        _check_no_missing_keys(frame, id, time)
        _check_duplicates(frame, id, time)
        _check_same_ids(frame[id], geo.index, id)
        periods = pd.Index(sorted(frame[time].unique()), name=time)
        full = pd.MultiIndex.from_product([geo.index, periods], names=[id, time])
        frame = frame.set_index([id, time]).reindex(full)
        missing = full.difference(pd.MultiIndex.from_frame(data[[id, time]]))
        self._filled = pd.DataFrame(columns=[id, time, "variable", "value"])
        if len(missing) and not interpolate:
            raise UnbalancedPanelError(
                f"the panel is unbalanced: {len(missing)} (region, period) cell(s) are missing: "
                f"{format_items(missing.tolist())}. Add the rows, or pass interpolate=True to fill gaps "
                "inside a region's series by linear interpolation."
            )
        if interpolate:
            frame, self._filled = _interpolate(frame, missing)
        self._data = frame  # rows: exactly ``full`` (regions in geometry order x sorted periods); see stacked
        self._geometry = geo
        self._periods = periods
        if variables is not None:
            for var in variables:
                self._numeric(var)

    # ------------------------------------------------------------------ basic properties
    @property
    def id_name(self) -> str:
        """Name of the region id column."""
        return self._id

    @property
    def time_name(self) -> str:
        """Name of the period column."""
        return self._time

    @property
    def ids(self) -> pd.Index:
        """Region ids, in the order of the geometry."""
        return self._geometry.index.copy()

    @property
    def periods(self) -> pd.Index:
        """Periods, sorted."""
        return self._periods.copy()

    @property
    def n_regions(self) -> int:
        """Number of regions, N."""
        return len(self._geometry)

    @property
    def n_periods(self) -> int:
        """Number of periods, T."""
        return len(self._periods)

    @property
    def variables(self) -> list[str]:
        """Data columns other than id and period."""
        return list(self._data.columns)

    @property
    def data(self) -> pd.DataFrame:
        """The panel indexed by (id, period), region-major (a copy)."""
        return self._data.copy()

    def select(self, columns: Iterable[str]) -> pd.DataFrame:
        """Some of the panel's columns, indexed by (id, period), without copying the whole panel.

        :attr:`data` deep-copies every column (a million rows x 20 columns is 160 MB and a tenth of a
        second); a model reading four of them takes them here.  With pandas' copy-on-write (always on from
        pandas 3) the frame shares the panel's columns until either side is written; without it the
        columns are copied.  Either way the panel cannot be changed through it.  Unknown names raise pandas' KeyError: check
        them against :attr:`variables` first.
        """
        columns = list(columns)
        if _COPY_ON_WRITE:  # the columns themselves (pandas' list selection copies them), written only lazily
            return pd.DataFrame({c: self._data[c] for c in columns}, index=self._data.index, copy=False)
        return self._data[columns]

    @property
    def geometry(self) -> gpd.GeoDataFrame:
        """The regions' GeoDataFrame indexed by id, in :attr:`ids` order (a copy)."""
        return self._geometry.copy()

    @property
    def filled(self) -> pd.DataFrame:
        """Cells filled by interpolation: id, period, variable, value (empty if none)."""
        return self._filled.copy()

    @property
    def crs(self) -> Any:
        """Coordinate reference system of the geometry."""
        return self._geometry.crs

    # ------------------------------------------------------------------ views
    def cross_section(self, period: Hashable) -> gpd.GeoDataFrame:
        """The regions with their data for one period, as a GeoDataFrame indexed by id."""
        period = self._check_period(period)
        values = self._data.xs(period, level=self._time)
        return self._geometry.join(values, how="left")

    def matrix(self, var: str) -> pd.DataFrame:
        """Variable ``var`` as an ``N x T`` frame (regions x periods), checked numeric and complete."""
        values = self._numeric(var)
        return values.unstack(self._time).reindex(index=self._geometry.index, columns=self._periods)

    def stacked(self, var: str) -> np.ndarray:
        """Variable ``var`` as a length ``N*T`` vector, period-major (spreg's spatial panel layout).

        The same numbers as ``matrix(var).to_numpy().T.ravel()`` without pandas' unstack (1 s per column at
        a million regions x 10 periods): the panel's rows are, by construction, the full product of the
        regions (geometry order) and the sorted periods, region-major (``__init__`` reindexes to it), so
        the column is an ``N x T`` block in memory and a numpy transpose lays it out period-major.
        """
        values = self._numeric(var).to_numpy(dtype=float)
        n, t = self.n_regions, self.n_periods
        if len(values) != n * t:  # the invariant above; unreachable unless _data was replaced
            raise RuntimeError(f"panel rows {len(values)} != {n} regions x {t} periods")
        return values.reshape(n, t).T.ravel()

    def subset(
        self, *, periods: Iterable[Hashable] | None = None, ids: Iterable[Hashable] | None = None
    ) -> SpatialPanel:
        """A new panel restricted to some periods and/or regions (order of this panel kept)."""
        keep_p = self._periods if periods is None else self._checked_subset(periods, self._periods, "period")
        keep_i = self.ids if ids is None else self._checked_subset(ids, self.ids, "region")
        rows = self._data.loc[pd.MultiIndex.from_product([keep_i, keep_p])].reset_index()
        geo = self._geometry.loc[keep_i].reset_index()
        return self._derived(rows, geo)

    def with_data(self, extra: pd.DataFrame | pd.Series) -> SpatialPanel:
        """A new panel with more variables, e.g. TFP indices from :func:`spillover.malmquist`.

        ``extra`` is indexed by (id, period) or has the id and period columns.  Cells it lacks become NaN,
        which :meth:`matrix` reports when the variable is used.  Existing columns cannot be replaced.
        """
        if isinstance(extra, pd.Series):
            if extra.name is None:
                raise PanelError("a Series passed to with_data needs a name (the variable's name).")
            extra = extra.to_frame()
        _require_frame(extra, "extra")
        if {self._id, self._time} <= set(extra.columns):
            extra = extra.set_index([self._id, self._time])
        if extra.index.nlevels != 2:
            raise PanelError(
                f"extra data must be indexed by ({self._id!r}, {self._time!r}) or have those columns."
            )
        extra = extra.copy()
        extra.index = extra.index.set_names([self._id, self._time])
        clash = [c for c in extra.columns if c in self._data.columns]
        if clash:
            raise PanelError(f"variables {format_items(clash)} are already in the panel; rename them.")
        if extra.index.has_duplicates:
            dup = extra.index[extra.index.duplicated()].unique().tolist()
            raise PanelError(f"extra data has duplicate (id, period) rows: {format_items(dup)}.")
        unknown = extra.index.difference(self._data.index)
        if len(unknown):
            raise PanelError(
                f"extra data has (id, period) cells not in the panel: {format_items(unknown.tolist())}."
            )
        merged = self._data.join(extra, how="left").reset_index()
        return self._derived(merged, self._geometry.reset_index())

    def _derived(self, rows: pd.DataFrame, geo: gpd.GeoDataFrame) -> SpatialPanel:
        """A panel built from this one's (already checked) pieces: its geometry warnings are not repeated.

        ``geo`` is this panel's geometry with its id index reset to a column, which keeps the name of the
        geometry's id column (``geometry_id``), so that name is passed on.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GeometryWarning)
            return SpatialPanel(rows, geo, id=self._id, time=self._time, geometry_id=self._geometry_id)

    def describe(self) -> str:
        """A short plain-text description: regions, periods, variables and balance."""
        numeric = [v for v in self.variables if pd.api.types.is_numeric_dtype(self._data[v])]
        n_missing = int(self._data[numeric].isna().sum().sum()) if numeric else 0
        lines = [
            f"SpatialPanel: {self.n_regions} regions x {self.n_periods} periods "
            f"= {self.n_regions * self.n_periods} observations (balanced)",
            f"  regions ({self._id}): {format_items(self.ids.tolist(), 6)}",
            f"  periods ({self._time}): {self._periods[0]} .. {self._periods[-1]}",
            f"  variables: {len(self.variables)} ({len(numeric)} numeric): {format_items(self.variables, 12)}",
            f"  missing values in numeric variables: {n_missing}",
            f"  cells filled by interpolation: {len(self._filled)}",
            f"  CRS: {self.crs.to_string() if self.crs is not None else 'none'}",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"SpatialPanel(N={self.n_regions}, T={self.n_periods}, id={self._id!r}, time={self._time!r}, "
            f"variables={self.variables!r})"
        )

    # ------------------------------------------------------------------ internals
    def _numeric(self, var: str) -> pd.Series:
        if var not in self._data.columns:
            raise PanelError(
                f"variable {var!r} is not in the panel; its variables are {format_items(self.variables)}."
            )
        col = self._data[var]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            converted = pd.to_numeric(col, errors="coerce")
            bad = col[converted.isna() & col.notna()]
            if len(bad) or pd.api.types.is_bool_dtype(col):
                cells = [f"{i}/{t}: {v!r}" for (i, t), v in bad.head(10).items()]
                raise PanelError(
                    f"variable {var!r} is not numeric; non-numeric values at (region/period): "
                    f"{', '.join(cells) or 'boolean column'}."
                )
            col = converted
        col = check_finite(col.astype(float), var)
        nan = col[col.isna()]
        if len(nan):
            raise UnbalancedPanelError(
                f"variable {var!r} has {len(nan)} missing value(s) at (region, period): "
                f"{format_items(nan.index.tolist())}. Fill them, drop the regions or periods "
                "(SpatialPanel.subset), or build the panel with interpolate=True."
            )
        return col

    def _check_period(self, period: Hashable) -> Hashable:
        if period not in self._periods:
            raise PanelError(
                f"period {period!r} is not in the panel; its periods are {format_items(self._periods.tolist())}."
            )
        return period

    @staticmethod
    def _checked_subset(wanted: Iterable[Hashable], have: pd.Index, what: str) -> pd.Index:
        wanted = list(wanted)
        unknown = [w for w in wanted if w not in have]
        if unknown:
            raise PanelError(f"unknown {what}(s) {format_items(unknown)}.")
        if not wanted:
            raise PanelError(f"the subset keeps no {what}.")
        return have[have.isin(wanted)]


#: pandas 3 always copies on write: a frame built from a panel's columns with copy=False shares them
#: until either side is written, so it cannot change the panel (pandas 2 without the mode: it could)
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write is True


# ---------------------------------------------------------------------- validation helpers
def check_finite(
    col: pd.Series,
    var: str,
    *,
    error: type[SpilloverError] = PanelError,
    hint: str = "fix or drop those cells.",
) -> pd.Series:
    """``col`` (float values indexed by (region, period)) if none is infinite; else ``error`` naming the
    variable and the (region, period) cells.

    Every model family reads its variables through here (directly or via :meth:`SpatialPanel.matrix`), so
    that +-inf is never silently dropped by an estimation backend (pyfixest drops inf rows) nor used.

    Examples
    --------
    >>> s = pd.Series([1.0, np.inf], index=pd.MultiIndex.from_tuples([("a", 1), ("b", 1)]))
    >>> check_finite(s, "x")
    Traceback (most recent call last):
    ...
    spillover.errors.PanelError: variable 'x' is infinite at (region, period): ('b', 1), e.g. a log of zero or a division by zero upstream; fix or drop those cells.
    """
    bad = np.isinf(col.to_numpy(dtype=float))
    if bad.any():
        infinite = col[bad]
        raise error(
            f"variable {var!r} is infinite at (region, period): {format_items(infinite.index.tolist())}, "
            f"e.g. a log of zero or a division by zero upstream; {hint}"
        )
    return col


def _require_frame(obj: object, name: str) -> None:
    if not isinstance(obj, pd.DataFrame):
        raise PanelError(f"{name} must be a pandas DataFrame, got {type(obj).__name__}.")


def _geometry_by_id(geometry: gpd.GeoDataFrame, key: str, make_valid: bool = False) -> gpd.GeoDataFrame:
    geo = geometry.copy()
    if key in geo.columns:
        geo = geo.set_index(key)
    elif geo.index.name not in (None, key):
        raise PanelError(
            f"the geometry has no column {key!r} and its index is named {geo.index.name!r}; pass "
            "geometry_id= to say which column holds the region ids."
        )
    geo.index.name = key
    if geo.index.has_duplicates:
        dup = geo.index[geo.index.duplicated()].unique().tolist()
        raise PanelError(f"the geometry has duplicate region ids: {format_items(dup)}.")
    empty = geo.index[geo.geometry.isna() | geo.geometry.is_empty].tolist()
    if empty:
        raise PanelError(f"regions with missing or empty geometry: {format_items(empty)}.")
    return checked_geometry(geo, make_valid=make_valid, where="regions")


def _check_no_missing_keys(frame: pd.DataFrame, id: str, time: str) -> None:
    for col in (id, time):
        bad = frame.index[frame[col].isna()].tolist()
        if bad:
            raise PanelError(
                f"column {col!r} is missing in {len(bad)} row(s) (row labels {format_items(bad)})."
            )


def _check_duplicates(frame: pd.DataFrame, id: str, time: str) -> None:
    dup = frame.duplicated([id, time], keep=False)
    if dup.any():
        cells = sorted(set(map(tuple, frame.loc[dup, [id, time]].itertuples(index=False))), key=str)
        raise PanelError(f"duplicate ({id}, {time}) rows: {format_items(cells)}. Each cell must appear once.")


def _check_same_ids(data_ids: pd.Series, geo_ids: pd.Index, id: str) -> None:
    data_set = set(data_ids.unique().tolist())
    geo_set = set(geo_ids.tolist())
    only_data = sorted(data_set - geo_set, key=str)
    only_geo = sorted(geo_set - data_set, key=str)
    problems = []
    if only_data:
        problems.append(f"ids in the data but not in the geometry: {format_items(only_data)}")
    if only_geo:
        problems.append(f"ids in the geometry but not in the data: {format_items(only_geo)}")
    if problems:
        hint = ""
        types = {type(v).__name__ for v in data_set}, {type(v).__name__ for v in geo_set}
        if types[0] != types[1]:
            hint = f" (the data's {id!r} holds {sorted(types[0])}, the geometry's ids {sorted(types[1])})"
        raise PanelError(
            "; ".join(problems) + hint + ". Normalise the names first (spillover.regions.normalize for "
            "Chinese provinces) or subset the geometry."
        )


def _interpolate(frame: pd.DataFrame, missing: pd.MultiIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill interior gaps of numeric columns by linear interpolation in the period, per region."""
    id_name, time_name = frame.index.names
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    out = frame.copy()
    records = []
    for region, block in frame.groupby(level=0, sort=False):
        times = block.index.get_level_values(1)
        x = np.asarray(times, dtype=float) if pd.api.types.is_numeric_dtype(times) else np.arange(len(times))
        for col in numeric:
            y = block[col].to_numpy(dtype=float)
            gap = np.isnan(y)
            if not gap.any() or gap.all():
                continue
            known = np.flatnonzero(~gap)
            interior = gap & (np.arange(len(y)) > known[0]) & (np.arange(len(y)) < known[-1])
            if not interior.any():
                continue
            y_fill = np.interp(x[interior], x[~gap], y[~gap])
            idx = block.index[interior]
            out.loc[idx, col] = y_fill
            records += [(region, t, col, v) for (_, t), v in zip(idx, y_fill)]
    filled = pd.DataFrame(records, columns=[id_name, time_name, "variable", "value"])
    still = out.index[out.isna().all(axis=1)].intersection(missing)
    if len(still):
        raise UnbalancedPanelError(
            f"{len(still)} missing (region, period) cell(s) lie at the start or end of a region's series and "
            f"cannot be interpolated: {format_items(still.tolist())}. Drop those periods or regions."
        )
    if len(filled):
        warn(
            f"filled {len(filled)} value(s) by linear interpolation within regions: "
            f"{format_items([(r, t, v) for r, t, v, _ in records])}. See SpatialPanel.filled.",
            InterpolationWarning,
        )
    return out, filled
