"""Model vs paper: every reference cell, its relative error, and whether it was calibrated."""

from __future__ import annotations

import pandas as pd

from typing import TYPE_CHECKING

from archsim.accounting.latency import busy_ns
from archsim.config.workload import Reference

if TYPE_CHECKING:
    from archsim.estimate import Estimate

#: Component groups of the MCA as Table 1 splits them.
GROUPS = {
    "computational_memory": {"crossbar array", "DAC", "ADC", "shift-add", "programming", "refresh", "reprogramming"},
    "digital_unit": {"digital unit", "χ SRAM", "activation SRAM", "bus", "DRAM", "leakage"},
}
STAGES = ("forward", "backward", "update", "total")
COLUMNS = ["design", "stage", "metric", "paper", "model", "rel_error", "kind"]


def energy_nj(est: "Estimate", design: str, stage: str, components: set[str] | None = None) -> float:
    df = est.energy[est.energy.design == design]
    if stage != "total":
        df = df[df.stage == stage]
    if components is not None:
        df = df[df.component.isin(components)]
    return float(df.energy_pj.sum()) / 1e3


def latency_us(est: "Estimate", design: str, stage: str, components: set[str] | None = None) -> float:
    if components is None:
        df = est.latency[(est.latency.design == design) & (est.latency.stage == stage)]
        return float(df.latency_ns.sum()) / 1e3
    sim = est.sims[design]
    stages = [s for s in est.latency.query("design == @design").stage if s != "total"] if stage == "total" else [stage]
    return sum(busy_ns(sim, s, components) for s in stages) / 1e3


def validation_table(est: "Estimate", ref: Reference) -> pd.DataFrame:
    """One row per reference cell: design, stage, metric, paper, model, rel_error, kind."""
    rows = []

    def add(design, group, stage, metric, paper, model):
        cell = ".".join(p for p in (design, group, stage, metric) if p)
        kind = "calibrated" if cell in ref.calibrated else "predicted"
        label = f"{design}.{group}" if group else design
        rows.append((label, stage, metric, paper, model, model / paper - 1.0, kind))

    for design, dref in ref.designs.items():
        if design not in est.sims:
            continue
        for stage in STAGES:
            sref = getattr(dref, stage)
            if sref.energy_nj is not None:
                add(design, "", stage, "energy", sref.energy_nj, energy_nj(est, design, stage))
            if sref.latency_us is not None:
                add(design, "", stage, "latency", sref.latency_us, latency_us(est, design, stage))
        for group, stages in dref.groups.items():
            comps = GROUPS.get(group)
            if comps is None:
                continue
            for stage, sref in stages.items():
                if sref.energy_nj is not None:
                    add(design, group, stage, "energy", sref.energy_nj, energy_nj(est, design, stage, comps))
                if sref.latency_us is not None:
                    add(design, group, stage, "latency", sref.latency_us, latency_us(est, design, stage, comps))
    for r in ref.ratios:
        if r.numerator not in est.sims or r.denominator not in est.sims:
            continue
        if r.metric == "energy":
            model = energy_nj(est, r.numerator, "total") / energy_nj(est, r.denominator, "total")
        elif r.metric == "latency":
            model = latency_us(est, r.numerator, "total") / latency_us(est, r.denominator, "total")
        else:  # throughput measured from the simulated stream
            ips = est.stream.set_index("design").images_per_s
            model = ips[r.numerator] / ips[r.denominator]
        kind = "calibrated" if f"ratio.{r.name}" in ref.calibrated else "predicted"
        rows.append(("ratio", r.name, r.metric, r.paper, model, model / r.paper - 1.0, kind))
    return pd.DataFrame(rows, columns=COLUMNS)
