"""ARNs named on the messaging pages link to the console page of what they name."""

from __future__ import annotations

import pytest

from stratus.local.console.pages._messaging import link_of_arn


@pytest.mark.parametrize(
    ("arn", "link"),
    [
        ("arn:aws:sqs:us-east-1:000000000000:jobs", "queues/jobs"),
        ("arn:aws:sns:eu-west-1:000000000000:news.fifo", "topics/news.fifo"),
        ("arn:aws:lambda:us-east-1:000000000000:function:fn:live", "functions/fn"),
        ("arn:aws:kinesis:us-east-1:000000000000:stream/clicks", "streams/clicks"),
        ("arn:aws:events:us-east-1:000000000000:event-bus/shop", "rules"),
        ("arn:aws:states:us-east-1:000000000000:stateMachine:x", None),
        ("not-an-arn", None),
    ],
)
def test_link_of_arn(arn: str, link: str | None) -> None:
    assert link_of_arn(arn) == link
