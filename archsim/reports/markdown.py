"""Markdown documents of a report: summary.md and validation.md."""

from __future__ import annotations

import pandas as pd

from archsim.config.tech import Tech
from archsim.config.workload import Reference
from archsim.estimate import Estimate
from archsim.reports import tables


def _md(df: pd.DataFrame, floatfmt: str = ".4g") -> str:
    return df.to_markdown(index=False, floatfmt=floatfmt)


def summary_md(est: Estimate, tech: Tech, extra_sections: list[str] | None = None) -> str:
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
    prims = pd.DataFrame([(k, p.energy_pj, p.latency_ns, p.leakage_mw, p.source) for k, p in tech.primitives.items()],
                         columns=["primitive", "energy_pj", "latency_ns", "leakage_mW", "source"])
    layers = tables.layer_table(est)
    agg = {"adc_conversions": "sum", "macs": "sum"}
    counts = layers.groupby("design", sort=False).agg(agg).reset_index()
    weighted = layers[layers.mvm_cycles > 0].drop_duplicates(["design", "layer"])
    counts["mvm_cycles"] = counts.design.map(weighted.groupby("design").mvm_cycles.sum()).fillna(0)
    if "arrays" in weighted:
        counts["arrays"] = counts.design.map(weighted.groupby("design").arrays.sum()).fillna(0)
    parts = [
        f"# {w.name}: energy and latency per image",
        "",
        f"{w.description}".strip(),
        "",
        f"- mode: **{w.mode}**, batch size {w.batch_size}, network `{w.network.name}`",
        f"- trace: **{est.trace.source}** update statistics",
        f"- technology: `{tech.name}` ({tech.node_nm:g} nm)",
        "",
        "## Per stage (energy in nJ, time in µs, per image)",
        "",
        _md(shape),
        "",
        "## Totals",
        "",
        _md(tot),
        "",
        "## Ratios against the first design",
        "",
        _md(tables.ratio_table(est)),
        "",
        "## Energy by component (nJ per image)",
        "",
        comp.reset_index().to_markdown(index=False, floatfmt=".4g"),
        "",
        "Energy = Σ action counts × per-action energy (actions.csv) + leakage × stage time.",
        "Latency comes from the discrete-event schedule (timeline_<design>.png).",
        "",
        "## Work per image (all layers; per layer in layers.csv)",
        "",
        _md(counts),
        "",
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
