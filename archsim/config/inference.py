"""Schema of a workload's `inference:` section (PCM inference over time). Placeholder: see issue 4."""

from __future__ import annotations

from archsim.config.base import Strict


class InferenceStudyConfig(Strict):
    """Programming onto PCM, drift and compensation study."""

    repeats: int = 1
