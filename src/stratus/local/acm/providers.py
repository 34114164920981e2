"""AWS::CertificateManager::Certificate: a real certificate from the local CA, in moto.

`Ref` is the certificate ARN
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-certificatemanager-certificate.html).
moto first requests the certificate (its ARN) and then takes the local CA's certificate
and key in place of its own (ImportCertificate onto that ARN), so GetCertificate returns
what the local edge presents. With ValidationMethod DNS, each DomainValidationOptions
entry naming a HostedZoneId gets its validation CNAME written into that zone, as
CloudFormation does; the certificate is ISSUED at once (nothing to wait for locally).
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError

from stratus.local.acm import issue
from stratus.local.provision.provider import Attributes, Provider, ProviderContext, tags

log = logging.getLogger("stratus.acm")


def names_of(props: dict[str, Any]) -> list[str]:
    return [str(props["DomainName"]), *(str(n) for n in props.get("SubjectAlternativeNames") or [])]


class CertificateProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        client = ctx.aws("acm")
        names = names_of(props)
        params: dict[str, Any] = {
            "DomainName": names[0],
            "ValidationMethod": str(props.get("ValidationMethod") or "DNS"),
        }
        if len(names) > 1:
            params["SubjectAlternativeNames"] = names[1:]
        if props.get("Tags"):
            params["Tags"] = tags(props)
        arn = str(client.request_certificate(**params)["CertificateArn"])
        cert_pem, key_pem, chain_pem = issue.issue(ctx.settings, names)
        client.import_certificate(
            CertificateArn=arn, Certificate=cert_pem, PrivateKey=key_pem, CertificateChain=chain_pem
        )
        issue.save(ctx.settings, arn, cert_pem, key_pem)
        if params["ValidationMethod"] == "DNS":
            self._validation_records(ctx, arn, props)
        return arn, {"Id": arn.rsplit("/", 1)[-1]}

    def _validation_records(self, ctx: ProviderContext, arn: str, props: dict[str, Any]) -> None:
        route53 = ctx.aws("route53")
        for option in props.get("DomainValidationOptions") or []:
            zone = option.get("HostedZoneId")
            if not zone:
                continue
            record = issue.validation_record(arn, str(option["DomainName"]))
            route53.change_resource_record_sets(
                HostedZoneId=str(zone).rsplit("/", 1)[-1],
                ChangeBatch={
                    "Changes": [
                        {
                            "Action": "UPSERT",
                            "ResourceRecordSet": {
                                "Name": record["Name"],
                                "Type": "CNAME",
                                "TTL": 300,
                                "ResourceRecords": [{"Value": record["Value"]}],
                            },
                        }
                    ]
                },
            )

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        try:
            ctx.aws("acm").describe_certificate(CertificateArn=physical_id)
        except ClientError:
            return False
        return issue.files(ctx.settings, physical_id)[0].exists()

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("acm").delete_certificate(CertificateArn=physical_id)
        except ClientError as exc:
            log.debug("delete certificate %s: %s", physical_id, exc)
        for path in issue.files(ctx.settings, physical_id):
            path.unlink(missing_ok=True)
