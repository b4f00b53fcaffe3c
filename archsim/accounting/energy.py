"""Energy accounting: Σ action counts × per-action energy, plus leakage × stage time."""

from __future__ import annotations

import pandas as pd

from archsim.hardware.simulate import Simulation

STAGES = ("forward", "backward", "update")


def action_table(sim: Simulation) -> pd.DataFrame:
    """Every recorded action: stage, component, unit, action, count, energy_pj_each, energy_pj."""
    rows = [(a.stage, a.component, a.unit, a.action, a.count, a.energy_pj_each, a.energy_pj)
            for a in sim.ledger.actions]
    df = pd.DataFrame(rows, columns=["stage", "component", "unit", "action", "count", "energy_pj_each", "energy_pj"])
    leak_mw = sum(sim.ledger.leakage_mw.values())
    extra = []
    for stage in sim.ledger.stage_spans:
        t_ns = sim.ledger.stage_latency_ns(stage)
        # mW × ns = pJ
        extra.append((stage, "leakage", "all", "static_power_ns", t_ns, leak_mw, leak_mw * t_ns))
    if extra:
        df = pd.concat([df, pd.DataFrame(extra, columns=df.columns)], ignore_index=True)
    return df


def energy_by_component(sim: Simulation) -> pd.DataFrame:
    """design, stage, component, energy_pj — one row per non-zero (stage, component)."""
    df = action_table(sim)
    out = df.groupby(["stage", "component"], sort=False, as_index=False)["energy_pj"].sum()
    out.insert(0, "design", sim.design.name)
    order = {s: i for i, s in enumerate(STAGES)}
    return out.sort_values(["stage", "component"], key=lambda c: c.map(order) if c.name == "stage" else c,
                           kind="stable").reset_index(drop=True)
