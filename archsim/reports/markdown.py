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


def _calibration_lines(est: "Estimate", tech: Tech) -> list[str]:
    """The factors, and for each the model value, the factor and the result at this run's units."""
    if not tech.calibration:
        return ["No calibration factors: every energy is the models' own value."]
    rows = []
    for design, sim in est.sims.items():
        for unit, comp in sim.catalog.items():
            for action, price in getattr(comp, "origin", {}).items():
                if price.factors:
                    unit_of = "mW" if action == "leakage_mw" else "pJ"
                    rows.append((design, unit, action, f"{price.model:.4g} {unit_of}", f"{price.factor:.4g}",
                                 f"{price.value:.4g} {unit_of}", ", ".join(price.factors)))
    used = pd.DataFrame(rows, columns=["design", "unit", "action", "model value", "x factor", "=", "factors"])
    return [factor_table(tech).to_markdown(index=False), "",
            "Where they apply in this run (model value × factor = the price used):", "",
            used.drop_duplicates().to_markdown(index=False) if len(used) else "(nowhere)"]


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
    calib = _calibration_lines(est, tech)
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
        f"## Technology `{tech.name}`: component models and calibration",
        "",
        f"Generated by `{tech.generated_by.get('command', 'archsim tech build')}` (packages: "
        + ", ".join(f"{k} {v}" for k, v in tech.packages.items()) + "). Every per-action energy above is a "
        "component model's value at the design's parameters (the tech file's grids: CACTI for SRAM, the "
        "ADC survey model, NeuroSim for the array, the logic library), times the calibration factors below "
        "where they apply.",
        "",
        *calib,
        "",
    ]
    for s in extra_sections or []:
        parts += [s, ""]
    return "\n".join(parts)


def _pct(x: float) -> str:
    return f"{x * 100:+.1f} %"


def factor_table(tech: Tech, workload_factors: dict | None = None) -> pd.DataFrame:
    """Every calibration factor: value, what it multiplies, the cell it was fitted to, what it stands for."""
    rows = [(n, f"{f.value:.4g}", ", ".join(f.applies_to), f.fitted_to, f.explains) for n, f in tech.calibration.items()]
    for n, f in (workload_factors or {}).items():
        rows.append((n, "(workload)", f.parameter, f.fitted_to, f.explains))
    return pd.DataFrame(rows, columns=["factor", "value", "multiplies", "fitted to", "what the model leaves out"])


def validation_md(table: pd.DataFrame, tech: Tech, refs: list[Reference], title: str = "Validation") -> str:
    """validation.md: independent predictions first, then the factors, then every case's cells."""
    def fmt(df: pd.DataFrame) -> str:
        cols = ["design", "stage", "metric", "reference", "model", "rel_error", "label", "calibrated_share"]
        d = df[(["case"] if df.case.nunique() > 1 else []) + cols].copy()
        d["rel_error"] = d.rel_error.map(_pct)
        d["calibrated_share"] = d.calibrated_share.map(lambda x: f"{min(x, 9.99):.2f}")
        return d.to_markdown(index=False, floatfmt=".4g")

    pred = table[(table.label == "predicted") & table.case.isin(("table1", "text", "hermes", "core64"))]
    counts = table.groupby(["case", "label"]).size().unstack(fill_value=0)
    lines = [f"# {title}", "", "Sources: " + "; ".join(f"{r.case}: {r.source}" for r in refs), ""]
    if len(pred):
        within = (pred.rel_error.abs() <= 0.30).sum()
        lines += [f"**{len(pred)} independent predictions** (label `predicted` outside the `components` case): "
                  f"{within} within 30 %, median |error| {pred.rel_error.abs().median() * 100:.1f} %, largest "
                  f"{pred.rel_error.abs().max() * 100:.1f} %.", "", fmt(pred), ""]
    lines += ["## Labels, computed", "",
              "Every fitted parameter (the calibration factors below) is multiplied by 1.01 and the workload "
              "re-estimated; a cell's `calibrated_share` is the sum over factors of |d ln(value) / d ln(factor)|. "
              "`calibrated`: a factor was fitted to this cell; `dependent`: share > 0.5 (the fitted parameters "
              "determine most of it); `predicted`: otherwise. Counts per case:", "",
              counts.reset_index().to_markdown(index=False), "",
              "## Calibration factors (every calibrated number is model value × factor)", "",
              factor_table(tech, {k: v for r in refs for k, v in r.factors.items()}).to_markdown(index=False), ""]
    for case in dict.fromkeys(table.case):
        sub = table[table.case == case]
        lines += [f"## Case `{case}`", "", fmt(sub), ""]
        if case == "components":
            lines += ["`reference`: the component model evaluated at exactly the primitive's parameters (the tech "
                      "file's primitive); `model`: what the estimator reads off the tech file's grids there (between "
                      "grid points: interpolated), before calibration factors. These check the pricing, they are "
                      "not independent predictions. Factors the estimator then applies:", "",
                      sub[sub.factors != ""][["design", "stage", "factors"]].to_markdown(index=False), ""]
    notes = [(r.case, cell, note) for r in refs for cell, note in r.notes.items()]
    if notes:
        lines += ["## Notes on cells", ""] + [f"- **{case} {cell}**: {note}" for case, cell, note in notes] + [""]
    return "\n".join(lines)
