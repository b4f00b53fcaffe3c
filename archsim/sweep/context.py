"""What every sweep point shares: the base workload, tech and design (loaded once, shipped once to
each worker) and how one point's dotted assignments turn them into validated objects."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from archsim.config.design import Design, build_design, deep_merge
from archsim.config.errors import ConfigError, Problem
from archsim.config.loader import validate
from archsim.config.tech import Tech
from archsim.config.workload import Workload
from archsim.estimate import load_tech, load_workload
from archsim.sweep.config import FunctionalSweep, Sweep
from archsim.sweep.expressions import METRIC_ROOT, ROOTS, Expression

ROOT_MODELS: dict[str, type[BaseModel]] = {"design": Design, "tech": Tech, "workload": Workload}


@dataclass
class SweepContext:
    """Base objects of a sweep; `build(values)` applies one point's assignments to them."""

    workload: Workload
    workload_path: str
    tech: Tech
    design: Design
    functional: FunctionalSweep | None = None
    derived: dict[str, str] = field(default_factory=dict)   # name → expression (sweep's derived:)
    out_dir: str | None = None          # set by the executor (functional runs write per-point folders)
    resume: bool = True                 # functional runs continue from their checkpoints (not with --fresh)
    _data: dict[str, dict] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._data = {"design": self.design.model_dump(), "tech": self.tech.model_dump(),
                      "workload": self.workload.model_dump()}

    @property
    def bases(self) -> dict[str, BaseModel]:
        return {"design": self.design, "tech": self.tech, "workload": self.workload}

    def lookup(self, values: dict[str, Any]):
        """Variable lookup for expressions: the point's value, else the base value."""
        def get(name: str) -> Any:
            if name in values:
                return values[name]
            node: Any = self._data
            for part in name.split("."):
                if not isinstance(node, dict) or part not in node:
                    raise KeyError(name)
                node = node[part]
            return node
        return get

    def fingerprint(self) -> str:
        """Hash of everything a point modifies: results are reused only while it is unchanged."""
        functional = self.functional.model_dump() if self.functional is not None else None
        text = json.dumps([self._data, functional], sort_keys=True, default=str)
        return hashlib.sha1(text.encode()).hexdigest()

    def missing_target(self, target: str) -> str | None:
        """Why `target` does not name a field of the base data (None when it does)."""
        node: Any = self._data
        parts = target.split(".")
        for i, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                here = ".".join(parts[:i]) or "top level"
                keys = ", ".join(sorted(node)) if isinstance(node, dict) else f"(a {type(node).__name__} value)"
                hint = " (add a functional: section to the sweep)" if target.startswith("workload.functional") \
                    and self.workload.functional is None else ""
                return f"'{target}': no field '{part}' under {here}; fields there: {keys}{hint}"
            node = node[part]
        return None

    def build(self, values: dict[str, Any], file: str | Path | None = None) -> tuple[Workload, Tech, Design]:
        """Workload, tech and design with `values` applied; invalid combinations raise ConfigError."""
        grouped: dict[str, dict[str, Any]] = {root: {} for root in ROOT_MODELS}
        for target, value in values.items():
            root, _, rest = target.partition(".")
            grouped[root][rest] = value
        built = {}
        for root, model in ROOT_MODELS.items():
            if grouped[root]:
                built[root] = validate(model, deep_merge(self._data[root], grouped[root]), file, prefix=root)
            else:
                built[root] = self.bases[root]
        return built["workload"], built["tech"], built["design"]

    def metric_names(self) -> list[str]:
        """Columns an evaluated point has (from an analytical estimate of the base point)."""
        from archsim.sweep.evaluate import point_metrics

        names = list(point_metrics(self, self.workload, self.tech, self.design)[0])
        return names + (["test_acc"] if self.functional is not None else []) + list(self.derived)

    def derive(self, values: dict[str, Any], metrics: dict[str, float]) -> dict[str, float]:
        """The sweep's derived metrics of one evaluated point (each may use the ones before it);
        computed when reporting, so editing `derived:` needs no re-evaluation. NaN where undefined."""
        known = dict(metrics)
        base = self.lookup(values)

        def get(name: str) -> Any:
            root, _, rest = name.partition(".")
            return known[rest] if root == METRIC_ROOT else base(name)

        for name, text in self.derived.items():
            try:
                known[name] = float(Expression(text, ROOTS + (METRIC_ROOT,)).evaluate(get))
            except (KeyError, ArithmeticError, TypeError, ValueError):
                known[name] = float("nan")
        return {name: known[name] for name in self.derived}


def build_context(sweep: Sweep, sweep_path: Path, workload_path: Path) -> SweepContext:
    """Load the base workload/tech/design once; apply the sweep's `functional:` and `fixed:` sections."""
    workload = load_workload(workload_path)
    tech = load_tech(workload, workload_path)
    design = build_design(sweep.design, workload_file=sweep_path, key="design")
    if sweep.functional is not None:
        fdata = workload.functional.model_dump() if workload.functional is not None else {}
        own = sweep.functional.algorithm == "design"   # the point's design's own model, no other algorithm
        fdata = deep_merge({**fdata, "algorithms": [] if own else [sweep.functional.algorithm],
                            "design_models": own}, sweep.functional.overrides)
        workload = validate(Workload, {**workload.model_dump(), "functional": fdata}, sweep_path,
                            prefix="functional.overrides (merged into the workload's functional:)")
    base = SweepContext(workload, str(workload_path), tech, design, sweep.functional, dict(sweep.derived))
    if not sweep.fixed:
        return base
    problems = [Problem(f"fixed.{t}", msg) for t in sweep.fixed if (msg := base.missing_target(t))]
    if problems:
        raise ConfigError(sweep_path, problems)
    w, t, d = _build_fixed(base, sweep, sweep_path)
    return SweepContext(w, str(workload_path), t, d, sweep.functional, dict(sweep.derived))


def _build_fixed(base: SweepContext, sweep: Sweep, sweep_path: Path):
    try:
        return base.build(sweep.fixed, sweep_path)
    except ConfigError as exc:
        raise ConfigError(sweep_path, [Problem(f"fixed ({p.key})", p.message) for p in exc.problems]) from None
