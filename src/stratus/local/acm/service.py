"""ACM as an emulated service: the certificates provisioned from templates, answered as
ACM answers for an Amazon-issued, DNS-validated certificate.

moto keeps each certificate (the local CA's, imported onto the requested ARN). Its
DescribeCertificate / ListCertificates would then call it IMPORTED and GetCertificate
would append an Amazon root to the chain; for the certificates this service issued, those
answers are rewritten (moto's answer, forwarded past the hooks, then corrected): Type
AMAZON_ISSUED, Status ISSUED, DomainValidationOptions with each name's validation CNAME
(SUCCESS), CreatedAt/IssuedAt, and the chain is the local CA alone
(https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.acm import issue
from stratus.local.acm.providers import CertificateProvider, names_of
from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.provision.provider import Provider


class AcmService(EmulatedService):
    name = "acm"
    order = 30
    moto_backends = ("acm",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::CertificateManager::Certificate": CertificateProvider(),
    }

    def __init__(self) -> None:
        self.cloud: CloudContext | None = None
        self.issued: dict[str, list[str]] = {}  # ARN -> its names

    def hooks(self) -> Iterable[Hook]:
        return [
            Hook("acm", "DescribeCertificate", before=self._describe),
            Hook("acm", "GetCertificate", before=self._get),
            Hook("acm", "ListCertificates", before=self._list),
        ]

    async def prepare(self, cloud: CloudContext) -> None:
        self.cloud = cloud

    async def start(self, cloud: CloudContext) -> None:
        self.cloud = cloud
        for res in cloud.require_deployment().resources("AWS::CertificateManager::Certificate"):
            self.issued[res.physical_id] = names_of(res.properties)

    async def _moto(self, call: AwsCall) -> tuple[Response, dict[str, Any] | None]:
        assert self.cloud is not None
        response = await self.cloud.forward_to_moto(call.request)
        if response.status_code >= 300:
            return response, None
        return response, json.loads(bytes(response.body))

    def _answer(self, body: dict[str, Any], like: Response) -> Response:
        return Response(
            json.dumps(body), status_code=like.status_code, media_type="application/x-amz-json-1.1"
        )

    async def _describe(self, call: AwsCall) -> Response | None:
        arn = str(call.json_body().get("CertificateArn", ""))
        if arn not in self.issued or self.cloud is None:
            return None
        response, body = await self._moto(call)
        if body is None:
            return response
        detail = body["Certificate"]
        issued_at = detail.pop("ImportedAt", None)
        detail.update(
            Type="AMAZON_ISSUED",
            Status="ISSUED",
            CreatedAt=issued_at,
            IssuedAt=issued_at,
            RenewalEligibility="ELIGIBLE",
            DomainName=self.issued[arn][0],
            DomainValidationOptions=[
                {
                    "DomainName": name,
                    "ValidationDomain": name,
                    "ValidationStatus": "SUCCESS",
                    "ValidationMethod": "DNS",
                    "ResourceRecord": issue.validation_record(arn, name),
                }
                for name in self.issued[arn]
            ],
        )
        return self._answer(body, response)

    async def _get(self, call: AwsCall) -> Response | None:
        arn = str(call.json_body().get("CertificateArn", ""))
        if arn not in self.issued or self.cloud is None:
            return None
        response, body = await self._moto(call)
        if body is None:
            return response
        body["CertificateChain"] = self.cloud.settings.ca_pem.read_text()
        return self._answer(body, response)

    async def _list(self, call: AwsCall) -> Response | None:
        if not self.issued or self.cloud is None:
            return None
        response, body = await self._moto(call)
        if body is None:
            return response
        for summary in body.get("CertificateSummaryList") or []:
            if summary.get("CertificateArn") in self.issued:
                summary["Type"] = "AMAZON_ISSUED"
                summary.pop("ImportedAt", None)
        return self._answer(body, response)


SERVICES = [AcmService]
