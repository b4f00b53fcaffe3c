"""`archsim sweep SWEEP.yaml`: validate, evaluate the unfinished points, write the report."""

from __future__ import annotations

import time
from pathlib import Path

from archsim.config.errors import ConfigError, Problem
from archsim.config.limits import SWEEP_MAX_POINTS
from archsim.reports.io import StagedReport
from archsim.sweep.config import load_sweep
from archsim.sweep.execute import run_sweep
from archsim.sweep.report import write_sweep_report


def default_out_dir(name: str) -> Path:
    return Path("reports") / name


def run_sweep_command(args, echo=print) -> int:
    """Entry point of the CLI's `sweep` subcommand (args: sweep, out, workers, scheduler, fresh, quiet,
    max_points)."""
    if args.workers is not None and args.workers < 1:
        raise ConfigError("command line", [Problem("--workers", f"must be >= 1 (got {args.workers})")])
    max_points = getattr(args, "max_points", None)
    max_points = SWEEP_MAX_POINTS if max_points is None else max_points
    if max_points < 1:
        raise ConfigError("command line", [Problem("--max-points", f"must be >= 1 (got {max_points})")])
    plan = load_sweep(args.sweep, max_points=max_points)
    out = Path(args.out) if args.out is not None else default_out_dir(plan.sweep.name)
    # the lock is held from the first evaluated point to the report's commit: one writer per folder
    with StagedReport(out, "archsim sweep") as rep:
        run = run_sweep(plan, rep.out_dir, workers=args.workers, scheduler=args.scheduler, fresh=args.fresh,
                        progress=not args.quiet)
        rate = f"{run.evaluated / run.seconds:.1f} points/s" if run.evaluated and run.seconds > 0 else "-"
        command = " ".join(["archsim sweep", str(args.sweep)] + ([f"--out {args.out}"] if args.out else [])
                           + ([f"--workers {args.workers}"] if args.workers else [])
                           + ([f"--scheduler {args.scheduler}"] if args.scheduler else []))
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        run_info = (f"{run.evaluated} points evaluated ({run.skipped} reused from earlier runs) on {run.where} "
                    f"in {run.seconds:.1f} s ({rate}), {stamp}" if run.evaluated else
                    f"0 points evaluated: all {run.skipped} were finished by earlier runs (points.jsonl), {stamp}")
        write_sweep_report(plan, rep, run.records, f"last run: `{command}`: {run_info}")
        files = rep.commit()
    statuses = [r["status"] for r in run.records.values()]
    counts = {s: statuses.count(s) for s in ("ok", "invalid", "failed")}
    echo(f"{plan.sweep.name}: {len(plan.points)} points ({len(plan.points) - len(plan.todo)} excluded by "
         f"iso.require); {counts['ok']} ok, {counts['invalid']} invalid, {counts['failed']} failed")
    echo(run_info)
    echo(f"wrote {len(files)} files to {out}/ (points.jsonl keeps every finished point for resume)")
    return 1 if counts["failed"] else 0
