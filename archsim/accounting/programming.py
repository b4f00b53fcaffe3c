"""One-off cost of putting a trained network on the hardware, and the cost of one drift calibration.

Both run through the same discrete-event machines as the per-image trace: a `program` stage
(program-and-verify iterations from the functional study; digital designs load their SRAM) and a
`calibrate` stage (one read of each layer's calibration columns, MCA designs only).
"""

from __future__ import annotations

import pandas as pd

from archsim.config.shapes import weighted_layers
from archsim.config.tech import Tech
from archsim.estimate import Estimate
from archsim.hardware.simulate import simulate
from archsim.trace.ops import MvmOp, ProgramOp, Step, Trace


def programming_trace(est: Estimate, programming: dict, calibration_columns: dict[str, int], mca: bool) -> Trace:
    layers = weighted_layers(est.workload.network)
    program = []
    for l in layers:
        st = programming.get(l.name)
        if st is None:
            program.append(ProgramOp(l.name, l.rows, l.cols, l.weights, 1.0, l.weights))
        else:
            program.append(ProgramOp(l.name, l.rows, l.cols, st.devices_programmed, st.mean_iterations,
                                     st.devices_reset))
    steps = [Step("program", program)]
    if mca and calibration_columns:
        steps.append(Step("calibrate", [MvmOp(l.name, l.rows, calibration_columns[l.name], 1, "forward")
                                        for l in layers if calibration_columns.get(l.name)]))
    return Trace(est.workload.name, "infer", "functional", steps)


def programming_cost(study, est: Estimate, tech: Tech) -> pd.DataFrame:
    """design, stage (program / calibrate), energy_pj, latency_ns, devices, pulses."""
    rows = []
    for name, sim in est.sims.items():
        design = sim.design
        trace = programming_trace(est, study.programming, study.calibration_columns, design.type == "mca")
        s = simulate(trace, design, tech)
        for stage, (t0, t1) in s.ledger.stage_spans.items():
            acts = [a for a in s.ledger.actions if a.stage == stage]
            pulses = sum(a.count for a in acts if a.action in ("set_pulse", "reset_pulse"))
            rows.append((name, stage, sum(a.energy_pj for a in acts) + sum(s.ledger.leakage_mw.values()) * (t1 - t0),
                         t1 - t0, pulses))
    return pd.DataFrame(rows, columns=["design", "stage", "energy_pj", "latency_ns", "pulses"])
