"""The Inbox page: messages the local SES delivered, newest first and paged; one message's
HTML only inside a sandboxed iframe's srcdoc (escaped), unknown ids a 404 page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from moto.ses.models import ses_backends
from tests.unit.local.console.messaging_rig import ACCOUNT, REGION, console

from stratus.local.cognito.codes import OUTBOX_FILE
from stratus.local.console.pages import inbox as inbox_page
from stratus.local.core.settings import LocalSettings
from stratus.local.ses import store

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _deliver(n: int, html: str | None = None) -> None:
    state = store.state_of(ses_backends[ACCOUNT][REGION])
    state.inbox.append(
        store.InboxMessage(
            id=f"msg-{n}",
            region=REGION,
            source="shop@example.com",
            to=[f"user{n}@example.com"],
            cc=[],
            bcc=[],
            subject=f"Order {n}",
            text=f"text {n}",
            html=html,
            timestamp=T0 + timedelta(minutes=n),
        )
    )


def test_list_is_newest_first_and_paged(tmp_path: Path) -> None:
    with console(tmp_path) as (client, _):
        for n in range(inbox_page.PAGE_SIZE + 3):
            _deliver(n)
        first = client.get("/console/inbox")
        second = client.get(f"/console/inbox?from={inbox_page.PAGE_SIZE}")
        filtered = client.get("/console/inbox?to=user2@example.com")
    last = inbox_page.PAGE_SIZE + 2
    assert first.status_code == 200
    assert first.text.index(f"Order {last}<") < first.text.index(f"Order {last - 1}<")
    assert "Order 0<" not in first.text and "Order 0<" in second.text
    assert 'href="/console/inbox?from=25"' in first.text
    assert "Order 2<" in filtered.text and "Order 3<" not in filtered.text


def test_message_html_is_only_in_a_sandboxed_frame(tmp_path: Path) -> None:
    with console(tmp_path) as (client, _):
        _deliver(1, html='<p>Hi</p><script>alert("x")</script>')
        page = client.get("/console/inbox/msg-1")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page.text
    assert 'srcdoc="&lt;base target=&#34;_blank&#34;&gt;&lt;p&gt;Hi' in page.text
    assert "text 1" in page.text


def test_unknown_or_malformed_is_a_page(tmp_path: Path) -> None:
    with console(tmp_path) as (client, _):
        assert client.get("/console/inbox/no-such").status_code == 404
        assert client.get("/console/inbox/%2E%2E").status_code == 404
        assert client.get("/console/inbox?from=-1").status_code == 400
        assert client.get("/console/inbox?to=" + "a" * 400).status_code == 400


def test_cognito_codes_are_listed_newest_first(tmp_path: Path) -> None:
    entries = [
        {"username": "ann@example.com", "code": "111111", "sent_at": 1.0, "purpose": "signup"},
        {"username": "bob@example.com", "code": "222222", "sent_at": 2.0},
    ]
    with console(tmp_path) as (client, _):
        before = client.get("/console/inbox")
        outbox = LocalSettings.for_project(tmp_path).snapshot_dir / OUTBOX_FILE
        outbox.parent.mkdir(parents=True, exist_ok=True)
        # The last line cut short by a crash is skipped, as Cognito's reader skips it.
        outbox.write_text("".join(json.dumps(e) + "\n" for e in entries) + '{"cut')
        after = client.get("/console/inbox")
    assert "Cognito confirmation codes" not in before.text
    assert after.text.index("222222") < after.text.index("111111")
    assert "bob@example.com" in after.text


def test_codes_are_read_from_the_end_of_a_long_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    lines = (
        json.dumps({"username": f"u{n}@example.com", "code": f"{n:06d}", "sent_at": float(n)})
        for n in range(5000)
    )
    outbox.write_text("\n".join(lines) + "\n")
    assert outbox.stat().st_size > inbox_page.CODES_TAIL_BYTES
    codes = inbox_page.recent_codes(outbox)
    assert [c["code"] for c in codes[:2]] == ["004999", "004998"]
    assert len(codes) == inbox_page.CODES_SHOWN
    assert inbox_page.recent_codes(tmp_path / "missing.jsonl") == []
