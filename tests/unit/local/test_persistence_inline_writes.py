"""Short journaled writes answered on the event loop keep every durability promise.

Requests here reach MotoApp as the front door hands them over (routed, in CURRENT_CALL), so
short writes (DynamoDB items, SQS sends, S3 objects) take `DurableState.try_apply` on the
loop when the write lock is free, and the thread path when it is not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core import durable
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.durable import DurableState
from stratus.local.core.front_door import CURRENT_CALL
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.router import route

SERVICES = ("dynamodb", "s3", "sqs")


class Routed(MotoAsgi):
    """MotoAsgi, with the request routed first as the front door does."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        from starlette.requests import Request

        from stratus.local.core.front_door import to_aws_request

        request = to_aws_request(scope, await Request(scope, receive).body())
        token = CURRENT_CALL.set(route(request))
        try:
            response = await self.moto.handle(request)
        finally:
            CURRENT_CALL.reset(token)
        await response(scope, receive, send)


@pytest.fixture(scope="module")
def moto() -> MotoApp:
    return MotoApp()


@pytest.fixture(scope="module")
def aws(moto: MotoApp) -> Iterator[Any]:
    with serve(Routed(moto)) as url:
        yield client_factory(url)


class Counting:
    def __init__(self, state: DurableState) -> None:
        self.inline = 0
        self.threaded = 0
        self.synced_when_answered: list[bool] = []
        inline, threaded = state.try_apply, state.apply
        writer = state._writer
        assert writer is not None

        def try_apply(request: AwsRequest, execute: Any) -> Any:
            applied = inline(request, execute)
            if applied is not None:
                self.inline += 1
            return applied

        def apply(request: AwsRequest, execute: Any) -> Any:
            self.threaded += 1
            return threaded(request, execute)

        state.try_apply = try_apply  # type: ignore[method-assign]
        state.apply = apply  # type: ignore[method-assign]


@pytest.fixture
def state(moto: MotoApp, tmp_path: Path) -> Iterator[DurableState]:
    moto.writes = None
    moto.reset()
    opened = DurableState(tmp_path / "state", SERVICES)
    opened.open(moto.call)
    moto.writes = opened
    yield opened
    if durable._active is not None:
        durable._active.close(snapshot=False)
    moto.writes = None
    moto.reset()


def _reopen(moto: MotoApp, state: DurableState) -> DurableState:
    """A crash (no last snapshot), forgetting moto's state, then `up` again."""
    state.close(snapshot=False)
    moto.writes = None
    moto.reset()
    again = DurableState(state.directory, SERVICES)
    again.recovery = again.open(moto.call)  # type: ignore[attr-defined]
    moto.writes = again
    return again


def test_short_writes_run_on_the_loop_are_synced_before_the_answer_and_replay_exactly(
    moto: MotoApp, aws: Any, state: DurableState
) -> None:
    ddb, sqs = aws("dynamodb"), aws("sqs")
    ddb.create_table(
        TableName="todos",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    counting = Counting(state)
    writer = state._writer
    assert writer is not None
    message_ids = []
    for i in range(20):
        ddb.put_item(TableName="todos", Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
        assert writer._durable >= writer._written  # acknowledged only once on disk
        ddb.update_item(
            TableName="todos",
            Key={"pk": {"S": f"k{i}"}},
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        message_ids.append(sqs.send_message(QueueUrl=queue, MessageBody=str(i))["MessageId"])
        assert writer._durable >= writer._written
    assert counting.inline == 60 and counting.threaded == 0

    again = _reopen(moto, state)
    assert again.recovery.mismatches == 0  # type: ignore[attr-defined]
    items = ddb.scan(TableName="todos")["Items"]
    assert sorted(int(item["n"]["N"]) for item in items) == list(range(1, 21))
    got: list[str] = []
    while len(got) < 20:
        got += [
            m["MessageId"]
            for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        ]
    assert sorted(got) == sorted(message_ids)


def test_a_short_write_waits_in_a_thread_while_the_write_lock_is_held(
    aws: Any, state: DurableState
) -> None:
    ddb = aws("dynamodb")
    ddb.create_table(
        TableName="locked",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    counting = Counting(state)
    state._lock.acquire()
    done = threading.Event()

    def put() -> None:
        ddb.put_item(TableName="locked", Item={"pk": {"S": "a"}})
        done.set()

    threading.Thread(target=put, daemon=True).start()
    assert not done.wait(0.3)  # the loop did not run it: it waits for the lock in a thread
    state._lock.release()
    assert done.wait(10)
    assert counting.threaded == 1 and counting.inline == 0
    assert ddb.get_item(TableName="locked", Key={"pk": {"S": "a"}})["Item"]
