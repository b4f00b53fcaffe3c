"""Evaluate design points: build the point's objects, run the functional study if the sweep asks,
estimate energy/latency of the one design, and return a JSON-ready record (never raises per point)."""

from __future__ import annotations

import re
import time
import traceback
from pathlib import Path
from typing import Any

from archsim.config.errors import ConfigError, Problem
from archsim.config.limits import estimate_problems
from archsim.estimate import estimate

STATUS_OK, STATUS_INVALID, STATUS_FAILED, STATUS_EXCLUDED = "ok", "invalid", "failed", "excluded"


def component_slug(component: str) -> str:
    """'χ SRAM' → 'chi_sram' (column-name friendly)."""
    return re.sub(r"[^a-z0-9]+", "_", component.replace("χ", "chi").lower()).strip("_")


def point_metrics(ctx, workload, tech, design, update_stats=None) -> tuple[dict[str, float], dict]:
    """Per-stage and total energy (nJ) / latency (µs), throughput, power, component energies (nJ)
    and numeric design facts of one design; plus the stage × component breakdown (pJ)."""
    est = estimate(workload, ctx.workload_path, tech=tech, designs=[design], update_stats=update_stats)
    problems = estimate_problems(est.energy[["design", "stage", "component", "energy_pj"]].itertuples(index=False),
                                 est.latency[["design", "stage", "latency_ns"]].itertuples(index=False))
    if problems:
        raise ConfigError(ctx.workload_path, [Problem("", f"the estimate is not physical: {p}") for p in problems])
    # plain loops over the two small tables: pandas group-bys would cost more than the simulation
    breakdown: dict[str, dict[str, float]] = {}
    for stage, comp, pj in zip(est.energy.stage, est.energy.component, est.energy.energy_pj):
        by_stage = breakdown.setdefault(stage, {})
        by_stage[comp] = by_stage.get(comp, 0.0) + float(pj)
    metrics: dict[str, float] = {}
    for stage, comps in breakdown.items():
        metrics[f"{stage}_energy_nJ"] = sum(comps.values()) / 1e3
    metrics["total_energy_nJ"] = sum(metrics.values())
    for stage, ns in zip(est.latency.stage, est.latency.latency_ns):
        metrics[f"{stage}_latency_us"] = float(ns) / 1e3
    metrics["images_per_s"] = 1e6 / metrics["total_latency_us"]
    metrics["power_mW"] = metrics["total_energy_nJ"] / metrics["total_latency_us"]
    for comp in sorted({c for comps in breakdown.values() for c in comps}):
        metrics[f"{component_slug(comp)}_energy_nJ"] = sum(b.get(comp, 0.0) for b in breakdown.values()) / 1e3
    for fact, value in est.sims[design.name].facts.items():
        if isinstance(value, (int, float)):
            metrics[fact] = float(value)
    return metrics, breakdown


#: folder (under the sweep's output folder) of the points' functional runs, one sub-folder per point key
POINTS_DIR = "points"


def _functional(ctx, workload, point, design) -> tuple[float, Any]:
    """Short functional run of this point; final test accuracy and measured update statistics (algorithm
    design: the point's design trained with its own functional model)."""
    from archsim.functional.run import run_functional

    out = Path(ctx.out_dir or ".") / POINTS_DIR / point.key
    if ctx.functional.algorithm != "design":
        summary = run_functional(workload, Path(ctx.workload_path), out, resume=ctx.resume, progress=False)
        accuracy = summary.final_test_acc[ctx.functional.algorithm]
        return accuracy, (summary.update_stats if ctx.functional.measured_updates else None)
    summary = run_functional(workload, Path(ctx.workload_path), out, resume=ctx.resume, progress=False,
                             designs=[design])
    own = summary.designs[design.name]
    if own["update_stats"] is None:
        raise ConfigError(ctx.workload_path, [Problem("functional.algorithm", f"design '{design.name}': {own['note']}")])
    return own["test_acc_mean"], (own["update_stats"] if ctx.functional.measured_updates else None)


def record(point, status: str, seconds: float = 0.0, error: str = "", metrics=None, breakdown=None) -> dict:
    return {"key": point.key, "values": point.values, "status": status, "error": error,
            "seconds": round(seconds, 6), "metrics": metrics or {}, "breakdown": breakdown or {}}


def evaluate_point(ctx, point) -> dict:
    """One point → record with status ok / invalid (bad combination) / failed (unexpected error)."""
    t0 = time.perf_counter()
    try:
        workload, tech, design = ctx.build(point.values)
        accuracy, stats = _functional(ctx, workload, point, design) if ctx.functional is not None else (None, None)
        metrics, breakdown = point_metrics(ctx, workload, tech, design, stats)
        if accuracy is not None:
            metrics["test_acc"] = float(accuracy)
        return record(point, STATUS_OK, time.perf_counter() - t0, metrics=metrics, breakdown=breakdown)
    except ConfigError as exc:
        return record(point, STATUS_INVALID, time.perf_counter() - t0, error=str(exc).replace("<input>: ", ""))
    except Exception as exc:  # noqa: BLE001 - a point's failure must not stop the sweep
        return failed_record(point, exc, time.perf_counter() - t0)


def failed_record(point, exc: BaseException, seconds: float = 0.0) -> dict:
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    at = f" (at {Path(where[0].filename).name}:{where[0].lineno})" if where else ""
    return record(point, STATUS_FAILED, seconds, error=f"{type(exc).__name__}: {exc}{at}")


def evaluate_chunk(ctx, points: list) -> list[dict]:
    """A task: several points evaluated in turn (chunks cut per-task scheduling overhead)."""
    return [evaluate_point(ctx, p) for p in points]
