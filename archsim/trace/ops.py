"""Trace records: what the hardware must do per image, stage by stage, independent of the design.

A design (archsim.hardware.designs) decides which units execute each op and for how long.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from archsim.trace.stats import LayerUpdateStats

StageName = Literal["forward", "backward", "update", "program", "calibrate"]
VectorKind = Literal["activation", "derivative", "output_error", "quantize", "scale", "pool",
                     "batchnorm", "residual_add", "partial_sum"]


@dataclass(frozen=True)
class MvmOp:
    """`mvms` matrix-vector products with a rows × cols weight matrix (forward: x→Wx, backward: δ→Wᵀδ)."""

    layer: str
    rows: int
    cols: int
    mvms: int
    direction: Literal["forward", "backward"]
    post: str | None = None  # element-wise op fused onto the outputs (activation / derivative)
    zero_fraction_8bit: float = 0.0  # inputs that are exactly 0 when quantised to ≤ 8 bits

    @property
    def in_len(self) -> int:
        return self.rows if self.direction == "forward" else self.cols

    @property
    def out_len(self) -> int:
        return self.cols if self.direction == "forward" else self.rows

    @property
    def macs(self) -> int:
        return self.rows * self.cols * self.mvms


@dataclass(frozen=True)
class VectorOp:
    """Element-wise work in the digital unit (activations, derivatives, pooling, partial sums ...)."""

    layer: str
    kind: VectorKind
    elements: int


@dataclass(frozen=True)
class UpdateOp:
    """Weight update of one layer: ΔW = η·δ·xᵀ summed over `mvms` positions, with its statistics."""

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
    """Per-image trace of a workload; `source` says where the update statistics came from."""

    workload: str
    mode: Literal["train", "infer"]
    source: Literal["analytical", "functional"]
    steps: list[Step]

    def step(self, stage: str) -> Step | None:
        return next((s for s in self.steps if s.stage == stage), None)

    @property
    def stages(self) -> list[str]:
        return [s.stage for s in self.steps]
