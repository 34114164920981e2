"""AWS::SecretsManager::Secret in moto, with GenerateSecretString done here.

moto's CreateSecret takes only a ready value; CloudFormation generates it from
GenerateSecretString (same rules as GetRandomPassword), so that is reproduced with `secrets`.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
    tags,
)

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def generate_password(spec: dict[str, Any], choose: Any = secrets.choice) -> str:
    length = int(spec.get("PasswordLength", 32))
    exclude = set(str(spec.get("ExcludeCharacters", "")))
    classes = []
    if not spec.get("ExcludeLowercase"):
        classes.append(string.ascii_lowercase)
    if not spec.get("ExcludeUppercase"):
        classes.append(string.ascii_uppercase)
    if not spec.get("ExcludeNumbers"):
        classes.append(string.digits)
    if not spec.get("ExcludePunctuation"):
        classes.append(PUNCTUATION)
    if spec.get("IncludeSpace"):
        classes.append(" ")
    pools = [[c for c in cls if c not in exclude] for cls in classes]
    pools = [p for p in pools if p]
    if not pools:
        raise ValueError("GenerateSecretString excludes every character")
    alphabet = [c for p in pools for c in p]
    chars = [choose(alphabet) for _ in range(length)]
    if spec.get("RequireEachIncludedType", True) and length >= len(pools):
        for i, pool in enumerate(pools):  # one of each type, like GetRandomPassword
            chars[i] = choose(pool)
        secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def secret_string(spec: dict[str, Any]) -> str:
    password = generate_password(spec)
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template and key:
        document = json.loads(template)
        document[key] = password
        return json.dumps(document)
    return password


class SecretProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        sm = ctx.aws("secretsmanager")
        name = props.get("Name") or ctx.name(256)
        if "SecretString" in props:
            value = str(props["SecretString"])
        else:
            value = secret_string(props.get("GenerateSecretString") or {})
        params: dict[str, Any] = {"Name": name, "SecretString": value}
        if props.get("Description"):
            params["Description"] = props["Description"]
        if props.get("Tags"):
            params["Tags"] = tags(props)
        try:
            arn = sm.create_secret(**params)["ARN"]
        except Exception as exc:
            if error_code(exc) != "ResourceExistsException":
                raise
            arn = sm.describe_secret(SecretId=name)["ARN"]  # keep the value already generated
        return arn, {"Id": arn, "Name": name}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("secretsmanager").describe_secret(SecretId=physical_id),
            "ResourceNotFoundException",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("secretsmanager").delete_secret(
            SecretId=physical_id, ForceDeleteWithoutRecovery=True
        )
