"""Workload YAML (`kind: workload`): network, mode, designs to compare, trace source, references."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PositiveInt, field_validator

from archsim.config.base import PathText, Strict, Version
from archsim.config.functional import FunctionalConfig
from archsim.config.inference import InferenceStudyConfig
from archsim.config.network import Network

Stage = Literal["forward", "backward", "update", "total"]


class DesignRef(Strict):
    """A design point: a built-in design (`base`) with field-by-field `overrides`."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    base: PathText = Field(description="built-in design name or path to a design YAML (relative to the workload)")
    overrides: dict[str, Any] = {}


class AnalyticalUpdate(Strict):
    """Stated per-image sparsity of the weight update (used when no functional run measures it)."""

    x_nonzero_fraction: float = Field(0.5, gt=0, le=1, description="non-zero quantised inputs / rows, per position")
    d_nonzero_fraction: float = Field(0.02, gt=0, le=1, description="non-zero quantised errors / cols, per position")
    set_pulses_per_image: float = Field(0.5, ge=0, le=1e9, description="device SET pulses per image, whole network")
    refresh_interval_images: PositiveInt = Field(100, le=10 ** 9)
    saturated_fraction_per_refresh: float = Field(
        1e-4, ge=0, le=1, description="fraction of pairs found saturated at each refresh")


class CrossbarStats(Strict):
    """Stated device and input statistics of the crossbar reads (a functional run may measure them)."""

    mean_conductance_us: float = Field(
        5.0, gt=0, le=100, description="mean conductance of the devices read in an MVM, µS (stated: mid-range of "
                                       "trained pairs, SPEC init 1.6 µS, refresh above 9 µS)")
    input_duty: float = Field(0.5, gt=0, le=1, description="mean share of its read window an input line is driven "
                                                           "(PWM: mean |x| / full scale; bit-serial: share of 1 bits)")
    program_iterations: float = Field(
        10.0, ge=1, description="mean program-and-verify iterations per device when a tile is reprogrammed (shared "
                                "mapping; stated, SPEC: ≤ 55); the PCM inference study measures it")


class TraceConfig(Strict):
    """Where the trace's statistics come from, and the stated ones."""

    source: Literal["analytical", "functional"] = "analytical"
    update: AnalyticalUpdate = AnalyticalUpdate()
    crossbar: CrossbarStats = CrossbarStats()
    optimizer: Literal["sgd", "momentum"] = Field(
        "sgd", description="momentum: a dense high-precision velocity read-modify-write per weight per batch in the "
                           "digital unit (a functional run sets this from its own optimizer)")
    error_zero_fraction_8bit: float = Field(
        0.0, ge=0, lt=1, description="back-propagated errors that quantise to exactly 0 at ≤ 8 bits "
                                     "(designs with zero_skipping gate their weight reads and MACs)")


class StageReference(Strict):
    """Paper values for one stage of one design (energy in nJ, latency in µs)."""

    energy_nj: float | None = Field(None, gt=0)
    latency_us: float | None = Field(None, gt=0, description="one image from start to end of the stage (of a "
                                                             "group: the time its units are busy in the stage)")
    adc_share: float | None = Field(None, gt=0, lt=1, description="total only: ADC energy / tile energy (crossbar "
                                                                  "array + line drivers + ADC)")


class DesignReference(Strict):
    """Reference values per stage, optionally per component group (e.g. 'computational_memory')."""

    forward: StageReference = StageReference()
    backward: StageReference = StageReference()
    update: StageReference = StageReference()
    total: StageReference = StageReference()
    groups: dict[str, dict[Literal["forward", "backward", "update", "total"], StageReference]] = {}


class RatioReference(Strict):
    """A headline ratio between two designs, e.g. energy of digital32 / energy of mca."""

    name: str
    metric: Literal["energy", "latency", "throughput"]
    numerator: str
    denominator: str
    paper: float = Field(gt=0)


class TextReference(Strict):
    """A figure quoted in a paper's text: a ratio of two designs' energies over some stages, or one design's
    throughput (images/s) or power (W)."""

    name: str
    metric: Literal["energy", "images_per_s", "power_w"]
    paper: float = Field(gt=0)
    numerator: str | None = Field(None, description="energy: the design on top of the ratio")
    denominator: str | None = Field(None, description="energy: the design below")
    design: str | None = Field(None, description="images_per_s, power_w: the design")
    stages: list[Literal["forward", "backward", "update", "total"]] = Field(["total"], min_length=1)

    @field_validator("design")
    @classmethod
    def _which(cls, v, info):
        metric = info.data.get("metric")
        if metric == "energy" and (info.data.get("numerator") is None or info.data.get("denominator") is None):
            raise ValueError("metric: energy needs numerator and denominator (design names)")
        if metric in ("images_per_s", "power_w") and v is None:
            raise ValueError(f"metric: {metric} needs design")
        return v


class FactorReference(Strict):
    """A fitted parameter that is not in the tech file (a workload statistic or a design field): where it
    lives and the reference cell it was fitted to. The tech file's `calibration:` lists the others."""

    parameter: str = Field(pattern=r"^(workload:[\w.]+|design:[\w.-]+:[\w.]+)$",
                           description="'workload:<dotted path>' or 'design:<design name>:<dotted path>'")
    fitted_to: str = Field(description="cell id: design.stage.metric or design.group.stage.metric")
    bracket: tuple[float, float] = Field(description="search interval of the fit (benchmarks/calibrate_table1.py)")
    explains: str = Field(min_length=10, description="why this parameter is fitted rather than stated or measured")


class Reference(Strict):
    """Published numbers to validate against (`archsim validate`); `factors` lists the workload's and designs'
    fitted parameters (the tech file lists its own)."""

    case: str = Field("table1", pattern=r"^[a-z][a-z0-9_]*$", description="validation case of these cells "
                                                                         "(table1, hermes, core64, ...)")
    source: str
    designs: dict[str, DesignReference] = {}
    ratios: list[RatioReference] = []
    text: list[TextReference] = Field([], description="figures quoted in the paper's text (case 'text')")
    factors: dict[str, FactorReference] = {}
    notes: dict[str, str] = Field({}, description="cell id → why the model differs there")


class Workload(Strict):
    """One estimator job: a network run in `mode` on each design in `designs`."""

    kind: Literal["workload"]
    version: Version
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    tech: PathText = Field("14lpp", description="built-in technology name (e.g. 14lpp) or a YAML relative to this file")
    network: Network
    mode: Literal["train", "infer"]
    batch_size: PositiveInt = Field(1, le=65536, description="images per batch: weights are reused across a batch and "
                                                   "training updates (programs) once per batch")
    stream_batches: PositiveInt | None = Field(
        None, le=64, description="batches simulated back to back: single-image latency from the first, steady-state "
                                 "throughput from their completions. Default: 3 for inference; 1 for training, whose "
                                 "batches cannot overlap (each needs the weights the previous one updated)")

    @property
    def batches_to_simulate(self) -> int:
        return self.stream_batches or (1 if self.mode == "train" else 3)
    designs: list[PathText | DesignRef] = ["mca", "digital32", "digital_mp"]
    trace: TraceConfig = TraceConfig()
    functional: FunctionalConfig | None = None
    inference: InferenceStudyConfig | None = None
    reference: Reference | None = None

    @field_validator("designs")
    @classmethod
    def _unique(cls, v):
        names = [d if isinstance(d, str) else d.name for d in v]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"design names must be unique; repeated: {', '.join(sorted(dup))}")
        if not names:
            raise ValueError("at least one design is needed")
        return v


def resolve(base_file: str | Path, relative: str) -> Path:
    """Resolve a path written in a YAML relative to that YAML's folder."""
    p = Path(relative).expanduser()
    return p if p.is_absolute() else (Path(base_file).parent / p).resolve()
