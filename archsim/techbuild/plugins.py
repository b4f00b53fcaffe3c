"""archsim's own hwcomponents models, for the primitives no installed package covers (Python >= 3.12 only).

They are ordinary hwcomponents ComponentModel plug-ins: `archsim tech build` evaluates them like any
other model and records their parameters. Importing this module imports hwcomponents.
"""

from __future__ import annotations

from hwcomponents import ActionCost, ComponentModel, action


class PcmPulse(ComponentModel):
    """One PCM programming pulse (SET or RESET) through the cell and its access device: E = I·V·t.

    The pulse current and width come from the experiment the spec cites; V is the voltage across the
    cell and access device while the pulse flows (for PCM, the threshold-switched cell's holding voltage
    plus the access-device drop). hwcomponents-neurosim's cell model derives a write voltage as
    I_SET / G_mean instead (7.2 V for the reference cell), which does not describe threshold switching,
    so this plug-in takes the voltage as a stated parameter.
    """

    component_name = "PcmPulse"
    priority = 0.5

    def __init__(self, current_ua: float, voltage_v: float, pulse_ns: float):
        super().__init__(leak_power=0.0, area=0.0)
        self.current_ua, self.voltage_v, self.pulse_ns = current_ua, voltage_v, pulse_ns

    @action
    def pulse(self) -> ActionCost:
        t = self.pulse_ns * 1e-9
        return ActionCost(energy=self.current_ua * 1e-6 * self.voltage_v * t, latency=t, throughput=1 / t)
