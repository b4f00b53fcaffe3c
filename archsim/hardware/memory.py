"""The capacity rule: which working sets stay in on-chip buffers of stated capacity, which go to DRAM.

Per buffer, the working set of the workload (bits) is compared with the buffer's capacity; layers
are placed while they fit, the rest live in DRAM (when the design has it):

- weights (digital designs): Σ rows·cols·weight_bits (+ a velocity per weight for dense SGD with
  momentum). Resident layers load once; the others stream from DRAM on every use in every batch.
- χ (χ-threshold designs, training): Σ rows·cols·chi_bits (× 2 with momentum: the velocity),
  the layers with the most χ accumulations per weight placed first. Layers whose χ is in DRAM pay
  a DRAM burst per sparse χ read and write.
- activations: training keeps every weighted layer's input map for the backward pass and the
  update, for the images of a batch; inference needs one layer's input + output maps at a time.
  A training stash that does not fit is written to DRAM in the forward pass and read back in the
  update; an inference layer whose maps do not fit streams them through DRAM.

A capacity of 'fit' is resolved to exactly the working set (everything on chip).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archsim.config.errors import ConfigError, Problem
from archsim.trace.ops import MvmOp, Trace

KB_BITS = 8 * 1024


class CapacityError(ConfigError):
    """A working set does not fit on chip and the design has no DRAM (raised without a file; the
    estimator re-raises it naming the workload)."""


@dataclass
class Buffer:
    """One on-chip buffer: its resolved capacity and working set, and the layers left in DRAM."""

    name: str
    capacity_kb: float
    need_kb: float
    in_dram: set[str] = field(default_factory=set)

    @property
    def fits(self) -> bool:
        return not self.in_dram


def _place(name: str, stated, need_bits: dict[str, float], design, intensity: dict[str, float] | None = None) -> Buffer:
    """Place layers while they fit: in execution order, or the most accessed bits first."""
    need_kb = sum(need_bits.values()) / KB_BITS
    capacity = max(need_kb, 1e-3) if stated == "fit" else float(stated)
    left, spilled = capacity * KB_BITS, set()
    order = sorted(need_bits, key=lambda n: -intensity[n]) if intensity else list(need_bits)
    for layer in order:
        bits = need_bits[layer]
        if bits <= left:
            left -= bits
        else:
            spilled.add(layer)
    if spilled and not design.dram.enabled:
        raise CapacityError(None, [Problem(f"{name}.capacity_kb", (
            f"design '{design.name}': the workload needs {need_kb:,.1f} KB here but the buffer holds "
            f"{capacity:,.1f} KB and dram.enabled is false; raise capacity_kb (or write 'fit'), or enable dram"))])
    return Buffer(name, capacity, need_kb, spilled)


def _place_each(name: str, stated, need_bits: dict[str, float], design) -> Buffer:
    """Like _place, but each layer needs the buffer alone (inference maps are reused layer by layer)."""
    need_kb = max(need_bits.values(), default=0.0) / KB_BITS
    capacity = max(need_kb, 1e-3) if stated == "fit" else float(stated)
    spilled = {layer for layer, bits in need_bits.items() if bits > capacity * KB_BITS}
    if spilled and not design.dram.enabled:
        return _place(name, stated, {"all": need_kb * KB_BITS + 1}, design)  # raises the same error
    return Buffer(name, capacity, need_kb, spilled)


def plan_memory(design, trace: Trace) -> dict[str, Buffer]:
    """Buffers of `design` running `trace` (keys: activation_sram, weight_sram, chi_sram)."""
    training = trace.mode == "train"
    momentum = training and trace.optimizer == "momentum"
    b = trace.batch_size
    layers = trace.weighted()
    forward = [op for op in trace.step("forward").ops if isinstance(op, MvmOp)] if trace.step("forward") else []
    act = design.act_bits
    out: dict[str, Buffer] = {}
    if training:
        stash = {op.layer: float(op.in_map) * act * b for op in forward}
        out["activation_sram"] = _place("activation_sram", design.activation_sram.capacity_kb, stash, design)
    else:
        maps = {op.layer: float(op.in_map + op.out_map) * act * b for op in forward}
        out["activation_sram"] = _place_each("activation_sram", design.activation_sram.capacity_kb, maps, design)
    if design.type == "digital":
        velocity = 2 if momentum and design.update == "dense_sgd" else 1
        w = {n: float(r) * c * design.weight_bits * velocity for n, (r, c) in layers.items()}
        out["weight_sram"] = _place("weight_sram", design.weight_sram.capacity_kb, w, design)
    if training and design.update == "chi_threshold":
        chi = {n: float(r) * c * design.chi_unit.chi_bits * (2 if momentum else 1) for n, (r, c) in layers.items()}
        updates = {op.layer: op.stats.nonzero_updates / max(op.weights, 1) for op in trace.step("update").ops}
        out["chi_sram"] = _place("chi_sram", design.chi_sram.capacity_kb, chi, design, updates)
    return out
