"""TEMPORARY stand-in for archsim.functional.datasets.load_dataset (the dataset stream's API), used
only while that function is not on this branch; delete this file when it is merged.

MNIST goes through the MNIST loader. Fashion-MNIST (same IDX format) is read from the first folder
holding its four files whose SHA256SUMS match: data_dir, $ARCHSIM_DATA, $ARCHSIM_DATA/fashion-mnist,
and the fashion-mnist folder beside $ARCHSIM_DATA. No download, no CIFAR-10.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from archsim.config.errors import ConfigError, Problem
from archsim.functional.datasets.mnist import FILES, _load_dir, _read_sums, _sha256, load_mnist


def load_dataset(name: str, data_dir=None, *, download: bool = True):
    if name == "mnist":
        d = load_mnist(data_dir, download=download)
        return SimpleNamespace(x_train=d.x_train, y_train=d.y_train, x_test=d.x_test, y_test=d.y_test,
                               input_shape=(1, 28, 28), classes=10, source_dir=d.source_dir)
    if name != "fashion_mnist":
        raise ConfigError(name, "dataset not available in this build (needs archsim.functional.datasets.load_dataset)")
    places = [Path(data_dir)] if data_dir else []
    env = os.environ.get("ARCHSIM_DATA")
    if env:
        places += [Path(env), Path(env) / "fashion-mnist", Path(env).parent / "fashion-mnist"]
    looked = []
    for folder in places:
        sums = _read_sums(folder)
        if all((folder / f).is_file() for f in FILES) and sums and all(_sha256(folder / f) == sums.get(f) for f in FILES):
            d = _load_dir(folder)
            return SimpleNamespace(x_train=d.x_train, y_train=d.y_train, x_test=d.x_test, y_test=d.y_test,
                                   input_shape=(1, 28, 28), classes=10, source_dir=folder)
        looked.append(Problem(str(folder), "no verified Fashion-MNIST IDX files (with SHA256SUMS) there"))
    looked.append(Problem("fix", "pass the fashion-mnist folder as --data-dir or set ARCHSIM_DATA"))
    raise ConfigError("Fashion-MNIST", looked)
