"""Common machinery of a simulated design: stage processes, vector ops, activation SRAM, bus.

A stage is a SimPy process that runs its trace ops in dependency order; each op is itself a
process that acquires units, holds them for their latency and releases them. Pipelines inside
an op (e.g. SRAM → MAC, tile → ADC → digital) are chunks flowing through FIFO resources.
"""

from __future__ import annotations

import simpy

from archsim.config.design import Design
from archsim.config.tech import Tech
from archsim.hardware.components.bus import Bus
from archsim.hardware.components.digital_unit import DigitalUnit
from archsim.hardware.components.sram import Sram
from archsim.hardware.ledger import Ledger, OpSpan
from archsim.trace.ops import MvmOp, ProgramOp, Trace, UpdateOp, VectorOp

#: Vector ops whose inputs are read from the activation SRAM (activations work on MVM outputs).
_READS_INPUT = {"derivative", "pool", "batchnorm", "residual_add", "output_error"}

#: Upper bound on pipeline chunks per op: keeps the event count (and run time) small.
MAX_CHUNKS = 32


class Machine:
    """Base class; subclasses implement `mvm` and `update` for their datapath."""

    def __init__(self, env: simpy.Environment, ledger: Ledger, design: Design, tech: Tech, trace: Trace):
        self.env, self.ledger, self.design, self.tech, self.trace = env, ledger, design, tech, trace
        d = design
        self.digital = DigitalUnit(env, ledger, "digital_unit", tech, d.digital_unit)
        a = d.activation_sram
        self.act_sram = Sram(env, ledger, "activation_sram", "activation SRAM", tech, d.activation_sram_kb,
                             a.banks, a.width_bits, a.ports, a.clock_ghz)
        self.bus = Bus(env, ledger, "bus", tech, d.bus.width_bits, d.bus.clock_ghz)
        self.training = trace.mode == "train"
        self.background: list = []  # processes a stage must wait for before it ends

    # -- running ---------------------------------------------------------------------------
    def run(self):
        """Process: all stages of one image, one after the other."""
        for step in self.trace.steps:
            start = self.env.now
            for op in step.ops:
                yield self.env.process(self.execute(step.stage, op))
            if self.background:
                yield self.env.all_of(self.background)
                self.background = []
            self.ledger.stage_spans[step.stage] = (start, self.env.now)

    def execute(self, stage: str, op):
        """Process: one trace op; its span and its actions are stamped with the op's layer."""
        start = self.env.now
        self.ledger.current_layer = op.layer
        yield from self.dispatch(stage, op)
        self.ledger.op_spans.append(OpSpan(stage, op.layer, type(op).__name__, start, self.env.now))

    def dispatch(self, stage: str, op):
        if isinstance(op, MvmOp):
            yield from self.mvm(stage, op)
        elif isinstance(op, VectorOp):
            yield from self.vector(stage, op)
        elif isinstance(op, UpdateOp):
            yield from self.update(stage, op)
        elif isinstance(op, ProgramOp):
            yield from self.program(stage, op)
        else:  # pragma: no cover
            raise TypeError(f"unknown trace op {op!r}")

    def parallel(self, *generators):
        """Process: run generators concurrently, finish when all are done."""
        procs = [self.env.process(g) for g in generators if g is not None]
        if procs:
            yield self.env.all_of(procs)

    # -- shared ops ------------------------------------------------------------------------
    def act_io(self, stage: str, reads: float, writes: float, bits: int):
        """Process: activation-SRAM traffic of `reads` + `writes` values of `bits`."""
        r, w = self.act_sram.words(reads * bits), self.act_sram.words(writes * bits)
        yield from self.act_sram.work(stage, self.act_sram.access_ns(r, w), {"read": r, "write": w})

    def elementwise(self, stage: str, kind: str | None, n: float):
        """Process: `n` outputs through the digital unit (op `kind`, or none) and into the
        activation SRAM. In training, activations and derivatives also quantise their outputs for
        the update on the fly (same pass: quantise energy counted, no extra time)."""
        actions = {kind: n} if kind else {}
        if kind and self.training and kind in ("activation", "derivative"):
            actions["quantize"] = n
        reads = n if kind in _READS_INPUT else 0
        compute = self.digital.work(stage, self.digital.ns(kind, n), actions) if kind else None
        yield from self.parallel(compute, self.act_io(stage, reads, n, self.design.act_bits))

    def vector(self, stage: str, op: VectorOp):
        """A stand-alone element-wise op (pooling, batch norm, output error ...)."""
        yield from self.elementwise(stage, op.kind, op.elements)

    def chunks(self, mvms: int) -> list[int]:
        """Split `mvms` repetitions into at most MAX_CHUNKS near-equal pipeline chunks."""
        k = max(1, min(mvms, MAX_CHUNKS))
        base, extra = divmod(mvms, k)
        return [base + (1 if i < extra else 0) for i in range(k)]

    # -- to implement ----------------------------------------------------------------------
    def mvm(self, stage: str, op: MvmOp):  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, stage: str, op: UpdateOp):  # pragma: no cover - abstract
        raise NotImplementedError

    def program(self, stage: str, op: ProgramOp):  # pragma: no cover - abstract
        raise NotImplementedError

    def summary(self) -> dict[str, float]:
        """Design facts for reports (tiles used, SRAM sizes ...)."""
        return {}
