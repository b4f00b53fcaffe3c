"""Schema of a workload's `inference:` section: train (FP32 and hardware-aware), program onto PCM,
and measure accuracy over time with and without drift compensation (issue 4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, field_validator, model_validator

from archsim.config.base import PathText, Strict, require

from archsim.config.functional import Compensation, Dataset, Readout

ModelKind = Literal["fp32_direct", "hwa"]


class TrainingConfig(Strict):
    """FP32 software training (SGD with momentum)."""

    epochs: PositiveInt = Field(8, le=10_000)
    batch_size: PositiveInt = Field(64, le=60_000)
    lr: float = Field(0.05, gt=0, le=1e3)
    momentum: float = Field(0.9, ge=0, lt=1)
    weight_decay: float = Field(5e-4, ge=0, le=1)
    schedule: Literal["constant", "step", "cosine"] = "cosine"
    step_epochs: PositiveInt = Field(10, description="'step' schedule: epochs between decays")
    gamma: float = Field(0.1, gt=0, le=1, description="'step' schedule: decay factor")
    train_images: PositiveInt | None = Field(None, le=60_000, description="use only the first N training images")


class HWAConfig(Strict):
    """Hardware-aware retraining from the converged FP32 model."""

    eta_tr: float = Field(0.038, ge=0, le=1, description="σ = eta_tr · max|W| weight noise, forward pass only")
    alpha: float = Field(2.0, gt=0, description="clip weights to ±alpha·σ_W after each update")
    epochs: PositiveInt = Field(4, le=10_000)
    batch_size: PositiveInt = Field(64, le=60_000)
    lr: float = Field(0.01, gt=0, le=1e3)
    momentum: float = Field(0.9, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0, le=1)
    schedule: Literal["constant", "step", "cosine"] = "cosine"


class ProgramVerifyConfig(Strict):
    """Iterative program-and-verify of the programmed device of each pair (SPEC: 0.25 µS, ≤ 55)."""

    tolerance_us: float = Field(0.25, gt=0)
    max_iterations: PositiveInt = Field(55, le=10_000)
    amplitude_step_ua: float = Field(0.5, gt=0, description="resolution of the programming-pulse amplitude")
    amplitude_min_ua: float = Field(0.0, ge=0)
    amplitude_max_ua: float = Field(200.0, gt=0, le=1e4)

    @model_validator(mode="after")
    def _ordered(self) -> "ProgramVerifyConfig":
        require((self.amplitude_min_ua < self.amplitude_max_ua, "amplitude_min_ua must be below amplitude_max_ua"),
                (self.amplitude_step_ua <= self.amplitude_max_ua - self.amplitude_min_ua,
                 "amplitude_step_ua must not exceed amplitude_max_ua - amplitude_min_ua"))
        return self


class ForwardIO(Strict):
    """Converters and output noise of every crossbar read, as aihwkit's forward IOParameters (weights
    normalised to max|W| ↔ g_max, inputs to max|x| per vector as its abs-max noise management).
    aihwkit's defaults: inp_res 1/(2^7−2) (7-bit DAC), out_res 1/(2^9−2) (9-bit ADC), out_bound 12,
    out_noise 0.06, iterative bound management (aihwkit/simulator/parameters/io.py)."""

    perfect: bool = Field(False, description="ideal reads: no DAC/ADC rounding, no clipping, no output noise "
                                             "(aihwkit is_perfect)")
    dac_bits: int | None = Field(None, ge=0, le=16, description="0 = ideal; default: the design's tile.dac_bits")
    adc_bits: int | None = Field(None, ge=0, le=16, description="0 = ideal; default: the design's tile.adc_bits")
    out_bound: float = Field(12.0, gt=0, le=1e6, description="ADC full scale, in units of g_max × full-scale input")
    out_noise: float = Field(0.06, ge=0, le=1e3, description="std of output noise, in units of g_max × full-scale input")
    bound_management: Literal["none", "iterative"] = Field(
        "iterative", description="iterative: re-read saturated outputs with the input halved (aihwkit default)")


class InferenceStudyConfig(Strict):
    """Programming onto PCM, drift and compensation study (accuracy vs time)."""

    dataset: Dataset = "mnist"
    data_dir: PathText | None = Field(None, description="dataset folder, relative to the workload; default: ARCHSIM_DATA / cache")
    training: TrainingConfig = TrainingConfig()
    hwa: HWAConfig = HWAConfig()
    device_model: PathText = Field("builtin",
                              description="inference PCM model YAML, relative to the workload; 'builtin' = the "
                                          "packaged tech/pcm_inference.yaml")
    weights: PathText | None = Field(None, description="trained FP32 weights (.npz in FunctionalNetwork.state() layout, "
                                                  "e.g. from `archsim import --weights`), relative to the workload: "
                                                  "no software training, these weights are programmed")
    g_max_us: float = Field(25.0, gt=0, le=1e4, description="conductance of the largest |W| of each layer")
    program_verify: ProgramVerifyConfig = ProgramVerifyConfig()
    design: str | None = Field(None, description="workload design whose crossbar geometry and DAC/ADC bits the "
                                                 "reads use (default: the first design of type mca)")
    array_rows: PositiveInt | None = Field(
        None, le=65536, description="crossbar rows per array (overrides the design): fan-ins above it are split over arrays "
                          "whose ADC-converted partial sums are added digitally")
    io: ForwardIO = ForwardIO()
    gdc_readout: Readout = Field("all_ones", description="calibration read of global drift compensation")
    times_s: list[float] = Field(
        [25.0, 3600.0, 86400.0, 604800.0, 2592000.0, 31536000.0],
        min_length=1, max_length=1000, description="inference times after programming (25 s … 1 year)")
    repeats: PositiveInt = Field(5, le=1000, description="independent programming + noise draws per point")
    calibration_images: PositiveInt = Field(1000, le=60_000, description="training images used for BN re-estimation")
    test_images: PositiveInt | None = Field(None, le=10_000, description="evaluate on the first N test images")
    eval_batch_size: PositiveInt = Field(1000, le=60_000)
    models: list[ModelKind] = Field(["fp32_direct", "hwa"], min_length=1)
    compensations: list[Compensation] = Field(["none", "global", "bn_reestimate"], min_length=1)
    seed: int = Field(0, ge=0)

    @field_validator("times_s")
    @classmethod
    def _positive_sorted(cls, v):
        if any(t <= 0 or t > 1e10 for t in v):
            raise ValueError("times must be > 0 seconds and at most 1e10 s (~300 years)")
        return sorted(v)

    @field_validator("models", "compensations")
    @classmethod
    def _unique(cls, v):
        if len(set(v)) != len(v):
            raise ValueError(f"entries must be unique; got {v}")
        return v
