"""The DestinationSender the local cloud uses: the delivery service's `Targets`.

Where a record goes depends on the destination ARN's service, as Lambda delivers it
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html):
SQS SendMessage, SNS Publish, Lambda (asynchronous invocation), EventBridge with source
"lambda" and detail-type "Lambda Function Invocation Result - Success|Failure". The sending
itself is `delivery.Targets`, the one path every event source shares.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from stratus.local.delivery.targets import Arn, Message, Targets
from stratus.local.events.shapes.lambda_async import eventbridge_event


class TargetsDestinationSender:
    """Implements async_invoke.DestinationSender over `Targets`."""

    def __init__(self, targets: Targets) -> None:
        self._targets = targets

    async def send(self, arn: str, body: str, attributes: dict[str, Any]) -> None:
        target = Arn.parse(arn)
        if target.service == "events":
            event = eventbridge_event(
                json.loads(body),
                event_id=str(uuid.uuid4()),
                account=target.account,
                region=target.region,
                time=datetime.now(UTC),
            )
            await self._targets.send(arn, Message(body=json.dumps(event)))
            return
        await self._targets.send(arn, Message(body=body, attributes=attributes))
