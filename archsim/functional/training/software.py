"""Software trainers: SGD (momentum, weight decay) in FP32 or FP64, and hardware-aware SGD
(forward weight noise σ = η_tr·max|W| and clipping to ±α·σ_W, training/hwa.py)."""

from __future__ import annotations

import numpy as np

from archsim.functional.crossbar.update import S_SET
from archsim.functional.training.hwa import clip_weights, inject_weight_noise
from archsim.functional.training.optim import SGD
from archsim.functional.training.strategy import PURPOSE_NOISE, Strategy, TrainSettings


class SoftwareSGD(Strategy):
    """Digital weights in the network's dtype, updated every batch: every weight is written once per batch
    (set_pulses counts these writes; the non-zero statistics of the χ unit are not measured here)."""

    def __init__(self, network, settings: TrainSettings, algorithm: str = "fp32"):
        super().__init__(network, settings)
        self.algorithm = algorithm
        self.opt = SGD(network.all_params(), settings.momentum, settings.weight_decay)

    def apply_update(self, lr: float, batch: int) -> None:
        self.opt.step(lr)
        for k, layer in enumerate(self.layers):
            self.stats[k, S_SET] += layer.W.size  # a dense write of every weight per batch

    def state(self) -> dict[str, np.ndarray]:
        out = {f"net/{k}": v for k, v in self.network.state().items()}
        out.update({f"velocity/{k}": v for k, v in self.opt.velocity.items()})
        return out

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.network.load_state({k[4:]: v for k, v in arrays.items() if k.startswith("net/")})
        for k, v in self.opt.velocity.items():
            v[...] = arrays[f"velocity/{k}"]


class HardwareAware(SoftwareSGD):
    """SGD with Gaussian weight noise in the forward pass only (fresh each batch) and weight clipping."""

    def __init__(self, network, settings: TrainSettings, eta_tr: float, clip_alpha: float | None,
                 algorithm: str = "hwa"):
        super().__init__(network, settings, algorithm)
        self.eta_tr, self.clip_alpha = eta_tr, clip_alpha
        self.rng = np.random.default_rng(0)

    def begin_epoch(self, seed: int, epoch: int) -> None:
        self.rng = np.random.default_rng([seed, epoch, PURPOSE_NOISE])

    def before_forward(self) -> None:
        if self.eta_tr > 0:
            inject_weight_noise(self.network, self.eta_tr, self.rng)

    def apply_update(self, lr: float, batch: int) -> None:
        for layer in self.layers:
            layer.forward_matrix = None
        super().apply_update(lr, batch)
        if self.clip_alpha is not None:
            clip_weights(self.network, self.clip_alpha)
