"""What the authors' function needs to hand out photo uploads and report their outcome.

A pre-signed POST is signed with the function's own credentials, so S3 checks the upload
against the function's rights: it may put objects under `photos/` in the upload bucket and
nothing else. To report an outcome it reads the original's tags (the pipeline's verdict) and
the variants' `meta.json` in the photo bucket; `s3:ListBucket` on both makes a missing key
a 404 rather than a 403 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
"Permissions"), which is how "still processing" is told apart from "no such upload".
"""

from __future__ import annotations

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from stratus.blog.config import ENV_PHOTO_BUCKET, ENV_PHOTO_MAX_BYTES, ENV_UPLOAD_BUCKET
from stratus.blog.photos.config import DEFAULT_MAX_BYTES
from stratus.blog.uploads import UPLOAD_PREFIX
from stratus.infra.blog.photos import PhotoPipeline
from stratus.infra.shared.nag import acknowledge


def _logical_id(bucket: s3.IBucket) -> str:
    child = bucket.node.default_child
    assert isinstance(child, CfnResource)
    return str(Stack.of(bucket).resolve(child.logical_id))


def grant_photo_uploads(fn: lambda_.Function, photos: PhotoPipeline) -> None:
    fn.add_environment(ENV_UPLOAD_BUCKET, photos.upload_bucket.bucket_name)
    fn.add_environment(ENV_PHOTO_BUCKET, photos.photo_bucket.bucket_name)
    fn.add_environment(ENV_PHOTO_MAX_BYTES, str(DEFAULT_MAX_BYTES))
    role = fn.role
    assert role is not None
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject", "s3:GetObjectTagging"],
            resources=[photos.upload_bucket.arn_for_objects(f"{UPLOAD_PREFIX}*")],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[photos.photo_bucket.arn_for_objects(f"{UPLOAD_PREFIX}*/meta.json")],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[photos.upload_bucket.bucket_arn, photos.photo_bucket.bucket_arn],
        )
    )
    for bucket, pattern in (
        (photos.upload_bucket, f"{UPLOAD_PREFIX}*"),
        (photos.photo_bucket, f"{UPLOAD_PREFIX}*/meta.json"),
    ):
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::<{_logical_id(bucket)}.Arn>/{pattern}]",
            "Upload keys are random ids made per request (photos/<uuid>.<ext>), so only a "
            "prefix can name them; the function reads nothing else of the photo bucket "
            "than each upload's meta.json.",
        )
