"""Computational-memory tile: PCM crossbar arrays with their line drivers, and the column ADCs."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import ActionCost, Component, action
from archsim.hardware.components.pricing import Price, Pricer


def device_power(tech: Tech, conductance_us: float, what: str = "") -> Price:
    """Energy of one PCM device conducting for one ns at `conductance_us` (pJ per device·ns).

    NeuroSim's cell read (grid `neurosim_cell`: V_read²·t through the device and its access transistor,
    Peng et al. IEDM 2019) at full input, at the cell state of that conductance (0 = r_off, 1 = r_on of
    the tech file's cell, interpolated linearly as NeuroSim does), divided by the grid's read window:
    NeuroSim's read energy is linear in the window (grid crossbar_integration), so any window, PWM or
    bit-serial, is priced exactly.
    """
    pricer = Pricer(tech)
    name, grid = tech.grids_of("neurosim_cell", {"average_input_value": 1.0})[0]
    cell = tech.cells[grid.params["cell"]]
    state = (conductance_us - cell.g_off_us) / (cell.g_on_us - cell.g_off_us)
    e = pricer.energy("neurosim_cell", "read", what or f"a device read at {conductance_us:g} uS",
                      **{**grid.params, "average_input_value": 1.0, "average_cell_value": state})
    window = float(grid.params["integration_ns"])
    return Price(e.model / window, e.factor, e.factors)


def line_drive(tech: Tech, devices_on_line: int, duty: float, what: str = "") -> Price:
    """Energy of one line driver for one read: NeuroSim's row drivers (grid `neurosim_row_drivers`) at the
    line's length in devices and the mean input it carries (PWM: the pulse-width duty; a bit-serial read
    pulses a line fully, duty 1)."""
    name, grid = tech.grids_of("neurosim_row_drivers")[0]
    return Pricer(tech).energy("neurosim_row_drivers", "read", what or f"a line of {devices_on_line} devices",
                               **{**grid.params, "cols": devices_on_line, "average_input_value": duty})


class CrossbarArrays(Component):
    """The PCM arrays of one layer (or of the shared pool), read in both directions.

    - `conduct`: one device conducting for one ns at the layer's mean conductance (device_power). The
      counts are device·ns (devices × reads × input duty × read window), so the energy follows the real
      integration window and input statistics (Le Gallo et al., Nat. Electron. 2018: 1-100 fJ per device).
    - `drive_row` / `drive_col`: one input pulse onto a row (forward: a line across cols × devices_per_weight
      devices) or a device column (backward: a line across `rows` devices), NeuroSim's line drivers at the
      op's mean input (line_drive).
    - `mac`: one analog multiply-accumulate (a count for the MAC tables; its energy is the conduction and
      conversion energy, so it costs 0 here).
    - refresh checks read whole rows with a 1-bit sense per device: `check_conduct` (as `conduct`) and
      `check_sense` (a 1-bit comparator, library).
    """

    category = "crossbar array"
    categories = {"drive_row": "DAC", "drive_col": "DAC", "check_conduct": "refresh", "check_sense": "refresh"}

    def __init__(self, tech: Tech, mean_conductance_us: float, rows: int, cols: int, devices_per_weight: int,
                 bit_serial: bool, duty_forward: float, duty_backward: float):
        p = Pricer(tech)
        conduct = device_power(tech, mean_conductance_us)
        row = line_drive(tech, cols * devices_per_weight, 1.0 if bit_serial else duty_forward)
        col = line_drive(tech, rows, 1.0 if bit_serial else duty_backward)
        sense = p.energy("library_comparator", "compare", "a refresh check's 1-bit sense", width_bits=1)
        super().__init__(prices={"conduct": conduct, "drive_row": row, "drive_col": col, "mac": 0.0,
                                 "check_conduct": conduct, "check_sense": sense})


class AdcBank(Component):
    """The column ADCs of a set of arrays: `adcs` converters of `bits` each, at one conversion per
    `conversion_ns` (SAR: one comparison per bit, so the time grows with bits).

    `convert`: the ADC survey model (hwcomponents-adc, fitted to the Murmann ADC survey; grid
    `adc_survey`) at these bits and this conversion rate (1 / conversion time), times the calibration
    factors on `adc_survey.energy` (the column readout the converter model leaves out: the integrator and
    current-to-time stage, see the tech file). Leakage and area: the same model per converter × `adcs`.
    `shift_add` (bit-serial inputs): one (adc_bits + dac_bits)-bit shift and add per conversion in the
    readout (library adder for both; Shafiee et al., ISCA 2016).
    """

    category = "ADC"
    categories = {"shift_add": "shift-add"}

    def __init__(self, tech: Tech, bits: int, adcs: int, conversion_ns_8b: float, acc_bits: int):
        p = Pricer(tech)
        self.adcs = adcs
        self.conversion_ns = conversion_ns_8b * bits / 8
        point = {"bits": bits, "rate_gsps": 1.0 / self.conversion_ns}
        what = f"a {bits}-bit column ADC at {point['rate_gsps']:.3g} GS/s"
        leak = p.leakage("adc_survey", what, **point)
        add = p.energy("library_adder", "add", "the bit-serial shift-add", width_bits=acc_bits)
        super().__init__(leakage_mw=Price(leak.model * adcs, leak.factor, leak.factors),
                         area_um2=p.area_um2("adc_survey", what, **point) * adcs,
                         prices={"shift_add": add + add})
        self._convert = p.energy("adc_survey", "convert", what, **point)
        self.origin["convert"] = self._convert

    @action
    def convert(self) -> ActionCost:
        return ActionCost(self._convert.value, self.conversion_ns)
