"""The Velocity (VTL) engine behind API Gateway's mapping templates, with Java's semantics.

Engine: ``airspeed-ext`` 0.6.9 (LocalStack's maintained fork of ``airspeed``), chosen after
running the same 60 constructs through both forks (``#set``; ``#foreach`` with
``$foreach.hasNext/index/count`` and ``$velocityCount``; ``#if/#elseif/#else``; ``#stop``;
``#break``; ``$!{quiet}``; map/list/range literals; arithmetic; ``&&``/``||``/``!``; string
interpolation; comments; ``#macro``; bracket and index access; ``.size()``, ``.substring``,
``.replaceAll``, ``.toString()``, ``.indexOf``, ``.keySet()``, ``.entrySet()``,
``.containsKey``...). ``airspeed`` 0.7.1 passed 41, ``airspeed-ext`` 45, and the forks differ
where API Gateway's behaviour is at stake:

- an unresolved reference renders as nothing in API Gateway (LocalStack's AWS-recorded
  snapshot ``test_input_path_template_formatting``: ``{"body": $result}`` with no match gives
  ``{"body": }``); ``airspeed`` prints ``$result`` back, as desktop Velocity does, while
  ``airspeed-ext`` prints nothing;
- booleans print ``true``/``false`` (``airspeed``: ``True``);
- ``.substring``, ``.indexOf``, ``.matches`` (full match) and list ``isEmpty`` exist.

Neither fork has ``#break``, Java's ``toString()`` of maps and lists (``{a=b}``, ``[a, b]``),
``Map.size()``/``containsKey``/``entrySet``, or many ``String`` methods; :func:`install`
adds them through the engine's own table of extra methods and, for printing, ``#break`` and
null references, by replacing three names in ``airspeed.operators`` (stratus is the only user
of airspeed in the process; the replacement is idempotent). What is *not* Java: methods that
Python types already have shadow the Java ones of the same name (``"a.b".split(".")``
splits on a literal dot, Java on a regex).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
from collections.abc import Callable, ItemsView, KeysView, Mapping, ValuesView
from typing import Any

import airspeed
import airspeed.operators as ops

__all__ = [
    "JsonList",
    "JsonMap",
    "MappingTemplateError",
    "VtlMap",
    "install",
    "java_string",
    "merge",
    "to_vtl",
]


class MappingTemplateError(Exception):
    """A template that does not parse or fails while rendering.

    API Gateway answers such a request with its own 500 ``{"message": "Internal server
    error"}`` and ``x-amzn-ErrorType: InternalServerErrorException`` (the gateway's
    ``errors.CONFIGURATION_ERROR``); the message here is for the local log only.
    """


class VtlMap(dict[str, Any]):
    """A map whose ``toString()`` is Java's ``{key=value, ...}``."""

    def __str__(self) -> str:
        return java_string(self)


class JsonMap(VtlMap):
    """A JSON object from ``$input.path`` / ``$util.parseJson``: prints as a Java map whose
    nested lists print as JSON (AWS: ``{foo=[{"nested":"bar"}]}``)."""


class JsonList(list[Any]):
    """A JSON array from ``$input.path`` / ``$util.parseJson``: prints as JSON
    (AWS: ``[{"foo":"bar"}]``)."""

    def __str__(self) -> str:
        return json.dumps(to_plain(self), separators=(",", ":"), ensure_ascii=False)

    def count(self, *value: Any) -> int:
        """``count()`` is the size (the reference's ``$input.path('$.pets').count()``);
        Python's ``count(x)`` still works."""
        return super().count(value[0]) if value else len(self)


class _Entry(VtlMap):
    """A ``Map.Entry`` from ``entrySet()``: ``$e.key``, ``$e.value``, ``$e.getKey()``."""

    def getKey(self) -> Any:
        return self["key"]

    def getValue(self) -> Any:
        return self["value"]

    def __str__(self) -> str:
        return f"{java_string(self['key'])}={java_string(self['value'])}"


def to_vtl(value: Any, json_values: bool = False) -> Any:
    """Python data → values a template can call Java methods on (maps and lists copied)."""
    if isinstance(value, Mapping):
        cls = JsonMap if json_values else VtlMap
        return cls({str(k): to_vtl(v, json_values) for k, v in value.items()})
    if isinstance(value, list | tuple):
        items = [to_vtl(v, json_values) for v in value]
        return JsonList(items) if json_values else items
    return value


def to_plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | KeysView | ValuesView):
        return [to_plain(v) for v in value]
    return value


def java_string(value: Any) -> str:
    """What Java's ``String.valueOf`` prints for a template value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e7:
            return f"{value:.1f}"
        return repr(value)
    if isinstance(value, JsonList | _Entry):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, ItemsView):
        return "[" + ", ".join(f"{k}={java_string(v)}" for k, v in value) + "]"
    if isinstance(value, list | tuple | KeysView | ValuesView):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    return str(value)


# --- Java methods -------------------------------------------------------------------------


def _java_replacement(repl: str) -> str:
    """Java's ``$1`` group references → Python's ``\\g<1>``; ``\\$`` stays a dollar."""
    return re.sub(r"\\(.)|\$(\d+)", lambda m: m.group(1) or rf"\g<{m.group(2)}>", repl)


def _index_of(s: Any, sub: Any, start: int = 0) -> int:
    return s.find(sub, start) if isinstance(s, str) else (s.index(sub) if sub in s else -1)


def _substring(s: str, begin: int, end: int | None = None) -> str:
    """Java's ``substring``: out-of-range indices fail (StringIndexOutOfBoundsException)."""
    stop = len(s) if end is None else end
    if begin < 0 or stop > len(s) or begin > stop:
        raise IndexError(f"substring({begin}, {stop}) of a string of length {len(s)}")
    return s[begin:stop]


def _split(s: str, regex: str, limit: int = 0) -> list[str]:
    parts = re.split(regex, s, maxsplit=max(limit - 1, 0)) if limit > 0 else re.split(regex, s)
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def _entries(m: Mapping[str, Any]) -> list[_Entry]:
    return [_Entry(key=k, value=v) for k, v in m.items()]


def _put(m: dict[str, Any], key: str, value: Any) -> Any:
    previous = m.get(key)
    m[key] = value
    return previous


def _java_matches(s: str, regex: str) -> bool:
    return re.fullmatch(regex, s) is not None


_STRING: dict[str, Callable[..., Any]] = {
    "length": len,
    "isEmpty": lambda s: len(s) == 0,
    "toString": lambda s: s,
    "toLowerCase": str.lower,
    "toUpperCase": str.upper,
    "trim": str.strip,
    "equals": lambda s, o: s == o,
    "equalsIgnoreCase": lambda s, o: isinstance(o, str) and s.lower() == o.lower(),
    "contains": lambda s, o: str(o) in s,
    "startsWith": lambda s, p: s.startswith(p),
    "endsWith": lambda s, p: s.endswith(p),
    "indexOf": _index_of,
    "lastIndexOf": lambda s, sub: s.rfind(sub),
    "charAt": lambda s, i: s[i],
    "concat": lambda s, o: s + o,
    "substring": _substring,
    "matches": _java_matches,
    "replaceAll": lambda s, regex, repl: re.sub(regex, _java_replacement(repl), s),
    "replaceFirst": lambda s, regex, repl: re.sub(regex, _java_replacement(repl), s, count=1),
    "split": _split,
}
_LIST: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda lst: len(lst) == 0,
    "get": lambda lst, i: lst[i],
    "contains": lambda lst, v: v in lst,
    "indexOf": _index_of,
    "add": lambda lst, v: lst.append(v) or True,
    "addAll": lambda lst, vs: lst.extend(vs) or True,
    "set": ops.array_set,
    "toString": java_string,
}
_MAP: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda m: len(m) == 0,
    "containsKey": lambda m, k: k in m,
    "containsValue": lambda m, v: v in m.values(),
    "keySet": lambda m: list(m.keys()),
    "entrySet": _entries,
    "put": _put,
    "putAll": lambda m, other: m.update(other),
    "remove": lambda m, k: m.pop(k, None),
    "toString": java_string,
}
_SCALAR: dict[str, Callable[..., Any]] = {"toString": java_string, "equals": lambda a, b: a == b}


# --- engine patches -----------------------------------------------------------------------


class _LoopBreak(ops.TemplateExecutionError):
    """Raised by ``#break``; a TemplateExecutionError so that elements re-raise it as is."""

    def __init__(self) -> None:
        Exception.__init__(self, "#break")


class _BreakDirective(ops._Element):
    START = re.compile(r"#(?:break|\{break\})\b(.*)", re.S)

    def parse(self) -> None:
        self.identity_match(self.START)

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        raise _LoopBreak()


class ForeachDirective(ops.ForeachDirective):
    """``#foreach`` that ``#break`` leaves."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        with contextlib.suppress(_LoopBreak):
            super().evaluate_raw(stream, namespace, loader)


_ORIGINAL_CALCULATE = ops.VariableExpression.calculate


class _NullAsEmpty(ops.VariableExpression):
    """API Gateway resolves a null reference to the empty string, so ``$x == ""`` holds for an
    unmatched ``$input.path`` (LocalStack's AWS-recorded ``test_input_path_template_formatting``:
    ``isNull`` and ``isEmptyString`` are both ``"true"``) and ``#if($missing)`` is false."""

    def calculate(self, namespace: Any, loader: Any, global_namespace: Any = None) -> Any:
        value = _ORIGINAL_CALCULATE(self, namespace, loader, global_namespace)
        return "" if value is None else value


_installed = False


def install() -> None:
    """Give airspeed Java's methods and printing, ``#break`` and null-as-empty (idempotent)."""
    global _installed
    if _installed:
        return
    extra = ops.__additional_methods__
    extra.setdefault(str, {}).update(_STRING)
    for list_type in (list, JsonList):
        extra.setdefault(list_type, {}).update(_LIST)
    for map_type in (dict, VtlMap, JsonMap, _Entry):
        extra.setdefault(map_type, {}).update(_MAP)
    for scalar in (int, float, bool):
        extra.setdefault(scalar, {}).update(_SCALAR)
    ops.value_to_string = java_string
    ops.ForeachDirective = ForeachDirective
    ops.VariableExpression = _NullAsEmpty
    if _BreakDirective not in ops.UserDefinedDirective.DIRECTIVES:
        ops.UserDefinedDirective.DIRECTIVES.append(_BreakDirective)
    _installed = True


@functools.lru_cache(maxsize=512)
def _compile(template: str) -> Any:
    """A parsed template, reusable across requests (parsing dominates small templates)."""
    install()
    try:
        compiled = airspeed.Template(template)
        compiled.ensure_compiled()
    except ops.TemplateSyntaxError as exc:
        raise MappingTemplateError(f"malformed mapping template: {exc}") from exc
    return compiled


def merge(template: str, namespace: Mapping[str, Any]) -> str:
    """Render ``template`` against ``namespace``; :class:`MappingTemplateError` if it fails."""
    compiled = _compile(template)
    stream = ops.StoppableStream()
    try:
        compiled.merge_to(dict(namespace), stream)
    except _LoopBreak:
        pass  # #break outside a loop ends the template, as Velocity does
    except ops.TemplateError as exc:
        raise MappingTemplateError(f"mapping template failed: {exc}") from exc
    except RecursionError as exc:  # runaway #macro recursion
        raise MappingTemplateError("mapping template recursed too deeply") from exc
    return stream.getvalue()
