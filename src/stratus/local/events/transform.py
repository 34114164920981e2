"""What an EventBridge target receives: the event, `Input`, `InputPath` or an input transformer.

The transformer's quoting is AWS's and not a templating library's, so it is written here:
a placeholder inside a JSON string literal of the template gets the value's raw text (EventBridge
"doesn't escape values extracted by Input Path"); a placeholder outside string literals gets the
value as JSON (a string gains quotes); a template that is not JSON at all is plain text and every
value is inserted raw. A variable whose path is missing in the event becomes `null` outside
quotes and nothing inside quotes or in plain text.

Docs: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html,
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html,
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MISSING: Any = object()
MAX_VARIABLES = 100  # API_InputTransformer: InputPathsMap "Maximum number of 100 items"
MAX_TEMPLATE_CHARS = 8192  # API_InputTransformer: InputTemplate "Maximum length of 8192"
MAX_PATH_CHARS = 256  # API_InputTransformer: InputPathsMap value "Maximum length of 256"
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")  # API_InputTransformer key pattern
_PATH = re.compile(r"^\$(?:\.[A-Za-z0-9_\-/]+|\[(?:\d+|\*)\]|\.\*)*$")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
RESERVED = (
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
)


class InvalidInputTransformer(ValueError):
    """PutTargets' ValidationException for a malformed transformer or path."""


@dataclass(frozen=True)
class RuleContext:
    """The rule that matched, for the reserved variables."""

    rule_arn: str
    rule_name: str
    ingestion_time: str  # ISO 8601, when EventBridge received the event


def validate_path(path: str) -> None:
    """Accept the JSON path syntax EventBridge documents: dots, indices, `*` wildcards."""
    if len(path) > MAX_PATH_CHARS or not _PATH.match(path):
        raise InvalidInputTransformer(f"Invalid JSON path: {path}")


def json_path(document: Any, path: str) -> Any:
    """The value at `path` ($.detail.items[0].id, $.detail.items[*].id), or MISSING."""
    validate_path(path)
    tokens = re.findall(r"\.([A-Za-z0-9_\-/]+|\*)|\[(\d+|\*)\]", path)
    current: list[Any] = [document]
    fanned = False
    for name, index in tokens:
        step: list[Any] = []
        for node in current:
            if name == "*" or index == "*":
                fanned = True
                if isinstance(node, dict):
                    step.extend(node.values())
                elif isinstance(node, list):
                    step.extend(node)
            elif name and isinstance(node, dict) and name in node:
                step.append(node[name])
            elif index and isinstance(node, list) and int(index) < len(node):
                step.append(node[int(index)])
        current = step
    if fanned:
        return current
    return current[0] if current else MISSING


def _template_tokens(template: str) -> list[tuple[str | None, str, bool]]:
    """Split into (variable name or None, text, inside a JSON string literal)."""
    tokens: list[tuple[str | None, str, bool]] = []
    inside = False
    i = 0
    literal: list[str] = []
    while i < len(template):
        char = template[i]
        match = _PLACEHOLDER.match(template, i) if char == "<" else None
        if match:
            tokens.append((None, "".join(literal), inside))
            literal = []
            tokens.append((match.group(1), match.group(0), inside))
            i = match.end()
            continue
        if char == "\\" and inside and i + 1 < len(template):
            literal.append(template[i : i + 2])
            i += 2
            continue
        if char == '"':
            inside = not inside
        literal.append(char)
        i += 1
    tokens.append((None, "".join(literal), inside))
    return tokens


class InputTransformer:
    """A target's InputTransformer: variables from JSON paths, substituted into a template."""

    def __init__(self, input_template: str, input_paths_map: Mapping[str, str] | None = None):
        paths = dict(input_paths_map or {})
        if len(paths) > MAX_VARIABLES:
            raise InvalidInputTransformer("InputPathsMap can have at most 100 variables")
        if len(input_template) > MAX_TEMPLATE_CHARS:
            raise InvalidInputTransformer("InputTemplate is longer than 8192 characters")
        for name, path in paths.items():
            if name in RESERVED or name.startswith("aws.") or not _VARIABLE_NAME.match(name):
                raise InvalidInputTransformer(f"Invalid InputPathsMap variable name: {name}")
            validate_path(path)
        self.paths = paths
        self.template = input_template
        self._tokens = _template_tokens(input_template)
        self._is_json = self._template_is_json()

    def _template_is_json(self) -> bool:
        candidate = "".join(
            ("x" if inside else "null") if self._known(name) else text
            for name, text, inside in self._tokens
        )
        try:
            json.loads(candidate)
        except json.JSONDecodeError:
            return False
        return True

    def _known(self, name: str | None) -> bool:
        return name is not None and (name in self.paths or name in RESERVED)

    def variables(self, event: Mapping[str, Any], rule: RuleContext) -> dict[str, Any]:
        """Every variable's value (MISSING where the event lacks the path)."""
        values = {name: json_path(event, path) for name, path in self.paths.items()}
        values["aws.events.rule-arn"] = rule.rule_arn
        values["aws.events.rule-name"] = rule.rule_name
        values["aws.events.event.ingestion-time"] = rule.ingestion_time
        # Current docs: aws.events.event is "the original event payload as JSON (without the
        # detail field)"; aws.events.event.json is the full payload. Neither is escaped.
        values["aws.events.event"] = {k: v for k, v in event.items() if k != "detail"}
        values["aws.events.event.json"] = dict(event)
        return values

    def apply(self, event: Mapping[str, Any], rule: RuleContext) -> str:
        """The text the target receives for `event`."""
        values = self.variables(event, rule)
        out: list[str] = []
        for name, text, inside in self._tokens:
            if name is None or not self._known(name):
                out.append(text)
                continue
            value = values[name]
            if self._is_json and not inside:
                out.append("null" if value is MISSING else _compact(value))
            elif value is MISSING:
                continue
            else:
                out.append(value if isinstance(value, str) else _compact(value))
        return "".join(out)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def target_input(target: Mapping[str, Any], event: Mapping[str, Any], rule: RuleContext) -> str:
    """The payload for one PutTargets target: Input, InputPath, InputTransformer or the event.

    https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html: "If none of
    these are specified, EventBridge passes the full event" and at most one may be set.
    """
    given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
    if len(given) > 1:
        raise InvalidInputTransformer(
            "Only one of Input, InputPath, or InputTransformer must be provided"
        )
    if "Input" in given:
        return str(target["Input"])
    if "InputPath" in given:
        value = json_path(event, target["InputPath"])
        return "null" if value is MISSING else _compact(value)
    if "InputTransformer" in given:
        spec = target["InputTransformer"]
        transformer = InputTransformer(spec["InputTemplate"], spec.get("InputPathsMap"))
        return transformer.apply(event, rule)
    return _compact(dict(event))
