from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.balance_response import BalanceResponse
from ...models.error_response import ErrorResponse
from ...models.get_balance_currency import GetBalanceCurrency
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: str,
    *,
    currency: GetBalanceCurrency | Unset = GetBalanceCurrency.USD,
    at: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_currency: str | Unset = UNSET
    if not isinstance(currency, Unset):
        json_currency = currency.value

    params["currency"] = json_currency

    json_at: None | str | Unset
    if isinstance(at, Unset):
        json_at = UNSET
    else:
        json_at = at
    params["at"] = json_at

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/users/{user_id}/balance".format(
            user_id=quote(str(user_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BalanceResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = BalanceResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BalanceResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient | Client,
    currency: GetBalanceCurrency | Unset = GetBalanceCurrency.USD,
    at: None | str | Unset = UNSET,
) -> Response[BalanceResponse | ErrorResponse]:
    """A user's balance in one asset (the opening balance, 100.00 USD by default, for a user never seen)

    Args:
        user_id (str):
        currency (GetBalanceCurrency | Unset):  Default: GetBalanceCurrency.USD.
        at (None | str | Unset): An ISO 8601 instant with a time zone: the balance right after the
            last entry at or before it (the opening balance if there is none)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BalanceResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        currency=currency,
        at=at,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: str,
    *,
    client: AuthenticatedClient | Client,
    currency: GetBalanceCurrency | Unset = GetBalanceCurrency.USD,
    at: None | str | Unset = UNSET,
) -> BalanceResponse | ErrorResponse | None:
    """A user's balance in one asset (the opening balance, 100.00 USD by default, for a user never seen)

    Args:
        user_id (str):
        currency (GetBalanceCurrency | Unset):  Default: GetBalanceCurrency.USD.
        at (None | str | Unset): An ISO 8601 instant with a time zone: the balance right after the
            last entry at or before it (the opening balance if there is none)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BalanceResponse | ErrorResponse
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        currency=currency,
        at=at,
    ).parsed


async def asyncio_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient | Client,
    currency: GetBalanceCurrency | Unset = GetBalanceCurrency.USD,
    at: None | str | Unset = UNSET,
) -> Response[BalanceResponse | ErrorResponse]:
    """A user's balance in one asset (the opening balance, 100.00 USD by default, for a user never seen)

    Args:
        user_id (str):
        currency (GetBalanceCurrency | Unset):  Default: GetBalanceCurrency.USD.
        at (None | str | Unset): An ISO 8601 instant with a time zone: the balance right after the
            last entry at or before it (the opening balance if there is none)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BalanceResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        currency=currency,
        at=at,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: str,
    *,
    client: AuthenticatedClient | Client,
    currency: GetBalanceCurrency | Unset = GetBalanceCurrency.USD,
    at: None | str | Unset = UNSET,
) -> BalanceResponse | ErrorResponse | None:
    """A user's balance in one asset (the opening balance, 100.00 USD by default, for a user never seen)

    Args:
        user_id (str):
        currency (GetBalanceCurrency | Unset):  Default: GetBalanceCurrency.USD.
        at (None | str | Unset): An ISO 8601 instant with a time zone: the balance right after the
            last entry at or before it (the opening balance if there is none)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BalanceResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            currency=currency,
            at=at,
        )
    ).parsed
