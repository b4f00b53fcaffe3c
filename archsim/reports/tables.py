"""Report tables derived from an Estimate: per stage, per component, per layer, ratios, hand checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from archsim.accounting.energy import NO_LAYER
from archsim.hardware.mapping import matmul
from archsim.trace.ops import MvmOp

if TYPE_CHECKING:
    from archsim.estimate import Estimate

STAGE_ORDER = ["forward", "backward", "update", "total"]
SRAM_COMPONENTS = {"activation SRAM", "weight SRAM", "χ SRAM"}


def stage_table(est: "Estimate") -> pd.DataFrame:
    """design, stage, energy_nJ, latency_us (per image: stages of the trace, then total)."""
    e = est.energy.groupby(["design", "stage"], sort=False).energy_pj.sum().reset_index()
    tot = e.groupby("design", sort=False).energy_pj.sum().reset_index().assign(stage="total")
    e = pd.concat([e, tot], ignore_index=True)
    df = e.merge(est.latency, on=["design", "stage"], how="left")
    df["energy_nJ"] = df.energy_pj / 1e3
    df["latency_us"] = df.latency_ns / 1e3
    order = {d: i for i, d in enumerate(est.sims)}
    df["_d"] = df.design.map(order)
    df["_s"] = df.stage.map({s: i for i, s in enumerate(STAGE_ORDER)})
    return df.sort_values(["_d", "_s"])[["design", "stage", "energy_nJ", "latency_us"]].reset_index(drop=True)


def totals(est: "Estimate") -> pd.DataFrame:
    """design, energy_nJ (per image), latency_us (one image on an idle machine), images_per_s (the
    steady state of the simulated stream), power_mW (energy per image × images/s)."""
    t = stage_table(est)
    t = t[t.stage == "total"].drop(columns="stage").reset_index(drop=True)
    t["images_per_s"] = t.design.map(est.stream.set_index("design").images_per_s)
    t["power_mW"] = t.energy_nJ * t.images_per_s / 1e6  # nJ × 1/s = nW
    return t


def batch_table(est: "Estimate") -> pd.DataFrame:
    """design, batch_size, energy_per_batch_nJ, batch_latency_us, bottleneck (busiest unit of the stream)."""
    s = est.stream.set_index("design")
    t = totals(est)[["design", "energy_nJ"]]
    return pd.DataFrame({"design": t.design, "batch_size": t.design.map(s.batch_size).astype(int),
                         "energy_per_batch_nJ": t.energy_nJ * t.design.map(s.batch_size),
                         "batch_latency_us": t.design.map(s.batch_latency_ns) / 1e3,
                         "bottleneck": t.design.map(s.bottleneck)})


def ratio_table(est: "Estimate") -> pd.DataFrame:
    """Every other design against the first: energy ratio and throughput ratio."""
    t = totals(est).set_index("design")
    base = t.index[0]
    rows = []
    for d in t.index[1:]:
        rows.append((d, base, t.loc[d, "energy_nJ"] / t.loc[base, "energy_nJ"],
                     t.loc[base, "images_per_s"] / t.loc[d, "images_per_s"]))
    return pd.DataFrame(rows, columns=["design", "vs", "energy_ratio", "throughput_ratio_vs_over_design"])


def component_table(est: "Estimate") -> pd.DataFrame:
    """Energy (nJ per image) per component (rows) and design/stage (columns)."""
    df = est.energy.assign(energy_nJ=est.energy.energy_pj / 1e3)
    return df.pivot_table(index="component", columns=["design", "stage"], values="energy_nJ", aggfunc="sum",
                          fill_value=0.0, sort=False)


LAYER_COLUMNS = ["design", "layer", "stage", "energy_pj", "latency_ns", "macs", "weights", "adc_conversions",
                 "arrays", "utilisation", "partial_sum_adds", "sram_bytes", "dram_bytes", "bus_bytes"]


def layer_table(est: "Estimate") -> pd.DataFrame:
    """Per design, layer and stage (per image): energy, latency of the layer's ops, MACs, weights
    (rows × cols mapped, bias row included), ADC conversions, arrays and their utilisation (MCA:
    cells holding weights; digital: MACs per PE cycle), partial-sum adds, and the bytes moved at
    each level (SRAM, DRAM, bus)."""
    shapes = est.trace.weighted()
    frames = []
    for name, sim in est.sims.items():
        acts = est.actions[name]
        acts = acts[acts.layer != NO_LAYER]
        by = acts.groupby(["stage", "layer"], sort=False)
        df = by.energy_pj.sum().to_frame()

        def total(mask, column="count"):
            return acts[mask].groupby(["stage", "layer"])[column].sum()

        df["macs"] = total(acts.action == "mac")
        df["adc_conversions"] = total(acts.action == "convert")
        df["partial_sum_adds"] = total(acts.action == "partial_sum")
        df["sram_bytes"] = total(acts.component.isin(SRAM_COMPONENTS), "bits_moved") / 8
        df["dram_bytes"] = total(acts.component == "DRAM", "bits_moved") / 8
        df["bus_bytes"] = total(acts.component == "bus", "bits_moved") / 8
        spans = pd.DataFrame([(s.ctx.stage, s.ctx.layer, s.end_ns - s.start_ns) for s in sim.ledger.spans_of("op")
                              if s.ctx.batch == 0 and s.ctx.group == 0], columns=["stage", "layer", "latency_ns"])
        df["latency_ns"] = spans.groupby(["stage", "layer"]).latency_ns.sum()
        df = df.fillna(0.0).reset_index()
        df["weights"] = df.layer.map(lambda layer: shapes[layer][0] * shapes[layer][1] if layer in shapes else 0)
        facts = sim.facts
        if "arrays_by_layer" in facts:
            df["arrays"] = df.layer.map(facts["arrays_by_layer"])
            df["utilisation"] = df.layer.map(facts["utilisation_by_layer"])
        else:
            busy = pd.DataFrame([(b.ctx.stage, b.ctx.layer, b.end_ns - b.start_ns) for b in sim.ledger.busy
                                 if b.unit == "mac_array" and b.ctx.batch == 0], columns=["stage", "layer", "ns"])
            busy_ns = busy.groupby(["stage", "layer"]).ns.sum()
            m = sim.design.mac_array
            pe_cycles = df.set_index(["stage", "layer"]).index.map(lambda k: busy_ns.get(k, 0.0)) * m.clock_ghz * m.pes
            df["utilisation"] = (df.macs * sim.trace.batch_size / pe_cycles).where(pe_cycles > 0)
        df.insert(0, "design", name)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    for c in LAYER_COLUMNS:
        if c not in out:
            out[c] = float("nan")
    return out[LAYER_COLUMNS]


def actions_table(est: "Estimate") -> pd.DataFrame:
    """Every action count (per image) × per-action energy of every design, as actions.csv."""
    acts = pd.concat([a.assign(design=n) for n, a in est.actions.items()], ignore_index=True)
    return acts[["design", "stage", "layer", "component", "unit", "action", "count", "energy_pj_each", "energy_pj",
                 "bits_moved"]]


def facts_table(est: "Estimate") -> pd.DataFrame:
    rows = [(d, k, v) for d, sim in est.sims.items() for k, v in sim.facts.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return pd.DataFrame(rows, columns=["design", "fact", "value"])


def hand_check(est: "Estimate", design: str) -> dict[str, float] | None:
    """Forward energy per MAC of a digital design, modelled vs by hand.

    By hand: Σ over the forward MVMs of MAC energy + weight-SRAM reads + activation-SRAM input
    reads and output writes + DRAM bits, each access priced by the component models and counted by
    the dataflow's closed-form reuse (hardware/mapping.py), divided by the MACs. Model: the whole
    forward stage from the event simulation (vector ops, bus and leakage included) per MAC.
    """
    sim = est.sims[design]
    d = sim.design
    if d.type != "digital":
        return None
    cat, b = sim.catalog, est.trace.batch_size
    mac = cat["mac_array"].cost("mac").energy_pj
    wr = cat["weight_sram"].cost("read").energy_pj / d.weight_sram.width_bits
    ar = cat["activation_sram"].cost("read").energy_pj / d.activation_sram.width_bits
    aw = cat["activation_sram"].cost("write").energy_pj / d.activation_sram.width_bits
    dram = cat["dram"].cost("read_bit").energy_pj if "dram" in cat else 0.0
    wsram = sim.facts.get("weight_sram_kb", 0.0) * 8 * 1024
    terms = {"mac": 0.0, "weight_sram": 0.0, "activation_sram": 0.0, "dram": 0.0}
    macs = weight_reads = 0.0
    spilled = set(sim.facts.get("weight_sram_dram_layers", []))
    for op in est.trace.step("forward").ops:
        if not isinstance(op, MvmOp):
            continue
        c = matmul(op.out_len, op.in_len, op.mvms * b, d.dataflow, d.mac_array.rows, d.mac_array.cols)
        macs += c.macs
        weight_reads += c.weight_reads
        terms["mac"] += c.macs * mac
        terms["weight_sram"] += c.weight_reads * d.weight_bits * wr
        terms["activation_sram"] += (c.input_reads * d.act_bits + c.psum_reads * d.mac_array.acc_bits) * ar \
            + (c.output_writes * d.act_bits + c.psum_writes * d.mac_array.acc_bits) * aw
        if op.layer in spilled:
            w_bits = op.rows * op.cols * d.weight_bits
            terms["dram"] += (w_bits if w_bits <= wsram else c.weight_reads * d.weight_bits) * dram
    model = est.energy.query("design == @design and stage == 'forward'").energy_pj.sum() * b
    hand = sum(terms.values())
    return {"model_pj_per_mac": model / macs, "hand_pj_per_mac": hand / macs, "weight_reuse": macs / weight_reads,
            **{f"{k}_pj_per_mac": v / macs for k, v in terms.items()}}
