"""Computational-memory tile: PCM crossbar arrays with their input drivers, and the column ADCs."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import ActionCost, Component, action, scaled


class CrossbarArrays(Component):
    """The PCM arrays of one layer (or of the shared pool), read in both directions.

    - `conduct`: one device conducting for one ns: V_read²·G (tech `pcm_cell_read.voltage_v`, G the
      layer's mean device conductance). The counts are device·ns, i.e. devices × read window × input
      duty, so the V²·G·t energy follows the real integration window (Le Gallo et al., Nat.
      Electron. 2018: 1-100 fJ per device per MVM).
    - `drive_line`: one input pulse onto a row or column line (tech `dac_row_drive`, C·V² of the line
      plus driver; Khaddam-Aljameh et al., JSSC 2022).
    - `mac`: one analog multiply-accumulate (a count for the MAC tables; its energy is the
      conduction and conversion energy, so it costs 0 here).
    - refresh checks read whole rows with a 1-bit sense per device: `check_conduct` (one device
      conducting for one ns of the check read, V²·G as `conduct`) and `check_sense` (a 1-bit
      compare: tech `comparator` / its bits).
    """

    category = "crossbar array"
    categories = {"drive_line": "DAC", "check_conduct": "refresh", "check_sense": "refresh"}

    def __init__(self, tech: Tech, mean_conductance_us: float):
        v = tech["pcm_cell_read"].voltage_v
        conduct = v * v * mean_conductance_us * 1e-3  # V² × µS × ns = fJ = 1e-3 pJ
        super().__init__(prices={"conduct": conduct, "drive_line": tech["dac_row_drive"].energy_pj, "mac": 0.0,
                                 "check_conduct": conduct, "check_sense": scaled(tech["comparator"], 1)})


class AdcBank(Component):
    """The column ADCs of a set of arrays: `adcs` converters of `bits` each, at one conversion per
    `conversion_ns` (SAR: one comparison per bit, so the time grows with bits).

    Energy per conversion: tech `adc_conversion` at its reference bits × factor^(bits − ref)
    (Walden figure of merit, Murmann ADC survey). This per-bit law is INTERIM: the component-model
    issue (9) replaces it with the hwcomponents ADC model. Leakage and area: tech `adc_conversion`
    per converter × `adcs`. `shift_add` (bit-serial inputs): one (adc_bits + dac_bits)-bit shift and
    add per conversion in the readout (tech `shift`, `int_add`; Shafiee et al., ISCA 2016).
    """

    category = "ADC"
    categories = {"shift_add": "shift-add"}

    def __init__(self, tech: Tech, bits: int, adcs: int, conversion_ns_8b: float, acc_bits: int):
        ref = tech["adc_conversion"]
        factor = tech.scaling.adc_energy_per_bit_factor.value
        super().__init__(leakage_mw=ref.leakage_mw * adcs, area_um2=(ref.area_um2 or 0.0) * adcs,
                         prices={"shift_add": scaled(tech["shift"], acc_bits) + scaled(tech["int_add"], acc_bits)})
        self.adcs = adcs
        self.conversion_ns = conversion_ns_8b * bits / 8
        self._convert_pj = ref.energy_pj * factor ** (bits - ref.bits)

    @action
    def convert(self) -> ActionCost:
        return ActionCost(self._convert_pj, self.conversion_ns)
