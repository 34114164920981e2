"""EventBridge event patterns: parse (with AWS's validation errors) and match events.

Written here rather than wrapping moto's `moto.events.models.EventPattern` (5.2.5), because
measured against the documented semantics moto's matcher
- never descends into arrays of objects (`{"items": {"name": ["a"]}}` misses
  `{"items": [{"name": "a"}]}`), though AWS matches any element;
- treats `true` as equal to `1` and lets `numeric` match booleans;
- says a field holding `[]` exists, though AWS sees no leaf value there;
- flattens keys with dots, so a pattern key `"a.b"` matches the event path a → b;
- validates only "object or array" and empty arrays: it accepts unknown operators
  (`prefx`), non-numeric bounds, `exists: "yes"`, `a**b` wildcards, a CIDR without `/`.

Semantics (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
fields of a pattern are ANDed; the values in a field's array are ORed; an event array matches
if any element matches (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html);
`$or` takes sub-patterns of which one must match; operators apply to leaf values only, so
`exists` is about leaf values: an object or an empty array is not one.
Matching a nested pattern against an array of objects requires one element to satisfy the
whole nested pattern (event-ruler's array consistency).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stratus.local.events.operators import (
    EVENTBRIDGE,
    Condition,
    Dialect,
    PatternError,
    compile_condition,
)

MISSING: Any = object()  # the value at a path the event does not have


class InvalidEventPatternException(PatternError):
    """EventBridge's error for a malformed pattern (the API error code of the same name)."""

    code = "InvalidEventPatternException"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.args = (f"Event pattern is not valid. Reason: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class _Node:
    leaves: dict[str, list[Condition]] = field(default_factory=dict)
    children: dict[str, _Node] = field(default_factory=dict)
    ors: list[list[_Node]] = field(default_factory=list)


def compile_node(pattern: Mapping[str, Any], dialect: Dialect) -> _Node:
    """Compile one pattern object; raises PatternError with the matcher's reason."""
    node = _Node()
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or not value:
                raise PatternError("$or must be an array of objects")
            if not all(isinstance(branch, dict) for branch in value):
                raise PatternError("$or must be an array of objects")
            node.ors.append([compile_node(branch, dialect) for branch in value])
        elif isinstance(value, dict):
            node.children[key] = compile_node(value, dialect)
        elif isinstance(value, list):
            if not value:
                raise PatternError("Empty arrays are not allowed")
            node.leaves[key] = [compile_condition(spec, dialect) for spec in value]
        else:
            raise PatternError(f'"{key}" must be an object or an array')
    return node


def leaf_values(value: Any) -> list[Any]:
    """The leaf values at a path: scalars, and the scalars of (nested) arrays."""
    if value is MISSING or isinstance(value, dict):
        return []
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaf_values(item)]
    return [value]


def leaf_matches(conditions: list[Condition], value: Any) -> bool:
    """True if any condition holds: presence for `exists`, any leaf value for the rest."""
    values = leaf_values(value)
    for condition in conditions:
        if condition.exists is not None:
            if condition.exists == any(condition.test(v) for v in values):
                return True
        elif any(condition.test(v) for v in values):
            return True
    return False


def node_matches(node: _Node, event: Any) -> bool:
    """Match one compiled object against the event value at the same path."""
    if isinstance(event, list):
        objects = [item for item in event if isinstance(item, dict)]
        return any(node_matches(node, item) for item in objects or [MISSING])
    fields = event if isinstance(event, dict) else {}
    for key, conditions in node.leaves.items():
        if not leaf_matches(conditions, fields.get(key, MISSING)):
            return False
    for key, child in node.children.items():
        if not node_matches(child, fields.get(key, MISSING)):
            return False
    return all(any(node_matches(branch, event) for branch in branches) for branches in node.ors)


class EventPattern:
    """A validated EventBridge event pattern."""

    def __init__(self, source: dict[str, Any], root: _Node) -> None:
        self.source = source
        self._root = root

    @classmethod
    def parse(cls, pattern: str | Mapping[str, Any]) -> EventPattern:
        """Parse JSON text or a dict; raises InvalidEventPatternException like PutRule does."""
        if isinstance(pattern, str):
            try:
                loaded = json.loads(pattern)
            except json.JSONDecodeError as exc:
                raise InvalidEventPatternException(f"Invalid JSON: {exc.msg}") from exc
        else:
            loaded = pattern
        if not isinstance(loaded, Mapping):
            raise InvalidEventPatternException("Filter is not an object")
        source = dict(loaded)
        try:
            return cls(source, compile_node(source, EVENTBRIDGE))
        except InvalidEventPatternException:
            raise
        except PatternError as exc:
            raise InvalidEventPatternException(exc.reason) from exc

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether EventBridge would deliver `event` (a full envelope) to this rule."""
        return node_matches(self._root, event)
