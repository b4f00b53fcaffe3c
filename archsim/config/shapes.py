"""Shape inference over a Network: every layer's input/output shape and its crossbar matrix."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from archsim.config import network as N


@dataclass(frozen=True)
class LayerShape:
    """One layer after shape inference.

    For weighted layers, `rows` × `cols` is the weight matrix as mapped on crossbars
    (rows = fan-in incl. bias row, cols = outputs) and `mvms` the matrix-vector products
    per image (1 for dense, H_out·W_out for conv).
    """

    name: str
    type: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    rows: int = 0
    cols: int = 0
    mvms: int = 0
    activation: str = "none"
    path: str = ""  # dotted position in the network, e.g. layers.3.body.0
    children: tuple = field(default=())

    @property
    def weighted(self) -> bool:
        return self.rows > 0

    @property
    def weights(self) -> int:
        return self.rows * self.cols

    @property
    def out_elements(self) -> int:
        return math.prod(self.out_shape)

    @property
    def in_elements(self) -> int:
        return math.prod(self.in_shape)


def _conv_out(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def _infer(layers, shape: tuple[int, ...], prefix: str, counter: dict) -> tuple[list[LayerShape], tuple[int, ...]]:
    out: list[LayerShape] = []
    for i, layer in enumerate(layers):
        path = f"{prefix}.{i}"
        counter[layer.type] = counter.get(layer.type, 0) + 1
        name = layer.name or f"{layer.type}{counter[layer.type]}"
        t = layer.type
        if t == "dense":
            if len(shape) != 1:
                raise ValueError(f"{path}: dense layer needs a vector input, got shape {list(shape)}; add a flatten layer")
            rows = shape[0] + (1 if layer.bias else 0)
            new = (layer.out,)
            out.append(LayerShape(name, t, shape, new, rows, layer.out, 1, layer.activation, path))
        elif t == "conv2d":
            if len(shape) != 3:
                raise ValueError(f"{path}: conv2d needs a (C, H, W) input, got shape {list(shape)}")
            c, h, w = shape
            ho, wo = (_conv_out(h, layer.kernel, layer.stride, layer.padding),
                      _conv_out(w, layer.kernel, layer.stride, layer.padding))
            if ho < 1 or wo < 1:
                raise ValueError(f"{path}: kernel {layer.kernel} does not fit input {list(shape)}")
            rows = layer.kernel * layer.kernel * c + (1 if layer.bias else 0)
            new = (layer.out_channels, ho, wo)
            out.append(LayerShape(name, t, shape, new, rows, layer.out_channels, ho * wo, layer.activation, path))
        elif t in ("maxpool", "avgpool"):
            if len(shape) != 3:
                raise ValueError(f"{path}: {t} needs a (C, H, W) input, got shape {list(shape)}")
            stride = layer.stride or layer.kernel
            c, h, w = shape
            new = (c, _conv_out(h, layer.kernel, stride, 0), _conv_out(w, layer.kernel, stride, 0))
            if new[1] < 1 or new[2] < 1:
                raise ValueError(f"{path}: pool kernel {layer.kernel} does not fit input {list(shape)}")
            out.append(LayerShape(name, t, shape, new, path=path))
        elif t == "batchnorm":
            out.append(LayerShape(name, t, shape, shape, activation=layer.activation, path=path))
        elif t == "activation":
            out.append(LayerShape(name, t, shape, shape, activation=layer.function, path=path))
        elif t == "flatten":
            out.append(LayerShape(name, t, shape, (math.prod(shape),), path=path))
        elif t == "dropout":
            out.append(LayerShape(name, t, shape, shape, path=path))
        elif t == "global_avgpool":
            if len(shape) != 3:
                raise ValueError(f"{path}: global_avgpool needs a (C, H, W) input, got shape {list(shape)}")
            out.append(LayerShape(name, t, shape, (shape[0],), path=path))
        elif t == "residual":
            body, body_shape = _infer(layer.body, shape, f"{path}.body", counter)
            short, short_shape = _infer(layer.shortcut, shape, f"{path}.shortcut", counter) if layer.shortcut else ([], shape)
            if body_shape != short_shape:
                raise ValueError(
                    f"{path}: residual body output {list(body_shape)} differs from shortcut output "
                    f"{list(short_shape)}; add a shortcut (e.g. a 1x1 conv2d with stride)")
            out.append(LayerShape(name, t, shape, body_shape, activation=layer.activation, path=path,
                                  children=tuple(body + short)))
            new = body_shape
        else:  # pragma: no cover - the schema admits no other type
            raise ValueError(f"{path}: unknown layer type {t}")
        shape = out[-1].out_shape if t != "residual" else new
    return out, shape


def infer_shapes(network: "N.Network") -> list[LayerShape]:
    """Top-level layers with shapes (residual blocks carry their inner layers in `children`)."""
    layers, _ = _infer(network.layers, tuple(network.input_shape), "layers", {})
    return layers


def flatten_layers(shapes: list[LayerShape]) -> list[LayerShape]:
    """All layers in execution order, residual blocks expanded (block itself last: its add)."""
    flat: list[LayerShape] = []
    for s in shapes:
        if s.children:
            flat.extend(flatten_layers(list(s.children)))
        flat.append(s)
    return flat


def weighted_layers(network: "N.Network") -> list[LayerShape]:
    """The layers that hold weights (dense, conv2d), in execution order."""
    return [s for s in flatten_layers(infer_shapes(network)) if s.weighted]
