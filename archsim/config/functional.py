"""Schema of a workload's `functional:` section (MCA / FP training on MNIST). Placeholder: see issue 3."""

from __future__ import annotations

from archsim.config.base import Strict


class FunctionalConfig(Strict):
    """Functional training run whose measured per-image statistics drive the estimator."""

    epochs: int = 1
