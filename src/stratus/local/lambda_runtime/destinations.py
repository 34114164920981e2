"""The DestinationSender the local cloud uses: boto3 clients against the local endpoint.

Where a record goes depends on the destination ARN's service, as Lambda delivers it
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html):
SQS SendMessage, SNS Publish, Lambda Invoke (asynchronous), EventBridge PutEvents with
source "lambda" and detail-type "Lambda Function Invocation Result - Success|Failure".
boto3 blocks, so each delivery runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any


def queue_url(client: Any, arn: str) -> str:
    """arn:aws:sqs:region:account:name -> the queue's URL (asked of the endpoint)."""
    parts = arn.split(":")
    name, account = parts[5], parts[4]
    url: str = client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return url


class Boto3DestinationSender:
    """Implements async_invoke.DestinationSender with `aws(service) -> boto3 client`."""

    def __init__(self, aws: Callable[[str], Any]) -> None:
        self._aws = aws
        self._clients: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._aws(service)
        return self._clients[service]

    async def send(self, arn: str, body: str, attributes: dict[str, Any]) -> None:
        await asyncio.to_thread(self.send_sync, arn, body, attributes)

    def send_sync(self, arn: str, body: str, attributes: dict[str, Any]) -> None:
        service = arn.split(":")[2] if arn.startswith("arn:") else ""
        if service == "sqs":
            sqs = self._client("sqs")
            params: dict[str, Any] = {"QueueUrl": queue_url(sqs, arn), "MessageBody": body}
            if attributes:
                params["MessageAttributes"] = attributes
            sqs.send_message(**params)
        elif service == "sns":
            params = {"TopicArn": arn, "Message": body}
            if attributes:
                params["MessageAttributes"] = attributes
            self._client("sns").publish(**params)
        elif service == "lambda":
            self._client("lambda").invoke(
                FunctionName=arn, InvocationType="Event", Payload=body.encode()
            )
        elif service == "events":
            record = json.loads(body)
            context = record.get("requestContext") or {}
            outcome = "Success" if context.get("condition") == "Success" else "Failure"
            entry = {
                "Source": "lambda",
                "DetailType": f"Lambda Function Invocation Result - {outcome}",
                "Detail": body,
                "EventBusName": arn,
                "Resources": [arn, str(context.get("functionArn", ""))],
            }
            response = self._client("events").put_events(Entries=[entry])
            if response.get("FailedEntryCount"):
                raise RuntimeError(f"PutEvents failed: {response.get('Entries')}")
        else:
            raise ValueError(f"unsupported destination {arn}")
