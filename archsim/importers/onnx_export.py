"""archsim network + weights → ONNX (the project's own writer, built with onnx.helper).

The inverse of the importer: dense → Gemm (transB = 1, as PyTorch writes Linear) or MatMul without
bias; conv2d → Conv; pools, batch norm, activations, flatten, global average pooling (+ Flatten),
residual → two branches and an Add. Initializers are named `<layer>.weight` / `.bias` (batch norm:
`.weight`, `.bias`, `.running_mean`, `.running_var`), so an exported-then-imported network keeps its
layer names. Weights come in the layout of FunctionalNetwork.state().
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from archsim.config.errors import ConfigError
from archsim.config.network import Network
from archsim.config.shapes import LayerShape, infer_shapes

BN_EPS = 1e-5
OPS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softmax": "Softmax"}


class _Writer:
    def __init__(self, weights: dict[str, np.ndarray]):
        self.weights = weights
        self.nodes: list = []
        self.inits: list = []
        self.count = 0

    def tensor(self, name: str) -> str:
        self.count += 1
        return f"{name}:{self.count}"

    def init(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        from onnx import helper

        out = self.tensor(name)
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def get(self, key: str) -> np.ndarray:
        if key not in self.weights:
            raise ConfigError("weights", f"{key}: missing (expected FunctionalNetwork.state() layout)")
        return np.asarray(self.weights[key], dtype=np.float32)

    def activation(self, x: str, function: str, name: str) -> str:
        return x if function == "none" else self.node(OPS[function], [x], f"{name}.act")

    def layers(self, x: str, cfg_layers, shapes: list[LayerShape]) -> str:
        for cfg, s in zip(cfg_layers, shapes):
            x = self.layer(x, cfg, s)
        return x

    def layer(self, x: str, cfg, s: LayerShape) -> str:
        t, name = cfg.type, s.name
        if t == "dense":
            w = self.get(f"{name}.W")
            fan_in = s.in_shape[0]
            if cfg.bias:
                x = self.node("Gemm", [x, self.init(f"{name}.weight", w[:fan_in].T),
                                       self.init(f"{name}.bias", w[fan_in])], name, transB=1)
            else:
                x = self.node("MatMul", [x, self.init(f"{name}.weight", w)], name)
            return self.activation(x, cfg.activation, name)
        if t == "conv2d":
            w = self.get(f"{name}.W")
            c_in, k = s.in_shape[0], cfg.kernel
            fan_in = c_in * k * k
            inputs = [x, self.init(f"{name}.weight", w[:fan_in].T.reshape(cfg.out_channels, c_in, k, k))]
            if cfg.bias:
                inputs.append(self.init(f"{name}.bias", w[fan_in]))
            x = self.node("Conv", inputs, name, kernel_shape=[k, k], strides=[cfg.stride] * 2,
                          pads=[cfg.padding] * 4)
            return self.activation(x, cfg.activation, name)
        if t in ("maxpool", "avgpool"):
            stride = cfg.stride or cfg.kernel
            return self.node("MaxPool" if t == "maxpool" else "AveragePool", [x], name,
                             kernel_shape=[cfg.kernel] * 2, strides=[stride] * 2)
        if t == "batchnorm":
            inputs = [x] + [self.init(f"{name}.{onnx_key}", self.get(f"{name}.{key}")) for key, onnx_key in
                            (("gamma", "weight"), ("beta", "bias"), ("running_mean", "running_mean"),
                             ("running_var", "running_var"))]
            return self.activation(self.node("BatchNormalization", inputs, name, epsilon=BN_EPS), cfg.activation, name)
        if t == "activation":
            return self.activation(x, cfg.function, name)
        if t == "flatten":
            return self.node("Flatten", [x], name, axis=1)
        if t == "dropout":
            return x  # training only; inference passes values through
        if t == "global_avgpool":
            return self.node("Flatten", [self.node("GlobalAveragePool", [x], name)], f"{name}.flatten", axis=1)
        if t == "residual":
            nb = len(cfg.body)
            body = self.layers(x, cfg.body, list(s.children[:nb]))
            short = self.layers(x, cfg.shortcut, list(s.children[nb:])) if cfg.shortcut else x
            return self.activation(self.node("Add", [body, short], name), cfg.activation, name)
        raise ValueError(f"unsupported layer type {t}")  # pragma: no cover - the schema admits no other type


def network_to_onnx(network: Network, weights: dict[str, np.ndarray], *, opset: int = 17, name: str | None = None):
    """An onnx.ModelProto computing `network` with `weights`; input 'input' (N, *input_shape), output 'output'."""
    from onnx import TensorProto, checker, helper

    w = _Writer(weights)
    shapes = infer_shapes(network)
    last = w.layers("input", network.layers, shapes)
    w.nodes.append(helper.make_node("Identity", [last], ["output"], name="output"))
    graph = helper.make_graph(
        w.nodes, name or network.name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *network.input_shape])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", *shapes[-1].out_shape])], w.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="archsim")
    checker.check_model(model)
    return model


def export_onnx(network: Network, weights: dict[str, np.ndarray], path: str | Path, **kwargs) -> Path:
    """Write `network` with `weights` as an ONNX file (atomically); returns the path."""
    from archsim.io import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, network_to_onnx(network, weights, **kwargs).SerializeToString())
    return path
