"""The Streams pages over moto: Kinesis streams with shards, retention and the event source
mappings reading them; DynamoDB streams listed; unknown streams a 404 page."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from tests.unit.local.console.messaging_rig import console


def _function(aws: Any) -> str:
    iam = aws("iam")
    role = iam.create_role(
        RoleName="reader",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(e, c):\n    return e\n")
    created = aws("lambda").create_function(
        FunctionName="stream-reader",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
    )
    return str(created["FunctionArn"])


def test_streams_list_shards_retention_and_readers(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        kinesis = aws("kinesis")
        kinesis.create_stream(StreamName="clicks", ShardCount=2)
        arn = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        aws("lambda").create_event_source_mapping(
            EventSourceArn=arn, FunctionName=_function(aws), StartingPosition="LATEST"
        )
        aws("dynamodb").create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        listed = client.get("/console/streams")
        detail = client.get("/console/streams/clicks")
        missing = client.get("/console/streams/nope")
        dots = client.get("/console/streams/%2E%2E")
    assert listed.status_code == 200
    assert 'href="/console/streams/clicks"' in listed.text
    assert "<td>24 h</td>" in listed.text and "<td>2</td>" in listed.text
    assert 'href="/console/functions/stream-reader"' in listed.text
    assert 'href="/console/tables/orders"' in listed.text
    assert detail.status_code == 200
    assert detail.text.count("shardId-") == 2
    assert (missing.status_code, dots.status_code) == (404, 404)
