"""Analytical trace generator: per-image ops from layer shapes plus stated statistics."""

from __future__ import annotations

from archsim.config.network import Network
from archsim.config.shapes import LayerShape, flatten_layers, infer_shapes
from archsim.config.workload import AnalyticalUpdate, TraceConfig
from archsim.trace.ops import MvmOp, Step, Trace, UpdateOp, VectorOp
from archsim.trace.stats import LayerUpdateStats

_VECTOR_KIND = {"maxpool": "pool", "avgpool": "pool", "global_avgpool": "pool", "batchnorm": "batchnorm",
                "activation": "activation", "residual": "residual_add"}


def analytical_update_stats(layers: list[LayerShape], cfg: AnalyticalUpdate) -> dict[str, LayerUpdateStats]:
    """Per-layer, per-image update statistics from stated sparsity.

    Non-zero outer-product entries: Σ over the layer's positions of nnz(x)·nnz(δ), i.e.
    positions × (rows·x_fraction) × (cols·d_fraction). SET pulses are split over layers in
    proportion to these. Refresh: every `refresh_interval_images` all devices are checked
    (amortised reads per image), and `saturated_fraction_per_refresh` of pairs get RESET (both
    devices) + one SET re-program.
    """
    x = {l.name: l.rows * cfg.x_nonzero_fraction for l in layers}
    d = {l.name: l.cols * cfg.d_nonzero_fraction for l in layers}
    nz = {l.name: l.mvms * x[l.name] * d[l.name] for l in layers}
    total_nz = sum(nz.values()) or 1.0
    out = {}
    for l in layers:
        pairs = l.weights
        refresh_pairs = pairs * cfg.saturated_fraction_per_refresh / cfg.refresh_interval_images
        out[l.name] = LayerUpdateStats(
            x_nonzero=x[l.name],
            d_nonzero=d[l.name],
            nonzero_updates=nz[l.name],
            set_pulses=cfg.set_pulses_per_image * nz[l.name] / total_nz,
            reset_pulses=2 * refresh_pairs,
            refresh_reads=2 * pairs / cfg.refresh_interval_images,
            refresh_set_pulses=refresh_pairs,
        )
    return out


def _mvm(s: LayerShape, direction: str, post: str | None, cfg: TraceConfig, zero_fraction: float = 0.0) -> MvmOp:
    maps = (s.in_elements, s.out_elements) if direction == "forward" else (s.out_elements, s.in_elements)
    return MvmOp(s.name, s.rows, s.cols, s.mvms, direction, post, zero_fraction, cfg.crossbar.input_duty, *maps)


def _forward_ops(shapes: list[LayerShape], cfg: TraceConfig) -> list:
    ops: list = []
    for s in flatten_layers(shapes):
        if s.weighted:
            ops.append(_mvm(s, "forward", "activation" if s.activation != "none" else None, cfg))
        elif s.type in _VECTOR_KIND:
            elements = s.in_elements if s.type != "residual" else s.out_elements
            ops.append(VectorOp(s.name, _VECTOR_KIND[s.type], elements))
            if s.type in ("batchnorm", "residual") and s.activation != "none":
                ops.append(VectorOp(s.name, "activation", s.out_elements))
    return ops


def _backward_ops(shapes: list[LayerShape], cfg: TraceConfig) -> list:
    """Error back-propagation: output error, then for each weighted layer but the first Wᵀδ and f'."""
    flat = [s for s in flatten_layers(shapes)]
    weighted = [s for s in flat if s.weighted]
    ops: list = [VectorOp(weighted[-1].name, "output_error", weighted[-1].out_elements)]
    for s in reversed(flat):
        if s.weighted:
            if s is weighted[0]:
                break
            ops.append(_mvm(s, "backward", "derivative", cfg, cfg.error_zero_fraction_8bit))
        elif s.type in _VECTOR_KIND:
            ops.append(VectorOp(s.name, _VECTOR_KIND[s.type], s.in_elements))
    return ops


def build_trace(name: str, network: Network, mode: str, update_stats: dict[str, LayerUpdateStats] | None,
                cfg: TraceConfig, source: str = "analytical", *, batch_size: int = 1,
                conductance_us: dict[str, float] | None = None) -> Trace:
    """The per-image trace: forward (and for training backward + update) steps.

    `conductance_us` (layer → mean device conductance, e.g. measured by a functional run) overrides
    the stated `trace.crossbar.mean_conductance_us` for the layers it names.
    """
    shapes = infer_shapes(network)
    weighted = [s for s in flatten_layers(shapes) if s.weighted]
    steps = [Step("forward", _forward_ops(shapes, cfg))]
    if mode == "train":
        stats = update_stats or analytical_update_stats(weighted, cfg.update)
        missing = [l.name for l in weighted if l.name not in stats]
        if missing:
            raise ValueError(f"update statistics missing for layers: {', '.join(missing)}")
        steps.append(Step("backward", _backward_ops(shapes, cfg)))
        steps.append(Step("update", [UpdateOp(l.name, l.rows, l.cols, l.mvms, stats[l.name]) for l in weighted]))
    g = {l.name: cfg.crossbar.mean_conductance_us for l in weighted} | dict(conductance_us or {})
    return Trace(name, mode, source, steps, batch_size=batch_size, optimizer=cfg.optimizer, conductance_us=g,
                 program_iterations=cfg.crossbar.program_iterations)
