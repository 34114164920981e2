"""The two stream APIs behind `StreamSource`: Kinesis and DynamoDB Streams (boto3 clients)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from stratus.local.events.shapes.pollers import dynamodb_record, kinesis_record


class KinesisSource:
    def __init__(self, client: Callable[[], Any], stream_arn: str, role_arn: str) -> None:
        self._client = client
        self.stream_arn = stream_arn
        self.stream_name = stream_arn.split("/", 1)[1]
        self._role_arn = role_arn

    def shards(self) -> list[str]:
        answer = self._client().list_shards(StreamName=self.stream_name)
        return [shard["ShardId"] for shard in answer["Shards"]]

    def iterator(self, shard: str, position: str, after: str | None, at: float | None) -> str:
        params: dict[str, Any] = {
            "StreamName": self.stream_name,
            "ShardId": shard,
            "ShardIteratorType": position,
        }
        if position == "AFTER_SEQUENCE_NUMBER":
            params["StartingSequenceNumber"] = after
        if position == "AT_TIMESTAMP":
            params["Timestamp"] = at
        return str(self._client().get_shard_iterator(**params)["ShardIterator"])

    def records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        answer = self._client().get_records(ShardIterator=iterator, Limit=limit)
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
    def __init__(self, client: Callable[[], Any], stream_arn: str) -> None:
        self._client = client
        self.stream_arn = stream_arn

    def shards(self) -> list[str]:
        answer = self._client().describe_stream(StreamArn=self.stream_arn)
        return [shard["ShardId"] for shard in answer["StreamDescription"]["Shards"]]

    def iterator(self, shard: str, position: str, after: str | None, at: float | None) -> str:
        params: dict[str, Any] = {
            "StreamArn": self.stream_arn,
            "ShardId": shard,
            "ShardIteratorType": position,
        }
        if position == "AFTER_SEQUENCE_NUMBER":
            params["SequenceNumber"] = after
        return str(self._client().get_shard_iterator(**params)["ShardIterator"])

    def records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        answer = self._client().get_records(ShardIterator=iterator, Limit=limit)
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
