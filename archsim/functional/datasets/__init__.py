"""Datasets used by the functional (accuracy) simulations."""

from archsim.functional.datasets.mnist import MnistData, load_mnist

__all__ = ["MnistData", "load_mnist"]
