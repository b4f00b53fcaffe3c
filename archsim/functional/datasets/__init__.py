"""Data sets of the functional (accuracy) simulations: MNIST, Fashion-MNIST, CIFAR-10 (binary version).

    load_dataset("fashion_mnist")          # → Dataset: x_train (60000, 784) float32 in [0, 1], y_train int64, …

Each is found in the `data_dir` argument, then `$ARCHSIM_DATA`, then the user cache, then
/usr/share/datasets (Debian's dataset packages); `data_dir` and `$ARCHSIM_DATA` may name the data set's
folder or a root holding `mnist/`, `fashion-mnist/`, `cifar-10-batches-bin/`. Every file is verified
(SHA256SUMS beside it, published checksums); with `download=True` a missing data set is fetched into
the user cache. A missing or corrupt data set raises ConfigError naming every place looked at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from archsim.config.errors import ConfigError
from archsim.functional.datasets.base import Dataset, DatasetFormat, cache_dir, locate_and_read
from archsim.functional.datasets.cifar import CIFAR10
from archsim.functional.datasets.idx import FASHION_MNIST, MNIST

#: load_dataset() names → formats
DATASETS: dict[str, DatasetFormat] = {f.name: f for f in (MNIST, FASHION_MNIST, CIFAR10)}
ALIASES = {"fashion-mnist": "fashion_mnist", "fashionmnist": "fashion_mnist", "cifar-10": "cifar10"}


def dataset_format(name: str) -> DatasetFormat:
    """The format of data set `name` (mnist, fashion_mnist, cifar10); ConfigError listing them otherwise."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in DATASETS:
        raise ConfigError("dataset", f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[key]


def load_dataset(name: str, data_dir: str | Path | None = None, *, download: bool = True,
                 progress: bool = True) -> Dataset:
    """Load data set `name` from the first searched folder whose files verify (downloading when allowed).

    Returns a Dataset: x_train/x_test float32 (n, C·H·W) in [0, 1], y_train/y_test int64, input_shape
    (C, H, W), classes, name and source_dir. Raises ConfigError naming every place looked at and the fix.
    """
    fmt = dataset_format(name)
    directory, (x_train, y_train, x_test, y_test) = locate_and_read(fmt, data_dir, download, progress)
    return Dataset(_scaled(x_train), y_train.astype(np.int64), _scaled(x_test), y_test.astype(np.int64),
                   directory, fmt.name, fmt.input_shape, fmt.classes)


def _scaled(images: np.ndarray) -> np.ndarray:
    flat = np.ascontiguousarray(images.reshape(len(images), -1), dtype=np.float32)
    flat /= np.float32(255.0)  # division, as always: bit-identical inputs to earlier runs
    return flat


def load_mnist(data_dir: str | Path | None = None, *, download: bool = True) -> Dataset:
    """MNIST (same as load_dataset('mnist', ...)): x float32 (n, 784) in [0, 1], y int64."""
    return load_dataset("mnist", data_dir, download=download)


MnistData = Dataset  # the name earlier versions returned

__all__ = ["DATASETS", "Dataset", "MnistData", "cache_dir", "dataset_format", "load_dataset", "load_mnist"]
