"""A few lines describing an imported network: layers, weights and MACs per image, notes."""

from __future__ import annotations

from archsim.config.network import Network
from archsim.config.shapes import flatten_layers, infer_shapes, weighted_layers
from archsim.importers.onnx_network import Imported


def describe(imported: Imported) -> str:
    net = Network.model_validate(imported.network)
    weighted = weighted_layers(net)
    layers = flatten_layers(infer_shapes(net))
    weights = sum(s.weights for s in weighted)
    macs = sum(s.weights * s.mvms for s in weighted)
    lines = [f"{net.name}: input {list(net.input_shape)}, {len(layers)} layers ({len(weighted)} on crossbars), "
             f"{weights:,} weights, {macs:,} MACs per image"]
    return "\n".join(lines + [f"note: {n}" for n in imported.notes])
