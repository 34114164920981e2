from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.gateway_message import GatewayMessage
from ...models.todo import Todo
from ...types import Response


def _get_kwargs(
    todo_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/todos/{todo_id}".format(
            todo_id=quote(str(todo_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | GatewayMessage | Todo | None:
    if response.status_code == 200:
        response_200 = Todo.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = GatewayMessage.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = GatewayMessage.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 500:
        response_500 = ErrorBody.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | GatewayMessage | Todo]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    todo_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorBody | GatewayMessage | Todo]:
    """Get one to-do

    Args:
        todo_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | GatewayMessage | Todo]
    """

    kwargs = _get_kwargs(
        todo_id=todo_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    todo_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorBody | GatewayMessage | Todo | None:
    """Get one to-do

    Args:
        todo_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | GatewayMessage | Todo
    """

    return sync_detailed(
        todo_id=todo_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    todo_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorBody | GatewayMessage | Todo]:
    """Get one to-do

    Args:
        todo_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | GatewayMessage | Todo]
    """

    kwargs = _get_kwargs(
        todo_id=todo_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    todo_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorBody | GatewayMessage | Todo | None:
    """Get one to-do

    Args:
        todo_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | GatewayMessage | Todo
    """

    return (
        await asyncio_detailed(
            todo_id=todo_id,
            client=client,
        )
    ).parsed
