"""Energy accounting: Σ action counts × per-action energy of the component models, plus leakage × time.

The ledger holds only counts, so a finished simulation can be priced with any tech file
(`reprice`): the component models are rebuilt from the design, the trace and that tech file. The
schedule (and so the leakage time) is the simulated one; timing never comes from the tech file.
All energies are per image (a batch's counts divided by its images).
"""

from __future__ import annotations

import pandas as pd

from archsim.accounting.latency import stage_latency
from archsim.hardware.components.base import Component
from archsim.hardware.simulate import Simulation, components

STAGES = ("forward", "backward", "update")
NO_LAYER = "(none)"  # layer of static power: no op causes it
COLUMNS = ["stage", "layer", "component", "unit", "action", "count", "energy_pj_each", "energy_pj", "bits_moved"]


def action_table(sim: Simulation, catalog: dict[str, Component] | None = None,
                 time_per_image_ns: float | None = None) -> pd.DataFrame:
    """Every action of the first batch per image: stage, layer, component, unit, action, count,
    energy_pj_each, energy_pj, bits_moved (memories, bus); plus one leakage row per stage: static power × the stage's share of
    `time_per_image_ns` (default: the first image's latency; a pipelined stream passes its
    steady-state interval)."""
    catalog = catalog if catalog is not None else sim.catalog
    images = sim.trace.batch_size
    rows = []
    for (stage, layer, batch, unit, action), n in sim.ledger.counts.items():
        if batch != 0:
            continue
        comp = catalog[unit]
        each = comp.cost(action).energy_pj
        rows.append((stage, layer, comp.category_of(action), unit, action, n / images, each, n / images * each,
                     n / images * comp.bits_of(action)))
    lat = stage_latency(sim).set_index("stage").latency_ns
    total = float(lat.get("total", 0.0))
    per_image = total if time_per_image_ns is None else time_per_image_ns
    leak_mw = sum(c.leakage_mw for c in catalog.values())
    for stage, ns in lat.items():
        if stage == "total" or total <= 0:
            continue
        t = per_image * ns / total
        rows.append((stage, NO_LAYER, "leakage", "all", "static_power_ns", t, leak_mw, leak_mw * t, 0.0))  # mW·ns = pJ
    return pd.DataFrame(rows, columns=COLUMNS)


def energy_by_component(sim: Simulation, actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """design, stage, component, energy_pj — one row per non-zero (stage, component), per image."""
    df = action_table(sim) if actions is None else actions
    out = df.groupby(["stage", "component"], sort=False, as_index=False)["energy_pj"].sum()
    out.insert(0, "design", sim.design.name)
    order = {s: i for i, s in enumerate(STAGES)}
    return out.sort_values(["stage", "component"], key=lambda c: c.map(order) if c.name == "stage" else c,
                           kind="stable").reset_index(drop=True)


def reprice(sim: Simulation, tech, time_per_image_ns: float | None = None) -> pd.DataFrame:
    """The action table of a finished simulation priced with another tech file (no re-simulation)."""
    return action_table(sim, components(sim.design, tech, sim.trace), time_per_image_ns)
