"""The customer's e-mail about a payment: subject, plain text and HTML.

Every value from the message is HTML-escaped in the HTML part; the subject and text carry
them as they are (they are not markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from stratus.shop.notifications.domain import Outcome, PaymentNotice

SHOP_NAME = "stratus shop"
REASONS = {"card_declined": "your card was declined"}


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def render(notice: PaymentNotice) -> Email:
    if notice.outcome is Outcome.SUCCEEDED:
        subject = f"Payment received for order {notice.order_id}"
        lines = [
            f"Thank you: we received your payment of {notice.total} for order {notice.order_id}.",
            "We will let you know when it ships.",
        ]
    else:
        reason = REASONS.get(notice.reason or "", notice.reason or "it was declined")
        subject = f"Payment failed for order {notice.order_id}"
        lines = [
            f"We could not take your payment of {notice.total} for order {notice.order_id}: "
            f"{reason}.",
            "Nothing was charged. You can place the order again with another card.",
        ]
    text = (
        "Hello,\n\n"
        + "\n".join(lines)
        + f"\n\nOrder: {notice.order_id}\n"
        + (f"Total: {notice.total}\nPayment: {notice.outcome.value}\n\n— {SHOP_NAME}\n")
    )
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (
        '<!doctype html><html lang="en"><body style="font-family:sans-serif">'
        f"<p>Hello,</p>{paragraphs}"
        "<table>"
        f"<tr><th align=left>Order</th><td>{escape(notice.order_id)}</td></tr>"
        f"<tr><th align=left>Total</th><td>{escape(notice.total)}</td></tr>"
        f"<tr><th align=left>Payment</th><td>{escape(notice.outcome.value)}</td></tr>"
        f"</table><p>— {escape(SHOP_NAME)}</p></body></html>"
    )
    return Email(subject=subject, text=text, html=html)
