"""The χ-accumulation update shared by the MCA and the digital mixed-precision design."""

from __future__ import annotations

from archsim.hardware.components.chi_unit import ChiUnit
from archsim.hardware.components.sram import Sram
from archsim.trace.ops import Trace, UpdateOp


class ChiUpdate:
    """χ unit + χ SRAM (one chi_bits word per weight); touches χ only for non-zero δ·xᵀ entries."""

    def __init__(self, machine, trace: Trace):
        d, env, ledger, tech = machine.design, machine.env, machine.ledger, machine.tech
        self.machine = machine
        weights = sum(op.weights for step in trace.steps for op in step.ops if isinstance(op, UpdateOp))
        self.capacity_kb = weights * d.chi_unit.chi_bits / 8 / 1024
        s = d.chi_sram
        self.sram = Sram(env, ledger, "chi_sram", "χ SRAM", tech, max(self.capacity_kb, 1e-3), s.banks,
                         s.width_bits, s.ports, s.clock_ghz)
        self.unit = ChiUnit(env, ledger, "chi_unit", tech, d.chi_unit.lanes, d.chi_unit.chi_bits,
                            d.update_quant_bits, d.chi_unit.clock_ghz)

    def accumulate(self, stage: str, op: UpdateOp):
        """Process: read χ, add η·δ·x, compare with ε, write χ for every non-zero entry (pipelined)."""
        entries = op.stats.nonzero_updates
        words = self.sram.words(entries * self.machine.design.chi_unit.chi_bits)
        yield from self.machine.parallel(
            self.sram.work(stage, self.sram.access_ns(words, words), {"read": words, "write": words}),
            self.unit.work(stage, self.unit.ns(entries), {"accumulate": entries}),
        )
