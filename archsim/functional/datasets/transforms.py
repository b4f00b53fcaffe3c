"""Image transforms applied after loading (flattened images in, flattened images out)."""

from __future__ import annotations

import numpy as np


def centre_crop(x: np.ndarray, height: int, width: int, rows: int, cols: int, channels: int = 1) -> np.ndarray:
    """Crop flattened channels×height×width images (n, C·H·W) to their central rows×cols window.

    An odd margin leaves the extra row/column at the bottom/right. Burr et al. (IEEE TED 2015) and
    Sidler et al. (ESSDERC 2016) train on MNIST cropped to 22×24 = 528 pixels.
    """
    if not (0 < rows <= height and 0 < cols <= width):
        raise ValueError(f"crop {rows}×{cols} does not fit in {height}×{width} images")
    top, left = (height - rows) // 2, (width - cols) // 2
    images = x.reshape(x.shape[0], channels, height, width)[:, :, top: top + rows, left: left + cols]
    return np.ascontiguousarray(images.reshape(x.shape[0], channels * rows * cols))
