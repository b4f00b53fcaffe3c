"""Digital multiply-accumulate array of the digital baselines."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import Unit, cycles_ns


class MacArray(Unit):
    """`lanes` MAC units, one MAC per lane per cycle.

    Energy per MAC: tech `int_mult` × (w_bits·a_bits)/ref² (array multiplier area ∝ product of
    widths) + tech `int_add` × acc_bits/ref (ripple adder ∝ width); Horowitz ISSCC 2014.
    Leakage: tech `logic_leakage` per lane.
    """

    component = "MAC array"

    def __init__(self, env, ledger, name, tech: Tech, lanes: int, weight_bits: int, act_bits: int,
                 acc_bits: int, clock_ghz: float):
        super().__init__(env, ledger, name, leakage_mw=tech["logic_leakage"].leakage_mw * lanes)
        m, a = tech["int_mult"], tech["int_add"]
        self._mac = m.energy_pj * weight_bits * act_bits / m.bits ** 2 + a.energy_pj * acc_bits / a.bits
        self._mult = m.energy_pj * weight_bits * act_bits / m.bits ** 2
        self._add = a.energy_pj * acc_bits / a.bits
        self.lanes, self.clock_ghz = lanes, clock_ghz

    def energy_pj(self, action: str) -> float:
        return {"mac": self._mac, "mult": self._mult, "add": self._add}[action]

    def ns(self, ops: float) -> float:
        return cycles_ns(ops / self.lanes, self.clock_ghz)
