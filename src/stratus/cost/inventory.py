"""The priced resources of a stage, read from its templates.

Only what changes a bill is kept: a function's memory and architecture, an API's routes and
cache, a table's billing mode, a distribution's price class and origins... Links between
resources (which function an API method, an S3 notification, a queue mapping or a rule
invokes) are found from the template's own `Ref`/`Fn::GetAtt`, so the traffic of a profile
flows along the same edges the CDK app declared.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from stratus.cost.templates import StackTemplate


def refs(value: Any) -> set[str]:
    """Logical ids a template value refers to (Ref, Fn::GetAtt, Fn::Sub's ${Id...})."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(str(target))
            else:
                found |= refs(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= refs(inner)
    return found


@dataclass
class Res:
    stack: str
    logical_id: str
    type: str
    props: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.stack}/{self.logical_id}"

    def names(self) -> list[str]:
        """What a profile pattern may match: logical id, declared name, stack name, and
        `Stack/LogicalId` (unique across stacks that reuse a logical id)."""
        out = [self.logical_id, self.stack, self.key]
        for prop in ("Name", "FunctionName", "TableName", "QueueName", "TopicName", "BucketName"):
            value = self.props.get(prop)
            if isinstance(value, str):
                out.append(value)
        return out


@dataclass
class Route:
    method: str
    path: str
    function: str | None  # logical id of the Lambda proxy target


@dataclass
class Inventory:
    stacks: list[StackTemplate]
    by_key: dict[str, Res] = field(default_factory=dict)

    @classmethod
    def of(cls, stacks: Sequence[StackTemplate]) -> Inventory:
        inv = cls(list(stacks))
        for stack in stacks:
            for lid, body in stack.resources.items():
                if isinstance(body, dict) and isinstance(body.get("Type"), str):
                    props = body.get("Properties")
                    res = Res(
                        stack.name, lid, body["Type"], props if isinstance(props, dict) else {}
                    )
                    inv.by_key[res.key] = res
        return inv

    def of_type(self, *types: str) -> list[Res]:
        return [r for r in self.by_key.values() if r.type in types]

    def in_stack(self, stack: str, *types: str) -> list[Res]:
        return [r for r in self.of_type(*types) if r.stack == stack]

    def get(self, stack: str, logical_id: str) -> Res | None:
        return self.by_key.get(f"{stack}/{logical_id}")

    def referencing(self, res: Res, *types: str) -> Iterator[Res]:
        """Resources of `types` in the same stack whose properties refer to `res`."""
        for other in self.in_stack(res.stack, *types):
            if res.logical_id in refs(other.props):
                yield other

    # --- API Gateway -------------------------------------------------------------------
    def api_routes(self, api: Res) -> list[Route]:
        """REST API methods (OPTIONS preflights left out) with their Lambda proxy targets."""
        paths = self._resource_paths(api)
        routes = []
        for method in self.in_stack(api.stack, "AWS::ApiGateway::Method"):
            if method.props.get("RestApiId", {}).get("Ref") != api.logical_id:
                continue
            verb = str(method.props.get("HttpMethod", "ANY"))
            if verb == "OPTIONS":
                continue
            parent = method.props.get("ResourceId")
            path = paths.get(next(iter(refs(parent)), ""), "/")
            routes.append(
                Route(verb, path, self._lambda_target(api.stack, method.props.get("Integration")))
            )
        for route in self.in_stack(api.stack, "AWS::ApiGatewayV2::Route"):
            if route.props.get("ApiId", {}).get("Ref") != api.logical_id:
                continue
            verb, _, path = str(route.props.get("RouteKey", "ANY /")).partition(" ")
            target = None
            for integ_id in refs(route.props.get("Target")):
                integ = self.get(api.stack, integ_id)
                if integ is not None:
                    target = self._lambda_target(api.stack, integ.props.get("IntegrationUri"))
            routes.append(Route(verb, path or "/", target))
        return routes

    def _resource_paths(self, api: Res) -> dict[str, str]:
        parts = {
            r.logical_id: (
                next(iter(refs(r.props.get("ParentId"))), ""),
                str(r.props.get("PathPart", "")),
            )
            for r in self.in_stack(api.stack, "AWS::ApiGateway::Resource")
        }

        def path(lid: str, depth: int = 0) -> str:
            if lid not in parts or depth > 50:
                return ""
            parent, part = parts[lid]
            return f"{path(parent, depth + 1)}/{part}"

        return {lid: path(lid) for lid in parts}

    def _lambda_target(self, stack: str, value: Any) -> str | None:
        for lid in sorted(refs(value)):
            res = self.get(stack, lid)
            if res is not None and res.type == "AWS::Lambda::Function":
                return lid
            if res is not None and res.type in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                return self._lambda_target(stack, res.props.get("FunctionName"))
        return None

    def function_of(self, stack: str, value: Any) -> str | None:
        return self._lambda_target(stack, value)
