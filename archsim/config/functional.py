"""Schema of a workload's `functional:` section: training on MNIST / Fashion-MNIST / CIFAR-10 with
PCM crossbars (MCA, ablations) and software baselines, whose measured per-image update statistics
drive the estimator (archsim.functional.run)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, NonNegativeInt, PositiveInt, field_validator, model_validator

from archsim.config.base import PathText, Strict

Algorithm = Literal["fp64", "fp32", "mca", "direct", "mca_one_device", "crossbar_compatible"]
Rounding = Literal["nearest", "stochastic", "truncate", "deadzone"]
Dataset = Literal["mnist", "fashion_mnist", "cifar10"]
Compensation = Literal["none", "global", "bn_reestimate"]
Readout = Literal["all_ones", "one_hot"]
Schedule = Literal["exponential", "constant", "step", "cosine"]


class FunctionalConfig(Strict):
    """Functional training run. Defaults follow the SPEC's reference experiment (Nandakumar et al. 2020)."""

    dataset: Dataset = "mnist"
    data_dir: PathText | None = Field(None, description="dataset folder (relative to the workload); else ARCHSIM_DATA, cache")
    epochs: PositiveInt = Field(1, le=10_000)
    train_images: PositiveInt | None = Field(None, le=10 ** 7, description="use the first N training images")
    test_images: PositiveInt | None = Field(None, le=10 ** 7, description="use the first N test images")
    seeds: list[NonNegativeInt] = Field([0], min_length=1, max_length=1000)
    algorithms: list[Algorithm] = Field(["mca", "fp64"], description="algorithms trained beside the designs' own "
                                        "models; may be empty when design_models is true")
    device: PathText = Field("gradual_set", description="built-in (gradual_set, jump_table, ideal) or tech/pcm_*.yaml path")

    # optimizer (the same for every algorithm; MCA applies its step to χ, see functional/training/crossbar.py)
    batch_size: PositiveInt = Field(1, le=10 ** 5, description="images per update (MCA: pulses once per batch)")
    momentum: float = Field(0.0, ge=0, lt=1, description="SGD momentum μ: v ← μ·v + g (kept in high precision)")
    weight_decay: float = Field(0.0, ge=0, le=1, description="L2 decay of software weights (FP baselines)")
    learning_rate: float = Field(0.1, gt=0, le=1e3, description="η at epoch 0 (crossbar algorithms)")
    fp_learning_rate: float | None = Field(None, gt=0, description="FP baselines' η at epoch 0 (default learning_rate)")
    lr_schedule: Schedule = Field("exponential", description="exponential: η·lr_decay^epoch; step; cosine (to 0)")
    lr_decay: float = Field(1.0, gt=0, le=1, description="exponential schedule: η multiplied by this every epoch")
    lr_step_epochs: PositiveInt = Field(10, description="step schedule: epochs between decays")
    lr_gamma: float = Field(0.1, gt=0, le=1, description="step schedule: decay factor")
    fp_init_scale: float = Field(1.0, gt=0, description="FP baselines: weights ~ N(0, (scale/√fan_in)²)")
    precision: Literal["float32", "float64"] = Field(
        "float32", description="arithmetic of activations and reads in the layer-by-layer path of crossbar "
                               "algorithms (the fused dense batch-1 path is float64)")
    fused: bool = Field(True, description="use the fused numba loop for dense networks at batch size 1 "
                                          "(same results as the layer-by-layer path, faster)")

    # the designs' own functional models (functional/design_models.py)
    design_models: bool = Field(
        True, description="also train every workload design with the functional model its type selects (mca: "
                          "crossbars with its DAC/ADC bits; digital dense_sgd: fixed point; digital chi_threshold: "
                          "few-bit weights with the χ update), for the results table's per-design accuracy")
    fixed_int_bits: int = Field(7, ge=0, le=62, description="fixed-point designs: integer bits I of the format "
                                                            "Q(I).(bits-1-I) of weights, activations and sums")

    # PCM programming
    epsilon: float | list[float] = Field(
        0.096, description="ε: weight change of one mean SET pulse (SPEC), one value or one per weighted layer")
    epsilon_g_us: float = Field(0.77, gt=0, description="mean ΔG of one SET pulse ↔ ε (SPEC); β = ε/this per layer")
    epsilon_rule: Literal["fixed", "he"] = Field(
        "fixed", description="fixed: `epsilon` as given; he: per layer, β such that the initial conductances "
                             "(init_g_std_us per device) give weights of he_fraction × the He spread √(2/fan_in)")
    he_fraction: float = Field(0.5, gt=0, description="epsilon_rule he: initial weight spread / He spread")
    epsilon_reset: float | list[float] | None = Field(
        None, description="one-device mode: depression threshold ε (default ε), one value or one per layer")
    reference_g_us: float = Field(6.0, ge=0, description="one-device mode: reference conductance")
    reference_drifts: bool = Field(False, description="one-device mode: the reference drifts like a PCM device "
                                                      "(else it is a fixed, non-drifting conductance)")
    init_g_mean_us: float = Field(1.6, ge=0, description="initial device conductance mean (SPEC)")
    init_g_std_us: float = Field(0.83, ge=0, description="initial device conductance spread (SPEC)")
    init_pulse_count: int = Field(3, ge=0, le=10 ** 6, description="pulses since RESET assumed for initial devices")
    max_pulses_per_update: PositiveInt = Field(10, le=10_000, description="cap on pulses per weight per update")
    refresh_interval_images: int = Field(100, ge=0, le=10 ** 9, description="0 = no refresh (SPEC: every 100 images)")
    refresh_threshold_us: float = Field(9.0, gt=0, description="pair saturated when a device reads above this")
    refresh_tolerance_us: float = Field(0.385, ge=0, description="program-and-verify stop: within this below target")
    refresh_max_pulses: PositiveInt = Field(20, le=10_000)
    refresh_read_averages: PositiveInt = Field(
        1, le=1024, description="reads averaged per refresh read of the difference and per verify read "
                                "(read noise / sqrt of this); 1 = single reads")

    update_bits: int = Field(0, ge=0, le=16, description="signed bits of x and δ in the update (0 = full precision)")
    update_rounding: Rounding = Field(
        "stochastic", description="rounding of the quantised update (stochastic is unbiased; truncate drops low bits)")

    # crossbar reads: tiles and converters of the design, read noise of the device model
    design: str | None = Field(None, description="workload design whose crossbar geometry and DAC/ADC bits the "
                                                 "crossbars use (default: the first design of type mca)")
    read_noise: bool = True
    dac_bits: int | None = Field(None, ge=0, le=16, description="0 = ideal DAC; default: the design's tile.dac_bits")
    adc_bits: int | None = Field(None, ge=0, le=16, description="0 = ideal ADC; default: the design's tile.adc_bits")
    adc_range_forward_us: list[float] | float = Field(
        100.0, description="ADC full scale (µS × normalised input) per layer or one for all")
    adc_range_backward_us: list[float] | float = 20.0
    out_noise_us: float = Field(0.0, ge=0, description="Gaussian noise at every ADC input (µS × normalised input)")

    # after training: drift and compensation (functional/drift.py)
    drift_times_s: list[float] = Field([1.0, 60.0, 3600.0, 86400.0, 604800.0, 2592000.0], min_length=1,
                                       max_length=1000)
    drift_compensations: list[Compensation] = Field(["none", "global"], min_length=1)
    gdc_readout: Readout = Field("all_ones", description="calibration read of global drift compensation")
    calibration_images: PositiveInt = Field(1000, le=10 ** 7, description="training images used for BN re-estimation")
    eval_batch_size: PositiveInt = Field(1000, le=10 ** 5)
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
        if any(t <= 0 or t > 1e10 for t in v):
            raise ValueError("drift times must be > 0 s and at most 1e10 s (~300 years)")
        return sorted(v)

    @field_validator("algorithms", "drift_compensations")
    @classmethod
    def _unique(cls, v):
        if len(set(v)) != len(v):
            raise ValueError("entries must not repeat")
        return v

    @field_validator("adc_range_forward_us", "adc_range_backward_us", "epsilon", "epsilon_reset")
    @classmethod
    def _positive_values(cls, v):
        if v is not None and any(not 0 < r <= 1e6 for r in (v if isinstance(v, list) else [v])):
            raise ValueError("values must be > 0 and at most 1e6")
        return v

    @model_validator(mode="after")
    def _something_to_train(self):
        if not self.algorithms and not self.design_models:
            raise ValueError("algorithms: give at least one algorithm (or set design_models: true)")
        return self

    @model_validator(mode="after")
    def _batch_fits(self):
        if self.train_images is not None and self.batch_size > self.train_images:
            raise ValueError(f"batch_size {self.batch_size} exceeds train_images {self.train_images}")
        return self
