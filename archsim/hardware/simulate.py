"""Run a trace on a design in a fresh SimPy environment and return what happened (counts, not energy)."""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from archsim.hardware.components.base import Component
from archsim.hardware.designs.digital import DigitalMachine
from archsim.hardware.designs.mca import McaMachine
from archsim.hardware.ledger import Ledger
from archsim.hardware.memory import CapacityError
from archsim.trace.ops import Trace

MACHINES = {"mca": McaMachine, "digital": DigitalMachine}


@dataclass
class Simulation:
    """The ledger of `batches` batches of `trace` on `design`, the component models that priced it
    (`catalog`: unit name → component) and design facts (arrays, buffers ...)."""

    design: object
    trace: Trace
    ledger: Ledger
    catalog: dict[str, Component]
    facts: dict
    batches: int
    batch_done_ns: list[float]


def components(design, tech, trace: Trace) -> dict[str, Component]:
    """The component models of `design` running `trace`, priced with `tech` (no simulation)."""
    return MACHINES[design.type].components(design, tech, trace)


def simulate(trace: Trace, design, tech, batches: int = 1) -> Simulation:
    """Execute `batches` batches of `trace` on `design`. CapacityError (a ConfigError) if a working
    set does not fit on chip and the design has no DRAM."""
    env = simpy.Environment()
    ledger = Ledger()
    machine = MACHINES[design.type](env, ledger, design, tech, trace)
    env.process(machine.run(batches))
    env.run()
    return Simulation(design, trace, ledger, machine.catalog, machine.facts(), batches, machine.batch_done)


__all__ = ["CapacityError", "MACHINES", "Simulation", "components", "simulate"]
