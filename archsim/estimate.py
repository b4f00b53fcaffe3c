"""The estimator pipeline for one workload: load → trace → simulate each design → price → tables.

Each design runs twice in the discrete-event model when that matters: one batch alone (single-image
and per-batch latency, the counts that are priced) and a stream of `stream_batches` batches (the
steady-state throughput). Training batches follow one another, so their stream's first batch is
the lone batch and one run suffices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from archsim.accounting.energy import action_table, energy_by_component
from archsim.accounting.latency import stage_latency, stream_table
from archsim.config.design import Design, build_design
from archsim.config.errors import ConfigError, Problem
from archsim.config.loader import load
from archsim.config.tech import Tech, load_tech_file
from archsim.config.workload import DesignRef, Workload, resolve
from archsim.hardware.simulate import Simulation, simulate
from archsim.resources import builtin_tech, builtin_tech_names
from archsim.trace.analytical import build_trace
from archsim.trace.ops import Trace
from archsim.trace.stats import LayerUpdateStats


@dataclass
class Estimate:
    """Per-design simulations of one workload, with the energy and latency tables (per image)."""

    workload: Workload
    trace: Trace
    sims: dict[str, Simulation]      # one batch alone: latency, priced counts
    streams: dict[str, Simulation]   # the stream of batches: throughput, timelines
    actions: dict[str, pd.DataFrame]  # per design: action table (per image, leakage rows included)
    energy: pd.DataFrame   # design, stage, component, energy_pj
    latency: pd.DataFrame  # design, stage, latency_ns
    stream: pd.DataFrame   # design, batch_size, batches, image/batch latency, interval, images_per_s
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
    return load_tech_file(path)


def workload_trace(workload: Workload, update_stats: dict[str, LayerUpdateStats] | None = None,
                   conductance_us: dict[str, float] | None = None, optimizer: str | None = None) -> Trace:
    """The workload's trace: analytical, or with a functional run's measured statistics (and the
    optimizer that run used, where it says)."""
    source = "functional" if update_stats is not None else "analytical"
    cfg = workload.trace if optimizer is None else workload.trace.model_copy(update={"optimizer": optimizer})
    return build_trace(workload.name, workload.network, workload.mode, update_stats, cfg, source,
                       batch_size=workload.batch_size, conductance_us=conductance_us)


def _simulate(trace: Trace, design, tech: Tech, batches: int, where: str, workload_path) -> Simulation:
    try:
        return simulate(trace, design, tech, batches)
    except ConfigError as exc:
        if exc.file != "<input>":
            raise
        raise ConfigError(workload_path, [Problem(f"{where}.{p.key}" if p.key else where, p.message)
                                          for p in exc.problems]) from None


def estimate(workload: Workload, workload_path: str | Path, *, tech: Tech | None = None,
             designs: list[Design] | None = None, update_stats: dict[str, LayerUpdateStats] | None = None,
             conductance_us: dict[str, float] | None = None, optimizer: str | None = None) -> Estimate:
    """Simulate the workload on each design; `update_stats` (per layer, per image), `conductance_us`
    (per layer) and `optimizer` ('sgd' | 'momentum') replace the stated ones where a functional run
    measured or used them."""
    tech = tech or load_tech(workload, workload_path)
    designs = designs or load_designs(workload, workload_path)
    trace = workload_trace(workload, update_stats, conductance_us, optimizer)
    sims, streams, actions, energy, latency, stream = {}, {}, {}, [], [], []
    for i, d in enumerate(designs):
        where = f"designs.{i}"
        batches = workload.batches_to_simulate
        run = _simulate(trace, d, tech, batches, where, workload_path)
        alone = run if (trace.mode == "train" or batches == 1) else _simulate(trace, d, tech, 1, where, workload_path)
        st = stream_table(alone, run)
        interval = float(st.interval_ns.iloc[0])
        acts = action_table(alone, time_per_image_ns=interval)
        e = energy_by_component(alone, acts)
        per_image_nj = e.energy_pj.sum() / 1e3
        alone.facts.update({"images_per_s": float(st.images_per_s.iloc[0]),
                            "power_mW": per_image_nj * float(st.images_per_s.iloc[0]) / 1e6})
        sims[d.name], streams[d.name], actions[d.name] = alone, run, acts
        energy.append(e)
        latency.append(stage_latency(alone))
        stream.append(st)
    return Estimate(workload, trace, sims, streams, actions, pd.concat(energy, ignore_index=True),
                    pd.concat(latency, ignore_index=True), pd.concat(stream, ignore_index=True))
