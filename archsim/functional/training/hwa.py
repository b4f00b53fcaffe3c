"""Hardware-aware training: Gaussian weight noise in the forward pass only and weight clipping.

Per weighted layer and per step, σ = η_tr · max|W| (recomputed from the current clean weights);
the noisy matrix is used in the forward pass while gradients update the clean W. After each
update W is clipped to ±α·σ_W (σ_W = standard deviation of the layer's weights).
"""

from __future__ import annotations

import numpy as np


def inject_weight_noise(model, eta_tr: float, rng: np.random.Generator) -> None:
    """Substitute W + N(0, (η_tr·max|W|)²) as every weighted layer's forward matrix."""
    for layer in model.weighted.values():
        sigma = eta_tr * float(np.abs(layer.W).max())
        noise = rng.standard_normal(layer.W.shape, dtype=np.float32) * np.float32(sigma)
        layer.forward_matrix = layer.W + noise


def clip_weights(model, alpha: float) -> None:
    """Clip every weighted layer to ±α·std(W) in place."""
    for layer in model.weighted.values():
        bound = alpha * float(layer.W.std())
        np.clip(layer.W, -bound, bound, out=layer.W)
