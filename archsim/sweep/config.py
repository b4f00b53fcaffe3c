"""Sweep YAML (`kind: sweep`): a base workload + design, axes of dotted targets, constraints,
objectives, optional functional accuracy per point. `load_sweep` validates it and expands the points."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PositiveInt, field_validator, model_validator

from archsim.config.base import PathText, Strict, Version
from archsim.config.errors import ConfigError, Problem
from archsim.config.limits import SWEEP_MAX_POINTS
from archsim.config.functional import Algorithm
from archsim.config.loader import read_yaml, validate
from archsim.config.workload import resolve

TARGET_PATTERN = r"^(design|tech|workload)(\.[A-Za-z0-9_\-]+)+$"


def _check_targets(targets) -> None:
    for t in targets:
        if not re.match(TARGET_PATTERN, str(t)):
            raise ValueError(f"'{t}': a target is a dotted path starting with design., tech. or workload.")


class RangeSpec(Strict):
    """Evenly spaced values from `start` to `stop` (inclusive): `num` of them, or every `step`."""

    start: float
    stop: float
    num: PositiveInt | None = Field(None, description="number of values (linear or log spacing)")
    step: float | None = Field(None, gt=0, description="spacing (linear only)")
    scale: Literal["linear", "log"] = "linear"
    integer: bool = Field(False, description="round values to integers (duplicates removed)")

    @model_validator(mode="after")
    def _one_spacing(self) -> "RangeSpec":
        if (self.num is None) == (self.step is None):
            raise ValueError("give exactly one of num or step")
        if self.scale == "log" and (self.num is None or self.start <= 0 or self.stop <= 0):
            raise ValueError("scale: log needs num and start, stop > 0")
        return self


class RandomSpec(Strict):
    """Values drawn uniformly (or log-uniformly) in [low, high] from the sweep's seed."""

    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"
    integer: bool = False
    samples: PositiveInt | None = Field(None, description="grid mode: draw this many values for the product")

    @model_validator(mode="after")
    def _ordered(self) -> "RandomSpec":
        if self.high < self.low:
            raise ValueError("high must be >= low")
        if self.scale == "log" and self.low <= 0:
            raise ValueError("scale: log needs low > 0")
        return self


class Axis(Strict):
    """One swept variable (or several tied ones: `target: [a, b]` sets each value on all of them;
    a list value of the same length sets them pairwise)."""

    target: str | list[str] = Field(description="dotted path, e.g. design.tile.adc_bits")
    values: list[Any] | None = Field(None, min_length=1)
    range: RangeSpec | None = None
    random: RandomSpec | None = None

    @field_validator("target")
    @classmethod
    def _targets(cls, v):
        _check_targets([v] if isinstance(v, str) else v)
        if isinstance(v, list) and (not v or len(set(v)) != len(v)):
            raise ValueError("a list of targets must be non-empty and not repeat")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> "Axis":
        given = [k for k in ("values", "range", "random") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of values, range, random (got {', '.join(given) or 'none'})")
        return self

    @property
    def targets(self) -> list[str]:
        return [self.target] if isinstance(self.target, str) else list(self.target)


class Iso(Strict):
    """Constraints across compared points."""

    same: list[str] = Field([], description="expressions that must be equal among compared points: one Pareto "
                                            "front and one 'best' per group, e.g. design.crossbar.rows")
    require: list[str] = Field([], description="validity filters; points where one is false are not evaluated, "
                                               "e.g. 'design.tile.adcs_per_array <= design.crossbar.cols'")


class Objective(Strict):
    metric: str = Field(description="a results.csv column, e.g. total_energy_nJ, total_latency_us, test_acc")
    goal: Literal["min", "max"] = "min"


class FunctionalSweep(Strict):
    """Short functional training run per point (archsim.functional.run.run_functional)."""

    algorithm: Algorithm = Field("mca", description="algorithm whose final test accuracy is reported")
    overrides: dict[str, Any] = Field({}, description="fields of the workload's functional: section, e.g. "
                                                      "{epochs: 1, train_images: 2000}")
    measured_updates: bool = Field(True, description="estimate energy from the run's measured update statistics")


class ReportConfig(Strict):
    x: str = Field("total_latency_us", description="x axis of pareto.png (a results.csv column)")
    y: str = Field("total_energy_nJ", description="y axis of pareto.png")
    color_by: str | None = Field(None, description="swept target colouring pareto.png (default: first axis)")
    breakdown_points: PositiveInt = Field(6, le=50, description="points in breakdown.png (best per objective + front)")


class Sweep(Strict):
    """A design-point sweep."""

    kind: Literal["sweep"]
    version: Version
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    workload: PathText = Field(description="workload YAML, relative to this file")
    design: PathText = Field("mca", description="base design the axes modify: built-in name or design YAML path")
    fixed: dict[str, Any] = Field({}, description="dotted targets set on every point, e.g. "
                                                  "design.crossbar.mapping: tiled")
    mode: Literal["grid", "random"] = Field("grid", description="grid: product of all axes; random: `samples` "
                                                                "points, each axis drawn independently")
    samples: PositiveInt | None = Field(None, description="random mode: number of points")
    seed: int = Field(0, ge=0, description="seed of every random draw (same seed → same points)")
    axes: list[Axis] = Field(min_length=1)
    iso: Iso = Iso()
    objectives: list[Objective] = Field(
        [Objective(metric="total_energy_nJ"), Objective(metric="total_latency_us")], min_length=1)
    derived: dict[str, str] = Field({}, description="extra metric columns: name → expression of design/tech/"
                                                     "workload variables and metrics.<column>, e.g. "
                                                     "adcs: metrics.arrays * design.tile.adcs_per_array")
    functional: FunctionalSweep | None = None
    report: ReportConfig = ReportConfig()
    chunk_size: PositiveInt | None = Field(None, le=10_000, description="points per task (default: automatic)")

    @field_validator("derived")
    @classmethod
    def _derived_names(cls, v):
        bad = [k for k in v if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k)]
        if bad:
            raise ValueError(f"derived metric names are identifiers (letters, digits, _): {', '.join(bad)}")
        return v

    @field_validator("fixed")
    @classmethod
    def _fixed_targets(cls, v):
        _check_targets(v)
        return v

    @property
    def targets(self) -> list[str]:
        return [t for a in self.axes for t in a.targets]


@dataclass
class SweepPlan:
    """A validated sweep: its context (base workload/tech/design) and the points to evaluate."""

    sweep: Sweep
    path: Path
    context: Any                    # archsim.sweep.context.SweepContext
    points: list                    # archsim.sweep.points.Point, excluded ones included
    metrics: list[str] = field(default_factory=list)

    @property
    def todo(self) -> list:
        """Points to evaluate (not excluded by iso.require)."""
        return [p for p in self.points if p.excluded is None]


def load_sweep(path: str | Path, max_points: int = SWEEP_MAX_POINTS) -> SweepPlan:
    """Validate a sweep YAML and everything it refers to; expand its points (at most `max_points`,
    counted before anything is built). Errors → ConfigError."""
    from archsim.sweep.context import build_context
    from archsim.sweep.points import check_size, expand_points

    path = Path(path)
    sweep = validate(Sweep, read_yaml(path), path)
    _check_structure(sweep, path)
    check_size(sweep, path, max_points)
    workload_path = resolve(path, sweep.workload)
    if not workload_path.is_file():
        raise ConfigError(path, [Problem("workload", f"file '{sweep.workload}' not found (looked at {workload_path})")])
    context = build_context(sweep, path, workload_path)
    metrics = context.metric_names()
    _check_names(sweep, path, context, metrics)
    plan = SweepPlan(sweep, path, context, expand_points(sweep, path, context, max_points), metrics)
    if not plan.todo:
        raise ConfigError(path, [Problem("iso.require", f"no point satisfies the constraints "
                                                        f"(all {len(plan.points)} excluded)")])
    return plan


def _check_structure(sweep: Sweep, path: Path) -> None:
    """Rules across sections: sampling mode vs axes, no target set twice."""
    problems = []
    if sweep.mode == "random" and sweep.samples is None:
        problems.append(Problem("samples", "mode: random needs samples: N"))
    if sweep.mode == "grid":
        for i, a in enumerate(sweep.axes):
            if a.random is not None and a.random.samples is None:
                problems.append(Problem(f"axes.{i}.random.samples", "mode: grid needs the number of draws of a "
                                                                    "random axis (or use mode: random)"))
    targets = sweep.targets
    for t in sorted({t for t in targets if targets.count(t) > 1} | (set(targets) & set(sweep.fixed))):
        problems.append(Problem("axes", f"'{t}' is set twice (by two axes, or by an axis and fixed:)"))
    if problems:
        raise ConfigError(path, problems)


def _check_names(sweep: Sweep, path: Path, context, metrics: list[str]) -> None:
    """Every target exists in the base data; objectives and plot axes name real metric columns;
    derived expressions read known variables (a derived metric may use the ones before it)."""
    from archsim.sweep.expressions import METRIC_ROOT, ROOTS
    from archsim.sweep.points import parse_expressions

    for i, (name, text) in enumerate(sweep.derived.items()):
        known = sweep.targets + [f"{METRIC_ROOT}.{m}" for m in metrics[:len(metrics) - len(sweep.derived) + i]]
        parse_expressions([text], f"derived.{name}", path, context, known, ROOTS + (METRIC_ROOT,))
    problems = []
    for i, axis in enumerate(sweep.axes):
        for t in axis.targets:
            msg = context.missing_target(t)
            if msg:
                problems.append(Problem(f"axes.{i}.target", msg))
    allowed = ", ".join(metrics)
    for i, o in enumerate(sweep.objectives):
        if o.metric not in metrics:
            problems.append(Problem(f"objectives.{i}.metric", f"unknown metric '{o.metric}'; allowed: {allowed}"))
    for key in ("x", "y"):
        if getattr(sweep.report, key) not in metrics:
            problems.append(Problem(f"report.{key}", f"unknown metric '{getattr(sweep.report, key)}'; "
                                                     f"allowed: {allowed}"))
    if sweep.report.color_by is not None and sweep.report.color_by not in sweep.targets:
        problems.append(Problem("report.color_by", f"'{sweep.report.color_by}' is not swept; allowed: "
                                                   f"{', '.join(sweep.targets)}"))
    if problems:
        raise ConfigError(path, problems)
