"""Schema of a component-model spec (`kind: tech_spec`): which model prices each primitive, at which parameters.

A spec names, for every primitive, a model from `archsim.techbuild.models.MODELS` (or an hwcomponents
plug-in class) and its parameters in archsim units (KB, bits, GS/s, ns, nm), and lists grids of
parameters to evaluate for later interpolation. Parameters are validated against the chosen model's own
schema, so a misspelt or unknown parameter is reported with the file, the key path and the allowed keys.
The schema imports nothing from hwcomponents: a spec can be checked on any interpreter.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PositiveFloat, model_validator

from archsim.config.base import Strict
from archsim.config.errors import ConfigError, Problem
from archsim.config.loader import load, read_yaml, validate
from archsim.config.tech import CalibrationFile, Cell, Interpolation

NAME = r"^[a-z][a-z0-9_]*$"


class PrimitiveSpec(Strict):
    """One primitive: its model, parameters (validated by that model's schema) and a description."""

    model: str = Field(description="a model name (archsim tech models lists them) or 'plugin'")
    description: str = Field(min_length=3, description="what one action is, and which design uses it")
    params: dict[str, Any] = Field(default_factory=dict)
    source: str | None = Field(None, min_length=3, description="where the parameters come from (paper, figure, "
                                                               "table); needed where they are not a design's own")
    plugin_class: str | None = Field(None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
                                     description="model: plugin only: 'package.module:ClassName' of an "
                                                 "hwcomponents ComponentModel")
    actions: list[str] | None = Field(None, min_length=1, description="model: plugin only: actions to evaluate")


class GridSpec(Strict):
    """A grid: every combination of `axes` values, each other parameter fixed by `params`."""

    model: str
    description: str = Field(min_length=3)
    params: dict[str, Any] = Field(default_factory=dict)
    axes: dict[str, list[Any]] = Field(min_length=1, description="parameter → values, in increasing order")
    interpolation: Interpolation = Field(Interpolation(), description="how the estimator reads between points: "
                                         "each axis log (default) or linear, values log (default) or linear")


class TechSpec(Strict):
    """A component-model spec: `archsim tech build SPEC -o OUT` evaluates it into a generated tech file."""

    kind: Literal["tech_spec"]
    version: Literal[1]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    node_nm: PositiveFloat = Field(description="technology node every model is evaluated at, nm")
    description: str = ""
    cells: dict[str, Cell] = Field(default_factory=dict, description="NeuroSim cells, referred to by name")
    calibration: str | None = Field(None, description="calibration file (kind: tech_calibration) relative to "
                                                      "the spec; its factors are copied into the tech file")
    primitives: dict[str, PrimitiveSpec] = Field(min_length=1)
    grids: dict[str, GridSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names(self) -> "TechSpec":
        for section in ("cells", "primitives", "grids"):
            for key in getattr(self, section):
                if not re.match(NAME, key):
                    raise ValueError(f"{section}: name {key!r} must be lower_snake_case ({NAME})")
        return self


def grid_points(grid: GridSpec) -> list[dict[str, Any]]:
    """Every parameter set of a grid, in row-major order of its axes (the last axis varies fastest)."""
    names = list(grid.axes)
    return [{**grid.params, **dict(zip(names, combo))} for combo in itertools.product(*grid.axes.values())]


def calibration_path(spec: TechSpec, spec_path: str | Path) -> Path | None:
    return (Path(spec_path).parent / spec.calibration) if spec.calibration else None


def load_calibration(spec: TechSpec, spec_path: str | Path) -> CalibrationFile | None:
    """The spec's calibration file, validated (None when the spec has none)."""
    path = calibration_path(spec, spec_path)
    if path is None:
        return None
    if not path.is_file():
        raise ConfigError(spec_path, [Problem("calibration", f"file not found: {path}")])
    return load(CalibrationFile, path)


def load_spec(path: str | Path) -> tuple[TechSpec, dict[str, Any]]:
    """Read and validate a spec: its structure, its calibration file, then every primitive's and grid
    point's parameters.

    Returns the spec and {primitive or 'grid:<name>:<i>' → validated parameter model}.
    """
    from archsim.techbuild.models import MODELS, PLUGIN, plugin_params_model

    spec = validate(TechSpec, read_yaml(path), path)
    load_calibration(spec, path)
    problems: list[Problem] = []
    checked: dict[str, Any] = {}
    allowed_models = ", ".join(sorted(MODELS)) + f", {PLUGIN}"

    def params_model(where: str, model: str, plugin_class: str | None, actions: list[str] | None):
        if model == PLUGIN:
            if not plugin_class or not actions:
                problems.append(Problem(where, "model: plugin needs plugin_class ('package.module:ClassName') "
                                               "and actions (a list of the class's @action names)"))
                return None
            return plugin_params_model()
        if plugin_class is not None or actions is not None:
            problems.append(Problem(where, f"plugin_class and actions are only allowed with model: {PLUGIN}"))
        if model not in MODELS:
            problems.append(Problem(f"{where}.model", f"unknown model {model!r}; allowed: {allowed_models}"))
            return None
        return MODELS[model].Params

    def check(key: str, schema, params: dict[str, Any]):
        try:
            p = validate(schema, params, path, prefix=key)
        except ConfigError as exc:
            problems.extend(exc.problems)
            return None
        cell = getattr(p, "cell", None)
        if cell is not None and cell not in spec.cells:
            problems.append(Problem(f"{key}.cell", f"unknown cell {cell!r}; cells defined in this spec: "
                                                   f"{', '.join(spec.cells) or 'none'}"))
        return p

    for name, prim in spec.primitives.items():
        where = f"primitives.{name}"
        schema = params_model(where, prim.model, prim.plugin_class, prim.actions)
        if schema is not None:
            checked[name] = check(f"{where}.params", schema, prim.params)
    for name, grid in spec.grids.items():
        where = f"grids.{name}"
        schema = params_model(where, grid.model, None, None)
        if schema is None:
            continue
        allowed = set(schema.model_fields)
        for axis, values in grid.axes.items():
            if axis not in allowed:
                problems.append(Problem(f"{where}.axes.{axis}", f"unknown parameter of {grid.model}; "
                                                                f"allowed: {', '.join(sorted(allowed))}"))
            elif not values:
                problems.append(Problem(f"{where}.axes.{axis}", "needs at least one value"))
            if axis in grid.params:
                problems.append(Problem(f"{where}.params.{axis}", "is also an axis; give it in one place"))
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            if values and numeric and any(b <= a for a, b in zip(values, values[1:])):
                problems.append(Problem(f"{where}.axes.{axis}", f"values must be increasing (got {values})"))
            if values and numeric and grid.interpolation.axes.get(axis, "log") == "log" and values[0] <= 0:
                problems.append(Problem(f"{where}.axes.{axis}", "a log-scale axis needs positive values; set "
                                                                f"interpolation.axes.{axis}: linear"))
        for axis in grid.interpolation.axes:
            if axis not in grid.axes:
                problems.append(Problem(f"{where}.interpolation.axes.{axis}", "not an axis of this grid"))
        if any(p.key.startswith(where) for p in problems):
            continue
        for i, point in enumerate(grid_points(grid)):
            before = len(problems)
            checked[f"grid:{name}:{i}"] = check(f"{where}.axes", schema, point)
            if len(problems) > before:
                break  # the first bad point names the bad axis value; the rest would repeat it
    if problems:
        raise ConfigError(path, problems)
    return spec, checked
