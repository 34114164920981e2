"""AWS::SES::EmailIdentity, ConfigurationSet, ConfigurationSetEventDestination and Template.

Created through the local endpoint (moto keeps identities, sets and templates; the event
destinations and suppression options are read by `mailer`). An identity is verified at
once locally (no DNS to check). Its DKIM attributes are Easy DKIM's three CNAME records,
`<token>._domainkey.<domain>` -> `<token>.dkim.amazonses.com`
(https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html), with
tokens derived from the identity so they stay the same across restarts.
"""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
)
from stratus.local.ses.events import normalize_event_type
from stratus.local.ses.identities import dkim_tokens


def dkim_attributes(identity: str) -> Attributes:
    domain = identity.rsplit("@", 1)[-1].lower()
    attributes: Attributes = {}
    for index, token in enumerate(dkim_tokens(identity), start=1):
        attributes[f"DkimDNSTokenName{index}"] = f"{token}._domainkey.{domain}"
        attributes[f"DkimDNSTokenValue{index}"] = f"{token}.dkim.amazonses.com"
    return attributes


class EmailIdentityProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        identity = str(props["EmailIdentity"])
        params: dict[str, Any] = {"EmailIdentity": identity}
        config_set = (props.get("ConfigurationSetAttributes") or {}).get("ConfigurationSetName")
        if config_set:
            params["ConfigurationSetName"] = config_set
        try:
            ctx.aws("sesv2").create_email_identity(**params)
        except Exception as exc:
            if error_code(exc) not in ("AlreadyExistsException", "AlreadyExists"):
                raise
        self._mail_from(ctx, identity, props)
        return identity, dkim_attributes(identity)

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("sesv2").get_email_identity(EmailIdentity=physical_id),
            "NotFoundException",
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if str(props["EmailIdentity"]) != physical_id:
            return None
        self._mail_from(ctx, physical_id, props)
        return physical_id, dkim_attributes(physical_id)

    @staticmethod
    def _mail_from(ctx: ProviderContext, identity: str, props: dict[str, Any]) -> None:
        """MailFromAttributes: the MAIL FROM domain, verified at once like the identity."""
        spec = props.get("MailFromAttributes") or {}
        params: dict[str, Any] = {"Identity": identity}
        if spec.get("MailFromDomain"):
            params["MailFromDomain"] = str(spec["MailFromDomain"])
            behavior = str(spec.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE")
            params["BehaviorOnMXFailure"] = (
                "RejectMessage" if behavior == "REJECT_MESSAGE" else "UseDefaultValue"
            )
        elif not spec:
            return
        ctx.aws("ses").set_identity_mail_from_domain(**params)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("sesv2").delete_email_identity(EmailIdentity=physical_id)
        except Exception as exc:
            if error_code(exc) != "NotFoundException":
                raise


class ConfigurationSetProvider(Provider):
    _OPTIONS = (
        "DeliveryOptions",
        "ReputationOptions",
        "SendingOptions",
        "SuppressionOptions",
        "TrackingOptions",
        "VdmOptions",
    )

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("Name") or ctx.name(64))
        params: dict[str, Any] = {"ConfigurationSetName": name}
        for option in self._OPTIONS:
            if props.get(option):
                params[option] = props[option]
        ctx.aws("sesv2").create_configuration_set(**params)
        return name, {}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("sesv2").get_configuration_set(ConfigurationSetName=physical_id),
            "NotFoundException",
            "ConfigurationSetDoesNotExist",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("sesv2").delete_configuration_set(ConfigurationSetName=physical_id)
        except Exception as exc:
            if error_code(exc) not in ("NotFoundException", "ConfigurationSetDoesNotExist"):
                raise


class EventDestinationProvider(Provider):
    """Only SNS destinations deliver locally; others are kept and named in the log."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        config_set = str(props["ConfigurationSetName"])
        spec = props.get("EventDestination") or {}
        name = str(spec.get("Name") or ctx.name(64))
        destination: dict[str, Any] = {
            "Enabled": bool(spec.get("Enabled", False)),
            "MatchingEventTypes": [
                normalize_event_type(str(t)) for t in spec.get("MatchingEventTypes") or []
            ],
        }
        sns = spec.get("SnsDestination") or {}
        if sns.get("TopicARN"):
            destination["SnsDestination"] = {"TopicArn": sns["TopicARN"]}
        ctx.aws("sesv2").create_configuration_set_event_destination(
            ConfigurationSetName=config_set,
            EventDestinationName=name,
            EventDestination=destination,
        )
        return f"{config_set}|{name}", {"Id": name}


class TemplateProvider(Provider):
    def _params(self, props: dict[str, Any], name: str) -> dict[str, Any]:
        spec = props.get("Template") or {}
        template: dict[str, Any] = {
            "TemplateName": name,
            "SubjectPart": spec.get("SubjectPart", ""),
        }
        for part in ("TextPart", "HtmlPart"):
            if spec.get(part) is not None:
                template[part] = spec[part]
        return template

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str((props.get("Template") or {}).get("TemplateName") or ctx.name(64))
        ctx.aws("ses").create_template(Template=self._params(props, name))
        return name, {"Id": name}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("ses").get_template(TemplateName=physical_id), "TemplateDoesNotExist"
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        wanted = (props.get("Template") or {}).get("TemplateName")
        if wanted and wanted != physical_id:
            return None
        ctx.aws("ses").update_template(Template=self._params(props, physical_id))
        return physical_id, {"Id": physical_id}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("ses").delete_template(TemplateName=physical_id)
        except Exception as exc:
            if error_code(exc) != "TemplateDoesNotExist":
                raise
