"""What the local SES answers about identities: a domain verified at once with Easy DKIM
(the same tokens in v1, v2 and the CloudFormation attributes), its MAIL FROM domain, and
addresses signing with their domain's DKIM only when that domain is an identity."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stratus.local.ses import moto_patches
from stratus.local.ses.identities import dkim_tokens
from stratus.local.ses.providers import EmailIdentityProvider

DOMAIN = "myblog.example"


@pytest.fixture
def clients() -> Iterator[tuple[Any, Any]]:
    moto_patches.install()
    with mock_aws():
        yield (
            boto3.client("ses", region_name="us-east-1"),
            boto3.client("sesv2", region_name="us-east-1"),
        )


def _provision(v1: Any, v2: Any, props: dict[str, Any]) -> dict[str, Any]:
    ctx = SimpleNamespace(aws=lambda name: {"ses": v1, "sesv2": v2}[name])
    physical_id, attributes = EmailIdentityProvider().create(ctx, props)  # type: ignore[arg-type]
    assert physical_id == props["EmailIdentity"]
    return attributes


def test_domain_identity_is_verified_with_easy_dkim_and_mail_from(clients: Any) -> None:
    v1, v2 = clients
    attributes = _provision(v1, v2, {
        "EmailIdentity": DOMAIN,
        "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
        "MailFromAttributes": {"MailFromDomain": f"mail.{DOMAIN}"},
    })  # fmt: skip
    tokens = dkim_tokens(DOMAIN)
    assert len(set(tokens)) == 3 and all(len(t) == 32 for t in tokens)
    assert attributes["DkimDNSTokenName1"] == f"{tokens[0]}._domainkey.{DOMAIN}"
    assert attributes["DkimDNSTokenValue3"] == f"{tokens[2]}.dkim.amazonses.com"

    got = v2.get_email_identity(EmailIdentity=DOMAIN)
    assert got["IdentityType"] == "DOMAIN" and got["VerifiedForSendingStatus"] is True
    dkim = got["DkimAttributes"]
    assert (dkim["SigningEnabled"], dkim["Status"], dkim["Tokens"]) == (True, "SUCCESS", tokens)
    assert dkim["SigningAttributesOrigin"] == "AWS_SES"
    assert dkim["CurrentSigningKeyLength"] == "RSA_2048_BIT"
    assert got["MailFromAttributes"] == {
        "MailFromDomain": f"mail.{DOMAIN}",
        "MailFromDomainStatus": "SUCCESS",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    }
    v1_dkim = v1.get_identity_dkim_attributes(Identities=[DOMAIN])["DkimAttributes"][DOMAIN]
    assert v1_dkim == {"DkimEnabled": True, "DkimVerificationStatus": "Success",
                       "DkimTokens": tokens}  # fmt: skip


def test_address_signs_with_its_domain_only_when_the_domain_is_an_identity(clients: Any) -> None:
    v1, v2 = clients
    _provision(v1, v2, {"EmailIdentity": "news@other.example"})
    lone = v2.get_email_identity(EmailIdentity="news@other.example")
    assert lone["VerifiedForSendingStatus"] is True
    assert lone["DkimAttributes"]["SigningEnabled"] is False
    v1_lone = v1.get_identity_dkim_attributes(Identities=["news@other.example"])
    assert v1_lone["DkimAttributes"]["news@other.example"]["DkimEnabled"] is False

    _provision(v1, v2, {"EmailIdentity": DOMAIN})
    _provision(v1, v2, {"EmailIdentity": f"news@{DOMAIN}"})
    signed = v2.get_email_identity(EmailIdentity=f"news@{DOMAIN}")["DkimAttributes"]
    assert (signed["Status"], signed["Tokens"]) == ("SUCCESS", dkim_tokens(DOMAIN))
