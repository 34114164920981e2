"""The JSONPath subset API Gateway evaluates in ``$input.path``/``$input.json`` and in
``method.request.body.X`` / ``integration.response.body.X`` parameter mappings.

API Gateway uses Jayway JsonPath (the mapping template reference links it), whose results
this copies: a *definite* path (names and single indices only) yields the value itself, or
``None`` when any step is missing; an *indefinite* path (``*``, ``..``, slices, unions)
yields the list of what matched, possibly empty. A path without a leading ``$`` is read as
``$.`` + path, as Jayway does. Supported: ``$``, ``.name``, ``['name']``, ``["name"]``,
``['a','b']``, ``[0]``, ``[-1]``, ``[0,2]``, ``[1:3]``, ``[*]``, ``.*`` and ``..`` (deep scan).
Filters (``[?(...)]``) and functions are not: :class:`JsonPathError`, like any malformed path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonPathError", "compile_path", "evaluate"]


class JsonPathError(ValueError):
    """A JSONPath expression that is malformed or uses an unsupported feature."""


@dataclass(frozen=True)
class _Step:
    kind: str  # "name", "index", "wild", "slice", "names", "indices"
    value: Any = None
    deep: bool = False


@dataclass(frozen=True)
class CompiledPath:
    steps: tuple[_Step, ...]

    @property
    def definite(self) -> bool:
        return all(s.kind in ("name", "index") and not s.deep for s in self.steps)


_NAME = re.compile(r"[^.\[\]\s]+")
_INT = re.compile(r"-?\d+")


def compile_path(path: str) -> CompiledPath:
    text = path.strip()
    if not text.startswith("$"):
        text = "$" + ("" if text.startswith("[") else ".") + text
    i, steps = 1, []
    while i < len(text):
        deep = text.startswith("..", i)
        if text[i] == ".":
            i += 2 if deep else 1
            if i < len(text) and text[i] == "[":
                step, i = _bracket(text, i, deep)
            elif text.startswith("*", i):
                step, i = _Step("wild", deep=deep), i + 1
            else:
                m = _NAME.match(text, i)
                if not m:
                    raise JsonPathError(f"invalid JSONPath {path!r}: expected a name at {i}")
                step, i = _Step("name", m.group(0), deep), m.end()
        elif text[i] == "[":
            step, i = _bracket(text, i, False)
        else:
            raise JsonPathError(f"invalid JSONPath {path!r}: unexpected {text[i]!r} at {i}")
        steps.append(step)
    return CompiledPath(tuple(steps))


def _bracket(text: str, i: int, deep: bool) -> tuple[_Step, int]:
    end = _closing(text, i)
    inner = text[i + 1 : end].strip()
    nxt = end + 1
    if not inner:
        raise JsonPathError(f"invalid JSONPath {text!r}: empty brackets")
    if inner.startswith("?") or inner.startswith("("):
        raise JsonPathError(f"unsupported JSONPath filter or script {inner!r}")
    if inner == "*":
        return _Step("wild", deep=deep), nxt
    if inner[0] in "'\"":
        names = [_unquote(part.strip(), text) for part in _split_union(inner)]
        if len(names) == 1:
            return _Step("name", names[0], deep), nxt
        return _Step("names", tuple(names), deep), nxt
    if ":" in inner:
        parts = [p.strip() for p in inner.split(":")]
        if len(parts) > 3 or not all(p == "" or _INT.fullmatch(p) for p in parts):
            raise JsonPathError(f"invalid JSONPath slice [{inner}]")
        bounds = tuple(int(p) if p else None for p in parts)
        return _Step("slice", slice(*bounds), deep), nxt
    numbers = [p.strip() for p in inner.split(",")]
    if not all(_INT.fullmatch(n) for n in numbers):
        raise JsonPathError(f"invalid JSONPath index [{inner}]")
    if len(numbers) == 1:
        return _Step("index", int(numbers[0]), deep), nxt
    return _Step("indices", tuple(int(n) for n in numbers), deep), nxt


def _closing(text: str, i: int) -> int:
    quote = None
    for j in range(i + 1, len(text)):
        c = text[j]
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "]":
            return j
    raise JsonPathError(f"invalid JSONPath {text!r}: unclosed '['")


def _split_union(inner: str) -> list[str]:
    parts, current, quote = [], "", None
    for c in inner:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == ",":
            parts.append(current)
            current = ""
            continue
        current += c
    parts.append(current)
    return parts


def _unquote(token: str, text: str) -> str:
    if len(token) < 2 or token[0] != token[-1] or token[0] not in "'\"":
        raise JsonPathError(f"invalid JSONPath {text!r}: bad quoted name {token!r}")
    return token[1:-1]


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield from node.values()
    elif isinstance(node, list):
        yield from node


def _descendants(node: Any) -> Iterator[Any]:
    yield node
    for child in _children(node):
        yield from _descendants(child)


def _apply(step: _Step, node: Any) -> Iterator[Any]:
    if step.kind == "name":
        if isinstance(node, dict) and step.value in node:
            yield node[step.value]
    elif step.kind == "names":
        if isinstance(node, dict):
            yield from (node[n] for n in step.value if n in node)
    elif step.kind == "wild":
        yield from _children(node)
    elif isinstance(node, list):
        if step.kind == "index":
            if -len(node) <= step.value < len(node):
                yield node[step.value]
        elif step.kind == "indices":
            yield from (node[i] for i in step.value if -len(node) <= i < len(node))
        else:
            yield from node[step.value]


def evaluate(path: str | CompiledPath, document: Any) -> Any:
    """The value at a definite path (``None`` if absent), or the list an indefinite one
    matched."""
    compiled = path if isinstance(path, CompiledPath) else compile_path(path)
    nodes = [document]
    for step in compiled.steps:
        sources = (d for n in nodes for d in _descendants(n)) if step.deep else iter(nodes)
        nodes = [found for node in sources for found in _apply(step, node)]
    if compiled.definite:
        return nodes[0] if nodes else None
    return nodes
