"""The blog's moto world for unit tests: tables (as the stack declares them), bucket, secret,
SES identity and templates, a CloudFront distribution, and the resolvers' dependencies.

Its own module (not conftest.py) so tests import it by a name no other test folder uses:
`from conftest import ...` picks whichever conftest was imported last when several test
folders run together.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "todo"))  # todo_harness

from todo_harness import FakeClock

from stratus.blog.api import Dependencies
from stratus.blog.comments import CommentStore
from stratus.blog.posts import BY_DATE, BY_LANGUAGE, BY_TRANSLATION, PostStore
from stratus.blog.publisher import Publisher
from stratus.blog.subscribers import (
    MailSettings,
    SubscriberStore,
    Subscriptions,
    welcome_template_name,
)
from stratus.blog.tokens import Cursors, Signer, secret_key_from_secrets_manager

REGION = "us-east-1"
POSTS, COMMENTS, SUBSCRIBERS, BUCKET = "posts", "comments", "subscribers", "site"
SENDER = "blog@example.com"
PREFIX = "blog-test"
ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class Cloud:
    dynamodb: Any
    s3: Any
    ses: Any
    cloudfront: Any
    secrets: Any
    secret_arn: str
    distribution_id: str
    clock: FakeClock


def _gsi(name: str, pk: str, sk: str | None) -> dict[str, Any]:
    keys = [{"AttributeName": pk, "KeyType": "HASH"}]
    if sk:
        keys.append({"AttributeName": sk, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": keys, "Projection": {"ProjectionType": "ALL"}}


def create_resources(dynamodb: Any, s3: Any, ses: Any, cloudfront: Any) -> str:
    strings = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "translation_key"]
    dynamodb.create_table(
        TableName=POSTS,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in strings],
        GlobalSecondaryIndexes=[
            _gsi(BY_LANGUAGE, "gsi1pk", "gsi1sk"),
            _gsi(BY_DATE, "gsi2pk", "gsi2sk"),
            _gsi(BY_TRANSLATION, "translation_key", None),
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName=COMMENTS,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName=SUBSCRIBERS,
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket=BUCKET)
    ses.verify_email_identity(EmailAddress=SENDER)
    for lang in ("en", "fr", "de"):
        ses.create_template(
            Template={
                "TemplateName": welcome_template_name(PREFIX, lang),
                "SubjectPart": f"Welcome ({lang})",
                "TextPart": "Hello {{name}}: confirm {{confirm_url}} / {{unsubscribe_url}}",
                "HtmlPart": "<p>Hello {{name}}</p>",
            }
        )
    origin = {
        "Id": "site",
        "DomainName": f"{BUCKET}.s3.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    dist = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "blog-tests",
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
            },
            "Comment": "blog",
            "Enabled": True,
        }
    )
    return str(dist["Distribution"]["Id"])


def empty(cloud: Cloud) -> None:
    for table, keys in ((POSTS, ("pk", "sk")), (COMMENTS, ("pk", "sk")), (SUBSCRIBERS, ("email",))):
        for item in cloud.dynamodb.scan(TableName=table)["Items"]:
            cloud.dynamodb.delete_item(TableName=table, Key={k: item[k] for k in keys})
    for obj in cloud.s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        cloud.s3.delete_object(Bucket=BUCKET, Key=obj["Key"])


def signer(cloud: Cloud) -> Signer:
    return Signer(secret_key_from_secrets_manager(cloud.secrets, cloud.secret_arn), cloud.clock)


def make_deps(cloud: Cloud) -> Dependencies:
    posts = PostStore(cloud.dynamodb, POSTS, clock=cloud.clock)
    comments = CommentStore(cloud.dynamodb, COMMENTS, clock=cloud.clock, limit=3)
    sign = signer(cloud)
    subscriptions = Subscriptions(
        SubscriberStore(cloud.dynamodb, SUBSCRIBERS, clock=cloud.clock),
        cloud.ses,
        sign,
        MailSettings(sender=SENDER, template_prefix=PREFIX),
    )
    publisher = Publisher(
        posts, cloud.s3, BUCKET, site_url="https://blog.example",
        cloudfront=lambda: cloud.cloudfront, distribution_id=cloud.distribution_id,
        clock=cloud.clock,
    )  # fmt: skip
    return Dependencies(
        posts=lambda: posts,
        comments=lambda: comments,
        subscriptions=lambda: subscriptions,
        publisher=lambda: publisher,
        cursors=Cursors(sign),
        public_base_url="https://blog.example",
    )


class RecordingSes:
    """moto's SES client, keeping what each templated send was asked to render."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.sent: list[dict[str, Any]] = []

    def send_templated_email(self, **params: Any) -> Any:
        answer = self._client.send_templated_email(**params)
        self.sent.append(
            {
                "to": params["Destination"]["ToAddresses"],
                "template": params["Template"],
                **json.loads(params["TemplateData"]),
            }
        )
        return answer


def sent_mail(cloud: Cloud) -> list[dict[str, Any]]:
    """Templated sends made through the test's SES client: recipients, template, data."""
    return cloud.ses.sent  # type: ignore[no-any-return]
