"""Common machinery of a simulated design: the stream of batches, image groups, vector ops, buffers.

The run is a stream of `batches` batches of `batch_size` images. A batch runs as image groups
(processes): the MCA streams a batch as up to MAX_GROUPS groups that pipeline through its dedicated
arrays; a digital design (one MAC array shared by all layers) runs a batch layer by layer as one
group, so each weight is fetched once per batch. Each op of a group is a process that acquires
units, holds them for their latency and releases them; inside an op, at most MAX_CHUNKS chunks
stream through the op's stages (SRAM → MAC array, inputs → crossbar → ADC → digital unit), each
stage starting one item after its upstream. Training batches follow one another (the next batch
needs the updated weights); an inference batch enters when the one before it has cleared its
first op, and batches overlap where the units allow, older batches first.

Every process carries an OpContext (stage, layer, batch, group): work it causes — including
background refresh that outlives its op — is booked to that op.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import simpy

from archsim.hardware.components.base import Component
from archsim.hardware.components.digital import VectorUnit
from archsim.hardware.components.memory import Bus, Dram, SramMacro
from archsim.hardware.ledger import Ledger, OpContext
from archsim.hardware.memory import Buffer, plan_memory
from archsim.hardware.units import Done, Unit, cycles_ns
from archsim.trace.ops import MvmOp, ProgramOp, Trace, UpdateOp, VectorOp

#: Vector ops whose inputs are read from the activation SRAM (activations work on MVM outputs).
_READS_INPUT = {"derivative", "pool", "batchnorm", "residual_add", "output_error"}

#: Upper bound on pipeline chunks per op and on image groups per batch: keeps the event count
#: (and the run time) bounded whatever the layer sizes and batch size.
MAX_CHUNKS = 4
MAX_GROUPS = 4


@dataclass
class Work:
    """`unit` busy for `ns` doing `actions`; streamed, it handles its items `item_ns` each."""

    unit: Unit
    ns: float
    actions: dict[str, float]
    items: float = 1
    category: str | None = None

    @property
    def item_ns(self) -> float:
        return self.ns / max(self.items, 1)


def split(n: int, k: int) -> list[int]:
    """`n` items in at most `k` near-equal positive parts."""
    k = max(1, min(n, k))
    base, extra = divmod(n, k)
    return [base + (1 if i < extra else 0) for i in range(k)]


class Machine:
    """Base class; subclasses add their units (`components`) and implement `mvm`, `update`, `program`."""

    def __init__(self, env: simpy.Environment, ledger: Ledger, design, tech, trace: Trace):
        self.env, self.ledger, self.design, self.tech, self.trace = env, ledger, design, tech, trace
        self.training = trace.mode == "train"
        self.memory: dict[str, Buffer] = plan_memory(design, trace)
        self.catalog = self.components(design, tech, trace, self.memory)
        self.units: dict[str, Unit] = {}
        self.background: dict[int, list] = defaultdict(list)   # batch → processes the batch waits for
        self.batch_done: list[float] = []
        fwd = trace.step("forward")
        self.in_maps = {op.layer: op.in_map for op in (fwd.ops if fwd else []) if isinstance(op, MvmOp)}
        self._stage_spans: dict[tuple[int, int, str], list[float]] = {}
        self._entered: dict[int, simpy.Event] = {}  # inference: batch b has cleared its first op
        self._pending: dict[tuple[int, str], int] = {}  # (batch, layer) → groups still to update it

    # -- the catalog of component models (pure: used again to re-price a finished run) ------------
    @classmethod
    def components(cls, design, tech, trace: Trace, memory: dict[str, Buffer] | None = None) -> dict[str, Component]:
        memory = memory if memory is not None else plan_memory(design, trace)
        a = design.activation_sram
        out: dict[str, Component] = {
            "digital_unit": VectorUnit(tech, design.digital_unit),
            "activation_sram": SramMacro(tech, "activation SRAM", memory["activation_sram"].capacity_kb, a.width_bits,
                                         a.banks, a.ports),
            "bus": Bus(tech),
        }
        if design.dram.enabled:
            out["dram"] = Dram(tech)
        return out

    def unit(self, name: str, resource: simpy.Resource | None = None) -> Unit:
        """The DES unit of catalog entry `name` (created on first use; `resource` shares a physical one)."""
        u = self.units.get(name)
        if u is None:
            u = self.units[name] = Unit(self.env, self.ledger, name, self.catalog[name])
            if resource is not None:
                u.resource = resource
        return u

    # -- the stream ------------------------------------------------------------------------------
    def groups(self) -> list[int]:
        """Images per group of one batch (default: the whole batch layer by layer)."""
        return [self.trace.batch_size]

    def run(self, batches: int):
        """Process: `batches` batches. Training batches follow one another; an inference batch enters
        as soon as the one before it has cleared its first op, and then they overlap where the units
        allow (older batches first)."""
        if self.training:
            for b in range(batches):
                yield self.env.process(self.batch(b))
            return
        procs = []
        for b in range(batches):
            self._entered[b] = self.env.event()
            procs.append(self.env.process(self.batch(b)))
            yield self._entered[b]
        yield self.env.all_of(procs)

    def batch(self, b: int):
        start = self.env.now
        groups = self.groups()
        for layer in self.trace.weighted():
            self._pending[(b, layer)] = len(groups)
        yield self.env.all_of([self.env.process(self.image_group(b, g, n)) for g, n in enumerate(groups)])
        while self.background[b]:
            procs, self.background[b] = self.background[b], []
            yield self.env.all_of(procs)
        for (bb, g, stage), (s, e) in sorted(self._stage_spans.items(), key=lambda kv: (kv[0][1], kv[1][0])):
            if bb == b:
                end = max(e, self.env.now) if stage == self.trace.steps[-1].stage and self.training else e
                self.ledger.span("stage", OpContext(stage, "", b, g), stage, s, end)
        self.ledger.span("batch", OpContext("batch", "", b), "batch", start, self.env.now)
        self.batch_done.append(self.env.now)

    def image_group(self, b: int, g: int, images: int):
        for step in self.trace.steps:
            t0 = self.env.now
            for op in step.ops:
                yield from self.execute(OpContext(step.stage, op.layer, b, g), op, images)
                entered = self._entered.get(b)
                if entered is not None and not entered.triggered:
                    entered.succeed()
            self._stage_spans[(b, g, step.stage)] = [t0, self.env.now]

    def execute(self, ctx: OpContext, op, images: int):
        """Process: one trace op for `images` images; its span and its actions carry `ctx`."""
        start = self.env.now
        if isinstance(op, MvmOp):
            yield from self.mvm(ctx, op, images)
        elif isinstance(op, VectorOp):
            yield from self.elementwise(ctx, op.kind, op.elements * images)
        elif isinstance(op, UpdateOp):
            yield from self.update(ctx, op, images)
        elif isinstance(op, ProgramOp):
            yield from self.program(ctx, op)
        else:  # pragma: no cover
            raise TypeError(f"unknown trace op {op!r}")
        self.ledger.span("op", ctx, type(op).__name__, start, self.env.now)

    def layer_done(self, ctx: OpContext) -> bool:
        """Count one group's update of ctx.layer; True for the batch's last group."""
        key = (ctx.batch, ctx.layer)
        self._pending[key] -= 1
        return self._pending[key] == 0

    def parallel(self, *generators):
        """Process: run generators concurrently, finish when all are done."""
        procs = [self.env.process(g) for g in generators if g is not None]
        if procs:
            yield self.env.all_of(procs)

    # -- work: what units do, as lists that run in parallel or as stages of a streaming pipeline ----
    def go(self, ctx: OpContext, works: list["Work"]):
        """Process: `works` concurrently."""
        yield from self.parallel(*(w.unit.work(ctx, w.ns, w.actions, w.category) for w in works))

    def pipeline(self, ctx: OpContext, stages: list[list["Work"]]):
        """Process: one chunk streaming through `stages` (each a list of units working in parallel).

        A stage starts when the chunk's first item has passed the stages before it, and it cannot
        finish before its upstream has finished plus one item of its own; between those bounds it
        is limited by its own units. So a chunk takes about the slowest stage, plus the fill, not the
        sum of its stages."""
        lag, upstream = 0.0, None
        for works in stages:
            if not works:
                continue
            procs = [self.env.process(w.unit.work(ctx, w.ns, w.actions, w.category, lag, upstream, w.item_ns))
                     for w in works]
            upstream = Done(self.env, procs)
            lag += max(w.item_ns for w in works)
        if upstream is not None:
            yield upstream.event

    def sram_works(self, ctx: OpContext, name: str, reads_bits: float, writes_bits: float, items: float = 1,
                   active: float = 1.0) -> list["Work"]:
        """`reads_bits` + `writes_bits` through SRAM `name`, words spread over its banks. A
        single-ported SRAM serves reads and writes one after the other; a dual-ported one has a read
        port and a write port that work in parallel. `active` < 1 gates that share of the reads
        (energy, not cycles)."""
        cfg = getattr(self.design, name)
        r, w = reads_bits / cfg.width_bits, writes_bits / cfg.width_bits
        if cfg.ports == 1:
            if r <= 0 and w <= 0:
                return []
            return [Work(self.unit(name), cycles_ns((r + w) / cfg.banks, cfg.clock_ghz),
                         {"read": r * active, "write": w}, items)]
        out = []
        if r > 0:
            out.append(Work(self.unit(name), cycles_ns(r / cfg.banks, cfg.clock_ghz), {"read": r * active}, items))
        if w > 0:
            out.append(Work(self.write_port(name), cycles_ns(w / cfg.banks, cfg.clock_ghz), {"write": w}, items))
        return out

    def write_port(self, name: str) -> Unit:
        """The write port of dual-ported SRAM `name`: its own queue, the same component."""
        key = f"{name}#write"
        u = self.units.get(key)
        if u is None:
            u = self.units[key] = Unit(self.env, self.ledger, name, self.catalog[name], label=f"{name} (write port)")
        return u

    def act_works(self, ctx: OpContext, reads: float, writes: float, items: float = 1) -> list["Work"]:
        """Activation-SRAM traffic of `reads` + `writes` values of act_bits."""
        bits = self.design.act_bits
        return self.sram_works(ctx, "activation_sram", reads * bits, writes * bits, items)

    def dram_works(self, ctx: OpContext, read_bits: float, write_bits: float, items: float = 1) -> list["Work"]:
        """DRAM transfers at the design's bandwidth (1 GB/s moves 8 bits per ns)."""
        if read_bits <= 0 and write_bits <= 0:
            return []
        ns = (read_bits + write_bits) / (8 * self.design.dram.bandwidth_gb_s)
        return [Work(self.unit("dram"), ns, {"read_bit": read_bits, "write_bit": write_bits}, items)]

    def bus_works(self, ctx: OpContext, bits: float, items: float = 1) -> list["Work"]:
        b = self.design.bus
        return [Work(self.unit("bus"), cycles_ns(bits / b.width_bits, b.clock_ghz), {"transfer": bits}, items)] \
            if bits > 0 else []

    def vector_works(self, ctx: OpContext, kind: str, n: float, items: float = 1,
                     actions: dict[str, float] | None = None) -> list["Work"]:
        """`n` elements of op `kind` in the digital unit (no SRAM traffic, e.g. partial sums)."""
        du = self.design.digital_unit
        ns = cycles_ns(n * du.cycles(kind) / du.lanes, du.clock_ghz)
        return [Work(self.unit("digital_unit"), ns, actions if actions is not None else {kind: n}, items)] \
            if n > 0 else []

    def elementwise_works(self, ctx: OpContext, kind: str | None, n: float, items: float = 1) -> list["Work"]:
        """`n` outputs through the digital unit (op `kind`, or none) into the activation SRAM. In
        training, activations and derivatives also quantise their outputs for the update on the fly
        (same pass: quantise energy counted, no extra time)."""
        out = []
        if kind:
            actions = {kind: n}
            if self.training and kind in ("activation", "derivative"):
                actions["quantize"] = n
            out += self.vector_works(ctx, kind, n, items, actions)
        return out + self.act_works(ctx, n if kind in _READS_INPUT else 0, n, items)

    def elementwise(self, ctx: OpContext, kind: str | None, n: float):
        """Process: a stand-alone element-wise op."""
        yield from self.go(ctx, self.elementwise_works(ctx, kind, n))

    def sparse_dram_bits(self, accesses: float) -> float:
        """Bits moved by `accesses` scattered DRAM accesses (each a whole burst)."""
        return accesses * self.design.dram.burst_bytes * 8

    def spill(self, buffer: str, layer: str) -> bool:
        """True if `layer`'s working set in `buffer` lives in DRAM."""
        b = self.memory.get(buffer)
        return b is not None and layer in b.in_dram

    def map_dram_bits(self, ctx: OpContext, op: MvmOp, images: int) -> tuple[float, float]:
        """(read, write) DRAM bits of an MVM op's feature maps under the capacity rule."""
        if op.direction != "forward" or not self.spill("activation_sram", op.layer):
            return 0.0, 0.0
        bits = self.design.act_bits * images
        if self.training:  # the layer's input is stashed in DRAM for the update (read back there)
            return 0.0, op.in_map * bits
        return op.in_map * bits, op.out_map * bits

    def stash_read_bits(self, layer: str, images: int) -> float:
        """DRAM bits read back by the update of a layer whose training stash is in DRAM."""
        if not self.spill("activation_sram", layer):
            return 0.0
        return self.in_maps.get(layer, 0) * self.design.act_bits * images

    def chunks(self, n: int) -> list[int]:
        return split(n, MAX_CHUNKS)

    # -- to implement --------------------------------------------------------------------------------
    def mvm(self, ctx: OpContext, op: MvmOp, images: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, ctx: OpContext, op: UpdateOp, images: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def program(self, ctx: OpContext, op: ProgramOp):  # pragma: no cover - abstract
        raise NotImplementedError

    def facts(self) -> dict:
        """Design facts for reports (arrays, buffer sizes, DRAM use ...)."""
        out: dict = {}
        for name, b in self.memory.items():
            out[f"{name}_kb"] = b.capacity_kb
            out[f"{name}_need_kb"] = b.need_kb
            out[f"{name}_dram_layers"] = sorted(b.in_dram)
        out["leakage_mw"] = sum(c.leakage_mw for c in self.catalog.values())
        return out

