"""The to-do stage answers: its API is deployed behind the Cognito authorizer, its pool exists."""

from __future__ import annotations

import boto3
import httpx

from tests.smoke.stage import output


def test_todo_api_rejects_a_request_without_a_token(todo_api: httpx.Client) -> None:
    response = todo_api.get("todos")
    assert response.status_code == 401, response.text


def test_todo_user_pool_is_deployed() -> None:
    pool_id = output("UserPoolId")
    cognito = boto3.client("cognito-idp", region_name=pool_id.split("_", 1)[0])
    assert cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id
