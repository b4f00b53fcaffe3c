"""Memories: on-chip SRAM macros and off-chip DRAM."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import Component


class SramMacro(Component):
    """An SRAM of `capacity_kb` in banks of `width_bits` words; one `read` / `write` moves one word.

    Energy per access: tech `sram_read` / `sram_write` (quoted per `bits` at `macro_kb`, Horowitz
    ISSCC 2014 style) × (capacity_kb / macro_kb)^sram_size_exponent × width factor, where the width
    factor (1 − f) + f·width/bits splits an access into a fixed part (decode, word line, H-tree) and
    a per-bit part (bit lines, sense amps), f = sram_width_fraction. Leakage: tech `sram_leakage`
    per KB of stated capacity. (Bank size and ports do not change the energy here; the component
    model issue (9) evaluates them with CACTI.)
    """

    def __init__(self, tech: Tech, category: str, capacity_kb: float, width_bits: int):
        s = tech.scaling
        f = s.sram_width_fraction.value
        prices = {}
        for name in ("read", "write"):
            prim = tech[f"sram_{name}"]
            size = (max(capacity_kb, 1e-3) / prim.macro_kb) ** s.sram_size_exponent.value
            prices[name] = prim.energy_pj * size * ((1 - f) + f * width_bits / prim.bits)
        super().__init__(leakage_mw=tech["sram_leakage"].leakage_mw * capacity_kb, prices=prices)
        self.category = category
        self.capacity_kb = capacity_kb
        self.bits = {"read": width_bits, "write": width_bits}


class Dram(Component):
    """Off-chip DRAM: `read_bit` / `write_bit` move one bit (tech `dram_access_bit`, Horowitz ISSCC
    2014). Time comes from the design's bandwidth; background and refresh power are not modelled."""

    category = "DRAM"
    bits = {"read_bit": 1.0, "write_bit": 1.0}

    def __init__(self, tech: Tech):
        pj = tech["dram_access_bit"].energy_pj
        super().__init__(prices={"read_bit": pj, "write_bit": pj})


class Bus(Component):
    """On-chip bus: `transfer` moves one bit (tech `bus_transfer_bit`)."""

    category = "bus"
    bits = {"transfer": 1.0}

    def __init__(self, tech: Tech):
        super().__init__(prices={"transfer": tech["bus_transfer_bit"].energy_pj})
