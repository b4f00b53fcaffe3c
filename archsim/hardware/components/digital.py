"""Digital logic: the MAC array, the element-wise vector unit and the χ accumulator.

Energies are tech primitives scaled from their reference widths: adders, shifters and comparators
linearly, multipliers with the product of the operand widths (Horowitz ISSCC 2014). Leakage:
tech `logic_leakage` per lane (per 32-bit-class datapath lane).
"""

from __future__ import annotations

from archsim.config.design import VECTOR_KINDS
from archsim.config.design import DigitalUnit as DigitalUnitCfg
from archsim.config.tech import Tech
from archsim.hardware.components.base import Component, scaled


def _mult(tech: Tech, a_bits: float, b_bits: float) -> float:
    m = tech["int_mult"]
    return m.energy_pj * a_bits * b_bits / m.bits ** 2


class MacArray(Component):
    """`pes` processing elements, one MAC per PE per cycle.

    `mac`: a weight_bits × act_bits multiply (array multiplier: ∝ product of widths) plus an acc_bits
    add; `add`: an acc_bits add (adding a finished weight gradient into its weight). Leakage per PE:
    tech `logic_leakage` × this MAC's energy relative to a 32 × 32-bit MAC (gate count).
    """

    category = "MAC array"

    def __init__(self, tech: Tech, pes: int, weight_bits: int, act_bits: int, acc_bits: int):
        mult, add = _mult(tech, weight_bits, act_bits), scaled(tech["int_add"], acc_bits)
        mac32 = _mult(tech, 32, 32) + scaled(tech["int_add"], 32)
        super().__init__(leakage_mw=tech["logic_leakage"].leakage_mw * pes * (mult + add) / mac32,
                         prices={"mac": mult + add, "add": add})


class VectorUnit(Component):
    """`lanes` element-wise lanes of `data_bits`; one action per element.

    activation = `activation_function`; derivative f' = y(1−y) = mult + add; output_error = add;
    quantize (to the update's bits with a shared power-of-two scale) = comparator + shift; scale =
    shift; pool = comparator; batchnorm = mult + add; residual_add, partial_sum = add.
    """

    category = "digital unit"

    def __init__(self, tech: Tech, cfg: DigitalUnitCfg):
        b = cfg.data_bits
        add, cmp_, shift = (scaled(tech[p], b) for p in ("int_add", "comparator", "shift"))
        mult = _mult(tech, b, b)
        prices = {"activation": scaled(tech["activation_function"], b), "derivative": mult + add,
                  "output_error": add, "quantize": cmp_ + shift, "scale": shift, "pool": cmp_,
                  "batchnorm": mult + add, "residual_add": add, "partial_sum": add}
        assert set(prices) == set(VECTOR_KINDS)
        super().__init__(leakage_mw=tech["logic_leakage"].leakage_mw * cfg.lanes, prices=prices)


class ChiUnit(Component):
    """χ accumulator lanes; the χ words live in a separate memory.

    `accumulate`: one non-zero outer-product entry: a q × q-bit product of the quantised δ and x,
    the power-of-two scalings as a shift, a chi_bits add and the |χ| ≥ ε compare (Nandakumar et al.
    2020, energy-efficient weight update). `momentum_step`: one weight per batch with momentum:
    v ← μ·v + g (a chi_bits multiply-add) and χ ← χ + η·v (shift, add, compare).
    """

    category = "digital unit"

    def __init__(self, tech: Tech, lanes: int, chi_bits: int, quant_bits: int):
        add, cmp_, shift = (scaled(tech[p], chi_bits) for p in ("int_add", "comparator", "shift"))
        super().__init__(leakage_mw=tech["logic_leakage"].leakage_mw * lanes, prices={
            "accumulate": _mult(tech, quant_bits, quant_bits) + tech["shift"].energy_pj + add + cmp_,
            "momentum_step": _mult(tech, chi_bits, chi_bits) + add + shift + add + cmp_})


class WriteHeads(Component):
    """PCM programming circuit: the write heads shared by the weight update, refresh and
    reprogramming. One action = one pulse or read incl. its driver: tech `pcm_set_pulse`,
    `pcm_reset_pulse`, `pcm_verify_read` (Le Gallo et al. 2023; Joshi et al. 2020). The action name
    says what the pulse was for, which sets its energy-breakdown group."""

    category = "programming"
    categories = {"refresh_set": "refresh", "refresh_reset": "refresh",
                  "reprogram_set": "reprogramming", "reprogram_reset": "reprogramming",
                  "reprogram_verify": "reprogramming"}

    def __init__(self, tech: Tech):
        p = {k: tech[f"pcm_{k}"].energy_pj for k in ("set_pulse", "reset_pulse", "verify_read")}
        super().__init__(prices={**p, "refresh_set": p["set_pulse"], "refresh_reset": p["reset_pulse"],
                                 "reprogram_set": p["set_pulse"], "reprogram_reset": p["reset_pulse"],
                                 "reprogram_verify": p["verify_read"]})
