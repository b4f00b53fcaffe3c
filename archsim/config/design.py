"""Architecture / design point (`kind: design`): the hardware units and their organisation.

Built-in designs live in archsim/hardware/designs/*.yaml (mca, digital32, digital_mp); a workload
names one as `base` and overrides any field, e.g. `overrides: {tile: {adcs_per_array: 128}}`.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PositiveFloat, PositiveInt

from archsim.config.base import Strict, Version
from archsim.config.errors import ConfigError
from archsim.config.loader import read_yaml, validate
from archsim.resources import design_dir

BUILTIN_DIR = design_dir()
# physical bounds of a design's units (far beyond any real design; beyond them an estimate is meaningless)
MAX_UNITS = 65536        # rows, columns, ADCs per array, banks, word widths
MAX_LANES = 2 ** 20      # parallel lanes, write heads
MAX_NS = 1e9             # any single step: at most 1 s
Clock = Annotated[float, Field(ge=1e-6, le=100.0, description="GHz (1 kHz … 100 GHz)")]


class Crossbar(Strict):
    """PCM crossbar arrays holding the weights as differential pairs W = β·(G⁺ − G⁻)."""

    rows: PositiveInt = Field(256, le=MAX_UNITS, description="rows per array (used when mapping = tiled)")
    cols: PositiveInt = Field(256, le=MAX_UNITS, description="device columns per array (used when mapping = tiled)")
    devices_per_weight: Literal[1, 2] = Field(2, description="2 = differential pair, 1 = device + reference")
    mapping: Literal["per_layer", "tiled"] = Field(
        "per_layer", description="per_layer: one array set sized to each layer; tiled: rows×cols arrays")


class Tile(Strict):
    """Computational-memory tile periphery: PWM DACs, integration, ADCs."""

    dac_bits: PositiveInt = Field(8, le=16)
    adc_bits: PositiveInt = Field(8, le=16)
    adcs_per_array: PositiveInt = Field(256, le=MAX_UNITS, description="ADCs shared by the output lines of one array")
    integration_ns: PositiveFloat = Field(128.0, le=MAX_NS, description="MVM integration time (8-bit PWM at 2 GHz ≈ 128 ns)")
    adc_conversion_ns: PositiveFloat = Field(5.0, le=MAX_NS, description="time per conversion at adc_bits")


class Sram(Strict):
    """An SRAM: banks × width; each bank serves one access per cycle (single port)."""

    banks: PositiveInt = Field(1, le=MAX_UNITS)
    width_bits: PositiveInt = Field(64, le=MAX_UNITS)
    ports: Literal[1, 2] = Field(1, description="2 = a read and a write in the same cycle")
    clock_ghz: Clock = 1.0


class MacArray(Strict):
    """Digital multiply-accumulate array (digital designs)."""

    lanes: PositiveInt = Field(32, le=MAX_LANES)
    weight_bits: PositiveInt = Field(32, le=64)
    act_bits: PositiveInt = Field(32, le=64)
    acc_bits: PositiveInt = Field(32, le=64)
    clock_ghz: Clock = 1.0


class DigitalUnit(Strict):
    """Vector unit for activations, derivatives, errors, quantisation, pooling, partial sums."""

    lanes: PositiveInt = Field(4, le=MAX_LANES)
    data_bits: PositiveInt = Field(16, le=64)
    clock_ghz: Clock = 1.0
    cycles_per_op: dict[str, Annotated[float, Field(gt=0, le=1e6)]] = Field(
        default_factory=lambda: {"activation": 1.0, "derivative": 1.0, "output_error": 1.0, "quantize": 1.0,
                                 "scale": 1.0, "pool": 1.0, "batchnorm": 1.0, "residual_add": 1.0,
                                 "partial_sum": 1.0},
        description="cycles per element per lane for each vector-op kind")


class ChiUnit(Strict):
    """χ accumulator: for each non-zero outer-product entry read χ, add, compare to ε, write χ."""

    lanes: PositiveInt = Field(1, le=MAX_LANES)
    chi_bits: PositiveInt = Field(32, le=64)
    clock_ghz: Clock = 1.0


class Programming(Strict):
    """PCM programming circuit: parallel write heads issuing SET/RESET pulses."""

    write_heads: PositiveInt = Field(1, le=MAX_LANES)
    set_pulse_ns: PositiveFloat = Field(50.0, le=MAX_NS)
    reset_pulse_ns: PositiveFloat = Field(50.0, le=MAX_NS)
    verify_read_ns: PositiveFloat = Field(100.0, le=MAX_NS)
    overlap_with_digital: bool = Field(True, description="pulses run in parallel with the χ unit")


class Bus(Strict):
    """On-chip bus between tiles, SRAMs and digital units."""

    width_bits: PositiveInt = Field(64, le=MAX_UNITS)
    clock_ghz: Clock = 1.0


class Design(Strict):
    """A complete design point. `type` selects how trace steps execute (mca or digital)."""

    kind: Literal["design"] = "design"
    version: Version = 1
    name: str
    type: Literal["mca", "digital"]
    description: str = ""
    update: Literal["chi_threshold", "dense_sgd"] = Field(
        description="chi_threshold: χ accumulation with ε threshold; dense_sgd: every weight every image")
    update_quant_bits: PositiveInt = Field(3, le=32, description="bits of x and δ in the outer product")
    weight_bits: PositiveInt = Field(32, le=64, description="stored weight precision (digital designs)")
    act_bits: PositiveInt = Field(8, le=32, description="activation / error precision in SRAM")
    zero_skipping: bool = Field(False, description="digital: gate weight reads and MACs of zero inputs "
                                                   "(saves energy, not cycles)")
    crossbar: Crossbar = Crossbar()
    tile: Tile = Tile()
    mac_array: MacArray = MacArray()
    digital_unit: DigitalUnit = DigitalUnit()
    chi_unit: ChiUnit = ChiUnit()
    weight_sram: Sram = Sram(banks=4, width_bits=256)
    activation_sram: Sram = Sram()
    chi_sram: Sram = Sram()
    activation_sram_kb: PositiveFloat = Field(8.0, le=1e7, description="activation buffer size, KB (at most 10 GB)")
    programming: Programming = Programming()
    bus: Bus = Bus()


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def deep_merge(base: dict, overrides: dict) -> dict:
    """Nested dict merge; dotted keys ('tile.adc_bits') are expanded first."""
    out = deepcopy(base)
    for key, value in overrides.items():
        parts = str(key).split(".")
        target = out
        for p in parts[:-1]:
            if not isinstance(target.get(p), dict):
                target[p] = {}
            target = target[p]
        last = parts[-1]
        if isinstance(value, dict) and isinstance(target.get(last), dict):
            target[last] = deep_merge(target[last], value)
        else:
            target[last] = deepcopy(value)
    return out


def base_design_data(base: str, relative_to: str | Path | None = None) -> tuple[dict[str, Any], Path]:
    """Raw YAML data of a built-in design name or a design YAML path."""
    if base in builtin_names():
        path = BUILTIN_DIR / f"{base}.yaml"
    else:
        path = Path(base)
        if not path.is_absolute() and relative_to is not None:
            path = Path(relative_to).parent / path
        if not path.is_file():
            raise ConfigError(relative_to, f"design '{base}' is neither a built-in design "
                                           f"({', '.join(builtin_names())}) nor an existing design YAML file")
    return read_yaml(path), path


def build_design(base: str, name: str | None = None, overrides: dict | None = None,
                 workload_file: str | Path | None = None, key: str = "designs") -> Design:
    """A validated Design: base data + overrides; errors name the workload key that caused them."""
    data, path = base_design_data(base, workload_file)
    if overrides:
        data = deep_merge(data, overrides)
    if name:
        data["name"] = name
    file = workload_file if overrides else path
    prefix = f"{key}.overrides" if overrides else ""
    return validate(Design, data, file, prefix=prefix)
