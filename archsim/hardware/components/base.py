"""Component models in the hwcomponents style: a component holds its parameters and prices its actions.

An action is a method marked with @action that returns the ActionCost of ONE action (or, for a
fixed energy, an entry of the component's `prices`). Prices come from the tech file's component
models (archsim.hardware.components.pricing): a model value read off a generated grid, times the
named calibration factors that apply to it; `origin` keeps both for every price (summary.md shows
them). The discrete-event model only counts actions (archsim.hardware.ledger); accounting multiplies
the counts by these costs, so re-pricing with another tech file needs no re-simulation. Each concrete
component says in its docstring which model prices which action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ActionCost:
    """Cost of one action: energy in pJ, latency in ns (0 where the unit's time is set elsewhere)."""

    energy_pj: float
    latency_ns: float = 0.0


def action(fn: Callable[..., ActionCost]) -> Callable[..., ActionCost]:
    """Mark a method as a priced action (its name is the action name in the ledger)."""
    fn.is_action = True
    return fn


class Component:
    """Base of every component model.

    An action is an @action method, or for actions of fixed energy an entry of `prices` (action →
    energy in pJ). `category` is the energy-breakdown group of the component's actions (one may
    override it per action in `categories`); `leakage_mw` and `area_um2` are totals over its
    instances; `bits` says how many bits one access moves (for the bytes-per-level tables).
    """

    category = "unit"
    categories: dict[str, str] = {}
    bits: dict[str, float] = {}

    def __init__(self, leakage_mw: "float | Price" = 0.0, area_um2: float = 0.0,
                 prices: "dict[str, float | Price] | None" = None):
        from archsim.hardware.components.pricing import Price

        self.origin: dict[str, Price] = {}   # action (or 'leakage_mw') → model value × factors
        self.prices: dict[str, float] = {}
        for name, p in (prices or {}).items():
            if isinstance(p, Price):
                self.origin[name] = p
                p = p.value
            self.prices[name] = float(p)
        if isinstance(leakage_mw, Price):
            self.origin["leakage_mw"] = leakage_mw
            leakage_mw = leakage_mw.value
        self.leakage_mw = float(leakage_mw)
        self.area_um2 = float(area_um2)

    def actions(self) -> list[str]:
        methods = [n for n in dir(type(self)) if getattr(getattr(type(self), n), "is_action", False)]
        return sorted({*methods, *self.prices})

    def cost(self, name: str) -> ActionCost:
        if name in self.prices:
            return ActionCost(self.prices[name])
        method = getattr(self, name, None)
        if not getattr(method, "is_action", False):
            raise KeyError(f"{type(self).__name__} has no action '{name}'; actions: {', '.join(self.actions())}")
        return method()

    def category_of(self, name: str) -> str:
        return self.categories.get(name, self.category)

    def bits_of(self, name: str) -> float:
        """Bits moved by one `name` action (0 for compute actions)."""
        return self.bits.get(name, 0.0)
