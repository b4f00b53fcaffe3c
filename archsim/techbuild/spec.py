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
from archsim.config.loader import read_yaml, validate

NAME = r"^[a-z][a-z0-9_]*$"


class Cell(Strict):
    """A PCM (or other resistive) cell for NeuroSim, written out as an NVSim cell file.

    NeuroSim's 1T1R layout needs a cell at least ~4 F wide at FinFET nodes (≤ 14 nm): its sample PCM
    cells (9 F²) crash it there with a division by zero in the fin-folding code.
    """

    area_f2: PositiveFloat = Field(description="cell area in F² (F = feature size)")
    aspect_ratio: PositiveFloat = Field(1.0, description="cell height / width")
    r_on_ohm: PositiveFloat = Field(description="low-resistance (fully SET) state at the read voltage, ohm")
    r_off_ohm: PositiveFloat = Field(description="high-resistance (RESET) state at the read voltage, ohm")
    read_voltage_v: PositiveFloat = Field(description="read voltage across the cell, V")
    access_width_f: PositiveFloat = Field(description="access transistor width in F")
    access_r_ohm: PositiveFloat = Field(description="access transistor on-resistance, ohm")
    set_current_ua: PositiveFloat
    set_pulse_ns: PositiveFloat
    reset_current_ua: PositiveFloat
    reset_pulse_ns: PositiveFloat
    source: str = Field(min_length=3, description="where the cell numbers come from")

    @model_validator(mode="after")
    def _order(self) -> "Cell":
        if self.r_off_ohm <= self.r_on_ohm:
            raise ValueError(f"r_off_ohm ({self.r_off_ohm}) must be larger than r_on_ohm ({self.r_on_ohm})")
        return self


class PrimitiveSpec(Strict):
    """One primitive: its model, parameters (validated by that model's schema) and a description."""

    model: str = Field(description="a model name (archsim tech models lists them) or 'plugin'")
    description: str = Field(min_length=3, description="what one action is, and which design uses it")
    params: dict[str, Any] = Field(default_factory=dict)
    plugin_class: str | None = Field(None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
                                     description="model: plugin only: 'package.module:ClassName' of an "
                                                 "hwcomponents ComponentModel")
    actions: list[str] | None = Field(None, min_length=1, description="model: plugin only: actions to evaluate")


class GridSpec(Strict):
    """A grid: every combination of `axes` values, each other parameter fixed by `params`."""

    model: str
    description: str = Field(min_length=3)
    params: dict[str, Any] = Field(default_factory=dict)
    axes: dict[str, list[Any]] = Field(min_length=1, description="parameter → values, in the order given")


class TechSpec(Strict):
    """A component-model spec: `archsim tech build SPEC -o OUT` evaluates it into a generated tech file."""

    kind: Literal["tech_spec"]
    version: Literal[1]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    node_nm: PositiveFloat = Field(description="technology node every model is evaluated at, nm")
    description: str = ""
    cells: dict[str, Cell] = Field(default_factory=dict, description="NeuroSim cells, referred to by name")
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


def load_spec(path: str | Path) -> tuple[TechSpec, dict[str, Any]]:
    """Read and validate a spec: its structure, then every primitive's and grid point's parameters.

    Returns the spec and {primitive or 'grid:<name>:<i>' → validated parameter model}.
    """
    from archsim.techbuild.models import MODELS, PLUGIN, plugin_params_model

    spec = validate(TechSpec, read_yaml(path), path)
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
