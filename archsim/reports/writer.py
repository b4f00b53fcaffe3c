"""Write a run's report folder (CSV + Markdown + PNG) atomically, and its terminal summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from archsim.config.tech import Tech
from archsim.reports import plots, tables
from archsim.reports.io import StagedReport, staged_report
from archsim.reports.markdown import summary_md, validation_md
from archsim.reports.validation import validate_estimate
from archsim.trace.table import trace_table

if TYPE_CHECKING:
    from archsim.estimate import Estimate


def write_report(est: "Estimate", tech: Tech, out_dir: Path | StagedReport, extra_sections: list[str] | None = None,
                 extra_tables: dict[str, pd.DataFrame] | None = None,
                 workload_path: str | Path | None = None) -> tuple[list[Path], pd.DataFrame | None]:
    """All estimator outputs for one workload into `out_dir` (a folder, or the StagedReport of a run
    that commits it together with its other outputs); returns (files, validation table).

    A workload with a `reference:` also gets validation.csv/.md/.png (its cells, labels computed by
    perturbing the fitted parameters: see archsim.reports.validation)."""
    val = None
    ref = est.workload.reference
    if ref is not None:
        path = workload_path or getattr(est.workload, "source", None) or "<workload>"
        val = validate_estimate(est, path, tech, [s.design for s in est.sims.values()])
    with staged_report(out_dir, "archsim run") as rep:
        rep.csv("energy.csv", est.energy[["design", "stage", "component", "energy_pj"]])
        rep.csv("latency.csv", est.latency[["design", "stage", "latency_ns"]])
        rep.csv("actions.csv", tables.actions_table(est))
        rep.csv("layers.csv", tables.layer_table(est))
        rep.csv("stream.csv", est.stream)
        rep.csv("trace.csv", trace_table(est.trace))
        for name, df in (extra_tables or {}).items():
            rep.csv(name, df)
        rep.text("summary.md", summary_md(est, tech, extra_sections))
        rep.plot("energy_breakdown.png", plots.energy_breakdown, est)
        for design in est.sims:
            rep.plot(f"timeline_{design}.png", plots.timeline, est, design)
        if val is not None and len(val):
            rep.csv("validation.csv", val)
            rep.text("validation.md", validation_md(val, tech, [ref], f"Validation of {est.workload.name}"))
            rep.plot("validation.png", plots.validation_scatter, val)
        files = rep.files
    return files, val


def terminal_summary(est: "Estimate", val: pd.DataFrame | None) -> str:
    """A compact one-screen table: per design, energy per stage, total energy, time, throughput."""
    st = tables.stage_table(est)
    tot = tables.totals(est).set_index("design")
    stages = [s for s in tables.STAGE_ORDER if s != "total" and s in set(st.stage)]
    head = f"{'design':<14}" + "".join(f"{s + ' nJ':>13}" for s in stages) + \
        f"{'total nJ':>13}{'time µs':>10}{'images/s':>11}"
    lines = [f"{est.workload.name} ({est.workload.mode}, batch size {est.workload.batch_size}, trace: "
             f"{est.trace.source}; energy per image, time of one image, images/s of the simulated stream)",
             head, "-" * len(head)]
    for d in est.sims:
        row = st[st.design == d].set_index("stage")
        lines.append(f"{d:<14}" + "".join(f"{row.loc[s, 'energy_nJ']:>13.4g}" for s in stages)
                     + f"{tot.loc[d, 'energy_nJ']:>13.4g}{tot.loc[d, 'latency_us']:>10.4g}"
                     + f"{tot.loc[d, 'images_per_s']:>11.4g}")
    if val is not None and len(val):
        pred = val[val.label == "predicted"]
        worst = pred.rel_error.abs().max() * 100 if len(pred) else float("nan")
        within = (pred.rel_error.abs() <= 0.30).sum()
        n = val.label.value_counts()
        lines.append(f"validation: {len(val)} cells ({len(pred)} predicted, {n.get('dependent', 0)} dependent, "
                     f"{n.get('calibrated', 0)} calibrated); {within} predicted within 30 %, largest predicted "
                     f"error {worst:.1f} %")
    return "\n".join(lines)
