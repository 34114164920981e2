"""The AWS endpoint's IAM stage on what boto3 really sends: signatures, grants, denies,
resource policies, and each protocol's error shape."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from starlette.responses import Response
from tests.unit.local.iam.sdk_requests import sdk_call

from stratus.local.iam.actions import Need
from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.iam.enforce import IamStage, acting_as_service, is_unauthenticated

ACCOUNT = "000000000000"
TABLE = "Todos"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{TABLE}"
QUEUE_URL = f"http://127.0.0.1:4566/{ACCOUNT}/jobs"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:news"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/TodoFnRole"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/TodoFnRole/todo-fn"


def allow(actions: list[str], resources: list[str], effect: str = "Allow") -> dict[str, Any]:
    return {"Statement": [{"Effect": effect, "Action": actions, "Resource": resources}]}


def function_key(
    store: CredentialStore, *policies: dict[str, Any], subject: str = "todo-fn"
) -> Principal:
    return store.issue(
        kind="function",
        role_arn=ROLE_ARN,
        policies=list(policies),
        ttl_seconds=None,
        subject=subject,  # one key per function: a second issue for it replaces its policies
    )


def creds(principal: Principal) -> dict[str, Any]:
    return {
        "key": principal.access_key_id,
        "secret": principal.secret_access_key,
        "token": principal.session_token,
    }


def body(response: Response) -> dict[str, Any]:
    return dict(json.loads(bytes(response.body)))


@pytest.fixture
def store() -> CredentialStore:
    return CredentialStore()


@pytest.fixture
def policies() -> dict[str, dict[str, Any]]:
    return {}


@pytest.fixture
def stage(store: CredentialStore, policies: dict[str, dict[str, Any]]) -> IamStage:
    return IamStage(store, account=ACCOUNT, resource_policy=policies.get)


def test_root_key_is_all_powerful_once_its_signature_checks(stage: IamStage) -> None:
    assert stage.check(sdk_call("dynamodb", "scan", TableName=TABLE)) is None
    forged = stage.check(sdk_call("dynamodb", "scan", secret="not-test", TableName=TABLE))
    assert forged is not None and forged.status_code == 400
    assert body(forged)["__type"] == "InvalidSignatureException"


def test_forged_secret_is_refused(stage: IamStage, store: CredentialStore) -> None:
    fn = function_key(store, allow(["dynamodb:*"], ["*"]))
    call = sdk_call(
        "dynamodb",
        "get_item",
        **{**creds(fn), "secret": "forged" * 6},
        TableName=TABLE,
        Key={"pk": {"S": "a"}},
    )
    refused = stage.check(call)
    assert refused is not None
    assert body(refused)["__type"] == "InvalidSignatureException"
    assert body(refused)["message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )


def test_unknown_key_is_unrecognized(stage: IamStage) -> None:
    refused = stage.check(sdk_call("dynamodb", "scan", key="AKIANOBODY", TableName=TABLE))
    assert refused is not None and refused.status_code == 400
    assert body(refused) == {
        "__type": "UnrecognizedClientException",
        "message": "The security token included in the request is invalid.",
    }


def test_expired_temporary_credentials_are_refused(store: CredentialStore) -> None:
    user = store.issue(
        kind="identity",
        role_arn=ROLE_ARN,
        policies=[allow(["*"], ["*"])],
        ttl_seconds=60,
        subject="us-east-1:abc",
    )
    later = IamStage(
        store, account=ACCOUNT, clock=lambda: time.time() + 120, resource_policy=lambda arn: None
    )
    # Signed now (a valid signature), checked two minutes later: the session is over.
    refused = later.check(sdk_call("dynamodb", "scan", **creds(user), TableName=TABLE))
    assert refused is not None
    assert body(refused) == {
        "__type": "ExpiredTokenException",
        "message": "The security token included in the request is expired",
    }


def test_stale_signature_is_refused(stage: IamStage, store: CredentialStore) -> None:
    late = IamStage(store, account=ACCOUNT, clock=lambda: time.time() + 600)
    refused = late.check(sdk_call("dynamodb", "scan", TableName=TABLE))
    assert refused is not None
    assert body(refused)["__type"] == "InvalidSignatureException"
    assert body(refused)["message"].startswith("Signature expired:")


def test_unsigned_request_is_missing_a_token(stage: IamStage) -> None:
    refused = stage.check(sdk_call("dynamodb", "scan", unsigned=True, TableName=TABLE))
    assert refused is not None
    assert body(refused) == {
        "__type": "MissingAuthenticationTokenException",
        "message": "Request is missing Authentication Token",
    }


def test_operations_the_model_marks_unauthenticated_pass_unsigned(stage: IamStage) -> None:
    assert is_unauthenticated("cognito-idp", "InitiateAuth")
    assert is_unauthenticated("cognito-identity", "GetId")
    assert is_unauthenticated("sts", "AssumeRoleWithWebIdentity")
    assert not is_unauthenticated("cognito-idp", "ListUsers")
    call = sdk_call(
        "cognito-idp", "initiate_auth", unsigned=True, ClientId="c", AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "u", "PASSWORD": "p"},
    )  # fmt: skip
    assert stage.check(call) is None
    listing = stage.check(sdk_call("cognito-idp", "list_users", unsigned=True, UserPoolId="p"))
    assert listing is not None and body(listing)["__type"] == "MissingAuthenticationTokenException"


def test_call_without_the_grant_is_denied_naming_action_and_resource(
    stage: IamStage, store: CredentialStore
) -> None:
    fn = function_key(store, allow(["dynamodb:Query"], [TABLE_ARN]))
    refused = stage.check(
        sdk_call("dynamodb", "get_item", **creds(fn), TableName=TABLE, Key={"pk": {"S": "a"}})
    )
    assert refused is not None and refused.status_code == 400
    assert body(refused) == {
        "__type": "AccessDeniedException",
        "message": f"User: {CALLER} is not authorized to perform: dynamodb:GetItem on resource: "
        f"{TABLE_ARN} because no identity-based policy allows the dynamodb:GetItem action",
    }


def test_call_with_the_grant_is_allowed(stage: IamStage, store: CredentialStore) -> None:
    fn = function_key(store, allow(["dynamodb:GetItem"], [TABLE_ARN]))
    call = sdk_call("dynamodb", "get_item", **creds(fn), TableName=TABLE, Key={"pk": {"S": "a"}})
    assert stage.check(call) is None
    other = sdk_call("dynamodb", "get_item", **creds(fn), TableName="Other", Key={"pk": {"S": "a"}})
    assert stage.check(other) is not None


def test_explicit_deny_wins_over_allow(stage: IamStage, store: CredentialStore) -> None:
    fn = function_key(
        store, allow(["dynamodb:*"], ["*"]), allow(["dynamodb:Scan"], [TABLE_ARN], effect="Deny")
    )
    refused = stage.check(sdk_call("dynamodb", "scan", **creds(fn), TableName=TABLE))
    assert refused is not None
    assert body(refused)["message"] == (
        f"User: {CALLER} is not authorized to perform: dynamodb:Scan on resource: {TABLE_ARN} "
        "with an explicit deny in an identity-based policy"
    )


def test_transactions_need_each_item_action(stage: IamStage, store: CredentialStore) -> None:
    fn = function_key(store, allow(["dynamodb:PutItem"], [TABLE_ARN]))
    put = {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "a"}}}}
    delete = {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "b"}}}}
    assert (
        stage.check(sdk_call("dynamodb", "transact_write_items", **creds(fn), TransactItems=[put]))
        is None
    )
    refused = stage.check(
        sdk_call("dynamodb", "transact_write_items", **creds(fn), TransactItems=[put, delete])
    )
    assert refused is not None and "dynamodb:DeleteItem" in body(refused)["message"]


def test_sqs_json_protocol_answers_access_denied_in_its_query_compatible_shape(
    stage: IamStage, store: CredentialStore
) -> None:
    fn = function_key(store)
    refused = stage.check(
        sdk_call("sqs", "send_message", **creds(fn), QueueUrl=QUEUE_URL, MessageBody="x")
    )
    assert refused is not None and refused.status_code == 403
    assert body(refused)["__type"] == "AccessDenied"
    assert refused.headers["x-amzn-query-error"] == "AccessDenied;Sender"
    assert f"sqs:SendMessage on resource: {QUEUE_ARN}" in body(refused)["message"]


def test_queue_policy_allows_what_the_role_does_not(
    stage: IamStage, store: CredentialStore, policies: dict[str, dict[str, Any]]
) -> None:
    fn = function_key(store)
    policies[QUEUE_ARN] = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ROLE_ARN},
                "Action": "sqs:SendMessage",
                "Resource": QUEUE_ARN,
            }
        ]
    }
    call = sdk_call("sqs", "send_message", **creds(fn), QueueUrl=QUEUE_URL, MessageBody="x")
    assert stage.check(call) is None
    # A statement for another principal grants this caller nothing.
    policies[QUEUE_ARN]["Statement"][0]["Principal"] = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/Other"}
    assert stage.check(call) is not None


def test_queue_policy_explicit_deny_beats_the_role(
    stage: IamStage, store: CredentialStore, policies: dict[str, dict[str, Any]]
) -> None:
    fn = function_key(store, allow(["sqs:*"], ["*"]))
    policies[QUEUE_ARN] = {
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE_ARN}
        ]
    }
    refused = stage.check(
        sdk_call("sqs", "send_message", **creds(fn), QueueUrl=QUEUE_URL, MessageBody="x")
    )
    assert refused is not None
    assert body(refused)["message"].endswith("with an explicit deny in a resource-based policy")


def test_query_protocol_denial_is_xml_access_denied(
    stage: IamStage, store: CredentialStore
) -> None:
    fn = function_key(store)
    refused = stage.check(sdk_call("sns", "publish", **creds(fn), TopicArn=TOPIC_ARN, Message="m"))
    assert refused is not None and refused.status_code == 403
    text = bytes(refused.body).decode()
    assert "<Code>AccessDenied</Code>" in text
    assert f"sns:Publish on resource: {TOPIC_ARN}" in text


def test_query_protocol_unknown_key_is_invalid_client_token_id(stage: IamStage) -> None:
    refused = stage.check(sdk_call("sns", "list_topics", key="AKIANOBODY"))
    assert refused is not None and refused.status_code == 403
    assert "<Code>InvalidClientTokenId</Code>" in bytes(refused.body).decode()
    forged = stage.check(sdk_call("sns", "list_topics", secret="nope"))
    assert (
        forged is not None and "<Code>SignatureDoesNotMatch</Code>" in bytes(forged.body).decode()
    )


def test_lambda_invoke_is_authorized_as_invoke_function(
    stage: IamStage, store: CredentialStore
) -> None:
    fn = function_key(store)
    refused = stage.check(sdk_call("lambda", "invoke", **creds(fn), FunctionName="worker"))
    assert refused is not None and refused.status_code == 403
    assert body(refused)["message"] == (
        f"User: {CALLER} is not authorized to perform: lambda:InvokeFunction on resource: "
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker because no identity-based policy "
        "allows the lambda:InvokeFunction action"
    )
    granted = function_key(
        store,
        allow(["lambda:InvokeFunction"], [f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker"]),
    )
    assert (
        stage.check(sdk_call("lambda", "invoke", **creds(granted), FunctionName="worker")) is None
    )


def test_caller_identity_needs_no_permission(stage: IamStage, store: CredentialStore) -> None:
    fn = function_key(store)
    assert stage.check(sdk_call("sts", "get_caller_identity", **creds(fn))) is None


def test_identity_pool_user_cannot_scan_or_list_users(
    stage: IamStage, store: CredentialStore
) -> None:
    own_folder = {
        "Statement": [{
            "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::files/private/${cognito-identity.amazonaws.com:sub}/*",
        }]
    }  # fmt: skip
    user = store.issue(
        kind="identity", role_arn=ROLE_ARN, policies=[own_folder], subject="us-east-1:abc"
    )
    scan = stage.check(sdk_call("dynamodb", "scan", **creds(user), TableName=TABLE))
    assert scan is not None and body(scan)["__type"] == "AccessDeniedException"
    assert "assumed-role/TodoFnRole/CognitoIdentityCredentials" in body(scan)["message"]
    users = stage.check(
        sdk_call("cognito-idp", "list_users", **creds(user), UserPoolId="us-east-1_pool")
    )
    assert users is not None and "cognito-idp:ListUsers" in body(users)["message"]


def test_secure_transport_is_true_on_the_loopback_unless_strict(store: CredentialStore) -> None:
    tls_only = {
        "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    }
    fn = function_key(store, tls_only)
    relaxed = IamStage(store, account=ACCOUNT, resource_policy=lambda arn: None)
    strict = IamStage(store, account=ACCOUNT, strict_tls=True, resource_policy=lambda arn: None)
    assert relaxed.check(sdk_call("dynamodb", "scan", **creds(fn), TableName=TABLE)) is None
    assert strict.check(sdk_call("dynamodb", "scan", **creds(fn), TableName=TABLE)) is not None
    remote = sdk_call("dynamodb", "scan", **creds(fn), client_host="192.0.2.7", TableName=TABLE)
    assert relaxed.check(remote) is not None  # plain HTTP from another machine is not secure


def test_no_iam_switch_keeps_signatures_and_skips_policies(store: CredentialStore) -> None:
    fn = function_key(store)
    off = IamStage(store, account=ACCOUNT, enforce_policies=False)
    assert off.check(sdk_call("dynamodb", "scan", **creds(fn), TableName=TABLE)) is None
    assert (
        off.check(
            sdk_call("dynamodb", "scan", **{**creds(fn), "secret": "x" * 40}, TableName=TABLE)
        )
        is not None
    )


def test_the_local_cloud_acting_as_a_service_is_not_checked(stage: IamStage) -> None:
    unsigned = sdk_call("dynamodb", "scan", unsigned=True, TableName=TABLE)
    with acting_as_service():
        assert stage.check(unsigned) is None
    assert stage.check(unsigned) is not None


def test_s3_is_left_to_the_s3_guard(stage: IamStage) -> None:
    assert stage.check(sdk_call("s3", "list_buckets", key="AKIANOBODY")) is None


def test_unsigned_query_calls_pass_only_when_the_model_allows(stage: IamStage) -> None:
    listing = sdk_call("sns", "list_topics", unsigned=True)
    refused = stage.check(listing)
    assert refused is not None and refused.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in bytes(refused.body).decode()
    web_identity = sdk_call(
        "sts", "assume_role_with_web_identity", unsigned=True,
        RoleArn=ROLE_ARN, RoleSessionName="session", WebIdentityToken="token",
    )  # fmt: skip
    assert stage.check(web_identity) is None


def test_a_resource_the_mapping_cannot_name_is_judged_on_action_and_condition(
    store: CredentialStore,
) -> None:
    distribution = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E123"
    batch = {"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "r"}

    def invalidate(principal: Principal) -> Any:
        return sdk_call(
            "cloudfront", "create_invalidation", **creds(principal),
            DistributionId="E123", InvalidationBatch=batch,
        )  # fmt: skip

    def fixed_needs(call: Any, **_: Any) -> list[Any]:
        return [Need("cloudfront:CreateInvalidation", "*")]

    granted = function_key(store, allow(["cloudfront:CreateInvalidation"], [distribution]))
    other = function_key(store, allow(["cloudfront:GetDistribution"], ["*"]), subject="other")
    unmapped = IamStage(store, account=ACCOUNT, needs=fixed_needs, exact_services=frozenset())
    assert unmapped.check(invalidate(granted)) is None  # "*" here means "not named"
    assert unmapped.check(invalidate(other)) is not None  # the action is still required
    mapped = IamStage(
        store, account=ACCOUNT, needs=fixed_needs, exact_services=frozenset({"cloudfront"})
    )
    assert mapped.check(invalidate(granted)) is not None  # "*" taken literally: AWS's rule


def test_an_escaped_path_is_verified_in_linear_time(stage: IamStage) -> None:
    # "name:alias" travels as name%3Aalias: not a plain path, so botocore's canonical form
    # is used; the plain-path test must fail fast on it (it once backtracked for minutes).
    call = sdk_call("lambda", "invoke", FunctionName="canary-service:" + "live-" * 12 + "x")
    began = time.perf_counter()
    assert stage.check(call) is None
    assert time.perf_counter() - began < 1.0
