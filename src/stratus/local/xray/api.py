"""X-Ray's trace API on the AWS endpoint, answered from the local store (not moto's).

PutTraceSegments (https://docs.aws.amazon.com/xray/latest/api/API_PutTraceSegments.html),
GetTraceSummaries (.../API_GetTraceSummaries.html), BatchGetTraces
(.../API_BatchGetTraces.html), GetTraceGraph (.../API_GetTraceGraph.html). Filter
expressions are not evaluated locally: a request with one is refused, never answered wrong.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.errors import aws_error
from stratus.local.xray.header import TRACE_ID
from stratus.local.xray.segments import BadSegment
from stratus.local.xray.store import TraceStore, services

PAGE = 100  # summaries per GetTraceSummaries page
MAX_BATCH = 5  # BatchGetTraces takes at most 5 ids (API_BatchGetTraces: TraceIds)


def _answer(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), media_type="application/json")


def _invalid(message: str) -> Response:
    return aws_error("rest-json", "InvalidRequestException", message)


class XrayApi:
    def __init__(self, store: TraceStore) -> None:
        self.store = store

    async def put_trace_segments(self, call: AwsCall) -> Response:
        docs = call.json_body().get("TraceSegmentDocuments")
        if not isinstance(docs, list):
            return _invalid("TraceSegmentDocuments is required")
        unprocessed = []
        for raw in docs:
            try:
                self.store.put(str(raw))
            except BadSegment as bad:
                item = {"ErrorCode": bad.code, "Message": str(bad)}
                if bad.segment_id:
                    item["Id"] = bad.segment_id
                unprocessed.append(item)
        return _answer({"UnprocessedTraceSegments": unprocessed})

    async def get_trace_summaries(self, call: AwsCall) -> Response:
        body = call.json_body()
        try:
            start, end = float(body["StartTime"]), float(body["EndTime"])
        except (KeyError, TypeError, ValueError):
            return _invalid("StartTime and EndTime are required")
        if body.get("FilterExpression"):
            return _invalid("filter expressions are not evaluated by the local X-Ray")
        try:
            offset = int(body.get("NextToken") or 0)
        except ValueError:
            return _invalid("NextToken is not valid")
        found = [t for t in self.store.summaries() if start <= t["StartTime"] <= end]
        out: dict[str, Any] = {
            "TraceSummaries": found[offset : offset + PAGE],
            "ApproximateTime": end,
            "TracesProcessedCount": len(found),
        }
        if offset + PAGE < len(found):
            out["NextToken"] = str(offset + PAGE)
        return _answer(out)

    async def batch_get_traces(self, call: AwsCall) -> Response:
        ids = call.json_body().get("TraceIds")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_BATCH:
            return _invalid(f"TraceIds takes 1 to {MAX_BATCH} trace ids")
        traces, missing = [], []
        for trace_id in ids:
            trace = self.store.get(str(trace_id)) if TRACE_ID.match(str(trace_id)) else None
            if trace is None:
                missing.append(str(trace_id))
                continue
            traces.append(
                {
                    "Id": trace.id,
                    "Duration": round(trace.duration, 3),
                    "LimitExceeded": False,
                    "Segments": [
                        {"Id": seg_id, "Document": raw}
                        for seg_id, (raw, _) in trace.documents.items()
                    ],
                }
            )
        return _answer({"Traces": traces, "UnprocessedTraceIds": missing})

    async def get_trace_graph(self, call: AwsCall) -> Response:
        ids = call.json_body().get("TraceIds")
        if not isinstance(ids, list) or not ids:
            return _invalid("TraceIds is required")
        docs = []
        for trace_id in ids:
            trace = self.store.get(str(trace_id))
            if trace is not None:
                docs.extend(trace.docs)
        graph = [
            {"ReferenceId": n, "Name": s["Name"], "Names": s["Names"], "Type": s.get("Type", "")}
            for n, s in enumerate(services(docs))
        ]
        return _answer({"Services": graph})
