"""AWS::SecretsManager::SecretTargetAttachment: the database's connection details added to
its credentials secret, as Secrets Manager does.

CloudFormation "completes the final link between a Secrets Manager secret and the associated
database by adding the database connection information to the secret JSON", and removing
the attachment removes that information with a PutSecretValue
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secrettargetattachment.html).
The keys are those of the database secret structure: engine, host, port (a number), dbname,
and dbClusterIdentifier or dbInstanceIdentifier
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html);
Aurora PostgreSQL and RDS for PostgreSQL both say `"engine": "postgres"`. The Ref of an
attachment is the secret's ARN. It runs on every start (the target's port may differ from
the last run) and writes a new secret version only when the JSON changes. A target the
local cloud does not run (another engine, another service) leaves the secret as it is, with
a warning; `up` names that target as skipped.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from stratus.local.provision.provider import Attributes, Provider, ProviderContext

log = logging.getLogger("stratus.provision")
CONNECTION_KEYS = (
    "engine",
    "host",
    "port",
    "dbname",
    "dbClusterIdentifier",
    "dbInstanceIdentifier",
)
# Engine names as the secret structure spells them (RDS engine -> secret "engine").
ENGINES = {
    "aurora-postgresql": "postgres",
    "postgres": "postgres",
    "aurora-mysql": "mysql",
    "aurora": "mysql",
    "mysql": "mysql",
    "mariadb": "mariadb",
}
TARGETS = {
    "AWS::RDS::DBCluster": ("dbClusterIdentifier", "DatabaseName"),
    "AWS::RDS::DBInstance": ("dbInstanceIdentifier", "DBName"),
}


def connection_fields(
    target_type: str, identifier: str, properties: dict[str, Any], attributes: dict[str, Any]
) -> dict[str, Any]:
    """What the attachment adds for one provisioned RDS target."""
    if target_type not in TARGETS:
        raise ValueError(
            f"TargetType {target_type!r} is not emulated locally "
            f"(supported: {', '.join(sorted(TARGETS))})"
        )
    id_key, name_key = TARGETS[target_type]
    engine = str(properties.get("Engine") or "")
    fields: dict[str, Any] = {
        "engine": ENGINES.get(engine, engine),
        "host": str(attributes["Endpoint.Address"]),
        "port": int(attributes["Endpoint.Port"]),
        id_key: identifier,
    }
    if properties.get(name_key):
        fields["dbname"] = str(properties[name_key])
    return fields


def attached(secret: str, fields: dict[str, Any]) -> str:
    """The secret's JSON with `fields` set (other keys, e.g. username/password, kept)."""
    try:
        document = json.loads(secret)
    except ValueError:
        raise ValueError("the secret is not JSON: nothing to attach a database to") from None
    if not isinstance(document, dict):
        raise ValueError("the secret is not a JSON object: nothing to attach a database to")
    for key in CONNECTION_KEYS:
        document.pop(key, None)
    document.update(fields)
    return json.dumps(document)


def detached(secret: str) -> str:
    try:
        document = json.loads(secret)
    except ValueError:
        return secret
    if not isinstance(document, dict):
        return secret
    return json.dumps({k: v for k, v in document.items() if k not in CONNECTION_KEYS})


class SecretTargetAttachmentProvider(Provider):
    # The target's endpoint embeds the port of this run: the secret is checked every start.
    recompute_on_reuse = True

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        sm = ctx.aws("secretsmanager")
        secret = sm.get_secret_value(SecretId=props["SecretId"])
        target_type = str(props.get("TargetType", ""))
        target_id = str(props.get("TargetId", ""))
        target = ctx.deployment.by_physical_id(target_type, target_id) if ctx.deployment else None
        address = str((target.attributes if target else {}).get("Endpoint.Address", ""))
        if target_type not in TARGETS or target is None or address.startswith("unsupported:"):
            # A target the local cloud does not run (another engine, DocumentDB, Redshift):
            # `up` names it as skipped; the secret keeps its credentials only.
            log.warning(
                "%s/%s: %s %s is not emulated; the secret gets no connection details",
                ctx.stack,
                ctx.logical_id,
                target_type,
                target_id,
            )
            return str(secret["ARN"]), {}
        fields = connection_fields(
            target_type, target.physical_id, target.properties, target.attributes
        )
        value = attached(secret["SecretString"], fields)
        if json.loads(value) != json.loads(secret["SecretString"]):
            sm.put_secret_value(SecretId=secret["ARN"], SecretString=value)
        return str(secret["ARN"]), {}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        return self.create(ctx, props)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        sm = ctx.aws("secretsmanager")
        try:
            secret = sm.get_secret_value(SecretId=physical_id)
        except Exception:
            return  # the secret went first
        value = detached(secret["SecretString"])
        if value != secret["SecretString"]:
            sm.put_secret_value(SecretId=physical_id, SecretString=value)
