"""Run one trace on one design in a fresh SimPy environment and return what happened."""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from archsim.config.design import Design
from archsim.config.tech import Tech
from archsim.hardware.designs.digital import DigitalMachine
from archsim.hardware.designs.mca import McaMachine
from archsim.hardware.ledger import Ledger
from archsim.trace.ops import Trace

MACHINES = {"mca": McaMachine, "digital": DigitalMachine}


@dataclass
class Simulation:
    """Ledger of one image on one design, plus design facts (arrays, SRAM sizes)."""

    design: Design
    ledger: Ledger
    facts: dict[str, float]


def simulate(trace: Trace, design: Design, tech: Tech) -> Simulation:
    """Execute every stage of `trace` (one image) on `design`."""
    env = simpy.Environment()
    ledger = Ledger()
    machine = MACHINES[design.type](env, ledger, design, tech, trace)
    env.process(machine.run())
    env.run()
    return Simulation(design, ledger, machine.summary())
