"""Digital designs (32-bit and mixed precision): weights in SRAM banks feeding MAC lanes."""

from __future__ import annotations

import math

from archsim.hardware.components.mac_array import MacArray
from archsim.hardware.components.sram import Sram
from archsim.hardware.designs.chi_update import ChiUpdate
from archsim.hardware.designs.machine import MAX_CHUNKS, Machine
from archsim.trace.ops import MvmOp, ProgramOp, UpdateOp, VectorOp


class DigitalMachine(Machine):
    """Output-stationary MAC lanes: lane k accumulates output k; inputs are broadcast each cycle.

    Each MVM streams its weights from the weight SRAM (no reuse across conv positions) while the
    activation SRAM broadcasts the inputs once per round of `lanes` outputs. Updates are dense SGD
    (read, multiply-add, write every weight) or the MCA's χ update with a weight write per
    threshold crossing.
    """

    def __init__(self, env, ledger, design, tech, trace):
        super().__init__(env, ledger, design, tech, trace)
        d = design
        m = d.mac_array
        self.mac = MacArray(env, ledger, "mac_array", tech, m.lanes, m.weight_bits, m.act_bits, m.acc_bits,
                            m.clock_ghz)
        weights = sum(op.rows * op.cols for step in trace.steps for op in step.ops
                      if isinstance(op, ProgramOp) or (isinstance(op, MvmOp) and op.direction == "forward"))
        self.weight_kb = weights * d.weight_bits / 8 / 1024
        w = d.weight_sram
        self.wsram = Sram(env, ledger, "weight_sram", "weight SRAM", tech, max(self.weight_kb, 1e-3), w.banks,
                          w.width_bits, w.ports, w.clock_ghz)
        self.chi = ChiUpdate(self, trace) if (self.training and d.update == "chi_threshold") else None

    def _stream(self, stage: str, weight_reads: float, weight_writes: float, act_reads: float, macs: float,
                pieces: int = 1, outputs: float = 0, post: str | None = None, active: float = 1.0):
        """Process: `pieces` pipeline chunks of (weight SRAM ‖ activation broadcast) → MAC lanes
        → `post` op on the chunk's outputs in the digital unit (overlapping the next chunk).
        `active` < 1: zero-skipping gates that share of weight reads and MACs (energy, not cycles)."""
        k = max(1, min(MAX_CHUNKS, pieces))
        bits = self.design.act_bits

        def chunk():
            r, w = weight_reads / k, weight_writes / k
            yield from self.parallel(
                self.wsram.work(stage, self.wsram.access_ns(r, w), {"read": r * active, "write": w}),
                self.act_io(stage, act_reads / k, 0, bits),
            )
            yield from self.mac.work(stage, self.mac.ns(macs / k), {"mac": macs / k * active})
            if outputs:
                yield from self.elementwise(stage, post, outputs / k)

        yield from self.parallel(*(chunk() for _ in range(k)))

    def mvm(self, stage: str, op: MvmOp):
        d = self.design
        rounds = math.ceil(op.out_len / d.mac_array.lanes)
        words = self.wsram.words(op.rows * op.cols * d.weight_bits) * op.mvms
        active = 1.0 - (op.zero_fraction_8bit if d.zero_skipping and d.act_bits <= 8 else 0.0)
        yield from self._stream(stage, words, 0, op.in_len * rounds * op.mvms, op.macs, pieces=rounds * op.mvms,
                                outputs=op.out_len * op.mvms, post=op.post, active=active)

    def update(self, stage: str, op: UpdateOp):
        if self.chi is not None:
            yield from self.chi.accumulate(stage, op)
            # each threshold crossing increments one stored weight: read-modify-write of one word
            n = op.stats.set_pulses + op.stats.reset_pulses
            words = self.wsram.words(n * self.design.weight_bits)
            yield from self.wsram.work(stage, self.wsram.access_ns(words, words), {"read": words, "write": words})
            return
        # dense SGD: δ ← η·δ, then W += δ·xᵀ for every weight (read, multiply, add, write)
        yield from self.vector(stage, VectorOp(op.layer, "scale", op.cols))
        words = self.wsram.words(op.weights * self.design.weight_bits)
        rounds = math.ceil(op.cols / self.design.mac_array.lanes)
        yield from self._stream(stage, words, words, op.rows * rounds * op.mvms, op.weights * op.mvms,
                                pieces=rounds * op.mvms)

    def program(self, stage: str, op: ProgramOp):
        """Process: loading a layer's weights into the weight SRAM (one write per word)."""
        words = self.wsram.words(op.rows * op.cols * self.design.weight_bits)
        yield from self.wsram.work(stage, self.wsram.access_ns(0, words), {"write": words})

    def summary(self) -> dict[str, float]:
        out = {"weight_sram_kb": self.weight_kb}
        if self.chi is not None:
            out["chi_sram_kb"] = self.chi.capacity_kb
        return out

