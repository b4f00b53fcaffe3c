"""Read an ONNX file into a plain graph (nodes, constant tensors, one input with a static shape).

Everything wrong with the file is a ConfigError naming the file: not readable (truncated, not
ONNX), an opset outside the supported range, operators outside the supported set (each offending
node listed with its op type, and the supported set), missing initializers, several or dynamic
inputs, and failures of ONNX's own checker and shape inference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from archsim.config.errors import ConfigError, Problem

#: ONNX operators the importer maps onto archsim layers (Identity, Dropout, Constant are structural)
SUPPORTED_OPS = ("Conv", "Gemm", "MatMul", "Add", "Relu", "Sigmoid", "Tanh", "Softmax", "MaxPool", "AveragePool",
                 "GlobalAveragePool", "ReduceMean", "BatchNormalization", "Flatten", "Reshape", "Dropout", "Identity",
                 "Constant")
#: operators that compute shapes (constant subgraphs an exporter did not fold)
SHAPE_OPS = {"Shape", "Gather", "Concat", "Expand", "CastLike", "Cast", "Unsqueeze", "Squeeze", "ConstantOfShape",
             "Range", "Slice"}
#: default-domain opsets whose operator semantics the importer implements
MIN_OPSET = 9
#: inputs that must be stored in the file (trained parameters), by op: input index → what it is
WEIGHT_INPUTS = {"Conv": {1: "weight", 2: "bias"}, "Gemm": {1: "weight", 2: "bias"}, "MatMul": {1: "weight"},
                 "BatchNormalization": {1: "scale", 2: "bias", 3: "running mean", 4: "running variance"},
                 "Reshape": {1: "shape"}, "ReduceMean": {1: "axes"}}


def supported_line() -> Problem:
    return Problem("supported", f"ONNX opsets {MIN_OPSET}-{_max_opset()}; operators {', '.join(SUPPORTED_OPS)}")


def _max_opset() -> int:
    import onnx

    return onnx.defs.onnx_opset_version()


@dataclass
class Node:
    """One ONNX node: op type, tensor names in and out, attributes as Python values."""

    name: str
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict = field(default_factory=dict)
    domain: str = ""

    @property
    def label(self) -> str:
        return f"node '{self.name}' ({self.op})"


@dataclass
class Graph:
    """The model as the importer needs it; shapes exclude the batch dimension."""

    path: Path
    opset: int
    nodes: list[Node]
    constants: dict[str, np.ndarray]
    input_name: str
    input_shape: tuple[int, ...]
    output_name: str
    shapes: dict[str, tuple[int, ...] | None]
    producer: str = ""


def read_onnx(path: str | Path) -> Graph:
    """Load, check and flatten one ONNX model file; raises ConfigError naming every problem."""
    import onnx
    from google.protobuf.message import DecodeError

    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "file not found")
    try:
        model = onnx.load(str(path))
    except (DecodeError, ValueError, OSError, RuntimeError) as exc:
        raise ConfigError(path, f"not a readable ONNX model (truncated or not ONNX): {exc}") from None
    if not model.graph.node or not model.opset_import:
        raise ConfigError(path, "not a readable ONNX model (truncated or not ONNX): no graph nodes or no opset")
    opset = _check_opsets(model, path)
    nodes = [_node(n, i) for i, n in enumerate(model.graph.node)]
    constants = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    problems = _unsupported(nodes)
    if {n.op for n in nodes} & SHAPE_OPS and problems:
        problems.append(Problem("hint", "Shape/Gather/Concat/Expand/Cast-like nodes compute constants: export with "
                                        "constant folding (torch.onnx.export's default optimize=True, "
                                        "do_constant_folding=True) or fold them first (e.g. onnxscript.optimizer)"))
    for n in nodes:                      # nodes are in topological order (ONNX requires it)
        if n.op == "Constant":
            value = _constant_value(n)
            if value is None:
                problems.append(Problem(n.label, "only a tensor-valued 'value' attribute is supported"))
            else:
                constants[n.outputs[0]] = value
        elif n.op == "Identity" and n.inputs[0] in constants:   # exporters alias shared initializers
            constants[n.outputs[0]] = constants[n.inputs[0]]
    problems += _missing_weights(nodes, constants)
    inputs = [i for i in model.graph.input if i.name not in constants]
    if len(inputs) != 1:
        problems.append(Problem("graph.input", f"exactly one data input is supported; found {len(inputs)}: "
                                               f"{', '.join(i.name for i in inputs) or 'none'}"))
    if len(model.graph.output) != 1:
        problems.append(Problem("graph.output", f"exactly one output is supported; found {len(model.graph.output)}"))
    if problems:
        raise ConfigError(path, problems + [supported_line()])
    input_shape = _static_input_shape(inputs[0], path)
    try:
        onnx.checker.check_model(model)
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(path, f"ONNX checker: {first}") from None
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
        shapes[vi.name] = _dims(vi)
    return Graph(path, opset, nodes, constants, inputs[0].name, input_shape, model.graph.output[0].name, shapes,
                 f"{model.producer_name} {model.producer_version}".strip())


def _check_opsets(model, path: Path) -> int:
    default = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not default:
        raise ConfigError(path, [Problem("opset_import", "no default-domain (ai.onnx) opset"), supported_line()])
    opset = default[0]
    if not MIN_OPSET <= opset <= _max_opset():
        raise ConfigError(path, [Problem("opset_import", f"opset {opset} is not supported"), supported_line()])
    return opset


def _node(proto, index: int) -> Node:
    import onnx

    attrs = {}
    for a in proto.attribute:
        value = onnx.helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, onnx.TensorProto):
            value = onnx.numpy_helper.to_array(value)
        elif isinstance(value, list):
            value = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
        attrs[a.name] = value
    return Node(proto.name or f"{proto.op_type}_{index}", proto.op_type, list(proto.input), list(proto.output),
                attrs, proto.domain)


def _unsupported(nodes: list[Node]) -> list[Problem]:
    return [Problem(n.label, f"unsupported operator{' in domain ' + n.domain if n.domain not in ('', 'ai.onnx') else ''}")
            for n in nodes if n.op not in SUPPORTED_OPS or n.domain not in ("", "ai.onnx")]


def _constant_value(node: Node) -> np.ndarray | None:
    value = node.attrs.get("value")
    if isinstance(value, np.ndarray):
        return value
    for key, dtype in (("value_float", np.float32), ("value_int", np.int64)):
        if key in node.attrs:
            return np.array(node.attrs[key], dtype=dtype)
    for key, dtype in (("value_floats", np.float32), ("value_ints", np.int64)):
        if key in node.attrs:
            return np.array(node.attrs[key], dtype=dtype)
    return None


def _missing_weights(nodes: list[Node], constants: dict[str, np.ndarray]) -> list[Problem]:
    problems = []
    for n in nodes:
        for index, what in WEIGHT_INPUTS.get(n.op, {}).items():
            if index < len(n.inputs) and n.inputs[index] and n.inputs[index] not in constants:
                problems.append(Problem(n.label, f"input {index} ({what}) '{n.inputs[index]}' is not an initializer "
                                                 f"or Constant: trained parameters must be stored in the file"))
    return problems


def _dims(value_info) -> tuple[int, ...] | None:
    """Non-batch dims of a tensor if all are known integers, else None."""
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
    if len(dims) < 1 or any(d is None for d in dims[1:]):
        return None
    return tuple(int(d) for d in dims[1:])


def _static_input_shape(value_info, path: Path) -> tuple[int, ...]:
    t = value_info.type.tensor_type
    dims = list(t.shape.dim) if t.HasField("shape") else []
    if len(dims) not in (2, 4):
        raise ConfigError(path, [Problem(f"graph.input '{value_info.name}'",
                                         f"needs shape (N, features) or (N, C, H, W); got rank {len(dims)}")])
    dynamic = [f"dimension {i} ({d.dim_param or '?'})" for i, d in enumerate(dims)
               if i > 0 and not (d.HasField("dim_value") and d.dim_value > 0)]
    if dynamic:
        raise ConfigError(path, [Problem(f"graph.input '{value_info.name}'",
                                         f"dynamic shape: {', '.join(dynamic)}; only the batch dimension (0) may "
                                         f"be dynamic: export with fixed C, H, W")])
    return tuple(int(d.dim_value) for d in dims[1:])
