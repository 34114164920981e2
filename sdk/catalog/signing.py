"""SigV4 for httpx: sign each request for API Gateway's `AWS_IAM` methods (`execute-api`).

Hand-written (the generator writes the rest of this package and keeps this file): botocore
already implements Signature Version 4 (`SigV4Auth`), so this hook only moves an httpx
request into a botocore `AWSRequest`, signs it with the caller's credentials (a service's
role in Lambda, from the default chain) and copies the signed headers back. The body is
read first because it is part of the signature.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

    client = Client(base_url=catalog_url, httpx_args={"auth": SigV4(region="us-east-1")})
"""

from __future__ import annotations

from collections.abc import Generator

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.session import Session

SERVICE = "execute-api"
# Headers worth signing besides `host` and `x-amz-*` (added by the signer); hop-by-hop
# headers a proxy may change (connection, user-agent, accept-encoding) are left out.
_SIGNED = ("content-type",)


class SigV4(httpx.Auth):
    requires_request_body = True

    def __init__(
        self,
        region: str,
        credentials: Credentials | None = None,
        service: str = SERVICE,
    ) -> None:
        self.region = region
        self.service = service
        self._credentials = credentials

    def credentials(self) -> Credentials:
        if self._credentials is None:
            found = Session().get_credentials()
            if found is None:
                raise RuntimeError("no AWS credentials to sign the request with")
            self._credentials = found
        return self._credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = {k: v for k, v in request.headers.items() if k.lower() in _SIGNED}
        signed = AWSRequest(
            method=request.method, url=str(request.url), data=request.content, headers=headers
        )
        frozen = self.credentials().get_frozen_credentials()
        SigV4Auth(frozen, self.service, self.region).add_auth(signed)
        for name, value in signed.headers.items():
            request.headers[name] = value
        yield request
