"""Resource policies: who a statement names, and reading each service's policy from moto."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from stratus.local.iam.policy import evaluate_resource_policy
from stratus.local.iam.resource_policies import MotoLookups, resource_policy

ACCOUNT = "123456789012"  # moto's default account
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Worker"
CALLER = [f"arn:aws:sts::{ACCOUNT}:assumed-role/Worker/fn", ROLE, f"arn:aws:iam::{ACCOUNT}:root"]
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"


def statement(**extra: object) -> dict[str, object]:
    return {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE_ARN, **extra}


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": ROLE}, True),
        ({"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}, True),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/Other"}, False),
        ({"Service": "sns.amazonaws.com"}, False),  # a service principal is not this caller
    ],
)
def test_statement_applies_only_to_the_principals_it_names(
    principal: object, allowed: bool
) -> None:
    policy = {"Statement": [statement(Principal=principal)]}
    decision = evaluate_resource_policy(policy, CALLER, "sqs:SendMessage", QUEUE_ARN, {})
    assert decision.allowed is allowed


def test_not_principal_applies_to_everyone_else() -> None:
    policy = {"Statement": [{**statement(NotPrincipal={"AWS": ROLE}), "Effect": "Deny"}]}
    assert not evaluate_resource_policy(
        policy, CALLER, "sqs:SendMessage", QUEUE_ARN, {}
    ).explicit_deny
    other = ["arn:aws:sts::1:assumed-role/X/y"]
    assert evaluate_resource_policy(policy, other, "sqs:SendMessage", QUEUE_ARN, {}).explicit_deny


def test_resource_policy_conditions_are_evaluated() -> None:
    policy = {
        "Statement": [
            statement(Principal="*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
        ]
    }
    inside = evaluate_resource_policy(
        policy, CALLER, "sqs:SendMessage", QUEUE_ARN, {"aws:SourceIp": "10.1.2.3"}
    )
    outside = evaluate_resource_policy(
        policy, CALLER, "sqs:SendMessage", QUEUE_ARN, {"aws:SourceIp": "127.0.0.1"}
    )
    assert inside.allowed and not outside.allowed


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def test_policies_are_read_from_moto(aws: None) -> None:
    document = {"Version": "2012-10-17", "Statement": [statement(Principal="*")]}
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.create_queue(QueueName="jobs", Attributes={"Policy": json.dumps(document)})
    assert resource_policy(QUEUE_ARN) == document
    sqs.create_queue(QueueName="plain")
    assert resource_policy(f"arn:aws:sqs:us-east-1:{ACCOUNT}:plain") is None

    lam_policy = resource_policy(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:missing")
    assert lam_policy is None  # no such function: nothing granted, nothing raised

    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="news")["TopicArn"]
    assert resource_policy(topic) is not None  # SNS gives every topic its default policy

    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    arn = secrets.create_secret(Name="db", SecretString="x")["ARN"]
    secrets.put_resource_policy(SecretId="db", ResourcePolicy=json.dumps(document))
    assert resource_policy(arn) == document
    assert MotoLookups(ACCOUNT).secret_arn("us-east-1", "db") == arn
    assert MotoLookups(ACCOUNT).secret_arn("us-east-1", "nope") is None


def test_not_an_arn_has_no_policy() -> None:
    assert resource_policy("*") is None
    assert resource_policy("arn:aws:s3:::bucket") is None


def test_optional_lookups_read_moto(aws: None) -> None:
    lookups = MotoLookups(ACCOUNT)
    ses = boto3.client("ses", region_name="us-east-1")
    ses.verify_domain_identity(Domain="example.com")
    assert lookups.ses_identity("us-east-1", "news@example.com") == "example.com"
    assert lookups.ses_identity("us-east-1", "a@elsewhere.org") is None
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]
    assert lookups.kms_key_arn("us-east-1", key["KeyId"]) == key["Arn"]
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName="Music",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "artist", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byArtist",
                "KeySchema": [{"AttributeName": "artist", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    assert lookups.dynamodb_hash_key("us-east-1", "Music") == "id"
    assert lookups.dynamodb_hash_key("us-east-1", "Music/index/byArtist") == "artist"
    assert lookups.dynamodb_hash_key("us-east-1", "Nope") is None
