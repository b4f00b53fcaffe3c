"""The component models a spec may name: each wraps one hwcomponents class and speaks archsim units.

A model here holds (1) a Strict parameter schema in archsim units (KB, bits, GS/s, ns, nm), which a
spec's `params:` are validated against without importing hwcomponents, (2) how those parameters become
the hwcomponents class's arguments (metres, bits, Hz, seconds), (3) which actions it prices and (4) the
node range in which the package evaluates the model itself, outside of which the package scales it
(the build measures that scaling and writes it down). The hwcomponents packages are imported only
when a model is evaluated, so this module loads on any interpreter.

`plugin` runs any hwcomponents ComponentModel subclass (`plugin_class: package.module:Class`) with its
own arguments, which is how a user adds a component model of their own.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import math
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, model_validator

from archsim.config.base import Strict

PLUGIN = "plugin"
J_TO_PJ, S_TO_NS, W_TO_MW, M2_TO_UM2 = 1e12, 1e9, 1e3, 1e12


# -- parameter schemas (archsim units) ---------------------------------------------------------------
class _Node(Strict):
    tech_node_nm: PositiveFloat | None = Field(None, description="override the spec's node_nm for this entry")


class SramParams(_Node):
    size_kb: PositiveFloat = Field(description="total capacity of the macro, KB (all banks)")
    width_bits: PositiveInt = Field(description="bits per access (one read or write)")
    banks: PositiveInt = Field(1, description="banks the capacity is split into")
    ports: PositiveInt = Field(1, description="read/write ports")


class DramParams(Strict):
    type: Literal["LPDDR4", "LPDDR", "DDR3", "HBM2", "HBM3", "HBM4"]
    width_bits: PositiveInt = Field(64, description="bits per access (LPDDR/DDR ≤ 64, HBM ≥ 1024)")


class AdcParams(_Node):
    bits: PositiveInt = Field(ge=4, le=16, description="resolution (the survey fit uses it as ENOB), ≥ 4")
    rate_gsps: PositiveFloat = Field(description="conversion rate of one ADC, GS/s (1 / conversion time)")


class WidthParams(_Node):
    width_bits: PositiveInt = Field(le=1024, description="operand width, bits")


class MultiplierParams(_Node):
    width_a_bits: PositiveInt = Field(le=128)
    width_b_bits: PositiveInt = Field(le=128)


class WireParams(Strict):
    length_mm: PositiveFloat = Field(description="wire length, mm")
    capacitance_ff_per_mm: PositiveFloat = Field(200.0, description="wire capacitance, fF/mm (package default)")
    voltage_v: PositiveFloat = Field(0.7, description="signal swing, V (package default)")


class ArrayParams(_Node):
    """A crossbar array read by NeuroSim: PWM row inputs over an integration window."""

    rows: int = Field(ge=8, le=4096)
    cols: int = Field(ge=8, le=4096, description="device columns")
    cols_active_at_once: PositiveInt | None = Field(None, description="columns read in parallel (default: all)")
    cell: str = Field(description="name of a cell under the spec's `cells:`")
    dac_bits: PositiveInt = Field(8, le=16, description="PWM input resolution: 2^bits − 1 unit pulses")
    integration_ns: PositiveFloat = Field(description="full-scale PWM read window, ns")
    average_input_value: float = Field(1.0, ge=0, le=1, description="mean input as a fraction of full scale")
    average_cell_value: float = Field(1.0, ge=0, le=1,
                                      description="mean cell state: 0 = r_off, 1 = r_on (NeuroSim interpolates)")
    clock_ghz: PositiveFloat = 1.0

    @model_validator(mode="after")
    def _cols(self) -> "ArrayParams":
        if self.cols_active_at_once is not None and self.cols_active_at_once > self.cols:
            raise ValueError(f"cols_active_at_once ({self.cols_active_at_once}) exceeds cols ({self.cols})")
        return self


class ArrayAdcParams(ArrayParams):
    adc_bits: PositiveInt = Field(le=12, description="NeuroSim's column ADC resolution")


class PulseParams(Strict):
    """A programming pulse: current, voltage across cell + access device, width."""

    current_ua: PositiveFloat = Field(description="pulse current, µA")
    voltage_v: PositiveFloat = Field(description="voltage across cell and access device during the pulse, V")
    pulse_ns: PositiveFloat = Field(description="pulse width, ns")


class PluginParams(BaseModel):
    """Arguments passed unchanged to a plug-in class (its own units); `tech_node` (m) is filled from node_nm."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _values(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("params must be a mapping of argument → value")
        for k, v in data.items():
            ok = isinstance(v, (bool, str)) or (isinstance(v, (int, float)) and math.isfinite(v))
            if not ok:
                raise ValueError(f"{k}: must be a finite number, a string or a boolean (got {v!r})")
        return data


def plugin_params_model() -> type[BaseModel]:
    return PluginParams


# -- models ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Model:
    """One named model: an hwcomponents class, its parameter schema and how to call it."""

    name: str
    cls: str                          # "package:Class" (a callable `make` may pick the class)
    distribution: str                 # pip name whose version is recorded
    cites: str
    Params: type[BaseModel]
    actions: tuple[str, ...]
    make: Callable[[Any, float, dict], Any]    # (params, node_nm, context) → initialised model
    native_nodes_nm: tuple[float, float] | None = None
    scaling_rule: str = ""
    latency: bool = True              # whether the package's latency is meaningful here
    area_is: str = "one instance"
    notes: str = ""
    extra: Callable[[Any, Any], dict] | None = None
    node_param: bool = True           # evaluated at a technology node at all


def import_class(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _m(nm: float) -> float:
    return nm * 1e-9


def _sram(p: SramParams, node: float, ctx: dict):
    SRAM = import_class("hwcomponents_cacti:SRAM")
    return SRAM(tech_node=_m(node), width=p.width_bits, size=round(p.size_kb * 1024 * 8),
                n_rw_ports=p.ports, n_banks=p.banks)


def _dram(p: DramParams, node: float, ctx: dict):
    return import_class(f"hwcomponents_cacti:{p.type}")(width=p.width_bits)


def _adc(p: AdcParams, node: float, ctx: dict):
    ADC = import_class("hwcomponents_adc:ADC")
    return ADC(n_bits=p.bits, tech_node=_m(node), throughput=p.rate_gsps * 1e9, n_adcs=1)


def _library(cls: str, **kw):
    def make(p, node: float, ctx: dict):
        args = {k: getattr(p, v) for k, v in kw.items()}
        return import_class(cls)(tech_node=_m(node), **args)
    return make


def _wire(p: WireParams, node: float, ctx: dict):
    Wire = import_class("hwcomponents_library:Wire")
    return Wire(length=p.length_mm * 1e-3, tech_node=_m(node), capacitance_per_m=p.capacitance_ff_per_mm * 1e-12,
                voltage=p.voltage_v)


def cell_file(cell, directory: Path | None = None) -> Path:
    """Write `cell` as an NVSim cell file (the format NeuroSim's plug-in reads), named by its content."""
    text = "\n".join([
        "-MemCellType: PCM",
        f"-CellArea (F^2): {cell.area_f2}",
        f"-CellAspectRatio: {cell.aspect_ratio}",
        "-AccessType: CMOS",
        f"-AccessCMOSWidth (F): {cell.access_width_f}",
        f"-ResistanceOn (ohm): {cell.r_on_ohm}",
        f"-ResistanceOff (ohm): {cell.r_off_ohm}",
        f"-AccessTransistorResistance (ohm): {cell.access_r_ohm}",
        "-ReadMode: voltage",
        f"-ReadVoltage (V): {cell.read_voltage_v}",
        "-ResetMode: current",
        f"-ResetCurrent (uA): {cell.reset_current_ua}",
        f"-ResetPulse (ns): {cell.reset_pulse_ns}",
        "-SetMode: current",
        f"-SetCurrent (uA): {cell.set_current_ua}",
        f"-SetPulse (ns): {cell.set_pulse_ns}",
    ]) + "\n"
    directory = directory or Path(tempfile.gettempdir()) / "archsim-neurosim-cells"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.cell"
    if not path.is_file():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return path


def _neurosim(cls: str):
    def make(p: ArrayParams, node: float, ctx: dict):
        import hwcomponents_neurosim.main as ns_main

        ns_main.CACHE.clear()  # its in-process cache is keyed without the cell file: never reuse across cells
        kw = dict(tech_node=_m(node), cycle_period=1e-9 / p.clock_ghz, rows=p.rows, cols=p.cols,
                  cols_active_at_once=p.cols_active_at_once or p.cols,
                  cell_config=str(cell_file(ctx["cells"][p.cell])),
                  average_input_value=p.average_input_value, average_cell_value=p.average_cell_value,
                  read_pulse_width=p.integration_ns * 1e-9 / (2 ** p.dac_bits - 1),
                  temporal_dac_bits=p.dac_bits, temporal_spiking=False, voltage_dac_bits=1)
        if isinstance(p, ArrayAdcParams):
            kw["adc_resolution"] = p.adc_bits
        return import_class(cls)(**kw)
    return make


def _pulse(p: PulseParams, node: float, ctx: dict):
    return import_class("archsim.techbuild.plugins:PcmPulse")(current_ua=p.current_ua, voltage_v=p.voltage_v,
                                                               pulse_ns=p.pulse_ns)


def _dram_extra(inst, p: DramParams) -> dict:
    return {"energy_pj_per_bit": inst.read().energy * J_TO_PJ / p.width_bits}


CACTI_CITE = ("CACTI 7 (Balasubramonian et al., ACM TACO 2017) through hwcomponents-cacti; "
              "energy per access of width_bits")
CACTI_RULE = ("hwcomponents-cacti runs CACTI at 22-90 nm; below 22 nm it evaluates 22 nm and scales energy by "
              "(node/22)^0.5, leakage by (node/22)^0.5 x 0.79 (FinFET), area and latency by node/22 "
              "(IRDS 2022; Parvais et al. 2009)")
LIB_RULE = ("the model's own scale(): hwcomponents.scaling.tech_node_energy / _leak / _area / _latency "
            "(Stillmaker & Baas, Integration 2017) from its native 40 nm")
NEUROSIM_RULE = ("none inside 7-130 nm: NeuroSim has device parameters for 7/10/14/22/32/45/65/90/130 nm and the "
                 "plug-in interpolates linearly between them")
NEUROSIM_NOTE = ("energy per action as the plug-in reports it (row drivers: one row driven for one MVM; "
                 "column drivers: one column read; cell: one cell read for the whole PWM window); latency not "
                 "recorded: the plug-in compares NeuroSim's latency in ns with the pulse width in s")

_LIB = "hwcomponents-library"
_NS = "hwcomponents-neurosim"
MODELS: dict[str, Model] = {m.name: m for m in (
    Model("cacti_sram", "hwcomponents_cacti:SRAM", "hwcomponents-cacti", CACTI_CITE, SramParams,
          ("read", "write"), _sram, (22.0, 90.0), CACTI_RULE, area_is="the whole macro (all banks)"),
    Model("cacti_dram", "hwcomponents_cacti:<type>", "hwcomponents-cacti",
          "hwcomponents-cacti DRAM classes: per-bit energy tables with the package's citations (LPDDR4: public "
          "data; DDR3: Chatterjee et al. MICRO 2017; HBM2/3/4: vendor figures); not CACTI's DRAM circuit model",
          DramParams, ("read", "write"), _dram, None, "not applicable: off-chip DRAM, per-bit energy",
          extra=_dram_extra, area_is="not modelled (0)", node_param=False,
          notes="latency_ns is the package's 1 / throughput of one access, not a row-access latency"),
    Model("adc_survey", "hwcomponents_adc:ADC", "hwcomponents-adc",
          "ADC model fitted to the Murmann ADC survey (Andrulis et al., arXiv:2404.06553), per conversion "
          "(the package books 20 % of the energy as leakage at the given rate)",
          AdcParams, ("convert",), _adc, None, "none: the survey fit takes the node as an input"),
    Model("library_adder", "hwcomponents_library:AladdinAdder", _LIB,
          "Aladdin (Shao et al., ISCA 2014) 40 nm adder data, energy linear in width",
          WidthParams, ("add",), _library("hwcomponents_library:AladdinAdder", width="width_bits"),
          (40.0, 40.0), LIB_RULE),
    Model("library_multiplier", "hwcomponents_library:AladdinMultiplier", _LIB,
          "Aladdin (Shao et al., ISCA 2014) 40 nm 32x32 multiplier data, energy linear in each operand width",
          MultiplierParams, ("multiply",),
          _library("hwcomponents_library:AladdinMultiplier", width_a="width_a_bits", width_b="width_b_bits"),
          (40.0, 40.0), LIB_RULE),
    Model("library_comparator", "hwcomponents_library:AladdinComparator", _LIB,
          "Aladdin (Shao et al., ISCA 2014) 40 nm comparator data", WidthParams, ("compare",),
          _library("hwcomponents_library:AladdinComparator", width="width_bits"), (40.0, 40.0), LIB_RULE),
    Model("library_register", "hwcomponents_library:AladdinRegister", _LIB,
          "Aladdin (Shao et al., ISCA 2014) 40 nm register (flip-flop) data, per access of width_bits",
          WidthParams, ("read", "write"), _library("hwcomponents_library:AladdinRegister", width="width_bits"),
          (40.0, 40.0), LIB_RULE),
    Model("library_wire", "hwcomponents_library:Wire", _LIB,
          "hwcomponents-library Wire: C = length x capacitance per length, E = C V^2 per transition of one bit",
          WireParams, ("read",), _wire, None, "none: energy from capacitance and voltage only",
          latency=False, area_is="not modelled (0)", node_param=False),
    Model("neurosim_row_drivers", "hwcomponents_neurosim:RowDrivers", _NS,
          "NeuroSim V1.3 (Peng et al., IEDM 2019) as modified for CiMLoop (Andrulis et al., ISPASS 2024)",
          ArrayParams, ("read",), _neurosim("hwcomponents_neurosim:RowDrivers"), (7.0, 130.0), NEUROSIM_RULE,
          latency=False, area_is="all row drivers of the array", notes=NEUROSIM_NOTE),
    Model("neurosim_col_drivers", "hwcomponents_neurosim:ColDrivers", _NS,
          "NeuroSim V1.3 (Peng et al., IEDM 2019) as modified for CiMLoop (Andrulis et al., ISPASS 2024)",
          ArrayParams, ("read",), _neurosim("hwcomponents_neurosim:ColDrivers"), (7.0, 130.0), NEUROSIM_RULE,
          latency=False, area_is="all column drivers of the array", notes=NEUROSIM_NOTE),
    Model("neurosim_cell", "hwcomponents_neurosim:MemoryCell", _NS,
          "NeuroSim V1.3 (Peng et al., IEDM 2019) as modified for CiMLoop (Andrulis et al., ISPASS 2024)",
          ArrayParams, ("read",), _neurosim("hwcomponents_neurosim:MemoryCell"), (7.0, 130.0),
          NEUROSIM_RULE, latency=False, area_is="one cell", notes=NEUROSIM_NOTE),
    Model("neurosim_adc", "hwcomponents_neurosim:ADC", _NS,
          "NeuroSim V1.3 column ADC (multilevel sense amplifier + encoder), energy = array read with the ADC "
          "minus without it, per column conversion",
          ArrayAdcParams, ("read",), _neurosim("hwcomponents_neurosim:ADC"), (7.0, 130.0), NEUROSIM_RULE,
          latency=False, area_is="all column ADCs of the array", notes=NEUROSIM_NOTE),
    Model("pcm_pulse", "archsim.techbuild.plugins:PcmPulse", "archsim",
          "archsim's PCM pulse plug-in (archsim/techbuild/plugins.py): E = I x V x t of one SET or RESET pulse "
          "through the cell and its access device", PulseParams, ("pulse",), _pulse, None,
          "not applicable: current, voltage and width are the pulse's own", area_is="not modelled (0)",
          node_param=False),
)}


def version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def plugin_distribution(cls) -> str:
    """pip name of the distribution a plug-in class comes from, or its module when it is not installed."""
    top = cls.__module__.split(".")[0]
    names = metadata.packages_distributions().get(top)
    return names[0] if names else f"{cls.__module__} (not an installed distribution)"


def make_plugin(path: str, params: dict[str, Any], node_nm: float):
    """Initialise a plug-in ComponentModel with its own arguments (tech_node filled in metres if it takes one)."""
    from hwcomponents import ComponentModel

    cls = import_class(path)
    if not (isinstance(cls, type) and issubclass(cls, ComponentModel)):
        raise TypeError(f"{path} is not an hwcomponents ComponentModel subclass")
    kwargs = dict(params)
    if "tech_node" in inspect.signature(cls.__init__).parameters and "tech_node" not in kwargs:
        kwargs["tech_node"] = _m(node_nm)
    return cls, cls(**kwargs)
