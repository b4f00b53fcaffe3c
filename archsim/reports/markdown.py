"""Markdown documents of a report: summary.md and validation.md."""

from __future__ import annotations

import pandas as pd

from typing import TYPE_CHECKING

from archsim.config.tech import Tech
from archsim.config.workload import Reference
from archsim.reports import tables

if TYPE_CHECKING:
    from archsim.estimate import Estimate


def _md(df: pd.DataFrame, floatfmt: str = ".4g") -> str:
    return df.to_markdown(index=False, floatfmt=floatfmt)


def _hand_check_lines(est: "Estimate") -> list[str]:
    lines = []
    for design in est.sims:
        h = tables.hand_check(est, design)
        if h is None:
            continue
        ratio = h["model_pj_per_mac"] / h["hand_pj_per_mac"]
        lines.append(
            f"- **{design}**: model {h['model_pj_per_mac']:.3g} pJ/MAC (whole forward stage: vector ops, bus and "
            f"leakage included); by hand {h['hand_pj_per_mac']:.3g} pJ/MAC = MAC {h['mac_pj_per_mac']:.3g} "
            f"+ weight SRAM {h['weight_sram_pj_per_mac']:.3g} (each weight read feeds {h['weight_reuse']:.3g} MACs) "
            f"+ activation SRAM {h['activation_sram_pj_per_mac']:.3g} + DRAM {h['dram_pj_per_mac']:.3g}; "
            f"model / hand = {ratio:.2f}")
    return lines


def _layer_md(est: "Estimate") -> str:
    layers = tables.layer_table(est)
    cols = ["design", "layer", "macs", "adc_conversions", "arrays", "utilisation", "partial_sum_adds",
            "sram_bytes", "dram_bytes", "bus_bytes"]
    per = layers.groupby(["design", "layer"], sort=False).agg(
        {"macs": "sum", "adc_conversions": "sum", "arrays": "first", "utilisation": "first",
         "partial_sum_adds": "sum", "sram_bytes": "sum", "dram_bytes": "sum", "bus_bytes": "sum"}).reset_index()
    return _md(per[cols], ".4g")


def summary_md(est: "Estimate", tech: Tech, extra_sections: list[str] | None = None) -> str:
    w = est.workload
    st = tables.stage_table(est)
    wide = st.pivot(index="design", columns="stage", values=["energy_nJ", "latency_us"])
    cols = [c for c in tables.STAGE_ORDER if c in st.stage.unique()]
    shape = pd.DataFrame({"design": list(est.sims)})
    for c in cols:
        shape[f"{c} energy (nJ)"] = shape.design.map(wide["energy_nJ"][c])
    for c in cols:
        shape[f"{c} time (µs)"] = shape.design.map(wide["latency_us"][c])
    tot = tables.totals(est)
    comp = tables.component_table(est)
    comp.columns = [f"{d} {s}" for d, s in comp.columns]
    facts = tables.facts_table(est)
    prims = pd.DataFrame([(k, p.energy_pj, p.voltage_v, p.leakage_mw, p.area_um2, p.source)
                          for k, p in tech.primitives.items()],
                         columns=["primitive", "energy_pj", "voltage_v", "leakage_mW", "area_um2", "source"])
    layers = tables.layer_table(est)
    counts = layers.groupby("design", sort=False)[["macs", "adc_conversions", "partial_sum_adds", "sram_bytes",
                                                   "dram_bytes", "bus_bytes"]].sum().reset_index()
    hand = _hand_check_lines(est)
    parts = [
        f"# {w.name}: energy and latency",
        "",
        f"{w.description}".strip(),
        "",
        f"- mode: **{w.mode}**, batch size **{w.batch_size}**, network `{w.network.name}`",
        f"- trace: **{est.trace.source}** statistics; optimizer {est.trace.optimizer}",
        f"- technology: `{tech.name}` ({tech.node_nm:g} nm)",
        f"- simulated stream: {w.batches_to_simulate} batch(es) of {w.batch_size} image(s) per design",
        "",
        "## Per stage (energy in nJ per image, time in µs for the first image)",
        "",
        _md(shape),
        "",
        "## Totals: per image, per batch, and the steady-state stream",
        "",
        "`latency_us`: one image from start to end of its stages on an idle machine; `images_per_s`: the steady "
        "state of the simulated stream (pipelining across images where units allow), not 1/latency: the "
        "completions of its second half, bounded by the busiest unit's time per image (`bottleneck`); "
        "`power_mW` = energy per image × images/s. Leakage per image is static power × the stream's time per image.",
        "",
        _md(tot.merge(tables.batch_table(est), on="design")),
        "",
        "## Ratios against the first design",
        "",
        _md(tables.ratio_table(est)),
        "",
        "## Energy by component (nJ per image)",
        "",
        comp.reset_index().to_markdown(index=False, floatfmt=".4g"),
        "",
        "Energy = Σ action counts × per-action energy of the component models (actions.csv) + leakage × time.",
        "Latency comes from the discrete-event schedule (timeline_<design>.png shows the stream).",
        "",
        "## Work per image (all layers)",
        "",
        _md(counts),
        "",
        "## Per layer (per image; by stage in layers.csv)",
        "",
        "arrays: crossbar arrays of the layer; utilisation: MCA cells holding a weight, digital MACs per PE cycle "
        "(forward); partial_sum_adds: row/column-tile partial sums added in the digital unit; bytes moved at each "
        "level (SRAM buffers, DRAM, bus).",
        "",
        _layer_md(est),
        "",
    ]
    if hand:
        parts += ["## Hand check: digital energy per MAC (forward)", "",
                  "MAC energy + SRAM/DRAM access energy amortised by the dataflow's reuse, against the model:", "",
                  *hand, ""]
    parts += [
        "## Design facts",
        "",
        _md(facts) if len(facts) else "(none)",
        "",
        "## Technology: per-action energies and their sources",
        "",
        _md(prims),
        "",
    ]
    for s in extra_sections or []:
        parts += [s, ""]
    return "\n".join(parts)


def validation_md(table: pd.DataFrame, ref: Reference) -> str:
    def fmt(df):
        d = df.copy()
        d["rel_error"] = (d.rel_error * 100).map(lambda x: f"{x:+.1f} %")
        return d.to_markdown(index=False, floatfmt=".4g")

    cal = table[table.kind == "calibrated"]
    pred = table[table.kind == "predicted"]
    params = pd.DataFrame([(cell, p) for cell, p in ref.calibrated.items()], columns=["cell fitted to", "parameter"])
    worst = pred.loc[pred.rel_error.abs().idxmax()] if len(pred) else None
    lines = [
        "# Validation against the reference table",
        "",
        f"Reference: {ref.source}",
        "",
        f"{len(table)} cells: **{len(pred)} predicted**, {len(cal)} calibrated. Energies in nJ, times in µs.",
        "",
        "## Calibrated parameters (each fitted to one cell)",
        "",
        "Fitted by `python benchmarks/calibrate_table1.py` (1-D root finding per parameter, repeated until",
        "the fits stop moving). Every other number is a prediction of the model from sourced primitives.",
        "",
        params.to_markdown(index=False),
        "",
        "## Predicted cells",
        "",
        "Totals and ratios are sums and quotients of stage cells: where a stage was calibrated, its total",
        "inherits that fit, so a total is an independent check only of the predicted stages in it.",
        "",
        fmt(pred),
        "",
        "## Calibrated cells",
        "",
        fmt(cal),
        "",
    ]
    if ref.notes:
        lines += ["## Notes on cells", ""] + [f"- **{cell}**: {note}" for cell, note in ref.notes.items()] + [""]
    if worst is not None:
        lines += [f"Largest predicted error: {worst.design} {worst.stage} {worst.metric} "
                  f"({worst.rel_error * 100:+.1f} %).", ""]
    return "\n".join(lines)
