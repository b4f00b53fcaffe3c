"""The data of a functional run: a named dataset (archsim.functional.datasets.load_dataset), cut to
the requested numbers of training and test images and checked against the network's input."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archsim.config.errors import ConfigError, Problem
from archsim.functional.datasets import dataset_format, load_dataset


def expected(name: str) -> tuple[tuple[int, ...], int]:
    """(image shape, number of classes) of data set `name`, known without loading it."""
    fmt = dataset_format(name)
    return tuple(fmt.input_shape), len(fmt.classes)


def check_network(name: str, shape, classes: int, network, workload_path: Path) -> None:
    """ConfigError unless the network takes `shape` images and has `classes` outputs."""
    from archsim.config.shapes import weighted_layers

    problems = []
    if math.prod(network.input_shape) != math.prod(shape):
        problems.append(Problem("network.input_shape", f"{name} images are {list(shape)} "
                                                       f"({math.prod(shape)} values); got {network.input_shape}"))
    out = weighted_layers(network)[-1].cols
    if out != classes:
        problems.append(Problem("network.layers", f"the last weighted layer must have {classes} outputs "
                                                  f"({name} classes); got {out}"))
    if problems:
        raise ConfigError(workload_path, problems)


@dataclass(frozen=True)
class RunData:
    """Images float32 (n, C·H·W) in [0, 1], labels int64."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple[int, ...]
    classes: int
    source_dir: Path

    def arrays(self):
        return self.x_train, self.y_train, self.x_test, self.y_test


def load_run_data(name: str, data_dir: Path | None, train_images: int | None, test_images: int | None,
                  network, workload_path: Path, section: str = "functional", progress: bool = True) -> RunData:
    """Load `name`, take the first train/test images, and check the network fits the images and classes."""
    check_network(name, *expected(name), network, workload_path)
    d = load_dataset(name, data_dir, progress=progress)
    shape = tuple(d.input_shape)
    check_network(name, shape, len(d.classes), network, workload_path)
    problems = [Problem(f"{section}.{key}", f"{n} requested, {name} has {avail}")
                for key, n, avail in (("train_images", train_images, len(d.x_train)),
                                      ("test_images", test_images, len(d.x_test))) if n is not None and n > avail]
    if problems:
        raise ConfigError(workload_path, problems)
    n_tr, n_te = train_images or len(d.x_train), test_images or len(d.x_test)
    return RunData(name, d.x_train[:n_tr], d.y_train[:n_tr], d.x_test[:n_te], d.y_test[:n_te], shape,
                   len(d.classes), Path(d.source_dir))
