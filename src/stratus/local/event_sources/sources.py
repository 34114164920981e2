"""The two stream APIs behind `StreamSource`: Kinesis and DynamoDB Streams, read through the
endpoint in-process (`core.service_call`) as Lambda's pollers read them.

The answers are the wire's JSON: record data and binary attributes are base64 text and
timestamps epoch seconds, which the event shapes (`events.shapes.pollers`) take as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stratus.local.core.service_call import ServiceCaller
from stratus.local.events.shapes.pollers import dynamodb_record, kinesis_record


class KinesisSource:
    def __init__(self, kinesis: ServiceCaller, stream_arn: str, role_arn: str) -> None:
        self._kinesis = kinesis
        self.stream_arn = stream_arn
        self.stream_name = stream_arn.split("/", 1)[1]
        self._role_arn = role_arn

    async def shards(self) -> list[str]:
        answer = await self._kinesis("ListShards", StreamName=self.stream_name)
        return [shard["ShardId"] for shard in answer["Shards"]]

    async def iterator(
        self, shard: str, position: str, after: str | None, at: float | None
    ) -> str:
        params: dict[str, Any] = {
            "StreamName": self.stream_name,
            "ShardId": shard,
            "ShardIteratorType": position,
        }
        if position == "AFTER_SEQUENCE_NUMBER":
            params["StartingSequenceNumber"] = after
        if position == "AT_TIMESTAMP":
            params["Timestamp"] = at  # epoch seconds, as the JSON protocol sends timestamps
        answer = await self._kinesis("GetShardIterator", **params)
        return str(answer["ShardIterator"])

    async def records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        answer = await self._kinesis("GetRecords", ShardIterator=iterator, Limit=limit)
        return list(answer.get("Records", [])), answer.get("NextShardIterator")

    def event_record(self, record: dict[str, Any], shard: str) -> dict[str, Any]:
        return kinesis_record(
            record, stream_arn=self.stream_arn, shard_id=shard, role_arn=self._role_arn
        )

    def sequence(self, record: dict[str, Any]) -> str:
        return str(record["SequenceNumber"])

    def arrival(self, record: dict[str, Any]) -> float:
        value = record["ApproximateArrivalTimestamp"]
        return value.timestamp() if isinstance(value, datetime) else float(value)


class DynamoDbStreamSource:
    def __init__(self, streams: ServiceCaller, stream_arn: str) -> None:
        self._streams = streams
        self.stream_arn = stream_arn

    async def shards(self) -> list[str]:
        answer = await self._streams("DescribeStream", StreamArn=self.stream_arn)
        return [shard["ShardId"] for shard in answer["StreamDescription"]["Shards"]]

    async def iterator(
        self, shard: str, position: str, after: str | None, at: float | None
    ) -> str:
        params: dict[str, Any] = {
            "StreamArn": self.stream_arn,
            "ShardId": shard,
            "ShardIteratorType": position,
        }
        if position == "AFTER_SEQUENCE_NUMBER":
            params["SequenceNumber"] = after
        answer = await self._streams("GetShardIterator", **params)
        return str(answer["ShardIterator"])

    async def records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        answer = await self._streams("GetRecords", ShardIterator=iterator, Limit=limit)
        return list(answer.get("Records", [])), answer.get("NextShardIterator")

    def event_record(self, record: dict[str, Any], shard: str) -> dict[str, Any]:
        return dynamodb_record(record, self.stream_arn)

    def sequence(self, record: dict[str, Any]) -> str:
        return str(record["dynamodb"]["SequenceNumber"])

    def arrival(self, record: dict[str, Any]) -> float:
        value = record["dynamodb"].get("ApproximateCreationDateTime")
        if isinstance(value, datetime):
            return value.timestamp()
        return float(value) if value is not None else 0.0
