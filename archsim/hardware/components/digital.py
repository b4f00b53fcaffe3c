"""Digital logic: the MAC array, the element-wise vector unit, the χ accumulator, the PCM write heads.

Every energy is a composition of the logic library's models (hwcomponents-library: Aladdin 40 nm data
scaled to the node by the package; grids `library_adder`, `library_multiplier`, `library_comparator`,
`library_register` of the tech file) at the unit's operand widths. The libraries have no barrel
shifter: a shift of b bits (log2 b levels of 2:1 multiplexers) is priced as a b-bit adder. Static power:
each datapath's own adders, multipliers, comparators and registers, per lane or PE, from the same models.
"""

from __future__ import annotations

from archsim.config.design import VECTOR_KINDS
from archsim.config.design import DigitalUnit as DigitalUnitCfg
from archsim.config.tech import Tech
from archsim.hardware.components.base import Component
from archsim.hardware.components.pricing import Price, Pricer


class Logic:
    """Energy and leakage of the library's logic blocks at given widths, for one tech file."""

    def __init__(self, tech: Tech):
        self.p = Pricer(tech)

    def add(self, bits: float) -> Price:
        return self.p.energy("library_adder", "add", f"a {bits:g}-bit adder", width_bits=bits)

    def shift(self, bits: float) -> Price:
        return self.add(bits)  # no shifter model: a b-bit barrel shift ≈ one b-bit add

    def mult(self, a: float, b: float) -> Price:
        return self.p.energy("library_multiplier", "multiply", f"a {a:g} x {b:g}-bit multiplier",
                             width_a_bits=a, width_b_bits=b)

    def compare(self, bits: float) -> Price:
        return self.p.energy("library_comparator", "compare", f"a {bits:g}-bit comparator", width_bits=bits)

    def register(self, bits: float) -> Price:
        return self.p.energy("library_register", "read", f"a {bits:g}-bit register read", width_bits=bits)

    def leak(self, adders=(), mults=(), compares=(), registers=()) -> Price:
        """Static power (mW) of one set of blocks: adder widths, (a, b) multiplier widths, ..."""
        total = Price(0.0)
        for w in adders:
            total = total + self.p.leakage("library_adder", f"a {w:g}-bit adder", width_bits=w)
        for a, b in mults:
            total = total + self.p.leakage("library_multiplier", f"a {a:g} x {b:g}-bit multiplier",
                                           width_a_bits=a, width_b_bits=b)
        for w in compares:
            total = total + self.p.leakage("library_comparator", f"a {w:g}-bit comparator", width_bits=w)
        for w in registers:
            total = total + self.p.leakage("library_register", f"a {w:g}-bit register", width_bits=w)
        return total


def _times(p: Price, n: float) -> Price:
    return Price(p.model * n, p.factor, p.factors)


class MacArray(Component):
    """`pes` processing elements, one MAC per PE per cycle.

    `mac`: a weight_bits × act_bits multiply plus an acc_bits add; `add`: an acc_bits add (adding a
    finished weight gradient into its weight). Leakage: each PE's multiplier and adder.
    """

    category = "MAC array"

    def __init__(self, tech: Tech, pes: int, weight_bits: int, act_bits: int, acc_bits: int):
        lg = Logic(tech)
        add = lg.add(acc_bits)
        super().__init__(leakage_mw=_times(lg.leak(adders=[acc_bits], mults=[(weight_bits, act_bits)]), pes),
                         prices={"mac": lg.mult(weight_bits, act_bits) + add, "add": add})


class VectorUnit(Component):
    """`lanes` element-wise lanes of `data_bits`; one action per element.

    activation = a look-up-table read (register file) + a linear interpolation (mult + add);
    derivative f' = y(1−y) = mult + add; output_error = add; quantize (to the update's bits with a shared
    power-of-two scale) = comparator + shift; scale = shift; pool = comparator; batchnorm = mult + add;
    residual_add, partial_sum = add. Leakage per lane: one adder, multiplier, comparator and register.
    """

    category = "digital unit"

    def __init__(self, tech: Tech, cfg: DigitalUnitCfg):
        lg = Logic(tech)
        b = cfg.data_bits
        add, cmp_, shift, mult = lg.add(b), lg.compare(b), lg.shift(b), lg.mult(b, b)
        prices = {"activation": lg.register(b) + mult + add, "derivative": mult + add, "output_error": add,
                  "quantize": cmp_ + shift, "scale": shift, "pool": cmp_, "batchnorm": mult + add,
                  "residual_add": add, "partial_sum": add}
        assert set(prices) == set(VECTOR_KINDS)
        lane = lg.leak(adders=[b], mults=[(b, b)], compares=[b], registers=[b])
        super().__init__(leakage_mw=_times(lane, cfg.lanes), prices=prices)


class ChiUnit(Component):
    """χ accumulator lanes; the χ words live in a separate memory.

    `accumulate`: one non-zero outer-product entry: a q × q-bit product of the quantised δ and x, the
    power-of-two scalings as a shift, a chi_bits add and the |χ| ≥ ε compare (Nandakumar et al. 2020,
    energy-efficient weight update). `momentum_step`: one weight per batch with momentum: v ← μ·v + g (a
    chi_bits multiply-add) and χ ← χ + η·v (shift, add, compare). Leakage per lane: its multiplier, adders
    and comparator.
    """

    category = "digital unit"

    def __init__(self, tech: Tech, lanes: int, chi_bits: int, quant_bits: int):
        lg = Logic(tech)
        add, cmp_, shift = lg.add(chi_bits), lg.compare(chi_bits), lg.shift(chi_bits)
        lane = lg.leak(adders=[chi_bits, chi_bits], mults=[(quant_bits, quant_bits)], compares=[chi_bits])
        super().__init__(leakage_mw=_times(lane, lanes), prices={
            "accumulate": lg.mult(quant_bits, quant_bits) + shift + add + cmp_,
            "momentum_step": lg.mult(chi_bits, chi_bits) + add + shift + add + cmp_})


class WriteHeads(Component):
    """PCM programming circuit: the write heads shared by the weight update, refresh and reprogramming.

    One action = one pulse or read: `set_pulse` / `reset_pulse` are the tech primitives `pcm_set_pulse` /
    `pcm_reset_pulse` (E = I·V·t of the cited pulses); `verify_read` is one device read over the verify
    window plus one conversion of the tile's ADC (`verify_read_pj`, priced by the design). The action name
    says what the pulse was for, which sets its energy-breakdown group."""

    category = "programming"
    categories = {"refresh_set": "refresh", "refresh_reset": "refresh",
                  "reprogram_set": "reprogramming", "reprogram_reset": "reprogramming",
                  "reprogram_verify": "reprogramming"}

    def __init__(self, tech: Tech, verify_read: Price):
        p = Pricer(tech)
        s, r = p.primitive("pcm_set_pulse", "pulse"), p.primitive("pcm_reset_pulse", "pulse")
        super().__init__(prices={"set_pulse": s, "reset_pulse": r, "verify_read": verify_read,
                                 "refresh_set": s, "refresh_reset": r, "reprogram_set": s, "reprogram_reset": r,
                                 "reprogram_verify": verify_read})
