"""The data of a functional run: a named dataset (archsim.functional.datasets.load_dataset), cut to
the requested numbers of training and test images and checked against the network's input."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archsim.config.errors import ConfigError, Problem
from archsim.functional.datasets import dataset_format, load_dataset
from archsim.functional.datasets.transforms import centre_crop


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


def cropped(shape: tuple[int, ...], crop) -> tuple[int, ...]:
    """(C, H, W) image shape after a centre crop to crop = (rows, cols) (None: unchanged)."""
    return tuple(shape) if crop is None else (*tuple(shape)[:-2], int(crop[0]), int(crop[1]))


def load_run_data(name: str, data_dir: Path | None, train_images: int | None, test_images: int | None,
                  network, workload_path: Path, section: str = "functional", progress: bool = True,
                  crop=None) -> RunData:
    """Load `name`, take the first train/test images, centre-crop them to crop = (rows, cols) if given
    (datasets.transforms.centre_crop), and check the network fits the images and classes."""
    shape0, classes0 = expected(name)
    if crop is not None and not (crop[0] <= shape0[-2] and crop[1] <= shape0[-1]):
        raise ConfigError(workload_path, [Problem(f"{section}.input_crop", f"{list(crop)} does not fit in "
                                                                            f"{name} images {list(shape0)}")])
    check_network(name, cropped(shape0, crop), classes0, network, workload_path)
    d = load_dataset(name, data_dir, progress=progress)
    shape = cropped(d.input_shape, crop)
    check_network(name, shape, len(d.classes), network, workload_path)
    problems = [Problem(f"{section}.{key}", f"{n} requested, {name} has {avail}")
                for key, n, avail in (("train_images", train_images, len(d.x_train)),
                                      ("test_images", test_images, len(d.x_test))) if n is not None and n > avail]
    if problems:
        raise ConfigError(workload_path, problems)
    n_tr, n_te = train_images or len(d.x_train), test_images or len(d.x_test)
    x_train, x_test = d.x_train[:n_tr], d.x_test[:n_te]
    if crop is not None:
        *_, h, w = d.input_shape
        x_train, x_test = (centre_crop(x, h, w, *crop, channels=d.input_shape[0]) for x in (x_train, x_test))
    return RunData(name, x_train, d.y_train[:n_tr], x_test, d.y_test[:n_te], shape,
                   len(d.classes), Path(d.source_dir))
