"""Read a study file and check all of it before anything is computed.

Every mistake is collected (unknown keys with a did-you-mean, wrong types and values, missing files, unknown
columns, a model or test naming undefined weights, features of modules this version lacks) and reported
together by one :class:`StudyError`, each with its key path and line.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spillover.errors import SpilloverError
from spillover.options import BiasCorrection, Effects, Kind, warn
from spillover.study import schema as S
from spillover.study.data import dataset_columns, read_columns
from spillover.study.locate import KeyPath, format_path, key_lines, line_of

__all__ = ["Problem", "StudyError", "Study", "ModelSpec", "load", "loads", "schema_defaults"]


@dataclass(frozen=True)
class Problem:
    """One mistake in a study file: where (key path, line) and what."""

    path: KeyPath
    line: int | None
    message: str

    @property
    def key(self) -> str:
        """The key path as written in TOML, e.g. ``models[0].weights``."""
        return format_path(self.path)

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "line ?"
        return f"{where}: {self.key or '(top level)'}: {self.message}"


class StudyError(SpilloverError):
    """A study file with mistakes; ``problems`` lists every one (key path, line, message)."""

    def __init__(self, problems: list[Problem], source: str = "study file") -> None:
        self.problems = list(problems)
        self.source = source
        lines = [f"{source}: {len(problems)} problem(s); nothing was computed:"]
        lines += [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable form (``spillover run --json``)."""
        return {
            "file": self.source,
            "problems": [{"key": p.key, "line": p.line, "message": p.message} for p in self.problems],
        }


@dataclass(frozen=True)
class ModelSpec:
    """One spatial model to fit: an entry of ``[[models]]`` expanded over kinds x effects x weights."""

    name: str
    kind: Kind
    fixed_effects: Effects
    weights: str
    bias_correction: BiasCorrection
    y: str
    x: tuple[str, ...]
    durbin: tuple[str, ...] | None
    entry: int
    w_x: str | None = None
    impacts_at: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)


@dataclass(frozen=True)
class Study:
    """A validated study: its sections with defaults filled in, and the expanded models."""

    source: str
    path: Path | None
    base: Path
    sections: dict[str, dict[str, Any]]
    weights: dict[str, dict[str, Any]]
    indicators: dict[str, dict[str, Any]]
    panel_models: dict[str, dict[str, Any]]
    models: tuple[ModelSpec, ...]
    columns: tuple[str, ...] = field(default=(), repr=False)
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    causal: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any] | None:
        """A section with its defaults, or None if the study file does not have it."""
        return self.sections.get(name)

    def options(self, name: str) -> dict[str, Any]:
        """A section's keys with the schema's defaults (:mod:`spillover.study.schema`) filled in, also when the
        study file does not have the section; the runner reads every default from here, never its own.

        >>> text = ['[study]', 'title = "t"', '[variables]', 'y = "ln_gsp"', 'x = ["ln_pcap"]',
        ...         '[data]', 'dataset = "us_states"']
        >>> study = loads("\\n".join(text))
        >>> study.section("impacts") is None, study.options("impacts")["draws"]
        (True, 1000)
        """
        return self.sections[name] if name in self.sections else self.defaults[name]

    @property
    def title(self) -> str:
        return str(self.sections["study"]["title"])

    @property
    def seed(self) -> int:
        return int(self.sections["study"]["seed"])

    @property
    def y(self) -> str:
        return str(self.sections["variables"]["y"])

    @property
    def x(self) -> list[str]:
        return list(self.sections["variables"]["x"])

    def units(self, var: str) -> str | None:
        """The unit of ``var`` given in ``[data] units`` (shown in legends and tables), or None."""
        unit = self.sections.get("data", {}).get("units", {}).get(var)
        return str(unit) if unit else None

    def resolve(self, path: str) -> Path:
        """A path of the study file, relative to the study file's folder."""
        p = Path(os.path.expanduser(path))
        return p if p.is_absolute() else self.base / p


def load(path: str | os.PathLike[str]) -> Study:
    """Read and validate a study file; raise :class:`StudyError` listing every mistake."""
    source = Path(path)
    if not source.is_file():
        raise StudyError([Problem((), None, f"no such study file: {source}")], str(source))
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StudyError(
            [Problem((), None, f"the study file is not UTF-8 text ({exc.reason})")], str(source)
        ) from None
    return loads(text, base=source.resolve().parent, name=str(source), path=source.resolve())


def loads(
    text: str, *, base: str | os.PathLike[str] = ".", name: str = "study file", path: Path | None = None
) -> Study:
    """Validate a study given as TOML text; relative paths are taken from ``base``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise StudyError(
            [Problem((), int(match.group(1)) if match else None, f"not valid TOML: {exc}")], name
        ) from None
    checker = _Checker(raw, key_lines(text), Path(base))
    study = checker.run(text, path)
    if checker.problems:
        raise StudyError(sorted(checker.problems, key=lambda p: (p.line or 0, p.key)), name)
    assert study is not None
    return study


def schema_defaults(fields: Mapping[str, S.Field]) -> dict[str, Any]:
    """The keys of a section (``fields``, from :mod:`spillover.study.schema`) that have a default, with it."""
    return {key: copy.deepcopy(f.default) for key, f in fields.items() if f.default is not None}


# ---------------------------------------------------------------------- the checker
class _Checker:
    def __init__(self, raw: dict[str, Any], lines: dict[KeyPath, int], base: Path) -> None:
        self.raw = raw
        self.lines = lines
        self.base = base
        self.problems: list[Problem] = []

    def add(self, path: Iterable[str | int], message: str) -> None:
        path = tuple(path)
        self.problems.append(Problem(path, line_of(self.lines, path), message))

    # -------------------------------------------------------------- structure
    def run(self, text: str, path: Path | None) -> Study | None:
        known = set(S.SECTIONS) | set(S.NAMED_SECTIONS) | {"models"}
        for key in self.raw:
            if key not in known:
                self.add((key,), _unknown("section", key, known))
        sections: dict[str, dict[str, Any]] = {}
        for name, fields in S.SECTIONS.items():
            if name in self.raw:
                sections[name] = self.table((name,), self.raw[name], fields)
        for name in ("study", "variables"):
            if name not in self.raw:
                self.add((), f"the [{name}] section is missing")
        named = {name: self.named(name) for name in S.NAMED_SECTIONS}
        models = self.models(sections)
        if not self.problems or all(p.path[:1] not in (("data",), ("boundaries",)) for p in self.problems):
            columns = self.semantics(sections, named, models)
        else:
            columns = []
        defaults = {
            name: schema_defaults(fields) for name, fields in S.SECTIONS.items() if name not in sections
        }
        return Study(
            text,
            path,
            self.base,
            sections,
            named["weights"],
            named["indicators"],
            named["panel_models"],
            tuple(models),
            tuple(columns),
            defaults,
            causal=named["causal"],
        )

    def table(self, path: KeyPath, value: Any, fields: Mapping[str, S.Field]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.add(path, f"expected a table ([{format_path(path)}]), got {_kind(value)}")
            return {}
        out: dict[str, Any] = {}
        value = self.renamed(path, value, fields)
        for key, val in value.items():
            if key not in fields:
                self.add((*path, key), _unknown("key", key, fields))
            elif self.value((*path, key), val, fields[key]):
                out[key] = val
        for key, f in fields.items():
            if key not in value and f.required:
                self.add((*path, key), f"required key {key!r} is missing ({f.help})")
            if key not in out and f.default is not None:  # also after a bad value, so later checks can go on
                out[key] = copy.deepcopy(f.default)  # a list default is the schema's own object
        return out

    def renamed(self, path: KeyPath, value: dict[str, Any], fields: Mapping[str, S.Field]) -> dict[str, Any]:
        """Old key names (``effects``) read as their new names, with a FutureWarning (one release)."""
        value = dict(value)
        for old, new in S.RENAMED_KEYS.items():
            if old in value and old not in fields and new in fields:
                if new in value:
                    self.add((*path, old), f"{old!r} is the old name of {new!r}; give only {new!r}")
                    continue
                warn(
                    f"[{format_path(path)}] {old} = ... is deprecated and will be removed in the next "
                    f"release; write {new} = ... instead.",
                    FutureWarning,
                )
                value = {new if k == old else k: v for k, v in value.items()}
        return value

    def value(self, path: KeyPath, val: Any, f: S.Field) -> bool:
        ok = _TYPE_CHECKS[f.type](val)
        if not ok:
            self.add(path, f"expected {_TYPE_NAMES[f.type]}, got {_kind(val)} {val!r}")
            return False
        if f.choices:
            items = val if isinstance(val, list) else [val]
            bad = [v for v in items if v not in f.choices]
            for v in bad:
                self.add(path, f"{v!r} is not one of {list(f.choices)}{_did_you_mean(v, f.choices)}")
            return not bad
        return self.in_range(path, val, f)

    def in_range(self, path: KeyPath, val: Any, f: S.Field) -> bool:
        """Numbers are finite and inside their field's range (checked here, before anything runs)."""
        if f.type not in ("int", "number"):
            return True
        if not math.isfinite(val):
            self.add(path, f"expected a finite number, got {val!r}")
            return False
        if f.range is not None and val not in f.range:
            self.add(path, f"{val!r} is out of range: {path[-1]} must be {f.range} ({f.help})")
            return False
        return True

    def named(self, section: str) -> dict[str, dict[str, Any]]:
        selector, kinds, common = S.NAMED_SECTIONS[section]
        raw = self.raw.get(section, {})
        if not isinstance(raw, dict):
            self.add((section,), f"expected tables [{section}.<name>], got {_kind(raw)}")
            return {}
        out = {}
        for name, entry in raw.items():
            path = (section, name)
            if not isinstance(entry, dict):
                self.add(
                    path, f"expected a table [{section}.{name}] with a {selector!r} key, got {_kind(entry)}"
                )
                continue
            kind = entry.get(selector)
            fields = dict(common)
            if isinstance(kind, str) and kind in kinds:
                fields.update(kinds[kind])
            elif selector in entry:
                self.add(
                    (*path, selector),
                    f"unknown {section} {selector} {kind!r}; expected one of "
                    f"{list(kinds)}{_did_you_mean(kind, kinds)}",
                )
                fields.update({k: S.Field("any") for e in kinds.values() for k in e})
            out[name] = self.table(path, entry, fields)
        return out

    def models(self, sections: dict[str, dict[str, Any]]) -> list[ModelSpec]:
        raw = self.raw.get("models", [])
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            self.add(("models",), f"expected [[models]] tables, got {_kind(raw)}")
            return []
        variables = sections.get("variables", {})
        specs: list[ModelSpec] = []
        for i, entry in enumerate(raw):
            path: KeyPath = ("models", i)
            spec = self.table(path, entry, S.MODEL_KEYS)
            if not spec:
                continue
            weights = _listed(spec.get("weights")) or list(self.raw.get("weights", {}) or [])
            combos = list(itertools.product(_listed(spec["kind"]), _listed(spec["fixed_effects"]), weights))
            for kind, fe, w in combos:
                name = _model_name(spec.get("name"), kind, fe, w, len(combos))
                specs.append(
                    ModelSpec(
                        name,
                        kind,
                        fe,
                        w,
                        spec["bias_correction"],
                        spec.get("y", variables.get("y", "")),
                        tuple(spec.get("x", variables.get("x", []))),
                        tuple(spec["durbin"]) if "durbin" in spec else None,
                        i,
                        spec.get("w_x"),
                        spec.get("impacts_at"),
                    )
                )
        seen: dict[str, int] = {}
        for m in specs:
            if m.name in seen:
                self.add(
                    ("models", m.entry, "name"), f"two models are named {m.name!r}; give them distinct names"
                )
            seen[m.name] = m.entry
        return specs

    # -------------------------------------------------------------- meaning
    def semantics(
        self,
        sections: dict[str, dict[str, Any]],
        named: dict[str, dict[str, dict[str, Any]]],
        models: list[ModelSpec],
    ) -> list[str]:
        data = sections.get("data")
        columns: list[str] = []
        if data is None:
            self.add((), "the [data] section is missing: give data.file or data.dataset")
        else:
            columns = self.data_columns(data)
            self.boundaries(sections.get("boundaries"), data)
            self.unused_keys(data)
        if not columns:
            return []
        avail = set(columns)
        col = _ColumnCheck(self, avail)
        self.indicators(named["indicators"], col)
        avail |= {n for n, e in named["indicators"].items() if e.get("type") in S.PANEL_INDICATORS}
        if "tfp" in sections:
            for key in ("inputs", "outputs"):
                col.many(("tfp", key), sections["tfp"].get(key, []))
            avail |= set(S.TFP_VARIABLES)
        weights = named["weights"]
        self.weights(weights, col)
        self.variables(sections, col)
        self.moran_lm(sections, weights, col)
        self.model_refs(models, weights, col)
        self.maps(sections, models, col)
        self.panel_models(named["panel_models"], col)
        self.causal(named["causal"], weights, col)
        self.disparity(sections, weights, col, _boundary_columns(sections))
        self.hotspots(sections.get("hotspots"), weights, col)
        self.model_choice(sections.get("model_choice"), weights, col)
        self.truth(sections.get("truth"), models)
        self.units(data or {}, col)
        if "folder" in sections.get("output", {}) and not sections["output"]["folder"].strip():
            self.add(("output", "folder"), "the output folder is empty")
        return sorted(avail)

    def data_columns(self, data: dict[str, Any]) -> list[str]:
        has_file, has_set = "file" in data, "dataset" in data
        if has_file == has_set:
            self.add(("data",), "give exactly one of data.file (a panel file) or data.dataset (shipped data)")
            return []
        if has_set:
            return dataset_columns(data["dataset"])
        for key in ("id", "time"):
            if key not in data:
                self.add(
                    ("data", key), f"required key {key!r} is missing: the {key} column of {data['file']}"
                )
        path = _resolve(self.base, data["file"])
        if not path.is_file():
            self.add(("data", "file"), f"no such file: {path}")
            return []
        try:
            columns = read_columns(path, encoding=data.get("encoding"), sheet=data.get("sheet"))
        except (SpilloverError, OSError, UnicodeDecodeError, ValueError) as exc:
            self.add(("data", "file"), f"cannot read {path.name}: {exc}")
            return []
        for key in ("id", "time"):
            if key in data and data[key] not in columns:
                self.add(("data", key), _unknown("column", data[key], columns, where=path.name))
        return columns

    def unused_keys(self, data: dict[str, Any]) -> None:
        """Keys that the chosen source of data or boundaries would silently ignore are mistakes."""
        raw_data = self.raw.get("data", {}) if isinstance(self.raw.get("data"), dict) else {}
        raw_bounds = self.raw.get("boundaries")
        if ("dataset" in data) == ("file" in data):
            return  # reported by data_columns
        if "dataset" in data:
            shipped = f"data.dataset = {data['dataset']!r}"
            for key in _FILE_ONLY_DATA_KEYS & set(raw_data):
                self.add(("data", key), f"not used with {shipped} (it applies to data.file); remove it")
            if "seed" in raw_data and data["dataset"] != "china_simulated":
                self.add(
                    ("data", "seed"), f"not used with {shipped} (only simulated data have a seed); remove it"
                )
            if raw_bounds is not None:
                self.add(
                    ("boundaries",),
                    f"not used: {shipped} comes with its own boundaries; remove "
                    "[boundaries] (or give data.file for a panel of your own)",
                )
        elif "seed" in raw_data:
            self.add(
                ("data", "seed"), "not used with data.file (only simulated datasets have a seed); remove it"
            )
        if isinstance(raw_bounds, dict) and "dataset" in raw_bounds and "file" not in raw_bounds:
            for key in ("id", "layer"):
                if key in raw_bounds:
                    self.add(
                        ("boundaries", key),
                        f"not used with boundaries.dataset = "
                        f"{raw_bounds['dataset']!r}: the shipped boundaries are matched on their own "
                        "region names (data.normalize_regions = true maps Chinese province names to "
                        "them); remove it, or give boundaries.file for boundaries of your own",
                    )

    def boundaries(self, bounds: dict[str, Any] | None, data: dict[str, Any]) -> None:
        if bounds is None:
            if "dataset" not in data:
                self.add(
                    ("boundaries",),
                    "the [boundaries] section is missing: give boundaries.file or "
                    f"boundaries.dataset ({list(S.BOUNDARY_SETS)})",
                )
            return
        has_file, has_set = "file" in bounds, "dataset" in bounds
        if has_file == has_set:
            self.add(("boundaries",), "give exactly one of boundaries.file or boundaries.dataset")
            return
        if has_file:
            path = _resolve(self.base, bounds["file"])
            if not path.exists():
                self.add(("boundaries", "file"), f"no such file: {path}")
                return
            if "id" not in bounds:
                self.add(
                    ("boundaries", "id"), "required key 'id' is missing: the region id column of the file"
                )
                return
            try:
                import pyogrio

                fields = list(pyogrio.read_info(path, layer=bounds.get("layer"))["fields"])
            except Exception as exc:
                self.add(("boundaries", "file"), f"cannot read {path.name}: {exc}")
                return
            if bounds["id"] not in fields:
                self.add(("boundaries", "id"), _unknown("column", bounds["id"], fields, where=path.name))

    def indicators(self, entries: dict[str, dict[str, Any]], col: _ColumnCheck) -> None:
        for name, e in entries.items():
            for key in ("sector_a", "sector_b", "sector", "total"):
                if key in e:
                    col.one(("indicators", name, key), e[key])
            if e.get("type") == "entropy":
                for sub, direction in e.get("directions", {}).items():
                    col.one(("indicators", name, "directions", sub), sub)
                    if direction not in ("+", "-", "positive", "negative", 1, -1):
                        self.add(
                            ("indicators", name, "directions", sub),
                            f"direction {direction!r} is not '+' or '-'",
                        )
            if name in col.avail:
                self.add(
                    ("indicators", name), f"indicator {name!r} would replace the data column of that name"
                )

    def weights(self, entries: dict[str, dict[str, Any]], col: _ColumnCheck) -> None:
        for name, e in entries.items():
            if "var" in e:
                col.one(("weights", name, "var"), e["var"])
            if e.get("kind") == "file" and "path" in e and not _resolve(self.base, e["path"]).is_file():
                self.add(("weights", name, "path"), f"no such file: {_resolve(self.base, e['path'])}")
            if e.get("kind") == "distance" and "band" in e and "k" in e:
                self.add(("weights", name), "give band or k, not both")
            for key in ("window",):
                if key in e and len(e[key]) != 2:
                    self.add(("weights", name, key), "window must be [first, last]")
            if e.get("by_period") and "window" in e:
                self.add(
                    ("weights", name, "window"),
                    "by_period builds each period's W from that period (span = periods averaged); "
                    "give span, not window",
                )
            if e.get("span", 1) != 1 and not e.get("by_period"):
                self.add(("weights", name, "span"), "span applies to by_period = true weights only")

    def variables(self, sections: dict[str, dict[str, Any]], col: _ColumnCheck) -> None:
        v = sections.get("variables", {})
        if "y" in v:
            col.one(("variables", "y"), v["y"])
        if "x" in v:
            col.many(("variables", "x"), v["x"])
            if v.get("y") in v["x"]:
                self.add(("variables", "x"), f"the dependent variable {v['y']!r} is also a regressor")

    def moran_lm(
        self, sections: dict[str, dict[str, Any]], weights: dict[str, Any], col: _ColumnCheck
    ) -> None:
        for sec in ("moran", "lm"):
            if sec in sections and not weights:
                self.add((sec,), f"[{sec}] needs weights: define at least one [weights.<name>]")
        moran = sections.get("moran", {})
        col.many(("moran", "variables"), moran.get("variables", []))
        if moran.get("lisa_periods") == []:
            self.add(
                ("moran", "lisa_periods"),
                "no periods given; list at least one, or leave the key out for the first and last period",
            )
        if "weights" in moran:
            _ref(self, ("moran", "weights"), moran["weights"], weights)
        for w in sections.get("lm", {}).get("weights", []):
            _ref(self, ("lm", "weights"), w, weights)

    def model_refs(self, models: list[ModelSpec], weights: dict[str, Any], col: _ColumnCheck) -> None:
        raw = self.raw.get("models", [])
        if models and not weights and not any("weights" in e for e in raw if isinstance(e, dict)):
            self.add(("models",), "the models need weights: define at least one [weights.<name>]")
        checked: set[tuple[int, str]] = set()
        problems: set[tuple[KeyPath, str]] = set()  # one message per entry and key, not per expanded model
        for m in models:
            if (m.entry, m.weights) not in checked:
                _ref(self, ("models", m.entry, "weights"), m.weights, weights)
                checked.add((m.entry, m.weights))
            entry = raw[m.entry] if isinstance(raw, list) else raw
            if "y" in entry:
                col.one(("models", m.entry, "y"), m.y)
            if "x" in entry:  # an interaction "a:b" names two columns
                col.many(("models", m.entry, "x"), [f for v in m.x for f in v.split(":")])
            self.model_weights(m, weights, problems)
            if m.durbin is not None:
                for d in m.durbin:
                    if d not in m.x:
                        self.add(("models", m.entry, "durbin"), f"{d!r} is not one of the model's regressors")
            if m.fixed_effects == "random" and m.kind == "slx":
                self.add(
                    ("models", m.entry, "fixed_effects"),
                    "random effects need a spatial parameter: not available for kind 'slx'",
                )
            if m.bias_correction == "lee-yu" and m.fixed_effects in ("none", "random"):
                self.add(
                    ("models", m.entry, "bias_correction"),
                    f"lee-yu corrects fixed effects; fixed_effects={m.fixed_effects!r} has none",
                )

    def model_weights(
        self, m: ModelSpec, weights: dict[str, Any], problems: set[tuple[KeyPath, str]]
    ) -> None:
        """A model's w_x and impacts_at: w_x a weights entry of a Durbin kind; impacts_at's moderators the
        second factor of an interaction "x:z" among the regressors, at numbers or "quantiles"; the effects
        at a moderator's value need one W (the API refuses interactions with w_x or time-varying W)."""
        found: list[tuple[KeyPath, str]] = []
        path: KeyPath = ("models", m.entry)
        if m.w_x is not None:
            if m.w_x not in weights:
                found.append(((*path, "w_x"), _unknown("weights", m.w_x, weights)))
            if m.kind not in ("sdm", "slx", "sdem"):
                found.append(
                    (
                        (*path, "w_x"),
                        f"w_x weights Durbin terms: kind {m.kind!r} has none; use sdm, slx or sdem",
                    )
                )
        multi = m.w_x is not None or any(weights.get(w, {}).get("by_period") for w in (m.weights, m.w_x) if w)
        interactions = [v for v in m.x if ":" in v]
        if interactions and multi:
            found.append(
                (
                    (*path, "x"),
                    "interactions 'x:z' need one weights matrix: not with w_x or by_period weights",
                )
            )
        moderators = {f for v in interactions for f in v.split(":")}
        for z, at in (m.impacts_at or {}).items():
            if z not in moderators:
                found.append(
                    (
                        (*path, "impacts_at", z),
                        f"{z!r} is no factor of an interaction 'x:z' among the regressors "
                        f"{list(m.x)}; add one, e.g. x = [..., 'x:{z}']",
                    )
                )
            numbers = at if isinstance(at, list) else [at]
            if at != "quantiles" and (not numbers or not all(_is_number(v) for v in numbers)):
                found.append(
                    (
                        (*path, "impacts_at", z),
                        f'expected a number, a list of numbers or "quantiles", got {at!r}',
                    )
                )
        for key, message in found:
            if (key, message) not in problems:
                problems.add((key, message))
                self.add(key, message)

    def maps(self, sections: dict[str, dict[str, Any]], models: list[ModelSpec], col: _ColumnCheck) -> None:
        maps = sections.get("maps")
        if maps is None:
            return
        for key in ("choropleth", "small_multiples"):
            col.many(("maps", key), maps.get(key, []))
        names = [m.name for m in models]
        if "model" in maps and maps["model"] not in names:
            self.add(("maps", "model"), _unknown("model", maps["model"], names))
        one_w = [m for m in models if not self.multi_w(m)]  # spillovers are mapped for one W
        target = next((m for m in models if m.name == maps.get("model")), one_w[0] if one_w else None)
        if target is not None and self.multi_w(target):
            self.add(
                ("maps", "model"),
                f"model {target.name!r} has w_x or by_period weights: its per-region spillovers are not "
                "defined for one W; map a model with one weights matrix",
            )
        for x in maps.get("spillover", []):
            if target is None or x not in target.x:
                self.add(("maps", "spillover"), f"{x!r} is not a regressor of the mapped model")
            elif target.kind == "sem":
                self.add(("maps", "model"), f"model {target.name!r} is a SEM, which has no spillovers to map")

    def multi_w(self, m: ModelSpec) -> bool:
        """Whether a model has several or time-varying weights (w_x, or a by_period = true entry)."""
        raw = self.raw.get("weights")
        entry = raw.get(m.weights) if isinstance(raw, dict) else None
        return m.w_x is not None or (isinstance(entry, dict) and entry.get("by_period") is True)

    def panel_models(self, entries: dict[str, dict[str, Any]], col: _ColumnCheck) -> None:
        for name, e in entries.items():
            for key in ("y", "x", "mediator", "q", "regime"):
                if isinstance(e.get(key), str):
                    col.one(("panel_models", name, key), e[key])
            for key in ("x", "exog", "endog", "instruments", "controls", "regime", "coords"):
                if isinstance(e.get(key), list):
                    col.many(("panel_models", name, key), e[key])

    def causal(
        self, entries: dict[str, dict[str, Any]], weights: Mapping[str, Any], col: _ColumnCheck
    ) -> None:
        """[causal.*]: columns exist, weights are defined, one exposure for a spatial DiD, a valid window."""
        for name, e in entries.items():
            path = ("causal", name)
            for key in ("y", "treat", "treat_time"):
                if isinstance(e.get(key), str):
                    col.one((*path, key), e[key])
            if isinstance(e.get("controls"), list):
                col.many((*path, "controls"), e["controls"])
            if isinstance(e.get("weights"), str):
                _ref(self, (*path, "weights"), e["weights"], weights)
            if e.get("type") == "spatial_did" and ("weights" in e) == ("rings_km" in e):
                self.add(
                    path, "give exactly one of weights (a [weights.*] entry) or rings_km (e.g. [0, 50, 100])"
                )
            rings = e.get("rings_km")
            if isinstance(rings, list) and (
                len(rings) < 2 or rings[0] < 0 or any(b <= a for a, b in zip(rings, rings[1:]))
            ):
                self.add(
                    (*path, "rings_km"),
                    f"{rings!r}: give at least two increasing distances from 0 or more, e.g. [0, 50, 100]",
                )
            window = e.get("window")
            if e.get("type") == "event_study" and isinstance(window, list):
                ints = len(window) == 2 and all(isinstance(v, int) for v in window)
                if not ints or not window[0] <= -2 or not window[1] >= 0:
                    self.add(
                        (*path, "window"),
                        f"{window!r}: give [lo, hi], two integers with lo <= -2 and hi >= 0, e.g. [-4, 4]",
                    )

    def disparity(
        self,
        sections: dict[str, dict[str, Any]],
        weights: dict[str, Any],
        col: _ColumnCheck,
        geometry: set[str] | None,
    ) -> None:
        """[disparity], [convergence] and [markov]: columns, the grouping, the weights entries they name."""
        spec = sections.get("disparity")
        if spec is not None:
            col.many(("disparity", "variables"), spec.get("variables", []))
            if "weights" in spec:
                col.one(("disparity", "weights"), spec["weights"])
            by = spec.get("by")
            if by is None and (geometry is None or "region4" not in geometry):
                self.add(
                    ("disparity", "by"),
                    "required key 'by' is missing: the grouping column of the data or boundaries "
                    "(region4 is the default only with China's shipped boundaries)",
                )
            elif by is not None and geometry is not None and by not in col.avail | geometry:
                self.add(("disparity", "by"), _unknown("column", by, sorted(col.avail | geometry)))
            if spec.get("draws") == 1:
                self.add(("disparity", "draws"), "1 draw gives no interval; use 0 (none) or at least 2")
        conv = sections.get("convergence")
        if conv is not None:
            if "variable" in conv:
                col.one(("convergence", "variable"), conv["variable"])
            col.many(("convergence", "controls"), conv.get("controls", []))
            if "spatial_beta" in conv.get("kinds", []) or "weights" in conv:
                self.weights_entry(("convergence", "weights"), conv.get("weights"), weights, "spatial_beta")
        chain = sections.get("markov")
        if chain is not None:
            if "variable" in chain:
                col.one(("markov", "variable"), chain["variable"])
            if "spatial" in chain:
                _ref(self, ("markov", "spatial"), chain["spatial"], weights)
            if chain.get("lisa") and "spatial" not in chain:
                self.weights_entry(("markov", "lisa"), None, weights, "a LISA Markov chain")
        for name, e in self.raw_panel_models(sections):
            if e.get("se") == "conley" and "cutoff_km" not in e:
                self.add(
                    ("panel_models", name, "cutoff_km"),
                    "se = 'conley' needs cutoff_km, the distance in km beyond which errors are uncorrelated",
                )
            if "coords" in e and len(e["coords"]) != 2:
                self.add(("panel_models", name, "coords"), "coords must be [longitude, latitude] columns")
            if e.get("type") == "threshold" and e.get("draws") == 1:
                self.add(("panel_models", name, "draws"), "1 draw gives no test; use 0 (none) or at least 2")

    def hotspots(self, spec: dict[str, Any] | None, weights: dict[str, Any], col: _ColumnCheck) -> None:
        """[hotspots]: columns, the weights entry, x with (only with) the bivariate statistic, periods."""
        if spec is None:
            return
        col.many(("hotspots", "variables"), spec.get("variables", []))
        self.weights_entry(("hotspots", "weights"), spec.get("weights"), weights, "[hotspots]")
        statistic = spec.get("statistic", "gi_star")
        if statistic == "bivariate" and "x" not in spec:
            self.add(
                ("hotspots", "x"),
                "statistic = 'bivariate' needs x, the variable set against the neighbours' values",
            )
        elif "x" in spec and statistic != "bivariate":
            self.add(("hotspots", "x"), f"x is used only with statistic = 'bivariate', not {statistic!r}")
        elif "x" in spec:
            col.one(("hotspots", "x"), spec["x"])
        if spec.get("permutations") == 0 and statistic in ("local_geary", "bivariate"):
            self.add(
                ("hotspots", "permutations"),
                f"{statistic} has no analytical p-value: give at least 1 permutation (e.g. 999)",
            )
        if spec.get("periods") == []:
            self.add(
                ("hotspots", "periods"),
                "no periods given; list at least one, or leave the key out for the last period",
            )

    def model_choice(self, spec: dict[str, Any] | None, weights: dict[str, Any], col: _ColumnCheck) -> None:
        """[model_choice]: its columns (both factors of an interaction 'a:b'), its weights entries, no kind
        or weights entry twice."""
        if spec is None:
            return
        if "y" in spec:
            col.one(("model_choice", "y"), spec["y"])
        for name in spec.get("x", []):
            col.many(("model_choice", "x"), name.split(":"))
        if "weights" in spec:
            for name in spec["weights"]:
                _ref(self, ("model_choice", "weights"), name, weights)
            if not spec["weights"]:
                self.add(("model_choice", "weights"), "names no weights; leave it out to compare all defined")
        else:
            self.weights_entry(("model_choice", "weights"), None, weights, "[model_choice]")
        for key in ("kinds", "weights"):
            items = spec.get(key, [])
            if len(set(items)) != len(items):
                self.add(("model_choice", key), f"{items!r} lists an item more than once")
        if "kinds" in spec and not spec["kinds"]:
            self.add(("model_choice", "kinds"), f"names no kind; give some of {list(S.CHOICE_KINDS)}")

    def weights_entry(self, path: KeyPath, name: str | None, weights: dict[str, Any], what: str) -> None:
        """A weights entry a section names, or, without a name, at least one defined."""
        if name is not None:
            _ref(self, path, name, weights)
        elif not weights:
            self.add(path, f"{what} needs weights: define at least one [weights.<name>]")

    def raw_panel_models(self, sections: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        raw = self.raw.get("panel_models")
        if not isinstance(raw, dict):
            return []
        return [(name, e) for name, e in raw.items() if isinstance(e, dict)]

    def truth(self, truth: dict[str, Any] | None, models: list[ModelSpec]) -> None:
        if not truth or "model" not in truth:
            return
        names = [m.name for m in models]
        model = next((m for m in models if m.name == truth["model"]), None)
        if model is None:
            self.add(("truth", "model"), _unknown("model", truth["model"], names))
            return
        allowed = set(model.x) | {f"W*{x}" for x in model.x} | {"rho", "lambda"}
        for key, val in truth.get("params", {}).items():
            if key not in allowed:
                self.add(("truth", "params", key), _unknown("parameter", key, sorted(allowed)))
            elif isinstance(val, bool) or not isinstance(val, int | float):
                self.add(("truth", "params", key), f"expected a number, got {_kind(val)}")

    def units(self, data: dict[str, Any], col: _ColumnCheck) -> None:
        for var, unit in data.get("units", {}).items():
            col.one(("data", "units", var), var)
            if not isinstance(unit, str):
                self.add(("data", "units", var), f'expected text (e.g. "10,000 yuan"), got {_kind(unit)}')


class _ColumnCheck:
    """Checks names against the panel's columns (and the variables the study builds)."""

    def __init__(self, checker: _Checker, avail: set[str]) -> None:
        self.checker = checker
        self.avail = avail

    def one(self, path: KeyPath, name: str) -> None:
        if name not in self.avail:
            self.checker.add(path, _unknown("column", name, self.avail))

    def many(self, path: KeyPath, names: Iterable[str]) -> None:
        for name in names:
            self.one(path, name)


# ---------------------------------------------------------------------- helpers
#: [data] keys about reading a file, ignored with a shipped dataset
_FILE_ONLY_DATA_KEYS = {"id", "time", "encoding", "sheet", "normalize_regions", "interpolate"}


#: region columns of the shipped boundaries (a grouping such as region4 may come from them)
_SHIPPED_BOUNDARY_COLUMNS = {
    "china_provinces": {
        "province",
        "code",
        "name_zh",
        "name_en",
        "pinyin",
        "capital_en",
        "region4",
        "cluster",
    },
    "us_states": {"state", "abbr", "fips", "sub_region"},
}
_DATASET_BOUNDARIES = {"china_simulated": "china_provinces", "us_states": "us_states"}


def _boundary_columns(sections: dict[str, dict[str, Any]]) -> set[str] | None:
    """The boundary columns a grouping may name, or None when the boundaries are a file (not read here)."""
    shipped = _DATASET_BOUNDARIES.get(sections.get("data", {}).get("dataset", ""))
    shipped = shipped or sections.get("boundaries", {}).get("dataset")
    return set(_SHIPPED_BOUNDARY_COLUMNS.get(shipped or "", ())) if shipped else None


def _ref(checker: _Checker, path: KeyPath, name: str, weights: Mapping[str, Any]) -> None:
    if name not in weights:
        defined = list(weights)
        checker.add(
            path,
            f"weights {name!r} are not defined"
            + (
                f"; defined: {defined}{_did_you_mean(name, defined)}"
                if defined
                else "; define them as [weights." + name + "]"
            ),
        )


def _unknown(what: str, name: object, known: Iterable[object], *, where: str = "") -> str:
    known = [str(k) for k in known]
    place = f" in {where}" if where else ""
    return f"unknown {what} {name!r}{place}{_did_you_mean(name, known)}"


def _did_you_mean(name: object, known: Iterable[object]) -> str:
    match = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _model_name(name: str | None, kind: str, fe: str, w: str, n: int) -> str:
    auto = f"{kind}_{fe}_{w}"
    if name is None:
        return auto
    return name if n == 1 else f"{name}_{auto}"


def _resolve(base: Path, path: str) -> Path:
    p = Path(os.path.expanduser(path))
    return p if p.is_absolute() else base / p


def _kind(value: Any) -> str:
    return {
        dict: "a table",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(i, str) for i in v)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_TYPE_CHECKS = {
    "any": lambda v: True,
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _is_number,
    "bool": lambda v: isinstance(v, bool),
    "strs": _is_str_list,
    "numbers": lambda v: isinstance(v, list) and all(_is_number(i) and math.isfinite(i) for i in v),
    "str|strs": lambda v: isinstance(v, str) or (_is_str_list(v) and len(v) > 0),
    "mapping": lambda v: isinstance(v, dict),
    "int|str": lambda v: isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)),
    "periods": lambda v: (
        isinstance(v, list) and all(isinstance(i, int | str) and not isinstance(i, bool) for i in v)
    ),
    "pair": lambda v: (
        isinstance(v, list) and all(isinstance(i, int | str) and not isinstance(i, bool) for i in v)
    ),
}
_TYPE_NAMES = {
    "any": "anything",
    "str": "text",
    "int": "an integer",
    "number": "a number",
    "bool": "true or false",
    "strs": "a list of text",
    "numbers": "a list of numbers",
    "str|strs": "text or a list of text",
    "mapping": "a table",
    "int|str": "an integer or text",
    "periods": "a list of periods",
    "pair": "[first, last]",
}
