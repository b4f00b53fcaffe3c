"""The χ-accumulation update shared by the MCA and the digital mixed-precision design."""

from __future__ import annotations

import math

from archsim.hardware.components.digital import ChiUnit
from archsim.hardware.components.memory import SramMacro
from archsim.hardware.designs.machine import Work
from archsim.hardware.ledger import OpContext
from archsim.hardware.units import cycles_ns
from archsim.trace.ops import UpdateOp


def chi_components(design, tech, memory) -> dict:
    """The χ unit and the χ SRAM (its stated or 'fit' capacity) of a χ-threshold design."""
    c, s = design.chi_unit, design.chi_sram
    return {"chi_unit": ChiUnit(tech, c.lanes, c.chi_bits, design.update_quant_bits),
            "chi_sram": SramMacro(tech, "χ SRAM", memory["chi_sram"].capacity_kb, s.width_bits, s.banks, s.ports)}


class ChiAccumulation:
    """χ unit + χ memory (one chi_bits word per weight; with momentum also a velocity per weight).

    Per image: for every non-zero δ·xᵀ entry (summed over conv positions) read χ, add, compare with
    ε, write χ (with momentum the entries go into the velocity instead). Per batch with momentum: a
    dense pass over every weight, v ← μ·v + g and χ ← χ + η·v. Layers whose χ does not fit on chip
    keep it in DRAM: each sparse read or write moves a DRAM burst, dense passes move exact bits.
    """

    def __init__(self, machine):
        self.m = machine
        self.bits = machine.design.chi_unit.chi_bits

    def _unit_ns(self, entries: float) -> float:
        c = self.m.design.chi_unit
        return cycles_ns(entries / c.lanes, c.clock_ghz)

    def accumulate(self, ctx: OpContext, op: UpdateOp, images: int):
        """Process: this group's χ accumulations of `op`'s layer (χ unit ‖ χ memory ‖ reading back the
        layer's input stash if it lives in DRAM)."""
        m = self.m
        entries = op.stats.nonzero_updates * images
        works = [Work(m.unit("chi_unit"), self._unit_ns(entries), {"accumulate": entries})]
        if m.spill("chi_sram", op.layer):
            bits = m.sparse_dram_bits(entries)
            works += m.dram_works(ctx, bits, bits)
        else:  # scattered entries: each access is whole words, however wide the SRAM
            width = m.design.chi_sram.width_bits
            bits = entries * math.ceil(self.bits / width) * width
            works += m.sram_works(ctx, "chi_sram", bits, bits)
        works += m.dram_works(ctx, m.stash_read_bits(op.layer, images), 0)
        yield from m.go(ctx, works)

    def momentum(self, ctx: OpContext, op: UpdateOp):
        """Process: the batch's dense velocity and χ pass over every weight of the layer."""
        m = self.m
        words_bits = 2 * op.weights * self.bits  # velocity + χ, each read and written
        works = [Work(m.unit("chi_unit"), self._unit_ns(op.weights), {"momentum_step": op.weights})]
        if m.spill("chi_sram", op.layer):
            works += m.dram_works(ctx, words_bits, words_bits)
        else:
            works += m.sram_works(ctx, "chi_sram", words_bits, words_bits)
        yield from m.go(ctx, works)
