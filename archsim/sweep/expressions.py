"""Safe arithmetic/comparison expressions over dotted sweep variables, e.g.
`design.tile.adcs_per_array <= design.crossbar.cols` (used by `iso.require`, `iso.same`, `derived`).

Only numbers, dotted names, arithmetic, comparisons, and/or/not and a few functions are allowed;
nothing is passed to eval(). Evaluation is bounded: an expression has at most
EXPRESSION_MAX_CHARS characters, arithmetic takes numbers only (no string constants, no string
or list arithmetic), and every intermediate value stays within EXPRESSION_MAX_ABS (`**` and `*`
are checked before they are computed), so no expression can hang or exhaust memory.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any, Callable

from archsim.config.limits import EXPRESSION_MAX_ABS, EXPRESSION_MAX_CHARS

ROOTS = ("design", "tech", "workload")
METRIC_ROOT = "metrics"   # derived metrics may also read a point's results, e.g. metrics.arrays
FUNCTIONS: dict[str, Callable] = {"min": min, "max": max, "abs": abs, "log2": math.log2, "sqrt": math.sqrt}
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge}
_EQUALITY = (ast.Eq, ast.NotEq)
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_MAX_BITS = int(math.log2(EXPRESSION_MAX_ABS)) + 1


class ExpressionError(ValueError):
    """An expression uses syntax or names outside the allowed subset."""


class EvaluationError(ArithmeticError):
    """An expression cannot be evaluated for these values (wrong type, out of range, undefined)."""


def _dotted(node: ast.AST) -> str | None:
    """'design.tile.adc_bits' for an Attribute chain rooted at a Name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _bounded(v: Any) -> Any:
    """`v` if it is a number within EXPRESSION_MAX_ABS (or a bool), else EvaluationError."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        if v.bit_length() > _MAX_BITS:
            raise EvaluationError(f"a value exceeds ±{EXPRESSION_MAX_ABS:.3g}")
        return v
    if isinstance(v, float):
        if not math.isfinite(v) or abs(v) > EXPRESSION_MAX_ABS:
            raise EvaluationError(f"a value is not finite or exceeds ±{EXPRESSION_MAX_ABS:.3g}")
        return v
    raise EvaluationError(f"arithmetic needs numbers, got a {type(v).__name__} value")


def _magnitude_bits(v: int | float) -> float:
    """log2 of |v| (0 for |v| < 1): enough to bound a product or a power before computing it."""
    a = abs(v)
    return math.log2(a) if a >= 1 else 0.0


def _power(base, exp):
    if _is_number(base) and _is_number(exp) and exp > 0 and abs(base) > 1 \
            and _magnitude_bits(base) * exp > _MAX_BITS:
        raise EvaluationError(f"{base!r} ** {exp!r} exceeds ±{EXPRESSION_MAX_ABS:.3g}")
    if base == 0 and _is_number(exp) and exp < 0:
        raise EvaluationError("0 cannot be raised to a negative power")
    result = operator.pow(base, exp)
    if isinstance(result, complex):
        raise EvaluationError(f"{base!r} ** {exp!r} is not a real number")
    return result


def _times(a, b):
    if _magnitude_bits(a) + _magnitude_bits(b) > _MAX_BITS:
        raise EvaluationError(f"a product exceeds ±{EXPRESSION_MAX_ABS:.3g}")
    return a * b


_CHECKED = {ast.Pow: _power, ast.Mult: _times}


class Expression:
    """A parsed expression; `variables` lists the dotted names it reads."""

    def __init__(self, text: str, roots: tuple[str, ...] = ROOTS):
        if not isinstance(text, str):
            raise ExpressionError(f"an expression is text, got a {type(text).__name__} value")
        if len(text) > EXPRESSION_MAX_CHARS:
            raise ExpressionError(f"longer than {EXPRESSION_MAX_CHARS} characters")
        self.text = text
        self.roots = roots
        try:
            self._tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise ExpressionError(f"not a valid expression: {exc.msg}") from None
        except (RecursionError, MemoryError, ValueError):
            raise ExpressionError("not a valid expression: too deeply nested") from None
        self.variables: list[str] = []
        self._check(self._tree)

    def _check(self, node: ast.AST) -> None:
        name = _dotted(node)
        if name is not None:
            if name.split(".")[0] not in self.roots:
                raise ExpressionError(f"'{name}': variables start with one of {', '.join(self.roots)}")
            if any(part.startswith("_") for part in name.split(".")):
                raise ExpressionError(f"'{name}': names starting with _ are not fields")
            self.variables.append(name)
            return
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or (_is_number(node.value) and math.isfinite(node.value)):
                return
            raise ExpressionError(f"'{ast.unparse(node)[:40]}': a constant is a finite number, True or False "
                                  "(text is not allowed)")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS \
                and not node.keywords and node.args and not any(isinstance(a, ast.Starred) for a in node.args):
            for a in node.args:
                self._check(a)
            return
        allowed = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp)
        if not isinstance(node, allowed) or (isinstance(node, ast.BinOp) and type(node.op) not in _BIN) \
                or (isinstance(node, ast.UnaryOp) and type(node.op) not in _UNARY) \
                or (isinstance(node, ast.Compare) and any(type(o) not in _CMP for o in node.ops)):
            raise ExpressionError(
                f"'{ast.unparse(node)[:60]}' is not allowed; use numbers, dotted variables, + - * / // % **, "
                f"comparisons, and/or/not and {', '.join(FUNCTIONS)}()")
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.operator, ast.cmpop, ast.unaryop, ast.boolop)):
                self._check(child)

    def evaluate(self, lookup: Callable[[str], Any]) -> Any:
        """Value of the expression; `lookup(dotted_name)` supplies variables. Raises EvaluationError
        (an ArithmeticError) when the values do not allow it: wrong types, out of range, undefined."""
        try:
            return self._eval(self._tree, lookup)
        except EvaluationError:
            raise
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise EvaluationError(f"{type(exc).__name__}: {exc}") from None

    def _eval(self, node: ast.AST, lookup) -> Any:
        name = _dotted(node)
        if name is not None:
            return lookup(name)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            left = _bounded(self._eval(node.left, lookup))
            right = _bounded(self._eval(node.right, lookup))
            return _bounded(_CHECKED.get(type(node.op), _BIN[type(node.op)])(left, right))
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, lookup)
            return _UNARY[type(node.op)](value) if isinstance(node.op, ast.Not) else _UNARY[type(node.op)](
                _bounded(value))
        if isinstance(node, ast.BoolOp):
            values = (self._eval(v, lookup) for v in node.values)
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, lookup)
            for op, comp in zip(node.ops, node.comparators):
                right = self._eval(comp, lookup)
                if not isinstance(op, _EQUALITY):       # ordering is for numbers only
                    _bounded(left), _bounded(right)
                if not _CMP[type(op)](left, right):
                    return False
                left = right
            return True
        assert isinstance(node, ast.Call)
        args = [_bounded(self._eval(a, lookup)) for a in node.args]
        return _bounded(FUNCTIONS[node.func.id](*args))

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"
