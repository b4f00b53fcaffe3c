"""PCM programming circuit: `write_heads` parallel drivers issuing SET / RESET / verify-read."""

from __future__ import annotations

from archsim.config.design import Programming as ProgrammingCfg
from archsim.config.tech import Tech
from archsim.hardware.components.base import Unit


class ProgrammingUnit(Unit):
    """Single-shot blind SET pulses for updates, RESET + re-program for refresh, verify reads.

    Energies: tech `pcm_set_pulse`, `pcm_reset_pulse`, `pcm_verify_read` (per pulse/read, incl.
    driver). Times: design pulse widths; heads work in parallel. Le Gallo et al. 2023; Joshi 2020.
    `component` is 'programming' for update pulses and 'refresh' for refresh work.
    """

    def __init__(self, env, ledger, name, tech: Tech, cfg: ProgrammingCfg, component: str = "programming"):
        self.component = component
        super().__init__(env, ledger, name, capacity=1)
        self._e = {"set_pulse": tech["pcm_set_pulse"].energy_pj, "reset_pulse": tech["pcm_reset_pulse"].energy_pj,
                   "verify_read": tech["pcm_verify_read"].energy_pj}
        self.cfg = cfg

    def energy_pj(self, action: str) -> float:
        return self._e[action]

    def ns(self, set_pulses: float = 0.0, reset_pulses: float = 0.0, reads: float = 0.0) -> float:
        c = self.cfg
        return (set_pulses * c.set_pulse_ns + reset_pulses * c.reset_pulse_ns
                + reads * c.verify_read_ns) / c.write_heads
