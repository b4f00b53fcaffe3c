"""Memories: on-chip SRAM macros and off-chip DRAM, and the on-chip bus."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import Component
from archsim.hardware.components.pricing import Pricer


class SramMacro(Component):
    """An SRAM of `capacity_kb` in `banks` banks of `width_bits` words with `ports` ports; one `read` /
    `write` moves one word.

    Energy per access, leakage and area: CACTI 7 (hwcomponents-cacti; grids `cacti_sram` of the tech
    file, one per port count) at this capacity, word width and bank count, times the calibration
    factors on `cacti_sram.energy` / `cacti_sram.leakage`. CACTI prices the banking: a banked macro reads
    a smaller array, so its access energy falls with the bank count.
    """

    def __init__(self, tech: Tech, category: str, capacity_kb: float, width_bits: int, banks: int = 1,
                 ports: int = 1):
        p = Pricer(tech)
        point = {"size_kb": capacity_kb, "width_bits": width_bits, "banks": banks, "ports": ports}
        what = f"the {category} ({capacity_kb:.4g} KB, {width_bits}-bit words, {banks} banks, {ports} ports)"
        super().__init__(leakage_mw=p.leakage("cacti_sram", what, **point),
                         area_um2=p.area_um2("cacti_sram", what, **point),
                         prices={a: p.energy("cacti_sram", a, what, **point) for a in ("read", "write")})
        self.category = category
        self.capacity_kb = capacity_kb
        self.bits = {"read": width_bits, "write": width_bits}


class Dram(Component):
    """Off-chip DRAM: `read_bit` / `write_bit` move one bit (tech primitive `dram_access`: hwcomponents-cacti's
    LPDDR4 table, energy per bit). Time comes from the design's bandwidth; background and refresh power are
    not modelled."""

    category = "DRAM"
    bits = {"read_bit": 1.0, "write_bit": 1.0}

    def __init__(self, tech: Tech):
        p = Pricer(tech)
        super().__init__(prices={"read_bit": p.primitive("dram_access", "read", per_bit=True),
                                 "write_bit": p.primitive("dram_access", "write", per_bit=True)})


class Bus(Component):
    """On-chip bus: `transfer` moves one bit over one hop (tech primitive `bus_wire_bit`: the library's wire,
    C·V² of 0.1 mm)."""

    category = "bus"
    bits = {"transfer": 1.0}

    def __init__(self, tech: Tech):
        super().__init__(prices={"transfer": Pricer(tech).primitive("bus_wire_bit", "read")})
