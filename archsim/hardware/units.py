"""DES units: a SimPy resource per physical unit, wrapping the component model that prices its actions.

A unit has as many slots as parallel instances that take independent work (most units are one
instance whose internal parallelism — lanes, banks, ADCs, write heads — is in its service time).
Contending requests are served oldest batch first.
Work is a process: request the unit, hold it for its latency, release it, and record the action
counts with the context of the op that asked for the work.
"""

from __future__ import annotations

import math

import simpy

from archsim.hardware.components.base import Component
from archsim.hardware.ledger import Ledger, OpContext


class Unit:
    """One physical unit in the discrete-event model."""

    def __init__(self, env: simpy.Environment, ledger: Ledger, name: str, component: Component, capacity: int = 1,
                 label: str | None = None):
        self.env, self.ledger, self.name, self.component = env, ledger, name, component
        self.label = label or name  # how its busy intervals are named (a port of a multi-port unit)
        self.resource = resource(env, capacity)

    def work(self, ctx: OpContext, duration_ns: float, actions: dict[str, float], category: str | None = None,
             delay_ns: float = 0.0, after: "Done | None" = None, item_ns: float = 0.0):
        """Process: acquire the unit (older batches first), hold it `duration_ns`, record `actions`.

        Streaming (a stage fed by upstream stages that are `after` done): start no earlier than
        `delay_ns` from now (the first item's way through the upstream stages), do all but the last
        item, release the unit while the upstream stages finish, then do the last `item_ns`."""
        if delay_ns > 0:
            yield self.env.timeout(delay_ns)
        last = min(item_ns, duration_ns) if after is not None else 0.0
        yield from self._hold(ctx, duration_ns - last, category)
        if after is not None:
            if not after.event.processed:
                yield after.event
            if last > 0:
                yield from self._hold(ctx, last, category)
        for action, n in actions.items():
            self.ledger.count(ctx, self.name, action, n)

    def _hold(self, ctx: OpContext, ns: float, category: str | None):
        with self.resource.request(priority=ctx.batch) as req:
            yield req
            start = self.env.now
            if ns > 0:
                yield self.env.timeout(ns)
            self.ledger.hold(ctx, self.label, category or self.component.category, start, self.env.now)


class Done:
    """Completion of a set of processes, with the time it happened."""

    def __init__(self, env: simpy.Environment, processes: list):
        self.event = env.all_of(processes)
        self.end_ns = float("nan")
        self.event.callbacks.insert(0, self._stamp)
        self._env = env

    def _stamp(self, _event) -> None:
        self.end_ns = self._env.now


def resource(env: simpy.Environment, capacity: int = 1) -> simpy.PriorityResource:
    """A unit's queue: requests are served oldest batch first (FIFO within a batch), so a stream of
    images flows through the units as a pipeline instead of all images advancing in lockstep."""
    return simpy.PriorityResource(env, capacity=capacity)


def cycles_ns(cycles: float, clock_ghz: float) -> float:
    """Duration of `cycles` clock cycles at `clock_ghz`, in ns (fractional cycles round up)."""
    return math.ceil(cycles - 1e-9) / clock_ghz if cycles > 0 else 0.0
