"""What custom resources need from the rest of the local cloud, injected by the caller.

Provisioning runs in a worker thread; `invoke` must block until the function returned
(the cloud wraps its async Lambda runtime). `responses` collects what functions PUT to the
event's ResponseURL. `on_invalidation` records a CloudFront invalidation a bucket
deployment asked for (distribution id, paths).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from stratus.local.cloudformation.custom.responses import CustomResourceResponses
    from stratus.local.provision.model import Deployment


class InvokeOutcome(Protocol):
    """How an invocation ended (contracts.InvokeResult has this shape)."""

    payload: bytes
    function_error: str | None  # "Unhandled" when the function raised or timed out


Invoke = Callable[[str, bytes], InvokeOutcome]  # (function ARN, event JSON) -> outcome
Invalidate = Callable[[str, list[str]], None]  # (distribution id, paths)


@dataclass
class CustomResourceServices:
    invoke: Invoke | None = None
    responses: CustomResourceResponses | None = None
    on_invalidation: Invalidate | None = None
    # CloudFormation waits up to an hour for a response; locally the function's own timeout
    # plus this margin (the response may be PUT just before the function returns).
    response_margin_s: float = 10.0
    # Set by provision(): what is provisioned so far, so `invoke` can find the function's
    # Resource (code, handler, timeout) by ARN while the stacks are still being created.
    deployment: Deployment | None = None
