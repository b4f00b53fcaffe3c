"""The estimator pipeline for one workload: load → trace → simulate each design → tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from archsim.accounting.energy import energy_by_component
from archsim.accounting.latency import stage_latency
from archsim.config.design import Design, build_design
from archsim.config.errors import ConfigError
from archsim.config.loader import load
from archsim.config.tech import Tech
from archsim.config.workload import DesignRef, Workload, resolve
from archsim.hardware.simulate import Simulation, simulate
from archsim.resources import builtin_tech, builtin_tech_names
from archsim.trace.analytical import build_trace
from archsim.trace.ops import Trace
from archsim.trace.stats import LayerUpdateStats


@dataclass
class Estimate:
    """Per-design simulations of one workload, with the energy and latency tables."""

    workload: Workload
    trace: Trace
    sims: dict[str, Simulation]
    energy: pd.DataFrame   # design, stage, component, energy_pj
    latency: pd.DataFrame  # design, stage, latency_ns
    extras: dict = field(default_factory=dict)


def load_workload(path: str | Path) -> Workload:
    return load(Workload, path)


def load_designs(workload: Workload, workload_path: str | Path) -> list[Design]:
    """Built-in or file designs with their overrides, validated; errors name designs.N."""
    designs = []
    for i, ref in enumerate(workload.designs):
        if isinstance(ref, str):
            designs.append(build_design(ref, workload_file=workload_path, key=f"designs.{i}"))
        else:
            assert isinstance(ref, DesignRef)
            designs.append(build_design(ref.base, ref.name, ref.overrides, workload_path, key=f"designs.{i}"))
    return designs


def load_tech(workload: Workload, workload_path: str | Path) -> Tech:
    """A built-in technology by bare name (`tech: 14lpp`, the default) or a YAML relative to the workload."""
    path = builtin_tech(workload.tech) or resolve(workload_path, workload.tech)
    if not path.is_file():
        raise ConfigError(workload_path, f"tech: file '{workload.tech}' not found (looked at {path}); "
                                         f"built-in technologies: {', '.join(builtin_tech_names())}")
    return load(Tech, path)


def estimate(workload: Workload, workload_path: str | Path, *, tech: Tech | None = None,
             designs: list[Design] | None = None,
             update_stats: dict[str, LayerUpdateStats] | None = None) -> Estimate:
    """Simulate one image of `workload` on each design; `update_stats` overrides the analytical ones."""
    tech = tech or load_tech(workload, workload_path)
    designs = designs or load_designs(workload, workload_path)
    source = "functional" if update_stats is not None else "analytical"
    trace = build_trace(workload.name, workload.network, workload.mode, update_stats, workload.trace, source)
    sims = {d.name: simulate(trace, d, tech) for d in designs}
    energy = pd.concat([energy_by_component(s) for s in sims.values()], ignore_index=True)
    latency = pd.concat([stage_latency(s) for s in sims.values()], ignore_index=True)
    return Estimate(workload, trace, sims, energy, latency)
