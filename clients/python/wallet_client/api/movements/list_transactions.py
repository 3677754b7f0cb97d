from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.history_response import HistoryResponse
from ...models.list_transactions_currency import ListTransactionsCurrency
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: str,
    *,
    currency: ListTransactionsCurrency | Unset = ListTransactionsCurrency.USD,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_currency: str | Unset = UNSET
    if not isinstance(currency, Unset):
        json_currency = currency.value

    params["currency"] = json_currency

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    else:
        json_to = to
    params["to"] = json_to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/users/{user_id}/transactions".format(
            user_id=quote(str(user_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | HistoryResponse | None:
    if response.status_code == 200:
        response_200 = HistoryResponse.from_dict(response.json())

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
) -> Response[ErrorResponse | HistoryResponse]:
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
    currency: ListTransactionsCurrency | Unset = ListTransactionsCurrency.USD,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
) -> Response[ErrorResponse | HistoryResponse]:
    """A user's ledger entries in one asset, newest first

    Args:
        user_id (str):
        currency (ListTransactionsCurrency | Unset):  Default: ListTransactionsCurrency.USD.
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        from_ (None | str | Unset): Only entries created at or after this instant
        to (None | str | Unset): Only entries created before this instant

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | HistoryResponse]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        currency=currency,
        limit=limit,
        cursor=cursor,
        from_=from_,
        to=to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: str,
    *,
    client: AuthenticatedClient | Client,
    currency: ListTransactionsCurrency | Unset = ListTransactionsCurrency.USD,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
) -> ErrorResponse | HistoryResponse | None:
    """A user's ledger entries in one asset, newest first

    Args:
        user_id (str):
        currency (ListTransactionsCurrency | Unset):  Default: ListTransactionsCurrency.USD.
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        from_ (None | str | Unset): Only entries created at or after this instant
        to (None | str | Unset): Only entries created before this instant

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | HistoryResponse
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        currency=currency,
        limit=limit,
        cursor=cursor,
        from_=from_,
        to=to,
    ).parsed


async def asyncio_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient | Client,
    currency: ListTransactionsCurrency | Unset = ListTransactionsCurrency.USD,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
) -> Response[ErrorResponse | HistoryResponse]:
    """A user's ledger entries in one asset, newest first

    Args:
        user_id (str):
        currency (ListTransactionsCurrency | Unset):  Default: ListTransactionsCurrency.USD.
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        from_ (None | str | Unset): Only entries created at or after this instant
        to (None | str | Unset): Only entries created before this instant

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | HistoryResponse]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        currency=currency,
        limit=limit,
        cursor=cursor,
        from_=from_,
        to=to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: str,
    *,
    client: AuthenticatedClient | Client,
    currency: ListTransactionsCurrency | Unset = ListTransactionsCurrency.USD,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
) -> ErrorResponse | HistoryResponse | None:
    """A user's ledger entries in one asset, newest first

    Args:
        user_id (str):
        currency (ListTransactionsCurrency | Unset):  Default: ListTransactionsCurrency.USD.
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        from_ (None | str | Unset): Only entries created at or after this instant
        to (None | str | Unset): Only entries created before this instant

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | HistoryResponse
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            currency=currency,
            limit=limit,
            cursor=cursor,
            from_=from_,
            to=to,
        )
    ).parsed
