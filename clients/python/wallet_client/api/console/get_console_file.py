from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.get_console_file_file import GetConsoleFileFile
from ...models.get_console_file_response_200 import GetConsoleFileResponse200
from ...types import Response


def _get_kwargs(
    file: GetConsoleFileFile,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/console/{file}".format(
            file=quote(str(file), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | GetConsoleFileResponse200 | None:
    if response.status_code == 200:
        response_200 = GetConsoleFileResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | GetConsoleFileResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    file: GetConsoleFileFile,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorResponse | GetConsoleFileResponse200]:
    """A file of the console: its script, styles, the chart library, its configuration

    Args:
        file (GetConsoleFileFile):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | GetConsoleFileResponse200]
    """

    kwargs = _get_kwargs(
        file=file,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    file: GetConsoleFileFile,
    *,
    client: AuthenticatedClient,
) -> ErrorResponse | GetConsoleFileResponse200 | None:
    """A file of the console: its script, styles, the chart library, its configuration

    Args:
        file (GetConsoleFileFile):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | GetConsoleFileResponse200
    """

    return sync_detailed(
        file=file,
        client=client,
    ).parsed


async def asyncio_detailed(
    file: GetConsoleFileFile,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorResponse | GetConsoleFileResponse200]:
    """A file of the console: its script, styles, the chart library, its configuration

    Args:
        file (GetConsoleFileFile):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | GetConsoleFileResponse200]
    """

    kwargs = _get_kwargs(
        file=file,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    file: GetConsoleFileFile,
    *,
    client: AuthenticatedClient,
) -> ErrorResponse | GetConsoleFileResponse200 | None:
    """A file of the console: its script, styles, the chart library, its configuration

    Args:
        file (GetConsoleFileFile):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | GetConsoleFileResponse200
    """

    return (
        await asyncio_detailed(
            file=file,
            client=client,
        )
    ).parsed
