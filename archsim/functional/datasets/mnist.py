"""MNIST (kept for existing imports): see archsim.functional.datasets.load_dataset."""

from archsim.functional.datasets import MnistData, load_mnist
from archsim.functional.datasets.idx import MNIST

__all__ = ["MNIST", "MnistData", "load_mnist"]
