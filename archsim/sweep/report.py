"""Sweep reports from the stored records: results.csv (one row per point), pareto.csv, summary.md
(best point per objective) and the plots; written into the output folder in one atomic step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from archsim.reports.io import StagedReport, staged_report
from archsim.sweep.config import SweepPlan
from archsim.sweep.evaluate import STATUS_EXCLUDED, STATUS_OK
from archsim.sweep.expressions import Expression
from archsim.sweep.pareto import pareto_front

GROUP = "iso_group"
MAX_TABLE_ROWS = 25
HIGHER_IS_BETTER = {"images_per_s", "test_acc"}


def results_table(plan: SweepPlan, records: dict[str, dict]) -> pd.DataFrame:
    """One row per point of the plan, in plan order: swept values, iso group, metrics, status, error."""
    same = [Expression(t) for t in plan.sweep.iso.same]
    rows = []
    for p in plan.points:
        rec = records.get(p.key)
        status = STATUS_EXCLUDED if p.excluded else (rec["status"] if rec else "pending")
        row = {"point": p.index, "key": p.key, "status": status, **p.values}
        if same:
            lookup = plan.context.lookup(p.values)
            row[GROUP] = ", ".join(f"{e.text}={e.evaluate(lookup)}" for e in same)
        row.update({m: np.nan for m in plan.metrics})
        if rec and not p.excluded and rec["status"] == STATUS_OK:
            row.update(rec["metrics"])
            row.update(plan.context.derive(p.values, rec["metrics"]))
        row["seconds"] = rec.get("seconds", np.nan) if rec and not p.excluded else np.nan
        row["error"] = f"iso.require: {p.excluded}" if p.excluded else (rec.get("error", "") if rec else "")
        rows.append(row)
    return pd.DataFrame(rows)


def objective_goals(plan: SweepPlan, metrics: list[str]) -> list[bool]:
    """Maximise? for each metric: the sweep's objective goal, else higher-is-better for throughput/accuracy."""
    goals = {o.metric: o.goal == "max" for o in plan.sweep.objectives}
    return [goals.get(m, m in HIGHER_IS_BETTER) for m in metrics]


def pareto_table(plan: SweepPlan, results: pd.DataFrame) -> pd.DataFrame:
    """Points on the Pareto front of all objectives (within each iso group), best first objective first."""
    ok = results[results.status == STATUS_OK]
    metrics = [o.metric for o in plan.sweep.objectives]
    mask = pareto_front(ok, metrics, objective_goals(plan, metrics), GROUP if GROUP in ok else None)
    front = ok[mask]
    first = plan.sweep.objectives[0]
    order = ([GROUP] if GROUP in front else []) + [first.metric]
    return front.sort_values(order, ascending=[True] * (len(order) - 1) + [first.goal == "min"])


def best_points(plan: SweepPlan, results: pd.DataFrame) -> pd.DataFrame:
    """For each objective (and iso group): the best ok point and its value."""
    ok = results[results.status == STATUS_OK]
    groups = ok.groupby(GROUP, sort=False) if GROUP in ok else [("all points", ok)]
    rows = []
    for group, sub in groups:
        for o in plan.sweep.objectives:
            col = sub[o.metric].dropna()
            if col.empty:
                continue
            idx = col.idxmax() if o.goal == "max" else col.idxmin()
            rows.append({"objective": o.metric, "goal": o.goal, "group": group, "point": int(sub.at[idx, "point"]),
                         "value": sub.at[idx, o.metric],
                         **{t: sub.at[idx, t] for t in plan.sweep.targets}})
    return pd.DataFrame(rows)


def _md(df: pd.DataFrame) -> str:
    return df.to_markdown(index=False, floatfmt=".4g") if not df.empty else "(none)"


def summary_markdown(plan: SweepPlan, results: pd.DataFrame, pareto: pd.DataFrame, best: pd.DataFrame,
                     run_info: str, figures: dict[str, str]) -> str:
    s = plan.sweep
    counts = results.status.value_counts()
    count_line = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("ok", "invalid", "failed", "excluded", "pending")
                           if counts.get(k, 0))
    axes = "\n".join(f"- `{', '.join(a.targets)}`: "
                     + (f"{a.values}" if a.values is not None else
                        f"range {a.range.model_dump(exclude_none=True)}" if a.range is not None else
                        f"random {a.random.model_dump(exclude_none=True)}") for a in s.axes)
    fixed = ", ".join(f"`{k}: {v}`" for k, v in s.fixed.items()) or "none"
    objectives = ", ".join(f"{o.goal} {o.metric}" for o in s.objectives)
    show = [t for t in s.targets] + ([GROUP] if GROUP in pareto else []) + \
        list(dict.fromkeys([o.metric for o in s.objectives] + [s.report.x, s.report.y]))
    lines = [f"# Sweep `{s.name}`", "", s.description, "",
             f"- sweep file: `{plan.path}`; workload `{s.workload}`; base design `{s.design}`; fixed: {fixed}",
             f"- {len(results)} points ({s.mode}{', seed ' + str(s.seed) if s.mode == 'random' else ''}): "
             f"{count_line}", f"- {run_info}", f"- objectives: {objectives}", "", "Axes:", axes]
    if s.iso.require:
        lines += ["", "Required (points violating these are excluded): "
                  + "; ".join(f"`{r}`" for r in s.iso.require)]
    if s.iso.same:
        lines += ["", "Compared only among points with equal: " + "; ".join(f"`{r}`" for r in s.iso.same)
                  + " (one front and one best point per group)."]
    lines += ["", "## Best point per objective", "", _md(best), "",
              f"## Pareto front ({len(pareto)} points on all objectives"
              + (f"; first {MAX_TABLE_ROWS} shown" if len(pareto) > MAX_TABLE_ROWS else "") + ")", "",
              _md(pareto[["point"] + show].head(MAX_TABLE_ROWS)), ""]
    bad = results[results.status.isin(["invalid", "failed"])]
    if not bad.empty:
        lines += [f"## Invalid or failed points ({len(bad)}; errors in results.csv)", "",
                  _md(bad[["point", "status", *s.targets, "error"]].head(MAX_TABLE_ROWS)), ""]
    for name, caption in figures.items():
        lines += [f"![{name}]({name})", "", caption, ""]
    return "\n".join(lines)


def write_sweep_report(plan: SweepPlan, out_dir: str | Path | StagedReport, records: dict[str, dict],
                       run_info: str) -> list[Path]:
    """results.csv, pareto.csv, summary.md, pareto.png, breakdown.png → out_dir (one atomic commit; a
    plot that fails is left out with a note, the tables are always written)."""
    from archsim.sweep.plots import breakdown_plot, pareto_plot

    results = results_table(plan, records)
    pareto = pareto_table(plan, results)
    best = best_points(plan, results)
    with staged_report(out_dir, "archsim sweep") as rep:
        rep.csv("results.csv", results)
        rep.csv("pareto.csv", pareto)
        figures = {}
        if (results.status == STATUS_OK).any():
            figures["pareto.png"] = rep.plot("pareto.png", pareto_plot, plan, results, pareto)
            figures["breakdown.png"] = rep.plot("breakdown.png", breakdown_plot, plan, results, pareto, best, records)
        figures = {name: caption for name, caption in figures.items() if caption is not None}
        rep.text("summary.md", summary_markdown(plan, results, pareto, best, run_info, figures))
        return rep.files
