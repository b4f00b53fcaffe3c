"""Build a functional network from a workload's `network:` section (archsim.config.network).

Layer names match archsim.config.shapes (so weighted-layer names agree with the estimator's
`weighted_layers(network)`). A final softmax is folded into the cross-entropy loss: `forward`
returns logits. Images arrive flat in (C, H, W) order; inside, feature maps are channels-last.
Weights start as N(0, (init_gain/√fan_in)²) (He for the default gain √2), biases at 0.
"""

from __future__ import annotations

import numpy as np

from archsim.config.network import Network
from archsim.config.shapes import LayerShape, infer_shapes, weighted_layers
from archsim.functional.layers.activations import Activation, Dropout, Flatten, GlobalAvgPool
from archsim.functional.layers.base import Layer, Param
from archsim.functional.layers.batchnorm import BatchNorm
from archsim.functional.layers.conv import Conv2d
from archsim.functional.layers.pool import Pool
from archsim.functional.layers.sequential import Residual, Sequential
from archsim.functional.layers.weighted import Dense, WeightedLayer


def _with_activation(layer: Layer, function: str, name: str) -> list[Layer]:
    return [layer] if function == "none" else [layer, Activation(f"{name}.act", function)]


def _fuse_relu_maxpool(layers: list[Layer]) -> list[Layer]:
    """A ReLU directly before a max pool becomes the pool's `relu` flag (same values and gradients)."""
    out: list[Layer] = []
    for layer in layers:
        prev = out[-1] if out else None
        if (isinstance(layer, Pool) and layer.mode == "max" and isinstance(prev, Activation)
                and prev.function == "relu"):
            out[-1] = Pool(layer.name, "max", layer.kernel, layer.stride, relu=True)
        else:
            out.append(layer)
    return out


def _build(cfg_layers, shapes: list[LayerShape], rng, kw) -> list[Layer]:
    built: list[Layer] = []
    for cfg, s in zip(cfg_layers, shapes):
        t = cfg.type
        if t == "dense":
            built += _with_activation(Dense(s.name, s.in_shape[0], cfg.out, cfg.bias, rng, **kw),
                                      cfg.activation, s.name)
        elif t == "conv2d":
            conv = Conv2d(s.name, s.in_shape[0], cfg.out_channels, cfg.kernel, cfg.stride, cfg.padding,
                          cfg.bias, rng, **kw)
            built += _with_activation(conv, cfg.activation, s.name)
        elif t in ("maxpool", "avgpool"):
            built.append(Pool(s.name, t[:3], cfg.kernel, cfg.stride))
        elif t == "batchnorm":
            built += _with_activation(BatchNorm(s.name, s.in_shape[0], dtype=kw["dtype"]), cfg.activation, s.name)
        elif t == "activation":
            if cfg.function != "none":
                built.append(Activation(s.name, cfg.function))
        elif t == "flatten":
            built.append(Flatten(s.name))
        elif t == "dropout":
            built.append(Dropout(s.name, cfg.rate))
        elif t == "global_avgpool":
            built.append(GlobalAvgPool(s.name))
        elif t == "residual":
            nb = len(cfg.body)
            body = Sequential(f"{s.name}.body", _build(cfg.body, list(s.children[:nb]), rng, kw))
            short = Sequential(f"{s.name}.shortcut", _build(cfg.shortcut, list(s.children[nb:]), rng, kw))
            act = None if cfg.activation == "none" else Activation(f"{s.name}.act", cfg.activation)
            built.append(Residual(s.name, body, short, act))
        else:  # pragma: no cover - the schema admits no other type
            raise ValueError(f"unsupported layer type {t}")
    return _fuse_relu_maxpool(built)


def _walk(layer: Layer):
    yield layer
    for child in layer.children():
        yield from _walk(child)


class FunctionalNetwork(Sequential):
    """A trainable network; images arrive flat (N, C·H·W) and are reshaped to `input_shape`."""

    def __init__(self, network: Network, seed: int = 0, dtype=np.float32, init_gain: float = np.sqrt(2.0)):
        rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype)
        layers = _build(network.layers, infer_shapes(network), rng, {"dtype": self.dtype, "init_gain": init_gain})
        self.softmax_in_loss = isinstance(layers[-1], Activation) and layers[-1].function == "softmax"
        if self.softmax_in_loss:
            layers = layers[:-1]
        super().__init__(network.name, layers)
        self.input_shape = tuple(network.input_shape)
        self.weighted: dict[str, WeightedLayer] = {
            l.name: l for l in _walk(self) if isinstance(l, WeightedLayer)}
        expected = [s.name for s in weighted_layers(network)]
        assert list(self.weighted) == expected, (list(self.weighted), expected)
        first = next(iter(self.weighted.values()))
        first.skip_input_grad = first is self._first_leaf()

    def _first_leaf(self) -> Layer:
        layer: Layer = self
        while layer.children():
            layer = layer.children()[0]
        return layer

    def reseed(self, *seed: int) -> None:
        """Seed the random draws inside the network (dropout masks), e.g. per (seed, epoch)."""
        for k, layer in enumerate(l for l in _walk(self) if isinstance(l, Dropout)):
            layer.rng = np.random.default_rng([*seed, k])

    @property
    def batchnorms(self) -> list[BatchNorm]:
        return [l for l in _walk(self) if isinstance(l, BatchNorm)]

    def to_layout(self, x: np.ndarray) -> np.ndarray:
        """Flat (N, C·H·W) images → the first layer's layout: (N, H, W, C) for maps, (N, F) for vectors."""
        x = np.asarray(x, dtype=self.dtype)
        if len(self.input_shape) != 3:
            return x.reshape((x.shape[0],) + self.input_shape)
        c, h, w = self.input_shape
        if c == 1:
            return x.reshape(x.shape[0], h, w, 1)
        return np.ascontiguousarray(x.reshape(x.shape[0], c, h, w).transpose(0, 2, 3, 1))

    def forward(self, x, train=False):
        return super().forward(self.to_layout(x), train)

    def dense_stack(self) -> bool:
        """True when the network is dense layers with element-wise activations only (flatten allowed)."""
        return all(isinstance(l, (Dense, Activation, Flatten)) for l in self.layers)

    def dense_activation_codes(self) -> list[int] | None:
        """Activation code (functional/activations.CODES) after each dense layer of a dense stack, the last
        one replaced by the softmax of the loss; None when the layers are not dense layers each optionally
        followed by one activation (the fused numba loops' networks), or one of them is a softmax layer."""
        from archsim.functional.activations import CODES

        seq = [l for l in self.layers if not isinstance(l, Flatten)]
        acts, i = [], 0
        while i < len(seq):
            if not isinstance(seq[i], Dense):
                return None
            if i + 1 < len(seq) and isinstance(seq[i + 1], Activation):
                acts.append(CODES[seq[i + 1].function])
                i += 2
            else:
                acts.append(CODES["none"])
                i += 1
        if not acts or CODES["softmax"] in acts:
            return None
        acts[-1] = CODES["softmax"]     # folded into the loss by the network; the kernels apply it
        return acts

    def all_params(self) -> list[Param]:
        return [p for l in _walk(self) for p in l.params()]

    def state(self) -> dict[str, np.ndarray]:
        """Weights and buffers by name (copies), as saved in .npz files (conv rows ordered c, kh, kw)."""
        out = {p.name: p.value.copy() for p in self.all_params()}
        for l in _walk(self):
            out.update({k: v.copy() for k, v in l.buffers().items()})
            if isinstance(l, Conv2d):
                out[f"{l.name}.W"] = out[f"{l.name}.W"][l.stored_rows]
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Copy arrays in place; every parameter and buffer must be present with the same shape."""
        targets = {p.name: p.value for p in self.all_params()}
        for l in _walk(self):
            targets.update(l.buffers())
        missing = sorted(set(targets) - set(state))
        if missing:
            raise ValueError(f"weights file lacks {', '.join(missing)}")
        convs = {f"{l.name}.W": l for l in _walk(self) if isinstance(l, Conv2d)}
        for k, arr in targets.items():
            if state[k].shape != arr.shape:
                raise ValueError(f"{k}: shape {state[k].shape} in file, network expects {arr.shape}")
            arr[...] = state[k][convs[k].saved_rows] if k in convs else state[k]

    def clear_substitutions(self) -> None:
        """Back to the clean software weights: no substituted matrices, no crossbar arrays."""
        for l in self.weighted.values():
            l.forward_matrix = None
            l.array = None
