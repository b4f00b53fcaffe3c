"""Schema of a workload's `inference:` section: train (FP32 and hardware-aware), program onto PCM,
and measure accuracy over time with and without drift compensation (issue 4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, field_validator

from archsim.config.base import Strict

Compensation = Literal["none", "global", "bn_reestimate"]
ModelKind = Literal["fp32_direct", "hwa"]


class TrainingConfig(Strict):
    """FP32 software training (SGD with momentum)."""

    epochs: PositiveInt = 8
    batch_size: PositiveInt = 64
    lr: float = Field(0.05, gt=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    weight_decay: float = Field(5e-4, ge=0)
    schedule: Literal["constant", "step", "cosine"] = "cosine"
    step_epochs: PositiveInt = Field(10, description="'step' schedule: epochs between decays")
    gamma: float = Field(0.1, gt=0, le=1, description="'step' schedule: decay factor")
    train_images: PositiveInt | None = Field(None, description="use only the first N training images")


class HWAConfig(Strict):
    """Hardware-aware retraining from the converged FP32 model."""

    eta_tr: float = Field(0.038, ge=0, le=1, description="σ = eta_tr · max|W| weight noise, forward pass only")
    alpha: float = Field(2.0, gt=0, description="clip weights to ±alpha·σ_W after each update")
    epochs: PositiveInt = 4
    batch_size: PositiveInt = 64
    lr: float = Field(0.01, gt=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    schedule: Literal["constant", "step", "cosine"] = "cosine"


class ProgramVerifyConfig(Strict):
    """Iterative program-and-verify of the programmed device of each pair (SPEC: 0.25 µS, ≤ 55)."""

    tolerance_us: float = Field(0.25, gt=0)
    max_iterations: PositiveInt = 55
    amplitude_step_ua: float = Field(0.5, gt=0, description="resolution of the programming-pulse amplitude")
    amplitude_min_ua: float = Field(0.0, ge=0)
    amplitude_max_ua: float = Field(200.0, gt=0)


class InferenceStudyConfig(Strict):
    """Programming onto PCM, drift and compensation study (accuracy vs time)."""

    dataset: Literal["mnist"] = "mnist"
    data_dir: str | None = Field(None, description="MNIST folder, relative to the workload; default: ARCHSIM_DATA / cache")
    training: TrainingConfig = TrainingConfig()
    hwa: HWAConfig = HWAConfig()
    device_model: str = Field("builtin",
                              description="inference PCM model YAML, relative to the workload; 'builtin' = the "
                                          "packaged tech/pcm_inference.yaml")
    weights: str | None = Field(None, description="trained FP32 weights (.npz in FunctionalNetwork.state() layout, "
                                                  "e.g. from `archsim import --weights`), relative to the workload: "
                                                  "no software training, these weights are programmed")
    g_max_us: float = Field(25.0, gt=0, description="conductance of the largest |W| of each layer")
    program_verify: ProgramVerifyConfig = ProgramVerifyConfig()
    array_rows: PositiveInt = Field(
        256, description="crossbar rows per array: fan-ins above it are split over arrays whose partial sums "
                         "are added digitally (column tiles produce disjoint outputs and change nothing)")
    times_s: list[float] = Field(
        [25.0, 3600.0, 86400.0, 604800.0, 2592000.0, 31536000.0],
        min_length=1, description="inference times after programming (25 s … 1 year)")
    repeats: PositiveInt = Field(5, description="independent programming + noise draws per point")
    calibration_images: PositiveInt = Field(1000, description="training images used for BN re-estimation")
    test_images: PositiveInt | None = Field(None, description="evaluate on the first N test images")
    eval_batch_size: PositiveInt = 1000
    models: list[ModelKind] = Field(["fp32_direct", "hwa"], min_length=1)
    compensations: list[Compensation] = Field(["none", "global", "bn_reestimate"], min_length=1)
    seed: int = 0

    @field_validator("times_s")
    @classmethod
    def _positive_sorted(cls, v):
        if any(t <= 0 for t in v):
            raise ValueError("times must be > 0 seconds")
        return sorted(v)

    @field_validator("models", "compensations")
    @classmethod
    def _unique(cls, v):
        if len(set(v)) != len(v):
            raise ValueError(f"entries must be unique; got {v}")
        return v
