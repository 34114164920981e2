"""The Queues pages over moto: every queue listed with its depth and DLQ, a DLQ's messages
peeked without being received, Redrive moving them back, Purge emptying a queue, and bad
input answered as 400/404 pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.unit.local.console.messaging_rig import console, csrf_of


def _pair(aws: Any, name: str = "orders") -> tuple[str, str]:
    sqs = aws("sqs")
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})
    source = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    return source, dlq


def _visible(aws: Any, url: str) -> int:
    attributes = aws("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_list_names_every_queue_with_depth_and_dlq(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        source, _ = _pair(aws)
        aws("sqs").send_message(QueueUrl=source, MessageBody="one")
        page = client.get("/console/queues")
    assert page.status_code == 200
    assert 'href="/console/queues/orders"' in page.text
    assert 'href="/console/queues/orders-dlq"' in page.text
    assert "after 3 receives" in page.text


def test_detail_peeks_without_receiving(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        _, dlq = _pair(aws)
        aws("sqs").send_message(
            QueueUrl=dlq,
            MessageBody="<b>poison</b>",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
        )
        first = client.get("/console/queues/orders-dlq")
        second = client.get("/console/queues/orders-dlq")
        still_visible = _visible(aws, dlq)
    assert first.status_code == 200
    assert "&lt;b&gt;poison&lt;/b&gt;" in first.text  # escaped
    assert "<b>poison</b>" not in first.text
    assert "kind</code>=order" in first.text
    assert "Redrive" in first.text and "orders" in first.text
    assert "<td>0</td>" in second.text  # receive count untouched by looking
    assert still_visible == 1


def test_redrive_moves_messages_back_to_the_source(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        source, dlq = _pair(aws)
        for n in range(13):
            aws("sqs").send_message(QueueUrl=dlq, MessageBody=f"m{n}")
        token = csrf_of(client.get("/console/queues/orders-dlq").text)
        moved = client.post("/console/queues/orders-dlq/redrive", data={"csrf": token})
        left, back = _visible(aws, dlq), _visible(aws, source)
        shown = client.get(moved.headers["location"])
    assert moved.status_code == 303
    assert moved.headers["location"].startswith("/console/queues/orders-dlq?msg=")
    assert (left, back) == (0, 13)
    assert "Moved 13 message(s)." in shown.text


def test_redrive_without_token_is_refused(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        _, dlq = _pair(aws)
        aws("sqs").send_message(QueueUrl=dlq, MessageBody="x")
        refused = client.post("/console/queues/orders-dlq/redrive", data={"csrf": "guess"})
        left = _visible(aws, dlq)
    assert refused.status_code == 403
    assert left == 1


def test_redrive_of_a_queue_that_is_no_dlq_is_a_400(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        _pair(aws)
        token = csrf_of(client.get("/console/queues").text)
        answer = client.post("/console/queues/orders/redrive", data={"csrf": token})
    assert answer.status_code == 400
    assert "dead-letter queue" in answer.text


def test_purge_empties_the_queue(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        source, _ = _pair(aws)
        aws("sqs").send_message(QueueUrl=source, MessageBody="x")
        token = csrf_of(client.get("/console/queues/orders").text)
        purged = client.post("/console/queues/orders/purge", data={"csrf": token})
        left = _visible(aws, source)
    assert purged.status_code == 303
    assert left == 0


def test_bad_input_is_a_page_not_a_traceback(tmp_path: Path) -> None:
    with console(tmp_path) as (client, _):
        assert client.get("/console/queues/nope").status_code == 404
        assert client.get("/console/queues/%2E%2E").status_code == 404
        assert client.get("/console/queues/a%2F..%2Fb").status_code == 404
        assert client.get("/console/queues/" + "a" * 200).status_code == 404
        assert client.get("/console/queues?region=../x").status_code == 400
        assert client.get("/console/queues?region=us-east-1&token=" + "x" * 5000).status_code == 400
        assert client.get("/console/queues?region=us-east-1&token=bogus").status_code == 400


def test_dlq_of_several_queues_redrives_to_the_chosen_one(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        sqs = aws("sqs")
        _, dlq = _pair(aws, "a")
        arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1})
        other = sqs.create_queue(QueueName="b", Attributes={"RedrivePolicy": policy})["QueueUrl"]
        sqs.send_message(QueueUrl=dlq, MessageBody="x")  # straight in: no source recorded
        page = client.get("/console/queues/a-dlq")
        token = csrf_of(page.text)
        unchosen = client.post("/console/queues/a-dlq/redrive", data={"csrf": token})
        after_unchosen = client.get(unchosen.headers["location"]).text
        still_there = _visible(aws, dlq)
        stranger = client.post(
            "/console/queues/a-dlq/redrive", data={"csrf": token, "destination": "a-dlq"}
        )
        chosen = client.post(
            "/console/queues/a-dlq/redrive", data={"csrf": token, "destination": "b"}
        )
        moved = _visible(aws, other)
    assert '<option value="a">a</option>' in page.text
    assert '<option value="b">b</option>' in page.text
    assert (unchosen.status_code, stranger.status_code, chosen.status_code) == (303, 400, 303)
    assert "no source queue recorded" in after_unchosen and still_there == 1
    assert moved == 1


def test_message_pages_step_through_a_deep_queue(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        source, _ = _pair(aws)
        for n in range(60):
            aws("sqs").send_message(QueueUrl=source, MessageBody=f"body-{n:02d}")
        first = client.get("/console/queues/orders")
        second = client.get("/console/queues/orders?from=50")
    assert "body-00" in first.text and "body-49" in first.text and "body-50" not in first.text
    assert 'href="/console/queues/orders?from=50"' in first.text
    assert "body-59" in second.text and "body-00" not in second.text


def test_made_up_region_is_a_400(tmp_path: Path) -> None:
    with console(tmp_path) as (client, _):
        assert client.get("/console/queues?region=xx-fake-1").status_code == 400
        assert client.get("/console/queues?region=us-east-1").status_code == 200
