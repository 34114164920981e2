"""SES v1 (query) and v2 (REST) requests -> IAM checks on identity, config set, template."""

from __future__ import annotations

from tests.unit.local.iam.calls import arn, needs_of

from stratus.local.iam.actions import Need

ADDRESS_IDENTITY = arn("ses", "identity/shop@example.com")
DOMAIN_IDENTITY = arn("ses", "identity/example.com")


class _Verified:
    """Lookups where example.com is a verified domain identity."""

    def secret_arn(self, region: str, secret_id: str) -> str | None:
        return None

    def ses_identity(self, region: str, address: str) -> str | None:
        return address.rpartition("@")[2] if address.endswith("@example.com") else None


def test_v1_send_email_on_the_address_identity_with_condition_keys() -> None:
    found = needs_of(
        "ses",
        "send_email",
        Source="Shop <shop@example.com>",
        Destination={"ToAddresses": ["a@example.org"], "CcAddresses": ["b@example.org"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        ReturnPath="bounces@example.com",
    )
    assert found == [
        Need(
            "ses:SendEmail",
            ADDRESS_IDENTITY,
            {
                "ses:ApiVersion": "1",
                "ses:FromAddress": "shop@example.com",
                "ses:FromDisplayName": "Shop",
                "ses:Recipients": ["a@example.org", "b@example.org"],
                "ses:FeedbackAddress": "bounces@example.com",
            },
        )
    ]


def test_v1_verified_domain_identity_from_the_lookup() -> None:
    found = needs_of(
        "ses",
        "send_email",
        lookups=_Verified(),
        Source="shop@example.com",
        Destination={"ToAddresses": ["a@example.org"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
    )
    assert [n.resource for n in found] == [DOMAIN_IDENTITY]


def test_v1_templated_email_also_checks_configuration_set_and_template() -> None:
    found = needs_of(
        "ses",
        "send_templated_email",
        Source="blog@example.com",
        Destination={"ToAddresses": ["reader@example.org"]},
        Template="blog-welcome-en",
        TemplateData="{}",
        ConfigurationSetName="blog-mail",
    )
    assert [(n.action, n.resource) for n in found] == [
        ("ses:SendTemplatedEmail", arn("ses", "identity/blog@example.com")),
        ("ses:SendTemplatedEmail", arn("ses", "configuration-set/blog-mail")),
        ("ses:SendTemplatedEmail", arn("ses", "template/blog-welcome-en")),
    ]


def test_v1_raw_email_without_source_uses_the_from_header() -> None:
    raw = b"From: Shop <shop@example.com>\r\nTo: a@example.org\r\nSubject: s\r\n\r\nbody"
    found = needs_of("ses", "send_raw_email", RawMessage={"Data": raw})
    assert found[0].action == "ses:SendRawEmail"
    assert found[0].resource == ADDRESS_IDENTITY
    assert found[0].context["ses:FromAddress"] == "shop@example.com"


def test_v1_sending_authorization_identity_arn_wins() -> None:
    other = "arn:aws:ses:us-east-1:210987654321:identity/partner.example"
    found = needs_of(
        "ses",
        "send_email",
        Source="shop@partner.example",
        SourceArn=other,
        Destination={"ToAddresses": ["a@example.org"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
    )
    assert found[0].resource == other


def test_v1_management_calls_take_no_resource() -> None:
    assert needs_of("ses", "verify_email_identity", EmailAddress="a@example.com") == [
        Need("ses:VerifyEmailIdentity", "*", {"ses:ApiVersion": "1"})
    ]


def test_v2_send_email_with_template_and_configuration_set() -> None:
    found = needs_of(
        "sesv2",
        "send_email",
        FromEmailAddress="shop@example.com",
        Destination={"ToAddresses": ["c@example.org"]},
        Content={"Template": {"TemplateName": "order-paid", "TemplateData": "{}"}},
        ConfigurationSetName="shop-mail",
    )
    ctx: dict[str, str | list[str]] = {
        "ses:ApiVersion": "2",
        "ses:FromAddress": "shop@example.com",
        "ses:Recipients": ["c@example.org"],
    }
    assert found == [
        Need("ses:SendEmail", ADDRESS_IDENTITY, ctx),
        Need("ses:SendEmail", arn("ses", "configuration-set/shop-mail"), ctx),
        Need("ses:SendEmail", arn("ses", "template/order-paid"), ctx),
    ]


def test_v2_simple_email_and_identity_calls() -> None:
    found = needs_of(
        "sesv2",
        "send_email",
        lookups=_Verified(),
        FromEmailAddress="shop@example.com",
        Destination={"ToAddresses": ["c@example.org"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}},
    )
    assert [(n.action, n.resource) for n in found] == [("ses:SendEmail", DOMAIN_IDENTITY)]
    assert needs_of("sesv2", "get_email_identity", EmailIdentity="example.com") == [
        Need("ses:GetEmailIdentity", DOMAIN_IDENTITY, {"ses:ApiVersion": "2"})
    ]
    assert needs_of("sesv2", "get_email_template", TemplateName="order-paid") == [
        Need("ses:GetEmailTemplate", arn("ses", "template/order-paid"), {"ses:ApiVersion": "2"})
    ]
    assert needs_of("sesv2", "get_account") == [
        Need("ses:GetAccount", "*", {"ses:ApiVersion": "2"})
    ]


def test_v1_bulk_and_raw_recipients_from_flat_query_lists() -> None:
    bulk = needs_of(
        "ses",
        "send_bulk_templated_email",
        Source="shop@example.com",
        Template="order-paid",
        DefaultTemplateData="{}",
        Destinations=[
            {"Destination": {"ToAddresses": ["a@example.org"]}},
            {"Destination": {"ToAddresses": ["b@example.org"], "BccAddresses": ["c@example.org"]}},
        ],
    )
    assert [n.resource for n in bulk] == [ADDRESS_IDENTITY, arn("ses", "template/order-paid")]
    assert bulk[0].context["ses:Recipients"] == ["a@example.org", "b@example.org", "c@example.org"]
    raw = needs_of(
        "ses",
        "send_raw_email",
        Source="shop@example.com",
        Destinations=["d@example.org"],
        RawMessage={"Data": b"Subject: s\r\n\r\nbody"},
    )
    assert raw[0].context["ses:Recipients"] == ["d@example.org"]
