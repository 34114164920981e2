"""Where the local SES meets moto: its send handlers and the SESv2 operations it lacks.

moto 5.2.5 records sends without rendering them (its v1 SendEmail keeps one body part), has
no SESv2 templated send ("Template functionality not ready"), no suppression list and no v2
templates or event destinations, and publishes test stubs to identity topics. The handlers
below replace its send operations with `mailer.send` and add the missing SESv2 operations
on moto's handler classes, so they run inside moto's request (journaled, replayed) and
moto's serializer answers in each protocol. Installed once, before the first SES request
(moto lists a handler's methods once per class).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from stratus.local.ses import events, identities, mailer, templates
from stratus.local.ses.store import state_of

_INSTALLED = "_stratus_ses_installed"


def _v1_error(exc: mailer.SesRequestError) -> Exception:
    # moto finds the service model from the exception's module: an SesError subclass.
    from moto.ses.exceptions import SesError

    return SesError(exc.code, exc.message)


def _v2_error(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    status = {"NotFoundException": 404, "AlreadyExistsException": 400}.get(code, 400)
    error = JsonRESTError(code, message)
    error.code = status
    return error


def _destination(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "to": list(params.get("ToAddresses") or []),
        "cc": list(params.get("CcAddresses") or []),
        "bcc": list(params.get("BccAddresses") or []),
    }


def install() -> None:
    from moto.ses.models import SESBackend
    from moto.ses.responses import EmailResponse
    from moto.sesv2.responses import SESV2Response

    if getattr(EmailResponse, _INSTALLED, False):
        return
    setattr(EmailResponse, _INSTALLED, True)

    # moto publishes `{"test": ...}` stubs to identity topics; the mailer sends SES's own.
    SESBackend.__process_sns_feedback__ = lambda self, source, destinations: None  # type: ignore[method-assign]

    for name, fn in _V1.items():
        setattr(EmailResponse, name, fn)
    for name, fn in _V2.items():
        setattr(SESV2Response, name, fn)
    EmailResponse.get_identity_dkim_attributes = identities.v1_get_identity_dkim_attributes  # type: ignore[method-assign]
    SESV2Response.get_email_identity = identities.v2_get_email_identity(  # type: ignore[method-assign]
        SESV2Response.get_email_identity
    )
    _add_v2_paths()


def _add_v2_paths() -> None:
    """moto's server routes only the SESv2 paths it implements; add the ones added here."""
    from moto.sesv2 import urls

    for path in (
        "{0}/v2/email/configuration-sets/(?P<ConfigurationSetName>[^/]+)/event-destinations$",
        "{0}/v2/email/suppression/addresses$",
        "{0}/v2/email/suppression/addresses/(?P<EmailAddress>[^/]+)$",
        "{0}/v2/email/account/suppression$",
        "{0}/v2/email/templates$",
        "{0}/v2/email/templates/(?P<TemplateName>[^/]+)$",
    ):
        urls.url_paths.setdefault(path, urls.SESV2Response.dispatch)


# -- SES v1 (query protocol) -----------------------------------------------------------
def _v1_send(self: Any, outgoing: mailer.Outgoing) -> str:
    try:
        return mailer.send(self.backend, outgoing)
    except mailer.SesRequestError as exc:
        raise _v1_error(exc) from None


def _v1_common(self: Any) -> dict[str, Any]:
    return {
        "configuration_set": self._get_param("ConfigurationSetName"),
        "tags": self._get_param("Tags", []) or [],
    }


def v1_send_email(self: Any) -> Any:
    from moto.core.responses import ActionResult

    message = self._get_param("Message", {}) or {}
    body = message.get("Body", {}) or {}
    outgoing = mailer.Outgoing(
        source=self._get_param("Source") or "",
        subject=(message.get("Subject") or {}).get("Data", ""),
        text=(body.get("Text") or {}).get("Data"),
        html=(body.get("Html") or {}).get("Data"),
        **_destination(self._get_param("Destination", {}) or {}),
        **_v1_common(self),
    )
    return ActionResult({"MessageId": _v1_send(self, outgoing)})


def v1_send_templated_email(self: Any) -> Any:
    from moto.core.responses import ActionResult

    outgoing = mailer.Outgoing(
        source=self._get_param("Source") or "",
        template=self._get_param("Template") or "",
        template_data=self._get_param("TemplateData"),
        **_destination(self._get_param("Destination", {}) or {}),
        **_v1_common(self),
    )
    return ActionResult({"MessageId": _v1_send(self, outgoing)})


def v1_send_bulk_templated_email(self: Any) -> Any:
    """One message per destination; its ReplacementTemplateData over DefaultTemplateData
    (https://docs.aws.amazon.com/ses/latest/APIReference/API_SendBulkTemplatedEmail.html)."""
    from moto.core.responses import ActionResult

    default_text = self._get_param("DefaultTemplateData")
    try:
        default = templates.template_data(default_text)
    except templates.InvalidTemplateData:
        raise _v1_error(
            mailer.SesRequestError("InvalidParameterValue", "The template data is invalid")
        ) from None
    statuses = []
    for entry in self._get_param("Destinations", []) or []:
        replacement = entry.get("ReplacementTemplateData")
        try:
            data = {**default, **templates.template_data(replacement)} if replacement else default
        except templates.InvalidTemplateData:
            raise _v1_error(
                mailer.SesRequestError("InvalidParameterValue", "The template data is invalid")
            ) from None
        outgoing = mailer.Outgoing(
            source=self._get_param("Source") or "",
            template=self._get_param("Template") or "",
            template_data=json.dumps(data),
            configuration_set=self._get_param("ConfigurationSetName"),
            tags=[
                *(self._get_param("DefaultTags", []) or []),
                *(entry.get("ReplacementTags") or []),
            ],
            **_destination(entry.get("Destination") or {}),
        )
        statuses.append({"Status": "Success", "MessageId": _v1_send(self, outgoing)})
    return ActionResult({"Status": statuses})


def v1_send_raw_email(self: Any) -> Any:
    from moto.core.responses import ActionResult

    raw = self._get_param("RawMessage.Data") or self._get_param("RawMessage", {}).get("Data", b"")
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    try:
        outgoing = mailer.raw_outgoing(
            text, self._get_param("Source"), list(self._get_param("Destinations", []) or [])
        )
    except mailer.SesRequestError as exc:
        raise _v1_error(exc) from None
    outgoing.configuration_set = self._get_param("ConfigurationSetName")
    outgoing.tags = self._get_param("Tags", []) or []
    return ActionResult({"MessageId": _v1_send(self, outgoing)})


def v1_test_render_template(self: Any) -> Any:
    """TestRenderTemplate renders synchronously, so here a missing attribute is an error
    (MissingRenderingAttribute) and bad data InvalidRenderingParameter
    (https://docs.aws.amazon.com/ses/latest/APIReference/API_TestRenderTemplate.html)."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    from moto.core.responses import ActionResult

    name = self._get_param("TemplateName")
    stored = self.backend.templates.get(name)
    if stored is None:
        raise _v1_error(
            mailer.SesRequestError("TemplateDoesNotExist", f"Template {name} does not exist.")
        )
    try:
        data = templates.template_data(self._get_param("TemplateData"))
        parts = templates.render_parts(
            stored.get("subject_part"), stored.get("text_part"), stored.get("html_part"), data
        )
    except templates.InvalidTemplateData as exc:
        raise _v1_error(mailer.SesRequestError("InvalidRenderingParameter", str(exc))) from None
    except templates.MissingAttribute as exc:
        raise _v1_error(mailer.SesRequestError("MissingRenderingAttribute", str(exc))) from None
    except (templates.RenderingError, templates.TemplateSyntaxError) as exc:
        raise _v1_error(mailer.SesRequestError("InvalidTemplate", str(exc))) from None
    message = MIMEMultipart("alternative")
    message["Subject"] = parts.subject
    if parts.text is not None:
        message.attach(MIMEText(parts.text, "plain", "utf-8"))
    if parts.html is not None:
        message.attach(MIMEText(parts.html, "html", "utf-8"))
    return ActionResult({"RenderedTemplate": message.as_string()})


def _record_destination(backend: Any, config_set: str, destination: dict[str, Any]) -> None:
    if config_set not in backend.config_sets:
        raise mailer.SesRequestError(
            "ConfigurationSetDoesNotExist", f"Configuration set <{config_set}> does not exist."
        )
    sns = destination.get("SNSDestination") or destination.get("SnsDestination") or {}
    state = state_of(backend)
    name = str(destination.get("Name") or destination.get("EventDestinationName") or "")
    if name in state.destinations.get(config_set, {}):
        raise mailer.SesRequestError(
            "EventDestinationAlreadyExists",
            f"Event destination {name} already exists for configuration set {config_set}.",
        )
    enabled = destination.get("Enabled", True)
    state.destinations.setdefault(config_set, {})[name] = {
        "Enabled": str(enabled).lower() != "false",
        "MatchingEventTypes": [
            events.normalize_event_type(str(t)) for t in destination.get("MatchingEventTypes") or []
        ],
        "SnsTopicArn": sns.get("TopicARN") or sns.get("TopicArn"),
    }


def v1_create_configuration_set_event_destination(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    name = self._get_param("ConfigurationSetName")
    destination = self._get_param("EventDestination", {}) or {}
    try:
        _record_destination(self.backend, name, destination)
    except mailer.SesRequestError as exc:
        raise _v1_error(exc) from None
    self.backend.config_set_event_destination[name] = destination
    return EmptyResult()


_V1 = {
    "send_email": v1_send_email,
    "send_templated_email": v1_send_templated_email,
    "send_bulk_templated_email": v1_send_bulk_templated_email,
    "send_raw_email": v1_send_raw_email,
    "test_render_template": v1_test_render_template,
    "create_configuration_set_event_destination": v1_create_configuration_set_event_destination,
}


# -- SESv2 (rest-json) -----------------------------------------------------------------
def _v2_body(self: Any) -> dict[str, Any]:
    try:
        body = json.loads(self.body or "{}")
    except ValueError:
        raise _v2_error("BadRequestException", "The request body is not valid JSON.") from None
    return body if isinstance(body, dict) else {}


def _core(self: Any) -> Any:
    return self.sesv2_backend.core_backend


def v2_send_email(self: Any) -> str:
    """SESv2 SendEmail with Simple, Raw or Template content
    (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html)."""
    params = _v2_body(self)
    content = params.get("Content") or {}
    destination = _destination(params.get("Destination") or {})
    source = params.get("FromEmailAddress") or ""
    common: dict[str, Any] = {
        "configuration_set": params.get("ConfigurationSetName"),
        "tags": list(params.get("EmailTags") or []),
    }
    try:
        if "Raw" in content:
            raw = base64.b64decode(content["Raw"].get("Data") or b"").decode("utf-8", "replace")
            recipients = [*destination["to"], *destination["cc"], *destination["bcc"]]
            outgoing = mailer.raw_outgoing(raw, source or None, recipients)
            outgoing.configuration_set = common["configuration_set"]
            outgoing.tags = common["tags"]
        elif "Template" in content:
            template = content["Template"]
            name = template.get("TemplateName")
            if not name and template.get("TemplateArn"):
                name = str(template["TemplateArn"]).rsplit("/", 1)[-1]
            outgoing = mailer.Outgoing(
                source=source,
                template=name,
                template_content=template.get("TemplateContent") if not name else None,
                template_data=template.get("TemplateData"),
                **destination,
                **common,
            )
            if name is None and outgoing.template_content is None:
                raise mailer.SesRequestError(
                    "BadRequestException", "Template name or content must be specified."
                )
        elif "Simple" in content:
            simple = content["Simple"]
            body = simple.get("Body") or {}
            outgoing = mailer.Outgoing(
                source=source,
                subject=(simple.get("Subject") or {}).get("Data", ""),
                text=(body.get("Text") or {}).get("Data"),
                html=(body.get("Html") or {}).get("Data"),
                **destination,
                **common,
            )
        else:
            raise mailer.SesRequestError("BadRequestException", "Content must be specified.")
        message_id = mailer.send(_core(self), outgoing, data_error="BadRequestException")
    except mailer.SesRequestError as exc:
        code = {
            "TemplateDoesNotExist": "NotFoundException",
            "ConfigurationSetDoesNotExist": "NotFoundException",
            "InvalidParameterValue": "BadRequestException",
        }.get(exc.code, exc.code)
        raise _v2_error(code, exc.message) from None
    return json.dumps({"MessageId": message_id})


def _unix(moment: datetime) -> float:
    return moment.timestamp()


def _suppressed_view(entry: dict[str, Any]) -> dict[str, Any]:
    out = dict(entry)
    out["LastUpdateTime"] = _unix(entry["LastUpdateTime"])
    return out


def v2_put_suppressed_destination(self: Any) -> str:
    params = _v2_body(self)
    address = str(params.get("EmailAddress") or "")
    reason = str(params.get("Reason") or "")
    if reason not in ("BOUNCE", "COMPLAINT"):
        raise _v2_error("BadRequestException", "Reason must be BOUNCE or COMPLAINT.")
    if "@" not in address:
        raise _v2_error("BadRequestException", f"Invalid email address: {address}")
    state_of(_core(self)).suppress(address, reason, mailer.now())
    return "{}"


def v2_get_suppressed_destination(self: Any) -> str:
    address = str(self._get_param("EmailAddress") or "")
    entry = state_of(_core(self)).suppressed.get(address.lower())
    if entry is None:
        raise _v2_error(
            "NotFoundException", f"Email address {address} does not exist on your suppression list."
        )
    return json.dumps({"SuppressedDestination": _suppressed_view(entry)})


def v2_delete_suppressed_destination(self: Any) -> str:
    address = str(self._get_param("EmailAddress") or "")
    state = state_of(_core(self))
    if state.suppressed.pop(address.lower(), None) is None:
        raise _v2_error(
            "NotFoundException", f"Email address {address} does not exist on your suppression list."
        )
    return "{}"


def v2_list_suppressed_destinations(self: Any) -> str:
    reasons = self.querystring.get("Reason") or self.querystring.get("Reasons") or []
    entries = [
        {k: v for k, v in _suppressed_view(e).items() if k != "Attributes"}
        for e in state_of(_core(self)).suppressed.values()
        if not reasons or e["Reason"] in reasons
    ]
    return json.dumps({"SuppressedDestinationSummaries": entries})


def v2_put_account_suppression_attributes(self: Any) -> str:
    reasons = [str(r) for r in _v2_body(self).get("SuppressedReasons") or []]
    state_of(_core(self)).suppression_reasons = reasons
    return "{}"


def v2_create_email_template(self: Any) -> str:
    from moto.core.utils import utcnow

    params = _v2_body(self)
    name = str(params.get("TemplateName") or "")
    content = params.get("TemplateContent") or {}
    backend = _core(self)
    if name in backend.templates:
        raise _v2_error("AlreadyExistsException", f"Template {name} already exists.")
    backend.templates[name] = {
        "template_name": name,
        "subject_part": content.get("Subject", ""),
        "text_part": content.get("Text"),
        "html_part": content.get("Html"),
        "Timestamp": utcnow(),
    }
    return "{}"


def v2_get_email_template(self: Any) -> str:
    name = str(self._get_param("TemplateName") or "")
    stored = _core(self).templates.get(name)
    if stored is None:
        raise _v2_error("NotFoundException", f"Template {name} does not exist.")
    content = {
        "Subject": stored.get("subject_part"),
        "Text": stored.get("text_part"),
        "Html": stored.get("html_part"),
    }
    return json.dumps(
        {
            "TemplateName": name,
            "TemplateContent": {k: v for k, v in content.items() if v is not None},
        }
    )


def v2_delete_email_template(self: Any) -> str:
    name = str(self._get_param("TemplateName") or "")
    if _core(self).templates.pop(name, None) is None:
        raise _v2_error("NotFoundException", f"Template {name} does not exist.")
    return "{}"


def v2_create_configuration_set_event_destination(self: Any) -> str:
    params = _v2_body(self)
    name = str(self._get_param("ConfigurationSetName") or params.get("ConfigurationSetName") or "")
    destination = dict(params.get("EventDestination") or {})
    destination["Name"] = params.get("EventDestinationName")
    try:
        _record_destination(_core(self), name, destination)
    except mailer.SesRequestError as exc:
        code = (
            "NotFoundException"
            if exc.code == "ConfigurationSetDoesNotExist"
            else "AlreadyExistsException"
        )
        raise _v2_error(code, exc.message) from None
    return "{}"


_V2 = {
    "send_email": v2_send_email,
    "put_suppressed_destination": v2_put_suppressed_destination,
    "get_suppressed_destination": v2_get_suppressed_destination,
    "delete_suppressed_destination": v2_delete_suppressed_destination,
    "list_suppressed_destinations": v2_list_suppressed_destinations,
    "put_account_suppression_attributes": v2_put_account_suppression_attributes,
    "create_email_template": v2_create_email_template,
    "get_email_template": v2_get_email_template,
    "delete_email_template": v2_delete_email_template,
    "create_configuration_set_event_destination": v2_create_configuration_set_event_destination,
}
