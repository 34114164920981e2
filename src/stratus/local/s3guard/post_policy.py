"""Browser-based POST uploads (`generate_presigned_post`): signature, expiry and every condition.

python-multipart (the parser Starlette uses) splits the form; the POST policy rules are S3's
and written here because no library checks them: the signature is the SigV4 signing key's
HMAC of the base64 policy, the policy must not be expired, each form field must satisfy its
conditions, and every field must be covered by some condition ("Extra input fields").
The policy's expiration, exact and `starts-with` matches and `content-length-range` are
S3's (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html);
the signature is SigV4's over the base64 policy
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.s3guard.errors import S3Error, access_denied, unsupported_auth
from stratus.local.s3guard.sigv4 import parse_amz_date, parse_scope, principal_for, signing_key

# Fields S3 never asks a policy to cover.
_EXEMPT = {"file", "policy", "x-amz-signature", "awsaccesskeyid", "signature"}


@dataclass
class PostForm:
    fields: dict[str, str] = field(default_factory=dict)  # lower-cased name -> value
    names: dict[str, str] = field(default_factory=dict)  # lower-cased name -> name as sent
    file: bytes | None = None
    filename: str | None = None


def parse_form(body: bytes, content_type: str) -> PostForm:
    """Split a multipart/form-data body; fields after the file are ignored, as by S3."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise S3Error(
            400,
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
        )
    form = PostForm()
    state: dict[str, Any] = {"header_field": b"", "header_value": b"", "headers": {}, "data": []}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header_field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["header_value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["header_field"].decode("latin-1").lower()] = state[
            "header_value"
        ].decode("utf-8", "replace")
        state["header_field"], state["header_value"] = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        state["data"].append(data[start:end])

    def on_part_end() -> None:
        _, opts = parse_options_header(state["headers"].get("content-disposition", ""))
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        value = b"".join(state["data"])
        state["headers"], state["data"] = {}, []
        if form.file is not None or not name:
            return
        if name.lower() == "file":
            form.file = value
            form.filename = opts.get(b"filename", b"").decode("utf-8", "replace")
        else:
            form.fields[name.lower()] = value.decode("utf-8", "replace")
            form.names[name.lower()] = name

    parser = MultipartParser(
        boundary,
        callbacks={
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
        max_header_count=32,
    )
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError:
        raise S3Error(
            400,
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
        ) from None
    return form


def _failed(condition: list[Any]) -> S3Error:
    return access_denied(
        f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
    )


def _check_conditions(conditions: list[Any], values: dict[str, str], size: int) -> set[str]:
    """Raise on the first failed condition; return the field names the policy covers."""
    covered: set[str] = set()
    for condition in conditions:
        if isinstance(condition, dict) and len(condition) == 1:
            ((name, expected),) = condition.items()
            covered.add(name.lower())
            if values.get(name.lower()) != str(expected):
                raise _failed(["eq", f"${name}", expected])
        elif (
            isinstance(condition, list)
            and len(condition) == 3
            and condition[0] == "content-length-range"
        ):
            low, high = int(condition[1]), int(condition[2])
            # S3 answers 400 EntityTooLarge/EntityTooSmall here, not 403 AccessDenied.
            if size > high:
                raise S3Error(
                    400,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    ProposedSize=size,
                    MaxSizeAllowed=high,
                )
            if size < low:
                raise S3Error(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    ProposedSize=size,
                    MinSizeAllowed=low,
                )
        elif (
            isinstance(condition, list)
            and len(condition) == 3
            and str(condition[1]).startswith("$")
        ):
            op, name, expected = str(condition[0]).lower(), str(condition[1])[1:], str(condition[2])
            covered.add(name.lower())
            actual = values.get(name.lower(), "")
            if op == "eq":
                ok = actual == expected
            elif op == "starts-with":
                ok = actual.startswith(expected)
                if (
                    name.lower() == "content-type" and not ok
                ):  # S3: comma-separated types each checked
                    ok = bool(actual) and all(
                        part.strip().startswith(expected) for part in actual.split(",")
                    )
            else:
                raise S3Error(
                    400,
                    "InvalidPolicyDocument",
                    f"Invalid Policy: Invalid Condition: {json.dumps(condition)}",
                )
            if not ok:
                raise _failed(condition)
        else:
            raise S3Error(
                400,
                "InvalidPolicyDocument",
                f"Invalid Policy: Invalid Simple-Condition: {json.dumps(condition)}",
            )
    return covered


def verify_post(
    form: PostForm, bucket: str, store: CredentialStore, *, region: str, now: float
) -> tuple[Principal, str]:
    """Check a browser POST upload; return the signer and the object key it will create."""
    if "key" not in form.fields:
        raise S3Error(
            400,
            "InvalidArgument",
            "Bucket POST must contain a field named 'key'.  "
            "If it is specified, please check the order of the fields.",
            ArgumentName="key",
            ArgumentValue="",
        )
    if form.file is None:
        raise S3Error(
            400,
            "InvalidArgument",
            "POST requires exactly one file upload per request.",
            ArgumentName="file",
            ArgumentValue="0",
        )
    if "awsaccesskeyid" in form.fields:
        raise unsupported_auth()  # SigV2 POST, refused as in SigV4-only regions
    policy_b64, signature = form.fields.get("policy"), form.fields.get("x-amz-signature")
    credential, amz_date = form.fields.get("x-amz-credential"), form.fields.get("x-amz-date", "")
    if not policy_b64 or not signature or not credential:
        raise access_denied()  # anonymous upload: no bucket here grants public write
    if form.fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
        raise S3Error(
            400,
            "InvalidArgument",
            "Only AWS4-HMAC-SHA256 is supported as x-amz-algorithm",
            ArgumentName="x-amz-algorithm",
        )
    scope = parse_scope(credential, header=False)
    if parse_amz_date(amz_date) is None:
        raise S3Error(
            400,
            "InvalidArgument",
            "x-amz-date must be in the ISO8601 Long Format",
            ArgumentName="x-amz-date",
        )
    if scope.region != region or scope.service != "s3":
        raise S3Error(
            400,
            "AuthorizationQueryParametersError",
            "Error parsing the X-Amz-Credential parameter; "
            f"the region '{scope.region}' is wrong; expecting '{region}'",
        )
    principal = principal_for(store, scope.access_key, form.fields.get("x-amz-security-token"), now)
    expected = hmac.new(
        signing_key(principal.secret_access_key, scope.date, scope.region, scope.service),
        policy_b64.encode(),
        "sha256",
    ).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            AWSAccessKeyId=principal.access_key_id,
            StringToSign=policy_b64,
            SignatureProvided=signature,
        )
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
        expiration = datetime.fromisoformat(
            str(policy["expiration"]).replace("Z", "+00:00")
        ).timestamp()
        conditions = list(policy["conditions"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if now > expiration:
        raise access_denied("Invalid according to Policy: Policy expired.")
    key = form.fields["key"].replace("${filename}", form.filename or "")
    values = {**form.fields, "key": key, "bucket": bucket}
    covered = _check_conditions(conditions, values, len(form.file))
    extra = [
        form.names[n]
        for n in form.fields
        if n not in _EXEMPT and not n.startswith("x-ignore-") and n not in covered
    ]
    if extra:
        raise access_denied(f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
    return principal, key
