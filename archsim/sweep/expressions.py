"""Safe arithmetic/comparison expressions over dotted sweep variables, e.g.
`design.tile.adcs_per_array <= design.crossbar.cols` (used by `iso.require` and `iso.same`).

Only numbers, strings, dotted names, arithmetic, comparisons, and/or/not and a few functions are
allowed; nothing is passed to eval()."""

from __future__ import annotations

import ast
import math
import operator
from typing import Any, Callable

ROOTS = ("design", "tech", "workload")
METRIC_ROOT = "metrics"   # derived metrics may also read a point's results, e.g. metrics.arrays
FUNCTIONS: dict[str, Callable] = {"min": min, "max": max, "abs": abs, "log2": math.log2, "sqrt": math.sqrt}
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


class ExpressionError(ValueError):
    """An expression uses syntax or names outside the allowed subset."""


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


class Expression:
    """A parsed expression; `variables` lists the dotted names it reads."""

    def __init__(self, text: str, roots: tuple[str, ...] = ROOTS):
        self.text = text
        self.roots = roots
        try:
            self._tree = ast.parse(text, mode="eval").body
        except SyntaxError as exc:
            raise ExpressionError(f"not a valid expression: {exc.msg}") from None
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
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS \
                and not node.keywords:
            for a in node.args:
                self._check(a)
            return
        allowed = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp)
        if not isinstance(node, allowed) or (isinstance(node, ast.BinOp) and type(node.op) not in _BIN) \
                or (isinstance(node, ast.UnaryOp) and type(node.op) not in _UNARY) \
                or (isinstance(node, ast.Compare) and any(type(o) not in _CMP for o in node.ops)):
            raise ExpressionError(
                f"'{ast.unparse(node)}' is not allowed; use numbers, dotted variables, + - * / // % **, "
                f"comparisons, and/or/not and {', '.join(FUNCTIONS)}()")
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.operator, ast.cmpop, ast.unaryop, ast.boolop)):
                self._check(child)

    def evaluate(self, lookup: Callable[[str], Any]) -> Any:
        """Value of the expression; `lookup(dotted_name)` supplies variables."""
        return self._eval(self._tree, lookup)

    def _eval(self, node: ast.AST, lookup) -> Any:
        name = _dotted(node)
        if name is not None:
            return lookup(name)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            return _BIN[type(node.op)](self._eval(node.left, lookup), self._eval(node.right, lookup))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, lookup))
        if isinstance(node, ast.BoolOp):
            values = (self._eval(v, lookup) for v in node.values)
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, lookup)
            for op, comp in zip(node.ops, node.comparators):
                right = self._eval(comp, lookup)
                if not _CMP[type(op)](left, right):
                    return False
                left = right
            return True
        assert isinstance(node, ast.Call)
        return FUNCTIONS[node.func.id](*(self._eval(a, lookup) for a in node.args))

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"
