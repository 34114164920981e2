"""Reads never cost a save: calls that changed nothing append no journal entry and make no
snapshot due -- reads by name, and SQS receives that handed out no message (an idle poller)
-- while a receive that did change the queue stays journaled and replays exactly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core import durable
from stratus.local.core.durable import DurableState
from stratus.local.core.entries import needs_journal
from stratus.local.core.moto_app import MotoApp

SERVICES = ("dynamodb", "sqs", "cognito-idp")


@pytest.fixture(scope="module")
def moto() -> MotoApp:
    return MotoApp()


@pytest.fixture(scope="module")
def aws(moto: MotoApp) -> Iterator[Any]:
    with serve(MotoAsgi(moto)) as url:
        yield client_factory(url)


def _forget_everything(moto: MotoApp) -> None:
    moto.writes = None
    moto.reset()


def _open(moto: MotoApp, directory: Path) -> DurableState:
    state = DurableState(directory, SERVICES, snapshot_seconds=0.0, quiet_seconds=0.0)
    state.recovery = state.open(moto.call)  # type: ignore[attr-defined]
    moto.writes = state
    return state


def _crash_and_reopen(moto: MotoApp, state: DurableState, directory: Path) -> DurableState:
    state.close(snapshot=False)
    _forget_everything(moto)
    return _open(moto, directory)


@pytest.fixture
def state_dir(moto: MotoApp, tmp_path: Path) -> Iterator[Path]:
    _forget_everything(moto)
    yield tmp_path / "state"
    if durable._active is not None:
        durable._active.close(snapshot=False)
    _forget_everything(moto)


def _journal_size(state: DurableState) -> tuple[int, int]:
    writer = state._writer
    assert writer is not None
    return writer.records, writer.size


def test_empty_receives_are_not_journaled_and_make_no_snapshot_due(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    queue = aws("sqs").create_queue(QueueName="idle")["QueueUrl"]
    assert state.snapshot() is True  # nothing left to save
    before = _journal_size(state)
    for _ in range(5):  # what an event source mapping's poller does on an idle queue
        assert "Messages" not in aws("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    began = time.monotonic()
    assert "Messages" not in aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=2)
    assert time.monotonic() - began >= 1.5  # the long poll did wait, retrying in between
    assert _journal_size(state) == before
    assert state._snapshot_due() is False  # due at once (snapshot_seconds=0) had it written
    assert "sqs" not in state._dirty

    sent = aws("sqs").send_message(QueueUrl=queue, MessageBody="job")["MessageId"]
    got = aws("sqs").receive_message(QueueUrl=queue, VisibilityTimeout=300)["Messages"]
    assert [m["MessageId"] for m in got] == [sent]
    assert _journal_size(state)[0] == before[0] + 2  # the send and the receive that got it
    assert state._snapshot_due() is True

    state = _crash_and_reopen(moto, state, state_dir)
    assert state.recovery.mismatches == 0  # type: ignore[attr-defined]
    assert state.recovery.replayed == 2  # type: ignore[attr-defined]
    # Received before the crash: still in flight after the replay, with its receipt.
    assert "Messages" not in aws("sqs").receive_message(QueueUrl=queue)
    attrs = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    aws("sqs").delete_message(QueueUrl=queue, ReceiptHandle=got[0]["ReceiptHandle"])


def test_an_empty_receive_that_moved_messages_to_the_dead_letter_queue_is_journaled(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    sqs = aws("sqs")
    dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    queue = sqs.create_queue(QueueName="jobs", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    sent = sqs.send_message(QueueUrl=queue, MessageBody="poison")["MessageId"]
    first = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0)["Messages"]
    assert [m["MessageId"] for m in first] == [sent]
    records = _journal_size(state)[0]
    # Received once already: this receive hands out nothing but moves it to the DLQ.
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    assert _journal_size(state)[0] == records + 1

    state = _crash_and_reopen(moto, state, state_dir)
    assert state.recovery.mismatches == 0  # type: ignore[attr-defined]
    moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert [m["MessageId"] for m in moved] == [sent]
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)


def test_reads_of_any_name_are_not_journaled(moto: MotoApp, aws: Any, state_dir: Path) -> None:
    state = _open(moto, state_dir)
    aws("dynamodb").create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws("dynamodb").put_item(TableName="items", Item={"pk": {"S": "a"}})
    idp = aws("cognito-idp")
    pool = idp.create_user_pool(PoolName="readers")["UserPool"]["Id"]
    idp.admin_create_user(UserPoolId=pool, Username="reader@example.com")
    group = idp.create_group(UserPoolId=pool, GroupName="authors")["Group"]["GroupName"]
    idp.admin_add_user_to_group(UserPoolId=pool, Username="reader@example.com", GroupName=group)
    before = _journal_size(state)

    aws("dynamodb").get_item(TableName="items", Key={"pk": {"S": "a"}})
    aws("dynamodb").query(
        TableName="items",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
    )
    aws("dynamodb").scan(TableName="items")
    aws("dynamodb").describe_table(TableName="items")
    aws("dynamodb").list_tables()
    aws("sqs").list_queues()
    idp.admin_get_user(UserPoolId=pool, Username="reader@example.com")
    listed = idp.admin_list_groups_for_user(UserPoolId=pool, Username="reader@example.com")
    assert [g["GroupName"] for g in listed["Groups"]] == ["authors"]
    assert _journal_size(state) == before


@pytest.mark.parametrize(
    ("service", "operation", "journaled"),
    [
        ("cognito-idp", "AdminGetUser", False),
        ("cognito-idp", "AdminListGroupsForUser", False),
        ("iam", "SimulatePrincipalPolicy", False),
        ("cloudformation", "ValidateTemplate", False),
        ("dynamodb", "Query", False),
        ("cognito-idp", "AdminCreateUser", True),
        ("cognito-idp", "AdminInitiateAuth", True),
        ("cognito-identity", "GetId", True),
        ("sqs", "ReceiveMessage", True),  # decided once it ran: by what it changed
        ("dynamodb", "BatchWriteItem", True),
    ],
)
def test_calls_are_journaled_by_whether_they_may_write(
    service: str, operation: str, journaled: bool
) -> None:
    class Call:
        request = None

    call = Call()
    call.service, call.operation = service, operation  # type: ignore[attr-defined]
    assert needs_journal(call) is journaled
