"""A mapping whose execution role cannot read its source is refused, as Lambda refuses it."""

from __future__ import annotations

from typing import Any

from stratus.local.event_sources.role_check import missing_grants, refusal
from stratus.local.iam.credentials import Principal

QUEUE = "arn:aws:sqs:us-east-1:000000000000:orders"
STREAM = "arn:aws:dynamodb:us-east-1:000000000000:table/Items/stream/2026-11-30T00:00:00.000"


def role(*statements: dict[str, Any]) -> Principal:
    return Principal(
        access_key_id="AKIAFUNCTION",
        secret_access_key="secret",
        kind="function",
        role_arn="arn:aws:iam::000000000000:role/worker",
        policies=[{"Version": "2012-10-17", "Statement": list(statements)}],
    )


def test_a_role_with_the_consume_grant_may_run_the_sqs_mapping() -> None:
    granted = role(
        {
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": QUEUE,
        }
    )
    assert missing_grants(granted, "sqs", QUEUE) == []


def test_a_role_without_receive_is_refused_with_lambdas_message() -> None:
    partial = role({"Effect": "Allow", "Action": "sqs:DeleteMessage", "Resource": QUEUE})
    missing = missing_grants(partial, "sqs", QUEUE)
    assert missing == ["sqs:ReceiveMessage", "sqs:GetQueueAttributes"]
    assert refusal("sqs", QUEUE, missing).startswith(
        "The provided execution role does not have permissions to call ReceiveMessage on SQS"
    )


def test_a_stream_grant_on_another_table_does_not_count() -> None:
    other = role(
        {
            "Effect": "Allow",
            "Action": "dynamodb:*",
            "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/Other/stream/*",
        }
    )
    missing = missing_grants(other, "dynamodb", STREAM)
    assert len(missing) == 3
    assert refusal("dynamodb", STREAM, missing).startswith(f"Cannot access stream {STREAM}.")


def test_an_explicit_deny_refuses_even_with_an_allow() -> None:
    denied = role(
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sqs:DeleteMessage", "Resource": QUEUE},
    )
    assert missing_grants(denied, "sqs", QUEUE) == ["sqs:DeleteMessage"]


def test_root_runs_everything() -> None:
    root = Principal(access_key_id="test", secret_access_key="test", kind="root")
    assert missing_grants(root, "kinesis", "arn:aws:kinesis:us-east-1:000000000000:stream/s") == []
