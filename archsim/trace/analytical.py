"""Analytical trace generator: per-image ops from layer shapes plus stated update sparsity."""

from __future__ import annotations

from archsim.config.network import Network
from archsim.config.shapes import LayerShape, flatten_layers, infer_shapes
from archsim.config.workload import AnalyticalUpdate, TraceConfig
from archsim.trace.ops import MvmOp, Step, Trace, UpdateOp, VectorOp
from archsim.trace.stats import LayerUpdateStats

_VECTOR_KIND = {"maxpool": "pool", "avgpool": "pool", "global_avgpool": "pool", "batchnorm": "batchnorm",
                "activation": "activation", "residual": "residual_add"}


def analytical_update_stats(layers: list[LayerShape], cfg: AnalyticalUpdate) -> dict[str, LayerUpdateStats]:
    """Per-layer update statistics from stated sparsity; pulses split in proportion to non-zeros.

    Refresh: every `refresh_interval_images` all devices are checked (amortised reads per image),
    and `saturated_fraction_per_refresh` of pairs get RESET (both devices) + one SET re-program.
    """
    nz = {l.name: (l.rows * cfg.x_nonzero_fraction) * (l.cols * cfg.d_nonzero_fraction) for l in layers}
    total_nz = sum(nz.values()) or 1.0
    out = {}
    for l in layers:
        pairs = l.weights
        refresh_pairs = pairs * cfg.saturated_fraction_per_refresh / cfg.refresh_interval_images
        out[l.name] = LayerUpdateStats(
            x_nonzero=l.rows * cfg.x_nonzero_fraction,
            d_nonzero=l.cols * cfg.d_nonzero_fraction,
            nonzero_updates=nz[l.name],
            set_pulses=cfg.set_pulses_per_image * nz[l.name] / total_nz,
            reset_pulses=2 * refresh_pairs,
            refresh_reads=2 * pairs / cfg.refresh_interval_images,
            refresh_set_pulses=refresh_pairs,
        )
    return out


def _forward_ops(shapes: list[LayerShape]) -> list:
    ops: list = []
    for s in flatten_layers(shapes):
        if s.weighted:
            ops.append(MvmOp(s.name, s.rows, s.cols, s.mvms, "forward",
                             "activation" if s.activation != "none" else None))
        elif s.type in _VECTOR_KIND:
            elements = s.in_elements if s.type != "residual" else s.out_elements
            ops.append(VectorOp(s.name, _VECTOR_KIND[s.type], elements))
            if s.type in ("batchnorm", "residual") and s.activation != "none":
                ops.append(VectorOp(s.name, "activation", s.out_elements))
    return ops


def _backward_ops(shapes: list[LayerShape], zero_fraction_8bit: float) -> list:
    """Error back-propagation: output error, then for each weighted layer but the first Wᵀδ and f'."""
    flat = [s for s in flatten_layers(shapes)]
    weighted = [s for s in flat if s.weighted]
    ops: list = [VectorOp(weighted[-1].name, "output_error", weighted[-1].out_elements)]
    for s in reversed(flat):
        if s.weighted:
            if s is weighted[0]:
                break
            ops.append(MvmOp(s.name, s.rows, s.cols, s.mvms, "backward", "derivative", zero_fraction_8bit))
        elif s.type in _VECTOR_KIND:
            ops.append(VectorOp(s.name, _VECTOR_KIND[s.type], s.in_elements))
    return ops


def build_trace(name: str, network: Network, mode: str, update_stats: dict[str, LayerUpdateStats] | None,
                cfg: TraceConfig, source: str = "analytical") -> Trace:
    """The per-image trace: forward (and for training backward + update) steps."""
    shapes = infer_shapes(network)
    steps = [Step("forward", _forward_ops(shapes))]
    if mode == "train":
        weighted = [s for s in flatten_layers(shapes) if s.weighted]
        stats = update_stats or analytical_update_stats(weighted, cfg.update)
        missing = [l.name for l in weighted if l.name not in stats]
        if missing:
            raise ValueError(f"update statistics missing for layers: {', '.join(missing)}")
        steps.append(Step("backward", _backward_ops(shapes, cfg.error_zero_fraction_8bit)))
        steps.append(Step("update", [UpdateOp(l.name, l.rows, l.cols, l.mvms, stats[l.name]) for l in weighted]))
    return Trace(name, mode, source, steps)
