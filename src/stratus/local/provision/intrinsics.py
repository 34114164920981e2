"""Resolve CloudFormation intrinsic functions in a template fragment.

No library resolves intrinsics against live physical ids (cfn-lint only validates them, and
moto's CloudFormation runs its own provisioning we do not want), so this is written by hand.
It is pure: resources, parameters and exports come in through `ResolveContext`; the result
is plain JSON with every Ref / Fn::* replaced and `AWS::NoValue` keys removed.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

NO_VALUE: Any = object()  # Ref AWS::NoValue: the enclosing key or list item disappears
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
BOOTSTRAP_VERSION = (
    "30"  # what CDK's SSM bootstrap-version parameter holds on a bootstrapped account
)


class IntrinsicError(Exception):
    """An intrinsic could not be resolved; the message names stack, logical id and path."""


@dataclass
class ResolveContext:
    stack_name: str
    region: str
    account_id: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"
    parameters: dict[str, Any] = field(default_factory=dict)  # resolved values
    conditions: dict[str, Any] = field(default_factory=dict)  # raw template Conditions
    mappings: dict[str, Any] = field(default_factory=dict)
    exports: dict[str, Any] = field(default_factory=dict)  # Export.Name -> value (earlier stacks)
    ref: Callable[[str], Any] | None = None  # logical id -> physical id (KeyError if unknown)
    get_att: Callable[[str, str], Any] | None = None  # (logical id, attribute) -> value
    _condition_cache: dict[str, bool] = field(default_factory=dict)

    @property
    def stack_id(self) -> str:
        stack_uuid = uuid.uuid5(
            uuid.NAMESPACE_URL, f"{self.account_id}/{self.region}/{self.stack_name}"
        )
        prefix = f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}"
        return f"{prefix}:stack/{self.stack_name}/{stack_uuid}"

    def pseudo(self, name: str) -> Any:
        values = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name not in values:
            raise KeyError(name)
        return values[name]


def parameter_values(
    template: dict[str, Any], overrides: dict[str, str] | None = None
) -> dict[str, Any]:
    """Template parameters: override > Default; SSM-typed ones resolve to a fixed local value."""
    overrides = overrides or {}
    values: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        ptype = str(spec.get("Type", "String"))
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            continue  # resolving a Ref to it raises a clear error
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            # CDK's BootstrapVersion reads an SSM parameter of the bootstrap stack; locally
            # there is no bootstrap stack, so it holds the version CDK checks for.
            raw = BOOTSTRAP_VERSION if name == "BootstrapVersion" else raw
        if ptype.startswith("List<") or ptype == "CommaDelimitedList":
            raw = raw if isinstance(raw, list) else [s.strip() for s in str(raw).split(",")]
        values[name] = raw
    return values


class Resolver:
    def __init__(self, ctx: ResolveContext) -> None:
        self.ctx = ctx

    # -- entry points -----------------------------------------------------------------
    def resolve(self, value: Any, where: str) -> Any:
        """Resolve `value`; `where` is "LogicalId" or "LogicalId.Properties" for errors."""
        result = self._resolve(value, where)
        return None if result is NO_VALUE else result

    def condition(self, name: str, where: str = "Conditions") -> bool:
        cache = self.ctx._condition_cache
        if name not in cache:
            if name not in self.ctx.conditions:
                raise self._error(where, f"unknown condition {name!r}")
            cache[name] = bool(self._cond(self.ctx.conditions[name], f"Conditions.{name}"))
        return cache[name]

    # -- internals --------------------------------------------------------------------
    def _error(self, where: str, message: str) -> IntrinsicError:
        return IntrinsicError(f"{self.ctx.stack_name}/{where}: {message}")

    def _resolve(self, value: Any, path: str) -> Any:
        if isinstance(value, list):
            items = [self._resolve(v, f"{path}[{i}]") for i, v in enumerate(value)]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            # {"Condition": "Name"} is an intrinsic only with a string (IAM has Condition blocks).
            if (
                key == "Ref"
                or key.startswith("Fn::")
                or (key == "Condition" and isinstance(arg, str))
            ):
                handler = _HANDLERS.get(key)
                if handler is None:
                    raise self._error(path, f"unsupported intrinsic {key}")
                return handler(self, arg, f"{path}.{key}")
        out: dict[str, Any] = {}
        for k, v in value.items():
            resolved = self._resolve(v, f"{path}.{k}")
            if resolved is not NO_VALUE:
                out[k] = resolved
        return out

    def _cond(self, value: Any, path: str) -> bool:
        result = self._resolve(value, path)
        if isinstance(result, str) and result.lower() in ("true", "false"):
            return result.lower() == "true"
        if not isinstance(result, bool):
            raise self._error(path, f"condition did not evaluate to a boolean: {result!r}")
        return result

    def _ref(self, name: Any, path: str) -> Any:
        if not isinstance(name, str):
            raise self._error(path, f"Ref needs a name, got {name!r}")
        if name.startswith("AWS::"):
            try:
                return self.ctx.pseudo(name)
            except KeyError:
                raise self._error(path, f"unknown pseudo parameter {name}") from None
        if name in self.ctx.parameters:
            return self.ctx.parameters[name]
        if self.ctx.ref is not None:
            try:
                return self.ctx.ref(name)
            except KeyError:
                pass
        raise self._error(path, f"Ref to unknown or not yet created {name!r}")

    def _get_att(self, arg: Any, path: str) -> Any:
        if isinstance(arg, str):
            logical, _, attr = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2:
            logical, attr = arg[0], self._resolve(arg[1], path)
        else:
            raise self._error(path, f"Fn::GetAtt needs [LogicalId, Attribute], got {arg!r}")
        if self.ctx.get_att is None:
            raise self._error(path, f"GetAtt {logical}.{attr}: no resources")
        try:
            return self.ctx.get_att(logical, str(attr))
        except KeyError:
            raise self._error(
                path, f"GetAtt {logical}.{attr}: unknown resource or attribute"
            ) from None

    def _sub(self, arg: Any, path: str) -> str:
        if isinstance(arg, str):
            template, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            template = arg[0]
            variables = self._resolve(arg[1], f"{path}[1]")
        else:
            raise self._error(path, f"Fn::Sub needs a string or [string, vars], got {arg!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} is written out as ${Literal}
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                logical, _, attr = name.partition(".")
                value = self._get_att([logical, attr], path)
            else:
                value = self._ref(name, path)
            if isinstance(value, list | dict):
                raise self._error(path, f"Fn::Sub variable {name} is not a string")
            return str(value)

        return _SUB_VAR.sub(replace, template)

    def _join(self, arg: Any, path: str) -> str:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise self._error(path, "Fn::Join needs [delimiter, list]")
        items = self._resolve(arg[1], f"{path}[1]")
        if not isinstance(items, list):
            raise self._error(path, "Fn::Join needs a list")
        return str(arg[0]).join(_text(v) for v in items)

    def _select(self, arg: Any, path: str) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise self._error(path, "Fn::Select needs [index, list]")
        index = int(self._resolve(arg[0], path))
        items = self._resolve(arg[1], f"{path}[1]")
        if not isinstance(items, list) or not 0 <= index < len(items):
            raise self._error(path, f"Fn::Select index {index} out of range")
        return items[index]

    def _split(self, arg: Any, path: str) -> list[str]:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise self._error(path, "Fn::Split needs [delimiter, string]")
        return str(self._resolve(arg[1], path)).split(str(arg[0]))

    def _if(self, arg: Any, path: str) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            raise self._error(path, "Fn::If needs [condition, then, else]")
        chosen = arg[1] if self.condition(arg[0], path) else arg[2]
        return self._resolve(chosen, path)

    def _equals(self, arg: Any, path: str) -> bool:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise self._error(path, "Fn::Equals needs two values")
        left, right = (self._resolve(v, path) for v in arg)
        return _text(left) == _text(right) if not isinstance(left, list | dict) else left == right

    def _and(self, arg: Any, path: str) -> bool:
        return all(self._cond(v, f"{path}[{i}]") for i, v in enumerate(arg))

    def _or(self, arg: Any, path: str) -> bool:
        return any(self._cond(v, f"{path}[{i}]") for i, v in enumerate(arg))

    def _not(self, arg: Any, path: str) -> bool:
        inner = arg[0] if isinstance(arg, list) and len(arg) == 1 else arg
        return not self._cond(inner, path)

    def _condition_ref(self, arg: Any, path: str) -> bool:
        return self.condition(str(arg), path)

    def _import(self, arg: Any, path: str) -> Any:
        name = self._resolve(arg, path)
        if name not in self.ctx.exports:
            raise self._error(path, f"Fn::ImportValue: no stack exports {name!r}")
        return self.ctx.exports[name]

    def _find_in_map(self, arg: Any, path: str) -> Any:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            raise self._error(path, "Fn::FindInMap needs [map, key, key]")
        names = [self._resolve(v, path) for v in arg[:3]]
        try:
            return self.ctx.mappings[names[0]][names[1]][names[2]]
        except (KeyError, TypeError):
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self._resolve(arg[3]["DefaultValue"], path)
            raise self._error(path, f"Fn::FindInMap: no {'/'.join(map(str, names))}") from None

    def _base64(self, arg: Any, path: str) -> str:
        return base64.b64encode(_text(self._resolve(arg, path)).encode()).decode()

    def _get_azs(self, arg: Any, path: str) -> list[str]:
        region = self._resolve(arg, path) or self.ctx.region
        return [f"{region}{zone}" for zone in "abc"]

    def _cidr(self, arg: Any, path: str) -> list[str]:
        block, count, bits = (self._resolve(v, path) for v in arg)
        network = ipaddress.ip_network(str(block), strict=False)
        prefix = network.max_prefixlen - int(bits)
        subnets = network.subnets(new_prefix=prefix)
        return [str(next(subnets)) for _ in range(int(count))]

    def _to_json(self, arg: Any, path: str) -> str:
        return json.dumps(self._resolve(arg, path), separators=(",", ":"))

    def _length(self, arg: Any, path: str) -> int:
        value = self._resolve(arg, path)
        if not isinstance(value, list):
            raise self._error(path, "Fn::Length needs a list")
        return len(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


_HANDLERS: dict[str, Callable[[Resolver, Any, str], Any]] = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::Equals": Resolver._equals,
    "Fn::And": Resolver._and,
    "Fn::Or": Resolver._or,
    "Fn::Not": Resolver._not,
    "Condition": Resolver._condition_ref,
    "Fn::ImportValue": Resolver._import,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Base64": Resolver._base64,
    "Fn::GetAZs": Resolver._get_azs,
    "Fn::Cidr": Resolver._cidr,
    "Fn::ToJsonString": Resolver._to_json,
    "Fn::Length": Resolver._length,
}


def references(value: Any) -> set[str]:
    """Logical ids (or parameter names) that `value` refers to via Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str) and not arg.startswith("AWS::"):
                found.add(arg)
            elif key == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0]
                if isinstance(target, str):
                    found.add(target)
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                local = set(arg[1]) if isinstance(arg, list) and isinstance(arg[1], dict) else set()
                for name in _SUB_VAR.findall(text):
                    if name.startswith("!") or name.startswith("AWS::") or name in local:
                        continue
                    found.add(name.split(".", 1)[0])
                if isinstance(arg, list) and len(arg) > 1:
                    found |= references(arg[1])
            else:
                found |= references(arg)
    return found
