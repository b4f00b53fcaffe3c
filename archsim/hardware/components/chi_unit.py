"""χ accumulator unit: per non-zero outer-product entry, χ += η·δ·x, compare |χ| with ε."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import Unit, cycles_ns


class ChiUnit(Unit):
    """`lanes` accumulate lanes; the χ words themselves live in a separate χ SRAM unit.

    Energy per entry: a q×q-bit product of the quantised δ and x (tech `int_mult` × q²/ref²),
    the power-of-two scalings as shifts (tech `shift`), a chi_bits add and compare (tech `int_add`,
    `comparator`, linear in bits). Nandakumar et al. 2020 (energy-efficient weight update).
    Leakage: tech `logic_leakage` per lane.
    """

    component = "digital unit"

    def __init__(self, env, ledger, name, tech: Tech, lanes: int, chi_bits: int, quant_bits: int,
                 clock_ghz: float):
        super().__init__(env, ledger, name, leakage_mw=tech["logic_leakage"].leakage_mw * lanes)
        m = tech["int_mult"]
        self._e = (m.energy_pj * quant_bits ** 2 / m.bits ** 2 + tech["shift"].energy_pj
                   + tech["int_add"].energy_pj * chi_bits / tech["int_add"].bits
                   + tech["comparator"].energy_pj * chi_bits / tech["comparator"].bits)
        self.lanes, self.clock_ghz = lanes, clock_ghz

    def energy_pj(self, action: str) -> float:
        return self._e

    def ns(self, entries: float) -> float:
        return cycles_ns(entries / self.lanes, self.clock_ghz)
