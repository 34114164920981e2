"""An AWS::Lambda::EventSourceMapping, read once from its resolved template properties.

Defaults are Lambda's (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html):
BatchSize 10 for SQS and 100 for streams, no batching window, retries and record age
unlimited (-1) for streams, the mapping enabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from stratus.local.provision.model import Resource

SourceKind = Literal["sqs", "kinesis", "dynamodb"]


def source_kind(arn: str) -> SourceKind | None:
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "sqs":
        return "sqs"
    if service == "kinesis":
        return "kinesis"
    if service == "dynamodb" and "/stream/" in arn:
        return "dynamodb"
    return None


@dataclass(frozen=True)
class MappingConfig:
    uuid: str
    function: str
    source_arn: str
    kind: SourceKind
    batch_size: int
    window_seconds: float
    enabled: bool = True
    starting_position: str = "LATEST"
    starting_timestamp: float | None = None
    report_item_failures: bool = False
    filter_criteria: dict[str, Any] | None = None
    bisect_on_error: bool = False
    max_retries: int = -1
    max_record_age_seconds: int = -1
    on_failure: str | None = None
    max_concurrency: int = 5  # SQS: Lambda starts with five concurrent batches

    @property
    def name(self) -> str:
        return f"{self.source_arn.rsplit(':', 1)[-1]} -> {self.function}"

    @classmethod
    def from_resource(cls, resource: Resource) -> MappingConfig | None:
        props = resource.properties
        arn = str(props.get("EventSourceArn") or "")
        kind = source_kind(arn)
        if kind is None:
            return None
        default_batch = 10 if kind == "sqs" else 100
        on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        timestamp = props.get("StartingPositionTimestamp")
        scaling = props.get("ScalingConfig") or {}
        return cls(
            uuid=resource.physical_id,
            function=str(props["FunctionName"]),
            source_arn=arn,
            kind=kind,
            batch_size=int(props.get("BatchSize") or default_batch),
            window_seconds=float(props.get("MaximumBatchingWindowInSeconds") or 0),
            enabled=str(props.get("Enabled", True)).lower() != "false",
            starting_position=str(props.get("StartingPosition") or "LATEST"),
            starting_timestamp=float(timestamp) if timestamp is not None else None,
            report_item_failures="ReportBatchItemFailures"
            in (props.get("FunctionResponseTypes") or []),
            filter_criteria=props.get("FilterCriteria"),
            bisect_on_error=str(props.get("BisectBatchOnFunctionError", False)).lower() == "true",
            max_retries=int(props.get("MaximumRetryAttempts", -1)),
            max_record_age_seconds=int(props.get("MaximumRecordAgeInSeconds", -1)),
            on_failure=str(on_failure) if on_failure else None,
            max_concurrency=int(scaling.get("MaximumConcurrency") or 5),
        )
