"""IAM on every AWS call: the AWS endpoint's authorization stage, before any service's hooks.

moto checks no signature and no policy, so without this stage any key (even a forged
secret) may scan any table or invoke any function. For every request to a service other
than S3 (the S3 guard keeps S3, with its own XML errors and pre-signed POST forms), AWS's
order is followed (https://docs.aws.amazon.com/IAM/latest/UserGuide/intro-structure.html):

1. authenticate: operations botocore's model marks unauthenticated (`authtype: none`,
   `smithy.api#noAuth`: Cognito's InitiateAuth, SignUp, GetId, STS's
   AssumeRoleWithWebIdentity, ...) pass; every other request must carry a SigV4 signature
   (header or query form) that `iam.sigv4.verify_request` checks with the caller's secret;
2. the root key (`test`) stays all-powerful (after its signature is checked), as do
   principals without policies;
3. authorize each (action, resource, context) the request needs (`iam.actions.needs`):
   an explicit Deny in the caller's policies or in the resource's policy denies; an Allow
   in either (same account) allows; else the implicit deny, worded as AWS words it.

`enforce_policies=False` (`stratus up --no-iam`) keeps step 1 and skips 3.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Protocol

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.errors import aws_error
from stratus.local.core.service_index import all_services, service_model
from stratus.local.iam import actions as iam_actions
from stratus.local.iam.actions import Need
from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.iam.decide import judge
from stratus.local.iam.enforce_errors import (
    MISSING_TOKEN_MESSAGE,
    access_denied,
    denial_message,
    signature_error,
)
from stratus.local.iam.identity import caller_arn
from stratus.local.iam.request_context import (
    request_context,
    secure_transport,
)
from stratus.local.iam.resource_policies import MotoLookups, resource_policy
from stratus.local.iam.sigv4 import SignatureError, SignedRequest, verify_request

log = logging.getLogger("stratus.iam")
# Set while the local cloud itself calls the endpoint as an AWS service acting on its own
# role (DAX reading DynamoDB for a caller it already authorized): nothing more to check.
ACTING_AS_SERVICE: ContextVar[bool] = ContextVar("stratus_iam_as_service", default=False)


@contextlib.contextmanager
def acting_as_service() -> Iterator[None]:
    token = ACTING_AS_SERVICE.set(True)
    try:
        yield
    finally:
        ACTING_AS_SERVICE.reset(token)


# Services whose own stage checks them (with their own wire errors).
_GUARDED_ELSEWHERE = frozenset({"s3"})
# Operations that need no permission, only a valid signature
# (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
# AssumeRole is judged by STS itself (`iam/sts`): the role's trust policy is its resource
# policy, and whether the caller's own policies must also allow it depends on what the trust
# policy names (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html).
_NO_PERMISSION = frozenset({("sts", "GetCallerIdentity"), ("sts", "AssumeRole")})


class NeedLike(Protocol):
    @property
    def action(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def context(self) -> Mapping[str, str | list[str]]: ...


NeedsFn = Callable[..., Sequence[NeedLike]]


def load_needs() -> tuple[NeedsFn, frozenset[str]]:
    """`iam.actions.needs`, with the services whose "*" resource is exact (the action takes
    no resource) rather than unknown (a service the mapping does not cover yet, e.g.
    CloudFront's distributions): an unknown resource is judged on Action and Condition only,
    so a grant scoped to the right ARN is not refused for want of a name."""
    return iam_actions.needs, iam_actions.mapped_services()


@functools.cache
def is_unauthenticated(service: str, operation: str) -> bool:
    """Whether botocore's model marks `operation` as callable without a signature, or it is
    one of Cognito's calls authorized by the user's access token (`iam.actions.auth`)."""
    if iam_actions.is_unauthenticated(service, operation):
        return True
    try:
        op = service_model(service).get("operations", {}).get(operation) or {}
    except Exception:
        return False
    return op.get("authtype") == "none" or "smithy.api#noAuth" in (op.get("auth") or [])


@functools.cache
def unauthenticated_query_actions() -> frozenset[str]:
    """Operations of the query-protocol services that their models leave unauthenticated
    (STS's AssumeRoleWithWebIdentity and AssumeRoleWithSAML today)."""
    found: set[str] = set()
    for meta in all_services().values():
        if meta.protocol != "query":
            continue
        for name in service_model(meta.name).get("operations", {}):
            if is_unauthenticated(meta.name, name):
                found.add(name)
    return frozenset(found)


def _unsigned_query_call(call: AwsCall) -> bool:
    request = call.request
    if "authorization" in request.headers or request.query_value("X-Amz-Credential"):
        return False
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded") and b"Action=" in request.body:
        return True
    return request.query_value("Action") is not None and request.method in ("GET", "POST")


@functools.cache
def signing_name(service: str) -> str:
    meta = all_services().get(service)
    return meta.signing_name if meta is not None else service


class IamStage:
    """The endpoint's authorization stage: `check(call)` answers an error or None (go on)."""

    def __init__(
        self,
        credentials: CredentialStore,
        *,
        account: str,
        enforce_policies: bool = True,
        strict_tls: bool = False,
        clock: Callable[[], float] = time.time,
        needs: NeedsFn | None = None,
        exact_services: frozenset[str] | None = None,
        resource_policy: Callable[[str], dict[str, Any] | None] = resource_policy,
    ) -> None:
        self._credentials = credentials
        self._account = account
        self.enforce_policies = enforce_policies
        self._strict_tls = strict_tls
        self._clock = clock
        self._exact: frozenset[str] | None
        if needs is None:
            self._needs, self._exact = load_needs()
        else:  # injected: its "*" means what it says, for every service
            self._needs, self._exact = needs, None
        if exact_services is not None:
            self._exact = exact_services
        self._resource_policy = resource_policy
        self._lookups = MotoLookups(account)

    async def __call__(self, call: AwsCall) -> Response | None:
        return self.check(call)

    def check(self, call: AwsCall) -> Response | None:
        service, operation = call.service, call.operation
        if ACTING_AS_SERVICE.get():
            return None
        if service == "s3" and _unsigned_query_call(call):
            # No signature names the service of an unsigned `Action=...` form post, so it
            # routes as S3, whose guard leaves query calls alone: only an operation some
            # query service's model leaves unauthenticated may be sent so.
            if call.form().get("Action") in unauthenticated_query_actions():
                return None
            return aws_error("query", "MissingAuthenticationToken", MISSING_TOKEN_MESSAGE, 403)
        if service is None or service in _GUARDED_ELSEWHERE:
            return None
        if operation is not None and is_unauthenticated(service, operation):
            return None
        now = self._clock()
        found = self._authenticate(call, now)
        if isinstance(found, Response):
            return found
        principal = found
        if (
            not self.enforce_policies
            or principal.policies is None
            or operation is None
            or (service, operation) in _NO_PERMISSION
        ):
            return None
        needs = self._needs(call, account=self._account, lookups=self._lookups)
        return self._authorize(call, principal, now, needs)

    def check_fronted(self, call: AwsCall, needs: Sequence[NeedLike]) -> Response | None:
        """For a service that fronts another with its own actions (DAX in front of
        DynamoDB: `dax:GetItem` on the cluster): the caller's signature, then `needs`."""
        now = self._clock()
        found = self._authenticate(call, now)
        if isinstance(found, Response):
            return found
        if not self.enforce_policies or found.policies is None:
            return None
        return self._authorize(call, found, now, needs)

    def _authenticate(self, call: AwsCall, now: float) -> Principal | Response:
        request = call.request
        service = call.service or ""
        try:
            principal = verify_request(
                SignedRequest(
                    method=request.method,
                    raw_path=request.raw_path,
                    query_string=request.query_string,
                    headers=request.headers,
                    body=request.body,
                ),
                self._credentials,
                service=signing_name(service),
                region=call.region,
                now=now,
            )
        except SignatureError as error:
            log.warning(
                "refused %s.%s: %s (%s)", service, call.operation, error.kind, request.access_key_id
            )
            return signature_error(call, error.kind, error.message)
        return principal

    def _authorize(
        self, call: AwsCall, principal: Principal, now: float, needs: Sequence[NeedLike]
    ) -> Response | None:
        assert principal.policies is not None
        request = call.request
        base = request_context(
            principal,
            now=now,
            client_host=request.client_host,
            secure=secure_transport(
                scheme=request.scheme,
                client_host=request.client_host,
                strict_tls=self._strict_tls,
            ),
            region=call.region,
        )
        caller = caller_arn(principal)  # root, IAM user or role session
        for need in needs:
            exact = self._exact is None or call.service in self._exact
            why = self._decide(principal, caller, need, {**base, **need.context}, exact=exact)
            if why is not None:
                message = denial_message(caller, need.action, need.resource, why)
                log.warning("AccessDenied: %s", message)
                return access_denied(call, message)
        return None

    def _decide(
        self,
        principal: Principal,
        caller: str,
        need: NeedLike,
        context: Mapping[str, str | list[str]],
        *,
        exact: bool = True,
    ) -> str | None:
        """None when allowed, else why not (the tail of AWS's message)."""
        assert principal.policies is not None
        document = None if need.resource == "*" else self._resource_policy(need.resource)
        return judge(
            principal,
            caller,
            need.action,
            need.resource,
            context,
            document,
            account=self._account,
            any_resource=need.resource == "*" and not exact,
        )


def fronted_check(
    stage: IamStage, action_prefix: str, resource_arn: str
) -> Callable[[AwsRequest], Response | None]:
    """A check for a service that fronts another on the same wire: a request shaped like
    the fronted service's (DAX speaks DynamoDB's protocol) is authorized as
    `<action_prefix>:<Operation>` on `resource_arn` (the DAX cluster)."""
    from stratus.local.core.router import route

    def check(request: AwsRequest) -> Response | None:
        call = route(request)
        if call.operation is None:
            return None  # the fronting service answers what it does not know
        return stage.check_fronted(call, [Need(f"{action_prefix}:{call.operation}", resource_arn)])

    return check
