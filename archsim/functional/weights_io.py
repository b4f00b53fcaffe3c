"""Save / load named arrays as .npz, written atomically (temp file in the same folder, then replace)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from archsim.io import write_npz


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Read every array of an .npz file into a dict."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def save_weights(model, path: str | Path) -> None:
    """Save a FunctionalNetwork's weights and batch-norm statistics."""
    write_npz(path, model.state())


def load_weights(model, path: str | Path) -> None:
    """Load weights saved by `save_weights` into a network of the same shape."""
    model.load_state(load_npz(path))
