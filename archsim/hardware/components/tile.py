"""Computational-memory tile: PCM crossbar + PWM DACs (held for the integration), and its ADC bank."""

from __future__ import annotations

from archsim.config.tech import Tech
from archsim.hardware.components.base import Unit


class CrossbarTile(Unit):
    """Crossbar arrays of one layer with their row/column DACs.

    Actions: `read_device` (one device conducting for one MVM: V²·G·t, tech `crossbar_read_device`),
    `drive_line` (one PWM DAC line drive, tech `dac_row_drive` × dac_bits/8: PWM driver energy
    grows with the pulse-width resolution). Khaddam-Aljameh et al., JSSC 2022 (HERMES core).
    """

    component = "crossbar array"
    _components = {"read_device": "crossbar array", "drive_line": "DAC"}

    def __init__(self, env, ledger, name, tech: Tech, dac_bits: int, **kw):
        super().__init__(env, ledger, name, **kw)
        self._e = {"read_device": tech["crossbar_read_device"].energy_pj,
                   "drive_line": tech["dac_row_drive"].energy_pj * dac_bits / 8}

    def energy_pj(self, action: str) -> float:
        return self._e[action]

    def action_component(self, action: str) -> str:
        return self._components[action]


class AdcBank(Unit):
    """ADCs shared by the output lines of one array set; conversions run `adcs` at a time.

    Energy per conversion: tech `adc_conversion` at its `bits`, × factor^(bits − ref) (Walden FOM:
    doubling per bit, Murmann survey). Time per conversion: design `adc_conversion_ns` at 8 bits,
    × bits/8 (SAR: one comparison per bit).
    """

    component = "ADC"

    def __init__(self, env, ledger, name, tech: Tech, bits: int, adcs: int, conversion_ns_8b: float, **kw):
        super().__init__(env, ledger, name, **kw)
        ref = tech["adc_conversion"]
        factor = tech.scaling.adc_energy_per_bit_factor.value
        self._e = ref.energy_pj * factor ** (bits - (ref.bits or bits))
        self.adcs = adcs
        self.conversion_ns = conversion_ns_8b * bits / 8

    def energy_pj(self, action: str) -> float:
        return self._e

    def convert_ns(self, conversions_per_array: int, mvms: int) -> float:
        """Time to digitise `mvms` MVM outputs of `conversions_per_array` lines each."""
        rounds = -(-conversions_per_array // self.adcs)
        return mvms * rounds * self.conversion_ns
