"""Report tables derived from an Estimate: per stage, per component, per layer, ratios."""

from __future__ import annotations

import pandas as pd

from archsim.accounting.energy import action_table
from archsim.estimate import Estimate

STAGE_ORDER = ["forward", "backward", "update", "total"]


def stage_table(est: Estimate) -> pd.DataFrame:
    """design, stage, energy_nJ, latency_us (stages of the trace, then total)."""
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


def totals(est: Estimate) -> pd.DataFrame:
    """design, energy_nJ, latency_us, images_per_s, power_mW — one row per design."""
    t = stage_table(est)
    t = t[t.stage == "total"].drop(columns="stage").reset_index(drop=True)
    t["images_per_s"] = 1e6 / t.latency_us
    t["power_mW"] = t.energy_nJ / t.latency_us  # nJ/µs = mW
    return t


def ratio_table(est: Estimate) -> pd.DataFrame:
    """Every other design against the first: energy ratio and throughput ratio."""
    t = totals(est).set_index("design")
    base = t.index[0]
    rows = []
    for d in t.index[1:]:
        rows.append((d, base, t.loc[d, "energy_nJ"] / t.loc[base, "energy_nJ"],
                     t.loc[base, "images_per_s"] / t.loc[d, "images_per_s"]))
    return pd.DataFrame(rows, columns=["design", "vs", "energy_ratio", "throughput_ratio_vs_over_design"])


def component_table(est: Estimate) -> pd.DataFrame:
    """Energy (nJ) per component (rows) and design/stage (columns)."""
    df = est.energy.assign(energy_nJ=est.energy.energy_pj / 1e3)
    pv = df.pivot_table(index="component", columns=["design", "stage"], values="energy_nJ", aggfunc="sum",
                        fill_value=0.0, sort=False)
    return pv


def layer_table(est: Estimate) -> pd.DataFrame:
    """design, layer, stage, energy_pj, latency_ns, and per-layer counts (arrays, ADC conversions,
    MVM cycles, MACs, weights = rows × cols mapped incl. the bias row) — per-layer view for CNNs."""
    rows = []
    for name, sim in est.sims.items():
        acts = pd.DataFrame([(a.stage, a.layer, a.action, a.count, a.energy_pj) for a in sim.ledger.actions],
                            columns=["stage", "layer", "action", "count", "energy_pj"])
        spans = pd.DataFrame([(s.stage, s.layer, s.end_ns - s.start_ns) for s in sim.ledger.op_spans],
                             columns=["stage", "layer", "latency_ns"])
        e = acts.groupby(["stage", "layer"], sort=False).energy_pj.sum()
        t = spans.groupby(["stage", "layer"], sort=False).latency_ns.sum()
        conv = acts[acts.action == "convert"].groupby(["stage", "layer"])["count"].sum()
        macs = acts[acts.action == "mac"].groupby(["stage", "layer"])["count"].sum()
        for key in t.index:
            rows.append((name, key[1], key[0], float(e.get(key, 0.0)), float(t[key]),
                         float(conv.get(key, 0.0)), float(macs.get(key, 0.0))))
    df = pd.DataFrame(rows, columns=["design", "layer", "stage", "energy_pj", "latency_ns", "adc_conversions",
                                     "macs"])
    mvm = {op.layer: (op.mvms, op.rows, op.cols) for step in est.trace.steps for op in step.ops
           if type(op).__name__ == "MvmOp"}
    df["mvm_cycles"] = df.layer.map(lambda l: mvm.get(l, (0, 0, 0))[0])
    df["weights"] = df.layer.map(lambda l: mvm.get(l, (0, 0, 0))[1] * mvm.get(l, (0, 0, 0))[2])  # rows × cols mapped
    for name, sim in est.sims.items():
        maps = getattr(sim, "facts", {}).get("arrays_by_layer", {})
        if maps:
            df.loc[df.design == name, "arrays"] = df.loc[df.design == name, "layer"].map(maps)
    return df


def actions_table(est: Estimate) -> pd.DataFrame:
    """Every action count × per-action energy of every design (actions.csv)."""
    acts = pd.concat([action_table(s).assign(design=n) for n, s in est.sims.items()], ignore_index=True)
    return acts[["design", "stage", "component", "unit", "action", "count", "energy_pj_each", "energy_pj"]]


def facts_table(est: Estimate) -> pd.DataFrame:
    rows = [(d, k, v) for d, sim in est.sims.items() for k, v in sim.facts.items() if not isinstance(v, dict)]
    return pd.DataFrame(rows, columns=["design", "fact", "value"])
