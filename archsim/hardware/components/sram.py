"""SRAM: banks × width, single- or dual-ported, with access energy scaled from one macro."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import Unit, cycles_ns


class Sram(Unit):
    """An SRAM of `capacity_kb` in `banks` banks of `width_bits` words.

    Energy per access: tech `sram_read`/`sram_write` (quoted per `bits` at `macro_kb`, Horowitz
    ISSCC 2014 style) × (capacity_kb / macro_kb)^sram_size_exponent × width factor, where the width
    factor (1 − f) + f·width/bits splits an access into a fixed part (decode, word line, H-tree)
    and a per-bit part (bit lines, sense amps) with f = sram_width_fraction.
    Leakage: tech `sram_leakage` per KB. Each bank serves one access per cycle (two with 2 ports).
    """

    def __init__(self, env, ledger, name, component: str, tech: Tech, capacity_kb: float,
                 banks: int, width_bits: int, ports: int, clock_ghz: float):
        self.component = component
        super().__init__(env, ledger, name, leakage_mw=tech["sram_leakage"].leakage_mw * capacity_kb)
        s = tech.scaling
        f = s.sram_width_fraction.value
        self.banks, self.width_bits, self.ports, self.clock_ghz = banks, width_bits, ports, clock_ghz
        self._e = {}
        for action, prim in (("read", tech["sram_read"]), ("write", tech["sram_write"])):
            size = (max(capacity_kb, 1e-3) / prim.macro_kb) ** s.sram_size_exponent.value
            width = (1 - f) + f * width_bits / prim.bits
            self._e[action] = prim.energy_pj * size * width

    def energy_pj(self, action: str) -> float:
        return self._e[action]

    def words(self, bits: float) -> float:
        """Accesses needed to move `bits` (whole words per bank access)."""
        return bits / self.width_bits

    def access_ns(self, reads: float, writes: float) -> float:
        """Time for `reads` + `writes` word accesses spread over the banks (ports overlap r/w)."""
        if self.ports == 2:
            cycles = max(reads, writes) / self.banks
        else:
            cycles = (reads + writes) / self.banks
        return cycles_ns(cycles, self.clock_ghz)
