"""Schema of a workload's `functional:` section: MCA / FP training on MNIST whose measured
per-image update statistics drive the estimator (archsim.functional.run)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PositiveInt, field_validator

from archsim.config.base import Strict

Algorithm = Literal["fp64", "fp32", "mca", "direct", "mca_one_device", "crossbar_compatible"]
Rounding = Literal["nearest", "stochastic", "truncate", "deadzone"]


class FunctionalConfig(Strict):
    """Functional training run. Defaults follow the SPEC's reference experiment (Nandakumar et al. 2020)."""

    dataset: Literal["mnist"] = "mnist"
    data_dir: str | None = Field(None, description="MNIST folder (relative to the workload); else ARCHSIM_DATA, cache")
    epochs: PositiveInt = 1
    train_images: PositiveInt | None = Field(None, le=60000, description="use the first N training images")
    test_images: PositiveInt | None = Field(None, le=10000, description="use the first N test images")
    seeds: list[int] = Field([0], min_length=1)
    algorithms: list[Algorithm] = Field(["mca", "fp64"], min_length=1)
    device: str = Field("gradual_set", description="built-in (gradual_set, jump_table, ideal) or tech/pcm_*.yaml path")

    learning_rate: float = Field(0.1, gt=0, description="η at epoch 0")
    lr_decay: float = Field(1.0, gt=0, le=1, description="η multiplied by this after every epoch")
    fp_learning_rate: float | None = Field(None, gt=0, description="FP baselines' η at epoch 0 (default learning_rate)")
    fp_init_scale: float = Field(1.0, gt=0, description="FP baselines: weights ~ N(0, (scale/√fan_in)²)")

    epsilon: float = Field(0.096, gt=0, description="ε: weight change of one mean SET pulse (SPEC)")
    epsilon_g_us: float = Field(0.77, gt=0, description="mean ΔG of one SET pulse ↔ ε (SPEC); β = ε/this")
    epsilon_reset: float | None = Field(None, gt=0, description="one-device mode: depression threshold ε (default ε)")
    reference_g_us: float = Field(6.0, ge=0, description="one-device mode: reference conductance")
    reference_drifts: bool = Field(False, description="one-device mode: the reference drifts like a PCM device "
                                                      "(else it is a fixed, non-drifting conductance)")
    init_g_mean_us: float = Field(1.6, ge=0, description="initial device conductance mean (SPEC)")
    init_g_std_us: float = Field(0.83, ge=0, description="initial device conductance spread (SPEC)")
    init_pulse_count: int = Field(3, ge=0, description="pulses since RESET assumed for initial devices")
    max_pulses_per_update: PositiveInt = Field(10, description="cap on pulses per weight per image")
    refresh_interval_images: int = Field(100, ge=0, description="0 = no refresh (SPEC: every 100 images)")
    refresh_threshold_us: float = Field(9.0, gt=0, description="pair saturated when a device reads above this")
    refresh_tolerance_us: float = Field(0.385, ge=0, description="program-and-verify stop: within this below target")
    refresh_max_pulses: PositiveInt = 20

    update_bits: int = Field(0, ge=0, le=16, description="signed bits of x and δ in the update (0 = full precision)")
    update_rounding: Rounding = Field(
        "stochastic", description="rounding of the quantised update (stochastic is unbiased; truncate drops low bits)")
    read_noise: bool = True
    dac_bits: int = Field(8, ge=0, le=16, description="0 = ideal DAC")
    adc_bits: int = Field(8, ge=0, le=16, description="0 = ideal ADC")
    adc_range_forward_us: list[float] | float = Field(
        100.0, description="ADC full scale (µS × normalised input) per layer or one for all")
    adc_range_backward_us: list[float] | float = 20.0

    drift_times_s: list[float] = Field([1.0, 60.0, 3600.0, 86400.0, 604800.0, 2592000.0], min_length=1)
    drift_compensation: bool = Field(True, description="also report accuracy with global per-layer drift compensation")
    checkpoint: bool = True

    # training physics (issue 12; archsim/functional/crossbar/{update,refresh,crossbar_compatible}.py)
    update_rounding_error: Rounding | None = Field(
        None, description="rounding of the quantised errors δ (default update_rounding; update_rounding then "
                          "applies to the activations x)")
    update_rounding_output_error: Rounding | None = Field(
        None, description="rounding of the output layer's quantised errors (default update_rounding_error)")
    update_scale_shift: int = Field(0, ge=-4, le=4, description="quantised update: shared scale 2^k finer (k > 0, "
                                                                "largest entries saturate) or coarser (k < 0) than the max needs")
    update_scale_shift_error: int | None = Field(None, ge=-4, le=4, description="the same for the errors δ "
                                                                                "(default update_scale_shift)")
    update_scale_shift_output_error: int | None = Field(None, ge=-4, le=4, description="the same for the output "
                                                        "layer's errors (default update_scale_shift_error)")
    direct_rounding: Literal["nearest", "stochastic"] = Field("stochastic", description="direct update: pulses = stochastic or nearest "
                                                                "rounding of ΔW/ε (no χ)")
    refresh_lower_threshold_us: float = Field(
        2.0, ge=0, description="refresh only pairs whose other device also reads above this (both high)")
    refresh_reset: Literal["full", "pulses"] = Field(
        "full", description="refresh lowers devices by one full RESET (SPEC) or by RESET pulses through the "
                            "device's RESET table (bidirectional jump tables)")
    xbar_slots: int = Field(32, ge=1, le=64, description="crossbar_compatible: max pulse-train slots BL per update")
    xbar_reset_fraction: float = Field(1.0, gt=0, le=1, description="crossbar_compatible: RESET-column firing "
                                                                     "probability / SET-column (asymmetry compensation)")
    input_crop: list[Annotated[int, Field(ge=1, le=28)]] | None = Field(None, min_length=2, max_length=2,
                                         description="centre-crop MNIST images to [rows, cols] (e.g. [22, 24])")

    @field_validator("drift_times_s")
    @classmethod
    def _positive(cls, v):
        if any(t <= 0 for t in v):
            raise ValueError("drift times must be > 0 s")
        return sorted(v)

    @field_validator("algorithms")
    @classmethod
    def _unique(cls, v):
        if len(set(v)) != len(v):
            raise ValueError("algorithms must not repeat")
        return v
