"""Network description (layers) shared by the functional simulator and the trace generator.

Shapes follow (C, H, W) for feature maps and (N,) for vectors. Weighted layers (dense, conv2d)
map onto crossbars; everything else runs in the digital unit.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, PositiveInt, NonNegativeInt, model_validator

from archsim.config.base import Strict

# sizes beyond any network this estimator is for (VGG-16 has 25,088 fan-in, 4,096 outputs, 138 M weights)
MAX_WIDTH = 2 ** 20                 # outputs, channels, input dimensions
MAX_KERNEL = 1024                   # kernel, stride, padding
MAX_LAYERS = 10_000
MAX_LAYER_WEIGHTS = 2 ** 34         # weights, or output elements, of one layer (~17 G)

ActivationName = Literal["none", "relu", "sigmoid", "tanh", "softmax"]


class Dense(Strict):
    """Fully connected layer y = f(W·x + b); on a crossbar: rows = inputs (+1 bias row), cols = outputs."""

    type: Literal["dense"]
    out: PositiveInt = Field(le=MAX_WIDTH)
    bias: bool = True
    activation: ActivationName = "none"
    name: str | None = None


class Conv2d(Strict):
    """2-D convolution; unrolled (im2col) onto a crossbar with k·k·C_in (+1 bias) rows, C_out columns."""

    type: Literal["conv2d"]
    out_channels: PositiveInt = Field(le=MAX_WIDTH)
    kernel: PositiveInt = Field(le=MAX_KERNEL)
    stride: PositiveInt = Field(1, le=MAX_KERNEL)
    padding: NonNegativeInt = Field(0, le=MAX_KERNEL)
    bias: bool = False
    activation: ActivationName = "none"
    name: str | None = None


class Pool(Strict):
    """Max or average pooling (digital unit); stride defaults to the kernel size."""

    type: Literal["maxpool", "avgpool"]
    kernel: PositiveInt = Field(le=MAX_KERNEL)
    stride: PositiveInt | None = Field(None, le=MAX_KERNEL)
    name: str | None = None


class BatchNorm(Strict):
    """Batch normalisation over channels (digital unit), optionally followed by an activation."""

    type: Literal["batchnorm"]
    activation: ActivationName = "none"
    name: str | None = None


class Activation(Strict):
    """Stand-alone element-wise activation (digital unit)."""

    type: Literal["activation"]
    function: ActivationName
    name: str | None = None


class Flatten(Strict):
    """(C, H, W) → (C·H·W,)."""

    type: Literal["flatten"]
    name: str | None = None


class Dropout(Strict):
    """Inverted dropout (digital unit, training only): each element is zeroed with probability `rate` and
    the rest scaled by 1/(1 − rate); inference passes values through."""

    type: Literal["dropout"]
    rate: float = Field(0.5, ge=0, lt=1)
    name: str | None = None


class GlobalAvgPool(Strict):
    """(C, H, W) → (C,) by averaging each channel (digital unit)."""

    type: Literal["global_avgpool"]
    name: str | None = None


class Residual(Strict):
    """y = f(body(x) + shortcut(x)); an empty shortcut is the identity. The add runs in the digital unit."""

    type: Literal["residual"]
    body: list["Layer"]
    shortcut: list["Layer"] = []
    activation: ActivationName = "relu"
    name: str | None = None


Layer = Annotated[
    Union[Dense, Conv2d, Pool, BatchNorm, Activation, Flatten, Dropout, GlobalAvgPool, Residual],
    Field(discriminator="type"),
]
Residual.model_rebuild()


class Network(Strict):
    """A feed-forward network: input shape and an ordered list of layers."""

    name: str = "network"
    input_shape: list[Annotated[int, Field(gt=0, le=MAX_WIDTH)]] = Field(
        min_length=1, max_length=3, description="(N,) for vectors or (C, H, W) for images")
    layers: list[Layer] = Field(min_length=1, max_length=MAX_LAYERS)

    @model_validator(mode="after")
    def _shapes_fit(self) -> "Network":
        from archsim.config.shapes import flatten_layers, infer_shapes

        shapes = infer_shapes(self)  # raises ValueError with the offending layer named
        for s in flatten_layers(shapes):
            if s.weights > MAX_LAYER_WEIGHTS or s.out_elements > MAX_LAYER_WEIGHTS:
                raise ValueError(f"{s.path}: {s.weights:,} weights and {s.out_elements:,} outputs; a layer may have "
                                 f"at most {MAX_LAYER_WEIGHTS:,} of each")
        return self
