"""Malformed ONNX files for the importer and the fuzz suite: `malformed_cases()` → [Case(name, data, expect)].

Each case is the bytes of one .onnx file and the fragments its ConfigError must contain. Any test can use
them (tests/fuzz: `sys.path.insert(0, str(ROOT / "tests" / "importers")); from onnx_cases import
malformed_cases`): write `data` to a file, run `archsim import FILE`, expect exit status 2, every fragment in
stderr, and no traceback. `valid_model()` is a small good model to mutate further.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from onnx import TensorProto, helper

from onnx_models import Builder, lenet


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: tuple[str, ...]


def valid_model():
    """The LeNet graph: a good model (import succeeds)."""
    return lenet()


def _small(build, x_shape=("N", 2, 8, 8), out_shape=("N", 4), opset: int = 17, extra_inputs=()):
    """A model from `build(builder, x) -> output tensor`."""
    b = Builder(5)
    out = build(b, "input")
    model = b.model(list(x_shape), out, list(out_shape), opset)
    for name, shape in extra_inputs:
        model.graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
    return model


def _conv_head(b, x, **conv_attrs):
    y = b.conv(x, "c", "/c", 2, 4, 3, **conv_attrs)
    return b.op("Flatten", [b.op("GlobalAveragePool", [y], "/gap")], "/flat", axis=1)


def _with_attr(model, op: str, **attrs):
    for n in model.graph.node:
        if n.op_type == op:
            for k, v in attrs.items():
                for a in list(n.attribute):
                    if a.name == k:
                        n.attribute.remove(a)
                n.attribute.append(helper.make_attribute(k, v))
    return model


def malformed_cases() -> list[Case]:
    good = valid_model().SerializeToString()
    cases = [
        Case("truncated", good[: len(good) // 2], ("not a readable ONNX model", "truncated")),
        Case("empty_file", b"", ("not a readable ONNX model",)),
        Case("not_onnx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, ("not a readable ONNX model",)),
        Case("opset_too_old", _small(_conv_head, opset=7).SerializeToString(),
             ("opset 7 is not supported", "supported: ONNX opsets 9-")),
        Case("opset_from_the_future", _small(_conv_head, opset=99).SerializeToString(),
             ("opset 99 is not supported",)),
    ]

    def unsupported(b, x):
        y = b.op("LeakyRelu", [b.conv(x, "c", "/c", 2, 4, 3)], "/leaky", alpha=0.1)
        y = b.op("Concat", [y, y], "/cat", axis=1)
        return b.op("Flatten", [b.op("GlobalAveragePool", [y], "/gap")], "/flat", axis=1)

    cases.append(Case("unsupported_ops", _small(unsupported, out_shape=("N", 8)).SerializeToString(),
                      ("node '/leaky' (LeakyRelu): unsupported operator", "node '/cat' (Concat): unsupported operator",
                       "operators Conv, Gemm, MatMul")))

    def custom_domain(b, x):
        y = _conv_head(b, x)
        b.nodes.append(helper.make_node("FusedGemm", [y], ["fused"], name="/fused", domain="com.microsoft"))
        return "fused"

    m = _small(custom_domain)
    m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    cases.append(Case("custom_domain", m.SerializeToString(), ("node '/fused' (FusedGemm): unsupported operator in "
                                                               "domain com.microsoft",)))

    m = _small(_conv_head)
    weight = next(t for t in m.graph.initializer if t.name == "c.weight")
    m.graph.initializer.remove(weight)
    cases.append(Case("missing_initializer", m.SerializeToString(),
                      ("node '/c/Conv' (Conv): input 1 (weight) 'c.weight' is not an initializer",)))

    m = _small(_conv_head)
    m.graph.input.append(helper.make_tensor_value_info("c.bias_in", TensorProto.FLOAT, [4]))
    cases.append(Case("two_inputs", m.SerializeToString(), ("exactly one data input is supported; found 2",)))

    cases.append(Case("dynamic_shape", _small(_conv_head, x_shape=("N", 2, "height", "width")).SerializeToString(),
                      ("dynamic shape: dimension 2 (height), dimension 3 (width)",)))
    cases.append(Case("rank3_input", _small(lambda b, x: b.op("Relu", [x], "/r"), x_shape=("N", 8, 8),
                                            out_shape=("N", 8, 8)).SerializeToString(),
                      ("needs shape (N, features) or (N, C, H, W); got rank 3",)))

    for name, attrs, expect in (
            ("conv_groups", {"group": 2}, "attribute group: 2 is not supported; allowed: groups = 1 only"),
            ("conv_dilation", {"dilations": [2, 2]}, "attribute dilations: [2, 2] is not supported"),
            ("conv_asymmetric_pads", {"pads": [0, 1, 0, 1]}, "attribute pads: [0, 1, 0, 1] is not supported"),
            ("conv_strides", {"strides": [1, 2]}, "attribute strides: [1, 2] is not supported")):
        model = _with_attr(_small(_conv_head) if name != "conv_groups" else _small(
            lambda b, x: _grouped(b, x)), "Conv", **attrs)
        cases.append(Case(name, model.SerializeToString(), (f"node '/c/Conv' (Conv) {expect}",)))

    def pool(b, x):
        y = b.op("MaxPool", [b.conv(x, "c", "/c", 2, 4, 3)], "/pool", kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)
        return b.op("Flatten", [b.op("GlobalAveragePool", [y], "/gap")], "/flat", axis=1)

    cases.append(Case("pool_ceil_mode", _small(pool).SerializeToString(),
                      ("node '/pool' (MaxPool) attribute ceil_mode: 1 is not supported",)))

    def reshape(b, x):
        y = b.conv(x, "c", "/c", 2, 4, 3)
        return b.op("Reshape", [y, b.const("shape", [0, 4, 36], np.int64)], "/reshape")

    cases.append(Case("reshape_not_flatten", _small(reshape, out_shape=("N", 4, 36)).SerializeToString(),
                      ("node '/reshape' (Reshape): reshapes [4, 6, 6] to [0, 4, 36]",)))

    def const_add(b, x):
        y = b.op("Add", [b.conv(x, "c", "/c", 2, 4, 3), b.const("offset", np.ones((1, 4, 1, 1)))], "/add")
        return b.op("Flatten", [b.op("GlobalAveragePool", [y], "/gap")], "/flat", axis=1)

    cases.append(Case("add_of_a_constant", _small(const_add).SerializeToString(),
                      ("node '/add' (Add): adds a constant",)))

    def fan_out(b, x):
        y = b.conv(x, "c", "/c", 2, 4, 3)
        z = b.op("Add", [b.op("Add", [b.op("Relu", [y], "/r1"), b.op("Sigmoid", [y], "/s1")], "/a1"),
                         b.op("Tanh", [y], "/t1")], "/a2")
        return b.op("Flatten", [b.op("GlobalAveragePool", [z], "/gap")], "/flat", axis=1)

    cases.append(Case("three_way_fan_out", _small(fan_out).SerializeToString(), ("feeds 3 nodes",)))

    def bn_training(b, x):
        y = b.bn(b.conv(x, "c", "/c", 2, 4, 3), "n", "/n", 4)
        node = b.nodes[-1]
        node.output.extend(["n_running_mean", "n_running_var"])      # training mode's extra outputs
        node.attribute.append(helper.make_attribute("training_mode", 1))
        return b.op("Flatten", [b.op("GlobalAveragePool", [y], "/gap")], "/flat", axis=1)

    cases.append(Case("batchnorm_training", _small(bn_training).SerializeToString(),
                      ("attribute training_mode: 1 is not supported",)))

    def softmax_4d(b, x):
        y = b.op("Softmax", [b.conv(x, "c", "/c", 2, 4, 3)], "/sm", axis=1)
        return b.op("Flatten", [b.op("GlobalAveragePool", [y], "/gap")], "/flat", axis=1)

    cases.append(Case("softmax_over_a_feature_map", _small(softmax_4d).SerializeToString(),
                      ("node '/sm' (Softmax): softmax over a [4, 6, 6] tensor",)))

    def gemm_trans_a(b, x):
        y = _conv_head(b, x)
        return b.op("Gemm", [y, b.const("fc.weight", np.ones((4, 4))), b.const("fc.bias", np.zeros(4))], "/fc",
                    transA=1)

    cases.append(Case("gemm_transA", _small(gemm_trans_a).SerializeToString(),
                      ("node '/fc' (Gemm) attribute transA: 1 is not supported",)))

    def mean_over_channels(b, x):
        y = b.op("ReduceMean", [b.conv(x, "c", "/c", 2, 4, 3), b.const("axes", [1], np.int64)], "/mean", keepdims=0)
        return b.op("Flatten", [y], "/flat", axis=1)

    cases.append(Case("reduce_mean_over_channels", _small(mean_over_channels, out_shape=("N", 36), opset=18)
                      .SerializeToString(), ("node '/mean' (ReduceMean): averages over axes [1]",)))

    def shape_subgraph(b, x):
        y = b.conv(x, "c", "/c", 2, 4, 3)
        n = b.op("Gather", [b.op("Shape", [y], "/shape"), b.const("zero", 0, np.int64)], "/gather", axis=0)
        target = b.op("Concat", [b.op("Unsqueeze", [n, b.const("ax", [0], np.int64)], "/unsq"),
                                 b.const("minus1", [-1], np.int64)], "/cat", axis=0)
        return b.op("Reshape", [y, target], "/view")

    cases.append(Case("unfolded_shape_computation", _small(shape_subgraph, out_shape=("N", 144)).SerializeToString(),
                      ("node '/shape' (Shape): unsupported operator", "hint: Shape/Gather/Concat",
                       "node '/view' (Reshape): input 1 (shape) '/cat_output_0' is not an initializer")))

    m = _small(_conv_head)
    m.graph.output.append(helper.make_tensor_value_info("extra", TensorProto.FLOAT, ["N", 4]))
    cases.append(Case("two_outputs", m.SerializeToString(), ("exactly one output is supported; found 2",)))

    def dangling(b, x):
        b.op("Relu", [x], "/unused")
        return _conv_head(b, x)

    cases.append(Case("unused_branch", _small(dangling).SerializeToString(),
                      ("is computed but never used and is not the graph output",)))
    return cases


def _grouped(b, x):
    w = b.const("c.weight", np.ones((4, 1, 3, 3)))
    y = b.op("Conv", [x, w], "/c/Conv", kernel_shape=[3, 3], group=2)
    return b.op("Flatten", [b.op("GlobalAveragePool", [y], "/gap")], "/flat", axis=1)
