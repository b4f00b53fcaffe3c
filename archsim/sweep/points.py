"""Expand a sweep's axes into design points (grid product or seeded random samples), give each a
stable key (hash of its values and of the base it modifies) and apply the `iso.require` filters.

The number of points is counted from the axes (`count_points`) before anything is built, and a
sweep above its limit (SWEEP_MAX_POINTS, or `--max-points`) is an error."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archsim.config.errors import ConfigError, Problem, short_repr
from archsim.config.limits import SWEEP_MAX_POINTS
from archsim.sweep.config import Axis, RandomSpec, RangeSpec, Sweep
from archsim.sweep.expressions import METRIC_ROOT, ROOTS, EvaluationError, Expression, ExpressionError


@dataclass(frozen=True)
class Point:
    """One design point: dotted target → value. `excluded` names the failed iso.require, if any."""

    index: int
    key: str
    values: dict[str, Any]
    excluded: str | None = None


def _plain(v: Any) -> Any:
    """numpy scalars → Python scalars (JSON-serialisable, stable hashes)."""
    return v.item() if isinstance(v, np.generic) else v


def range_count(spec: RangeSpec) -> float:
    """How many values a `range:` axis has before integer rounding (a float: it may be astronomical)."""
    if spec.num is not None:
        return float(spec.num)
    span = (spec.stop - spec.start) / spec.step
    return math.floor(span + 1e-9) + 1.0 if math.isfinite(span) and span >= 0 else (0.0 if span < 0 else math.inf)


def range_values(spec: RangeSpec) -> list:
    """The values of a `range:` axis, in order, duplicates (after integer rounding) removed."""
    if spec.scale == "log":
        vals = np.geomspace(spec.start, spec.stop, spec.num)
    elif spec.num is not None:
        vals = np.linspace(spec.start, spec.stop, spec.num)
    else:
        vals = spec.start + spec.step * np.arange(int(range_count(spec)))
    return _finish(vals, spec.integer)


def axis_count(sweep: Sweep, axis: Axis) -> float:
    """Values one axis contributes (grid mode), counted without building them."""
    if axis.values is not None:
        return float(len(axis.values))
    if axis.range is not None:
        return range_count(axis.range)
    return float(axis.random.samples or 0)


def count_points(sweep: Sweep) -> tuple[float, str]:
    """Upper bound of the number of points (before de-duplication) and how it comes about."""
    if sweep.mode == "random":
        return float(sweep.samples or 0), f"samples: {sweep.samples}"
    counts = [axis_count(sweep, a) for a in sweep.axes]
    total = math.prod(counts)
    return total, " × ".join(f"{c:,.0f}" if math.isfinite(c) else "∞" for c in counts) + " axis values"


def check_size(sweep: Sweep, file: Path, max_points: int = SWEEP_MAX_POINTS) -> None:
    """ConfigError if the sweep has no points or more than `max_points`, before anything is built."""
    total, how = count_points(sweep)
    if total > max_points:
        shown = f"{total:,.0f}" if total < 1e18 else f"{total:.3g}"
        raise ConfigError(file, [Problem("axes" if sweep.mode == "grid" else "samples",
                                         f"{shown} points ({how}); a sweep may have at most {max_points:,}: "
                                         "use fewer values, or raise the limit with --max-points N")])
    for i, axis in enumerate(sweep.axes):
        if axis.range is not None and range_count(axis.range) < 1:
            raise ConfigError(file, [Problem(f"axes.{i}.range", "the range has no values (stop is below start)")])


def random_values(spec: RandomSpec, rng: np.random.Generator, n: int) -> list:
    """`n` draws of a `random:` axis (uniform, or log-uniform for scale: log)."""
    if spec.scale == "log":
        vals = np.exp(rng.uniform(np.log(spec.low), np.log(spec.high), n))
    else:
        vals = rng.uniform(spec.low, spec.high, n)
    return [int(round(v)) if spec.integer else float(v) for v in vals]


def _finish(vals: np.ndarray, integer: bool) -> list:
    out = [int(round(v)) for v in vals] if integer else [float(v) for v in vals]
    return list(dict.fromkeys(out))


def _assign(axis: Axis, value: Any) -> dict[str, Any]:
    """Tied targets: a list of matching length sets them pairwise, anything else sets each."""
    targets = axis.targets
    if len(targets) > 1 and isinstance(value, list) and len(value) == len(targets):
        return {t: _plain(v) for t, v in zip(targets, value)}
    return {t: _plain(value) for t in targets}


def _discrete(axis: Axis) -> list | None:
    if axis.values is not None:
        return list(axis.values)
    if axis.range is not None:
        return range_values(axis.range)
    return None


def grid_assignments(sweep: Sweep) -> list[dict[str, Any]]:
    """Cartesian product of all axes (random axes contribute `samples` seeded draws)."""
    per_axis = []
    for i, axis in enumerate(sweep.axes):
        vals = _discrete(axis)
        if vals is None:
            vals = random_values(axis.random, np.random.default_rng([sweep.seed, i]), axis.random.samples)
        per_axis.append([_assign(axis, v) for v in vals])
    return [{k: v for d in combo for k, v in d.items()} for combo in itertools.product(*per_axis)]


def random_assignments(sweep: Sweep) -> list[dict[str, Any]]:
    """`samples` points; each axis drawn independently (a value of a list/range axis, or a random draw)."""
    rng = np.random.default_rng(sweep.seed)
    choices = [_discrete(a) for a in sweep.axes]
    out = []
    for _ in range(sweep.samples):
        point: dict[str, Any] = {}
        for axis, vals in zip(sweep.axes, choices):
            value = vals[rng.integers(len(vals))] if vals is not None else random_values(axis.random, rng, 1)[0]
            point.update(_assign(axis, value))
        out.append(point)
    return out


def point_key(fingerprint: str, values: dict[str, Any]) -> str:
    """Stable id of a point: changes when its values or the base it modifies change."""
    text = json.dumps([fingerprint, sorted(values.items())], default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def parse_expressions(texts: list[str], key: str, file: Path, context, known: list[str],
                      roots: tuple[str, ...] = ROOTS) -> list[Expression]:
    """Parse iso/derived expressions; unknown syntax or variables → ConfigError naming `key.N`."""
    out, problems = [], []
    for i, text in enumerate(texts):
        try:
            expr = Expression(text, roots)
        except ExpressionError as exc:
            problems.append(Problem(f"{key}.{i}", f"'{text}': {exc}"))
            continue
        for var in expr.variables:
            if var.startswith(METRIC_ROOT + "."):
                if var not in known:
                    metrics = ", ".join(k for k in known if k.startswith(METRIC_ROOT))
                    problems.append(Problem(f"{key}.{i}", f"'{var}': no such metric; known: {metrics}"))
            elif var not in known and (msg := context.missing_target(var)):
                problems.append(Problem(f"{key}.{i}", msg))
        out.append(expr)
    if problems:
        raise ConfigError(file, problems)
    return out


def expand_points(sweep: Sweep, file: Path, context, max_points: int = SWEEP_MAX_POINTS) -> list[Point]:
    """All distinct points of the sweep in order; those failing an iso.require are marked excluded.
    iso.same is evaluated for every point too, so that a report can always group them."""
    check_size(sweep, file, max_points)
    requires = parse_expressions(sweep.iso.require, "iso.require", file, context, sweep.targets)
    same = parse_expressions(sweep.iso.same, "iso.same", file, context, sweep.targets)
    assignments = grid_assignments(sweep) if sweep.mode == "grid" else random_assignments(sweep)
    fingerprint = context.fingerprint()
    points, seen = [], set()
    for values in assignments:
        key = point_key(fingerprint, values)
        if key in seen:
            continue
        seen.add(key)
        lookup = context.lookup(values)
        failed = next((e.text for i, e in enumerate(requires)
                       if not _value(e, lookup, file, f"iso.require.{i}", values)), None)
        if failed is None:
            for i, e in enumerate(same):
                _value(e, lookup, file, f"iso.same.{i}", values)
        points.append(Point(len(points), key, values, failed))
    return points


def _value(expr: Expression, lookup, file: Path, key: str, values: dict) -> object:
    try:
        return expr.evaluate(lookup)
    except (EvaluationError, KeyError) as exc:
        raise ConfigError(file, [Problem(key, f"'{expr.text}' cannot be evaluated at {short_repr(values)}: "
                                              f"{exc}")]) from None
