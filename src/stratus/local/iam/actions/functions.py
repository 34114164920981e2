"""Lambda: the function (version, alias), event source mapping or layer a call acts on.

From https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html
and https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html:
- a function is named by name, `name:qualifier`, full ARN or partial ARN
  (`123456789012:function:name`), plus an optional `Qualifier`; a qualified call acts on
  `function:name:qualifier`, so a grant on the unqualified ARN does not cover it (as AWS);
- Invoke, InvokeWithResponseStream and the deprecated InvokeAsync are authorized by
  `lambda:InvokeFunction` (InvokeAsync "requires permission for the lambda:InvokeFunction
  action": https://docs.aws.amazon.com/lambda/latest/dg/API_InvokeAsync.html),
  GetLayerVersionByArn by `lambda:GetLayerVersion`;
- CreateEventSourceMapping and the List* calls take "*" (with `lambda:FunctionArn`), the
  other mapping calls `event-source-mapping:<UUID>`;
- layers: PublishLayerVersion on `layer:<name>`, the version calls on `layer:<name>:<n>`;
- CreateFunction, and UpdateFunctionConfiguration with a Role, also pass that role:
  `iam:PassRole` with `iam:PassedToService` = lambda.amazonaws.com
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
"""

from __future__ import annotations

from stratus.local.iam.actions.base import Need, Request, is_arn, scalars

_ACTIONS = {
    "Invoke": "InvokeFunction",
    "InvokeWithResponseStream": "InvokeFunction",
    "InvokeAsync": "InvokeFunction",
    "GetLayerVersionByArn": "GetLayerVersion",
}
# Calls on the function as a whole (its versions and aliases are listed or made from it).
_UNQUALIFIED = frozenset(
    {
        "CreateAlias", "GetAlias", "UpdateAlias", "DeleteAlias", "ListAliases",
        "PublishVersion", "ListVersionsByFunction", "ListTags",
    }
)  # fmt: skip
_MAPPING_OPS = frozenset(
    {"GetEventSourceMapping", "UpdateEventSourceMapping", "DeleteEventSourceMapping"}
)
_LAYER_VERSION_OPS = frozenset(
    {
        "GetLayerVersion", "DeleteLayerVersion", "GetLayerVersionPolicy",
        "AddLayerVersionPermission", "RemoveLayerVersionPermission",
    }
)  # fmt: skip


def function_arn(req: Request, name: str, qualifier: str | None = None) -> str:
    """`name` in any accepted form -> arn:aws:lambda:<region>:<account>:function:<name>[:q]."""
    region, account = req.region, req.account
    if is_arn(name):
        parts = name.split(":")  # arn:aws:lambda:region:account:function:name[:qualifier]
        region, account = parts[3] or region, parts[4] or account
        rest = parts[6:]
    elif ":function:" in name:
        account, _, tail = name.partition(":function:")
        rest = tail.split(":")
    else:
        rest = name.split(":")
    base = rest[0] if rest else ""
    qualifier = qualifier or (rest[1] if len(rest) > 1 else None)
    arn = f"arn:aws:lambda:{region}:{account}:function:{base}"
    return f"{arn}:{qualifier}" if qualifier else arn


def _function(req: Request, *, qualified: bool = True) -> str | None:
    name = req.text("FunctionName")
    if name is None:
        return None
    arn = function_arn(req, name, req.text("Qualifier"))
    if not qualified:
        head, _, tail = arn.partition(":function:")
        arn = f"{head}:function:{tail.split(':', 1)[0]}"
    return arn


def _layer(req: Request, *, version: bool) -> str | None:
    name = req.text("LayerName")
    if name is None:
        return None
    layer = name if is_arn(name) else req.arn("lambda", f"layer:{name}")
    number = req.params.get("VersionNumber")
    return f"{layer}:{number}" if version and number not in (None, "") else layer


def _pass_role(req: Request) -> list[Need]:
    role = req.text("Role")
    if role is None:
        return []
    return [Need("iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"})]


def lambda_(req: Request) -> list[Need]:
    op = req.operation
    action = f"lambda:{_ACTIONS.get(op, op)}"
    ctx: dict[str, str | list[str]] = {}
    if op in ("CreateEventSourceMapping", "ListEventSourceMappings"):
        function = _function(req)
        if function:
            ctx["lambda:FunctionArn"] = function
        return [Need(action, "*", ctx)]
    if op in _MAPPING_OPS:
        uuid = req.text("UUID") or "*"
        function = _function(req)
        if function:
            ctx["lambda:FunctionArn"] = function
        return [Need(action, req.arn("lambda", f"event-source-mapping:{uuid}"), ctx)]
    if op == "GetLayerVersionByArn":
        return [Need(action, req.text("Arn") or "*")]
    if op in _LAYER_VERSION_OPS:
        return [Need(action, _layer(req, version=True) or "*")]
    if op == "PublishLayerVersion":
        return [Need(action, _layer(req, version=False) or "*")]
    if op in ("ListTags", "TagResource", "UntagResource"):
        return [Need(action, req.text("Resource") or req.text("ARN") or "*")]
    if op in ("CreateFunction", "UpdateFunctionConfiguration"):
        layers = scalars(req.params, "Layers")
        if layers:
            ctx["lambda:Layer"] = layers
        return [Need(action, _function(req) or "*", ctx), *_pass_role(req)]
    if op in ("AddPermission", "RemovePermission"):
        principal = req.text("Principal")
        if principal:
            ctx["lambda:Principal"] = principal
        return [Need(action, _function(req) or "*", ctx)]
    resource = _function(req, qualified=op not in _UNQUALIFIED)
    return [Need(action, resource or req.text("ResourceArn") or "*")]


MAPPERS = {"lambda": lambda_}
