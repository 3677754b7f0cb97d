from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.get_system_balance_currency import GetSystemBalanceCurrency
from ...models.get_system_balance_name import GetSystemBalanceName
from ...models.system_balance_response import SystemBalanceResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: GetSystemBalanceName,
    *,
    currency: GetSystemBalanceCurrency | Unset = GetSystemBalanceCurrency.USD,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_currency: str | Unset = UNSET
    if not isinstance(currency, Unset):
        json_currency = currency.value

    params["currency"] = json_currency

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/system-accounts/{name}/balance".format(
            name=quote(str(name), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | SystemBalanceResponse | None:
    if response.status_code == 200:
        response_200 = SystemBalanceResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | SystemBalanceResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: GetSystemBalanceName,
    *,
    client: AuthenticatedClient | Client,
    currency: GetSystemBalanceCurrency | Unset = GetSystemBalanceCurrency.USD,
) -> Response[ErrorResponse | SystemBalanceResponse]:
    """One system account's balance in one asset

    Args:
        name (GetSystemBalanceName):
        currency (GetSystemBalanceCurrency | Unset):  Default: GetSystemBalanceCurrency.USD.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | SystemBalanceResponse]
    """

    kwargs = _get_kwargs(
        name=name,
        currency=currency,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: GetSystemBalanceName,
    *,
    client: AuthenticatedClient | Client,
    currency: GetSystemBalanceCurrency | Unset = GetSystemBalanceCurrency.USD,
) -> ErrorResponse | SystemBalanceResponse | None:
    """One system account's balance in one asset

    Args:
        name (GetSystemBalanceName):
        currency (GetSystemBalanceCurrency | Unset):  Default: GetSystemBalanceCurrency.USD.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | SystemBalanceResponse
    """

    return sync_detailed(
        name=name,
        client=client,
        currency=currency,
    ).parsed


async def asyncio_detailed(
    name: GetSystemBalanceName,
    *,
    client: AuthenticatedClient | Client,
    currency: GetSystemBalanceCurrency | Unset = GetSystemBalanceCurrency.USD,
) -> Response[ErrorResponse | SystemBalanceResponse]:
    """One system account's balance in one asset

    Args:
        name (GetSystemBalanceName):
        currency (GetSystemBalanceCurrency | Unset):  Default: GetSystemBalanceCurrency.USD.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | SystemBalanceResponse]
    """

    kwargs = _get_kwargs(
        name=name,
        currency=currency,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: GetSystemBalanceName,
    *,
    client: AuthenticatedClient | Client,
    currency: GetSystemBalanceCurrency | Unset = GetSystemBalanceCurrency.USD,
) -> ErrorResponse | SystemBalanceResponse | None:
    """One system account's balance in one asset

    Args:
        name (GetSystemBalanceName):
        currency (GetSystemBalanceCurrency | Unset):  Default: GetSystemBalanceCurrency.USD.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | SystemBalanceResponse
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            currency=currency,
        )
    ).parsed
