"""The restricted expression language of iso.require / iso.same / derived."""

from __future__ import annotations

import pytest

from archsim.sweep.expressions import METRIC_ROOT, ROOTS, Expression, ExpressionError

VALUES = {"design.tile.adcs_per_array": 64, "design.crossbar.cols": 128, "design.tile.adc_bits": 6}


def test_evaluates_arithmetic_comparisons_and_functions():
    get = VALUES.__getitem__
    assert Expression("design.tile.adcs_per_array <= design.crossbar.cols").evaluate(get) is True
    assert Expression("design.crossbar.cols // design.tile.adcs_per_array == 2").evaluate(get) is True
    assert Expression("2 ** design.tile.adc_bits - 1").evaluate(get) == 63
    assert Expression("log2(design.crossbar.cols) + max(1, design.tile.adc_bits)").evaluate(get) == 13
    assert Expression("not (design.tile.adc_bits > 8 or design.crossbar.cols < 64)").evaluate(get) is True
    assert Expression("4 < design.tile.adc_bits < 8").evaluate(get) is True
    assert Expression("design.tile.adcs_per_array <= design.crossbar.cols").variables == \
        ["design.tile.adcs_per_array", "design.crossbar.cols"]


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "design.tile.adc_bits.__class__",
                                  "open('x')", "[1, 2]", "lambda: 1", "x.adc_bits > 1", "design.tile[0]",
                                  "design.tile.adc_bits if 1 else 2", "design.tile.adc_bits >"])
def test_rejects_anything_else(text):
    with pytest.raises(ExpressionError):
        Expression(text)


def test_metric_root_only_where_allowed():
    with pytest.raises(ExpressionError, match="variables start with one of design, tech, workload"):
        Expression("metrics.arrays * 2")
    expr = Expression("metrics.arrays * design.tile.adcs_per_array", ROOTS + (METRIC_ROOT,))
    assert expr.evaluate({"metrics.arrays": 3, **VALUES}.__getitem__) == 192
