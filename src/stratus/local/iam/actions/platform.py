"""API Gateway (management and WebSocket connections), Rekognition and S3.

API Gateway management (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagement.html):
the action is the HTTP method (`apigateway:GET`, `apigateway:POST`...) and the resource the
request path under `arn:aws:apigateway:<region>::`, for v1 (`/restapis/...`) and v2
(`/v2/apis/...` is `/apis/...`) alike
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-create-and-manage-api.html).

WebSocket connections (`apigatewaymanagementapi`): `execute-api:ManageConnections` on
`arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/@connections/<id>`, the
API id read from the `<api-id>.execute-api.` host and the stage from the path before
`@connections` (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html).

Rekognition (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrekognition.html):
image analysis takes "*"; collection calls act on `collection/<CollectionId>`.

S3 stays with `s3guard.actions` (path-style requests, sub-resources, copy sources); its
checks are returned here as Needs so one entry point answers every service.
"""

from __future__ import annotations

from stratus.local.iam.actions.base import Need, Request
from stratus.local.s3guard import actions as s3_actions


def apigateway(req: Request) -> list[Need]:
    request = req.call.request
    path = request.path.split("?", 1)[0] or "/"
    if path.startswith("/v2/"):
        path = path[3:]
    return [
        Need(f"apigateway:{request.method.upper()}", f"arn:aws:apigateway:{req.region}::{path}")
    ]


def execute_api(req: Request) -> list[Need]:
    request = req.call.request
    host = request.headers.get("host", "")
    api_id = host.split(".execute-api.", 1)[0] if ".execute-api." in host else "*"
    path = request.path.split("?", 1)[0]
    stage, _, rest = path.lstrip("/").partition("@connections")
    stage = stage.strip("/") or "*"
    connection = rest.strip("/") or req.text("ConnectionId") or "*"
    method = request.method.upper()
    resource = f"{api_id}/{stage}/{method}/@connections/{connection}"
    return [Need("execute-api:ManageConnections", req.arn("execute-api", resource))]


def rekognition(req: Request) -> list[Need]:
    collection = req.text("CollectionId")
    if req.operation == "CreateCollection":  # no resource type: the collection is new
        collection = None
    resource = req.arn("rekognition", f"collection/{collection}") if collection else "*"
    return [Need(f"rekognition:{req.operation}", resource)]


def s3(req: Request) -> list[Need]:
    try:
        found = s3_actions.needs_for(req.call.request)
    except s3_actions.UnmappedRequestError:
        return [Need(f"s3:{req.operation}", "*")]
    return [Need(n.action, n.resource, dict(n.context)) for n in found]


MAPPERS = {
    "apigateway": apigateway,
    "apigatewayv2": apigateway,
    "apigatewaymanagementapi": execute_api,
    "rekognition": rekognition,
    "s3": s3,
}
