"""Rekognition as an emulated service: DetectFaces, DetectLabels and DetectModerationLabels
answered before moto (see the package docstring), and the stand-in's steering endpoint."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.registry import EmulatedService, Hook, PathRoute
from stratus.local.rekognition import operations, standin
from stratus.local.rekognition.images import RekognitionError, open_image

STEERING_PATH = "/_stratus/rekognition/labels"
_JSON = "application/x-amz-json-1.1"


class RekognitionService(EmulatedService):
    name = "rekognition"
    order = 40

    def __init__(self) -> None:
        self.steerings = standin.Steerings()

    def hooks(self) -> Iterable[Hook]:
        table: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "DetectFaces": operations.detect_faces,
            "DetectLabels": lambda p: operations.detect_labels(p, self.steerings),
            "DetectModerationLabels": lambda p: operations.detect_moderation_labels(
                p, self.steerings
            ),
        }

        def answer(op: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
            async def before(call: AwsCall) -> Response | None:
                try:
                    body = await asyncio.to_thread(op, call.params())
                except RekognitionError as exc:
                    return call.error(exc.code, exc.message)
                return Response(json.dumps(body), media_type=_JSON)

            return before

        return [Hook("rekognition", op, before=answer(fn)) for op, fn in table.items()]

    def paths(self) -> Iterable[PathRoute]:
        return [
            PathRoute(frozenset({"GET", "POST", "DELETE"}), f"^{STEERING_PATH}$", self.steer),
        ]

    async def steer(self, request: AwsRequest) -> Response:
        if request.method == "DELETE":
            self.steerings.clear()
            return Response(status_code=204)
        if request.method == "GET":
            items = [s.describe() for s in self.steerings.all()]
            return Response(json.dumps({"steerings": items}), media_type="application/json")
        try:
            steering = await asyncio.to_thread(_steering_of, request.body)
        except (ValueError, RekognitionError) as exc:
            message = exc.message if isinstance(exc, RekognitionError) else str(exc)
            return Response(
                json.dumps({"error": message}), status_code=400, media_type="application/json"
            )
        self.steerings.put(steering)
        return Response(json.dumps(steering.describe()), media_type="application/json")

    def describe(self) -> Mapping[str, Any]:
        return {"stand-in steering": STEERING_PATH}


def _steering_of(body: bytes) -> standin.Steering:
    try:
        payload = json.loads(body or b"{}")
    except ValueError as exc:
        raise ValueError("the body must be a JSON object") from exc
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    key = standin.EVERY_IMAGE
    if payload.get("image"):
        try:
            data = base64.b64decode(str(payload["image"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("image must be base64") from exc
        key = f"{standin.difference_hash(open_image(data)):016x}"

    def labels(name: str, *, moderation: bool) -> list[dict[str, Any]] | None:
        value = payload.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ValueError(f"{name} must be a list")
        return [standin.label_object(item, moderation=moderation) for item in value]

    return standin.Steering(
        key=key,
        labels=labels("labels", moderation=False),
        moderation=labels("moderationLabels", moderation=True),
    )


SERVICES = [RekognitionService]
