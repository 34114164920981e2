"""Secrets Manager, SSM parameters and KMS requests -> IAM checks."""

from __future__ import annotations

import base64

from tests.unit.local.iam.calls import ACCOUNT, arn, call_of, needs_of

from stratus.local.iam.actions import Need, needs

DB_SECRET = arn("secretsmanager", "secret:shop/db-AbCdEf")


class _Secrets:
    def secret_arn(self, region: str, secret_id: str) -> str | None:
        return DB_SECRET if secret_id == "shop/db" else None

    def kms_key_arn(self, region: str, key_id: str) -> str | None:
        return (
            arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab") if "alias/" in key_id else None
        )


def test_secret_by_name_resolves_through_the_lookup() -> None:
    found = needs_of("secretsmanager", "get_secret_value", lookups=_Secrets(), SecretId="shop/db")
    assert found == [
        Need("secretsmanager:GetSecretValue", DB_SECRET, {"secretsmanager:SecretId": DB_SECRET})
    ]


def test_unknown_secret_name_is_the_six_character_suffix_pattern() -> None:
    pattern = arn("secretsmanager", "secret:other-??????")
    found = needs_of("secretsmanager", "describe_secret", SecretId="other")
    assert found == [
        Need("secretsmanager:DescribeSecret", pattern, {"secretsmanager:SecretId": pattern})
    ]


def test_secret_by_arn_and_version_stage() -> None:
    found = needs_of(
        "secretsmanager", "get_secret_value", SecretId=DB_SECRET, VersionStage="AWSPREVIOUS"
    )
    assert found == [
        Need(
            "secretsmanager:GetSecretValue",
            DB_SECRET,
            {"secretsmanager:SecretId": DB_SECRET, "secretsmanager:VersionStage": "AWSPREVIOUS"},
        )
    ]


def test_create_list_and_batch_get() -> None:
    assert needs_of("secretsmanager", "create_secret", Name="new", SecretString="s") == [
        Need(
            "secretsmanager:CreateSecret",
            arn("secretsmanager", "secret:new-??????"),
            {"secretsmanager:Name": "new"},
        )
    ]
    assert needs_of("secretsmanager", "list_secrets") == [Need("secretsmanager:ListSecrets", "*")]
    batch = needs_of(
        "secretsmanager", "batch_get_secret_value", lookups=_Secrets(), SecretIdList=["shop/db"]
    )
    assert batch == [
        Need("secretsmanager:BatchGetSecretValue", "*"),
        Need("secretsmanager:GetSecretValue", DB_SECRET),
    ]


def test_ssm_parameters_without_doubling_the_slash() -> None:
    assert needs_of("ssm", "get_parameter", Name="/shop/stage") == [
        Need("ssm:GetParameter", arn("ssm", "parameter/shop/stage"))
    ]
    assert needs_of("ssm", "get_parameter", Name="plain:3") == [
        Need("ssm:GetParameter", arn("ssm", "parameter/plain"))
    ]
    assert needs_of("ssm", "get_parameters", Names=["/a", "/b"]) == [
        Need("ssm:GetParameters", arn("ssm", "parameter/a")),
        Need("ssm:GetParameters", arn("ssm", "parameter/b")),
    ]
    assert needs_of("ssm", "get_parameters_by_path", Path="/shop/", Recursive=True) == [
        Need("ssm:GetParametersByPath", arn("ssm", "parameter/shop"), {"ssm:Recursive": "true"})
    ]
    assert needs_of(
        "ssm", "put_parameter", Name="/shop/flag", Value="1", Type="String", Overwrite=True
    ) == [Need("ssm:PutParameter", arn("ssm", "parameter/shop/flag"), {"ssm:Overwrite": "true"})]
    assert needs_of("ssm", "describe_parameters") == [Need("ssm:DescribeParameters", "*")]


def test_kms_key_by_id_arn_and_alias() -> None:
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    key = arn("kms", f"key/{key_id}")
    assert needs_of("kms", "encrypt", KeyId=key_id, Plaintext=b"p") == [Need("kms:Encrypt", key)]
    assert needs_of("kms", "describe_key", KeyId=key) == [Need("kms:DescribeKey", key)]
    aliased = needs_of(
        "kms",
        "generate_data_key",
        lookups=_Secrets(),
        KeyId="alias/shop",
        KeySpec="AES_256",
        EncryptionContext={"tenant": "t1"},
    )
    assert aliased == [
        Need(
            "kms:GenerateDataKey",
            key,
            {
                "kms:EncryptionContext:tenant": "t1",
                "kms:EncryptionContextKeys": ["tenant"],
                "kms:RequestAlias": "alias/shop",
            },
        )
    ]
    # Without the lookup the alias ARN stands in for its key (not a resource type of
    # kms:Encrypt, so outside the reference check): a key-scoped grant cannot match it.
    unresolved = needs(
        call_of("kms", "encrypt", KeyId="alias/shop", Plaintext=b"p"), account=ACCOUNT
    )
    assert unresolved == [
        Need("kms:Encrypt", arn("kms", "alias/shop"), {"kms:RequestAlias": "alias/shop"})
    ]


def test_kms_decrypt_reads_the_key_from_the_local_ciphertext() -> None:
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    blob = key_id.encode() + b"\x00" * 28 + b"ciphertext"  # moto: key id, iv, tag, data
    found = needs_of("kms", "decrypt", CiphertextBlob=blob)
    assert found == [Need("kms:Decrypt", arn("kms", f"key/{key_id}"))]
    assert base64.b64encode(blob)  # sent base64-encoded in the JSON body
    assert needs_of("kms", "list_keys") == [Need("kms:ListKeys", "*")]
