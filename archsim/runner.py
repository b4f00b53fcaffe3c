"""`archsim run`: one workload YAML → functional runs (if asked) → estimator → report folder."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from archsim.config.errors import ConfigError
from archsim.config.limits import estimate_problems
from archsim.estimate import Estimate, estimate, load_designs, load_tech, load_workload
from archsim.reports.io import StagedReport
from archsim.reports.writer import terminal_summary, write_report


@dataclass
class RunResult:
    """What `archsim run` produced."""

    estimate: Estimate
    out_dir: Path
    files: list[Path]
    validation: pd.DataFrame | None
    seconds: float
    extras: dict = field(default_factory=dict)


def default_out_dir(name: str) -> Path:
    return Path("reports") / name


def run_workload(path: str | Path, out_dir: str | Path | None = None, *, resume: bool = False,
                 data_dir: str | Path | None = None, functional: bool = True, progress: bool = True,
                 fresh: bool = False, echo=print) -> RunResult:
    """Validate everything first (fail fast on bad YAML), then run the functional parts and the estimator.

    resume: continue the functional parts from their checkpoints (refused, naming the changed keys, when
    the configuration changed since); fresh: delete the output folder's checkpoints first."""
    t0 = time.perf_counter()
    path = Path(path)
    workload = load_workload(path)
    tech = load_tech(workload, path)
    designs = load_designs(workload, path)
    out = Path(out_dir) if out_dir is not None else default_out_dir(workload.name)
    data = Path(data_dir) if data_dir is not None else None

    if resume and fresh:
        raise ConfigError(path, [_problem("--resume/--fresh", "give one of them: --resume continues the "
                                                              "checkpoints, --fresh discards them")])
    if fresh and functional:
        from archsim.functional.checkpoint import clear
        from archsim.io import checkpoint_dir

        clear(checkpoint_dir(out))
    update_stats = conductance = optimizer = None
    sections: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    extras: dict = {}
    if workload.trace.source == "functional" and not (functional and workload.functional):
        if workload.functional is None:
            raise ConfigError(path, [_problem("trace.source", "'functional' needs a functional: section "
                                                              "(or set trace.source: analytical)")])
        echo("note: --no-functional given; using the analytical update statistics instead", file=sys.stderr)
    # every output of the run (functional, inference, estimator) is staged and appears in one commit;
    # checkpoints live outside the staging folder, so a failed or killed run can be resumed
    with StagedReport(out, "archsim run") as rep:
        if functional and workload.functional is not None:
            from archsim.functional.run import run_functional

            summary = run_functional(workload, path, rep.stage_dir, checkpoints=rep.checkpoints, resume=resume,
                                     data_dir=data, progress=progress, designs=designs)
            extras["functional"] = summary
            if workload.trace.source == "functional":
                update_stats = summary.update_stats
                conductance = getattr(summary, "mean_conductance_us", None)  # layer → µS, where the run measures it
                optimizer = getattr(summary, "optimizer", None)  # 'sgd' | 'momentum', where the run says
            sections.append(_functional_section(summary))
        if functional and workload.inference is not None:
            from archsim.functional.inference.run import run_inference_study

            study = run_inference_study(workload, path, rep.stage_dir, checkpoints=rep.checkpoints, resume=resume,
                                        data_dir=data, progress=progress, designs=designs)
            extras["inference"] = study
            conductance = conductance or getattr(study, "mean_conductance_us", None)  # programmed devices, µS

        est = estimate(workload, path, tech=tech, designs=designs, update_stats=update_stats,
                       conductance_us=conductance, optimizer=optimizer)
        check_estimate(est, path)
        if "inference" in extras:
            from archsim.accounting.programming import programming_cost

            sections.append(_inference_section(extras["inference"]))
            cost = programming_cost(extras["inference"], est, tech)
            tables["programming_cost.csv"] = cost
            sections.append("## One-off programming and per-calibration cost\n\n" + cost.to_markdown(index=False))
        _, val = write_report(est, tech, rep, sections, tables, workload_path=path)
        files = rep.commit()
    return RunResult(est, out, files, val, time.perf_counter() - t0, extras)


def check_estimate(est: Estimate, path: Path) -> None:
    """ConfigError if an estimate is not physical (non-finite, negative, or beyond per-image bounds)."""
    problems = estimate_problems(est.energy[["design", "stage", "component", "energy_pj"]].itertuples(index=False),
                                 est.latency[["design", "stage", "latency_ns"]].itertuples(index=False))
    if problems:
        raise ConfigError(path, [_problem("", f"the estimate is not physical: {p} (check layer sizes, tech "
                                              "energies, clocks and pulse counts)") for p in problems])


def _problem(key: str, msg: str):
    from archsim.config.errors import Problem

    return Problem(key, msg)


def _functional_section(summary) -> str:
    acc = getattr(summary, "final_test_acc", {}) or {}
    rows = "\n".join(f"| {alg} | {acc_:.4f} |" for alg, acc_ in acc.items())
    text = ("## Functional accuracy (final test accuracy, mean over seeds)\n\n| algorithm | test_acc |\n|---|---|\n"
            + rows + "\n\nSee accuracy.csv, updates.csv and drift.csv.")
    ratios = getattr(summary, "ratios", None)
    if ratios is not None and not ratios.empty:
        text += ("\n\n## Device updates vs FP weight writes (per epoch, per layer)\n\n"
                 + ratios.to_markdown(index=False, floatfmt=".4g") + "\n\nupdates_ratio.csv, updates_per_epoch.png.")
    return text


def _inference_section(study) -> str:
    acc = study.accuracy_vs_time
    pv = acc.pivot_table(index=["model", "compensation"], columns="t_s", values="test_acc_mean", sort=False)
    pv.columns = [f"t={t:g} s" for t in pv.columns]
    return (f"## PCM inference accuracy over time (FP32 software: {study.fp32_test_acc:.4f})\n\n"
            + pv.reset_index().to_markdown(index=False, floatfmt=".4f")
            + "\n\nMean over repeated programming and noise draws; std in accuracy_vs_time.csv.")


def print_run(result: RunResult, echo=print) -> None:
    echo(terminal_summary(result.estimate, result.validation))
    echo(f"wrote {len(result.files)} files to {result.out_dir}/ in {result.seconds:.2f} s")
