"""Digital designs (32-bit and mixed precision): weights in SRAM (or DRAM) feeding a MAC array.

A batch runs layer by layer on the one MAC array, so a layer's weights are fetched once per batch
and reused across its conv positions and images as the dataflow allows (hardware/mapping.py).
Weights whose working set does not fit the weight SRAM stream from DRAM through it; feature maps
and χ follow the same capacity rule (hardware/memory.py). Updates are dense SGD (the batch's weight
gradient accumulated in the PEs, then a read-modify-write of every weight, with momentum also of
its velocity) or the MCA's χ update with a weight read-modify-write per threshold crossing.
"""

from __future__ import annotations

import math

from archsim.hardware.components.digital import MacArray
from archsim.hardware.components.memory import SramMacro
from archsim.hardware.designs.chi_update import ChiAccumulation, chi_components
from archsim.hardware.designs.machine import MAX_CHUNKS, Machine, Work
from archsim.hardware.ledger import OpContext
from archsim.hardware.mapping import MatmulCounts, matmul, weight_gradient
from archsim.hardware.memory import KB_BITS, plan_memory
from archsim.hardware.units import cycles_ns
from archsim.trace.ops import MvmOp, ProgramOp, UpdateOp


class DigitalMachine(Machine):
    """See the module docstring."""

    def __init__(self, env, ledger, design, tech, trace):
        super().__init__(env, ledger, design, tech, trace)
        self.chi = ChiAccumulation(self) if (self.training and design.update == "chi_threshold") else None

    @classmethod
    def components(cls, design, tech, trace, memory=None):
        memory = memory if memory is not None else plan_memory(design, trace)
        out = super().components(design, tech, trace, memory)
        m = design.mac_array
        out["mac_array"] = MacArray(tech, m.pes, design.weight_bits, design.act_bits, m.acc_bits)
        w = design.weight_sram
        out["weight_sram"] = SramMacro(tech, "weight SRAM", memory["weight_sram"].capacity_kb, w.width_bits, w.banks,
                                       w.ports)
        if trace.mode == "train" and design.update == "chi_threshold":
            out.update(chi_components(design, tech, memory))
        return out

    # -- the weight memory -------------------------------------------------------------------------
    def _weight_dram_bits(self, layer: str, weights: int, reads: float) -> float:
        """DRAM bits behind `reads` weight reads of a layer: none if resident; a layer that fits the
        SRAM on its own is staged once per op, a larger one re-fetched on every read pass."""
        if not self.spill("weight_sram", layer):
            return 0.0
        wb = self.design.weight_bits
        fits_alone = weights * wb <= self.memory["weight_sram"].capacity_kb * KB_BITS
        return (weights if fits_alone else reads) * wb

    def _stream(self, ctx: OpContext, c: MatmulCounts, *, weight_sram: tuple[float, float],
                act_sram: tuple[float, float], dram: tuple[float, float], active: float = 1.0,
                outputs: float = 0, post_op: str | None = None, extra_adds: float = 0.0):
        """Process: chunks streaming (weight SRAM ‖ activation SRAM ‖ DRAM) → MAC array → `post_op` on
        the chunk's outputs (which the digital unit writes to the activation SRAM). `active` < 1:
        zero-skipping gates that share of weight reads and MACs (energy, not cycles)."""
        k = max(1, min(MAX_CHUNKS, math.ceil(c.cycles)))
        m = self.design.mac_array
        cycles = c.cycles / k

        def chunk():
            feed = (self.sram_works(ctx, "weight_sram", weight_sram[0] / k, weight_sram[1] / k, cycles, active)
                    + self.sram_works(ctx, "activation_sram", act_sram[0] / k, act_sram[1] / k, cycles)
                    + self.dram_works(ctx, dram[0] / k, dram[1] / k, cycles))
            compute = [Work(self.unit("mac_array"), cycles_ns(cycles, m.clock_ghz),
                            {"mac": c.macs / k * active, "add": extra_adds / k}, cycles)]
            post = self.elementwise_works(ctx, post_op, outputs / k, outputs / k) if outputs else []
            yield from self.pipeline(ctx, [feed, compute, post])

        yield from self.parallel(*(chunk() for _ in range(k)))

    # -- ops -----------------------------------------------------------------------------------------
    def mvm(self, ctx: OpContext, op: MvmOp, images: int):
        d = self.design
        c = matmul(op.out_len, op.in_len, op.mvms * images, d.dataflow, d.mac_array.rows, d.mac_array.cols)
        active = 1.0 - (op.zero_fraction_8bit if d.zero_skipping and d.act_bits <= 8 else 0.0)
        w_dram = self._weight_dram_bits(op.layer, op.rows * op.cols, c.weight_reads)
        map_r, map_w = self.map_dram_bits(ctx, op, images)
        acc = d.mac_array.acc_bits
        yield from self._stream(
            ctx, c, weight_sram=(c.weight_reads * d.weight_bits, w_dram),
            act_sram=(c.input_reads * d.act_bits + c.psum_reads * acc, c.psum_writes * acc),
            dram=(w_dram + map_r, map_w), active=active, outputs=op.out_len * op.mvms * images, post_op=op.post)

    def update(self, ctx: OpContext, op: UpdateOp, images: int):
        if self.chi is not None:
            yield from self._chi_update(ctx, op, images)
        else:
            yield from self._dense_update(ctx, op, images)

    def _dense_update(self, ctx: OpContext, op: UpdateOp, images: int):
        """δ ← η·δ, the batch's gradient ΔW = Σ δ·xᵀ in the PEs, then W (and v) read-modify-write."""
        d = self.design
        n = op.mvms * images
        yield from self.elementwise(ctx, "scale", op.cols * n)
        c = weight_gradient(op.rows, op.cols, n, d.mac_array.rows, d.mac_array.cols)
        momentum = self.trace.optimizer == "momentum"
        words = op.weights * d.weight_bits * (2 if momentum else 1)  # W (+ velocity), read and written
        w_sram, w_dram = (0.0, 0.0), (0.0, 0.0)
        if self.spill("weight_sram", op.layer):
            w_dram = (words, words)
        else:
            w_sram = (words, words)
        stash = self.stash_read_bits(op.layer, images)
        c_all = c if not momentum else MatmulCounts(c.macs + op.weights, c.cycles, c.pes_used, c.weight_reads,
                                                    c.input_reads, 0.0, 0.0, c.output_writes)
        yield from self._stream(ctx, c_all, weight_sram=w_sram, act_sram=((c.weight_reads + c.input_reads) * d.act_bits, 0),
                                dram=(w_dram[0] + stash, w_dram[1]), extra_adds=op.weights)

    def _chi_update(self, ctx: OpContext, op: UpdateOp, images: int):
        """χ accumulation; once per batch, each threshold crossing changes one stored weight by one
        LSB: a read-modify-write of one word (a DRAM burst each way if the weights live there)."""
        d = self.design
        yield from self.chi.accumulate(ctx, op, images)
        if not self.layer_done(ctx):
            return
        if self.trace.optimizer == "momentum":
            yield from self.chi.momentum(ctx, op)
        n = (op.stats.set_pulses + op.stats.reset_pulses) * self.trace.batch_size
        if self.spill("weight_sram", op.layer):
            bits = self.sparse_dram_bits(n)
            yield from self.go(ctx, self.dram_works(ctx, bits, bits))
        else:
            bits = n * d.weight_sram.width_bits
            yield from self.go(ctx, self.sram_works(ctx, "weight_sram", bits, bits))

    def program(self, ctx: OpContext, op: ProgramOp):
        """Process: loading a layer's weights into the weight memory (one write per word)."""
        bits = op.rows * op.cols * self.design.weight_bits
        if self.spill("weight_sram", op.layer):
            yield from self.go(ctx, self.dram_works(ctx, 0, bits))
        else:
            yield from self.go(ctx, self.sram_works(ctx, "weight_sram", 0, bits))

    def facts(self) -> dict:
        out = super().facts()
        out["pes"] = self.design.mac_array.pes
        return out
