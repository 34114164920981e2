"""The `Custom::BlogSampleContent` resource: on Create, seed and publish the sample posts;
Update re-renders the site (a template change may change the pages); Delete keeps the
content (posts are data, not infrastructure). The reply to CloudFormation is
`stratus.runtime.custom_resource`'s."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from stratus.blog.config import BlogConfig
from stratus.blog.samples import render_all, seed
from stratus.blog.wiring import production_dependencies
from stratus.runtime import custom_resource
from stratus.runtime.tracing import traced

logger = Logger(service="blog-seed")
PHYSICAL_ID = "blog-sample-content"


def _apply(kind: str) -> dict[str, Any]:
    if kind not in ("Create", "Update"):
        return {}
    deps = production_dependencies(BlogConfig.from_env(), logger)
    if kind == "Create":
        outcome = seed(deps.posts(), deps.publisher())
    else:
        outcome = render_all(deps.posts(), deps.publisher())
    logger.info("site rendered", extra={"changed": outcome.changed})
    return {"Changed": str(len(outcome.changed))}


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> None:
    custom_resource.handle(event, PHYSICAL_ID, logger, _apply)
