"""Traces of one-off work: programming a trained network onto the hardware, and one drift calibration."""

from __future__ import annotations

from archsim.config.network import Network
from archsim.config.shapes import weighted_layers
from archsim.trace.ops import MvmOp, ProgramOp, Step, Trace


def programming_trace(name: str, network: Network, programming: dict, calibration_columns: dict[str, int],
                      mca: bool, conductance_us: dict[str, float]) -> Trace:
    """A `program` stage (program-and-verify per layer, from the study's measured statistics, or one
    iteration per device where none were measured) and, on the MCA, a `calibrate` stage (one read of
    each layer's calibration columns)."""
    layers = weighted_layers(network)
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
        steps.append(Step("calibrate", [MvmOp(l.name, l.rows, calibration_columns[l.name], 1, "forward",
                                              in_map=l.rows, out_map=calibration_columns[l.name])
                                        for l in layers if calibration_columns.get(l.name)]))
    return Trace(name, "infer", "functional", steps, conductance_us=dict(conductance_us))
