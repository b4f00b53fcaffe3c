"""Containers: a sequence of layers, and a residual block y = f(body(x) + shortcut(x))."""

from __future__ import annotations

from archsim.functional.layers.base import Layer


class Sequential(Layer):
    """Layers applied in order; backward in reverse."""

    def __init__(self, name: str, layers: list[Layer]):
        self.name, self.layers = name, list(layers)

    def forward(self, x, train):
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
            if grad is None:
                return None
        return grad

    def children(self):
        return self.layers


class Residual(Layer):
    """Body and shortcut (empty = identity) added in the digital unit, then an activation."""

    def __init__(self, name: str, body: Sequential, shortcut: Sequential, activation: Layer | None):
        self.name, self.body, self.shortcut, self.activation = name, body, shortcut, activation

    def forward(self, x, train):
        y = self.body.forward(x, train) + self.shortcut.forward(x, train)
        return self.activation.forward(y, train) if self.activation else y

    def backward(self, grad):
        if self.activation:
            grad = self.activation.backward(grad)
        return self.body.backward(grad) + self.shortcut.backward(grad)

    def children(self):
        return [self.body, self.shortcut] + ([self.activation] if self.activation else [])
