"""The local cloud calling its own AWS endpoint as an AWS service does (Lambda's pollers
reading a queue): a JSON-protocol request answered in-process by the endpoint's handler --
routing, every hook, moto, the journal, as over its socket -- on the event loop, with no
socket, no thread hop and no boto3 client.

Why not a boto3 client: it is synchronous, so every call went to a thread and over loopback
HTTP back into this same process, and its own work (serialising, signing, parsing the
answer) cost ~1 ms of CPU per call on the cores serving the request that caused it. No
library sends a botocore request to an in-process ASGI handler asynchronously, so the wire
is written here, from botocore's service model (each service's JSON version and target
prefix: https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html).

The request is signed with the cloud's root credentials, because moto picks the backend by
the SigV4 scope; the signature is not checked: the call acts as the AWS service
(`iam.enforce.acting_as_service`), whose permission the caller judged itself -- Lambda
checks a mapping's execution role when the mapping starts (`event_sources.role_check`). The
answer is the wire's JSON as sent: blobs stay base64 text and timestamps epoch numbers,
where botocore would have decoded them. An error answer raises `ServiceCallError` with AWS's
error code and message.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.played import played
from stratus.local.core.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY

if TYPE_CHECKING:
    from stratus.local.core.context import CloudContext

# The AWS endpoint's handler, in-process (core.front_door.FrontDoor.answer).
LocalEndpoint = Callable[[AwsRequest], Awaitable[Response]]


class ServiceCallError(Exception):
    """The endpoint answered the call with an AWS error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Wire:
    content_type: str
    target_prefix: str
    signing_name: str
    model: Any  # botocore's ServiceModel


@functools.cache
def _serializer() -> Any:
    from botocore.serialize import create_serializer

    return create_serializer("json", include_validation=False)


@functools.cache
def _wire(service: str) -> _Wire:
    """The JSON protocol's facts for `service`, from botocore's service model (read through
    the process's shared loader: `core.botocore_data`)."""
    from stratus.local.core.botocore_data import botocore_session

    model = botocore_session().get_service_model(service)
    meta = model.metadata
    if "json" not in meta.get("protocols", [meta.get("protocol")]):
        raise ValueError(f"{service} does not speak the AWS JSON protocol")
    return _Wire(
        content_type=f"application/x-amz-json-{meta['jsonVersion']}",
        target_prefix=meta["targetPrefix"],
        signing_name=meta.get("signingName") or meta["endpointPrefix"],
        model=model,
    )


class ServiceCaller:
    """Calls one JSON-protocol service of the endpoint: `await caller("ReceiveMessage", ...)`."""

    def __init__(self, endpoint: LocalEndpoint, service: str, *, region: str, host: str) -> None:
        self._endpoint = endpoint
        self._wire = _wire(service)
        self._region = region
        self._host = host
        self._signer = SigV4Auth(
            Credentials(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY),
            self._wire.signing_name,
            region,
        )

    def request(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> AwsRequest:
        """The signed request a client would send for `operation` (`body`: already
        serialized `params`)."""
        if body is None:
            body = json.dumps(params, separators=(",", ":")).encode()
        signed = AWSRequest(
            method="POST",
            url=f"http://{self._host}/",
            data=body,
            headers={
                **(headers or {}),
                "Content-Type": self._wire.content_type,
                "X-Amz-Target": f"{self._wire.target_prefix}.{operation}",
                "Host": self._host,
            },
        )
        self._signer.add_auth(signed)
        headers = {name.lower(): str(value) for name, value in signed.headers.items()}
        headers["content-length"] = str(len(body))
        return AwsRequest("POST", "/", "/", "", headers, body)

    async def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        """`params` as the wire carries them (blobs base64, timestamps epoch seconds)."""
        return await self._send(self.request(operation, params))

    async def call_shaped(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """`params` as boto3 takes them (bytes, datetimes): botocore's own serializer writes
        the body. `headers` go along (e.g. X-Amzn-Trace-Id, as an instrumented SDK sends)."""
        operation_model = self._wire.model.operation_model(operation)
        wire = _serializer().serialize_to_request(params, operation_model)
        extra = {k: v for k, v in wire["headers"].items() if k.lower().startswith("x-amzn-")}
        request = self.request(
            operation, params, headers={**extra, **(headers or {})}, body=wire["body"]
        )
        return await self._send(request)

    async def _send(self, request: AwsRequest) -> dict[str, Any]:
        from stratus.local.iam.enforce import acting_as_service

        with acting_as_service():
            response = await self._endpoint(request)
        answer = await played(response)
        try:
            payload = json.loads(answer.body) if answer.body else {}
        except ValueError:
            payload = None
        if not 200 <= answer.status < 300:
            raise _error(answer.status, payload, answer.body)
        if not isinstance(payload, dict):
            raise ServiceCallError(answer.status, "InvalidResponse", answer.body[:200].decode())
        return payload


def _error(status: int, payload: Any, body: bytes) -> ServiceCallError:
    """AWS JSON errors name their type in `__type` (after a '#', if any) and a message in
    `message` or `Message` (https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html,
    "Operation error serialization")."""
    if not isinstance(payload, dict):
        return ServiceCallError(status, "Unknown", body[:200].decode(errors="replace"))
    code = str(payload.get("__type", "Unknown")).rsplit("#", 1)[-1]
    message = str(payload.get("message") or payload.get("Message") or "")
    return ServiceCallError(status, code, message)


def local_caller(cloud: CloudContext, service: str, region: str | None = None) -> ServiceCaller:
    """A caller of `service` on the running cloud's own endpoint (in `region`: its default)."""
    if cloud.aws_endpoint is None:
        raise RuntimeError("the AWS endpoint is not running in this process")
    host = urlsplit(cloud.settings.aws_endpoint).netloc
    return ServiceCaller(
        cloud.aws_endpoint, service, region=region or cloud.settings.region, host=host
    )


def blocking(
    caller: ServiceCaller, loop: asyncio.AbstractEventLoop, *, timeout: float = 30.0
) -> Callable[..., dict[str, Any]]:
    """`caller` for a thread of the cloud's own (e.g. the log shipper): the call runs on
    `loop` and the thread waits for its answer. Never call it on the loop's own thread."""

    def call(operation: str, **params: Any) -> dict[str, Any]:
        if _running_on(loop):
            raise RuntimeError("a blocking service call on the event loop would wait forever")
        future = asyncio.run_coroutine_threadsafe(caller(operation, **params), loop)
        return future.result(timeout)

    return call


def _running_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
