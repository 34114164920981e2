"""The to-do system's stack: auth, storage, optional DAX cache, two functions, REST API.

Functions get their own roles with least-privilege inline grants (log group, table,
bucket, secret, DAX) rather than the broad AWSLambdaBasicExecutionRole.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stratus.infra.shared.functions import python_function
from stratus.infra.shared.nag import acknowledge
from stratus.infra.todo.constructs.api import TodoApi
from stratus.infra.todo.constructs.auth import TodoAuth
from stratus.infra.todo.constructs.dax import DaxCache
from stratus.infra.todo.constructs.storage import TodoStorage
from stratus.infra.todo.stage import TodoStageConfig
from stratus.todo.config import (
    ENV_CURSOR_SECRET_ARN,
    ENV_DAX_ENDPOINT,
    ENV_FILES_BUCKET,
    ENV_IDEMPOTENCY_TABLE,
    ENV_QUERY_CACHE_TTL,
    ENV_TODO_TABLE,
    ENV_UPLOAD_MAX_BYTES,
    ENV_URL_TTL,
)

TODOS_HANDLER = "stratus.todo.handlers.todos.lambda_handler"
FILES_HANDLER = "stratus.todo.handlers.files.lambda_handler"
QUERY_CACHE_TTL_SECONDS = 300  # = the DAX parameter group's query-ttl-millis
VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"


def todo_stack_name(stage: str) -> str:
    return f"Stratus-{stage}-Todo"


class TodoStack(Stack):
    """Everything the to-do mobile backend needs, for one stage."""

    def __init__(self, scope: Construct, *, cfg: TodoStageConfig, code_path: Path) -> None:
        name = todo_stack_name(cfg.name)
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"stratus to-do mobile backend ({cfg.name})",
            termination_protection=cfg.is_prod,
        )
        self.cfg = cfg
        storage = TodoStorage(self, "Storage", cfg=cfg)
        auth = TodoAuth(self, "Auth", cfg=cfg, bucket=storage.bucket)
        cache = (
            DaxCache(self, "Cache", cfg=cfg, table=storage.todo_table) if cfg.dax_enabled else None
        )
        code = lambda_.Code.from_asset(str(code_path))
        common_env = {
            "POWERTOOLS_SERVICE_NAME": "todo",
            "POWERTOOLS_METRICS_NAMESPACE": "Stratus",
            "LOG_LEVEL": "INFO",
            ENV_TODO_TABLE: storage.todo_table.table_name,
            ENV_IDEMPOTENCY_TABLE: storage.idempotency_table.table_name,
            ENV_FILES_BUCKET: storage.bucket.bucket_name,
            ENV_CURSOR_SECRET_ARN: storage.cursor_secret.secret_arn,
            ENV_QUERY_CACHE_TTL: str(QUERY_CACHE_TTL_SECONDS),
        }
        todos_env = dict(common_env)
        if cache is not None:
            todos_env[ENV_DAX_ENDPOINT] = cache.discovery_endpoint

        todos_fn = self._function("TodosFunction", TODOS_HANDLER, code, todos_env, cache)
        files_env = {**common_env, ENV_URL_TTL: "900", ENV_UPLOAD_MAX_BYTES: str(50 * 1024 * 1024)}
        files_fn = self._function("FilesFunction", FILES_HANDLER, code, files_env, cache)

        storage.todo_table.grant_read_write_data(todos_fn)
        storage.idempotency_table.grant_read_write_data(todos_fn)
        storage.cursor_secret.grant_read(todos_fn)
        if cache is not None:
            cache.grant_data_access(todos_fn.role)  # type: ignore[arg-type]
        files_role = files_fn.role
        assert files_role is not None
        files_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[storage.bucket.arn_for_objects("*")],
            )
        )
        files_role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[storage.bucket.bucket_arn])
        )
        storage.cursor_secret.grant_read(files_fn)
        acknowledge(
            files_role,
            f"AwsSolutions-IAM5[Resource::<{self.get_logical_id(storage.bucket.node.default_child)}"  # type: ignore[arg-type]
            ".Arn>/*]",
            "The files function signs URLs for every user's folder; the handler scopes each "
            "key to the caller's `sub` from the verified token.",
        )

        api = TodoApi(
            self, "Api", cfg=cfg, user_pool=auth.user_pool, todos_fn=todos_fn, files_fn=files_fn
        )

        outputs = {
            "TodoApiUrl": api.url,
            "UserPoolId": auth.user_pool.user_pool_id,
            "UserPoolClientId": auth.client.user_pool_client_id,
            "IdentityPoolId": auth.identity_pool.ref,
            "UserFilesBucketName": storage.bucket.bucket_name,
            "Region": Aws.REGION,
            "UserPoolDomain": auth.domain.base_url(),
            "TodoTableName": storage.todo_table.table_name,
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)

    def _function(
        self,
        construct_id: str,
        handler: str,
        code: lambda_.Code,
        env: dict[str, str],
        cache: DaxCache | None,
    ) -> lambda_.Function:
        vpc_access = (
            VPC_ACCESS_POLICY,
            "Lambda needs ENI permissions to run in the DAX VPC; the AWS-maintained "
            "policy is the documented minimum for that.",
        )
        return python_function(
            self,
            construct_id,
            cfg=self.cfg,
            handler=handler,
            code=code,
            env=env,
            timeout_seconds=10,
            managed_policies=[vpc_access] if cache is not None else [],
            vpc=cache.vpc if cache else None,
            vpc_subnets=cache.subnets if cache else None,
            security_groups=[cache.function_security_group] if cache else None,
        )
