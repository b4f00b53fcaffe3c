"""On-chip bus moving activations and errors between tiles, SRAMs and digital units."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import Unit, cycles_ns


class Bus(Unit):
    """`width_bits` per cycle; energy per bit: tech `bus_transfer_bit`."""

    component = "bus"

    def __init__(self, env, ledger, name, tech: Tech, width_bits: int, clock_ghz: float):
        super().__init__(env, ledger, name)
        self._e = tech["bus_transfer_bit"].energy_pj
        self.width_bits, self.clock_ghz = width_bits, clock_ghz

    def energy_pj(self, action: str) -> float:
        return self._e

    def ns(self, bits: float) -> float:
        return cycles_ns(bits / self.width_bits, self.clock_ghz)
