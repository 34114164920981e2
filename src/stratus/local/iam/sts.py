"""STS answered by the local cloud: who the caller is, and the sessions it may start.

moto's STS answers `user/moto` to every GetCallerIdentity and hands out keys nobody checks
(measured), so these operations are answered here, before moto: the caller is the signer of
the request (SigV4 verified with its secret, `iam/sigv4.py`); AssumeRole reads the role from
IAM (moto) and evaluates its trust policy (`iam/trust.py`); the sessions go into the
CredentialStore, where the S3 guard, API Gateway's AWS_IAM methods and IAM enforcement find
them. AWS's rules copied here are cited where they are applied; the operations:
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html,
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html.
Other STS operations (GetFederationToken, AssumeRoleWithSAML, ...) are left to moto.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.iam import sts_params as P
from stratus.local.iam import sts_wire as W
from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.iam.identity import CallerIdentity, caller_identity
from stratus.local.iam.sigv4 import SignatureError, SignedRequest, verify_request
from stratus.local.iam.sts_context import caller_context, evaluate_sets, request_context
from stratus.local.iam.trust import TrustCaller, evaluate_trust
from stratus.local.iam.web_identity import WebIdentityVerifier

# SigV4 failures in STS's words (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html).
_SIGNATURE_ERRORS = {
    "missing": ("MissingAuthenticationToken", 403),
    "incomplete": ("IncompleteSignature", 400),
    "mismatch": ("SignatureDoesNotMatch", 403),
    "expired": ("SignatureDoesNotMatch", 403),
    "unknown_key": ("InvalidClientTokenId", 403),
    "expired_token": ("ExpiredToken", 403),
}
ROLE_CHAINING_MAX_SECONDS = 3600


class StsApi:
    """Before-hook for service "sts": answers OPERATIONS, passes the rest to moto."""

    OPERATIONS = (
        "GetCallerIdentity",
        "GetAccessKeyInfo",
        "AssumeRole",
        "AssumeRoleWithWebIdentity",
        "GetSessionToken",
    )

    def __init__(
        self,
        store: CredentialStore,
        verifier: WebIdentityVerifier,
        *,
        account: str = ACCOUNT_ID,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._verifier = verifier
        self._account = account
        self._clock = clock

    async def __call__(self, call: AwsCall) -> Response | None:
        if call.operation not in self.OPERATIONS:
            return None
        try:
            params = call.params()
            if call.operation == "AssumeRoleWithWebIdentity":
                result = await asyncio.to_thread(self.assume_role_with_web_identity, params)
            else:
                caller = self.authenticate(call)
                if call.operation == "GetCallerIdentity":
                    result = self.get_caller_identity(caller)
                elif call.operation == "GetAccessKeyInfo":
                    result = self.get_access_key_info(params)
                elif call.operation == "AssumeRole":
                    result = self.assume_role(caller, params, call.request.client_host)
                else:
                    result = self.get_session_token(caller, params)
        except W.StsError as error:
            return error.response()
        return W.answer(str(call.operation), result)

    # -- who is calling ----------------------------------------------------------------------
    def authenticate(self, call: AwsCall) -> Principal:
        """The signer of the request, its signature checked with its secret."""
        request = call.request
        signed = SignedRequest(
            request.method, request.raw_path, request.query_string, request.headers, request.body
        )
        try:
            return verify_request(
                signed, self._store, service="sts", region=call.region, now=self._clock()
            )
        except SignatureError as exc:
            code, status = _SIGNATURE_ERRORS.get(exc.kind, ("SignatureDoesNotMatch", 403))
            raise W.StsError(code, exc.message, status) from None

    def identity(self, principal: Principal) -> CallerIdentity:
        return caller_identity(principal, self._account)

    # -- operations --------------------------------------------------------------------------
    def get_caller_identity(self, caller: Principal) -> dict[str, Any]:
        # "No permissions are required to perform this operation" (even an explicit deny).
        who = self.identity(caller)
        return {"UserId": who.user_id, "Account": who.account, "Arn": who.arn}

    def get_access_key_info(self, params: dict[str, Any]) -> dict[str, Any]:
        key = P.required(params, "AccessKeyId", "accessKeyId", 16, 128)
        found = self._store.lookup(key)
        return {"Account": self.identity(found).account if found else self._account}

    def assume_role(
        self, caller: Principal, params: dict[str, Any], source_ip: str
    ) -> dict[str, Any]:
        request = P.assume_role_request(params)
        who = self.identity(caller)
        # Role chaining: a role session (STS's, a function's, an identity pool's ...) assumes
        # a role; root's and users' GetSessionToken sessions are not roles.
        chained = caller.session_token is not None and caller.kind not in ("root", "user")
        role = self._store.directory.role(request.role_arn)
        context = {
            **caller_context(caller, who, self._clock(), source_ip),
            **request_context(request, caller),
        }
        denied = W.access_denied(who.arn, "sts:AssumeRole", request.role_arn)
        if role is None:  # STS does not say whether the role exists
            raise denied
        trust_caller = TrustCaller(arn=who.arn, account=who.account, role_arn=who.role_arn)
        actions = ["sts:AssumeRole"]
        if request.tags:  # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
            actions.append("sts:TagSession")
        if request.source_identity:  # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html#id_credentials_temp_control-access_monitor-perms
            actions.append("sts:SetSourceIdentity")
        for action in actions:
            trust = evaluate_trust(role.trust_policy, trust_caller, action, role.arn, context)
            # The caller's own policies: an explicit deny always refuses; an allow is needed
            # when the trust policy only names the account.
            allows, denies = evaluate_sets(caller.policy_sets(), action, role.arn, context)
            if not trust.allowed or denies or (trust.needs_identity_allow and not allows):
                raise W.access_denied(who.arn, action, role.arn)
        duration = request.duration_seconds or 3600
        if chained and duration > ROLE_CHAINING_MAX_SECONDS:
            raise W.StsError(
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining.",
            )
        if duration > role.max_session_seconds:
            raise W.StsError(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            )
        tags = dict(role.tags)
        inherited = {
            k: v for k, v in caller.principal_tags.items() if k in caller.transitive_tag_keys
        }
        tags.update(request.tags)
        tags.update(inherited)  # transitive tags cannot be changed down the chain
        session = self._store.issue(
            kind="role",
            role_arn=role.arn,
            policies=list(role.policies),
            principal_tags=tags,
            ttl_seconds=duration,
            session_name=request.session_name,
            session_policies=P.session_policies(request, self._store.directory),
            source_identity=caller.source_identity or request.source_identity,
            transitive_tag_keys=sorted(set(request.transitive_tag_keys) | set(inherited)),
        )
        assumed = self.identity(session)
        return {
            "Credentials": W.credentials_of(session),
            "AssumedRoleUser": {"AssumedRoleId": assumed.user_id, "Arn": assumed.arn},
            "SourceIdentity": session.source_identity,
        }

    def assume_role_with_web_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        request = P.assume_role_request(params, web_identity=True)
        token = P.required(params, "WebIdentityToken", "webIdentityToken", 4, 20000)
        web = self._verifier.verify(token)
        role = self._store.directory.role(request.role_arn)
        denied = W.StsError(
            "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403
        )
        if role is None:
            raise denied
        claim_tags = P.token_session_tags(web.claims)
        context: dict[str, str | list[str]] = {
            "aws:CurrentTime": W.iso8601(self._clock()),
            "aws:EpochTime": str(int(self._clock())),
            "aws:FederatedProvider": web.provider.arn,
            f"{web.provider_url}:aud": web.audience,
            f"{web.provider_url}:sub": web.subject,
            "sts:RoleSessionName": request.session_name,
            **{f"aws:RequestTag/{k}": v for k, v in claim_tags[0].items()},
        }
        if isinstance(web.claims.get("amr"), list):
            context[f"{web.provider_url}:amr"] = [str(v) for v in web.claims["amr"]]
        if claim_tags[0]:
            context["aws:TagKeys"] = list(claim_tags[0])
        trust_caller = TrustCaller(federated=web.provider.arn)
        actions = ["sts:AssumeRoleWithWebIdentity"] + (["sts:TagSession"] if claim_tags[0] else [])
        for action in actions:
            if not evaluate_trust(
                role.trust_policy, trust_caller, action, role.arn, context
            ).allowed:
                raise denied
        duration = request.duration_seconds or 3600
        if duration > role.max_session_seconds:
            raise W.StsError(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            )
        source_identity = web.claims.get("https://aws.amazon.com/source_identity")
        session = self._store.issue(
            kind="role",
            role_arn=role.arn,
            policies=list(role.policies),
            principal_tags={**role.tags, **claim_tags[0]},
            ttl_seconds=duration,
            session_name=request.session_name,
            session_policies=P.session_policies(request, self._store.directory),
            source_identity=str(source_identity) if source_identity else None,
            transitive_tag_keys=claim_tags[1],
            web_identity={
                "provider": web.provider.arn,
                "subject": web.subject,
                "audience": web.audience,
            },
        )
        assumed = self.identity(session)
        return {
            "Credentials": W.credentials_of(session),
            "SubjectFromWebIdentityToken": web.subject,
            "AssumedRoleUser": {"AssumedRoleId": assumed.user_id, "Arn": assumed.arn},
            "Provider": web.issuer,
            "Audience": web.audience,
            "SourceIdentity": session.source_identity,
        }

    def get_session_token(self, caller: Principal, params: dict[str, Any]) -> dict[str, Any]:
        if caller.session_token is not None:
            who = self.identity(caller)
            raise W.StsError(
                "AccessDenied",
                f"Cannot call GetSessionToken with session credentials (caller {who.arn})",
                403,
            )
        if params.get("SerialNumber") or params.get("TokenCode"):
            # MFA devices are not emulated: refusing is honest, accepting any code is not.
            raise W.StsError(
                "AccessDenied", "MultiFactorAuthentication failed: MFA is not emulated locally", 403
            )
        # Root: 900 s to 1 hour (default 1 hour); IAM users: up to 36 hours (default 12 hours).
        duration = P.duration(params, maximum=129600) or (3600 if caller.kind == "root" else 43200)
        if caller.kind == "root":
            duration = min(duration, 3600)
        session = self._store.issue(
            kind=caller.kind if caller.kind in ("root", "user") else "user",
            role_arn=None,
            policies=None if caller.kind == "root" else list(caller.policies or []),
            principal_tags=dict(caller.principal_tags),
            ttl_seconds=duration,
            subject=caller.subject,
            user_arn=caller.user_arn,
            user_id=caller.user_id,
        )
        return {"Credentials": W.credentials_of(session)}
