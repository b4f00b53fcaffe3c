"""ONNX graph → archsim network (the workload's `network:` section) and weights in archsim's layout.

The graph is walked from its input: a chain of nodes becomes a list of layers; a tensor feeding two
branches that meet again at an Add becomes a `residual` block (an empty branch is the identity
shortcut). An activation right after a conv/dense/batch-norm/residual becomes that layer's
`activation:`, as in hand-written workloads; Identity and Dropout are skipped (inference).

Weights use the layout of FunctionalNetwork.state(): `<layer>.W` is the crossbar matrix, rows =
fan-in in (c, kh, kw) order then the bias row, cols = outputs; batch norm `<bn>.gamma/.beta/
.running_mean/.running_var`. archsim's batch norm uses ε = 1e-5; another ε is folded exactly into
`running_var` (var + ε − 1e-5) and noted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from archsim.config.errors import ConfigError, Problem
from archsim.importers.onnx_reader import Graph, Node, supported_line

BN_EPS = 1e-5
ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax"}
FOLDS_ACTIVATION = ("dense", "conv2d", "batchnorm", "residual")
SKIPPED = ("Identity", "Dropout", "Constant")
WEIGHT_SUFFIXES = (".weight", ".kernel", "_weight", "/kernel:0", "/kernel", ".W", "_W")


@dataclass
class Imported:
    """An imported model: the `network:` section, weights in archsim's layout, and notes for the user."""

    network: dict
    weights: dict[str, np.ndarray]
    notes: list[str] = field(default_factory=list)


class _Stop(Exception):
    """A structural problem: the walk cannot go on."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def onnx_to_network(graph: Graph, name: str) -> Imported:
    """Convert a read graph; raises ConfigError listing the offending nodes and the supported set."""
    conv = _Converter(graph)
    problems = [p for n in graph.nodes for p in _attribute_problems(n, graph)]
    if problems:
        raise ConfigError(graph.path, problems + [supported_line()])
    try:
        layers, shape = conv.run()
    except _Stop as stop:
        raise ConfigError(graph.path, stop.problems + [supported_line()]) from None
    network = {"name": name, "input_shape": list(graph.input_shape), "layers": _tidy(layers)}
    from archsim.config.loader import validate
    from archsim.config.network import Network

    validate(Network, network, graph.path, prefix="imported network")
    return Imported(network, conv.weights, conv.notes)


# ---------------------------------------------------------------------------------------------- attributes

def _ints(node: Node, key: str, default):
    return list(node.attrs.get(key, default))


def _attribute_problems(n: Node, g: Graph) -> list[Problem]:
    """Attributes the layer schema cannot express, one Problem per (node, attribute)."""
    bad: list[tuple[str, object, str]] = []
    a = n.attrs
    if n.op == "Conv":
        w = g.constants.get(n.inputs[1])
        if w is None or w.ndim != 4:
            bad.append(("weight", None if w is None else list(w.shape), "2-D convolutions only (weight C_out×C_in×k×k)"))
            return [_attr(n, *b) for b in bad]
        if a.get("group", 1) != 1:
            bad.append(("group", a["group"], "groups = 1 only"))
        if any(d != 1 for d in _ints(n, "dilations", [1, 1])):
            bad.append(("dilations", a["dilations"], "1 only"))
        k = list(w.shape[2:])
        if k[0] != k[1] or _ints(n, "kernel_shape", k) != k:
            bad.append(("kernel_shape", a.get("kernel_shape", k), "square kernels matching the weight"))
        bad += _stride_pad_problems(n, k[0], conv=True)
    elif n.op in ("MaxPool", "AveragePool"):
        k = _ints(n, "kernel_shape", [])
        if len(k) != 2 or k[0] != k[1]:
            bad.append(("kernel_shape", k, "square 2-D windows"))
        bad += _stride_pad_problems(n, k[0] if k else 1, conv=False)
        if a.get("ceil_mode", 0) != 0:
            bad.append(("ceil_mode", a["ceil_mode"], "0 (floor) only"))
        if any(d != 1 for d in _ints(n, "dilations", [1, 1])):
            bad.append(("dilations", a["dilations"], "1 only"))
        if a.get("storage_order", 0) != 0:
            bad.append(("storage_order", a["storage_order"], "0 only"))
    elif n.op == "Gemm":
        if a.get("transA", 0) != 0:
            bad.append(("transA", a["transA"], "0 only (the data input is not transposed)"))
        if g.constants[n.inputs[1]].ndim != 2:
            bad.append(("B", list(g.constants[n.inputs[1]].shape), "a 2-D weight"))
    elif n.op == "MatMul":
        if n.inputs[1] not in g.constants or g.constants[n.inputs[1]].ndim != 2:
            bad.append(("B", None, "a 2-D weight stored in the file"))
    elif n.op == "BatchNormalization":
        if a.get("training_mode", 0) != 0:
            bad.append(("training_mode", a["training_mode"], "0 (inference) only"))
        if a.get("spatial", 1) != 1:
            bad.append(("spatial", a["spatial"], "1 only"))
        eps = float(a.get("epsilon", BN_EPS))
        if eps < BN_EPS and float(g.constants[n.inputs[4]].min()) + eps - BN_EPS <= 0:
            bad.append(("epsilon", eps, f">= {BN_EPS} (or running variances that stay positive when ε is "
                                        f"raised to {BN_EPS})"))
    elif n.op == "Flatten":
        if a.get("axis", 1) != 1:
            bad.append(("axis", a["axis"], "1 only (keep the batch dimension)"))
    elif n.op == "Reshape":
        target = g.constants.get(n.inputs[1]) if len(n.inputs) > 1 else None
        if a.get("allowzero", 0) != 0 and target is not None and 0 in np.asarray(target).reshape(-1):
            bad.append(("allowzero", a["allowzero"], "0 when the shape has a 0 (copy the batch dimension)"))
    elif n.op == "Softmax":
        if a.get("axis", -1 if g.opset >= 13 else 1) not in (-1, 1):
            bad.append(("axis", a["axis"], "-1 or 1 (over the features of a vector)"))
    elif n.op == "Dropout":
        if len(n.inputs) > 2 and n.inputs[2] and bool(np.asarray(g.constants.get(n.inputs[2], False)).item()):
            bad.append(("training_mode", True, "false (inference)"))
    return [_attr(n, *b) for b in bad]


def _stride_pad_problems(n: Node, k: int, conv: bool) -> list[tuple[str, object, str]]:
    bad = []
    strides = _ints(n, "strides", [1, 1])
    if len(strides) != 2 or strides[0] != strides[1]:
        bad.append(("strides", strides, "equal strides along H and W"))
    auto = n.attrs.get("auto_pad", "NOTSET")
    pads = _ints(n, "pads", [0, 0, 0, 0])
    if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        bad.append(("auto_pad", auto, "NOTSET, VALID, SAME_UPPER, SAME_LOWER"))
    if auto.startswith("SAME") and (not conv or strides[0] != 1 or k % 2 == 0):
        bad.append(("auto_pad", auto, "SAME only for convolutions with stride 1 and an odd kernel"))
    if len(set(pads)) > 1:
        bad.append(("pads", pads, "the same padding on every side"))
    elif pads and pads[0] and not conv:
        bad.append(("pads", pads, "0 (pooling windows are not padded)"))
    return bad


def _attr(n: Node, key: str, value, allowed: str) -> Problem:
    return Problem(f"{n.label} attribute {key}", f"{value!r} is not supported; allowed: {allowed}")


# ---------------------------------------------------------------------------------------------- the walk

class _Converter:
    def __init__(self, g: Graph):
        self.g = g
        self.weights: dict[str, np.ndarray] = {}
        self.notes: list[str] = []
        self.names: set[str] = set()
        self.counter: dict[str, int] = {}
        self.alias: dict[str, str] = {}
        for n in g.nodes:
            if n.op in ("Identity", "Dropout"):
                self.alias[n.outputs[0]] = n.inputs[0]
        self.consumers: dict[str, list[Node]] = {}
        for n in g.nodes:
            if n.op in SKIPPED:
                continue
            for t in self._data_inputs(n):
                self.consumers.setdefault(t, []).append(n)
        self.unused_outputs = {o for n in g.nodes if n.op in ("Dropout", "MaxPool", "BatchNormalization")
                               for o in n.outputs[1:] if o}
        self.output = self.resolve(g.output_name)

    def resolve(self, t: str) -> str:
        while t in self.alias:
            t = self.alias[t]
        return t

    def _data_inputs(self, n: Node) -> list[str]:
        return [self.resolve(t) for t in n.inputs if t and self.resolve(t) not in self.g.constants]

    def run(self) -> tuple[list[dict], tuple[int, ...]]:
        for t in self.unused_outputs:
            if t in self.consumers:
                users = ", ".join(u.label for u in self.consumers[t])
                raise _Stop([Problem(users, f"uses '{t}', an output only training needs (indices, mask, "
                                            f"batch statistics); archsim imports inference graphs")])
        layers, t, shape = self.walk(self.resolve(self.g.input_name), self.g.input_shape)
        if t != self.output:
            where = self.consumers.get(t, [])
            label = where[0].label if where else f"tensor '{t}'"
            raise _Stop([Problem(label, "the graph does not continue as a chain of supported layers here: an Add "
                                        "must join two branches of one tensor (a residual block)")])
        return layers, shape

    def walk(self, t: str, shape: tuple[int, ...], first: Node | None = None):
        layers: list[dict] = []
        while True:
            nodes = [first] if first is not None else self.consumers.get(t, [])
            first = None
            if not nodes:
                if t != self.output:
                    raise _Stop([Problem(f"tensor '{t}'", "is computed but never used and is not the graph output")])
                return layers, t, shape
            if len(nodes) > 2:
                raise _Stop([Problem(f"tensor '{t}'", f"feeds {len(nodes)} nodes ({', '.join(n.label for n in nodes)}); "
                                                      "at most two branches (a residual block) are supported")])
            if len(nodes) == 2:
                layer, t, shape = self.residual(t, shape, nodes)
            elif self.is_join(nodes[0]):
                return layers, t, shape
            else:
                layer, t, shape = self.convert(nodes[0], t, shape)
            if layer is not None:
                self.append(layers, layer)

    @staticmethod
    def append(layers: list[dict], layer: dict) -> None:
        if (layer["type"] == "activation" and layers and layers[-1]["type"] in FOLDS_ACTIVATION
                and layers[-1].get("activation", "none") == "none"):
            layers[-1]["activation"] = layer["function"]
        else:
            layers.append(layer)

    def is_join(self, n: Node) -> bool:
        return n.op == "Add" and len(self._data_inputs(n)) == 2

    def residual(self, t: str, shape, nodes: list[Node]):
        branches = []
        for node in nodes:
            if self.is_join(node):
                branches.append(([], t, shape, node))
                continue
            layers, end, end_shape = self.walk(t, shape, first=node)
            after = self.consumers.get(end, [])
            if len(after) != 1 or not self.is_join(after[0]):
                raise _Stop([Problem(node.label, f"branches from tensor '{t}' must meet again at one Add")])
            branches.append((layers, end, end_shape, after[0]))
        (la, ea, sa, ja), (lb, eb, sb, jb) = branches
        if ja is not jb or sorted(self._data_inputs(ja)) != sorted([ea, eb]) or not (la or lb):
            raise _Stop([Problem(ja.label, f"does not join the two branches of tensor '{t}' (a residual block)")])
        if sa != sb:
            raise _Stop([Problem(ja.label, f"adds shapes {list(sa)} and {list(sb)}")])
        body, short = (la, lb) if _weight_count(la) >= _weight_count(lb) and la else (lb, la)
        block = {"type": "residual", "name": self.name(ja, "residual"), "body": body}
        if short:
            block["shortcut"] = short
        block["activation"] = "none"
        return block, ja.outputs[0], sa

    # ------------------------------------------------------------------------------------------ one node

    def convert(self, n: Node, t: str, shape: tuple[int, ...]):
        """(layer or None, output tensor, output shape) of one node applied to tensor t of `shape`."""
        op, out = n.op, n.outputs[0]
        if op in ACTIVATIONS:
            if op == "Softmax" and len(shape) != 1:
                raise _Stop([Problem(n.label, f"softmax over a {list(shape)} tensor; only over a vector")])
            return {"type": "activation", "name": self.name(n, "activation"), "function": ACTIVATIONS[op]}, out, shape
        if op == "Conv":
            return self.conv(n, shape)
        if op in ("Gemm", "MatMul"):
            return self.dense(n, shape)
        if op in ("MaxPool", "AveragePool"):
            self._need(n, shape, 3)
            k = n.attrs["kernel_shape"][0]
            s = _ints(n, "strides", [1, 1])[0]
            new = (shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1)
            layer = {"type": "maxpool" if op == "MaxPool" else "avgpool", "name": self.name(n, op.lower()), "kernel": k}
            if s != k:
                layer["stride"] = s
            return layer, out, self._checked(n, new)
        if op in ("GlobalAveragePool", "ReduceMean"):
            self._need(n, shape, 3)
            if op == "ReduceMean" and self._reduce_axes(n) != {2, 3}:
                raise _Stop([Problem(n.label, f"averages over axes {sorted(self._reduce_axes(n))}; only over H and W "
                                              f"(axes 2, 3: a global average pool)")])
            return {"type": "global_avgpool", "name": self.name(n, "global_avgpool")}, out, (shape[0],)
        if op == "BatchNormalization":
            return self.batchnorm(n, shape)
        if op in ("Flatten", "Reshape"):
            return self.flatten(n, shape)
        if op == "Add":
            raise _Stop([Problem(n.label, "adds a constant; supported only as the bias right after a MatMul")])
        raise _Stop([Problem(n.label, "unsupported operator")])  # pragma: no cover - the reader rejects these

    def _reduce_axes(self, n: Node) -> set[int]:
        """ReduceMean's axes of an (N, C, H, W) tensor (attribute before opset 18, input since)."""
        if len(n.inputs) > 1 and n.inputs[1]:
            axes = np.asarray(self.g.constants[self.resolve(n.inputs[1])]).reshape(-1).tolist()
        else:
            axes = n.attrs.get("axes", [] if n.attrs.get("noop_with_empty_axes", 0) else [0, 1, 2, 3])
        return {int(a) % 4 for a in axes}

    def _need(self, n: Node, shape, rank: int) -> None:
        if len(shape) != rank:
            want = "a (C, H, W) feature map" if rank == 3 else "a vector (flatten first)"
            raise _Stop([Problem(n.label, f"needs {want}; its input has shape {list(shape)}")])

    def _checked(self, n: Node, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Our output shape must hold as many values as ONNX's own shape inference says."""
        onnx_shape = self.g.shapes.get(n.outputs[0])
        if onnx_shape is not None and math.prod(onnx_shape) != math.prod(shape):
            raise _Stop([Problem(n.label, f"output shape {list(shape)} differs from ONNX's {list(onnx_shape)}")])
        return shape

    def conv(self, n: Node, shape):
        self._need(n, shape, 3)
        w = self.g.constants[n.inputs[1]].astype(np.float32)
        c_out, c_in, k, _ = w.shape
        if c_in != shape[0]:
            raise _Stop([Problem(n.label, f"weight expects {c_in} input channels, input has {shape[0]}")])
        s = _ints(n, "strides", [1, 1])[0]
        auto = n.attrs.get("auto_pad", "NOTSET")
        p = (k - 1) // 2 if auto.startswith("SAME") else (0 if auto == "VALID" else _ints(n, "pads", [0] * 4)[0])
        b = self._bias(n, 2, c_out)
        name = self.name(n, "conv2d", n.inputs[1])
        matrix = w.reshape(c_out, -1).T
        self.weights[f"{name}.W"] = _with_bias(matrix, b)
        layer = {"type": "conv2d", "name": name, "out_channels": int(c_out), "kernel": int(k)}
        if s != 1:
            layer["stride"] = int(s)
        if p:
            layer["padding"] = int(p)
        if b is not None:
            layer["bias"] = True
        layer["activation"] = "none"
        new = (c_out, (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1)
        return layer, n.outputs[0], self._checked(n, new)

    def dense(self, n: Node, shape):
        self._need(n, shape, 1)
        w = self.g.constants[n.inputs[1]].astype(np.float32)
        out_t = n.outputs[0]
        if n.op == "Gemm":
            matrix = w.T if n.attrs.get("transB", 0) else w
            matrix = matrix * np.float32(n.attrs.get("alpha", 1.0))
            b = self._bias(n, 2, matrix.shape[1])
            if b is not None:
                b = b * np.float32(n.attrs.get("beta", 1.0))
        else:
            matrix, b = w, None
            after = self.consumers.get(out_t, [])
            if len(after) == 1 and after[0].op == "Add" and not self.is_join(after[0]):
                add = after[0]
                const = next(self.resolve(i) for i in add.inputs if self.resolve(i) in self.g.constants)
                b = self._broadcast(add, self.g.constants[const], matrix.shape[1])
                out_t = add.outputs[0]
        if matrix.shape[0] != shape[0]:
            raise _Stop([Problem(n.label, f"weight has {matrix.shape[0]} inputs, its input has {shape[0]} values")])
        name = self.name(n, "dense", n.inputs[1])
        self.weights[f"{name}.W"] = _with_bias(matrix, b)
        layer = {"type": "dense", "name": name, "out": int(matrix.shape[1])}
        if b is None:
            layer["bias"] = False
        layer["activation"] = "none"
        return layer, out_t, (int(matrix.shape[1]),)

    def _bias(self, n: Node, index: int, size: int) -> np.ndarray | None:
        if index >= len(n.inputs) or not n.inputs[index]:
            return None
        return self._broadcast(n, self.g.constants[self.resolve(n.inputs[index])], size)

    @staticmethod
    def _broadcast(n: Node, value: np.ndarray, size: int) -> np.ndarray:
        v = np.asarray(value, dtype=np.float32)
        if v.size not in (1, size):
            raise _Stop([Problem(n.label, f"bias of shape {list(v.shape)} does not fit {size} outputs")])
        return np.full(size, v.item(), dtype=np.float32) if v.size == 1 and size != 1 else v.reshape(-1).copy()

    def batchnorm(self, n: Node, shape):
        if len(shape) not in (1, 3):
            raise _Stop([Problem(n.label, f"needs a vector or a (C, H, W) input; got {list(shape)}")])
        c = shape[0]
        scale, bias, mean, var = (self.g.constants[self.resolve(n.inputs[i])].astype(np.float32).reshape(-1)
                                  for i in range(1, 5))
        if not all(len(v) == c for v in (scale, bias, mean, var)):
            raise _Stop([Problem(n.label, f"parameters do not have {c} channels")])
        eps = float(n.attrs.get("epsilon", BN_EPS))
        name = self.name(n, "batchnorm", n.inputs[1])
        if abs(eps - BN_EPS) > 1e-12:
            var = (var.astype(np.float64) + eps - BN_EPS).astype(np.float32)
            self.notes.append(f"{name}: ONNX epsilon {eps:g} folded into running_var (archsim uses {BN_EPS:g})")
        for key, v in (("gamma", scale), ("beta", bias), ("running_mean", mean), ("running_var", var)):
            self.weights[f"{name}.{key}"] = v
        return {"type": "batchnorm", "name": name, "activation": "none"}, n.outputs[0], shape

    def flatten(self, n: Node, shape):
        total = math.prod(shape)
        if n.op == "Reshape":
            target = [int(v) for v in np.asarray(self.g.constants[self.resolve(n.inputs[1])]).reshape(-1)]
            flattens = len(target) == 2 and target[1] in (-1, total) and (target[0] in (0, -1) or target[0] > 0)
            if not flattens:
                raise _Stop([Problem(n.label, f"reshapes {list(shape)} to {target}; only flattening to "
                                              f"(N, {total}) is supported")])
        if len(shape) == 1:
            return None, n.outputs[0], shape          # already a vector (e.g. after global average pooling)
        return {"type": "flatten", "name": self.name(n, "flatten")}, n.outputs[0], (total,)

    # ------------------------------------------------------------------------------------------ names

    def name(self, n: Node, kind: str, weight: str | None = None) -> str:
        """A unique layer name: the weight's name without its suffix, else the node's path, else kind+counter."""
        candidate = ""
        if weight is not None:
            for suffix in WEIGHT_SUFFIXES:
                if weight.endswith(suffix) and len(weight) > len(suffix):
                    candidate = weight[: -len(suffix)]
                    break
        if not candidate:
            candidate = _node_path(n)
        candidate = re.sub(r"[^A-Za-z0-9_.-]+", "_", candidate).strip("._-")
        if not candidate:
            self.counter[kind] = self.counter.get(kind, 0) + 1
            candidate = f"{kind}{self.counter[kind]}"
        unique, k = candidate, 2
        while unique in self.names:
            unique, k = f"{candidate}_{k}", k + 1
        self.names.add(unique)
        return unique


def _node_path(n: Node) -> str:
    """'/layer1/layer1.0/conv1/Conv' → 'layer1.0.conv1' (PyTorch's module path); plain names unchanged."""
    if re.fullmatch(rf"{n.op}_\d+", n.name):      # the reader's name for an unnamed node
        return ""
    parts = [p for p in n.name.split("/") if p]
    if parts and (parts[-1] == n.op or parts[-1].startswith(n.op + "_")):
        parts = parts[:-1]
    parts = [p for i, p in enumerate(parts) if not (i + 1 < len(parts) and parts[i + 1].startswith(p + "."))]
    return ".".join(parts)


def _tidy(layers: list[dict]) -> list[dict]:
    """Drop `activation: none` where it is the default (every layer but residual), as hand-written YAML does."""
    for layer in layers:
        if layer["type"] != "residual" and layer.get("activation") == "none":
            del layer["activation"]
        for key in ("body", "shortcut"):
            _tidy(layer.get(key, []))
    return layers


def _with_bias(matrix: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    m = np.ascontiguousarray(matrix, dtype=np.float32)
    return m if bias is None else np.vstack([m, bias.reshape(1, -1).astype(np.float32)])


def _weight_count(layers: list[dict]) -> int:
    n = 0
    for layer in layers:
        n += layer["type"] in ("conv2d", "dense")
        n += _weight_count(layer.get("body", [])) + _weight_count(layer.get("shortcut", []))
    return n
