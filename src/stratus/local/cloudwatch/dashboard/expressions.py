"""Metric math for dashboard graphs: the arithmetic CDK's MathExpression produces, and a few
functions, evaluated over time series as CloudWatch does.

From https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html:
`+ - * / ^` between time series and scalars (two series combine at the timestamps both
have), ids of other metrics and expressions, arrays `[m1, m2]` and `METRICS()` /
`METRICS('str')` (the metrics whose id contains str), `SUM AVG MIN MAX` (of an array: one
series, point by point; of one series: a scalar), `ABS CEIL FLOOR`, `FILL(x, value |
REPEAT | LINEAR)`. Results that are not finite (a division by zero) are left out. Anything
else (SEARCH, Metrics Insights, anomaly bands, other functions) raises `Unsupported`, and
the widget says so instead of drawing it.

Hand-written because no maintained library evaluates CloudWatch metric math; the
expression is parsed by Python's own `ast` (never evaluated by Python) and walked here.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

Series = dict[datetime, float]  # timestamp -> value, in time order
Labelled = list[tuple[str, Series]]  # an array of series with their labels
Value = float | Series | Labelled


class Unsupported(ValueError):
    """An expression (or part of one) the local cloud does not evaluate."""


_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.BitXor: operator.pow,  # CloudWatch's ^ is the power operator
    ast.Pow: operator.pow,
}


def _safe(fn: Callable[[float, float], float], a: float, b: float) -> float | None:
    try:
        value = float(fn(a, b))
    except (ZeroDivisionError, OverflowError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _series(pairs: Any) -> Series:
    return {t: v for t, v in pairs if v is not None}


def _binary(fn: Callable[[float, float], float], left: Value, right: Value) -> Value:
    if isinstance(left, list):
        return [(label, _expect_series(_binary(fn, s, right))) for label, s in left]
    if isinstance(right, list):
        return [(label, _expect_series(_binary(fn, left, s))) for label, s in right]
    if isinstance(left, dict) and isinstance(right, dict):
        return _series((t, _safe(fn, v, right[t])) for t, v in left.items() if t in right)
    if isinstance(left, dict):
        assert isinstance(right, float)
        return _series((t, _safe(fn, v, right)) for t, v in left.items())
    if isinstance(right, dict):
        return _series((t, _safe(fn, left, v)) for t, v in right.items())
    value = _safe(fn, left, right)
    if value is None:
        raise Unsupported("the expression divides a number by zero")
    return value


def _expect_series(value: Value) -> Series:
    if not isinstance(value, dict):
        raise Unsupported("an array inside an array is not evaluated locally")
    return value


_REDUCE: dict[str, Callable[[Sequence[float]], float]] = {
    "SUM": math.fsum,
    "AVG": lambda values: math.fsum(values) / len(values),
    "MIN": min,
    "MAX": max,
}
_MAP: dict[str, Callable[[float], float]] = {
    "ABS": abs,
    "CEIL": lambda v: float(math.ceil(v)),
    "FLOOR": lambda v: float(math.floor(v)),
}


class Evaluator:
    """Evaluates expressions against named series (`ids`) on a grid of period starts."""

    def __init__(
        self,
        ids: Mapping[str, Series],
        labels: Mapping[str, str],
        grid: Sequence[datetime],
        resolve: Callable[[str], Value] | None = None,
    ) -> None:
        self._ids = ids
        self._labels = labels
        self._grid = list(grid)
        self._resolve = resolve  # other expressions, by id

    def evaluate(self, expression: str) -> Value:
        text = expression.strip()
        if not text:
            raise Unsupported("the expression is empty")
        if text.upper().startswith(("SEARCH(", "SELECT ")):
            raise Unsupported("search expressions and Metrics Insights queries")
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            raise Unsupported(f"cannot parse {text!r}") from None
        return self._node(tree.body)

    def _node(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            if isinstance(node.value, bool):
                raise Unsupported("booleans")
            return float(node.value)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return _binary(operator.mul, sign, self._node(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _binary(_BINARY[type(node.op)], self._node(node.left), self._node(node.right))
        if isinstance(node, ast.List):
            return [(self._label_of(item), _expect_series(self._node(item))) for item in node.elts]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self._call(node.func.id.upper(), node.args)
        raise Unsupported(f"{ast.unparse(node)!r} is not evaluated locally")

    def _label_of(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return self._labels.get(node.id, node.id)
        return ast.unparse(node)

    def _name(self, name: str) -> Value:
        if name in self._ids:
            return self._ids[name]
        if self._resolve is not None:
            return self._resolve(name)
        raise Unsupported(f"unknown id {name!r}")

    def _call(self, name: str, args: list[ast.expr]) -> Value:
        if name == "METRICS":
            if len(args) > 1:
                raise Unsupported("METRICS takes at most one argument")
            part = ""
            if args:
                if not (isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)):
                    raise Unsupported("METRICS takes a string")
                part = args[0].value
            return [(self._labels.get(i, i), s) for i, s in self._ids.items() if part in i]
        if name in _REDUCE and len(args) == 1:
            return self._reduce(name, self._node(args[0]))
        if name in _MAP and len(args) == 1:
            fn = _MAP[name]
            return _binary(lambda v, _: fn(v), self._node(args[0]), 0.0)
        if name == "FILL" and len(args) == 2:
            return self._fill(self._node(args[0]), args[1])
        raise Unsupported(f"{name}() is not evaluated locally")

    def _reduce(self, name: str, value: Value) -> Value:
        fn = _REDUCE[name]
        if isinstance(value, list):
            stamps = sorted({t for _, s in value for t in s})
            return {t: fn([s[t] for _, s in value if t in s]) for t in stamps}
        if isinstance(value, dict):
            if not value:
                raise Unsupported(f"{name}() of a series without data")
            return float(fn(list(value.values())))
        return value

    def _fill(self, value: Value, how: ast.expr) -> Value:
        if isinstance(value, list):
            return [(label, _expect_series(self._fill(s, how))) for label, s in value]
        if not isinstance(value, dict):
            return value
        mode = how.id.upper() if isinstance(how, ast.Name) else None
        constant: float | None = None
        if mode not in ("REPEAT", "LINEAR"):
            filler = self._node(how)
            if not isinstance(filler, float):
                raise Unsupported("FILL with a series is not evaluated locally")
            constant = filler
        out: Series = {}
        known = sorted(value)
        for t in self._grid:
            if t in value:
                out[t] = value[t]
            elif constant is not None:
                out[t] = constant
            else:
                before = [k for k in known if k < t]
                after = [k for k in known if k > t]
                if mode == "REPEAT" and before:
                    out[t] = value[before[-1]]
                elif mode == "REPEAT" and after:
                    out[t] = value[after[0]]
                elif mode == "LINEAR" and before and after:
                    a, b = before[-1], after[0]
                    share = (t - a) / (b - a)
                    out[t] = value[a] + (value[b] - value[a]) * share
        return out
