"""ONNX graphs built with onnx.helper (no torch), written the way PyTorch's exporter writes them:
node names like '/layer1/layer1.0/conv1/Conv', initializers like 'layer1.0.conv1.weight', Linear as
Gemm(transB=1), a global average pool followed by Flatten, a dynamic batch dimension."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper


class Builder:
    """Collects nodes and initializers; every op returns its output tensor name."""

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []

    def const(self, name: str, value, dtype=np.float32) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op: str, inputs: list[str], name: str, n_out: int = 1, **attrs) -> str:
        outs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs[0]

    def conv(self, x, module: str, path: str, c_in: int, c_out: int, k: int, stride=1, pad=0, bias=False, **attrs):
        w = self.const(f"{module}.weight", self.rng.normal(0, np.sqrt(2 / (c_in * k * k)), (c_out, c_in, k, k)))
        inputs = [x, w] + ([self.const(f"{module}.bias", self.rng.normal(0, 0.1, c_out))] if bias else [])
        return self.op("Conv", inputs, f"{path}/Conv", kernel_shape=[k, k], strides=[stride, stride],
                       pads=[pad] * 4, **attrs)

    def bn(self, x, module: str, path: str, c: int, eps: float = 1e-5):
        r = self.rng
        inputs = [x, self.const(f"{module}.weight", r.uniform(0.5, 1.5, c)), self.const(f"{module}.bias", r.normal(0, 0.1, c)),
                  self.const(f"{module}.running_mean", r.normal(0, 0.1, c)),
                  self.const(f"{module}.running_var", r.uniform(0.5, 2.0, c))]
        return self.op("BatchNormalization", inputs, f"{path}/BatchNormalization", epsilon=eps)

    def gemm(self, x, module: str, path: str, n_in: int, n_out: int):
        w = self.const(f"{module}.weight", self.rng.normal(0, np.sqrt(1 / n_in), (n_out, n_in)))
        b = self.const(f"{module}.bias", self.rng.normal(0, 0.1, n_out))
        return self.op("Gemm", [x, w, b], f"{path}/Gemm", alpha=1.0, beta=1.0, transB=1)

    def model(self, x_shape: list, out: str, out_shape: list, opset: int = 17, input_name: str = "input"):
        graph = helper.make_graph(
            self.nodes + [helper.make_node("Identity", [out], ["output"], name="/output/Identity")], "model",
            [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)], self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="pytorch-like")


def resnet32(widths=(16, 28, 56), blocks: int = 5, softmax: bool = True, seed: int = 0, opset: int = 17):
    """ResNet-32 for CIFAR-10 as workloads/resnet32_infer.yaml describes it (1×1-conv shortcuts when the
    shape changes)."""
    b = Builder(seed)
    x = b.conv("input", "conv1", "/conv1", 3, widths[0], 3, pad=1)
    x = b.op("Relu", [b.bn(x, "bn1", "/bn1", widths[0])], "/relu/Relu")
    c_in = widths[0]
    for s, width in enumerate(widths, start=1):
        for i in range(blocks):
            m, p = f"layer{s}.{i}", f"/layer{s}/layer{s}.{i}"
            stride = 2 if i == 0 and s > 1 else 1
            y = b.conv(x, f"{m}.conv1", f"{p}/conv1", c_in, width, 3, stride=stride, pad=1)
            y = b.op("Relu", [b.bn(y, f"{m}.bn1", f"{p}/bn1", width)], f"{p}/relu/Relu")
            y = b.bn(b.conv(y, f"{m}.conv2", f"{p}/conv2", width, width, 3, pad=1), f"{m}.bn2", f"{p}/bn2", width)
            short = x
            if stride != 1 or c_in != width:
                short = b.conv(x, f"{m}.downsample.0", f"{p}/downsample/downsample.0", c_in, width, 1, stride=stride)
                short = b.bn(short, f"{m}.downsample.1", f"{p}/downsample/downsample.1", width)
            x = b.op("Relu", [b.op("Add", [y, short], f"{p}/Add")], f"{p}/relu_1/Relu")
            c_in = width
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x], "/avgpool/GlobalAveragePool")], "/Flatten", axis=1)
    x = b.gemm(x, "fc", "/fc", c_in, 10)
    if softmax:
        x = b.op("Softmax", [x], "/Softmax", axis=1)
    return b.model(["batch", 3, 32, 32], x, ["batch", 10], opset)


def lenet(softmax: bool = True, seed: int = 0, opset: int = 17):
    """The LeNet of workloads/lenet_mnist_infer.yaml."""
    b = Builder(seed)
    x = b.op("Relu", [b.bn(b.conv("input", "conv1", "/conv1", 1, 16, 5), "bn1", "/bn1", 16)], "/relu1/Relu")
    x = b.op("MaxPool", [x], "/pool1/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    x = b.op("Relu", [b.bn(b.conv(x, "conv2", "/conv2", 16, 32, 5), "bn2", "/bn2", 32)], "/relu2/Relu")
    x = b.op("MaxPool", [x], "/pool2/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    x = b.op("Flatten", [x], "/Flatten", axis=1)
    x = b.op("Relu", [b.gemm(x, "fc1", "/fc1", 512, 128)], "/relu3/Relu")
    x = b.gemm(x, "fc2", "/fc2", 128, 10)
    if softmax:
        x = b.op("Softmax", [x], "/Softmax", axis=1)
    return b.model(["batch", 1, 28, 28], x, ["batch", 10], opset)


def variety(opset: int = 15):
    """One graph with the other supported spellings: conv bias and SAME padding, BN ε = 1e-3, sigmoid,
    average pooling with stride ≠ kernel, strided padded conv, tanh, max pooling with ONNX's default
    stride 1, Reshape(0, -1), Dropout, MatMul + Add, Identity, Gemm(transB = 0, α, β), softmax. (Opset ≥ 14:
    onnx.reference runs BatchNormalization-9 in training mode, against the spec.)"""
    b = Builder(3)
    x = b.conv("input", "c1", "/c1", 2, 4, 3, bias=True, auto_pad="SAME_UPPER")
    b.nodes[-1].ClearField("attribute")
    b.nodes[-1].attribute.extend([helper.make_attribute("kernel_shape", [3, 3]),
                                  helper.make_attribute("auto_pad", "SAME_UPPER")])
    x = b.op("Sigmoid", [b.bn(x, "n1", "/n1", 4, eps=1e-3)], "/s1/Sigmoid")
    x = b.op("AveragePool", [x], "/p1/AveragePool", kernel_shape=[3, 3], strides=[2, 2])
    x = b.op("Tanh", [b.conv(x, "c2", "/c2", 4, 6, 3, stride=2, pad=1)], "/t2/Tanh")
    x = b.op("MaxPool", [x], "/p2/MaxPool", kernel_shape=[2, 2])
    x = b.op("Reshape", [x, b.const("shape", [0, -1], np.int64)], "/Reshape")
    x = b.op("Dropout", [x], "/drop/Dropout")
    w = b.const("fc.weight", b.rng.normal(0, 0.3, (24, 12)))
    x = b.op("Add", [b.op("MatMul", [x, w], "/fc/MatMul"), b.const("fc.bias", b.rng.normal(0, 0.1, 12))], "/fc/Add")
    x = b.op("Identity", [b.op("Relu", [x], "/r/Relu")], "/id/Identity")
    w2, c2 = b.const("head.weight", b.rng.normal(0, 0.3, (12, 5))), b.const("head.bias", b.rng.normal(0, 0.1, (1, 5)))
    x = b.op("Gemm", [x, w2, c2], "/head/Gemm", alpha=0.5, beta=2.0)
    x = b.op("Softmax", [x], "/Softmax", axis=-1)
    return b.model(["N", 2, 12, 12], x, ["N", 5], opset)


def export_style(opset: int = 20):
    """Spellings of torch.onnx.export's torch.export-based exporter: the global pool as ReduceMean(axes as an
    input, keepdims = 1), Reshape(allowzero = 1) to (-1, C), and an initializer shared through Identity."""
    b = Builder(7)
    x = b.conv("input", "c1", "/c1", 1, 4, 3, pad=1, bias=True)
    shared = b.op("Identity", [b.const("shared_zeros", np.zeros(4))], "/shared/Identity")
    r = b.rng
    x = b.op("BatchNormalization", [x, b.const("n1.weight", r.uniform(0.5, 1.5, 4)), shared,
                                    b.const("n1.running_mean", r.normal(0, 0.1, 4)),
                                    b.const("n1.running_var", r.uniform(0.5, 2, 4))], "/n1/BatchNormalization")
    x = b.op("Relu", [x], "/relu")
    x = b.op("ReduceMean", [x, b.const("axes", [-1, -2], np.int64)], "/mean", keepdims=1)
    x = b.op("Reshape", [x, b.const("view_shape", [-1, 4], np.int64)], "/view", allowzero=1)
    return b.model(["batch", 1, 6, 6], b.gemm(x, "fc", "/fc", 4, 3), ["batch", 3], opset)


def nested_residual(opset: int = 17):
    """A residual block inside a residual block's body; the inner Add has no activation after it."""
    b = Builder(11)
    x = b.op("Relu", [b.conv("input", "stem", "/stem", 2, 4, 3, pad=1)], "/stem/Relu")
    h = b.conv(x, "a", "/outer/a", 4, 4, 3, pad=1)
    inner = b.bn(b.conv(h, "b", "/outer/b", 4, 4, 3, pad=1), "b_bn", "/outer/b_bn", 4)
    inner = b.op("Add", [h, inner], "/outer/inner/Add")                      # identity first, body second
    y = b.op("Tanh", [b.conv(inner, "c", "/outer/c", 4, 4, 1)], "/outer/c/Tanh")
    x = b.op("Relu", [b.op("Add", [y, x], "/outer/Add")], "/outer/Relu")
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x], "/gap")], "/flat", axis=1)
    return b.model(["N", 2, 5, 5], b.gemm(x, "fc", "/fc", 4, 3), ["N", 3], opset)
