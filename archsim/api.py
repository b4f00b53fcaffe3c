"""Python API: load a workload, estimate it into DataFrames, write its report, sweep design points.

    import archsim

    w = archsim.load_workload("workloads/mlp_mnist_train.yaml")      # or a dict
    r = archsim.estimate(w)
    r.totals          # design, energy_nJ, latency_us, images_per_s, power_mW (the CLI's totals)
    r.energy          # design, stage, component, energy_pj
    r.to_report("reports/mlp")                                         # the files `archsim run` writes
    df = archsim.sweep("workloads/sweep_mlp_adc.yaml", workers=1)     # results.csv as a DataFrame

`estimate` runs the estimator only (the analytical trace); functional training and inference studies
(`functional:` / `inference:` sections) run with `archsim run`. Bad input raises
archsim.config.errors.ConfigError naming the file, the key and what is allowed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import PrivateAttr

from archsim.config.loader import load, validate
from archsim.config.tech import Tech
from archsim.config.workload import Workload
from archsim.estimate import Estimate, load_designs, load_tech
from archsim.estimate import estimate as _estimate
from archsim.reports import tables

PathLike = str | os.PathLike


class LoadedWorkload(Workload):
    """A validated workload that remembers the file its relative paths (tech:, design files) resolve against."""

    _source: Path = PrivateAttr(default_factory=lambda: Path.cwd() / "<workload>.yaml")

    @property
    def source(self) -> Path:
        """The YAML file it came from (for a dict: a virtual file in its base folder)."""
        return self._source


def load_workload(source: PathLike | Mapping | Workload, *, base_dir: PathLike | None = None) -> LoadedWorkload:
    """Validate a workload from a YAML file, a dict (paths relative to `base_dir`, default: the current
    folder) or an existing Workload. Raises ConfigError listing every problem."""
    if isinstance(source, LoadedWorkload):
        return source
    if isinstance(source, Workload):
        source = source.model_dump()
    if isinstance(source, Mapping):
        virtual = Path(base_dir or Path.cwd()).resolve() / "<workload>.yaml"
        w = validate(LoadedWorkload, dict(source), virtual)
        w._source = virtual
        return w
    path = Path(source)
    w = load(LoadedWorkload, path)
    w._source = path.resolve()
    return w


@dataclass
class Result:
    """One estimate: per design, energy and latency per stage, component, layer and action."""

    workload: Workload
    tech: Tech
    raw: Estimate

    @property
    def energy(self) -> pd.DataFrame:
        """design, stage, component, energy_pj (per image), as energy.csv."""
        return self.raw.energy[["design", "stage", "component", "energy_pj"]].copy()

    @property
    def latency(self) -> pd.DataFrame:
        """design, stage, latency_ns (from the event schedule), as latency.csv."""
        return self.raw.latency[["design", "stage", "latency_ns"]].copy()

    @property
    def layers(self) -> pd.DataFrame:
        """Per design, layer and stage: energy_pj, latency_ns, adc_conversions, macs, mvm_cycles, weights, arrays."""
        return tables.layer_table(self.raw)

    @property
    def actions(self) -> pd.DataFrame:
        """Every action count × per-action energy (where each number came from), as actions.csv."""
        return tables.actions_table(self.raw)

    @property
    def stages(self) -> pd.DataFrame:
        """design, stage, energy_nJ, latency_us, the stages then their total (summary.md's table)."""
        return tables.stage_table(self.raw)

    @property
    def totals(self) -> pd.DataFrame:
        """design, energy_nJ, latency_us, images_per_s, power_mW: the totals `archsim run` prints."""
        return tables.totals(self.raw)

    def summary(self) -> str:
        """The one-screen table `archsim run` prints."""
        from archsim.reports.writer import terminal_summary

        return terminal_summary(self.raw, None)

    def to_report(self, out_dir: PathLike) -> list[Path]:
        """Write the report folder `archsim run` writes (CSV, Markdown, plots; atomically); returns its files."""
        from archsim.reports.writer import write_report

        files, _ = write_report(self.raw, self.tech, Path(out_dir))
        return files


def estimate(workload: PathLike | Mapping | Workload) -> Result:
    """Simulate one image (or batch) of the workload on each of its designs with the analytical trace."""
    w = load_workload(workload)
    if w.trace.source == "functional":
        warnings.warn(f"{w.name}: trace.source 'functional' needs a functional run (archsim run); "
                      "using the analytical update statistics", stacklevel=2)
    tech = load_tech(w, w.source)
    return Result(w, tech, _estimate(w, w.source, tech=tech, designs=load_designs(w, w.source)))


def sweep(path: PathLike, out_dir: PathLike | None = None, *, workers: int | None = None,
          scheduler: str | None = None, fresh: bool = False, progress: bool = False,
          report: bool = True) -> pd.DataFrame:
    """Evaluate a sweep YAML (as `archsim sweep`) and return its results table (results.csv's rows).

    Finished points are kept in `out_dir` (default reports/<sweep name>/) and reused on the next call
    unless `fresh`; `workers=None` uses all local cores, 1 runs in this process; `scheduler` is a
    dask.distributed address. With `report`, results.csv, pareto.csv, summary.md and plots are written."""
    from archsim.reports.io import StagedReport
    from archsim.sweep.config import load_sweep
    from archsim.sweep.execute import run_sweep
    from archsim.sweep.report import results_table, write_sweep_report

    plan = load_sweep(path)
    out = Path(out_dir) if out_dir is not None else Path("reports") / plan.sweep.name
    with StagedReport(out, "archsim.sweep()") as rep:     # one writer per folder, the report whole or not at all
        run = run_sweep(plan, rep.out_dir, workers=workers, scheduler=scheduler, fresh=fresh, progress=progress)
        if report:
            write_sweep_report(plan, rep, run.records, f"archsim.sweep(): {run.evaluated} points evaluated, "
                                                       f"{run.skipped} reused, on {run.where}")
            rep.commit()
    return results_table(plan, run.records)
