"""SQS -> Lambda: the poller against moto's SQS, with a scripted function.

Rules pinned here: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (batching window,
filtering, FIFO) and https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
(partial batch responses, function errors, throttling).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from event_rig import Endpoint, FakeLambda, function_error, moto_endpoint, wait_for

from stratus.local.core.contracts import (
    FunctionNotFoundError,
    InvokeResult,
    TooManyRequestsError,
)
from stratus.local.event_sources.mappings import MappingConfig
from stratus.local.event_sources.sqs_poller import SqsPoller

pytestmark = pytest.mark.anyio
ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with moto_endpoint() as found:
        yield found


class Queue:
    def __init__(self, endpoint: Endpoint, *, fifo: bool = False, visibility: int = 30) -> None:
        self.sqs = endpoint.clients()("sqs")
        name = f"q-{uuid.uuid4().hex[:10]}" + (".fifo" if fifo else "")
        attributes = {"VisibilityTimeout": str(visibility)}
        if fifo:
            attributes |= {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        self.url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self.arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"

    def send(self, body: str, **extra: Any) -> None:
        self.sqs.send_message(QueueUrl=self.url, MessageBody=body, **extra)

    def counts(self) -> tuple[int, int]:
        """(visible, in flight)."""
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["All"])
        found = attributes["Attributes"]
        return (
            int(found["ApproximateNumberOfMessages"]),
            int(found["ApproximateNumberOfMessagesNotVisible"]),
        )


def mapping(queue: Queue, **overrides: Any) -> MappingConfig:
    values: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "function": "worker",
        "source_arn": queue.arn,
        "kind": "sqs",
        "batch_size": 10,
        "window_seconds": 0.0,
    }
    return MappingConfig(**(values | overrides))


class Running:
    def __init__(self, poller: SqsPoller) -> None:
        self.poller = poller
        self.task = asyncio.create_task(poller.run())

    async def stop(self) -> None:
        self.task.cancel()
        await self.poller.aclose()
        await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
async def start(endpoint: Endpoint) -> AsyncIterator[Any]:
    running: list[Running] = []

    def start(queue: Queue, lambdas: FakeLambda, **overrides: Any) -> SqsPoller:
        poller = SqsPoller(
            mapping(queue, **overrides),
            sqs=endpoint.caller("sqs"),
            queue_url=queue.url,
            lambdas=lambdas,
        )
        running.append(Running(poller))
        return poller

    yield start
    for item in running:
        await item.stop()


def bodies(batch: list[dict[str, Any]]) -> list[str]:
    return [record["body"] for record in batch]


async def test_the_batching_window_gathers_several_sends_into_one_batch(
    endpoint: Endpoint, start: Any
) -> None:
    """with-sqs.html: Lambda keeps reading until the batch is full or
    MaximumBatchingWindowInSeconds runs out, then invokes once."""
    queue, lambdas = Queue(endpoint), FakeLambda()
    poller = start(queue, lambdas, window_seconds=0.6)
    queue.send("one")
    poller.wake()
    await asyncio.sleep(0.15)
    queue.send("two")
    poller.wake()
    queue.send("three")
    poller.wake()
    await wait_for(lambda: lambdas.calls)
    await asyncio.sleep(0.1)
    assert [sorted(bodies(b)) for b in lambdas.batches] == [["one", "three", "two"]]
    await wait_for(lambda: queue.counts() == (0, 0))


async def test_a_full_batch_goes_without_waiting_for_the_window(
    endpoint: Endpoint, start: Any
) -> None:
    queue, lambdas = Queue(endpoint), FakeLambda()
    for i in range(3):
        queue.send(f"m{i}")
    loop = asyncio.get_running_loop()
    began = loop.time()
    poller = start(queue, lambdas, batch_size=3, window_seconds=5)
    poller.wake()
    await wait_for(lambda: lambdas.calls)
    assert loop.time() - began < 2
    assert sorted(bodies(lambdas.batches[0])) == ["m0", "m1", "m2"]


async def test_filter_criteria_delete_what_they_drop_without_invoking(
    endpoint: Endpoint, start: Any
) -> None:
    """invocation-eventfiltering.html: a message no filter matches is deleted, not delivered."""
    queue, lambdas = Queue(endpoint), FakeLambda()
    criteria = {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]}
    queue.send(json.dumps({"kind": "other"}))
    queue.send("plain text")
    queue.send(json.dumps({"kind": "order"}))
    start(queue, lambdas, filter_criteria=criteria).wake()
    await wait_for(lambda: queue.counts() == (0, 0))
    assert [json.loads(b) for batch in lambdas.batches for b in bodies(batch)] == [
        {"kind": "order"}
    ]


async def test_a_batch_of_only_filtered_messages_invokes_nothing(
    endpoint: Endpoint, start: Any
) -> None:
    queue, lambdas = Queue(endpoint), FakeLambda()
    criteria = {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]}
    queue.send(json.dumps({"kind": "other"}))
    start(queue, lambdas, filter_criteria=criteria).wake()
    await wait_for(lambda: queue.counts() == (0, 0))
    assert lambdas.attempts == 0


async def test_partial_batch_failures_delete_only_the_others(
    endpoint: Endpoint, start: Any
) -> None:
    """services-sqs-errorhandling.html: with ReportBatchItemFailures only the messages named
    in batchItemFailures stay on the queue."""
    queue = Queue(endpoint)

    def respond(event: dict[str, Any]) -> Any:
        failed = [r["messageId"] for r in event["Records"] if r["body"].startswith("fail")]
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

    lambdas = FakeLambda(respond)
    for body in ("ok-1", "fail-2", "ok-3"):
        queue.send(body)
    start(queue, lambdas, report_item_failures=True).wake()
    await wait_for(lambda: lambdas.calls)
    await wait_for(lambda: queue.counts() == (0, 1))  # only fail-2, in flight


async def test_a_function_error_leaves_the_whole_batch_on_the_queue(
    endpoint: Endpoint, start: Any
) -> None:
    queue, lambdas = Queue(endpoint), FakeLambda(lambda event: function_error())
    for body in ("a", "b", "c"):
        queue.send(body)
    start(queue, lambdas, report_item_failures=True).wake()
    await wait_for(lambda: lambdas.calls)
    await asyncio.sleep(0.2)
    assert queue.counts() == (0, 3)  # back on the queue after the visibility timeout


async def test_an_invoke_that_raises_leaves_the_batch_and_the_poller_keeps_going(
    endpoint: Endpoint, start: Any
) -> None:
    queue = Queue(endpoint, visibility=1)
    answers: list[Any] = [FunctionNotFoundError("gone"), None]
    lambdas = FakeLambda(lambda event: answers.pop(0) if answers else None)
    queue.send("x")
    start(queue, lambdas).wake()
    await wait_for(lambda: lambdas.calls, timeout=5)  # again after the visibility timeout
    await wait_for(lambda: queue.counts() == (0, 0))
    assert bodies(lambdas.batches[0]) == ["x"]


async def test_a_fifo_queue_keeps_order_per_group_with_several_groups_in_flight(
    endpoint: Endpoint, start: Any
) -> None:
    """with-sqs.html: for FIFO queues Lambda keeps the order within a message group, and
    batches of different groups run at the same time."""
    queue = Queue(endpoint, fifo=True)
    lambdas = FakeLambda(delay=0.05)
    for i in range(4):
        for group in ("a", "b", "c"):
            queue.send(f"{group}{i}", MessageGroupId=group)
    start(queue, lambdas, batch_size=1).wake()
    await wait_for(lambda: len(lambdas.calls) == 12)
    seen = [body for batch in lambdas.batches for body in bodies(batch)]
    for group in ("a", "b", "c"):
        assert [b for b in seen if b.startswith(group)] == [f"{group}{i}" for i in range(4)]
    assert lambdas.max_in_flight > 1
    await wait_for(lambda: queue.counts() == (0, 0))


async def test_at_most_maximum_concurrency_batches_are_in_flight(
    endpoint: Endpoint, start: Any
) -> None:
    queue = Queue(endpoint)
    lambdas = FakeLambda(delay=0.1)
    for i in range(8):
        queue.send(f"m{i}")
    start(queue, lambdas, batch_size=1, max_concurrency=2).wake()
    await wait_for(lambda: len(lambdas.calls) == 8)
    assert lambdas.max_in_flight == 2


async def test_a_throttled_batch_is_retried_not_dropped(endpoint: Endpoint, start: Any) -> None:
    """services-sqs-errorhandling.html: on throttling Lambda retries the batch."""
    queue = Queue(endpoint)
    throttles = [TooManyRequestsError("Rate exceeded")] * 3

    def respond(event: dict[str, Any]) -> Any:
        return throttles.pop() if throttles else None

    lambdas = FakeLambda(respond)
    queue.send("busy")
    start(queue, lambdas).wake()
    await wait_for(lambda: lambdas.calls)
    assert lambdas.attempts == 4
    assert bodies(lambdas.batches[0]) == ["busy"]
    await wait_for(lambda: queue.counts() == (0, 0))


async def test_the_record_has_lambdas_sqs_shape(endpoint: Endpoint, start: Any) -> None:
    queue, lambdas = Queue(endpoint), FakeLambda()
    queue.send(
        "hello", MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}}
    )
    start(queue, lambdas).wake()
    await wait_for(lambda: lambdas.calls)
    (record,) = lambdas.batches[0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == queue.arn
    assert record["messageAttributes"]["kind"]["stringValue"] == "greeting"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"


async def test_stopping_leaves_no_task_behind(endpoint: Endpoint) -> None:
    queue = Queue(endpoint)
    lambdas = FakeLambda(delay=5)
    poller = SqsPoller(
        mapping(queue), sqs=endpoint.caller("sqs"), queue_url=queue.url, lambdas=lambdas
    )
    before = asyncio.all_tasks()
    task = asyncio.create_task(poller.run())
    queue.send("slow")
    poller.wake()
    await wait_for(lambda: lambdas.in_flight == 1)
    task.cancel()
    await poller.aclose()
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


class RacingSqs:
    """Its first receive finds nothing, and a message is sent (and the poller woken, as the
    SendMessage after-hook does) before that empty answer is back; the next finds it."""

    def __init__(self, poller: list[SqsPoller]) -> None:
        self.poller, self.receives = poller, 0

    async def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation == "DeleteMessageBatch":
            return {}
        self.receives += 1
        if self.receives == 1:
            self.poller[0].wake()  # the after-hook runs while this receive is awaited
            await asyncio.sleep(0)
            return {}
        if self.receives == 2:
            return {
                "Messages": [
                    {"MessageId": "m1", "ReceiptHandle": "r1", "Body": "late", "MD5OfBody": "x"}
                ]
            }
        return {}


def scripted_mapping() -> MappingConfig:
    """A mapping for a poller whose SQS is scripted (no queue behind it)."""
    return MappingConfig(
        uuid="m",
        function="f",
        source_arn="arn:aws:sqs:us-east-1:0:q",
        kind="sqs",
        batch_size=10,
        window_seconds=0,
    )


async def test_a_send_racing_an_empty_receive_is_not_left_for_the_next_poll() -> None:
    holder: list[SqsPoller] = []
    sqs = RacingSqs(holder)
    lambdas = FakeLambda()
    config = scripted_mapping()
    holder.append(SqsPoller(config, sqs=sqs, queue_url="http://q", lambdas=lambdas))
    running = Running(holder[0])
    try:
        await wait_for(lambda: lambdas.calls, timeout=0.5)  # the idle poll is a whole second
    finally:
        await running.stop()


class InProcessSqs:
    """An SQS answered in-process, as the cloud's own endpoint is: a receive never suspends.
    The first receive hands out one message, every later one nothing."""

    def __init__(self, order: list[str]) -> None:
        self.order = order

    async def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation == "DeleteMessageBatch":
            return {}
        self.order.append("receive")
        if self.order.count("receive") > 1:
            return {}
        return {
            "Messages": [{"MessageId": "m1", "ReceiptHandle": "r1", "Body": "b", "MD5OfBody": "x"}]
        }


class OrderedLambda(FakeLambda):
    def __init__(self, order: list[str]) -> None:
        super().__init__()
        self.order = order

    async def invoke(self, function: str, payload: bytes, **options: Any) -> InvokeResult:
        self.order.append("invoke")
        return await super().invoke(function, payload, **options)


async def test_a_batch_reaches_its_function_before_the_next_receive() -> None:
    """The poller polls on while a batch runs; an in-process receive never yields to the loop,
    so without a turn for the batch first, an empty receive delayed every invocation."""
    order: list[str] = []
    lambdas = OrderedLambda(order)
    config = scripted_mapping()
    running = Running(
        SqsPoller(config, sqs=InProcessSqs(order), queue_url="http://q", lambdas=lambdas)
    )
    try:
        await wait_for(lambda: lambdas.calls, timeout=0.5)
        await wait_for(lambda: order.count("receive") >= 2, timeout=0.5)
    finally:
        await running.stop()
    assert order[:3] == ["receive", "invoke", "receive"]
