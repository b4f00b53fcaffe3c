"""Architecture / design point (`kind: design`): the hardware units and their organisation.

`Design` is a union discriminated on `type`: `McaDesign` (PCM computational memory) and
`DigitalDesign` (MAC array + SRAM). Each accepts only its own fields and update rules, so an
invalid combination (an MCA with dense SGD, a digital design with crossbar settings) is an error
naming the key and what is allowed.

Built-in designs live in archsim/hardware/designs/*.yaml (mca, digital32, digital_mp); a workload
names one as `base` and overrides any field, e.g. `overrides: {tile: {adcs_per_array: 128}}`.
Every knob moves time, energy or area; what each one moves is tested by
tests/estimator/test_sensitivity.py.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, PositiveFloat, PositiveInt, TypeAdapter, field_validator

from archsim.config.base import Strict, Version
from archsim.config.errors import ConfigError
from archsim.config.loader import read_yaml, validate
from archsim.resources import design_dir

BUILTIN_DIR = design_dir()
# physical bounds of a design's units (far beyond any real design; beyond them an estimate is meaningless)
MAX_UNITS = 65536        # rows, columns, ADCs per array, banks, word widths
MAX_LANES = 2 ** 20      # parallel lanes, write heads, arrays
MAX_NS = 1e9             # any single step: at most 1 s
Clock = Annotated[float, Field(ge=1e-6, le=100.0)]  # GHz (1 kHz … 100 GHz)

#: Element-wise op kinds of the digital unit (trace VectorOps and the post-ops of MVMs).
VECTOR_KINDS = ("activation", "derivative", "output_error", "quantize", "scale", "pool", "batchnorm",
                "residual_add", "partial_sum")

Capacity = Union[Annotated[float, Field(gt=0, le=1e9)], Literal["fit"]]
CAPACITY_HELP = ("stated capacity in KB: sets access energy and leakage, and what does not fit goes to DRAM; "
                 "'fit' = exactly the workload's working set (the reference table's all-on-chip assumption)")


# -- units shared by both design types ------------------------------------------------------------
class Sram(Strict):
    """An on-chip SRAM: `capacity_kb` in `banks` banks of `width_bits` words; each bank serves one
    access per cycle (a read and a write with 2 ports)."""

    capacity_kb: Capacity = Field(256.0, description=CAPACITY_HELP)
    banks: PositiveInt = Field(1, le=MAX_UNITS, description="independent banks: accesses per cycle (time)")
    width_bits: PositiveInt = Field(64, le=MAX_UNITS, description="word width: bits per access (time, energy per access)")
    ports: Literal[1, 2] = Field(1, description="2 = a read and a write in the same cycle (time)")
    clock_ghz: Clock = Field(1.0, description="access clock (time)")


class DigitalUnit(Strict):
    """Vector unit for activations, derivatives, errors, quantisation, pooling, partial sums."""

    lanes: PositiveInt = Field(4, le=MAX_LANES, description="element-wise lanes (time; leakage per lane)")
    data_bits: PositiveInt = Field(16, le=64, description="datapath width (energy per op)")
    clock_ghz: Clock = Field(1.0, description="clock (time)")
    cycles_per_op: dict[str, Annotated[float, Field(gt=0, le=1e6)]] = Field(
        default_factory=dict,
        description="cycles per element per lane for each op kind (time); kinds not listed take 1 cycle. "
                    f"Kinds: {', '.join(VECTOR_KINDS)}")

    @field_validator("cycles_per_op")
    @classmethod
    def _known_kinds(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(VECTOR_KINDS))
        if unknown:
            raise ValueError(f"unknown op kind(s) {', '.join(unknown)}; allowed: {', '.join(VECTOR_KINDS)}")
        return v

    def cycles(self, kind: str) -> float:
        return self.cycles_per_op.get(kind, 1.0)


class ChiUnit(Strict):
    """χ accumulator: for each non-zero outer-product entry read χ, add, compare to ε, write χ."""

    lanes: PositiveInt = Field(1, le=MAX_LANES, description="entries accumulated per cycle (time; leakage per lane)")
    chi_bits: PositiveInt = Field(32, le=64, description="χ word width (χ memory size, energy per access)")
    clock_ghz: Clock = Field(1.0, description="clock (time)")


class Bus(Strict):
    """On-chip bus between tiles, SRAMs and digital units."""

    width_bits: PositiveInt = Field(64, le=MAX_UNITS, description="bits per cycle (time)")
    clock_ghz: Clock = Field(1.0, description="clock (time)")


class Dram(Strict):
    """Off-chip DRAM behind the on-chip buffers: holds what does not fit in them. Energy per bit is
    the tech file's `dram_access_bit`; background power is not modelled."""

    enabled: bool = Field(True, description="false: every working set must fit on chip, else an error names "
                                            "the buffer that is too small")
    bandwidth_gb_s: PositiveFloat = Field(25.6, le=1e6, description="sustained bandwidth, GB/s (time); 25.6 = one "
                                                            "LPDDR4-3200 x64 channel")
    burst_bytes: PositiveInt = Field(64, le=MAX_UNITS, description="smallest transfer: a sparse access moves a whole burst "
                                                     "(energy and time of sparse χ updates in DRAM)")


class Programming(Strict):
    """PCM programming circuit: parallel write heads issuing SET/RESET pulses and verify reads; the
    weight update, refresh and (shared mapping) reprogramming all share these heads."""

    write_heads: PositiveInt = Field(1, le=MAX_LANES, description="pulses issued in parallel (time)")
    set_pulse_ns: PositiveFloat = Field(50.0, le=MAX_NS, description="SET pulse width (time)")
    reset_pulse_ns: PositiveFloat = Field(50.0, le=MAX_NS, description="RESET pulse width (time)")
    verify_read_ns: PositiveFloat = Field(100.0, le=MAX_NS, description="one verify / refresh-check read (time)")
    overlap_with_digital: bool = Field(True, description="update pulses of a layer run while the χ unit works "
                                                         "on the next layer (time)")


# -- MCA-only units --------------------------------------------------------------------------------
class Crossbar(Strict):
    """PCM crossbar arrays holding the weights as differential pairs W = β·(G⁺ − G⁻). Every mapping
    tiles a layer's (fan-in + bias) × outputs matrix onto rows × cols arrays (config/tiling.py)."""

    rows: PositiveInt = Field(256, le=MAX_UNITS, description="word lines per array (row tiles → partial sums)")
    cols: PositiveInt = Field(256, le=MAX_UNITS, description="weight columns (unit cells) per array, each cell holding "
                                               "devices_per_weight devices")
    devices_per_weight: Literal[1, 2, 4, 6, 8] = Field(
        2, description="devices in a weight's unit cell: 2 = differential pair, 1 = device + reference, 2N = N "
                       "devices per sign whose currents add (multi-device synapse, Boybat et al., Nat. Commun. 2018; "
                       "the functional crossbars pulse one pair per update, round robin; with epsilon_rule he the same "
                       "weights read √N more current, so scale functional.adc_range_*_us by √N) (read energy, devices)")
    mapping: Literal["per_layer", "shared", "tiled"] = Field(
        "per_layer", description="per_layer: dedicated arrays for every layer, tiled to rows × cols; shared: "
                                 "`shared_arrays` arrays time-multiplexed over the layers, reprogrammed when a "
                                 "layer is not resident (inference only); tiled: old name of per_layer")
    shared_arrays: PositiveInt | None = Field(None, le=MAX_LANES, description="shared mapping: arrays on chip")
    program_target_bits: PositiveInt = Field(
        8, le=32, description="shared mapping: bits per weight fetched to reprogram a tile (DRAM traffic)")

    @field_validator("shared_arrays")
    @classmethod
    def _shared_needs_count(cls, v, info):
        mapping = info.data.get("mapping")
        if mapping == "shared" and v is None:
            raise ValueError("mapping: shared needs shared_arrays (the number of arrays on chip)")
        if mapping != "shared" and v is not None:
            raise ValueError(f"shared_arrays is used only with mapping: shared (got mapping: {mapping})")
        return v

    @property
    def dedicated(self) -> bool:
        return self.mapping in ("per_layer", "tiled")


class Tile(Strict):
    """Computational-memory tile periphery: input DACs, integration, column ADCs."""

    input_encoding: Literal["pwm", "bit_serial"] = Field(
        "pwm", description="pwm: one read whose pulse width encodes the input in 2^dac_bits steps; bit_serial: "
                           "dac_bits reads of one input bit each, every one converted and shift-added")
    dac_bits: PositiveInt = Field(8, le=16, description="input resolution (read time and energy)")
    pwm_step_ns: PositiveFloat = Field(0.5, le=MAX_NS, description="pwm: one pulse-width step; a read integrates for "
                                                        "2^dac_bits steps (8 bits → 128 ns, HERMES core)")
    bit_pulse_ns: PositiveFloat = Field(10.0, le=MAX_NS, description="bit_serial: read pulse (integration) of one bit")
    adc_bits: PositiveInt = Field(8, le=16, description="ADC resolution (conversion energy and time)")
    adcs_per_array: PositiveInt = Field(256, le=MAX_UNITS, description="ADCs per array, ≤ crossbar.cols; fewer ADCs than "
                                                         "output lines multiplex them (time, leakage, area)")
    adc_conversion_ns: PositiveFloat = Field(5.0, le=MAX_NS, description="time per conversion at 8 bits (SAR: ∝ adc_bits)")
    adc_power_gating: bool = Field(True, description="ADCs leak only while converting (power-gated between "
                                                     "conversions, as SAR ADCs in measured CIM tiles); false: "
                                                     "the survey model's static power all the time")

    @property
    def read_window_ns(self) -> float:
        """Integration window of one read: PWM 2^bits steps; bit-serial one bit pulse."""
        return 2 ** self.dac_bits * self.pwm_step_ns if self.input_encoding == "pwm" else self.bit_pulse_ns

    @property
    def reads_per_mvm(self) -> int:
        """Crossbar reads (integrations + conversions) per MVM: 1 for PWM, dac_bits for bit-serial."""
        return 1 if self.input_encoding == "pwm" else self.dac_bits


class MacArray(Strict):
    """Digital MAC array of rows × cols processing elements (digital designs). A layer is mapped onto
    it per its dataflow (hardware/mapping.py); a layer smaller than the array leaves PEs idle."""

    rows: PositiveInt = Field(8, le=MAX_UNITS, description="PE rows: output positions (output_stationary) or fan-in "
                                             "(weight_stationary) in parallel (time; leakage per PE)")
    cols: PositiveInt = Field(32, le=MAX_UNITS, description="PE columns: output channels in parallel (time; leakage per PE)")
    acc_bits: PositiveInt = Field(32, le=64, description="accumulator / partial-sum width (energy)")
    clock_ghz: Clock = Field(1.0, description="clock (time)")

    @property
    def pes(self) -> int:
        return self.rows * self.cols


# -- the two design types --------------------------------------------------------------------------
class Design(Strict):
    """Fields every design has. `Design.model_validate(data)` returns an McaDesign or a
    DigitalDesign, chosen by `type`."""

    kind: Literal["design"] = "design"
    version: Version = 1
    name: str
    description: str = ""
    act_bits: PositiveInt = Field(8, le=32, description="activation / error precision in SRAM and on the bus")
    digital_unit: DigitalUnit = DigitalUnit()
    activation_sram: Sram = Sram(capacity_kb=256.0, banks=1, width_bits=32, ports=2)
    bus: Bus = Bus()
    dram: Dram = Dram()

    TYPES: ClassVar[tuple[str, ...]] = ("mca", "digital")

    @classmethod
    def model_validate(cls, obj: Any, *args, **kwargs):  # type: ignore[override]
        if cls is not Design:
            return super().model_validate(obj, *args, **kwargs)
        if not isinstance(obj, dict) or obj.get("type") not in cls.TYPES:
            _TypeTag.model_validate(obj if isinstance(obj, dict) else {"type": obj})
        return _DESIGN.validate_python(obj, *args, **kwargs)


class _TypeTag(Strict):
    """Only the `type` of a design: a missing or unknown type is reported at key `type`."""

    model_config = {**Strict.model_config, "extra": "ignore"}
    type: Literal["mca", "digital"]


class McaDesign(Design):
    """Mixed-precision computational memory: PCM crossbars for both MVM directions, a digital unit, a χ
    accumulator in high-precision memory and single-shot SET programming."""

    type: Literal["mca"]
    update: Literal["chi_threshold"] = Field(
        "chi_threshold", description="the MCA always accumulates η·δ·xᵀ in χ and pulses where |χ| ≥ ε")
    update_quant_bits: PositiveInt = Field(3, le=32, description="bits of x and δ in the outer product (energy)")
    crossbar: Crossbar = Crossbar()
    tile: Tile = Tile()
    chi_unit: ChiUnit = ChiUnit()
    chi_sram: Sram = Sram(capacity_kb=1024.0, banks=1, width_bits=32)
    programming: Programming = Programming()

    @field_validator("tile")
    @classmethod
    def _adcs_fit_columns(cls, tile: Tile, info) -> Tile:
        xbar = info.data.get("crossbar")
        if xbar is not None and tile.adcs_per_array > xbar.cols:
            raise ValueError(f"adcs_per_array ({tile.adcs_per_array}) exceeds crossbar.cols ({xbar.cols}); "
                             f"allowed: 1 to {xbar.cols} ADCs per array (an ADC serves at least one column)")
        return tile


class DigitalDesign(Design):
    """A digital accelerator: weights in SRAM (and DRAM when they do not fit) feeding a MAC array with
    an explicit dataflow; dense SGD or the MCA's χ-threshold update on digital weights."""

    type: Literal["digital"]
    update: Literal["dense_sgd", "chi_threshold"] = Field(
        description="dense_sgd: every weight updated every batch; chi_threshold: χ accumulation, a weight "
                    "changes by one LSB where |χ| ≥ ε")
    dataflow: Literal["weight_stationary", "output_stationary"] = Field(
        "output_stationary", description="weight_stationary: weights stay in the PEs while every position and "
                                         "image of the batch streams through (weight reuse; partial sums go "
                                         "to SRAM); output_stationary: outputs accumulate in the PEs, weights "
                                         "re-read once per tile of rows positions")
    weight_bits: PositiveInt = Field(32, le=64, description="stored weight precision (memory, energy)")
    zero_skipping: bool = Field(False, description="gate weight reads and MACs of inputs that are exactly 0 at "
                                                   "≤ 8 bits (energy, not cycles)")
    mac_array: MacArray = MacArray()
    weight_sram: Sram = Sram(capacity_kb=1024.0, banks=4, width_bits=256)
    update_quant_bits: PositiveInt | None = Field(None, le=32, description="chi_threshold: bits of x and δ "
                                                                           "in the outer product (default 3)")
    chi_unit: ChiUnit | None = Field(None, description="chi_threshold only (default ChiUnit())")
    chi_sram: Sram | None = Field(None, description="chi_threshold only (default 1 MB, 1 bank, 32 bits)")

    @field_validator("update_quant_bits", "chi_unit", "chi_sram")
    @classmethod
    def _chi_fields_need_chi_update(cls, v, info):
        rule = info.data.get("update")
        if rule == "chi_threshold":
            if v is None:
                return {"update_quant_bits": 3, "chi_unit": ChiUnit(),
                        "chi_sram": Sram(capacity_kb=1024.0, banks=1, width_bits=32)}[info.field_name]
        elif v is not None:
            raise ValueError(f"only used with update: chi_threshold (this design has update: {rule})")
        return v


_DESIGN = TypeAdapter(Annotated[Union[McaDesign, DigitalDesign], Field(discriminator="type")])


# -- loading ---------------------------------------------------------------------------------------
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
                 workload_file: str | Path | None = None, key: str = "designs") -> McaDesign | DigitalDesign:
    """A validated design: base data + overrides; errors name the workload key that caused them."""
    data, path = base_design_data(base, workload_file)
    if overrides:
        data = deep_merge(data, overrides)
    if name:
        data["name"] = name
    file = workload_file if overrides else path
    prefix = f"{key}.overrides" if overrides else ""
    return validate(Design, data, file, prefix=prefix)
