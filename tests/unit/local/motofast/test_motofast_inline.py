"""Short moto calls run on the event loop; anything that may wait keeps its thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from motofast_wire import Wire

from stratus.local.core.front_door import CURRENT_CALL
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.router import route
from stratus.local.motofast import inline

ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def queues(wire: Wire) -> dict[str, str]:
    urls = {}
    for name, wait in (("inline-short", "0"), ("inline-long", "10")):
        status, body = wire.call(
            "sqs",
            "create_queue",
            QueueName=name,
            Attributes={"ReceiveMessageWaitTimeSeconds": wait},
        )
        assert status == 200, body
        urls[name] = f"http://127.0.0.1:4566/{ACCOUNT}/{name}"
    return urls


def short(wire: Wire, moto: MotoApp, service: str, operation: str, **params: Any) -> bool:
    return inline.is_short(route(wire.request(service, operation, **params)), moto.account_id)


def test_item_and_object_calls_are_short(wire: Wire, moto: MotoApp) -> None:
    assert short(wire, moto, "dynamodb", "get_item", TableName="t", Key={"k": {"S": "v"}})
    assert short(wire, moto, "dynamodb", "query", TableName="t", KeyConditionExpression="k = :v")
    assert short(wire, moto, "s3", "put_object", Bucket="b", Key="k", Body=b"x" * 1024)
    assert not short(wire, moto, "s3", "put_object", Bucket="b", Key="k", Body=b"x" * (2 << 20))
    assert not short(wire, moto, "dynamodb", "scan", TableName="t")
    assert not short(wire, moto, "dynamodb", "list_tables")
    assert not short(
        wire,
        moto,
        "cognito-idp",
        "initiate_auth",
        ClientId="c",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={},
    )


def test_receive_is_short_only_when_it_cannot_wait(
    wire: Wire, moto: MotoApp, queues: dict[str, str]
) -> None:
    quick, slow = queues["inline-short"], queues["inline-long"]
    assert short(wire, moto, "sqs", "receive_message", QueueUrl=quick)
    assert not short(wire, moto, "sqs", "receive_message", QueueUrl=slow)  # queue default
    assert short(wire, moto, "sqs", "receive_message", QueueUrl=slow, WaitTimeSeconds=0)
    assert not short(wire, moto, "sqs", "receive_message", QueueUrl=quick, WaitTimeSeconds=2)
    missing = f"http://127.0.0.1:4566/{ACCOUNT}/no-such-queue"
    assert not short(wire, moto, "sqs", "receive_message", QueueUrl=missing)


def test_handle_runs_short_calls_on_the_loop_and_long_polls_in_a_thread(
    wire: Wire, moto: MotoApp, queues: dict[str, str]
) -> None:
    seen: list[bool] = []
    original = moto.call

    def spy(request: Any) -> Any:
        seen.append(threading.current_thread() is threading.main_thread())
        return original(request)

    async def send(service: str, operation: str, **params: Any) -> int:
        request = wire.request(service, operation, **params)
        token = CURRENT_CALL.set(route(request))
        try:
            return (await moto.handle(request)).status_code
        finally:
            CURRENT_CALL.reset(token)

    async def scenario() -> None:
        assert (
            await send("sqs", "send_message", QueueUrl=queues["inline-long"], MessageBody="x")
            == 200
        )
        assert await send("sqs", "receive_message", QueueUrl=queues["inline-long"]) == 200
        request = wire.request("sqs", "get_queue_url", QueueName="inline-short")
        assert (await moto.handle(request)).status_code == 200  # not routed by the door

    moto.call = spy  # type: ignore[method-assign]
    try:
        asyncio.run(scenario())
    finally:
        del moto.call
    assert seen == [True, False, False]
