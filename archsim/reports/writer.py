"""Write a run's report folder (CSV + Markdown + PNG) atomically, and its terminal summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from archsim.config.tech import Tech
from archsim.reports import plots, tables
from archsim.reports.io import StagedReport, staged_report
from archsim.reports.markdown import summary_md, validation_md
from archsim.reports.results import results_markdown, results_table, results_text
from archsim.reports.validation import validate_estimate
from archsim.trace.table import trace_table

if TYPE_CHECKING:
    from archsim.estimate import Estimate


def write_report(est: "Estimate", tech: Tech, out_dir: Path | StagedReport, extra_sections: list[str] | None = None,
                 extra_tables: dict[str, pd.DataFrame] | None = None,
                 workload_path: str | Path | None = None,
                 accuracy: dict[str, dict] | None = None) -> tuple[list[Path], pd.DataFrame | None]:
    """All estimator outputs for one workload into `out_dir` (a folder, or the StagedReport of a run
    that commits it together with its other outputs); returns (files, validation table).

    results.csv and the top of summary.md: one row per design, with `accuracy` (design → its own
    functional run's test accuracy, model and trace source; see archsim.reports.results).

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
        results = results_table(est, accuracy)
        rep.csv("results.csv", results)
        rep.text("summary.md", _with_results(summary_md(est, tech, extra_sections), results, est))
        rep.plot("energy_breakdown.png", plots.energy_breakdown, est)
        for design in est.sims:
            rep.plot(f"timeline_{design}.png", plots.timeline, est, design)
        if val is not None and len(val):
            rep.csv("validation.csv", val)
            rep.text("validation.md", validation_md(val, tech, [ref], f"Validation of {est.workload.name}"))
            rep.plot("validation.png", plots.validation_scatter, val)
        files = rep.files
    return files, val


def _with_results(md: str, results: pd.DataFrame, est: "Estimate") -> str:
    """summary.md with the results table right under its title."""
    title, _, rest = md.partition("\n")
    return "\n".join([title, "", "## Results per design (per image)", "", _RESULTS_NOTE.format(src=est.trace.source),
                       "", results_markdown(results), "", rest.lstrip("\n")])


_RESULTS_NOTE = ("Test accuracy: final epoch, mean ± sample std over seeds (count), from each design's own "
                 "functional model; energy (nJ) and time (µs) of one image per stage and in total, images/s of the "
                 "simulated stream, power = energy × images/s; device updates: programming pulses per image "
                 "(update + refresh), designs with PCM devices only. Each row is priced with the update "
                 "statistics of the run its accuracy comes from (column trace; workload trace: {src}).")


def terminal_summary(est: "Estimate", val: pd.DataFrame | None, accuracy: dict[str, dict] | None = None) -> str:
    """A compact one-screen table: per design, test accuracy, energy and time per stage and in total,
    throughput, power, device updates (archsim.reports.results)."""
    lines = [f"{est.workload.name} ({est.workload.mode}, batch size {est.workload.batch_size}, trace: "
             f"{est.trace.source}; energy per image, time of one image, images/s of the simulated stream)",
             *results_text(results_table(est, accuracy))]
    if val is not None and len(val):
        pred = val[val.label == "predicted"]
        worst = pred.rel_error.abs().max() * 100 if len(pred) else float("nan")
        within = (pred.rel_error.abs() <= 0.30).sum()
        n = val.label.value_counts()
        lines.append(f"validation: {len(val)} cells ({len(pred)} predicted, {n.get('dependent', 0)} dependent, "
                     f"{n.get('calibrated', 0)} calibrated); {within} predicted within 30 %, largest predicted "
                     f"error {worst:.1f} %")
    return "\n".join(lines)
