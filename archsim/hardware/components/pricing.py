"""Prices from a generated tech file: model values read off its grids, times the calibration factors.

A component asks for a model's quantity at a parameter point, e.g.
`Pricer(tech).energy("cacti_sram", "read", size_kb=776.4, width_bits=32, banks=4, ports=1)`. The
pricer picks the grid of that model whose fixed parameters match the point (here: ports 1), reads it
between its points (multilinear on each axis's scale: log-log for sizes and widths, linear where the
grid says so; values on a log scale unless the grid says linear), and multiplies by every calibration
factor that applies to `<model>.<quantity>`. A point outside a grid's axes is a ConfigError naming the
tech file, the grid, the parameter, its value and the grid's range, and how to extend the grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from archsim.config.errors import ConfigError, Problem
from archsim.config.tech import Grid, Tech

REL_TOL = 1e-9


@dataclass(frozen=True)
class Price:
    """A model value, the product of the calibration factors applied to it, and their names."""

    model: float
    factor: float = 1.0
    factors: tuple[str, ...] = ()

    @property
    def value(self) -> float:
        return self.model * self.factor

    def __add__(self, other: "Price") -> "Price":
        """Sum of two prices; the factor is the effective one (value / model)."""
        m, v = self.model + other.model, self.value + other.value
        return Price(m, v / m if m > 0 else 1.0, tuple(dict.fromkeys(self.factors + other.factors)))


ZERO = Price(0.0)


def _bracket(values: np.ndarray, x: float, scale: str) -> tuple[int, float] | None:
    """(i, t): x lies between values[i] and values[i+1] at fraction t (on the axis's scale); None outside."""
    lo, hi = values[0], values[-1]
    tol = REL_TOL * max(abs(lo), abs(hi), 1.0)
    if x < lo - tol or x > hi + tol:
        return None
    if len(values) == 1:
        return 0, 0.0
    x = min(max(x, lo), hi)
    i = int(np.searchsorted(values, x, side="right")) - 1
    i = min(max(i, 0), len(values) - 2)
    a, b = values[i], values[i + 1]
    if scale == "log":
        t = (math.log(x) - math.log(a)) / (math.log(b) - math.log(a))
    else:
        t = (x - a) / (b - a)
    return i, min(max(t, 0.0), 1.0)


def interpolate(grid: Grid, column: str, point: dict[str, float]) -> float | tuple[str, float, float, float]:
    """`column` of `grid` at `point` (every axis given); on failure (axis, value, lo, hi)."""
    axes, values = grid.arrays()
    table = values[column]
    idx: list[tuple[int, float]] = []
    for (name, arr) in zip(grid.axes, axes):
        b = _bracket(arr, float(point[name]), grid.interpolation.axes.get(name, "log"))
        if b is None:
            return name, float(point[name]), float(arr[0]), float(arr[-1])
        idx.append(b)
    corners = [(1.0, ())]
    for i, t in idx:
        nxt = []
        for w, c in corners:
            nxt.append((w * (1 - t), c + (i,)))
            if t > 0:
                nxt.append((w * t, c + (i + 1,)))
        corners = nxt
    vals = [(w, float(table[c])) for w, c in corners if w > 0]
    if grid.interpolation.values == "log" and all(v > 0 for _, v in vals):
        return math.exp(sum(w * math.log(v) for w, v in vals))
    return sum(w * v for w, v in vals)


class Pricer:
    """Reads model values from `tech`'s grids and primitives and applies its calibration factors."""

    def __init__(self, tech: Tech):
        self.tech = tech

    def grid_value(self, model: str, column: str, what: str = "", **point: Any) -> float:
        """The model's `column` (e.g. 'read.energy_pj', 'leakage_mw') at `point`, without factors."""
        tech = self.tech
        candidates = [(n, g) for n, g in tech.grids_of(model, point) if set(g.axes) <= set(point)]
        if not candidates:
            have = "; ".join(f"{n} (axes {', '.join(g.axes)}; fixed {g.params})" for n, g in tech.grids_of(model)) \
                or "none"
            raise ConfigError(tech.path, [Problem("grids", (
                f"no {model} grid prices {what or 'this component'} at {_fmt(point)}; {model} grids: {have}. "
                f"Add one to {tech.spec} and rebuild (archsim tech build {tech.spec} -o {tech.path} "
                f"--reuse {tech.path})"))])
        misses = []
        for name, grid in candidates:
            if column not in grid.columns:
                raise ConfigError(tech.path, [Problem(f"grids.{name}.columns", f"no column {column!r}; columns: "
                                                                              f"{', '.join(grid.columns)}")])
            v = interpolate(grid, column, point)
            if not isinstance(v, tuple):
                return v
            misses.append((name, v))
        name, (axis, x, lo, hi) = misses[0]
        raise ConfigError(tech.path, [Problem(f"grids.{name}.axes.{axis}", (
            f"{axis} = {x:g} ({what or model}) is outside the grid's range {lo:g} to {hi:g}; to price it, add "
            f"values to grids.{name}.axes.{axis} in {tech.spec} and rebuild: archsim tech build {tech.spec} "
            f"-o {tech.path} --reuse {tech.path}"))])

    def energy(self, model: str, action: str, what: str = "", **point: Any) -> Price:
        """Energy (pJ) of one `action`, times the factors applying to `<model>.energy`."""
        f, names = self.tech.factor(model, "energy", action)
        return Price(self.grid_value(model, f"{action}.energy_pj", what, **point), f, tuple(names))

    def leakage(self, model: str, what: str = "", **point: Any) -> Price:
        """Static power (mW) of one instance, times the factors applying to `<model>.leakage`."""
        f, names = self.tech.factor(model, "leakage")
        return Price(self.grid_value(model, "leakage_mw", what, **point), f, tuple(names))

    def area_um2(self, model: str, what: str = "", **point: Any) -> float:
        return self.grid_value(model, "area_um2", what, **point)

    def primitive(self, name: str, action: str, per_bit: bool = False) -> Price:
        """A named primitive's energy per action (or per bit), times the factors of its model."""
        p = self.tech.primitives[name]
        a = p.actions[action]
        value = a.energy_pj_per_bit if per_bit else a.energy_pj
        if value is None:
            raise ConfigError(self.tech.path, [Problem(f"primitives.{name}.actions.{action}.energy_pj_per_bit",
                                                       "required key is missing")])
        f, names = self.tech.factor(p.model, "energy", action)
        return Price(value, f, tuple(names))


def _fmt(point: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v:g}" if isinstance(v, (int, float)) else f"{k}: {v}"
                           for k, v in point.items()) + "}"
