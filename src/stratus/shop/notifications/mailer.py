"""Sends an `Email` through SES v2 `SendEmail` (simple content: subject, text and HTML).

https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
"""

from __future__ import annotations

from typing import Any

from stratus.shop.notifications.render import Email


class SesMailer:
    def __init__(self, sesv2: Any, sender: str, configuration_set: str | None = None) -> None:
        self._ses = sesv2
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, to: str, email: Email) -> str:
        params: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [to]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": email.text, "Charset": "UTF-8"},
                        "Html": {"Data": email.html, "Charset": "UTF-8"},
                    },
                }
            },
        }
        if self._configuration_set:
            params["ConfigurationSetName"] = self._configuration_set
        return str(self._ses.send_email(**params)["MessageId"])
