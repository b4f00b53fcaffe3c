"""Digital vector unit: activations, derivatives, output errors, quantisation, pooling, partial sums."""

from __future__ import annotations

from archsim.config.design import DigitalUnit as DigitalUnitCfg
from archsim.config.tech import Tech
from archsim.hardware.components.base import Unit, cycles_ns


class DigitalUnit(Unit):
    """`lanes` element-wise lanes of `data_bits`; each op kind takes `cycles_per_op` per element.

    Energy per element (tech primitives scaled to data_bits linearly for adders/comparators and
    quadratically for multipliers, Horowitz ISSCC 2014):
    activation = `activation_function`; derivative f' = y(1−y) = mult + add; output_error = add;
    quantize (to update_quant_bits with a shared power-of-two scale) = comparator + shift;
    scale = shift; pool = comparator; batchnorm = mult + add; residual_add, partial_sum = add.
    Leakage: tech `logic_leakage` per lane.
    """

    component = "digital unit"

    def __init__(self, env, ledger, name, tech: Tech, cfg: DigitalUnitCfg):
        super().__init__(env, ledger, name, leakage_mw=tech["logic_leakage"].leakage_mw * cfg.lanes)
        b = cfg.data_bits

        def lin(p):
            return tech[p].energy_pj * b / tech[p].bits

        mult = tech["int_mult"].energy_pj * (b / tech["int_mult"].bits) ** 2
        act = tech["activation_function"].energy_pj * b / tech["activation_function"].bits
        self._e = {"activation": act, "derivative": mult + lin("int_add"), "output_error": lin("int_add"),
                   "quantize": lin("comparator") + lin("shift"), "scale": lin("shift"), "pool": lin("comparator"),
                   "batchnorm": mult + lin("int_add"), "residual_add": lin("int_add"),
                   "partial_sum": lin("int_add")}
        self.cfg = cfg

    def energy_pj(self, action: str) -> float:
        return self._e[action]

    def ns(self, kind: str, elements: float) -> float:
        cycles = elements * self.cfg.cycles_per_op.get(kind, 1.0) / self.cfg.lanes
        return cycles_ns(cycles, self.cfg.clock_ghz)
