"""Bench probe: logs `RECV <id> <epoch seconds>` for every record it receives, the moment
it receives it; the bench subtracts the producer's send time."""

import base64
import json
import time


def _ids(event):
    if "detail" in event:  # EventBridge
        yield event["detail"]["id"]
        return
    for record in event.get("Records", []):
        if record.get("eventSource") == "aws:s3":
            yield record["s3"]["object"]["key"].rsplit("/", 1)[-1].removesuffix(".txt")
        elif "kinesis" in record:
            yield base64.b64decode(record["kinesis"]["data"]).decode()
        elif "dynamodb" in record:
            yield record["dynamodb"]["Keys"]["pk"]["S"]
        elif "body" in record:
            body = record["body"]
            if body.startswith("{"):
                body = json.loads(body).get("Message", body)  # the SNS envelope
            yield body


def handler(event, context):
    now = time.time()
    for ident in _ids(event):
        print(f"RECV {ident} {now:.6f}")
