"""One-off cost of putting a trained network on the hardware, and the cost of one drift calibration.

Both run through the same discrete-event machines as the per-image trace: a `program` stage
(program-and-verify iterations from the functional study; digital designs load their weight memory)
and a `calibrate` stage (one read of each layer's calibration columns, MCA designs only).
"""

from __future__ import annotations

import pandas as pd

from archsim.accounting.energy import action_table
from archsim.accounting.latency import stage_latency
from archsim.config.tech import Tech
from archsim.hardware.simulate import simulate
from archsim.trace.programming import programming_trace


def programming_cost(study, est, tech: Tech) -> pd.DataFrame:
    """design, stage (program / calibrate), energy_pj, latency_ns, pulses — for every design of the
    estimate `est` (an archsim.estimate.Estimate)."""
    rows = []
    for name, sim in est.sims.items():
        design = sim.design
        trace = programming_trace(est.workload.name, est.workload.network, study.programming,
                                  study.calibration_columns, design.type == "mca", est.trace.conductance_us)
        s = simulate(trace, design, tech)
        acts = action_table(s)
        lat = stage_latency(s).set_index("stage").latency_ns
        for stage in trace.stages:
            a = acts[acts.stage == stage]
            pulses = a[a.action.isin(["set_pulse", "reset_pulse"])]["count"].sum()
            rows.append((name, stage, float(a.energy_pj.sum()), float(lat[stage]), float(pulses)))
    return pd.DataFrame(rows, columns=["design", "stage", "energy_pj", "latency_ns", "pulses"])
