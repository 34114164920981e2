"""SQS, SNS, Kinesis Data Streams and EventBridge.

SQS bills each API request (a message is sent, received and deleted: three), plus the empty
long polls of Lambda's event source mapping, which keeps polling an idle queue
(https://aws.amazon.com/sqs/pricing/, https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html).
SNS bills publishes; deliveries to SQS and Lambda are free (https://aws.amazon.com/sns/pricing/).
Kinesis provisioned streams bill shard-hours and 25 KB PUT payload units, on-demand streams
stream-hours and GB in/out (https://aws.amazon.com/kinesis/data-streams/pricing/). A message's
size is the channel's measured one (`channel_bytes`), else the profile's item size.
EventBridge bills custom events put on a bus (https://aws.amazon.com/eventbridge/pricing/).
"""

from __future__ import annotations

import math

from stratus.cost.inventory import refs
from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook
from stratus.cost.services.context import PricingContext

REQUESTS_PER_MESSAGE = 3  # SendMessage, ReceiveMessage, DeleteMessage
# Lambda polls a queue with up to five long polls of 20 s while idle (the documented start
# of scaling): 5 x 3 a minute, which bills ~650,000 empty receives a month per mapped queue.
IDLE_POLLS_PER_MINUTE = 15
PAYLOAD_UNIT_BYTES = 25 * 1024
SQS_CHUNK_BYTES = 64 * 1024
EVENT_CHUNK_BYTES = 64 * 1024  # EventBridge bills each 64 KB of an event as one event


def sqs_cost(requests: float, prices: PriceBook, *, fifo: bool = False) -> float:
    key = "fifo_per_million" if fifo else "standard_per_million"
    return requests / 1e6 * float(prices.rate("sqs", key))


def kinesis_provisioned_cost(
    shards: int, hours: float, records: float, record_bytes: int, prices: PriceBook
) -> float:
    units = records * max(1, math.ceil(record_bytes / PAYLOAD_UNIT_BYTES))
    shard = shards * hours * float(prices.rate("kinesis", "shard_hour"))
    return shard + units / 1e6 * float(prices.rate("kinesis", "put_payload_units_per_million"))


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    size = ctx.profile.item_size_bytes
    chunks = max(1, math.ceil(size / SQS_CHUNK_BYTES))
    minutes = ctx.hours * 60
    polled = {
        f"{esm.stack}/{lid}"
        for esm in ctx.inv.of_type("AWS::Lambda::EventSourceMapping")
        for lid in refs(esm.props.get("EventSourceArn"))
    }
    for queue in ctx.inv.of_type("AWS::SQS::Queue"):
        messages = ctx.work.messages.get(queue.key, 0.0)
        measured = ctx.work.message_bytes.get(queue.key)
        each = chunks if measured is None else max(1, math.ceil(measured / SQS_CHUNK_BYTES))
        requests = messages * REQUESTS_PER_MESSAGE * each
        if queue.key in polled:
            requests += IDLE_POLLS_PER_MINUTE * minutes
        if requests:
            fifo = bool(queue.props.get("FifoQueue"))
            out.append(
                ctx.line(
                    "sqs",
                    queue,
                    "requests",
                    requests,
                    "requests",
                    sqs_cost(requests, ctx.prices, fifo=fifo),
                )
            )
    for topic in ctx.inv.of_type("AWS::SNS::Topic"):
        publishes = ctx.work.messages.get(topic.key, 0.0)
        if publishes:
            rate = float(ctx.prices.rate("sns", "publish_per_million"))
            out.append(
                ctx.line("sns", topic, "publishes", publishes, "requests", publishes / 1e6 * rate)
            )
    for stream in ctx.inv.of_type("AWS::Kinesis::Stream"):
        records = ctx.work.messages.get(stream.key, 0.0)
        size = int(ctx.work.message_bytes.get(stream.key, ctx.profile.item_size_bytes))
        mode = (stream.props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        if mode == "ON_DEMAND":
            gb = records * size / 1e9
            usd = ctx.hours * float(ctx.prices.rate("kinesis", "on_demand_stream_hour"))
            usd += gb * float(ctx.prices.rate("kinesis", "on_demand_gb_in"))
            usd += gb * float(ctx.prices.rate("kinesis", "on_demand_gb_out"))
            out.append(
                ctx.line("kinesis", stream, "on-demand stream", ctx.hours, "stream-hours", usd)
            )
        else:
            shards = int(stream.props.get("ShardCount", 1))
            usd = kinesis_provisioned_cost(shards, ctx.hours, records, size, ctx.prices)
            out.append(
                ctx.line(
                    "kinesis",
                    stream,
                    f"{shards} shards + PUT payload units",
                    shards * ctx.hours,
                    "shard-hours",
                    usd,
                )
            )
    for bus in ctx.inv.of_type("AWS::Events::EventBus"):
        events = ctx.work.messages.get(bus.key, 0.0)
        if events:
            # "Each 64 KB chunk of a payload is billed as one event"
            # (https://aws.amazon.com/eventbridge/pricing/).
            measured = ctx.work.message_bytes.get(bus.key)
            each = max(1, math.ceil((size if measured is None else measured) / EVENT_CHUNK_BYTES))
            rate = float(ctx.prices.rate("eventbridge", "custom_events_per_million"))
            billed = events * each
            out.append(
                ctx.line(
                    "eventbridge",
                    bus,
                    "custom events" + (f" ({each} x 64 KB chunks each)" if each > 1 else ""),
                    billed,
                    "events",
                    billed / 1e6 * rate,
                )
            )
    return out
