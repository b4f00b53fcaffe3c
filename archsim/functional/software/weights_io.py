"""Save / load named arrays as .npz, written atomically (temp file in the same folder, then replace)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np


@contextmanager
def atomic_output(path: str | Path):
    """Yield a temporary path next to `path`; on success it replaces `path` (os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary readable files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    """Write `arrays` to `path` atomically."""
    with atomic_output(path) as tmp:
        np.savez(tmp, **arrays)


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Read every array of an .npz file into a dict."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def save_weights(model, path: str | Path) -> None:
    """Save a FunctionalNetwork's weights and batch-norm statistics."""
    save_npz(path, model.state())


def load_weights(model, path: str | Path) -> None:
    """Load weights saved by `save_weights` into a network of the same shape."""
    model.load_state(load_npz(path))
