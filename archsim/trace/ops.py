"""Trace records: what the hardware must do per image, stage by stage, independent of the design.

A design (archsim.hardware.designs) decides which units execute each op and for how long, and how
a batch of `batch_size` images shares them (weights reused across the batch, one programming per
batch in training).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from archsim.trace.stats import LayerUpdateStats

StageName = Literal["forward", "backward", "update", "program", "calibrate"]


@dataclass(frozen=True)
class MvmOp:
    """`mvms` matrix-vector products per image (conv: one per output position) with a rows × cols weight
    matrix (forward: x→Wx, backward: δ→Wᵀδ). `in_map` / `out_map`: elements of the op's input and
    output feature maps per image (what buffers hold; im2col re-reads are `in_len × mvms`)."""

    layer: str
    rows: int
    cols: int
    mvms: int
    direction: Literal["forward", "backward"]
    post: str | None = None  # element-wise op fused onto the outputs (activation / derivative)
    zero_fraction_8bit: float = 0.0  # inputs that are exactly 0 when quantised to ≤ 8 bits
    input_duty: float = 0.5  # mean share of a crossbar read window an input line is driven
    in_map: int = 0
    out_map: int = 0

    @property
    def in_len(self) -> int:
        return self.rows if self.direction == "forward" else self.cols

    @property
    def out_len(self) -> int:
        return self.cols if self.direction == "forward" else self.rows

    @property
    def macs(self) -> int:
        """Multiply-accumulates per image."""
        return self.rows * self.cols * self.mvms


@dataclass(frozen=True)
class VectorOp:
    """Element-wise work in the digital unit (activations, derivatives, pooling, partial sums ...), per image."""

    layer: str
    kind: str  # one of archsim.config.design.VECTOR_KINDS
    elements: int


@dataclass(frozen=True)
class UpdateOp:
    """Weight update of one layer: ΔW = η·δ·xᵀ summed over `mvms` positions (and the batch), with its
    per-image statistics."""

    layer: str
    rows: int
    cols: int
    mvms: int
    stats: LayerUpdateStats

    @property
    def weights(self) -> int:
        return self.rows * self.cols


@dataclass(frozen=True)
class ProgramOp:
    """One-off programming of a layer: program-and-verify of one device per weight, RESET of the other."""

    layer: str
    rows: int
    cols: int
    devices_programmed: int
    mean_iterations: float  # program pulses (each followed by a verify read) per programmed device
    devices_reset: int


Op = Union[MvmOp, VectorOp, UpdateOp, ProgramOp]


@dataclass
class Step:
    """One stage of one image: ops in dependency order."""

    stage: StageName
    ops: list[Op] = field(default_factory=list)


@dataclass
class Trace:
    """Per-image trace of a workload; `source` says where the statistics came from.

    batch_size: images per batch (weights reused across it; training programs once per batch).
    optimizer: 'momentum' adds a dense velocity read-modify-write per weight per batch.
    conductance_us: mean device conductance per weighted layer (crossbar read energy V²·G·t).
    program_iterations: program-and-verify iterations per device when a tile is reprogrammed.
    """

    workload: str
    mode: Literal["train", "infer"]
    source: Literal["analytical", "functional"]
    steps: list[Step]
    batch_size: int = 1
    optimizer: Literal["sgd", "momentum"] = "sgd"
    conductance_us: dict[str, float] = field(default_factory=dict)
    program_iterations: float = 10.0

    def step(self, stage: str) -> Step | None:
        return next((s for s in self.steps if s.stage == stage), None)

    @property
    def stages(self) -> list[str]:
        return [s.stage for s in self.steps]

    def weighted(self) -> dict[str, tuple[int, int]]:
        """(rows, cols) of every weighted layer, in execution order."""
        out: dict[str, tuple[int, int]] = {}
        for step in self.steps:
            for op in step.ops:
                if isinstance(op, (MvmOp, UpdateOp, ProgramOp)):
                    out.setdefault(op.layer, (op.rows, op.cols))
        return out
