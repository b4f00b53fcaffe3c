"""Technology YAML (`kind: tech`): per-action energy, leakage and area of every primitive.

Each primitive is a reference point (at `bits`, `macro_kb`, `voltage_v`); component models in
archsim.hardware.components scale it (see their docstrings). Every number carries a `source:`.
Time comes from the design (clocks, pulse widths, conversion times), never from the tech file, so
a finished simulation can be re-priced with another tech file (archsim.accounting.energy.reprice).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from archsim.config.base import Strict

#: Primitives every tech file must define, with what one action is.
REQUIRED_PRIMITIVES: dict[str, str] = {
    "pcm_cell_read": "read bias `voltage_v` across a PCM device: energy V²·G·t from the mapped conductance and "
                     "the time the input drives the line",
    "dac_row_drive": "one input pulse driven onto a row (or column) line",
    "adc_conversion": "one ADC conversion at `bits` resolution",
    "sram_read": "one `bits`-wide read from a `macro_kb` SRAM macro",
    "sram_write": "one `bits`-wide write to a `macro_kb` SRAM macro",
    "int_add": "one `bits`-bit integer addition",
    "int_mult": "one `bits`×`bits` integer multiplication",
    "shift": "one `bits`-bit barrel shift (scaling by a power of two)",
    "comparator": "one `bits`-bit comparison",
    "activation_function": "one non-linear activation (sigmoid/softmax term) evaluation",
    "register_access": "one `bits`-bit register-file access",
    "pcm_set_pulse": "one single-shot SET programming pulse incl. write driver",
    "pcm_reset_pulse": "one RESET pulse incl. write driver",
    "pcm_verify_read": "one single-device conductance read (program-verify, refresh check)",
    "bus_transfer_bit": "one bit moved over the on-chip bus",
    "dram_access_bit": "one bit read from or written to off-chip DRAM (interface + array)",
    "sram_leakage": "leakage of one KB of SRAM (leakage_mw per KB)",
    "logic_leakage": "leakage of one digital datapath lane (leakage_mw per lane)",
}


#: Reference parameters a primitive must state because component models scale from them.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "pcm_cell_read": ("voltage_v",), "adc_conversion": ("bits",), "sram_read": ("bits", "macro_kb"),
    "sram_write": ("bits", "macro_kb"), "int_add": ("bits",), "int_mult": ("bits",), "shift": ("bits",),
    "comparator": ("bits",), "activation_function": ("bits",), "register_access": ("bits",),
}


class Primitive(Strict):
    """One primitive action: energy per action and (optionally) latency, leakage and area."""

    energy_pj: float = Field(0.0, ge=0, description="energy per action, pJ")
    latency_ns: float | None = Field(None, ge=0, description="time per action, ns (informational: timing "
                                                               "comes from the design)")
    leakage_mw: float = Field(0.0, ge=0, description="static power, mW")
    area_um2: float | None = Field(None, ge=0)
    bits: int | None = Field(None, ge=1, le=64, description="reference bit width the numbers are quoted at")
    macro_kb: float | None = Field(None, gt=0, description="reference SRAM macro size, KB")
    voltage_v: float | None = Field(None, gt=0, description="bias voltage the primitive is quoted at, V")
    source: str = Field(min_length=3, description="citation + figure/table, a derivation, or 'calibrated: <cell>'")


class ScalingRule(Strict):
    """A dimensionless scaling exponent with its source."""

    value: float
    source: str = Field(min_length=3)


class TechScaling(Strict):
    """Exponents used by component models to scale the reference points."""

    sram_size_exponent: ScalingRule = Field(description="E_access ∝ (macro_kb)^x")
    sram_width_fraction: ScalingRule = Field(
        description="share of an SRAM access's energy that scales with word width (rest: decode, word line)")
    adc_energy_per_bit_factor: ScalingRule = Field(
        description="E_conv ∝ factor^(bits - ref_bits); interim per-bit law until the ADC component model "
                    "(issue 9) replaces it")


class Tech(Strict):
    """A technology file: one node's primitives."""

    kind: Literal["tech"]
    version: Literal[1]
    name: str
    node_nm: float = Field(gt=0)
    description: str = ""
    scaling: TechScaling
    primitives: dict[str, Primitive]

    @model_validator(mode="after")
    def _complete(self) -> "Tech":
        missing = [k for k in REQUIRED_PRIMITIVES if k not in self.primitives]
        if missing:
            raise ValueError(
                "primitives is missing: " + ", ".join(missing)
                + "; every tech file needs: " + ", ".join(REQUIRED_PRIMITIVES))
        unstated = [f"primitives.{name}.{f}" for name, fields in REQUIRED_FIELDS.items() for f in fields
                    if getattr(self.primitives[name], f) is None]
        if unstated:
            raise ValueError("component models scale from these reference values, which are missing: "
                             + ", ".join(unstated))
        return self

    def __getitem__(self, name: str) -> Primitive:
        return self.primitives[name]
