"""The front door routes once, runs hooks by (service, operation) and marks only writes dirty."""

from __future__ import annotations

import asyncio

from starlette.responses import Response
from tests.unit.local.core.wire import wire_request

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.front_door import FrontDoor
from stratus.local.core.hooks import HookTable
from stratus.local.core.registry import Hook, PathRoute


class FakeMoto:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.seen: list[str] = []

    async def __call__(self, request: AwsRequest) -> Response:
        self.seen.append(request.path)
        return Response(b"moto", status_code=self.status)


def _door(hooks: HookTable, moto: FakeMoto, dirty: list[AwsCall]) -> FrontDoor:
    return FrontDoor(moto, hooks=hooks, on_mutation=dirty.append)


def test_before_hook_for_the_exact_operation_answers_instead_of_moto() -> None:
    hooks = HookTable()

    async def answer(call: AwsCall) -> Response | None:
        return Response(b"hooked", status_code=201)

    hooks.add([Hook("sqs", "SendMessage", before=answer)])
    moto, dirty = FakeMoto(), []
    request = wire_request("sqs", "send_message", QueueUrl="http://x/0/q", MessageBody="b")
    response = asyncio.run(_door(hooks, moto, dirty).handle(request))
    assert response.body == b"hooked"
    assert moto.seen == []
    assert [c.operation for c in dirty] == ["SendMessage"]


def test_hook_for_another_operation_is_not_run() -> None:
    hooks = HookTable()
    ran: list[str] = []

    async def answer(call: AwsCall) -> Response | None:
        ran.append("x")
        return Response(b"hooked")

    hooks.add([Hook("sqs", "DeleteQueue", before=answer)])
    request = wire_request("sqs", "send_message", QueueUrl="http://x/0/q", MessageBody="b")
    response = asyncio.run(_door(hooks, FakeMoto(), []).handle(request))
    assert response.body == b"moto"
    assert ran == []


def test_after_hook_sees_success_and_never_a_failure() -> None:
    hooks = HookTable()
    seen: list[tuple[str | None, int]] = []

    async def after(call: AwsCall, response: Response) -> None:
        seen.append((call.operation, response.status_code))

    hooks.add([Hook("s3", None, after=after)])
    put = wire_request("s3", "put_object", Bucket="b", Key="k", Body=b"x")
    asyncio.run(_door(hooks, FakeMoto(200), []).handle(put))
    asyncio.run(_door(hooks, FakeMoto(404), []).handle(put))
    assert seen == [("PutObject", 200)]


def test_a_failing_after_hook_does_not_fail_the_write() -> None:
    hooks = HookTable()

    async def broken(call: AwsCall, response: Response) -> None:
        raise RuntimeError("delivery failed")

    hooks.add([Hook("s3", "PutObject", after=broken)])
    put = wire_request("s3", "put_object", Bucket="b", Key="k", Body=b"x")
    assert asyncio.run(_door(hooks, FakeMoto(), []).handle(put)).status_code == 200


def test_reads_never_mark_state_dirty() -> None:
    dirty: list[AwsCall] = []
    door = _door(HookTable(), FakeMoto(), dirty)
    for request in (
        wire_request("dynamodb", "get_item", TableName="t", Key={"k": {"S": "v"}}),
        wire_request("dynamodb", "query", TableName="t", KeyConditionExpression="k = :v"),
        wire_request("sqs", "list_queues"),
        wire_request("s3", "get_object", Bucket="b", Key="k"),
    ):
        asyncio.run(door.handle(request))
    assert dirty == []
    asyncio.run(door.handle(wire_request("dynamodb", "put_item", TableName="t", Item={})))
    assert [c.operation for c in dirty] == ["PutItem"]


def test_path_route_answers_before_routing() -> None:
    hooks = HookTable()

    async def jwks(request: AwsRequest) -> Response | None:
        return Response(b"keys")

    hooks.add_paths([PathRoute(frozenset({"GET"}), r"^/pool_1/\.well-known/jwks\.json$", jwks)])
    request = AwsRequest(
        "GET", "/pool_1/.well-known/jwks.json", "/pool_1/.well-known/jwks.json", "", {}, b""
    )
    assert asyncio.run(_door(hooks, FakeMoto(), []).handle(request)).body == b"keys"
