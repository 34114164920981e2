"""SES for the welcome mail: the sending identity, a configuration set whose bounce and
complaint events go to an SNS topic, and one welcome template per language.

The identity is the mail domain when there is one, with Easy DKIM (SES's default: three
CNAME records, https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html)
and a MAIL FROM subdomain (`mail.<domain>`, so SPF aligns with the From domain for DMARC,
https://docs.aws.amazon.com/ses/latest/dg/mail-from.html). When the domain is the hosted
zone's, `Identity.public_hosted_zone` writes the DKIM CNAMEs and the MAIL FROM MX and SPF
TXT records into the zone, so the identity verifies on its own; otherwise they are the
DkimDNSTokenName/Value attributes to add by hand. Without a domain the sender address is
the identity (verified by the link SES mails it).

Templates use SES's Handlebars: `{{name}}`, `{{confirm_url}}`, `{{unsubscribe_url}}`;
`{{#if has_name}}` greets by name when one was given.
"""

from __future__ import annotations

from aws_cdk import aws_route53 as route53
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from constructs import Construct

from stratus.blog.subscribers import welcome_template_name
from stratus.infra.blog.stage import BlogStageConfig
from stratus.infra.shared.nag import acknowledge

WELCOME: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Welcome to MyBlog{{#if has_name}}, {{name}}{{/if}}: please confirm",
        "hello": "Hello{{#if has_name}} {{name}}{{/if}},",
        "ask": "Thanks for subscribing to MyBlog. Please confirm your address:",
        "confirm": "Confirm my subscription",
        "leave": "Not you, or changed your mind? Unsubscribe:",
    },
    "fr": {
        "subject": "Bienvenue sur MyBlog{{#if has_name}}, {{name}}{{/if}} : merci de confirmer",
        "hello": "Bonjour{{#if has_name}} {{name}}{{/if}},",
        "ask": "Merci de votre abonnement à MyBlog. Confirmez votre adresse :",
        "confirm": "Confirmer mon abonnement",
        "leave": "Ce n'est pas vous, ou vous avez changé d'avis ? Se désabonner :",
    },
    "de": {
        "subject": "Willkommen bei MyBlog{{#if has_name}}, {{name}}{{/if}}: bitte bestätigen",
        "hello": "Hallo{{#if has_name}} {{name}}{{/if}},",
        "ask": "Danke für Ihr Abonnement von MyBlog. Bitte bestätigen Sie Ihre Adresse:",
        "confirm": "Abonnement bestätigen",
        "leave": "Nicht Sie, oder doch kein Interesse? Abmelden:",
    },
}


def _html(lang: str, text: dict[str, str]) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><body style="font-family:sans-serif">'
        f"<p>{text['hello']}</p><p>{text['ask']}</p>"
        f'<p><a href="{{{{confirm_url}}}}">{text["confirm"]}</a></p>'
        f'<p style="color:#666;font-size:90%">{text["leave"]} '
        f'<a href="{{{{unsubscribe_url}}}}">{{{{unsubscribe_url}}}}</a></p></body></html>'
    )


def _text(text: dict[str, str]) -> str:
    return (
        f"{text['hello']}\n\n{text['ask']}\n{{{{confirm_url}}}}\n\n"
        f"{text['leave']}\n{{{{unsubscribe_url}}}}\n"
    )


class BlogMail(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: BlogStageConfig) -> None:
        super().__init__(scope, construct_id)
        self.mail_from_domain = f"mail.{cfg.mail_domain}" if cfg.mail_domain else None
        if cfg.mail_domain and cfg.hosted_zone_id and cfg.mail_domain == cfg.hosted_zone_name:
            zone = route53.PublicHostedZone.from_public_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=cfg.hosted_zone_id, zone_name=cfg.mail_domain
            )
            identity = ses.Identity.public_hosted_zone(zone)
        elif cfg.mail_domain:
            identity = ses.Identity.domain(cfg.mail_domain)
        else:
            identity = ses.Identity.email(cfg.mail_from)
        self.identity = ses.EmailIdentity(
            self,
            "Identity",
            identity=identity,
            dkim_signing=True,
            dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT)
            if cfg.mail_domain
            else None,
            mail_from_domain=self.mail_from_domain,
        )
        self.identity_name = cfg.mail_domain or cfg.mail_from
        self.sender = cfg.mail_from
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.events = sns.Topic(
            self, "MailEvents", display_name="SES bounces and complaints", enforce_ssl=True
        )
        acknowledge(
            self.events,
            "AwsSolutions-SNS2",
            "SES publishes bounce and complaint events to this topic; SES cannot publish to a "
            "topic encrypted with the AWS managed key, and the events hold only addresses.",
        )
        self.configuration_set.add_event_destination(
            "BouncesAndComplaints",
            destination=ses.EventDestination.sns_topic(self.events),
            events=[ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
        )
        self.template_prefix = f"stratus-{cfg.name}-blog"
        self.templates = []
        for lang, text in WELCOME.items():
            self.templates.append(
                ses.CfnTemplate(
                    self,
                    f"Welcome{lang.capitalize()}",
                    template=ses.CfnTemplate.TemplateProperty(
                        template_name=welcome_template_name(self.template_prefix, lang),
                        subject_part=text["subject"],
                        html_part=_html(lang, text),
                        text_part=_text(text),
                    ),
                )
            )
