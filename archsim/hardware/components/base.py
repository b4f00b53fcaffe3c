"""Base of every hardware unit: a SimPy resource whose actions cost energy and hold it for time."""

from __future__ import annotations

import math

import simpy

from archsim.hardware.ledger import Ledger


class Unit:
    """A hardware unit in the discrete-event model.

    Subclasses define `component` (the energy-breakdown category) and per-action energies
    (`energy_pj(action)`) from the tech file, with their scaling rules and citations.
    `capacity` > 1 models identical parallel instances sharing one queue.
    """

    component = "unit"

    def __init__(self, env: simpy.Environment, ledger: Ledger, name: str, capacity: int = 1,
                 leakage_mw: float = 0.0):
        self.env = env
        self.ledger = ledger
        self.name = name
        self.resource = simpy.Resource(env, capacity=capacity)
        self.leakage_mw = leakage_mw
        ledger.leakage_mw[self.component] = ledger.leakage_mw.get(self.component, 0.0) + leakage_mw

    def energy_pj(self, action: str) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def action_component(self, action: str) -> str:
        """Energy-breakdown category of `action` (a unit may book some actions elsewhere)."""
        return self.component

    def work(self, stage: str, duration_ns: float, actions: dict[str, float]):
        """Process: acquire the unit, hold it `duration_ns`, record `actions` (name → count)."""
        layer = self.ledger.current_layer
        with self.resource.request() as req:
            yield req
            start = self.env.now
            if duration_ns > 0:
                yield self.env.timeout(duration_ns)
            self.ledger.hold(stage, self.name, self.component, start, self.env.now)
        for action, count in actions.items():
            self.ledger.act(stage, self.action_component(action), self.name, action, count,
                            self.energy_pj(action), layer)


def cycles_ns(cycles: float, clock_ghz: float) -> float:
    """Duration of `cycles` clock cycles at `clock_ghz`, in ns (fractional cycles round up)."""
    return math.ceil(cycles - 1e-9) / clock_ghz if cycles > 0 else 0.0
